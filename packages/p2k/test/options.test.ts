/**
 * What needs no mount: the -o options of the commands, the loader's answer
 * where FUSE cannot be used, P2K_WIZARDUID, the mount table parser, the
 * commands' usage errors.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MNT_ASYNC, MNT_NOATIME, MNT_RDONLY } from "@rump/librump";
import { imageOfSource } from "../src/umount.js";
import { MountOptionError, parseMountOptions } from "../src/cli/mntopts.js";
import { settingsOf } from "../src/mount.js";
import { PKG, RUMP } from "./helpers.js";

describe("mount options", () => {
  it("map to the host mount, the kernel's MNT_* flags and p2k's settings", () => {
    const { mount: o, mntflags } = parseMountOptions([
      "ro,allow_other",
      "noatime,async,entry_timeout=2.5",
    ]);
    expect(o).toMatchObject({ readonly: true, allowOther: true, noatime: true, entryTimeout: 2.5 });
    expect(mntflags).toBe(MNT_RDONLY | MNT_NOATIME | MNT_ASYNC);
    expect(parseMountOptions(["ro,rw"]).mntflags & MNT_RDONLY).toBe(0);
    expect(parseMountOptions(["nocache"]).mount).toMatchObject({
      nocacheName: true,
      nocachePage: true,
    });
    expect(parseMountOptions(["rump,defaults"]).mount).toEqual({});
  });

  it("refuse what they do not know, naming it", () => {
    expect(() => parseMountOptions(["ro,frobnicate"])).toThrow(MountOptionError);
    expect(() => parseMountOptions(["ro,frobnicate"])).toThrow(/unknown mount option "frobnicate"/);
    expect(() => parseMountOptions(["attr_timeout=soon"])).toThrow(/attr_timeout needs a number/);
  });

  it("names are not cached with allow_other unless asked: each user's lookup reaches the kernel", () => {
    expect(settingsOf({}).entryTimeout).toBe(1);
    expect(settingsOf({ allowOther: true }).entryTimeout).toBe(0);
    expect(settingsOf({ allowOther: true, entryTimeout: 5 }).entryTimeout).toBe(5);
  });

  it("a mount's source names its image", () => {
    expect(imageOfSource("/x/disk.img")).toBe("/x/disk.img");
    expect(imageOfSource("/x/disk.img%p1%")).toBe("/x/disk.img");
    expect(imageOfSource("/x/disk.img%DISKLABEL:a%")).toBe("/x/disk.img");
  });
});

const DIST = join(PKG, "dist", "index.js");
const built = existsSync(DIST) && existsSync(RUMP("ffs"));
if (!built)
  console.warn("p2k options: the loader and command tests skipped: not built (pnpm build)");

/** Run an ES module snippet against the built package; its stdout lines. */
function node(code: string, env: Record<string, string | undefined>): string[] {
  const e: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, ...env })) if (v !== undefined) e[k] = v;
  return spawnSync(process.execPath, ["--input-type=module", "-e", code], {
    encoding: "utf8",
    env: e,
  })
    .stdout.trim()
    .split("\n");
}

describe.skipIf(!built)("where FUSE cannot be used", () => {
  it("p2k_init says why and what to install (ENXIO), the commands too", () => {
    const lines = node(
      `import { p2k_init, p2kStatus } from "${DIST}";
      console.log(JSON.stringify(p2kStatus()));
      try { p2k_init(); } catch (e) { console.log(e.name, e.code, e.message); }`,
      { P2K_NATIVE: "0" },
    );
    expect(JSON.parse(lines[0]!)).toEqual({ available: false, reason: "disabled by P2K_NATIVE=0" });
    expect(lines[1]).toBe(
      "RumpError ENXIO ENXIO: device not configured, p2k_init: disabled by P2K_NATIVE=0",
    );
    const cmd = spawnSync(process.execPath, [RUMP("ffs"), "x.img", "/mnt"], {
      encoding: "utf8",
      env: { ...process.env, P2K_NATIVE: "0" },
    });
    expect(cmd.status).toBe(1);
    expect(cmd.stderr).toMatch(
      /^rump_ffs: ENXIO: device not configured, mount: disabled by P2K_NATIVE=0/,
    );
  });

  it("P2K_WIZARDUID: a decimal uid turns wizard mode on, anything else is refused with a message", () => {
    const code = `
      import { p2k_init, p2k_cancel, p2kStatus } from "${DIST}";
      if (!p2kStatus().available) console.log("unavailable");
      else {
        const m = p2k_init(0, (l) => console.log(l));
        console.log(String(m.wizardUid));
        p2k_cancel(m, 0);
      }`;
    const run = (v: string): string[] => node(code, { P2K_WIZARDUID: v, P2K_NATIVE: undefined });
    if (run("0")[0] === "unavailable") return;
    expect(run("1000")).toEqual(["P2K WIZARD MODE: using uid 1000", "1000"]);
    expect(run("root")).toEqual([
      'P2K_WIZARDUID: invalid uid "root", not using wizard mode',
      "null",
    ]);
  });
});

describe.skipIf(!built)("the commands' usage", () => {
  it("rump_tmpfs --help lists the options; a missing operand is exit 2", () => {
    const h = spawnSync(process.execPath, [RUMP("tmpfs"), "--help"], { encoding: "utf8" });
    expect(h.status).toBe(0);
    expect(h.stdout).toMatch(/usage: rump_tmpfs \[-f\] \[-o options\]/);
    expect(h.stdout).toMatch(/allow_other/);
    const u = spawnSync(process.execPath, [RUMP("ext2fs"), "only-one"], { encoding: "utf8" });
    expect(u.status).toBe(2);
    expect(u.stderr).toBe(
      "rump_ext2fs: special and node are required\nusage: rump_ext2fs [-f] [-o options] special[%DISKLABEL:x%|%OFFSET:start,size%] node\n",
    );
  });
});
