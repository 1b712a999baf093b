/**
 * Real programs on a mount (cp -a, tar, find, du, mv, ln, chmod, chown,
 * truncate, >>, sparse files, mmap, git), served by `fsu mount -f` (ext2,
 * image made by mke2fs) and rump_ffs -f (FFS, image made by our newfs);
 * then unmounted, checked by e2fsck -fn / our fsck_ffs and read back with fsu.
 */
import { spawnSync } from "node:child_process";
import {
  mkdirSync,
  readFileSync,
  readdirSync,
  statSync,
  writeFileSync,
  symlinkSync,
  lstatSync,
  readlinkSync,
} from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildProbe,
  cleanupAll,
  FSU,
  fuseSkipReason,
  hasTool,
  mkExt2,
  mkFfs,
  removeScratch,
  run,
  RUMP,
  scratchDir,
  startServer,
  type Server,
} from "./helpers.js";

const skip = fuseSkipReason();
if (skip !== null) console.warn(`p2k programs: skipped: ${skip}`);

/** A small source tree with every kind of entry, made on the host. */
function makeTree(root: string): void {
  mkdirSync(join(root, "src", "deep", "er"), { recursive: true });
  for (let i = 0; i < 40; i++) {
    const d = join(root, "src", i % 2 ? "deep" : "deep/er");
    const bytes = new Uint8Array(((i * 7919) % 20000) + 1);
    for (let j = 0; j < bytes.length; j++) bytes[j] = (i * 31 + j * 7) & 0xff;
    writeFileSync(join(d, `f${i}.bin`), bytes);
  }
  writeFileSync(join(root, "src", "empty"), "");
  writeFileSync(join(root, "src", "mode600"), "x", { mode: 0o600 });
  symlinkSync("deep/f1.bin", join(root, "src", "link"));
  symlinkSync("/nowhere/at/all", join(root, "src", "dangling"));
}

describe.skipIf(skip !== null).each([
  { name: "ext2fs", fsck: "e2fsck" },
  { name: "ffs", fsck: "fsck_ffs" },
])("programs on $name", ({ name }) => {
  let dir = "";
  let img = "";
  let mnt = "";
  let srv: Server;
  let probe: string | null = null;

  beforeAll(async () => {
    dir = scratchDir(`prog-${name}`);
    img = join(dir, "disk.img");
    mnt = join(dir, "mnt");
    if (name === "ext2fs") mkExt2(img, 96);
    else mkFfs(img, 96);
    probe = buildProbe(dir);
    makeTree(join(dir, "host"));
    srv =
      name === "ext2fs"
        ? await startServer([FSU, "mount", "-f", img, mnt], mnt)
        : await startServer([RUMP("ffs"), "-f", img, mnt], mnt);
  });
  afterAll(async () => {
    await cleanupAll();
    removeScratch(dir);
  });

  it("cp -a in and out, compared; tar c/x; find; du", async () => {
    const host = join(dir, "host");
    let r = await run(["cp", "-a", join(host, "src"), join(mnt, "src")]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    r = await run(["cp", "-a", join(mnt, "src"), join(dir, "back")]);
    expect(r.code).toBe(0);
    r = await run(["diff", "-r", "--no-dereference", join(host, "src"), join(dir, "back")]);
    expect(r.stdout + r.stderr).toBe("");
    expect(statSync(join(dir, "back", "mode600")).mode & 0o777).toBe(0o600);
    expect(readlinkSync(join(mnt, "src", "dangling"))).toBe("/nowhere/at/all");
    // times kept by cp -a through utimensat (nanoseconds where the fs has them)
    const a = statSync(join(host, "src", "deep", "f1.bin"));
    const b = statSync(join(mnt, "src", "deep", "f1.bin"));
    expect(Math.floor(b.mtimeMs / 1000)).toBe(Math.floor(a.mtimeMs / 1000));

    r = await run(["tar", "-C", mnt, "-cf", join(dir, "t.tar"), "src"]);
    expect(r.code).toBe(0);
    mkdirSync(join(mnt, "untar"));
    r = await run(["tar", "-C", join(mnt, "untar"), "-xf", join(dir, "t.tar")]);
    expect(r.code).toBe(0);
    r = await run(["diff", "-r", "--no-dereference", join(host, "src"), join(mnt, "untar", "src")]);
    expect(r.stdout + r.stderr).toBe("");

    r = await run(["find", join(mnt, "src"), "-type", "f", "-name", "*.bin"]);
    expect(r.stdout.trim().split("\n")).toHaveLength(40);
    r = await run(["find", join(mnt, "src"), "-type", "l"]);
    expect(r.stdout.trim().split("\n").sort()).toEqual([
      join(mnt, "src", "dangling"),
      join(mnt, "src", "link"),
    ]);
    r = await run(["du", "-sk", "--apparent-size", join(mnt, "src")]);
    const kib = Number(r.stdout.split("\t")[0]);
    expect(kib).toBeGreaterThan(300);
    expect(kib).toBeLessThan(600);
  });

  it("rename across directories, hard links, symlinks, chmod, chown", async () => {
    const d = join(mnt, "names");
    const r = await run([
      "sh",
      "-ec",
      [
        `mkdir -p ${d}/a/b ${d}/c`,
        `echo one > ${d}/a/b/f`,
        `mv ${d}/a/b/f ${d}/c/g`,
        `mv ${d}/a/b ${d}/c/b2`,
        `ln ${d}/c/g ${d}/c/h`,
        `ln -s ../c/g ${d}/a/s`,
        `chmod 640 ${d}/c/g`,
        `chown 1234:5678 ${d}/c/h`,
        `chmod u+s,g+s ${d}/c/b2`,
      ].join("\n"),
    ]);
    expect(r.stderr).toBe("");
    expect(readdirSync(join(d, "a")).sort()).toEqual(["s"]);
    expect(readdirSync(join(d, "c")).sort()).toEqual(["b2", "g", "h"]);
    const g = statSync(join(d, "c", "g"));
    expect(g.nlink).toBe(2);
    expect(g.ino).toBe(statSync(join(d, "c", "h")).ino);
    expect(g.mode & 0o7777).toBe(0o640);
    expect([g.uid, g.gid]).toEqual([1234, 5678]);
    expect(readFileSync(join(d, "a", "s"), "utf8")).toBe("one\n");
    expect(lstatSync(join(d, "a", "s")).isSymbolicLink()).toBe(true);
    expect(statSync(join(d, "c", "b2")).mode & 0o7777).toBe(0o6755);
    // a directory's link count: . and the entry in its parent, plus its subdirectories' ..
    expect(statSync(join(d, "c")).nlink).toBe(3);
  });

  it("truncate, append, a large sparse file, mmap reads", async () => {
    const f = join(mnt, "data");
    let r = await run([
      "sh",
      "-ec",
      `printf 0123456789 > ${f}; truncate -s 4 ${f}; printf ab >> ${f}; truncate -s 8 ${f}`,
    ]);
    expect(r.code).toBe(0);
    expect([...readFileSync(f)]).toEqual([48, 49, 50, 51, 97, 98, 0, 0]);
    // 3 GiB sparse: past 2 GiB (ext2 turns large_file on), few blocks used
    const sp = join(mnt, "sparse");
    r = await run([
      "sh",
      "-ec",
      `truncate -s 3G ${sp}; printf tail | dd of=${sp} bs=1 seek=3221225472 conv=notrunc status=none`,
    ]);
    expect(r.stderr).toBe("");
    const st = statSync(sp);
    expect(st.size).toBe(3 * 2 ** 30 + 4);
    expect(st.blocks * 512).toBeLessThan(1 << 20);
    r = await run(["sh", "-c", `dd if=${sp} bs=1 skip=3221225470 count=6 status=none | od -An -c`]);
    expect(r.stdout.replace(/\s+/g, " ").trim()).toBe("\\0 \\0 t a i l");
    if (probe === null) return;
    const blob = new Uint8Array(300_000);
    for (let i = 0; i < blob.length; i++) blob[i] = (i * 13) ^ (i >> 8);
    writeFileSync(join(dir, "blob"), blob);
    await run(["cp", join(dir, "blob"), join(mnt, "blob")]);
    const want = await run([probe, "mmap", join(dir, "blob")]);
    const got = await run([probe, "mmap", join(mnt, "blob")]);
    expect(got.stdout).toBe(want.stdout);
    expect(got.stdout).toMatch(/^300000 /);
  });

  it.skipIf(!hasTool("git"))("git init, add and commit on the mount", async () => {
    const repo = join(mnt, "repo");
    const env =
      "GIT_CONFIG_NOSYSTEM=1 HOME=/nonexistent GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t";
    const r = await run([
      "sh",
      "-ec",
      [
        `git init -q ${repo}`,
        `cp -a ${join(dir, "host", "src")} ${repo}/`,
        `cd ${repo}`,
        `${env} git add -A`,
        `${env} git commit -qm first`,
        `echo more >> src/empty`,
        `${env} git commit -qam second`,
        `${env} git log --oneline | wc -l`,
        `${env} git status --porcelain`,
        `${env} git fsck --strict 2>&1`,
      ].join("\n"),
    ]);
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("2");
  });

  it("unmounts cleanly: the checker finds nothing, fsu reads the files back", async () => {
    const code = await srv.stop();
    expect(code).toBe(0);
    if (name === "ext2fs") {
      const r = spawnSync("e2fsck", ["-fn", img], { encoding: "utf8" });
      expect(r.stdout + r.stderr).not.toMatch(/ERROR|Fix\?|corrupt/i);
      expect(r.status).toBe(0);
    } else {
      const r = spawnSync(process.execPath, [FSU, "fsck", img], { encoding: "utf8" });
      expect(r.stdout).toMatch(/clean: no problems found/);
      expect(r.status).toBe(0);
    }
    const cat = spawnSync(process.execPath, [FSU, "cat", img, "/names/a/s"], { encoding: "utf8" });
    expect(cat.stdout).toBe("one\n");
    const ls = spawnSync(process.execPath, [FSU, "ls", img, "/src/deep"], { encoding: "utf8" });
    expect(ls.stdout).toContain("f1.bin");
  });
});
