/**
 * FFS: the on-disk layout modules against images made by makefs, and
 * read-only mounts of UFS1/UFS2 images (8K/16K/32K blocks, both byte
 * orders) read back exactly through rump_sys_* calls.
 */
import {
  closeSync,
  copyFileSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
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
  RumpError,
  EFTYPE,
  EIO,
  ENOTBLK,
  EROFS,
  MNT_RDONLY,
  O_RDONLY,
  O_RDWR,
  O_CREAT,
  S_IFDIR,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  type RumpSyscalls,
} from "@rump/syscalls";
import { createKernel } from "../src/rump/rump.js";
import type { Kernel } from "../src/rump/kernel.js";
import { RUMP_ETFS_BLK, RUMP_ETFS_REG } from "../src/rump/etfs.js";
import {
  cg_check,
  cg_parse,
  cgtod,
  dinode_parse,
  Dinode,
  dirchunk_check,
  ffs_sb_parse,
  ffs_sb_serialize,
  ffs_superblock_check,
  ffs_superblock_validate,
  fsbtodb,
  ino_to_fsba,
  ino_to_fsbo,
  DINODE_SIZE,
  IFDIR,
  IFMT,
  SBLOCKSEARCH,
  SBLOCKSIZE,
  type Fs,
} from "../src/ufs/layout.js";
import { errnoOf, listdir, readUpTo, release } from "./helpers/kernel.js";
import {
  buildTree,
  BIG_SIZE,
  makefs,
  makefsMissing,
  type ExpectedFile,
  type ImageSpec,
} from "./helpers/ffs_images.js";

const missing = makefsMissing();
if (missing !== null) console.log(`ffs.test.ts: makefs interop tests skipped: ${missing}`);

let dir = "";
let smallTree: ExpectedFile[] = [];
let bigTree: ExpectedFile[] = [];

const SPECS: (ImageSpec & { name: string })[] = [
  { name: "ufs1-8k-le", version: 1, bsize: 8192, fsize: 1024, endian: "le", big: true },
  { name: "ufs2-8k-le", version: 2, bsize: 8192, fsize: 1024, endian: "le", big: true },
  { name: "ufs1-16k-le", version: 1, bsize: 16384, fsize: 2048, endian: "le", big: false },
  { name: "ufs2-16k-le", version: 2, bsize: 16384, fsize: 2048, endian: "le", big: false },
  { name: "ufs1-32k-le", version: 1, bsize: 32768, fsize: 4096, endian: "le", big: false },
  { name: "ufs2-32k-le", version: 2, bsize: 32768, fsize: 4096, endian: "le", big: false },
  { name: "ufs1-16k-be", version: 1, bsize: 16384, fsize: 2048, endian: "be", big: false },
  { name: "ufs2-8k-be", version: 2, bsize: 8192, fsize: 1024, endian: "be", big: false },
];

const img = (name: string): string => join(dir, `${name}.img`);

beforeAll(() => {
  if (missing !== null) return;
  dir = mkdtempSync(join(tmpdir(), "rump-ffs-"));
  smallTree = buildTree(join(dir, "small"), false);
  bigTree = buildTree(join(dir, "big"), true);
  for (const s of SPECS) makefs(img(s.name), join(dir, s.big ? "big" : "small"), s);
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

/** Mount `image` read-only on /mnt in a fresh kernel. */
function mountImage(image: string, flags = MNT_RDONLY): T {
  const t = bootNode();
  t.k.rump_pub_etfs_register("/dev/ffs0", image, RUMP_ETFS_BLK);
  t.sys.rump_sys_mkdir("/mnt", 0o755);
  t.sys.rump_sys_mount("ffs", "/mnt", flags, { fspec: "/dev/ffs0" });
  return t;
}

/** The superblock of an image file, parsed and validated. */
function readSb(image: string): { fs: Fs; loc: number; bytes: Uint8Array } {
  const b = new Uint8Array(readFileSync(image));
  for (const loc of SBLOCKSEARCH) {
    const fs = ffs_sb_parse(b.subarray(loc, loc + SBLOCKSIZE), loc);
    if (fs !== null && (!fs.ufs2 || fs.fs_sblockloc === loc) && ffs_superblock_validate(fs))
      return { fs, loc, bytes: b };
  }
  throw new Error("no superblock");
}

describe.skipIf(missing !== null)("ffs layout modules", () => {
  it.each(SPECS.map((s) => [s.name, s] as const))("%s: superblock, cgs, root inode", (name, s) => {
    const { fs, bytes } = readSb(img(name));
    expect(fs.ufs2).toBe(s.version === 2);
    expect(fs.le).toBe(s.endian === "le");
    expect(fs.fs_bsize).toBe(s.bsize);
    expect(fs.fs_fsize).toBe(s.fsize);
    for (let c = 0; c < fs.fs_ncg; c++) {
      const off = fsbtodb(fs, cgtod(fs, c)) * 512;
      const cgb = bytes.subarray(off, off + fs.fs_cgsize);
      expect(cg_check(fs, cg_parse(cgb, fs.le), c)).toBeNull();
    }
    const ioff = fsbtodb(fs, ino_to_fsba(fs, 2)) * 512 + ino_to_fsbo(fs, 2) * DINODE_SIZE(fs);
    const d = dinode_parse(bytes, ioff, fs.ufs2, fs.le, new Dinode());
    expect(d.di_mode & IFMT).toBe(IFDIR);
    const rootblk = fsbtodb(fs, d.di_db[0]!) * 512;
    expect(dirchunk_check(bytes, rootblk, fs.le, false, fs.fs_ncg * fs.fs_ipg)).toBeNull();
    // serialise round trip
    const again = new Uint8Array(fs.fs_sbsize);
    ffs_sb_serialize(fs, again);
    const fs2 = ffs_sb_parse(again, fs.fs_sblockloc)!;
    expect(ffs_superblock_check(fs2)).toBeNull();
    expect(fs2.fs_size).toBe(fs.fs_size);
    expect(fs2.fs_cstotal_nbfree).toBe(fs.fs_cstotal_nbfree);
  });

  it("the gate refuses broken superblocks", () => {
    const { fs } = readSb(img("ufs2-8k-le"));
    const broken: [string, (f: Fs) => void][] = [
      ["bsize", (f) => (f.fs_bsize = 12288)],
      ["fsize", (f) => (f.fs_fsize = 3000)],
      ["bshift", (f) => (f.fs_bshift = 12)],
      ["fmask", (f) => (f.fs_fmask = 0)],
      ["ncg", (f) => (f.fs_ncg = 0)],
      ["ipg", (f) => (f.fs_ipg = 7)],
      ["size", (f) => (f.fs_size = f.fs_size * 4)],
      ["cssize", (f) => (f.fs_cssize = 1)],
      ["inopb", (f) => (f.fs_inopb = 3)],
      ["sbsize", (f) => (f.fs_sbsize = 100000)],
      ["NaN", (f) => (f.fs_dsize = NaN)],
    ];
    for (const [what, mutate] of broken) {
      const f = Object.assign(Object.create(Object.getPrototypeOf(fs)) as Fs, fs);
      mutate(f);
      expect(ffs_superblock_validate(f), what).toBe(false);
    }
  });
});

function checkTree(sys: RumpSyscalls, tree: ExpectedFile[]): void {
  for (const e of tree) {
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
      expect(st.st_nlink, p).toBe(e.linkGroup !== undefined ? 3 : 1);
      if (e.size > 0) expect(st.st_blocks, p).toBeGreaterThan(0);
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

describe.skipIf(missing !== null)("ffs read-only mounts of makefs images", () => {
  it.each(SPECS.map((s) => [s.name, s] as const))("%s reads back exactly", (name, s) => {
    const { sys } = mountImage(img(name));
    const tree = s.big ? bigTree : smallTree;
    checkTree(sys, tree);
    // directory listings equal the host's
    for (const d of ["", "d", "d/sub", "many"]) {
      const host = readdirSync(join(dir, s.big ? "big" : "small", d)).sort();
      const ours = listdir(sys, `/mnt/${d}`)
        .filter((n) => n !== "." && n !== "..")
        .sort();
      expect(ours, d).toEqual(host);
    }
    expect(sys.rump_sys_stat("/mnt/d/sub/..").st_ino).toBe(sys.rump_sys_stat("/mnt/d").st_ino);
    expect(sys.rump_sys_stat("/mnt/d").st_nlink).toBe(3);
    expect(sys.rump_sys_pathconf("/mnt", 4 /* _PC_NAME_MAX */)).toBe(255);
    const sv = sys.rump_sys_statvfs1("/mnt", 1);
    expect(sv.f_bsize).toBe(s.bsize);
    expect(sv.f_frsize).toBe(s.fsize);
    expect(sv.f_bfree).toBeGreaterThan(0);
    expect(sv.f_bfree).toBeLessThanOrEqual(sv.f_blocks);
    sys.rump_sys_unmount("/mnt", 0);
  });

  it("reads a large file at random offsets (indirect blocks)", () => {
    const { sys } = mountImage(img("ufs2-8k-le"));
    const big = bigTree.find((e) => e.path === "big")!;
    const fd = sys.rump_sys_open("/mnt/big", O_RDONLY);
    const buf = new Uint8Array(10000);
    for (const off of [0, 12 * 8192 - 7, 8 * 1024 * 1024 + 3, BIG_SIZE - 5000, BIG_SIZE - 1]) {
      const n = sys.rump_sys_pread(fd, buf, buf.length, off);
      expect(n).toBe(Math.min(buf.length, BIG_SIZE - off));
      expect(
        Buffer.compare(
          Buffer.from(buf.subarray(0, n)),
          Buffer.from(big.data!.subarray(off, off + n)),
        ),
      ).toBe(0);
    }
    sys.rump_sys_close(fd);
  });

  it("MNT_RDONLY refuses writes: creates, opens for writing, unlink, rename, chmod are EROFS", () => {
    const t = bootNode();
    t.k.rump_pub_etfs_register("/dev/ffs0", img("ufs1-16k-le"), RUMP_ETFS_BLK);
    t.sys.rump_sys_mkdir("/mnt", 0o755);
    t.sys.rump_sys_mount("ffs", "/mnt", MNT_RDONLY, { fspec: "/dev/ffs0" });
    expect(errnoOf(() => t.sys.rump_sys_open("/mnt/new", O_RDWR | O_CREAT, 0o644))).toBe(EROFS);
    expect(errnoOf(() => t.sys.rump_sys_open("/mnt/f1", O_RDWR))).toBe(EROFS);
    expect(errnoOf(() => t.sys.rump_sys_mkdir("/mnt/x", 0o755))).toBe(EROFS);
    expect(errnoOf(() => t.sys.rump_sys_unlink("/mnt/f1"))).toBe(EROFS);
    expect(errnoOf(() => t.sys.rump_sys_rename("/mnt/f1", "/mnt/f2"))).toBe(EROFS);
    expect(errnoOf(() => t.sys.rump_sys_chmod("/mnt/f1", 0o600))).toBe(EROFS);
  });

  it("fspec must be a block device (ENOTBLK)", () => {
    const t = bootNode();
    t.k.rump_pub_etfs_register("/dev/ffsreg", img("ufs1-16k-le"), RUMP_ETFS_REG);
    t.sys.rump_sys_mkdir("/mnt", 0o755);
    expect(
      errnoOf(() => t.sys.rump_sys_mount("ffs", "/mnt", MNT_RDONLY, { fspec: "/dev/ffsreg" })),
    ).toBe(ENOTBLK);
  });
});

describe.skipIf(missing !== null)("ffs bad input", () => {
  it("a broken superblock is EFTYPE with a console message", () => {
    const copy = join(dir, "badsb.img");
    copyFileSync(img("ufs2-16k-le"), copy);
    const { fs, loc, bytes } = readSb(copy);
    const dv = new DataView(bytes.buffer, bytes.byteOffset);
    dv.setInt32(loc + 48, 12345, fs.le); // fs_bsize
    // the alternate in cg 0 is not consulted (NetBSD neither)
    writeFileSync(copy, bytes);
    const t = bootNode();
    t.k.rump_pub_etfs_register("/dev/ffs0", copy, RUMP_ETFS_BLK);
    t.sys.rump_sys_mkdir("/mnt", 0o755);
    expect(
      errnoOf(() => t.sys.rump_sys_mount("ffs", "/mnt", MNT_RDONLY, { fspec: "/dev/ffs0" })),
    ).toBe(EFTYPE);
    expect(t.console.join("")).toMatch(/block size/);
  });

  it("a broken directory chunk and a bad block pointer are EIO with a message", () => {
    const copy = join(dir, "baddir.img");
    copyFileSync(img("ufs1-16k-le"), copy);
    const { fs, bytes } = readSb(copy);
    // the root directory: make the first entry's reclen odd
    const ioff = fsbtodb(fs, ino_to_fsba(fs, 2)) * 512 + ino_to_fsbo(fs, 2) * DINODE_SIZE(fs);
    const d = dinode_parse(bytes, ioff, fs.ufs2, fs.le, new Dinode());
    const rootblk = fsbtodb(fs, d.di_db[0]!) * 512;
    new DataView(bytes.buffer).setUint16(rootblk + 4, 13, fs.le);
    writeFileSync(copy, bytes);
    const t = mountImage(copy);
    expect(errnoOf(() => listdir(t.sys, "/mnt"))).toBe(EIO);
    expect(errnoOf(() => t.sys.rump_sys_stat("/mnt/f1"))).toBe(EIO);
    expect(t.console.join("")).toMatch(/corrupt file system: directory inode 2/);
  });
});

describe.skipIf(missing !== null)("ffs bad input: seeded bit flips in metadata", () => {
  it("never crash or hang: mount fails or operations return errnos", () => {
    const copy = join(dir, "fuzz.img");
    copyFileSync(img("ufs1-16k-le"), copy);
    const { fs, loc, bytes } = readSb(copy);
    // the metadata: superblock, cg 0 header and inode blocks, the root directory
    const ioff = fsbtodb(fs, ino_to_fsba(fs, 2)) * 512;
    const d = dinode_parse(bytes, ioff + 2 * DINODE_SIZE(fs), fs.ufs2, fs.le, new Dinode());
    const regions: [number, number][] = [
      [loc, 1376],
      [fsbtodb(fs, cgtod(fs, 0)) * 512, fs.fs_cgsize],
      [ioff, fs.fs_bsize],
      [fsbtodb(fs, d.di_db[0]!) * 512, 1024],
    ];
    let x = 12345;
    const rnd = (n: number): number => {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      return (x >>> 0) % n;
    };
    const fd = openSync(copy, "r+");
    let mounted = 0;
    try {
      for (let i = 0; i < 60; i++) {
        const [start, len] = regions[i % regions.length]!;
        const saved: [number, number][] = [];
        for (let j = 0; j < 1 + rnd(4); j++) {
          const at = start + rnd(len);
          saved.push([at, bytes[at]!]);
          writeSync(fd, Uint8Array.of(bytes[at]! ^ (1 << rnd(8))), 0, 1, at);
        }
        const t = bootNode();
        t.k.rump_pub_etfs_register("/dev/ffs0", copy, RUMP_ETFS_BLK);
        t.sys.rump_sys_mkdir("/mnt", 0o755);
        let ok = true;
        try {
          t.sys.rump_sys_mount("ffs", "/mnt", MNT_RDONLY, { fspec: "/dev/ffs0" });
        } catch (e) {
          if (!(e instanceof RumpError)) throw e;
          ok = false;
        }
        if (ok) {
          mounted++;
          walk(t.sys, "/mnt", 0);
        }
        release(t.k);
        for (const [at, v] of saved.reverse()) writeSync(fd, Uint8Array.of(v), 0, 1, at);
      }
    } finally {
      closeSync(fd);
    }
    expect(mounted).toBeGreaterThan(0);
  }, 30_000);
});

/** Visit everything under `path`, tolerating kernel errors (not exceptions of other kinds). */
function walk(sys: RumpSyscalls, path: string, depth: number): void {
  if (depth > 4) return;
  let names: string[] = [];
  try {
    names = listdir(sys, path);
  } catch (e) {
    if (!(e instanceof RumpError)) throw e;
    return;
  }
  for (const n of names.slice(0, 400)) {
    if (n === "." || n === "..") continue;
    const p = `${path}/${n}`;
    try {
      const st = sys.rump_sys_lstat(p);
      if ((st.st_mode & S_IFMT) === S_IFDIR) walk(sys, p, depth + 1);
      else if ((st.st_mode & S_IFMT) === S_IFREG) readUpTo(sys, p, Math.min(st.st_size, 1 << 20));
      else if ((st.st_mode & S_IFMT) === S_IFLNK)
        sys.rump_sys_readlink(p, new Uint8Array(1024), 1024);
    } catch (e) {
      if (!(e instanceof RumpError)) throw e;
    }
  }
}
