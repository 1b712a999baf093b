/**
 * FFS read-write on images made by makefs (UFS1 and UFS2, 8K blocks, both
 * byte orders): data through direct and indirect blocks, truncate giving
 * every block back, the namespace (rename in every case, link counts), the
 * clean flag, and a seeded random workload compared with a shadow tree on
 * tmpfs after a remount in a fresh kernel. fsck_ffs runs after every test
 * that writes and must find nothing.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from "vitest";
import { NodeHost } from "@rump/rumpuser";
import {
  createSyscalls,
  EEXIST,
  EFBIG,
  EINVAL,
  EIO,
  EISDIR,
  ENOENT,
  ENOTDIR,
  ENOTEMPTY,
  EPERM,
  EROFS,
  MNT_FORCE,
  MNT_RDONLY,
  MNT_UPDATE,
  O_APPEND,
  O_CREAT,
  O_RDWR,
  O_WRONLY,
  S_IFMT,
  S_IFREG,
  type RumpSyscalls,
} from "@rump/syscalls";
import { memBlockDev } from "../src/dev/blockdev.js";
import { createKernel } from "../src/rump/rump.js";
import type { Kernel } from "../src/rump/kernel.js";
import { RUMP_ETFS_BLK } from "../src/rump/etfs.js";
import { fsck_ffs } from "../src/ufs/ffs/ffs_fsck.js";
import { newfs_ffs } from "../src/ufs/ffs/ffs_newfs.js";
import {
  cg_parse,
  cgtod,
  ffs_sb_parse,
  fsbtodb,
  SBLOCKSEARCH,
  SBLOCKSIZE,
} from "../src/ufs/layout.js";
import { RUMP_RFCFDG } from "../src/rump/lwproc.js";
import { errnoOf, listdir, readFile, release, writeFile } from "./helpers/kernel.js";
import { buildTree, makefs, makefsMissing, pattern, type ImageSpec } from "./helpers/ffs_images.js";
import { FFS_CAPS, mountShadow, randomWorkload, wsnapshot } from "./helpers/fs_workload.js";

// 40 MB images copied per test and checked by fsck: give each test room
vi.setConfig({ testTimeout: 60_000 });

const missing = makefsMissing();
if (missing !== null) console.log(`ffs_write.test.ts: skipped: ${missing}`);

let dir = "";
/**
 * Three images cover UFS1 and UFS2, both byte orders, small and large
 * fragments, makefs and our newfs; every test runs on each (the suite's
 * time budget does not allow more).
 */
const SPECS: (ImageSpec & { name: string })[] = [
  {
    name: "ufs2-8k-le",
    version: 2,
    bsize: 8192,
    fsize: 1024,
    endian: "le",
    big: false,
    size: "40m",
  },
  {
    name: "ufs1-16k-be-4kfrag",
    version: 1,
    bsize: 16384,
    fsize: 4096,
    endian: "be",
    big: false,
    size: "40m",
  },
];

beforeAll(() => {
  if (missing !== null) return;
  dir = mkdtempSync(join(tmpdir(), "ffs-write-"));
  const src = join(dir, "src");
  buildTree(src, false);
  for (const s of SPECS) makefs(join(dir, `${s.name}.img`), src, s);
  for (const n of NEWFS) {
    const img = new Uint8Array(32 << 20);
    if (newfs_ffs(memBlockDev(img), n.opts) !== 0) throw new Error(`newfs ${n.name} failed`);
    writeFileSync(join(dir, `${n.name}.img`), img);
  }
}, 120_000);

/** Images made by our own newfs. */
const NEWFS: { name: string; opts: Parameters<typeof newfs_ffs>[1] }[] = [
  { name: "newfs-ufs1-4k", opts: { version: 1, bsize: 4096, fsize: 512 } },
];

afterAll(() => {
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

interface T {
  k: Kernel;
  sys: RumpSyscalls;
  console: string[];
}

function bootNode(): T {
  const lines: string[] = [];
  const k = createKernel({
    host: new NodeHost({ env: false, console: (s: string) => void lines.push(s) }),
  });
  onTestFinished(() => release(k));
  return { k, sys: createSyscalls(k), console: lines };
}

let serial = 0;
/** A private copy of image `name`. */
function copyOf(name: string): string {
  const p = join(dir, `${name}-${serial++}.img`);
  copyFileSync(join(dir, `${name}.img`), p);
  onTestFinished(() => rmSync(p, { force: true }));
  return p;
}

function mountAt(image: string, flags = 0): T {
  const t = bootNode();
  t.k.rump_pub_etfs_register("/dev/ffs0", image, RUMP_ETFS_BLK);
  t.sys.rump_sys_mkdir("/mnt", 0o755);
  t.sys.rump_sys_mount("ffs", "/mnt", flags, { fspec: "/dev/ffs0" });
  return t;
}

/** Unmount and require the checker to find nothing. */
function unmountAndCheck(t: T, image: string): void {
  t.sys.rump_sys_unmount("/mnt", 0);
  const r = fsck_ffs(memBlockDev(new Uint8Array(readFileSync(image))));
  expect(r.problems).toEqual([]);
}

function fsClean(image: string): number {
  const b = new Uint8Array(readFileSync(image));
  for (const loc of SBLOCKSEARCH) {
    const fs = ffs_sb_parse(b.subarray(loc, loc + SBLOCKSIZE), loc);
    if (fs !== null && (!fs.ufs2 || fs.fs_sblockloc === loc)) return fs.fs_clean;
  }
  throw new Error("no superblock");
}

function bfree(sys: RumpSyscalls): number {
  return sys.rump_sys_statvfs1("/mnt", 1).f_bfree;
}

const d = missing === null ? describe : describe.skip;

d.each([...SPECS.map((s) => s.name), ...NEWFS.map((n) => n.name)])(
  "ffs read-write on %s",
  (name) => {
    it("creates, writes and reads back, also after a remount in a fresh kernel", () => {
      const image = copyOf(name);
      const t = mountAt(image);
      expect(fsClean(image)).toBe(0);
      const sizes = [0, 1, 100, 1023, 1024, 1025, 3000, 8191, 8192, 8193, 50000, 100_000];
      for (const n of sizes) writeFile(t.sys, `/mnt/new-${n}`, pattern(n, n + 7));
      for (const n of sizes) expect(readFile(t.sys, `/mnt/new-${n}`)).toEqual(pattern(n, n + 7));
      // growing a fragment tail step by step (extend in place or move)
      const grow = new Uint8Array(20000);
      for (let i = 0; i < 20; i++) {
        const part = pattern(1000, i);
        grow.set(part, i * 1000);
        writeFile(t.sys, "/mnt/grow", part, O_APPEND);
        writeFile(t.sys, "/mnt/grow-other", part, O_APPEND);
      }
      expect(readFile(t.sys, "/mnt/grow")).toEqual(grow);
      // UFS2 keeps a birth time
      const bt = t.sys.rump_sys_stat("/mnt/new-100").st_birthtimespec.tv_sec;
      if (name.includes("ufs2")) expect(bt).toBeGreaterThan(1_600_000_000);
      else expect(bt).toBe(0);
      // old files are intact
      if (!name.startsWith("newfs"))
        expect(readFile(t.sys, "/mnt/f4096")).toEqual(pattern(4096, 4096 + 5));
      unmountAndCheck(t, image);
      expect(fsClean(image)).toBe(1);
      const t2 = mountAt(image, MNT_RDONLY);
      for (const n of sizes) expect(readFile(t2.sys, `/mnt/new-${n}`)).toEqual(pattern(n, n + 7));
      expect(readFile(t2.sys, "/mnt/grow")).toEqual(grow);
      t2.sys.rump_sys_unmount("/mnt", 0);
    });

    it("short symlink targets survive a remount byte for byte (regression: 64-bit pointer round trip)", () => {
      const image = copyOf(name);
      const t = mountAt(image);
      // 8 bytes of a target read as one UFS2 block pointer exceed 2^53
      const targets = [
        "docs/README.md",
        "\u00ff\u00fe\u00fd\u00fc/zzzzzzzz/yyyyyyyy",
        "x".repeat(50),
      ];
      targets.forEach((tg, i) => t.sys.rump_sys_symlink(tg, `/mnt/sl${i}`));
      unmountAndCheck(t, image);
      const t2 = mountAt(image, MNT_RDONLY);
      const buf = new Uint8Array(128);
      targets.forEach((tg, i) => {
        const n = t2.sys.rump_sys_readlink(`/mnt/sl${i}`, buf);
        expect(new TextDecoder().decode(buf.subarray(0, n))).toBe(tg);
      });
      t2.sys.rump_sys_unmount("/mnt", 0);
    });

    it("grows through single and double indirect blocks; truncate gives every block back", () => {
      const image = copyOf(name);
      const t = mountAt(image);
      const free0 = bfree(t.sys);
      const fd = t.sys.rump_sys_open("/mnt/big", O_RDWR | O_CREAT, 0o644);
      const chunk = pattern(65536, 3);
      // sequential: direct into single indirect
      for (let i = 0; i < 40; i++) t.sys.rump_sys_pwrite(fd, chunk, chunk.length, i * 65536);
      // sparse: far into double indirect, and a byte in triple-indirect range on UFS2? (too far) — 40 MB
      const far = 12 * 8192 + 2048 * 8192 + 5 * 8192 + 100;
      t.sys.rump_sys_pwrite(fd, chunk, 1000, far);
      expect(t.sys.rump_sys_fstat(fd).st_size).toBe(far + 1000);
      const back = new Uint8Array(65536);
      for (const i of [0, 11, 12, 39]) {
        t.sys.rump_sys_pread(fd, back, 65536, i * 65536);
        expect(back).toEqual(chunk);
      }
      t.sys.rump_sys_pread(fd, back, 1000, far);
      expect(back.subarray(0, 1000)).toEqual(chunk.subarray(0, 1000));
      t.sys.rump_sys_pread(fd, back, 1000, far - 1000);
      expect(back.subarray(0, 1000)).toEqual(new Uint8Array(1000));
      t.sys.rump_sys_fsync(fd);
      expect(bfree(t.sys)).toBeLessThan(free0);
      // a partial truncate keeps the head and zeroes beyond
      t.sys.rump_sys_ftruncate(fd, 100_000);
      t.sys.rump_sys_ftruncate(fd, 300_000);
      t.sys.rump_sys_pread(fd, back, 65536, 65536);
      expect(back.subarray(0, 100_000 - 65536)).toEqual(chunk.subarray(0, 100_000 - 65536));
      expect(back.subarray(100_000 - 65536)).toEqual(new Uint8Array(65536 - (100_000 - 65536)));
      t.sys.rump_sys_ftruncate(fd, 0);
      t.sys.rump_sys_close(fd);
      expect(bfree(t.sys)).toBe(free0);
      t.sys.rump_sys_unlink("/mnt/big");
      expect(bfree(t.sys)).toBe(free0);
      unmountAndCheck(t, image);
    }, 60_000);

    it("an open file survives its unlink and gives its blocks and inode back at last close", () => {
      const image = copyOf(name);
      const t = mountAt(image);
      const s = t.sys;
      const free0 = bfree(s);
      const files0 = s.rump_sys_statvfs1("/mnt", 1).f_ffree;
      const fd = s.rump_sys_open("/mnt/tmp", O_RDWR | O_CREAT, 0o600);
      s.rump_sys_unlink("/mnt/tmp");
      s.rump_sys_write(fd, pattern(300_000, 5));
      const back = new Uint8Array(300_000);
      expect(s.rump_sys_pread(fd, back, back.length, 0)).toBe(300_000);
      expect(back).toEqual(pattern(300_000, 5));
      expect(bfree(s)).toBeLessThan(free0);
      s.rump_sys_close(fd);
      expect(bfree(s)).toBe(free0);
      expect(s.rump_sys_statvfs1("/mnt", 1).f_ffree).toBe(files0);
      unmountAndCheck(t, image);
    });

    it("mkdir/rmdir keep link counts; rename in every case", () => {
      const image = copyOf(name);
      const t = mountAt(image);
      const s = t.sys;
      const nl = (p: string): number => s.rump_sys_lstat(p).st_nlink;
      const root0 = nl("/mnt");
      s.rump_sys_mkdir("/mnt/a", 0o755);
      s.rump_sys_mkdir("/mnt/a/b", 0o755);
      s.rump_sys_mkdir("/mnt/c", 0o755);
      expect(nl("/mnt")).toBe(root0 + 2);
      expect(nl("/mnt/a")).toBe(3);
      expect(nl("/mnt/a/b")).toBe(2);
      writeFile(s, "/mnt/a/f", pattern(5000, 1));
      writeFile(s, "/mnt/g", pattern(10, 2));
      // file renames: same dir, other dir, over a file
      s.rump_sys_rename("/mnt/a/f", "/mnt/a/f2");
      s.rump_sys_rename("/mnt/a/f2", "/mnt/c/f3");
      s.rump_sys_rename("/mnt/g", "/mnt/c/f3");
      expect(readFile(s, "/mnt/c/f3")).toEqual(pattern(10, 2));
      expect(errnoOf(() => s.rump_sys_stat("/mnt/g"))).toBe(ENOENT);
      // errors
      expect(errnoOf(() => s.rump_sys_rename("/mnt/a", "/mnt/a/b/x"))).toBe(EINVAL);
      expect(errnoOf(() => s.rump_sys_rename("/mnt/a", "/mnt/c/f3"))).toBe(ENOTDIR);
      expect(errnoOf(() => s.rump_sys_rename("/mnt/c/f3", "/mnt/a"))).toBe(EISDIR);
      s.rump_sys_mkdir("/mnt/full", 0o755);
      writeFile(s, "/mnt/full/x", pattern(1, 1));
      expect(errnoOf(() => s.rump_sys_rename("/mnt/c", "/mnt/full"))).toBe(ENOTEMPTY);
      expect(errnoOf(() => s.rump_sys_rmdir("/mnt/full"))).toBe(ENOTEMPTY);
      expect(errnoOf(() => s.rump_sys_mkdir("/mnt/full", 0o755))).toBe(EEXIST);
      // a directory moves: ".." rewritten, parents' counts follow
      s.rump_sys_rename("/mnt/a/b", "/mnt/c/b");
      expect(nl("/mnt/a")).toBe(2);
      expect(nl("/mnt/c")).toBe(3);
      expect(s.rump_sys_stat("/mnt/c/b/..").st_ino).toBe(s.rump_sys_stat("/mnt/c").st_ino);
      // a directory over an empty directory
      s.rump_sys_mkdir("/mnt/empty", 0o755);
      const before = nl("/mnt");
      s.rump_sys_rename("/mnt/c/b", "/mnt/empty");
      expect(nl("/mnt")).toBe(before);
      expect(nl("/mnt/c")).toBe(2);
      expect(s.rump_sys_stat("/mnt/empty/..").st_ino).toBe(s.rump_sys_stat("/mnt").st_ino);
      // hard links
      s.rump_sys_link("/mnt/c/f3", "/mnt/a/hl");
      expect(nl("/mnt/c/f3")).toBe(2);
      s.rump_sys_rename("/mnt/c/f3", "/mnt/a/hl"); // same file: nothing happens
      expect(nl("/mnt/a/hl")).toBe(2);
      s.rump_sys_unlink("/mnt/c/f3");
      expect(nl("/mnt/a/hl")).toBe(1);
      // symlinks short and long
      const long = "x/".repeat(200) + "end";
      s.rump_sys_symlink("short-target", "/mnt/a/sl");
      s.rump_sys_symlink(long, "/mnt/a/ll");
      const lb = new Uint8Array(1024);
      expect(
        new TextDecoder().decode(lb.subarray(0, s.rump_sys_readlink("/mnt/a/sl", lb, 1024))),
      ).toBe("short-target");
      expect(
        new TextDecoder().decode(lb.subarray(0, s.rump_sys_readlink("/mnt/a/ll", lb, 1024))),
      ).toBe(long);
      s.rump_sys_rmdir("/mnt/empty");
      s.rump_sys_rmdir("/mnt/full/../a/../c/../full/../c");
      expect(nl("/mnt")).toBe(root0 + 2);
      // many entries: the directory grows by chunks, removals merge
      for (let i = 0; i < 200; i++)
        writeFile(s, `/mnt/a/entry-${i}-${"n".repeat(i % 40)}`, pattern(i, i));
      for (let i = 0; i < 200; i += 2) s.rump_sys_unlink(`/mnt/a/entry-${i}-${"n".repeat(i % 40)}`);
      for (let i = 0; i < 50; i++) writeFile(s, `/mnt/a/again-${i}`, pattern(3, i));
      expect(listdir(s, "/mnt/a").length).toBe(2 + 3 + 100 + 50);
      // slack spread over a chunk: a long name needs the chunk compacted
      s.rump_sys_mkdir("/mnt/cmp", 0o755);
      const short = (i: number): string =>
        `/mnt/cmp/${"s".repeat(18)}${String(i).padStart(2, "0")}`;
      for (let i = 0; i < 40; i++) writeFile(s, short(i), pattern(1, i));
      const size0 = s.rump_sys_stat("/mnt/cmp").st_size;
      for (let i = 1; i < 40; i += 2) s.rump_sys_unlink(short(i));
      const longName = `/mnt/cmp/${"L".repeat(100)}`;
      writeFile(s, longName, pattern(7, 7));
      expect(s.rump_sys_stat("/mnt/cmp").st_size).toBe(size0);
      expect(readFile(s, longName)).toEqual(pattern(7, 7));
      for (let i = 0; i < 40; i += 2) expect(readFile(s, short(i))).toEqual(pattern(1, i));
      expect(listdir(s, "/mnt/cmp").length).toBe(2 + 20 + 1);
      unmountAndCheck(t, image);
    });

    it("setattr: chmod, chown, utimes, truncate by path survive a remount", () => {
      const image = copyOf(name);
      const t = mountAt(image);
      const s = t.sys;
      writeFile(s, "/mnt/x", pattern(3000, 9));
      s.rump_sys_chmod("/mnt/x", 0o4755);
      s.rump_sys_chown("/mnt/x", 1000, 100);
      // root keeps the set-id bits through chown (genfs_chown_clear_suid)
      expect(s.rump_sys_stat("/mnt/x").st_mode & 0o7777).toBe(0o4755);
      s.rump_sys_truncate("/mnt/x", 10);
      expect(s.rump_sys_stat("/mnt/x").st_size).toBe(10);
      s.rump_sys_utimes("/mnt/x", [
        { tv_sec: 1_234_567_890, tv_usec: 0 },
        { tv_sec: 1_234_567_891, tv_usec: 0 },
      ]);
      expect(s.rump_sys_stat("/mnt/x").st_mtimespec.tv_sec).toBe(1_234_567_891);
      unmountAndCheck(t, image);
      const t2 = mountAt(image, MNT_RDONLY);
      const st = t2.sys.rump_sys_stat("/mnt/x");
      expect(st.st_uid).toBe(1000);
      expect(st.st_gid).toBe(100);
      expect(st.st_mode & S_IFMT).toBe(S_IFREG);
      expect(st.st_mode & 0o7777).toBe(0o4755);
      expect(st.st_mtimespec.tv_sec).toBe(1_234_567_891);
      t2.sys.rump_sys_unmount("/mnt", 0);
    });

    it("non-root writes clear setuid/setgid; EFBIG past the largest file; O_APPEND appends", () => {
      const image = copyOf(name);
      const t = mountAt(image);
      const s = t.sys;
      writeFile(s, "/mnt/suid", pattern(100, 1));
      s.rump_sys_chmod("/mnt/suid", 0o6777);
      const fd0 = s.rump_sys_open("/mnt/suid", O_WRONLY | O_APPEND);
      s.rump_sys_write(fd0, pattern(10, 2));
      s.rump_sys_close(fd0);
      expect(s.rump_sys_stat("/mnt/suid").st_mode & 0o7777).toBe(0o6777); // root keeps them
      expect(s.rump_sys_stat("/mnt/suid").st_size).toBe(110);
      const fd1 = s.rump_sys_open("/mnt/suid", O_RDWR);
      expect(errnoOf(() => s.rump_sys_pwrite(fd1, pattern(1, 1), 1, 2 ** 52))).toBe(EFBIG);
      s.rump_sys_close(fd1);
      t.k.rump_pub_lwproc_rfork(RUMP_RFCFDG);
      s.rump_sys_setuid(1000);
      const fd = s.rump_sys_open("/mnt/suid", O_WRONLY);
      s.rump_sys_write(fd, pattern(10, 3));
      s.rump_sys_close(fd);
      expect(s.rump_sys_stat("/mnt/suid").st_mode & 0o7777).toBe(0o777);
      expect(errnoOf(() => s.rump_sys_chmod("/mnt/suid", 0o644))).toBe(EPERM);
      t.k.rump_pub_lwproc_releaselwp();
      unmountAndCheck(t, image);
    });

    it("a free map that contradicts its counts is EIO with a console message, not a hang", () => {
      const image = copyOf(name);
      const b = new Uint8Array(readFileSync(image));
      let fs = null;
      for (const loc of SBLOCKSEARCH) {
        const f = ffs_sb_parse(b.subarray(loc, loc + SBLOCKSIZE), loc);
        if (f !== null && (!f.ufs2 || f.fs_sblockloc === loc)) {
          fs = f;
          break;
        }
      }
      // every fragment "in use" while the summaries still count free blocks
      for (let c = 0; c < fs!.fs_ncg; c++) {
        const off = fsbtodb(fs!, cgtod(fs!, c)) * 512;
        const cg = cg_parse(b.subarray(off), fs!.le);
        b.fill(0, off + cg.cg_freeoff, off + cg.cg_freeoff + Math.ceil(fs!.fs_fpg / 8));
      }
      writeFileSync(image, b);
      const t = mountAt(image);
      const fd = t.sys.rump_sys_open("/mnt/victim", O_RDWR | O_CREAT, 0o644);
      expect(errnoOf(() => t.sys.rump_sys_write(fd, pattern(20000, 1)))).toBe(EIO);
      expect(t.console.join("")).toMatch(/corrupt/);
      t.sys.rump_sys_close(fd);
    });

    it("the clean flag: a dirty image is refused read-write unless forced; MNT_UPDATE switches", () => {
      const image = copyOf(name);
      const t = mountAt(image);
      expect(fsClean(image)).toBe(0);
      // a copy taken while mounted is dirty: refused read-write, fine read-only or forced
      const dirty = copyOf(name);
      copyFileSync(image, dirty);
      expect(fsClean(dirty)).toBe(0);
      const t2 = bootNode();
      t2.k.rump_pub_etfs_register("/dev/ffs1", dirty, RUMP_ETFS_BLK);
      t2.sys.rump_sys_mkdir("/m2", 0o755);
      expect(errnoOf(() => t2.sys.rump_sys_mount("ffs", "/m2", 0, { fspec: "/dev/ffs1" }))).toBe(
        EROFS,
      );
      expect(t2.console.join("")).toMatch(/not clean/);
      t2.sys.rump_sys_mount("ffs", "/m2", MNT_RDONLY, { fspec: "/dev/ffs1" });
      t2.sys.rump_sys_unmount("/m2", 0);
      t2.sys.rump_sys_mount("ffs", "/m2", MNT_FORCE, { fspec: "/dev/ffs1" });
      writeFile(t2.sys, "/m2/forced", pattern(10, 1));
      t2.sys.rump_sys_unmount("/m2", 0);
      // forcing does not make it consistent: it stays dirty until fsck (FS_WASCLEAN)
      expect(fsClean(dirty)).toBe(0);
      expect(t2.console.join("")).toMatch(/stays not clean until fsck/);
      // rw → ro marks it clean, ro → rw dirty again
      writeFile(t.sys, "/mnt/u", pattern(100, 1));
      t.sys.rump_sys_mount("ffs", "/mnt", MNT_UPDATE | MNT_RDONLY, { fspec: "/dev/ffs0" });
      expect(fsClean(image)).toBe(1);
      expect(errnoOf(() => writeFile(t.sys, "/mnt/v", pattern(1, 1)))).toBe(EROFS);
      t.sys.rump_sys_mount("ffs", "/mnt", MNT_UPDATE, { fspec: "/dev/ffs0" });
      expect(fsClean(image)).toBe(0);
      writeFile(t.sys, "/mnt/v", pattern(1, 1));
      unmountAndCheck(t, image);
      expect(fsClean(image)).toBe(1);
    });

    it("seeded random workload matches a shadow tree on tmpfs after a remount", () => {
      const image = copyOf(name);
      const t = mountAt(image);
      mountShadow(t.sys);
      const shadow = randomWorkload(t.sys, "/mnt", "/shadow", FFS_CAPS, {
        // one seed per image: every image runs a workload of its own
        seed: [...name].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0, 12345),
        steps: 400,
        maxWrite: 200_000,
      });
      unmountAndCheck(t, image);
      // a fresh kernel reads the same tree
      const t2 = mountAt(image, MNT_RDONLY);
      expect(wsnapshot(t2.sys, "/mnt/w", FFS_CAPS)).toEqual(shadow);
      t2.sys.rump_sys_unmount("/mnt", 0);
    }, 120_000);
  },
);
