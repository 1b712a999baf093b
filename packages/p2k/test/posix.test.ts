/**
 * POSIX semantics through the mount, as root and as an unprivileged user,
 * on FFS, ext2fs and tmpfs: fixtures/posix_cases.mjs (cases of tests/posix,
 * driven through the host's system calls) runs in a process of each user
 * against a mount made by root with allow_other; every answer, permission
 * refusals included, is the rump kernel's.
 */
import { chmodSync, chownSync, lstatSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cleanupAll,
  FSU,
  fuseSkipReason,
  mkExt2,
  mkFfs,
  NOBODY,
  nobodySkipReason,
  PKG,
  removeScratch,
  run,
  RUMP,
  scratchDir,
  startServer,
} from "./helpers.js";

const skip = fuseSkipReason();
if (skip !== null) console.warn(`p2k posix: skipped: ${skip}`);
const noNobody = nobodySkipReason();
const CASES = join(PKG, "test", "fixtures", "posix_cases.mjs");

/** Files of root's that the cases of both users look at. */
function fixtures(mnt: string): void {
  const f = join(mnt, "fixture");
  mkdirSync(f);
  chmodSync(f, 0o755);
  writeFileSync(join(f, "root600"), "secret", { mode: 0o600 });
  writeFileSync(join(f, "root666"), "", { mode: 0o666 });
  chmodSync(join(f, "root666"), 0o666);
  mkdirSync(join(f, "rootdir"), { mode: 0o755 });
  writeFileSync(join(f, "rootdir", "f"), "");
  mkdirSync(join(f, "private"), { mode: 0o700 });
  writeFileSync(join(f, "private", "inner"), "");
  mkdirSync(join(f, "sticky"));
  chmodSync(join(f, "sticky"), 0o1777);
  writeFileSync(join(f, "sticky", "rootfile"), "", { mode: 0o666 });
  chmodSync(join(f, "sticky", "rootfile"), 0o666);
  mkdirSync(join(f, "grp1234"));
  chownSync(join(f, "grp1234"), 0, 1234);
  chmodSync(join(f, "grp1234"), 0o777);
  mkdirSync(join(mnt, "root"));
  mkdirSync(join(mnt, "user"));
  chownSync(join(mnt, "user"), NOBODY, NOBODY);
}

function report(out: string): { name: string; ok: boolean; error?: string }[] {
  return JSON.parse(out) as { name: string; ok: boolean; error?: string }[];
}

describe
  .skipIf(skip !== null)
  .each([{ fs: "ffs" as const }, { fs: "ext2fs" as const }, { fs: "tmpfs" as const }])(
  "POSIX semantics through a $fs mount",
  ({ fs }) => {
    let dir = "";
    let mnt = "";
    beforeAll(async () => {
      dir = scratchDir(`posix-${fs}`);
      mnt = join(dir, "mnt");
      const img = join(dir, "disk.img");
      let argv: string[];
      if (fs === "ffs") {
        mkFfs(img, 64);
        argv = [RUMP("ffs"), "-f", "-o", "allow_other", img, mnt];
      } else if (fs === "ext2fs") {
        mkExt2(img, 64);
        argv = [FSU, "mount", "-f", "-o", "allow_other", img, mnt];
      } else argv = [RUMP("tmpfs"), "-f", "-o", "allow_other", "-m", "0755", "tmpfs", mnt];
      await startServer(argv, mnt);
      fixtures(mnt);
    });
    afterAll(async () => {
      await cleanupAll();
      removeScratch(dir);
    });

    it("as root", async () => {
      const r = await run([process.execPath, CASES, join(mnt, "root"), "root"]);
      expect(r.stderr).toBe("");
      expect(report(r.stdout).filter((c) => !c.ok)).toEqual([]);
    });

    it.skipIf(noNobody !== null)(`as uid ${NOBODY}`, async () => {
      const r = await run([process.execPath, CASES, join(mnt, "user"), "user"], { asNobody: true });
      expect(r.stderr).toBe("");
      const res = report(r.stdout);
      expect(res.length).toBeGreaterThan(15);
      expect(res.filter((c) => !c.ok)).toEqual([]);
    });

    it("mkfifo and mknod: a FIFO for anyone, device nodes for root only", async () => {
      let r = await run(["mkfifo", join(mnt, "root", "fifo")]);
      expect(r.code).toBe(0);
      expect(lstatSync(join(mnt, "root", "fifo")).isFIFO()).toBe(true);
      r = await run(["mknod", join(mnt, "root", "null"), "c", "1", "3"]);
      expect(r.code).toBe(0);
      const st = lstatSync(join(mnt, "root", "null"));
      expect(st.isCharacterDevice()).toBe(true);
      expect(st.rdev).toBe(0x103);
      if (noNobody !== null) return;
      r = await run(["mknod", join(mnt, "user", "null"), "c", "1", "3"], { asNobody: true });
      expect(r.stderr).toMatch(/Operation not permitted/);
      r = await run(["mkfifo", join(mnt, "user", "fifo")], { asNobody: true });
      expect(r.code).toBe(0);
    });
  },
);
