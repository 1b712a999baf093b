/**
 * The native addon (native/rumpuser.cc via src/native.ts): its calls with the
 * addon loaded, and loading itself — disabled, missing (one warning line).
 */
import { execFileSync, spawnSync } from "node:child_process";
import {
  closeSync,
  copyFileSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { constants, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { native, nativeStatus, rebuildHint } from "../src/native.js";

const { EWOULDBLOCK, EBADF, ENOENT, ENOTTY } = constants.errno;
const here = dirname(fileURLToPath(import.meta.url));
const REPO = join(here, "..", "..", "..");
const status = nativeStatus();

let dir = "";
const fds: number[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "native-"));
});
afterEach(() => {
  for (const fd of fds.splice(0)) closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
});

function file(size = 8192): string {
  const p = join(dir, "f.img");
  writeFileSync(p, new Uint8Array(size));
  return p;
}
function open(p: string, mode = "r+"): number {
  const fd = openSync(p, mode);
  fds.push(fd);
  return fd;
}

describe.skipIf(native === null)("native addon calls", () => {
  if (native === null) console.warn(`skipped: native addon not loaded: ${status.reason}`);
  const n = native!;

  it("loads from build/Release", () => {
    expect(status.loaded).toBe(true);
    expect(status.reason).toMatch(/build\/Release\/rumpuser\.node$/);
  });

  it("flock: exclusive and shared on two open()s of one file in one process", () => {
    const p = file();
    const a = open(p);
    const b = open(p);
    expect(n.flock(a, true)).toBe(0);
    expect(n.flock(b, true)).toBe(-EWOULDBLOCK!);
    expect(n.flock(b, false)).toBe(-EWOULDBLOCK!);
    expect(n.funlock(a)).toBe(0);
    expect(n.flock(a, false)).toBe(0);
    expect(n.flock(b, false)).toBe(0); // readers share
    const c = open(p);
    expect(n.flock(c, true)).toBe(-EWOULDBLOCK!); // a writer waits for both
    expect(n.funlock(a)).toBe(0);
    expect(n.funlock(b)).toBe(0);
    expect(n.flock(c, true)).toBe(0);
  });

  it("utimens: nanoseconds exact on a file and on a symbolic link itself; -ENOENT for a missing path", () => {
    const p = file();
    expect(n.utimens(p, 1_700_000_000, 441_584_953, 1_600_000_001, 366_721_028, false)).toBe(0);
    const st = statSync(p, { bigint: true });
    expect(st.atimeNs).toBe(1_700_000_000_441_584_953n);
    expect(st.mtimeNs).toBe(1_600_000_001_366_721_028n);
    const l = join(dir, "l");
    symlinkSync("f.img", l);
    expect(n.utimens(l, 5, 1, 7, 999_999_999, true)).toBe(0);
    expect(lstatSync(l, { bigint: true }).mtimeNs).toBe(7_999_999_999n);
    expect(statSync(p, { bigint: true }).mtimeNs).toBe(1_600_000_001_366_721_028n);
    expect(n.utimens(join(dir, "nothing"), 0, 0, 0, 0, false)).toBe(-ENOENT!);
    expect(() => n.utimens(p, 0, 1e9, 0, 0, false)).toThrow(TypeError);
  });

  it("fdatasync and syncRange: 0 on a file, -EBADF on a closed descriptor", () => {
    const fd = open(file());
    expect(n.fdatasync(fd)).toBe(0);
    expect(n.syncRange(fd, 0, 0)).toBe(0);
    expect(n.syncRange(fd, 4096, 512)).toBe(0);
    const closed = openSync(file(), "r");
    closeSync(closed);
    expect(n.fdatasync(closed)).toBe(-EBADF!);
    expect(n.syncRange(closed, 0, 0)).toBe(-EBADF!);
    expect(n.flock(closed, true)).toBe(-EBADF!);
  });

  it.skipIf(process.platform !== "linux")(
    "blkSize and blkSectorSize: -ENOTTY on a regular file",
    () => {
      const fd = open(file());
      expect(n.blkSize(fd)).toBe(-ENOTTY!);
      expect(n.blkSectorSize(fd)).toBe(-ENOTTY!);
    },
  );

  it("validates arguments in TypeScript", () => {
    expect(() => n.flock(-1, true)).toThrow(/native\.flock: expected fd to be a descriptor/);
    expect(() => n.fdatasync(1.5)).toThrow(TypeError);
    expect(() => n.syncRange(0, -1, 0)).toThrow(/expected off to be an integer/);
    expect(() => n.syncRange(0, 0, 2 ** 53)).toThrow(/expected len/);
    expect(() => n.flock(0, 1 as unknown as boolean)).toThrow(/expected exclusive to be a boolean/);
  });

  describe("on a loop device", () => {
    let loop: string | undefined;
    let why = "";
    if (process.platform !== "linux") why = "not Linux";
    else if (process.getuid?.() !== 0) why = "not root";

    beforeEach(() => {
      if (why !== "") return;
      const backing = file(3 * 1024 * 1024 + 4096);
      try {
        loop = execFileSync("losetup", ["-f", "--show", backing], {
          encoding: "utf8",
          stdio: "pipe",
        }).trim();
      } catch (e) {
        why = `losetup -f --show failed: ${String((e as { stderr?: unknown }).stderr ?? e).trim()}`;
      }
    });
    afterEach(() => {
      if (loop !== undefined) spawnSync("losetup", ["-d", loop]);
      loop = undefined;
    });

    it("blkSize is the backing file's size, blkSectorSize 512", (ctx) => {
      if (loop === undefined) {
        console.warn(`skipped: no loop device: ${why}`);
        ctx.skip();
        return;
      }
      const fd = open(loop, "r");
      expect(n.blkSize(fd)).toBe(3 * 1024 * 1024 + 4096);
      expect(n.blkSectorSize(fd)).toBe(512);
    });
  });
});

/** Import a copy of src/native.ts in a fresh node, as a package whose addon is missing. */
function importFresh(
  env: NodeJS.ProcessEnv,
  copies = 1,
  prebuilt?: string,
): { status: { loaded: boolean; reason: string }; stderr: string } {
  const pkg = join(dir, "pkg");
  if (prebuilt !== undefined) {
    const to = join(
      pkg,
      "prebuilds",
      `${process.platform}-${process.arch}`,
      "node.napi.glibc.node",
    );
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(prebuilt, to);
  }
  const imports: string[] = [];
  for (let i = 0; i < copies; i++) {
    mkdirSync(join(pkg, `src${i}`), { recursive: true });
    copyFileSync(join(here, "..", "src", "native.ts"), join(pkg, `src${i}`, "native.ts"));
    imports.push(join(pkg, `src${i}`, "native.ts"));
  }
  writeFileSync(
    join(pkg, "package.json"),
    JSON.stringify({ name: "@rump/rumpuser", type: "module" }),
  );
  const script =
    imports.map((p, i) => `import * as m${i} from ${JSON.stringify(p)};`).join("") +
    "console.log(JSON.stringify(m0.nativeStatus()));";
  const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    cwd: REPO,
    env,
    encoding: "utf8",
  });
  expect(r.status, r.stderr).toBe(0);
  return { status: JSON.parse(r.stdout) as { loaded: boolean; reason: string }, stderr: r.stderr };
}

describe("loading the addon", () => {
  it("RUMPUSER_NATIVE=0 leaves it unloaded, without a warning", () => {
    const r = importFresh({ ...process.env, RUMPUSER_NATIVE: "0" });
    expect(r.status).toEqual({ loaded: false, reason: "disabled by RUMPUSER_NATIVE=0" });
    expect(r.stderr).toBe("");
  });

  it("a missing addon gives the pure-JS path and one warning line per process, naming what is lost", () => {
    const env = { ...process.env };
    delete env.RUMPUSER_NATIVE;
    delete env.npm_config_user_agent;
    const r = importFresh(env, 2);
    expect(r.status.loaded).toBe(false);
    expect(r.status.reason).toMatch(
      /build\/Release\/rumpuser\.node is missing and there is no prebuilt binary for \w+-\w+: build it with `npm rebuild @rump\/rumpuser` \(pnpm: `pnpm rebuild @rump\/rumpuser`\); that needs Python and a C\+\+ compiler$/,
    );
    const lines = r.stderr.split("\n").filter((l) => l !== "");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^@rump\/rumpuser: native addon unavailable \(.*\); image locks across processes use <image>\.rumplock files, block-device sizes are unknown, syncs flush whole files$/,
    );
  });

  it("names the rebuild command of the package manager that installed it (npm_config_user_agent)", () => {
    const ua = (u: string | undefined): string => rebuildHint(u);
    expect(ua("npm/11.6.0 node/v20.20.2 linux x64 workspaces/false")).toBe(
      "build it with `npm rebuild @rump/rumpuser`; that needs Python and a C++ compiler",
    );
    expect(ua("pnpm/9.15.4 npm/? node/v20.20.2 linux x64")).toContain(
      "`pnpm rebuild @rump/rumpuser`",
    );
    expect(ua("yarn/1.22.22 npm/? node/v20.20.2 linux x64")).toContain(
      "`yarn rebuild @rump/rumpuser`",
    );
    expect(ua(undefined)).toContain(
      "`npm rebuild @rump/rumpuser` (pnpm: `pnpm rebuild @rump/rumpuser`)",
    );
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      npm_config_user_agent: "npm/11.6.0 node/v20.20.2 linux x64",
    };
    delete env.RUMPUSER_NATIVE;
    expect(importFresh(env).stderr).toContain("build it with `npm rebuild @rump/rumpuser`;");
  });

  it("a binary in prebuilds/<platform>-<arch> that does not load is named, and the next one is tried", () => {
    const junk = join(dir, "junk.node");
    writeFileSync(junk, "not an addon");
    const env = { ...process.env };
    delete env.RUMPUSER_NATIVE;
    const r = importFresh(env, 1, junk);
    expect(r.status.loaded).toBe(false);
    expect(r.status.reason).toMatch(
      new RegExp(
        `prebuilds/${process.platform}-${process.arch}/node\\.napi\\.glibc\\.node did not load: .*: build it with`,
      ),
    );
  });

  it.skipIf(native === null)(
    "loads a prebuilt binary from prebuilds/<platform>-<arch> when there is no build from source",
    () => {
      const built = status.reason.replace(/^loaded /, "");
      const r = importFresh({ ...process.env, RUMPUSER_NATIVE: "1" }, 1, built);
      expect(r.stderr).toBe("");
      expect(r.status).toEqual({
        loaded: true,
        reason: `loaded ${join(dir, "pkg", "prebuilds", `${process.platform}-${process.arch}`, "node.napi.glibc.node")}`,
      });
    },
  );
});
