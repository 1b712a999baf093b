/**
 * ext2fs: the layout module against images made by mke2fs, and read-only
 * mounts of revision 0 and 1 images (1 KiB and 4 KiB blocks, dir_index)
 * read back exactly through rump_sys_* calls; feature refusal; bad input.
 */
import { execFileSync } from "node:child_process";
import {
  closeSync,
  copyFileSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { NodeHost } from "@rump/rumpuser";
import {
  createSyscalls,
  parseDirents,
  RumpError,
  EFTYPE,
  EINVAL,
  EIO,
  ENOENT,
  EROFS,
  MNT_RDONLY,
  O_CREAT,
  O_RDONLY,
  O_RDWR,
  S_IFDIR,
  S_IFIFO,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  type RumpSyscalls,
} from "@rump/syscalls";
import { createKernel } from "../src/rump/rump.js";
import type { Kernel } from "../src/rump/kernel.js";
import { RUMP_ETFS_BLK } from "../src/rump/etfs.js";
import {
  e2fs_dinode_parse,
  e2fs_dirblk_check,
  e2fs_gd_parse,
  e2fs_gd_check,
  Ext2Dinode,
  Ext2Direct,
  ext2fs_features_check,
  ext2fs_sbcheck,
  ext2fs_sbparse,
  EXT2_IFDIR,
  EXT2_IFMT,
  EXT2_INDEX,
  type Ext2Fs,
} from "../src/ufs/ext2fs/ext2fs.js";
import { errnoOf, listdir, readUpTo, release } from "./helpers/kernel.js";
import {
  buildE2Tree,
  buildHugeTree,
  E2_HUGE_ISLANDS,
  E2_HUGE_SIZE,
  E2FSCK,
  E2_BIG_SIZE,
  E2_SPARSE_SIZE,
  mke2fs,
  mke2fsMissing,
  type E2Expected,
  type E2Spec,
} from "./helpers/ext2fs_images.js";

const missing = mke2fsMissing();
if (missing !== null) console.log(`ext2fs.test.ts: mke2fs interop tests skipped: ${missing}`);

let dir = "";
let tree: E2Expected[] = [];
let huge = new Map<number, Uint8Array>();

const SPECS: (E2Spec & { name: string })[] = [
  { name: "rev1-1k", rev: 1, bsize: 1024 },
  { name: "rev1-4k", rev: 1, bsize: 4096 },
  { name: "rev0-1k", rev: 0, bsize: 1024 },
  { name: "rev1-2k-128", rev: 1, bsize: 2048, extra: ["-I", "128", "-O", "^filetype"] },
];

const img = (name: string): string => join(dir, `${name}.img`);

beforeAll(() => {
  if (missing !== null) return;
  dir = mkdtempSync(join(tmpdir(), "rump-ext2fs-"));
  tree = buildE2Tree(join(dir, "src"));
  for (const s of SPECS) mke2fs(img(s.name), join(dir, "src"), s);
  huge = buildHugeTree(join(dir, "huge"));
  mke2fs(img("huge-4k"), join(dir, "huge"), { rev: 1, bsize: 4096 });
  // dir_index: let e2fsck build the hashed indexes of the large directories
  copyFileSync(img("rev1-1k"), img("htree"));
  try {
    execFileSync(E2FSCK, ["-fyD", img("htree")], { stdio: "pipe" });
  } catch (e) {
    // exit status 1 = "file system errors corrected" (the optimisation)
    if ((e as { status?: number }).status !== 1) throw e;
  }
}, 60_000);

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

function mountImage(image: string, flags = MNT_RDONLY): T {
  const t = bootNode();
  t.k.rump_pub_etfs_register("/dev/e2", image, RUMP_ETFS_BLK);
  t.sys.rump_sys_mkdir("/mnt", 0o755);
  t.sys.rump_sys_mount("ext2fs", "/mnt", flags, { fspec: "/dev/e2" });
  return t;
}

function tryMount(image: string, flags = MNT_RDONLY): { t: T; errno: number } {
  const t = bootNode();
  t.k.rump_pub_etfs_register("/dev/e2", image, RUMP_ETFS_BLK);
  t.sys.rump_sys_mkdir("/mnt", 0o755);
  let errno = 0;
  try {
    t.sys.rump_sys_mount("ext2fs", "/mnt", flags, { fspec: "/dev/e2" });
  } catch (e) {
    if (!(e instanceof RumpError)) throw e;
    errno = e.errno;
  }
  return { t, errno };
}

function readSb(image: string): { fs: Ext2Fs; bytes: Uint8Array } {
  const bytes = new Uint8Array(readFileSync(image));
  const fs = ext2fs_sbparse(bytes, 1024);
  const why = ext2fs_sbcheck(fs);
  if (why !== null) throw new Error(why);
  return { fs, bytes };
}

/** Byte offset of inode `ino` in the image. */
function inodeOff(fs: Ext2Fs, bytes: Uint8Array, ino: number): number {
  const cg = Math.floor((ino - 1) / fs.e2fs_ipg);
  const gdoff = (fs.e2fs_first_dblock + 1) * fs.e2fs_bsize;
  const gd = e2fs_gd_parse(bytes.subarray(gdoff), cg);
  const idx = (ino - 1) % fs.e2fs_ipg;
  return gd.ext2bgd_i_tables * fs.e2fs_bsize + idx * fs.e2fs_isize;
}

function checkTree(sys: RumpSyscalls, entries: E2Expected[]): void {
  for (const e of entries) {
    const p = `/mnt/${e.path}`;
    const st = sys.rump_sys_lstat(p);
    const type = e.type === "file" ? S_IFREG : e.type === "dir" ? S_IFDIR : S_IFLNK;
    expect(st.st_mode & S_IFMT, p).toBe(type);
    if (e.type !== "link") expect(st.st_mode & 0o7777, p).toBe(e.mode);
    expect(st.st_uid, p).toBe(e.uid);
    expect(st.st_gid, p).toBe(e.gid);
    expect(st.st_mtimespec.tv_sec, p).toBe(e.mtime);
    if (e.type === "file") {
      expect(st.st_size, p).toBe(e.size);
      expect(st.st_nlink, p).toBe(e.nlink ?? 1);
      const data = readUpTo(sys, p, e.size);
      expect(data.length, p).toBe(e.size);
      expect(Buffer.compare(Buffer.from(data), Buffer.from(e.data!)), p).toBe(0);
    } else if (e.type === "link") {
      const buf = new Uint8Array(1024);
      const n = sys.rump_sys_readlink(p, buf, buf.length);
      expect(Buffer.from(buf.subarray(0, n)).toString("latin1"), p).toBe(e.target);
      expect(st.st_size, p).toBe(e.target!.length);
    }
  }
}

describe.skipIf(missing !== null)("ext2fs layout module", () => {
  it.each(SPECS.map((s) => [s.name, s] as const))(
    "%s: superblock, descriptors, root",
    (name, s) => {
      const { fs, bytes } = readSb(img(name));
      expect(fs.e2fs_rev).toBe(s.rev);
      expect(fs.e2fs_bsize).toBe(s.bsize);
      expect(fs.e2fs_isize).toBe(s.rev === 0 ? 128 : s.extra?.includes("128") ? 128 : 256);
      const gdoff = (fs.e2fs_first_dblock + 1) * fs.e2fs_bsize;
      for (let c = 0; c < fs.e2fs_ncg; c++)
        expect(e2fs_gd_check(fs, e2fs_gd_parse(bytes.subarray(gdoff), c), c)).toBeNull();
      const d = e2fs_dinode_parse(bytes, inodeOff(fs, bytes, 2), fs, new Ext2Dinode());
      expect(d.e2di_mode & EXT2_IFMT).toBe(EXT2_IFDIR);
      const blk = d.e2di_blocks[0]! * fs.e2fs_bsize;
      const ftype = s.rev === 1 && (fs.e2fs_features_incompat & 2) !== 0;
      expect(
        e2fs_dirblk_check(
          bytes.subarray(blk),
          fs.e2fs_bsize,
          ftype,
          fs.e2fs_icount,
          new Ext2Direct(),
        ),
      ).toBeNull();
      const notes: string[] = [];
      expect(ext2fs_features_check(fs, true, notes)).toBeNull();
    },
  );

  it("the gate refuses broken superblocks", () => {
    const { bytes } = readSb(img("rev1-1k"));
    const sb = bytes.slice(1024, 2048);
    const broken: [string, number, number, number][] = [
      ["magic", 56, 2, 0x1234],
      ["log block size", 24, 4, 7],
      ["blocks per group", 32, 4, 0],
      ["inodes per group", 40, 4, 1 << 20],
      ["inode count", 0, 4, 12345],
      ["first data block", 20, 4, 0],
      ["inode size", 88, 2, 200],
      ["revision", 76, 4, 2],
      ["block count", 4, 4, 1],
    ];
    for (const [what, off, n, v] of broken) {
      const b = sb.slice();
      const dv = new DataView(b.buffer);
      if (n === 2) dv.setUint16(off, v, true);
      else dv.setUint32(off, v, true);
      expect(ext2fs_sbcheck(ext2fs_sbparse(b, 0)), what).not.toBeNull();
    }
  });
});

describe.skipIf(missing !== null)("ext2fs read-only mounts of mke2fs images", () => {
  it.each(SPECS.map((s) => [s.name, s] as const))("%s reads back exactly", (name, s) => {
    const { sys } = mountImage(img(name));
    checkTree(sys, tree);
    for (const d of ["", "d", "d/sub", "many"]) {
      const host = readdirSync(join(dir, "src", d)).sort();
      const ours = listdir(sys, `/mnt/${d}`)
        .filter((n) => n !== "." && n !== ".." && n !== "lost+found")
        .sort();
      expect(ours, d).toEqual(host);
    }
    // d_type comes from file_type, or from the inode without the feature
    const fd = sys.rump_sys_open("/mnt", O_RDONLY);
    const buf = new Uint8Array(65536);
    const n = sys.rump_sys_getdents(fd, buf, buf.length);
    sys.rump_sys_close(fd);
    const types = new Map(parseDirents(buf, n).map((e) => [e.d_name, e.d_type]));
    expect(types.get("d")).toBe(4);
    expect(types.get("f1")).toBe(8);
    expect(types.get("fast-link")).toBe(10);
    expect(types.get("fifo")).toBe(1);
    const fst = sys.rump_sys_lstat("/mnt/fifo");
    expect(fst.st_mode & S_IFMT).toBe(S_IFIFO);
    expect(fst.st_mode & 0o7777).toBe(0o620);
    expect(sys.rump_sys_stat("/mnt/d/sub/..").st_ino).toBe(sys.rump_sys_stat("/mnt/d").st_ino);
    expect(sys.rump_sys_stat("/mnt/d").st_nlink).toBe(3);
    expect(sys.rump_sys_stat("/mnt/sparse").st_blocks * 512).toBeLessThan(E2_SPARSE_SIZE);
    expect(sys.rump_sys_pathconf("/mnt", 4 /* _PC_NAME_MAX */)).toBe(255);
    const sv = sys.rump_sys_statvfs1("/mnt", 1);
    expect(sv.f_bsize).toBe(s.bsize);
    expect(sv.f_bfree).toBeGreaterThan(0);
    expect(sv.f_bfree).toBeLessThanOrEqual(sv.f_blocks);
    sys.rump_sys_unmount("/mnt", 0);
  });

  it("reads a large file at random offsets (double indirect at 1 KiB)", () => {
    const { sys } = mountImage(img("rev1-1k"));
    const big = tree.find((e) => e.path === "big")!;
    const fd = sys.rump_sys_open("/mnt/big", O_RDONLY);
    const buf = new Uint8Array(10000);
    for (const off of [
      0,
      12 * 1024 - 7,
      268 * 1024 + 3,
      2 * 1024 * 1024,
      E2_BIG_SIZE - 5000,
      E2_BIG_SIZE - 1,
    ]) {
      const n = sys.rump_sys_pread(fd, buf, buf.length, off);
      expect(n).toBe(Math.min(buf.length, E2_BIG_SIZE - off));
      expect(
        Buffer.compare(
          Buffer.from(buf.subarray(0, n)),
          Buffer.from(big.data!.subarray(off, off + n)),
        ),
      ).toBe(0);
    }
    sys.rump_sys_close(fd);
  });

  it("a large_file beyond 4 GiB reads back through triple indirect blocks", () => {
    const { sys } = mountImage(img("huge-4k"));
    expect(sys.rump_sys_stat("/mnt/huge").st_size).toBe(E2_HUGE_SIZE);
    const fd = sys.rump_sys_open("/mnt/huge", O_RDONLY);
    const buf = new Uint8Array(6000);
    for (const at of E2_HUGE_ISLANDS) {
      const want = huge.get(at)!;
      const n = sys.rump_sys_pread(fd, buf, want.length, at);
      expect(n).toBe(want.length);
      expect(Buffer.compare(Buffer.from(buf.subarray(0, n)), Buffer.from(want))).toBe(0);
    }
    // a hole reads as zeros; the end of the file is the end
    expect(sys.rump_sys_pread(fd, buf, 4096, 4 * 1024 * 1024 * 1024)).toBe(4096);
    expect(buf.subarray(0, 4096).every((b) => b === 0)).toBe(true);
    expect(sys.rump_sys_pread(fd, buf, 100, E2_HUGE_SIZE)).toBe(0);
    sys.rump_sys_close(fd);
  });

  it("a dir_index image (hashed directories) reads back", () => {
    const { fs, bytes } = readSb(img("htree"));
    expect(fs.e2fs_features_compat & 0x20).toBe(0x20);
    const { sys } = mountImage(img("htree"));
    // the large directory really is indexed
    const ino = sys.rump_sys_stat("/mnt/many").st_ino;
    const d = e2fs_dinode_parse(bytes, inodeOff(fs, bytes, ino), fs, new Ext2Dinode());
    expect(d.e2di_flags & EXT2_INDEX).toBe(EXT2_INDEX);
    checkTree(sys, tree);
    const ours = listdir(sys, "/mnt/many").filter((n) => n !== "." && n !== "..");
    expect(ours.sort()).toEqual(readdirSync(join(dir, "src", "many")).sort());
  });

  it("a read-only mount answers EROFS to every write", () => {
    const { sys } = mountImage(img("rev1-4k"));
    expect(errnoOf(() => sys.rump_sys_open("/mnt/new", O_RDWR | O_CREAT, 0o644))).toBe(EROFS);
    expect(errnoOf(() => sys.rump_sys_open("/mnt/f1", O_RDWR))).toBe(EROFS);
    expect(errnoOf(() => sys.rump_sys_mkdir("/mnt/x", 0o755))).toBe(EROFS);
    expect(errnoOf(() => sys.rump_sys_unlink("/mnt/f1"))).toBe(EROFS);
    expect(errnoOf(() => sys.rump_sys_rename("/mnt/f1", "/mnt/f2"))).toBe(EROFS);
    expect(errnoOf(() => sys.rump_sys_chmod("/mnt/f1", 0o600))).toBe(EROFS);
  });
});

/** Copy `name` with superblock bytes changed by `mutate` (DataView over the superblock). */
function patched(name: string, copy: string, mutate: (dv: DataView) => void): string {
  const b = new Uint8Array(readFileSync(img(name)));
  mutate(new DataView(b.buffer, 1024, 1024));
  const path = join(dir, copy);
  writeFileSync(path, b);
  return path;
}

describe.skipIf(missing !== null)("ext2fs feature flags", () => {
  it("an unknown incompatible feature refuses the mount, naming it", () => {
    const p = patched("rev1-1k", "unknown-incompat.img", (dv) =>
      dv.setUint32(96, dv.getUint32(96, true) | 0x40000000, true),
    );
    const r = tryMount(p);
    expect(r.errno).toBe(EINVAL);
    expect(r.t.console.join("")).toMatch(
      /unsupported incompatible features: unknown\(0x40000000\)/,
    );
  });

  it("meta_bg and encrypt are refused by name", () => {
    const p = patched("rev1-1k", "metabg.img", (dv) =>
      dv.setUint32(96, dv.getUint32(96, true) | 0x10 | 0x10000, true),
    );
    const r = tryMount(p);
    expect(r.errno).toBe(EINVAL);
    expect(r.t.console.join("")).toMatch(/unsupported incompatible features: meta_bg encrypt/);
  });

  it("needs_recovery without a journal inode is refused (recovery: ext2fs_journal.test.ts)", () => {
    const p = patched("rev1-1k", "recover.img", (dv) => {
      dv.setUint32(92, dv.getUint32(92, true) | 0x4, true); // has_journal
      dv.setUint32(96, dv.getUint32(96, true) | 0x4, true); // needs_recovery
    });
    const r = tryMount(p);
    expect(r.errno).toBe(EFTYPE);
    expect(r.t.console.join("")).toMatch(
      /needs_recovery is set but the superblock names no journal inode/,
    );
  });

  it("unknown ro_compat features mount read-only with a note", () => {
    const p = patched("rev1-4k", "rocompat.img", (dv) =>
      dv.setUint32(100, dv.getUint32(100, true) | 0x100 | 0x4000, true),
    );
    const t = mountImage(p);
    expect(t.console.join("")).toMatch(/force read-only: quota unknown\(0x4000\)/);
    expect(t.sys.rump_sys_stat("/mnt/f1").st_size).toBe(1);
    t.sys.rump_sys_unmount("/mnt", 0);
    // read-write: EROFS, naming them
    const r = tryMount(p, 0);
    expect(r.errno).toBe(EROFS);
    expect(r.t.console.join("")).toMatch(/force read-only: quota unknown\(0x4000\)/);
  });

  it("a broken superblock is EFTYPE with a console message", () => {
    const p = patched("rev1-1k", "badsb.img", (dv) => dv.setUint32(24, 9, true));
    const r = tryMount(p);
    expect(r.errno).toBe(EFTYPE);
    expect(r.t.console.join("")).toMatch(/bad superblock: block size/);
  });
});

describe.skipIf(missing !== null)("ext2fs bad input: seeded bit flips in metadata", () => {
  it("never crash or hang: mount fails or operations return errnos", () => {
    const copy = join(dir, "fuzz.img");
    copyFileSync(img("rev1-1k"), copy);
    const { fs, bytes } = readSb(copy);
    const root = e2fs_dinode_parse(bytes, inodeOff(fs, bytes, 2), fs, new Ext2Dinode());
    const bsize = fs.e2fs_bsize;
    const gdoff = (fs.e2fs_first_dblock + 1) * bsize;
    const regions: [number, number][] = [
      [1024, 264],
      [gdoff, 32 * fs.e2fs_ncg],
      [inodeOff(fs, bytes, 1), 16 * fs.e2fs_isize],
      [root.e2di_blocks[0]! * bsize, bsize],
    ];
    let x = 4242;
    const rnd = (n: number): number => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) % n;
    };
    const fd = openSync(copy, "r+");
    let mounted = 0;
    let failures = 0;
    try {
      for (let i = 0; i < 48; i++) {
        const [start, len] = regions[i % regions.length]!;
        const saved: [number, number][] = [];
        for (let j = 0; j < 1 + rnd(4); j++) {
          const at = start + rnd(len);
          saved.push([at, bytes[at]!]);
          writeSync(fd, Uint8Array.of(bytes[at]! ^ (1 << rnd(8))), 0, 1, at);
        }
        const r = tryMount(copy);
        const errs: number[] = [];
        if (r.errno === 0) {
          mounted++;
          walk(r.t.sys, "/mnt", 0, errs);
        } else {
          errs.push(r.errno);
        }
        // every failure is an errno of bad input, with a console message
        for (const e of errs) expect([EIO, EFTYPE, EINVAL, ENOENT]).toContain(e);
        if (errs.includes(EIO) || errs.includes(EFTYPE))
          expect(r.t.console.join("")).toMatch(/ext2fs \/dev\/e2: /);
        failures += errs.length;
        release(r.t.k);
        for (const [at, v] of saved.reverse()) writeSync(fd, Uint8Array.of(v), 0, 1, at);
      }
    } finally {
      closeSync(fd);
    }
    expect(mounted).toBeGreaterThan(0);
    expect(failures).toBeGreaterThan(0);
  }, 30_000);
});

/** Visit everything under `path`, collecting kernel errnos (other exceptions fail the test). */
function walk(sys: RumpSyscalls, path: string, depth: number, errs: number[]): void {
  if (depth > 4) return;
  let names: string[] = [];
  try {
    names = listdir(sys, path);
  } catch (e) {
    if (!(e instanceof RumpError)) throw e;
    errs.push(e.errno);
    return;
  }
  for (const n of names.slice(0, 100)) {
    if (n === "." || n === "..") continue;
    const p = `${path}/${n}`;
    try {
      const st = sys.rump_sys_lstat(p);
      if ((st.st_mode & S_IFMT) === S_IFDIR) walk(sys, p, depth + 1, errs);
      else if ((st.st_mode & S_IFMT) === S_IFREG) readUpTo(sys, p, Math.min(st.st_size, 1 << 20));
      else if ((st.st_mode & S_IFMT) === S_IFLNK)
        sys.rump_sys_readlink(p, new Uint8Array(1024), 1024);
    } catch (e) {
      if (!(e instanceof RumpError)) throw e;
      errs.push(e.errno);
    }
  }
}
