/**
 * How a mount begins and ends: `fsu mount` detaches and holds the image's
 * lock, `fsu umount` returns once the image is clean; SIGINT, SIGTERM and
 * fusermount3 -u unmount cleanly; a busy mount is detached and served until
 * its last user lets go; a transfer in flight completes across a lazy
 * unmount; a kernel panic takes the mount down and says why; an
 * unprivileged user mounts through fusermount3.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RumpPanic } from "@rump/librump";
import { openTmpfs } from "@rump/ukfs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mount } from "../src/index.js";
import {
  cleanupAll,
  FSU,
  fuseSkipReason,
  mkExt2,
  mountType,
  NOBODY,
  nobodySkipReason,
  openDevFuse,
  removeScratch,
  run,
  RUMP,
  scratchDir,
  startServer,
} from "./helpers.js";

const skip = fuseSkipReason();
if (skip !== null) console.warn(`p2k lifecycle: skipped: ${skip}`);

function e2fsck(img: string): { ok: boolean; out: string } {
  const r = spawnSync("e2fsck", ["-fn", img], { encoding: "utf8" });
  return { ok: r.status === 0, out: r.stdout + r.stderr };
}

describe.skipIf(skip !== null)("mount lifecycle", () => {
  let dir = "";
  beforeAll(() => {
    dir = scratchDir("life");
  });
  afterAll(async () => {
    await cleanupAll();
    removeScratch(dir);
  });

  it("fsu mount detaches and locks the image; fsu umount returns once it is clean", async () => {
    const img = join(dir, "d.img");
    const mnt = join(dir, "d");
    mkExt2(img, 32);
    mkdirSync(mnt);
    let r = await run([process.execPath, FSU, "mount", img, mnt]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(mountType(mnt)).toBe("fuse.p2k.ext2fs");
    writeFileSync(join(mnt, "kept"), "across the unmount\n");
    // the serving process holds the image read-write: another opener is refused
    r = await run([process.execPath, FSU, "ls", img, "/"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/EAGAIN.*in use/);
    r = await run([process.execPath, FSU, "umount", mnt]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(mountType(mnt)).toBeNull();
    // no waiting here: fsu umount has waited for the server
    expect(e2fsck(img)).toEqual({ ok: true, out: expect.any(String) as string });
    r = await run([process.execPath, FSU, "cat", img, "/kept"]);
    expect(r.stdout).toBe("across the unmount\n");
    r = await run([process.execPath, FSU, "umount", mnt]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/EINVAL.*not a mount point/);
  });

  it("fsu mount reports what goes wrong, with nothing left mounted", async () => {
    const mnt = join(dir, "bad");
    mkdirSync(mnt);
    const junk = join(dir, "junk.img");
    writeFileSync(junk, new Uint8Array(1 << 20));
    let r = await run([process.execPath, FSU, "mount", junk, mnt]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^fsu: EFTYPE: .*no file system recognised/);
    r = await run([process.execPath, FSU, "mount", "-o", "bogus", junk, mnt]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown mount option "bogus"/);
    r = await run([process.execPath, FSU, "mount", junk, join(dir, "nonexistent")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^fsu: ENOENT: no such file or directory, mount '.*nonexistent'/);
    expect(mountType(mnt)).toBeNull();
  });

  it.each(["SIGINT", "SIGTERM", "fusermount3 -u"])("%s unmounts cleanly", async (how) => {
    const tag = how.replace(/\W/g, "");
    const img = join(dir, `${tag}.img`);
    const mnt = join(dir, tag);
    mkExt2(img, 32);
    const s = await startServer([RUMP("ext2fs"), "-f", img, mnt], mnt);
    mkdirSync(join(mnt, "sub"));
    writeFileSync(join(mnt, "sub", "y"), "y".repeat(100_000));
    if (how === "fusermount3 -u") expect((await run(["fusermount3", "-u", mnt])).code).toBe(0);
    else s.proc.kill(how as NodeJS.Signals);
    expect(await s.exited).toBe(0);
    expect(s.stderr()).toBe("");
    expect(mountType(mnt)).toBeNull();
    expect(e2fsck(img).ok).toBe(true);
  });

  it("a busy mount is detached and served until its last user lets go", async () => {
    const img = join(dir, "busy.img");
    const mnt = join(dir, "busy");
    mkExt2(img, 32);
    const s = await startServer([RUMP("ext2fs"), "-f", img, mnt], mnt);
    writeFileSync(join(mnt, "f"), "late reader\n");
    // a user with an open file and a cwd in the mount
    const user = spawn("sh", ["-c", "exec 3<f; read go; cat <&3"], {
      cwd: mnt,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    user.stdout.on("data", (d: Buffer) => (out += d.toString()));
    await new Promise((r) => setTimeout(r, 200));
    s.proc.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 500));
    expect(s.stderr()).toMatch(/busy: detached/);
    expect(mountType(mnt)).toBeNull();
    expect(s.proc.exitCode).toBeNull();
    user.stdin.end("go\n");
    await new Promise((r) => user.on("exit", r));
    expect(out).toBe("late reader\n");
    expect(await s.exited).toBe(0);
    expect(e2fsck(img).ok).toBe(true);
  });

  it("a transfer in flight completes across a lazy unmount", async () => {
    const img = join(dir, "flight.img");
    const mnt = join(dir, "flight");
    mkExt2(img, 64);
    const s = await startServer([RUMP("ext2fs"), "-f", img, mnt], mnt);
    const f = join(mnt, "big");
    const r0 = await run(["dd", "if=/dev/urandom", `of=${f}`, "bs=1M", "count=16", "status=none"]);
    expect(r0.code).toBe(0);
    const sum = (await run(["sha256sum", f])).stdout.split(" ")[0];
    // read it slowly in a child while the mount is detached under it
    const reader = spawn("sh", ["-c", `dd if=${f} bs=64k status=none | sha256sum`], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    // listened for now: a fast reader may be gone before the unmount returns
    const readerExit = new Promise((r) => reader.on("exit", r));
    let out = "";
    reader.stdout.on("data", (d: Buffer) => (out += d.toString()));
    await new Promise((r) => setTimeout(r, 50));
    expect((await run(["fusermount3", "-u", "-z", mnt])).code).toBe(0);
    await readerExit;
    expect(out.split(" ")[0]).toBe(sum);
    expect(await s.exited).toBe(0);
    expect(e2fsck(img).ok).toBe(true);
  });

  it("a kernel panic takes the mount down and says why", async () => {
    const mnt = join(dir, "panic");
    mkdirSync(mnt);
    const log: string[] = [];
    const fs = openTmpfs();
    const m = await mount(fs, mnt, { log: (l) => log.push(l) });
    let r = await run(["sh", "-c", `echo before > ${mnt}/f && cat ${mnt}/f`]);
    expect(r.stdout).toBe("before\n");
    // the kernel dies (as a failed assertion inside it would make it)
    fs.kernel.crash(new RumpPanic("p2k test: a kernel assertion failed"));
    r = await run(["cat", `${mnt}/f`]);
    expect(r.code).not.toBe(0);
    const end = await m.closed;
    expect(end.panic?.message).toMatch(/a kernel assertion failed/);
    expect(log.join("\n")).toMatch(/panic: p2k test: a kernel assertion failed; unmounting/);
    expect(mountType(mnt)).toBeNull();
    // the directory is an ordinary one again, not "Transport endpoint is not connected"
    r = await run(["ls", "-A", mnt]);
    expect(r).toEqual({ code: 0, stdout: "", stderr: "" });
  });

  it.skipIf(nobodySkipReason() !== null)(
    "an unprivileged user mounts and unmounts with fsu",
    async (ctx) => {
      const opened = openDevFuse();
      if ("why" in opened) return ctx.skip(opened.why);
      const undo = opened.undo;
      try {
        const own = join(dir, "nobody");
        mkdirSync(own);
        spawnSync("chown", [`${NOBODY}:${NOBODY}`, own]);
        const img = join(own, "u.img");
        const mnt = join(own, "m");
        mkdirSync(mnt);
        mkExt2(img, 32, ["-E", `root_owner=${NOBODY}:${NOBODY}`]);
        spawnSync("chown", ["-R", `${NOBODY}:${NOBODY}`, own]);
        const env = ["env", "HOME=/nonexistent"];
        let r = await run([...env, process.execPath, FSU, "mount", img, mnt], { asNobody: true });
        expect(r.stderr).toBe("");
        expect(mountType(mnt)).toBe("fuse.p2k.ext2fs");
        r = await run(["sh", "-c", `echo mine > ${mnt}/f; stat -c '%u %g %a' ${mnt}/f`], {
          asNobody: true,
        });
        expect(r.stdout).toBe(`${NOBODY} ${NOBODY} 644\n`);
        // the image's own rules: lost+found is root's, 0700
        r = await run(["ls", `${mnt}/lost+found`], { asNobody: true });
        expect(r.stderr).toMatch(/Permission denied/);
        // root is not let in without allow_other
        expect((await run(["ls", mnt])).stderr).toMatch(/Permission denied/);
        r = await run([...env, process.execPath, FSU, "umount", mnt], { asNobody: true });
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
        expect(mountType(mnt)).toBeNull();
        expect(e2fsck(img).ok).toBe(true);
      } finally {
        undo();
      }
    },
  );
});
