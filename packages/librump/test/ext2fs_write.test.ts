/**
 * ext2fs read-write on images made by mke2fs (revision 1 with 1 KiB and
 * 4 KiB blocks, revision 0) and by our newfs_ext2fs: data through direct
 * and indirect blocks, truncate giving every block back, the namespace
 * (rename in every case, link counts), setattr, the state flag and mount
 * count, ENOSPC, dir_index directories, and a seeded random workload
 * compared with a shadow tree on tmpfs after a remount in a fresh kernel.
 * `e2fsck -fn` runs after every test that writes and must find nothing.
 */
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from "vitest";
import { NodeHost } from "@rump/rumpuser";
import {
  createSyscalls,
  EEXIST,
  EFBIG,
  EINVAL,
  EIO,
  EISDIR,
  ENAMETOOLONG,
  ENOENT,
  ENOSPC,
  ENOTDIR,
  ENOTEMPTY,
  EOPNOTSUPP,
  EPERM,
  EROFS,
  MNT_FORCE,
  MNT_RDONLY,
  MNT_UPDATE,
  O_APPEND,
  O_CREAT,
  O_RDONLY,
  O_RDWR,
  O_WRONLY,
  S_IFBLK,
  S_IFCHR,
  S_IFDIR,
  S_IFIFO,
  S_IFMT,
  S_IFREG,
  type RumpSyscalls,
} from "@rump/syscalls";
import { memBlockDev } from "../src/dev/blockdev.js";
import { createKernel } from "../src/rump/rump.js";
import type { Kernel } from "../src/rump/kernel.js";
import { RUMP_ETFS_BLK } from "../src/rump/etfs.js";
import { newfs_ext2fs } from "../src/ufs/ext2fs/ext2fs_newfs.js";
import {
  e2fs_dinode_parse,
  e2fs_gd_parse,
  Ext2Dinode,
  ext2fs_sbcheck,
  ext2fs_sbparse,
  EXT2_IMMUTABLE,
  EXT2_INDEX,
  EXT2_NODUMP,
} from "../src/ufs/ext2fs/ext2fs.js";
import { SF_APPEND, SF_IMMUTABLE, UF_NODUMP, UF_OPAQUE } from "../src/sys/consts.js";
import { RUMP_RFCFDG } from "../src/rump/lwproc.js";
import { errnoOf, listdir, readFile, release, writeFile } from "./helpers/kernel.js";
import { attrsOf, debugfsTree } from "./helpers/ext2fs_debugfs.js";
import { EXT2_CAPS, mountShadow, randomWorkload, wsnapshot } from "./helpers/fs_workload.js";
import {
  DEBUGFS,
  E2FSCK as E2FSCK_PATH,
  buildE2Tree,
  e2fsck,
  e2pattern as pattern,
  mke2fs,
  mke2fsMissing,
  type E2Spec,
} from "./helpers/ext2fs_images.js";

// images copied per test and checked by e2fsck: give each test room
vi.setConfig({ testTimeout: 60_000 });

const missing = mke2fsMissing();
if (missing !== null) console.log(`ext2fs_write.test.ts: skipped: ${missing}`);

let dir = "";
/** mke2fs images: revision 1 with 1 KiB (and 256-byte inodes) and 4 KiB blocks, revision 0. */
const SPECS: (E2Spec & { name: string })[] = [
  { name: "mke2fs-rev1-1k", rev: 1, bsize: 1024, extra: ["-I", "256"] },
  { name: "mke2fs-rev1-4k", rev: 1, bsize: 4096 },
  { name: "mke2fs-rev0-1k", rev: 0, bsize: 1024 },
];

/** Images made by our own newfs_ext2fs. */
const NEWFS: { name: string; opts: Parameters<typeof newfs_ext2fs>[1] }[] = [
  { name: "newfs-rev1-2k", opts: { rev: 1, bsize: 2048, isize: 128, time: 1_700_000_000 } },
  { name: "newfs-rev0-1k", opts: { rev: 0, bsize: 1024, time: 1_700_000_000 } },
];

/**
 * The images the cheaper, revision-independent tests run on (the suite's
 * time budget does not allow every test on every image).
 */
const EVERY = new Set(["mke2fs-rev1-1k", "newfs-rev0-1k"]);

/** The small tree every mke2fs image starts with. */
function buildSmallTree(root: string): void {
  mkdirSync(join(root, "d"), { recursive: true });
  for (const n of [0, 1, 1000, 4096, 70000]) writeFileSync(join(root, `f${n}`), pattern(n, n + 5));
  writeFileSync(join(root, "d", "inner"), pattern(300, 1));
  symlinkSync("f4096", join(root, "fast-link"));
}

beforeAll(() => {
  if (missing !== null) return;
  dir = mkdtempSync(join(tmpdir(), "ext2fs-write-"));
  const src = join(dir, "src");
  buildSmallTree(src);
  for (const s of SPECS) mke2fs(join(dir, `${s.name}.img`), src, s);
  for (const n of NEWFS) {
    const img = new Uint8Array(16 << 20);
    const why = { v: "" };
    if (newfs_ext2fs(memBlockDev(img), n.opts, why) !== 0)
      throw new Error(`newfs ${n.name} failed: ${why.v}`);
    writeFileSync(join(dir, `${n.name}.img`), img);
  }
}, 120_000);

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
  t.k.rump_pub_etfs_register("/dev/e2", image, RUMP_ETFS_BLK);
  t.sys.rump_sys_mkdir("/mnt", 0o755);
  t.sys.rump_sys_mount("ext2fs", "/mnt", flags, { fspec: "/dev/e2" });
  return t;
}

/** Unmount and require `e2fsck -fn` to find nothing. */
function unmountAndCheck(t: T, image: string): void {
  t.sys.rump_sys_unmount("/mnt", 0);
  const r = e2fsck(image);
  expect(r.output).toBe(r.status === 0 ? r.output : "(e2fsck clean)");
  expect(r.status).toBe(0);
}

/** s_state and s_mnt_count of the image's superblock. */
function sbState(image: string): { state: number; mnt: number } {
  const b = new Uint8Array(readFileSync(image));
  const fs = ext2fs_sbparse(b, 1024);
  return { state: fs.e2fs_state, mnt: fs.e2fs_mnt_count };
}
function fsClean(image: string): number {
  return sbState(image).state & 1;
}

/** Byte-for-byte equality without a slow element-wise diff. */
function expectBytes(a: Uint8Array, b: Uint8Array): void {
  expect(a.length).toBe(b.length);
  expect(
    Buffer.compare(
      Buffer.from(a.buffer, a.byteOffset, a.length),
      Buffer.from(b.buffer, b.byteOffset, b.length),
    ),
  ).toBe(0);
}

function bfree(sys: RumpSyscalls): number {
  return sys.rump_sys_statvfs1("/mnt", 1).f_bfree;
}

const d = missing === null ? describe : describe.skip;

d.each([...SPECS.map((s) => s.name), ...NEWFS.map((n) => n.name)])(
  "ext2fs read-write on %s",
  (name) => {
    it("creates, writes and reads back, also after a remount in a fresh kernel", () => {
      const image = copyOf(name);
      const mnt0 = sbState(image).mnt;
      const t = mountAt(image);
      expect(fsClean(image)).toBe(0);
      expect(sbState(image).mnt).toBe(mnt0 + 1);
      const sizes = [0, 1, 100, 1023, 1024, 1025, 3000, 8191, 8192, 8193, 50000, 100_000];
      for (const n of sizes) writeFile(t.sys, `/mnt/new-${n}`, pattern(n, n + 7));
      for (const n of sizes) expectBytes(readFile(t.sys, `/mnt/new-${n}`), pattern(n, n + 7));
      // growing a file step by step
      const grow = new Uint8Array(20000);
      for (let i = 0; i < 20; i++) {
        const part = pattern(1000, i);
        grow.set(part, i * 1000);
        writeFile(t.sys, "/mnt/grow", part, O_APPEND);
        writeFile(t.sys, "/mnt/grow-other", part, O_APPEND);
      }
      expectBytes(readFile(t.sys, "/mnt/grow"), grow);
      // 256-byte inodes keep a birth time
      const bt = t.sys.rump_sys_stat("/mnt/new-100").st_birthtimespec.tv_sec;
      if (name === "mke2fs-rev1-1k") expect(bt).toBeGreaterThan(1_600_000_000);
      // old files are intact
      if (!name.startsWith("newfs"))
        expectBytes(readFile(t.sys, "/mnt/f4096"), pattern(4096, 4096 + 5));
      unmountAndCheck(t, image);
      expect(fsClean(image)).toBe(1);
      const t2 = mountAt(image, MNT_RDONLY);
      for (const n of sizes) expectBytes(readFile(t2.sys, `/mnt/new-${n}`), pattern(n, n + 7));
      expectBytes(readFile(t2.sys, "/mnt/grow"), grow);
      t2.sys.rump_sys_unmount("/mnt", 0);
    });

    it("fast and slow symlink targets survive a remount byte for byte", () => {
      const image = copyOf(name);
      const t = mountAt(image);
      const targets = [
        "docs/README.md",
        "\u00ff\u00fe\u00fd\u00fc/zzzzzzzz/yyyyyyyy",
        "x".repeat(59),
        "y".repeat(60),
        "z/".repeat(200),
      ];
      targets.forEach((tg, i) => t.sys.rump_sys_symlink(tg, `/mnt/sl${i}`));
      unmountAndCheck(t, image);
      const t2 = mountAt(image, MNT_RDONLY);
      const buf = new Uint8Array(1024);
      targets.forEach((tg, i) => {
        const n = t2.sys.rump_sys_readlink(`/mnt/sl${i}`, buf);
        expect(t2.sys.rump_sys_lstat(`/mnt/sl${i}`).st_blocks > 0).toBe(tg.length >= 60);
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
      const back0 = new Uint8Array(1000);
      // sequential: direct into single indirect
      for (let i = 0; i < 40; i++) t.sys.rump_sys_pwrite(fd, chunk, chunk.length, i * 65536);
      // sparse: far into double indirect, and a byte in triple-indirect range on UFS2? (too far) — 40 MB
      const far = 12 * 8192 + 2048 * 8192 + 5 * 8192 + 100;
      t.sys.rump_sys_pwrite(fd, chunk, 1000, far);
      // triple indirect at 1 KiB blocks (12 + 256 + 65536 blocks before it)
      const triple = 70_000_000;
      t.sys.rump_sys_pwrite(fd, chunk, 1000, triple);
      t.sys.rump_sys_pread(fd, back0, 1000, triple);
      expectBytes(back0.subarray(0, 1000), chunk.subarray(0, 1000));
      t.sys.rump_sys_ftruncate(fd, far + 1000);
      expect(t.sys.rump_sys_fstat(fd).st_size).toBe(far + 1000);
      const back = new Uint8Array(65536);
      for (const i of [0, 11, 12, 39]) {
        t.sys.rump_sys_pread(fd, back, 65536, i * 65536);
        expectBytes(back, chunk);
      }
      t.sys.rump_sys_pread(fd, back, 1000, far);
      expectBytes(back.subarray(0, 1000), chunk.subarray(0, 1000));
      t.sys.rump_sys_pread(fd, back, 1000, far - 1000);
      expectBytes(back.subarray(0, 1000), new Uint8Array(1000));
      t.sys.rump_sys_fsync(fd);
      expect(bfree(t.sys)).toBeLessThan(free0);
      // a partial truncate keeps the head and zeroes beyond
      t.sys.rump_sys_ftruncate(fd, 100_000);
      t.sys.rump_sys_ftruncate(fd, 300_000);
      t.sys.rump_sys_pread(fd, back, 65536, 65536);
      expectBytes(back.subarray(0, 100_000 - 65536), chunk.subarray(0, 100_000 - 65536));
      expectBytes(back.subarray(100_000 - 65536), new Uint8Array(65536 - (100_000 - 65536)));
      t.sys.rump_sys_ftruncate(fd, 0);
      t.sys.rump_sys_close(fd);
      expect(bfree(t.sys)).toBe(free0);
      t.sys.rump_sys_unlink("/mnt/big");
      expect(bfree(t.sys)).toBe(free0);
      unmountAndCheck(t, image);
    }, 60_000);

    it.runIf(EVERY.has(name))(
      "an open file survives its unlink and gives its blocks and inode back at last close",
      () => {
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
        expectBytes(back, pattern(300_000, 5));
        expect(bfree(s)).toBeLessThan(free0);
        s.rump_sys_close(fd);
        expect(bfree(s)).toBe(free0);
        expect(s.rump_sys_statvfs1("/mnt", 1).f_ffree).toBe(files0);
        unmountAndCheck(t, image);
      },
    );

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
      expectBytes(readFile(s, "/mnt/c/f3"), pattern(10, 2));
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
      expectBytes(readFile(s, longName), pattern(7, 7));
      for (let i = 0; i < 40; i += 2) expectBytes(readFile(s, short(i)), pattern(1, i));
      expect(listdir(s, "/mnt/cmp").length).toBe(2 + 20 + 1);
      unmountAndCheck(t, image);
    });

    it.runIf(EVERY.has(name))(
      "setattr: chmod, chown, utimes, truncate by path survive a remount",
      () => {
        const image = copyOf(name);
        const t = mountAt(image);
        const s = t.sys;
        writeFile(s, "/mnt/x", pattern(3000, 9));
        s.rump_sys_chmod("/mnt/x", 0o4755);
        s.rump_sys_chown("/mnt/x", 100_000, 70_000);
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
        expect(st.st_uid).toBe(100_000);
        expect(st.st_gid).toBe(70_000);
        expect(st.st_mode & S_IFMT).toBe(S_IFREG);
        expect(st.st_mode & 0o7777).toBe(0o4755);
        expect(st.st_mtimespec.tv_sec).toBe(1_234_567_891);
        t2.sys.rump_sys_unmount("/mnt", 0);
      },
    );

    it.runIf(EVERY.has(name))(
      "non-root writes clear setuid/setgid; EFBIG past the largest file; O_APPEND appends",
      () => {
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
      },
    );

    it.runIf(EVERY.has(name))(
      "a block bitmap that contradicts its counts is EIO with a console message, not a hang",
      () => {
        const image = copyOf(name);
        const b = new Uint8Array(readFileSync(image));
        const fs = ext2fs_sbparse(b, 1024);
        expect(ext2fs_sbcheck(fs)).toBeNull();
        // every block "in use" while the descriptors still count free blocks
        const gdoff = (fs.e2fs_first_dblock + 1) * fs.e2fs_bsize;
        for (let c = 0; c < fs.e2fs_ncg; c++) {
          const gd = e2fs_gd_parse(b.subarray(gdoff), c);
          b.fill(
            0xff,
            gd.ext2bgd_b_bitmap * fs.e2fs_bsize,
            (gd.ext2bgd_b_bitmap + 1) * fs.e2fs_bsize,
          );
        }
        writeFileSync(image, b);
        const t = mountAt(image);
        const fd = t.sys.rump_sys_open("/mnt/victim", O_RDWR | O_CREAT, 0o644);
        expect(errnoOf(() => t.sys.rump_sys_write(fd, pattern(20000, 1)))).toBe(EIO);
        expect(t.console.join("")).toMatch(/corrupt/);
        t.sys.rump_sys_close(fd);
      },
    );

    it.runIf(EVERY.has(name))(
      "the clean flag: a dirty image is refused read-write unless forced; MNT_UPDATE switches",
      () => {
        const image = copyOf(name);
        const t = mountAt(image);
        expect(fsClean(image)).toBe(0);
        // a copy taken while mounted is dirty: refused read-write, fine read-only or forced
        const dirty = copyOf(name);
        copyFileSync(image, dirty);
        expect(fsClean(dirty)).toBe(0);
        const t2 = bootNode();
        t2.k.rump_pub_etfs_register("/dev/e2b", dirty, RUMP_ETFS_BLK);
        t2.sys.rump_sys_mkdir("/m2", 0o755);
        expect(
          errnoOf(() => t2.sys.rump_sys_mount("ext2fs", "/m2", 0, { fspec: "/dev/e2b" })),
        ).toBe(EROFS);
        expect(t2.console.join("")).toMatch(/not clean/);
        t2.sys.rump_sys_mount("ext2fs", "/m2", MNT_RDONLY, { fspec: "/dev/e2b" });
        t2.sys.rump_sys_unmount("/m2", 0);
        t2.sys.rump_sys_mount("ext2fs", "/m2", MNT_FORCE, { fspec: "/dev/e2b" });
        writeFile(t2.sys, "/m2/forced", pattern(10, 1));
        t2.sys.rump_sys_unmount("/m2", 0);
        expect(fsClean(dirty)).toBe(1);
        // rw → ro marks it clean, ro → rw dirty again
        writeFile(t.sys, "/mnt/u", pattern(100, 1));
        t.sys.rump_sys_mount("ext2fs", "/mnt", MNT_UPDATE | MNT_RDONLY, { fspec: "/dev/e2" });
        expect(fsClean(image)).toBe(1);
        expect(errnoOf(() => writeFile(t.sys, "/mnt/v", pattern(1, 1)))).toBe(EROFS);
        t.sys.rump_sys_mount("ext2fs", "/mnt", MNT_UPDATE, { fspec: "/dev/e2" });
        expect(fsClean(image)).toBe(0);
        writeFile(t.sys, "/mnt/v", pattern(1, 1));
        unmountAndCheck(t, image);
        expect(fsClean(image)).toBe(1);
      },
    );

    it("seeded random workload matches a shadow tree on tmpfs after a remount", () => {
      const image = copyOf(name);
      const t = mountAt(image);
      mountShadow(t.sys);
      const shadow = randomWorkload(t.sys, "/mnt", "/shadow", EXT2_CAPS, {
        // one seed per image: every image runs a workload of its own
        seed: [...name].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0, 12345),
        steps: 400,
        maxWrite: 200_000,
      });
      unmountAndCheck(t, image);
      // a fresh kernel reads the same tree
      const t2 = mountAt(image, MNT_RDONLY);
      expect(wsnapshot(t2.sys, "/mnt/w", EXT2_CAPS)).toEqual(shadow);
      t2.sys.rump_sys_unmount("/mnt", 0);
      // and so does debugfs: names, types, modes, owners, sizes
      expect(debugfsTree(image, shadow, dir)).toEqual(attrsOf(shadow));
    }, 120_000);
  },
);

/** A fresh image made by newfs_ext2fs of `mb` MiB with `opts`. */
function newfsImage(mb: number, opts: Parameters<typeof newfs_ext2fs>[1]): string {
  const img = new Uint8Array(mb << 20);
  const why = { v: "" };
  expect(newfs_ext2fs(memBlockDev(img), opts, why), why.v).toBe(0);
  const p = join(dir, `nf-${serial++}.img`);
  writeFileSync(p, img);
  onTestFinished(() => rmSync(p, { force: true }));
  return p;
}

/** A fresh mke2fs image over a source tree built by `fill`. */
function mke2fsImage(spec: E2Spec, fill: (root: string) => void, size?: string): string {
  const src = join(dir, `src-${serial++}`);
  mkdirSync(src, { recursive: true });
  fill(src);
  const p = join(dir, `mk-${serial++}.img`);
  mke2fs(p, src, spec, size);
  onTestFinished(() => {
    rmSync(p, { force: true });
    rmSync(src, { recursive: true, force: true });
  });
  return p;
}

function tryMountRw(image: string): { t: T; errno: number } {
  const t = bootNode();
  t.k.rump_pub_etfs_register("/dev/e2", image, RUMP_ETFS_BLK);
  t.sys.rump_sys_mkdir("/mnt", 0o755);
  return {
    t,
    errno: errnoOf0(() => t.sys.rump_sys_mount("ext2fs", "/mnt", 0, { fspec: "/dev/e2" })),
  };
}

function errnoOf0(fn: () => unknown): number {
  try {
    fn();
    return 0;
  } catch (e) {
    const n = (e as { errno?: number }).errno;
    if (n === undefined) throw e;
    return n;
  }
}

/** The inode flags (i_flags) of `ino` read straight from the image. */
function diskInode(image: string, ino: number): Ext2Dinode {
  const b = new Uint8Array(readFileSync(image));
  const fs = ext2fs_sbparse(b, 1024);
  expect(ext2fs_sbcheck(fs)).toBeNull();
  const gdoff = (fs.e2fs_first_dblock + 1) * fs.e2fs_bsize;
  const cg = Math.floor((ino - 1) / fs.e2fs_ipg);
  const gd = e2fs_gd_parse(b.subarray(gdoff), cg);
  const off = gd.ext2bgd_i_tables * fs.e2fs_bsize + ((ino - 1) % fs.e2fs_ipg) * fs.e2fs_isize;
  return e2fs_dinode_parse(b, off, fs, new Ext2Dinode());
}

d("ext2fs read-write: limits, features and the real tools", () => {
  it("ENOSPC when the blocks run out, ENOSPC when the inodes run out; e2fsck clean after", () => {
    const image = newfsImage(2, { rev: 1, bsize: 1024, inodes: 64, time: 1 });
    const t = mountAt(image);
    const s = t.sys;
    // blocks: files of 100 KiB until the disk is full
    const written: number[] = [];
    let full = 0;
    for (let i = 0; i < 40 && full === 0; i++) {
      const fd = s.rump_sys_open(`/mnt/b${i}`, O_WRONLY | O_CREAT, 0o644);
      const data = pattern(100_000, i);
      let off = 0;
      full = errnoOf0(() => {
        while (off < data.length) off += s.rump_sys_write(fd, data.subarray(off));
      });
      written.push(off);
      s.rump_sys_close(fd);
    }
    expect(full).toBe(ENOSPC);
    expect(s.rump_sys_statvfs1("/mnt", 1).f_bfree).toBe(0);
    // what was written reads back; freeing a file makes room again
    for (let i = 0; i < written.length; i++)
      expectBytes(readFile(s, `/mnt/b${i}`), pattern(100_000, i).subarray(0, written[i]));
    s.rump_sys_unlink("/mnt/b0");
    writeFile(s, "/mnt/after", pattern(5000, 1));
    // inodes: empty files until none is left
    let ierr = 0;
    let n = 0;
    while (ierr === 0 && n < 100) {
      ierr = errnoOf0(() =>
        s.rump_sys_close(s.rump_sys_open(`/mnt/e${n}`, O_CREAT | O_WRONLY, 0o644)),
      );
      n++;
    }
    expect(ierr).toBe(ENOSPC);
    expect(s.rump_sys_statvfs1("/mnt", 1).f_ffree).toBe(0);
    expect(errnoOf(() => s.rump_sys_mkdir("/mnt/nodir", 0o755))).toBe(ENOSPC);
    unmountAndCheck(t, image);
    const t2 = mountAt(image, MNT_RDONLY);
    expectBytes(readFile(t2.sys, "/mnt/after"), pattern(5000, 1));
    expect(t2.sys.rump_sys_stat(`/mnt/e${n - 2}`).st_size).toBe(0);
    t2.sys.rump_sys_unmount("/mnt", 0);
  });

  it("names of 255 bytes work, 256 bytes are ENAMETOOLONG; a full block of entries packs", () => {
    const image = copyOf("newfs-rev1-2k");
    const t = mountAt(image);
    const s = t.sys;
    const n255 = "x".repeat(255);
    writeFile(s, `/mnt/${n255}`, pattern(10, 1));
    expect(errnoOf(() => writeFile(s, `/mnt/${"y".repeat(256)}`, pattern(1, 1)))).toBe(
      ENAMETOOLONG,
    );
    expect(errnoOf(() => s.rump_sys_mkdir(`/mnt/${"y".repeat(256)}`, 0o755))).toBe(ENAMETOOLONG);
    expect(errnoOf(() => s.rump_sys_symlink("t", `/mnt/${"y".repeat(256)}`))).toBe(ENAMETOOLONG);
    expect(errnoOf(() => s.rump_sys_rename(`/mnt/${n255}`, `/mnt/${"y".repeat(256)}`))).toBe(
      ENAMETOOLONG,
    );
    // fill one directory block with 28-byte entries, free every other, add a long name
    const bsize = s.rump_sys_statvfs1("/mnt", 1).f_bsize;
    s.rump_sys_mkdir("/mnt/cmp", 0o755);
    const nm = (i: number): string => `/mnt/cmp/${"s".repeat(16)}${String(i).padStart(4, "0")}`;
    const fit = Math.floor((bsize - 24) / 28);
    for (let i = 0; i < fit; i++) writeFile(s, nm(i), pattern(1, i));
    expect(s.rump_sys_stat("/mnt/cmp").st_size).toBe(bsize);
    for (let i = 1; i < fit; i += 2) s.rump_sys_unlink(nm(i));
    writeFile(s, `/mnt/cmp/${"L".repeat(100)}`, pattern(7, 7));
    expect(s.rump_sys_stat("/mnt/cmp").st_size).toBe(bsize);
    unmountAndCheck(t, image);
    const t2 = mountAt(image, MNT_RDONLY);
    expectBytes(readFile(t2.sys, `/mnt/${n255}`), pattern(10, 1));
    expect(listdir(t2.sys, "/mnt/cmp").length).toBe(2 + Math.ceil(fit / 2) + 1);
    t2.sys.rump_sys_unmount("/mnt", 0);
  });

  it("a file passing 2 GiB turns large_file on; e2fsck agrees", () => {
    const image = newfsImage(8, { rev: 1, bsize: 4096, time: 1 });
    expect(
      ext2fs_sbparse(new Uint8Array(readFileSync(image)), 1024).e2fs_features_rocompat & 2,
    ).toBe(0);
    const t = mountAt(image);
    const fd = t.sys.rump_sys_open("/mnt/large", O_RDWR | O_CREAT, 0o644);
    const at = 2 ** 31 + 12345;
    t.sys.rump_sys_pwrite(fd, pattern(5000, 2), 5000, at);
    t.sys.rump_sys_close(fd);
    unmountAndCheck(t, image);
    expect(
      ext2fs_sbparse(new Uint8Array(readFileSync(image)), 1024).e2fs_features_rocompat & 2,
    ).toBe(2);
    const t2 = mountAt(image, MNT_RDONLY);
    expect(t2.sys.rump_sys_stat("/mnt/large").st_size).toBe(at + 5000);
    const fd2 = t2.sys.rump_sys_open("/mnt/large", O_RDONLY);
    const back = new Uint8Array(5000);
    t2.sys.rump_sys_pread(fd2, back, 5000, at);
    expectBytes(back, pattern(5000, 2));
    t2.sys.rump_sys_close(fd2);
    t2.sys.rump_sys_unmount("/mnt", 0);
    // revision 0 has no i_size_high: 2 GiB is the end
    const r0 = newfsImage(4, { rev: 0, bsize: 1024, time: 1 });
    const t3 = mountAt(r0);
    const fd3 = t3.sys.rump_sys_open("/mnt/x", O_RDWR | O_CREAT, 0o644);
    expect(errnoOf(() => t3.sys.rump_sys_pwrite(fd3, pattern(10, 1), 10, 2 ** 31))).toBe(EFBIG);
    t3.sys.rump_sys_close(fd3);
    unmountAndCheck(t3, r0);
  });

  it("a dir_index directory takes new entries (its index flag is dropped), e2fsck -fn stays clean", () => {
    const image = mke2fsImage({ rev: 1, bsize: 1024 }, (root) => {
      mkdirSync(join(root, "many"));
      for (let i = 0; i < 300; i++)
        writeFileSync(join(root, "many", `entry-with-a-longish-name-${i}`), pattern(i % 50, i));
    });
    // let e2fsck build the hashed index
    try {
      execFileSync(E2FSCK_PATH, ["-fyD", image], { stdio: "pipe" });
    } catch (e) {
      if ((e as { status?: number }).status !== 1) throw e;
    }
    const t0 = mountAt(image, MNT_RDONLY);
    const ino = t0.sys.rump_sys_stat("/mnt/many").st_ino;
    t0.sys.rump_sys_unmount("/mnt", 0);
    expect(diskInode(image, ino).e2di_flags & EXT2_INDEX).toBe(EXT2_INDEX);
    // removals keep the index valid: the flag stays
    const t1 = mountAt(image);
    for (let i = 0; i < 300; i += 3)
      t1.sys.rump_sys_unlink(`/mnt/many/entry-with-a-longish-name-${i}`);
    unmountAndCheck(t1, image);
    expect(diskInode(image, ino).e2di_flags & EXT2_INDEX).toBe(EXT2_INDEX);
    // an insertion drops it
    const t = mountAt(image);
    const s = t.sys;
    for (let i = 0; i < 150; i++) writeFile(s, `/mnt/many/new-${i}`, pattern(3, i));
    s.rump_sys_rename("/mnt/many/new-0", "/mnt/many/renamed");
    const expected = listdir(s, "/mnt/many").sort();
    unmountAndCheck(t, image);
    expect(diskInode(image, ino).e2di_flags & EXT2_INDEX).toBe(0);
    const t2 = mountAt(image, MNT_RDONLY);
    expect(listdir(t2.sys, "/mnt/many").sort()).toEqual(expected);
    expect(expected.length).toBe(2 + 200 + 150);
    t2.sys.rump_sys_unmount("/mnt", 0);
  });

  it("removing a whole mke2fs tree gives back every block and inode an empty mke2fs image has", () => {
    const spec: E2Spec = { rev: 1, bsize: 1024 };
    const empty = mke2fsImage(spec, () => {});
    const full = mke2fsImage(spec, (root) => void buildE2Tree(root));
    const te = mountAt(empty, MNT_RDONLY);
    const want = te.sys.rump_sys_statvfs1("/mnt", 1);
    te.sys.rump_sys_unmount("/mnt", 0);
    const t = mountAt(full);
    const s = t.sys;
    expect(s.rump_sys_statvfs1("/mnt", 1).f_bfree).toBeLessThan(want.f_bfree - 3000);
    const rmrf = (p: string): void => {
      for (const n of listdir(s, p)) {
        if (n === "." || n === ".." || (p === "/mnt" && n === "lost+found")) continue;
        const q = `${p}/${n}`;
        if ((s.rump_sys_lstat(q).st_mode & S_IFMT) === S_IFDIR) {
          rmrf(q);
          s.rump_sys_rmdir(q);
        } else s.rump_sys_unlink(q);
      }
    };
    rmrf("/mnt");
    const got = s.rump_sys_statvfs1("/mnt", 1);
    // the root directory keeps the blocks it grew to
    const rootExtra = s.rump_sys_stat("/mnt").st_size / 1024 - 1;
    expect(got.f_bfree + rootExtra).toBe(want.f_bfree);
    expect(got.f_ffree).toBe(want.f_ffree);
    unmountAndCheck(t, full);
  });

  it("a large directory's lookups stay right through creates, removes, links and renames", () => {
    const image = copyOf("mke2fs-rev1-1k");
    const t = mountAt(image);
    const s = t.sys;
    s.rump_sys_mkdir("/mnt/big", 0o755);
    s.rump_sys_mkdir("/mnt/other", 0o755);
    const ino = new Map<string, number>();
    const add = (n: string): void => {
      writeFile(s, `/mnt/big/${n}`, pattern(1, n.length));
      ino.set(n, s.rump_sys_stat(`/mnt/big/${n}`).st_ino);
    };
    for (let i = 0; i < 400; i++) add(`file-number-${i}`);
    expect(s.rump_sys_stat("/mnt/big").st_size).toBeGreaterThan(8 * 1024);
    let x = 99;
    const rnd = (n: number): number => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) % n;
    };
    const check = (n: string): void => {
      const want = ino.get(n);
      if (want === undefined) expect(errnoOf(() => s.rump_sys_stat(`/mnt/big/${n}`))).toBe(ENOENT);
      else expect(s.rump_sys_stat(`/mnt/big/${n}`).st_ino).toBe(want);
    };
    for (let step = 0; step < 600; step++) {
      const a = `file-number-${rnd(500)}`;
      const b = `file-number-${rnd(500)}`;
      switch (rnd(5)) {
        case 0:
          if (!ino.has(a)) add(a);
          break;
        case 1:
          if (ino.has(a)) {
            s.rump_sys_unlink(`/mnt/big/${a}`);
            ino.delete(a);
          }
          break;
        case 2:
          if (ino.has(a) && a !== b) {
            s.rump_sys_rename(`/mnt/big/${a}`, `/mnt/big/${b}`);
            ino.set(b, ino.get(a)!);
            ino.delete(a);
          }
          break;
        case 3:
          if (ino.has(a) && !ino.has(b)) {
            s.rump_sys_link(`/mnt/big/${a}`, `/mnt/big/${b}`);
            ino.set(b, ino.get(a)!);
          }
          break;
        case 4:
          if (ino.has(a)) {
            // out and back in: two directories change
            s.rump_sys_rename(`/mnt/big/${a}`, "/mnt/other/x");
            s.rump_sys_rename("/mnt/other/x", `/mnt/big/${b}`);
            ino.set(b, ino.get(a)!);
            if (a !== b) ino.delete(a);
          }
          break;
      }
      check(a);
      check(b);
    }
    const names = [...ino.keys()].sort();
    expect(
      listdir(s, "/mnt/big")
        .filter((n) => n !== "." && n !== "..")
        .sort(),
    ).toEqual(names);
    unmountAndCheck(t, image);
    const t2 = mountAt(image, MNT_RDONLY);
    for (let i = 0; i < 500; i++) {
      const n = `file-number-${i}`;
      const want = ino.get(n);
      if (want === undefined)
        expect(errnoOf(() => t2.sys.rump_sys_stat(`/mnt/big/${n}`))).toBe(ENOENT);
      else expect(t2.sys.rump_sys_stat(`/mnt/big/${n}`).st_ino).toBe(want);
    }
    t2.sys.rump_sys_unmount("/mnt", 0);
  });

  it("debugfs lists the names we wrote, with their inode numbers", () => {
    const image = copyOf("mke2fs-rev1-4k");
    const t = mountAt(image);
    const s = t.sys;
    s.rump_sys_mkdir("/mnt/newdir", 0o755);
    writeFile(s, "/mnt/newdir/a", pattern(10, 1));
    s.rump_sys_symlink("target", "/mnt/newdir/sl");
    s.rump_sys_link("/mnt/f1000", "/mnt/newdir/hl");
    s.rump_sys_rename("/mnt/f0", "/mnt/newdir/moved");
    s.rump_sys_mkfifo("/mnt/newdir/fifo", 0o600);
    const ours = new Map<string, number>();
    for (const n of listdir(s, "/mnt/newdir"))
      ours.set(n, s.rump_sys_lstat(`/mnt/newdir/${n}`).st_ino);
    unmountAndCheck(t, image);
    const out = execFileSync(DEBUGFS, ["-R", "ls -l /newdir", image], {
      encoding: "utf8",
      stdio: "pipe",
    });
    const theirs = new Map<string, number>();
    for (const line of out.split("\n")) {
      const m = /^\s*(\d+)\s+\d+\s+\(\d+\)\s+.*\s(\S+)\s*$/.exec(line);
      if (m !== null) theirs.set(m[2]!, Number(m[1]));
    }
    expect(theirs).toEqual(ours);
  });

  it("chflags: SF_IMMUTABLE, SF_APPEND and UF_NODUMP map to the ext2 flags", () => {
    const image = copyOf("newfs-rev1-2k");
    const t = mountAt(image);
    const s = t.sys;
    writeFile(s, "/mnt/imm", pattern(10, 1));
    writeFile(s, "/mnt/app", pattern(10, 2));
    s.rump_sys_chflags("/mnt/imm", SF_IMMUTABLE | UF_NODUMP);
    s.rump_sys_chflags("/mnt/app", SF_APPEND);
    expect(s.rump_sys_stat("/mnt/imm").st_flags).toBe(SF_IMMUTABLE | UF_NODUMP);
    expect(errnoOf(() => s.rump_sys_open("/mnt/imm", O_WRONLY))).toBe(EPERM);
    expect(errnoOf(() => s.rump_sys_unlink("/mnt/imm"))).toBe(EPERM);
    expect(errnoOf(() => s.rump_sys_open("/mnt/app", O_WRONLY))).toBe(EPERM);
    writeFile(s, "/mnt/app", pattern(5, 3), O_APPEND);
    expect(s.rump_sys_stat("/mnt/app").st_size).toBe(15);
    // flags ext2 cannot keep
    expect(errnoOf(() => s.rump_sys_chflags("/mnt/app", UF_OPAQUE))).toBe(EOPNOTSUPP);
    const ino = s.rump_sys_stat("/mnt/imm").st_ino;
    unmountAndCheck(t, image);
    expect(diskInode(image, ino).e2di_flags).toBe(EXT2_IMMUTABLE | EXT2_NODUMP);
    const t2 = mountAt(image);
    expect(t2.sys.rump_sys_stat("/mnt/app").st_flags).toBe(SF_APPEND);
    t2.sys.rump_sys_chflags("/mnt/imm", 0);
    t2.sys.rump_sys_unlink("/mnt/imm");
    unmountAndCheck(t2, image);
  });

  it("device nodes, fifos and sockets round-trip", () => {
    const image = copyOf("mke2fs-rev1-1k");
    const t = mountAt(image);
    const s = t.sys;
    s.rump_sys_mknod("/mnt/cdev", S_IFCHR | 0o640, 0x1234);
    s.rump_sys_mknod("/mnt/bdev", S_IFBLK | 0o600, 0x0501);
    s.rump_sys_mkfifo("/mnt/fifo", 0o644);
    unmountAndCheck(t, image);
    const t2 = mountAt(image, MNT_RDONLY);
    const c = t2.sys.rump_sys_lstat("/mnt/cdev");
    expect(c.st_mode).toBe(S_IFCHR | 0o640);
    expect(c.st_rdev).toBe(0x1234);
    expect(t2.sys.rump_sys_lstat("/mnt/bdev").st_rdev).toBe(0x0501);
    expect(t2.sys.rump_sys_lstat("/mnt/fifo").st_mode & S_IFMT).toBe(S_IFIFO);
    t2.sys.rump_sys_unmount("/mnt", 0);
  });

  it("ext3 with a clean journal and flex_bg are written; unknown ro_compat and upkeep-needing compat features stay read-only; a bad orphan list refuses the mount", () => {
    const ext3 = mke2fsImage(
      { rev: 1, bsize: 1024, extra: ["-O", "has_journal", "-J", "size=1"] },
      (r) => writeFileSync(join(r, "old"), pattern(3000, 1)),
    );
    const t = mountAt(ext3);
    expect(t.console.join("")).toMatch(/has_journal/);
    writeFile(t.sys, "/mnt/new", pattern(50_000, 2));
    t.sys.rump_sys_unlink("/mnt/old");
    unmountAndCheck(t, ext3);
    const flex = mke2fsImage({ rev: 1, bsize: 1024, extra: ["-O", "flex_bg"] }, () => {});
    const t1 = mountAt(flex);
    writeFile(t1.sys, "/mnt/new", pattern(50_000, 3));
    unmountAndCheck(t1, flex);
    const b = new Uint8Array(readFileSync(flex));
    const dv = new DataView(b.buffer, 1024, 1024);
    dv.setUint32(100, dv.getUint32(100, true) | 0x100, true); // quota
    writeFileSync(flex, b);
    const r2 = tryMountRw(flex);
    expect(r2.errno).toBe(EROFS);
    expect(r2.t.console.join("")).toMatch(/force read-only: quota/);
    r2.t.k.shutdown();
    // the orphan file needs its own upkeep
    dv.setUint32(100, dv.getUint32(100, true) & ~0x100, true);
    dv.setUint32(92, dv.getUint32(92, true) | 0x1000, true);
    writeFileSync(flex, b);
    const r3 = tryMountRw(flex);
    expect(r3.errno).toBe(EROFS);
    expect(r3.t.console.join("")).toMatch(/read-only only: orphan_file/);
    r3.t.k.shutdown();
    // an orphan list naming a free inode (12 is /new)
    dv.setUint32(92, dv.getUint32(92, true) & ~0x1000, true);
    dv.setUint32(232, 13, true); // s_last_orphan
    writeFileSync(flex, b);
    const r4 = tryMountRw(flex);
    expect(r4.errno).toBe(EIO);
    expect(r4.t.console.join("")).toMatch(/orphan list: inode 13 is not in use/);
  });

  it("superblock and descriptor backups follow the primary (sparse_super groups only)", () => {
    const image = newfsImage(30, { rev: 1, bsize: 1024, time: 1 });
    const t = mountAt(image);
    writeFile(t.sys, "/mnt/a", pattern(500_000, 1));
    t.sys.rump_sys_unmount("/mnt", 0);
    const b = new Uint8Array(readFileSync(image));
    const fs = ext2fs_sbparse(b, 1024);
    expect(ext2fs_sbcheck(fs)).toBeNull();
    const gdt = (g: number): Uint8Array => {
      const at = (fs.e2fs_first_dblock + g * fs.e2fs_bpg + 1) * 1024;
      return b.subarray(at, at + fs.e2fs_ncg * 32);
    };
    for (const g of [1, 3]) {
      const at = (fs.e2fs_first_dblock + g * fs.e2fs_bpg) * 1024;
      const bk = ext2fs_sbparse(b, at);
      expect(bk.e2fs_fbcount).toBe(fs.e2fs_fbcount);
      expect(bk.e2fs_block_group_nr).toBe(g);
      expect(bk.e2fs_state & 1).toBe(1);
      expect(gdt(g)).toEqual(gdt(0));
    }
    // group 2 keeps no copy with sparse_super: its first block is data or metadata of its own
    expect(ext2fs_sbparse(b, (fs.e2fs_first_dblock + 2 * fs.e2fs_bpg) * 1024).e2fs_magic).not.toBe(
      0xef53,
    );
    expect(e2fsck(image).status).toBe(0);
  });
});
