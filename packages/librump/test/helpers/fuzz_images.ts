/**
 * Images for the file-system fuzzers and a map of their metadata.
 *
 * FFS base images are made in memory by our newfs and filled through the
 * kernel itself (no host tools): UFS1 and UFS2, both byte orders, with
 * small and fragment-tailed files, a file with single-indirect blocks, a
 * sparse file reaching double- (UFS1) or triple-indirect (UFS2) blocks, a
 * directory spanning several DIRBLKSIZ chunks, nested directories, short
 * and long symlinks and a hard link. ext2 base images are made by mke2fs
 * from a host tree with the same shapes (the caller runs mke2fs; this
 * module only parses the result).
 *
 * The map (`Region` list) names every metadata structure a mutation can
 * aim at: superblock and its alternates, cylinder-group headers and their
 * bitmaps, the summary area, allocated inodes, directory blocks and
 * indirect blocks (ext2: superblock, group descriptors, bitmaps, allocated
 * inodes, directory blocks, indirect blocks). `blockAddrs` are addresses
 * worth planting in a block pointer (other metadata, the last block, just
 * past the end).
 */
/// <reference types="node" />
import {
  debugfsJournal,
  inodeBlocks,
  makeJournalPair,
  pairTxns,
  writeJournal,
} from "./ext2fs_journal_images.js";
import { execFileSync } from "node:child_process";
import {
  closeSync,
  existsSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { MemoryHost } from "@rump/rumpuser";
import { createSyscalls, O_CREAT, O_RDWR, RumpError, type RumpSyscalls } from "@rump/syscalls";
import { memBlockDev } from "../../src/dev/blockdev.js";
import { RUMP_ETFS_BLK } from "../../src/rump/etfs.js";
import { createKernel } from "../../src/rump/rump.js";
import { newfs_ffs, type NewfsOptions } from "../../src/ufs/ffs/ffs_newfs.js";
import {
  cg_parse,
  cgsblock,
  cgtod,
  DINODE_SIZE,
  Dinode,
  dinode_parse,
  ffs_sb_parse,
  IFDIR,
  IFLNK,
  IFMT,
  ino_to_fsba,
  ino_to_fsbo,
  NINDIR,
  SBLOCK_STRUCT_SIZE,
  SBLOCKSEARCH,
  SBLOCKSIZE,
  type Fs,
} from "../../src/ufs/layout.js";
import { pattern as fuzzPattern } from "./pattern.js";

/** One metadata structure in an image. */
export interface Region {
  kind: string;
  off: number;
  len: number;
  /** ext4: the inode a per-inode structure belongs to (its checksum seed) */
  ino?: number;
  /** ext4: the group of a bitmap */
  grp?: number;
}

export interface ImageMap {
  name: string;
  /** "ffs", "ext2fs" or "cd9660": the mount type */
  type: string;
  image: Uint8Array;
  /** byte order of the metadata words */
  le: boolean;
  regions: Region[];
  /** fragment/block numbers worth planting in block pointers */
  blockAddrs: number[];
  /** bytes per block-pointer word (4, or 8 for UFS2) */
  ptrSize: number;
  /** indices of the 64 KiB pages that are not all zero */
  pages: number[];
  /**
   * Checksummed formats: recompute the checksums of the `touched`
   * structures in the damaged image `b`, returning the ranges rewritten
   * (so that damage reaches the parsers behind the checksums).
   */
  fixup?: (b: Uint8Array, touched: Region[]) => [number, number][];
}

/** Indices of the 64 KiB pages of `img` holding a non-zero byte. */
export function nonZeroPages(img: Uint8Array): number[] {
  const out: number[] = [];
  const P = 65536;
  for (let i = 0; i * P < img.length; i++) {
    const w = new Int32Array(
      img.buffer,
      img.byteOffset + i * P,
      Math.min(P, img.length - i * P) >> 2,
    );
    if (w.some((x) => x !== 0)) out.push(i);
  }
  return out;
}

/* ------------------------------------------------------------------ FFS */

export interface FfsVariant {
  name: string;
  size: number;
  opts: NewfsOptions;
}

/** The FFS images every fuzz run uses: both versions, both byte orders. */
export const FFS_VARIANTS: FfsVariant[] = [
  { name: "ufs1-le-4k", size: 16 << 20, opts: { version: 1, bsize: 4096, fsize: 512 } },
  { name: "ufs2-le-4k", size: 3 << 20, opts: { version: 2, bsize: 4096, fsize: 512 } },
  {
    name: "ufs1-be-8k",
    size: 4 << 20,
    opts: { version: 1, bsize: 8192, fsize: 1024, byteOrder: "be" },
  },
  {
    name: "ufs2-be-4k-sb8k",
    size: 16 << 20,
    opts: { version: 2, bsize: 4096, fsize: 512, byteOrder: "be", sblockloc: 8192 },
  },
];

/** Deterministic file contents: the shared pattern (pattern.ts). */
export { fuzzPattern };

function writeFile(sys: RumpSyscalls, path: string, data: Uint8Array, at = 0): void {
  const fd = sys.rump_sys_open(path, O_CREAT | O_RDWR, 0o644);
  try {
    sys.rump_sys_pwrite(fd, data, data.length, at);
  } finally {
    sys.rump_sys_close(fd);
  }
}

/** Make, fill and cleanly unmount one FFS image; returns its bytes. */
export function buildFfsImage(v: FfsVariant): Uint8Array {
  const blank = new Uint8Array(v.size);
  const e = newfs_ffs(memBlockDev(blank), { time: 1_600_000_000, ...v.opts });
  if (e !== 0) throw new Error(`newfs ${v.name}: error ${e}`);
  const fs = findFfsSuperblock(blank);
  const host = new MemoryHost({ log: false });
  host.files.writeFile("/img", blank);
  const k = createKernel({ host });
  const sys = createSyscalls(k);
  try {
    k.rump_pub_etfs_register("/dev/fz", "/img", RUMP_ETFS_BLK);
    sys.rump_sys_mkdir("/mnt", 0o755);
    sys.rump_sys_mount("ffs", "/mnt", 0, { fspec: "/dev/fz" });
    fillTree(sys, "/mnt", fs.fs_bsize, NINDIR(fs), fs.ufs2);
    sys.rump_sys_unmount("/mnt", 0);
  } finally {
    k.shutdown();
  }
  const out = host.files.readFile("/img");
  if (out === undefined) throw new Error("image vanished");
  return out;
}

/** The tree of shapes (used for FFS images; ext2 trees are made on the host alike). */
function fillTree(
  sys: RumpSyscalls,
  root: string,
  bsize: number,
  nindir: number,
  triple: boolean,
): void {
  for (const n of [0, 1, 600, 5000, 70_000]) writeFile(sys, `${root}/f${n}`, fuzzPattern(n, n));
  // sparse: a block at 0, one behind the double indirect and (UFS2) one behind the triple
  const sparse = `${root}/sparse`;
  writeFile(sys, sparse, fuzzPattern(100, 1));
  writeFile(sys, sparse, fuzzPattern(100, 2), (12 + nindir + 3) * bsize);
  if (triple) {
    try {
      writeFile(sys, sparse, fuzzPattern(100, 3), (12 + nindir + nindir * nindir + 3) * bsize);
    } catch (e) {
      if (!(e instanceof RumpError)) throw e; // beyond fs_maxfilesize: fine
    }
  }
  sys.rump_sys_mkdir(`${root}/d`, 0o755);
  for (let i = 0; i < 40; i++)
    writeFile(sys, `${root}/d/entry-with-a-longer-name-${i}`, fuzzPattern(i * 37, i));
  sys.rump_sys_mkdir(`${root}/d/sub`, 0o700);
  sys.rump_sys_mkdir(`${root}/d/sub/deeper`, 0o755);
  writeFile(sys, `${root}/d/sub/deeper/file`, fuzzPattern(3000, 9));
  sys.rump_sys_mkdir(`${root}/empty`, 0o755);
  sys.rump_sys_symlink("f1", `${root}/shortlink`);
  sys.rump_sys_symlink("T".repeat(200), `${root}/longlink`);
  sys.rump_sys_link(`${root}/f5000`, `${root}/hard`);
}

/** The primary superblock of a (clean) FFS image. */
export function findFfsSuperblock(img: Uint8Array): Fs {
  for (const loc of SBLOCKSEARCH) {
    if (loc + SBLOCKSIZE > img.length) continue;
    const f = ffs_sb_parse(img.subarray(loc, loc + SBLOCKSIZE), loc);
    if (f !== null && (!f.ufs2 || f.fs_sblockloc === loc) && (f.ufs2 || loc === 8192)) return f;
  }
  throw new Error("no superblock");
}

/** Map an FFS image's metadata. */
export function mapFfs(name: string, img: Uint8Array): ImageMap {
  const fs = findFfsSuperblock(img);
  const regions: Region[] = [];
  const addrs = new Set<number>([0, 1, fs.fs_size - 1, fs.fs_size, fs.fs_size + fs.fs_frag]);
  const fsz = fs.fs_fsize;
  regions.push({ kind: "sb", off: fs.fs_sblockloc, len: SBLOCK_STRUCT_SIZE });
  regions.push({ kind: "csum", off: fs.fs_csaddr * fsz, len: fs.fs_cssize });
  addrs.add(fs.fs_csaddr);
  for (let c = 0; c < fs.fs_ncg; c++) {
    if (c > 0)
      regions.push({ kind: "sb-alt", off: cgsblock(fs, c) * fsz, len: SBLOCK_STRUCT_SIZE });
    const off = cgtod(fs, c) * fsz;
    addrs.add(cgtod(fs, c));
    const cg = cg_parse(img.subarray(off, off + fs.fs_cgsize), fs.le);
    regions.push({ kind: "cg", off, len: 168 });
    const ilen = Math.ceil(fs.fs_ipg / 8);
    regions.push({ kind: "cg-imap", off: off + cg.cg_iusedoff, len: ilen });
    regions.push({
      kind: "cg-bmap",
      off: off + cg.cg_freeoff,
      len: Math.min(Math.ceil(fs.fs_fpg / 8), fs.fs_cgsize - cg.cg_freeoff),
    });
  }
  const isz = DINODE_SIZE(fs);
  const d = new Dinode();
  const ptr = fs.ufs2 ? 8 : 4;
  const dv = new DataView(img.buffer, img.byteOffset, img.byteLength);
  const word = (o: number): number =>
    fs.ufs2 ? Number(dv.getBigInt64(o, fs.le)) : dv.getInt32(o, fs.le);
  const indirect = (blk: number, level: number): void => {
    if (blk <= 0 || blk >= fs.fs_size) return;
    const off = blk * fsz;
    regions.push({ kind: `indir${level}`, off, len: fs.fs_bsize });
    addrs.add(blk);
    if (level === 1) return;
    for (let i = 0; i < NINDIR(fs); i++) indirect(word(off + i * ptr), level - 1);
  };
  for (let ino = 2; ino < fs.fs_ncg * fs.fs_ipg; ino++) {
    const ioff = ino_to_fsba(fs, ino) * fsz + ino_to_fsbo(fs, ino) * isz;
    dinode_parse(img, ioff, fs.ufs2, fs.le, d);
    if (d.di_mode === 0) continue;
    regions.push({ kind: "inode", off: ioff, len: isz });
    addrs.add(ino_to_fsba(fs, ino));
    const type = d.di_mode & IFMT;
    if (type === IFDIR) {
      for (let i = 0; i < 12 && i * fs.fs_bsize < d.di_size; i++) {
        if (d.di_db[i]! === 0) continue;
        const len = Math.min(fs.fs_bsize, d.di_size - i * fs.fs_bsize);
        regions.push({ kind: "dir", off: d.di_db[i]! * fsz, len });
        addrs.add(d.di_db[i]!);
      }
    } else if (type === IFLNK && d.di_shortlink === null && d.di_db[0]! !== 0) {
      regions.push({ kind: "symlink", off: d.di_db[0]! * fsz, len: fsz });
    }
    for (let l = 0; l < 3; l++) indirect(d.di_ib[l]!, l + 1);
  }
  return {
    name,
    type: "ffs",
    image: img,
    le: fs.le,
    regions,
    blockAddrs: [...addrs],
    ptrSize: ptr,
    pages: nonZeroPages(img),
  };
}

/* ------------------------------------------------ FFS images by makefs */

export const MAKEFS = "/usr/sbin/makefs";

/** FFS images made by the real tool: UFS1 and UFS2 layouts as makefs writes them. */
export const MAKEFS_VARIANTS: { name: string; opts: string; extra: string[] }[] = [
  { name: "makefs-ufs1-le-8k", opts: "version=1,bsize=8192,fsize=1024", extra: ["-B", "le"] },
  { name: "makefs-ufs2-be-16k", opts: "version=2,bsize=16384,fsize=2048", extra: ["-B", "be"] },
];

/** Why the makefs images cannot be made here, or null. */
export function makefsMissing(): string | null {
  return existsSync(MAKEFS) ? null : `${MAKEFS} is not installed (apt-get install makefs)`;
}

/** Make the makefs base images in `dir` (6 MiB each); returns their bytes. */
export function buildMakefsImages(dir: string): { name: string; bytes: Uint8Array }[] {
  const tree = join(dir, "tree");
  buildHostTree(tree, false);
  return MAKEFS_VARIANTS.map((v) => {
    const img = join(dir, `${v.name}.img`);
    execFileSync(MAKEFS, ["-t", "ffs", "-s", "6m", ...v.extra, "-o", v.opts, img, tree], {
      stdio: "pipe",
    });
    return { name: v.name, bytes: new Uint8Array(readFileSync(img)) };
  });
}

/* ---------------------------------------------------------------- ext2 */

export const MKE2FS = "/usr/sbin/mke2fs";

/** The ext2 images: revisions 0 and 1, 1/2/4 KiB blocks, several groups each. */
export const EXT2_VARIANTS: { name: string; args: string[] }[] = [
  { name: "rev1-1k", args: ["-r", "1", "-b", "1024", "-g", "1024"] },
  { name: "rev1-4k", args: ["-r", "1", "-b", "4096", "-g", "256"] },
  { name: "rev0-1k", args: ["-r", "0", "-b", "1024", "-g", "2048"] },
  {
    name: "rev1-2k-128",
    args: ["-r", "1", "-b", "2048", "-g", "512", "-I", "128", "-O", "^filetype"],
  },
];

/** Why the ext2 images cannot be made here, or null. */
export function ext2Missing(): string | null {
  return existsSync(MKE2FS) ? null : `${MKE2FS} is not installed (apt-get install e2fsprogs)`;
}

/**
 * The host tree of shapes for the image-making tools, under `tree`; with
 * `holes` the file "sparse" reaches the double and triple indirect blocks of
 * 1 KiB blocks through holes (mke2fs keeps them; makefs would write them out).
 */
export function buildHostTree(tree: string, holes: boolean): void {
  mkdirSync(join(tree, "d/sub/deeper"), { recursive: true });
  mkdirSync(join(tree, "empty"));
  for (const n of [0, 1, 600, 5000, 70_000]) writeFileSync(join(tree, `f${n}`), fuzzPattern(n, n));
  for (let i = 0; i < 40; i++)
    writeFileSync(join(tree, `d/entry-with-a-longer-name-${i}`), fuzzPattern(i * 37, i));
  writeFileSync(join(tree, "d/sub/deeper/file"), fuzzPattern(3000, 9));
  const fd = openSync(join(tree, "sparse"), "w");
  writeSync(fd, fuzzPattern(100, 1), 0, 100, 0);
  if (holes) {
    writeSync(fd, fuzzPattern(100, 2), 0, 100, (12 + 256 + 3) * 1024);
    writeSync(fd, fuzzPattern(100, 3), 0, 100, (12 + 256 + 65536 + 3) * 1024);
  } else {
    writeSync(fd, fuzzPattern(100, 2), 0, 100, 200_000);
  }
  closeSync(fd);
  symlinkSync("f1", join(tree, "shortlink"));
  symlinkSync("T".repeat(200), join(tree, "longlink"));
  linkSync(join(tree, "f5000"), join(tree, "hard"));
}

/** Make the ext2 base images with mke2fs in `dir` (4 MiB each); returns their bytes. */
export function buildExt2Images(dir: string): { name: string; bytes: Uint8Array }[] {
  const tree = join(dir, "tree");
  buildHostTree(tree, true);
  return EXT2_VARIANTS.map((v) => {
    const img = join(dir, `${v.name}.img`);
    execFileSync(
      MKE2FS,
      ["-q", "-F", "-t", "ext2", "-E", "root_owner=0:0", ...v.args, "-d", tree, img, "4M"],
      { stdio: "pipe", env: { ...process.env, E2FSPROGS_FAKE_TIME: "1600000000" } },
    );
    return { name: v.name, bytes: new Uint8Array(readFileSync(img)) };
  });
}

/** Map an ext2 image's metadata (revisions 0 and 1, little-endian). */
export function mapExt2(name: string, img: Uint8Array): ImageMap {
  const dv = new DataView(img.buffer, img.byteOffset, img.byteLength);
  const u32 = (o: number): number => dv.getUint32(o, true);
  const sb = 1024;
  const nblocks = u32(sb + 4);
  const first = u32(sb + 20);
  const bsize = 1024 << u32(sb + 24);
  const bpg = u32(sb + 32);
  const ipg = u32(sb + 40);
  const rev = u32(sb + 76);
  const isz = rev === 0 ? 128 : dv.getUint16(sb + 88, true);
  const ngroups = Math.ceil((nblocks - first) / bpg);
  const regions: Region[] = [{ kind: "sb", off: sb, len: 264 }];
  const addrs = new Set<number>([0, 1, first, nblocks - 1, nblocks, nblocks + 1]);
  const gdt = (first + 1) * bsize;
  regions.push({ kind: "gdt", off: gdt, len: ngroups * 32 });
  addrs.add(first + 1);
  const tables: number[] = [];
  for (let g = 0; g < ngroups; g++) {
    const gd = gdt + g * 32;
    const bb = u32(gd);
    const ib = u32(gd + 4);
    const it = u32(gd + 8);
    tables.push(it);
    regions.push({ kind: "gd", off: gd, len: 32 });
    regions.push({ kind: "bbitmap", off: bb * bsize, len: Math.ceil(bpg / 8) });
    regions.push({ kind: "ibitmap", off: ib * bsize, len: Math.ceil(ipg / 8) });
    addrs.add(bb).add(ib).add(it);
    // a backup superblock (sparse_super: groups 0, 1 and powers of 3, 5, 7)
    if (g > 0 && isBackupGroup(g)) {
      const boff = (first + g * bpg) * bsize + (bsize === 1024 ? 0 : 1024);
      if (boff + 264 <= img.length && dv.getUint16(boff + 56, true) === 0xef53)
        regions.push({ kind: "sb-alt", off: boff, len: 264 });
    }
  }
  const indirect = (blk: number, level: number): void => {
    if (blk <= 0 || blk >= nblocks) return;
    regions.push({ kind: `indir${level}`, off: blk * bsize, len: bsize });
    addrs.add(blk);
    if (level === 1) return;
    for (let i = 0; i < bsize / 4; i++) indirect(u32(blk * bsize + i * 4), level - 1);
  };
  for (let ino = 1; ino <= ngroups * ipg; ino++) {
    const g = Math.floor((ino - 1) / ipg);
    const ioff = tables[g]! * bsize + ((ino - 1) % ipg) * isz;
    if (ioff + isz > img.length) continue;
    const mode = dv.getUint16(ioff, true);
    if (mode === 0 && ino !== 7) continue;
    regions.push({ kind: "inode", off: ioff, len: Math.min(isz, 128) });
    addrs.add(tables[g]! + Math.floor((((ino - 1) % ipg) * isz) / bsize));
    const size = u32(ioff + 4);
    const nsect = u32(ioff + 28);
    const type = mode & 0o170000;
    if (type === 0o040000) {
      for (let i = 0; i < 12 && i * bsize < size; i++) {
        const b = u32(ioff + 40 + i * 4);
        if (b === 0) continue;
        regions.push({ kind: "dir", off: b * bsize, len: bsize });
        addrs.add(b);
      }
    }
    // a fast symlink keeps its target in i_block: no blocks to follow
    if (type === 0o120000 && nsect === 0) continue;
    for (let l = 0; l < 3; l++) indirect(u32(ioff + 40 + (12 + l) * 4), l + 1);
  }
  mapJournal(img, regions, addrs);
  return {
    name,
    type: "ext2fs",
    image: img,
    le: true,
    regions,
    blockAddrs: [...addrs],
    ptrSize: 4,
    pages: nonZeroPages(img),
  };
}

function isBackupGroup(g: number): boolean {
  if (g <= 1) return true;
  for (const p of [3, 5, 7]) {
    let x = p;
    while (x < g) x *= p;
    if (x === g) return true;
  }
  return false;
}

/* ------------------------------------------------------ ext3 journals */

/**
 * ext3 images whose journal needs recovery (helpers/ext2fs_journal_images):
 * one journal written by debugfs (4 KiB blocks, no checksums), one written
 * to spec with checksums v3, 64-bit tags and a log wrapping the end (1 KiB
 * blocks). Every mount of them replays the journal first.
 */
export function buildExt3RecoverImages(dir: string): { name: string; bytes: Uint8Array }[] {
  const a = makeJournalPair(dir, "j4k", ["-t", "ext3", "-b", "4096"], "8M");
  const dbg = join(dir, "j4k-pending.img");
  writeFileSync(dbg, a.before);
  debugfsJournal(dir, dbg, a);
  const b = makeJournalPair(dir, "j1k", ["-t", "ext3", "-b", "1024"], "4M");
  const spec = b.before.slice();
  writeJournal(spec, b.jblocks, pairTxns(b), { csum: 3, tag64: true, startFromEnd: 4 });
  return [
    { name: "ext3-recover-debugfs-4k", bytes: new Uint8Array(readFileSync(dbg)) },
    { name: "ext3-recover-v3-1k", bytes: spec },
  ];
}

/**
 * The journal's structures as fuzz targets: its superblock, descriptor
 * blocks (tags), commit and revoke blocks, and the superblock's journal
 * fields (inode, UUID, device). Added to an ext2 map by mapExt2, and to an
 * ext4 map by mapExt4.
 */
export function mapJournal(img: Uint8Array, regions: Region[], addrs: Set<number>): void {
  const dv = new DataView(img.buffer, img.byteOffset, img.byteLength);
  if ((dv.getUint32(1024 + 92, true) & 0x4) === 0) return;
  regions.push({ kind: "sb-journal", off: 1024 + 0xd0, len: 0x18 });
  const bsize = 1024 << dv.getUint32(1024 + 24, true);
  let jblocks: number[];
  try {
    jblocks = inodeBlocks(img, dv.getUint32(1024 + 0xe0, true));
  } catch {
    return;
  }
  for (const b of jblocks) {
    const off = b * bsize;
    if (off + bsize > img.length || dv.getUint32(off, false) !== 0xc03b3998) continue;
    const type = dv.getUint32(off + 4, false);
    addrs.add(b);
    if (type === 3 || type === 4) regions.push({ kind: "jsb", off, len: 0x100 });
    else if (type === 1) regions.push({ kind: "jdesc", off, len: bsize });
    else if (type === 2) regions.push({ kind: "jcommit", off, len: 0x40 });
    else if (type === 5) regions.push({ kind: "jrevoke", off, len: Math.min(bsize, 64) });
  }
}
