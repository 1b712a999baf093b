/**
 * newfs for FFS (sbin/newfs/mkfs.c): lay out an empty UFS1 or UFS2 file
 * system on a BlockDev. The geometry follows NetBSD's mkfs: the cylinder
 * group grows until its map fills one block (CGSIZE ≤ bsize), inodes per
 * group come from the density, the last group is shrunk-to-fit, every
 * group gets a superblock copy, and cg 0 holds the summary area after its
 * inodes. The root directory (inode 2, "." and "..") is the only file; as
 * in NetBSD there is no lost+found.
 *
 * The on-disk layouts are those of fs.ts, ffs_cg.ts, dinode.ts and dir.ts;
 * this file only computes values and writes them through those modules.
 *
 * Reproducible: with `time` set (callers honour SOURCE_DATE_EPOCH) the
 * same options give byte-identical images — the file-system id and inode
 * generation numbers come from a generator seeded by the time and size.
 */
import { EFBIG, EINVAL, EIO } from "../../gen/constants.js";
import { DT_DIR } from "../../sys/dirent.js";
import { writeFully, type BlockDev } from "../../dev/blockdev.js";
import type { Out } from "../../sys/out.js";
import { ilog2, powerof2 } from "../ufs/ufs_bswap.js";
import { Dinode, dinode_serialize, IFDIR } from "../ufs/dinode.js";
import { DIRBLKSIZ, dirtemplate_write } from "../ufs/dir.js";
import {
  AFPDIR,
  AVFILESIZ,
  cgdmin,
  cgimin,
  cgsblock,
  cgtod,
  Csum,
  CSUM_SIZE,
  DEV_BSIZE,
  ffs_csum_serialize,
  ffs_sb_probe,
  ffs_sb_serialize,
  ffs_superblock_check,
  FS_44INODEFMT,
  FS_FLAGS_UPDATED,
  FS_ISCLEAN,
  FS_MAGIC_OFF,
  FS_MAXCONTIG,
  FS_OPTSPACE,
  FS_OPTTIME,
  FS_UFS1_MAGIC,
  FS_UFS2_MAGIC,
  Fs,
  fsbtodb,
  MAXBSIZE,
  MAXFRAG,
  MAXVOLLEN,
  MINBSIZE,
  SBLOCK_STRUCT_SIZE,
  SBLOCK_UFS1,
  SBLOCK_UFS2,
  SBLOCKSEARCH,
  SBLOCKSIZE,
  UFS_NDADDR,
  UFS_NIADDR,
  UFS_ROOTINO,
} from "./fs.js";
import {
  Cg,
  CG_MAGIC,
  CG_SPACE_OFF,
  cg_serialize,
  clrbit,
  ffs_clrblock,
  ffs_isblock,
  ffs_setblock,
  isset,
  setbit,
} from "./ffs_cg.js";

/** Default reserve, percent (MINFREE). */
export const NEWFS_MINFREE = 5;
/** Inodes per default density: one per NFPI fragments. */
export const NFPI = 4;
/** Largest transfer the cluster code aims at (MAXPHYS). */
const MAXPHYS = 64 * 1024;
/** sizeof(struct cg): the header including the int64 padding of cg_space. */
const SIZEOF_CG = 176;
/** Mode of the root directory (UMASK of mkfs.c). */
const ROOT_MODE = 0o755;

export interface NewfsOptions {
  version: 1 | 2;
  /** block size (4096…65536, power of two); default by size as newfs(8) */
  bsize?: number;
  /** fragment size (bsize/8…bsize); default bsize/8 */
  fsize?: number;
  /** bytes of data space per inode; default 4 fragments */
  density?: number;
  volname?: string;
  /** reserved space, percent (0…99); default 5 */
  minfree?: number;
  byteOrder?: "le" | "be";
  /** seconds since the epoch for every time stamp; default 0 */
  time?: number;
  /** bytes of the device to use; default all of it */
  size?: number;
  avgfilesize?: number;
  avgfpdir?: number;
  maxcontig?: number;
  maxbpg?: number;
  optimization?: "time" | "space";
  /**
   * Where a UFS2 superblock goes: 65536 as newfs does (default) or 8192 as
   * makefs does; UFS1 always uses 8192.
   */
  sblockloc?: number;
  /** owner of the root directory */
  rootUid?: number;
  rootGid?: number;
}

/** Integer division rounding up (howmany). */
function howmany(x: number, y: number): number {
  return Math.floor((x + y - 1) / y);
}
function roundup(x: number, y: number): number {
  return howmany(x, y) * y;
}

/** A small deterministic generator (xorshift32) for ids and generation numbers. */
function prng(seed: number): () => number {
  let s = seed >>> 0 || 0x9e3779b9;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s & 0x7fffffff;
  };
}

/** CGSIZE(fs): bytes of a cylinder-group block with the current ipg/fpg. */
function CGSIZE(fs: Fs): number {
  return (
    SIZEOF_CG +
    4 +
    fs.fs_old_cpg * 4 +
    fs.fs_old_cpg * 2 +
    howmany(fs.fs_ipg, 8) +
    howmany(fs.fs_fpg, 8) +
    (fs.fs_contigsumsize <= 0
      ? 0
      : fs.fs_contigsumsize * 4 + howmany(Math.floor(fs.fs_fpg / fs.fs_frag), 8))
  );
}

/** Default block and fragment size by file-system size (newfs(8)). */
function defaultSizes(bytes: number): [number, number] {
  const MB = 1024 * 1024;
  if (bytes < 20 * MB) return [4096, 512];
  if (bytes < 1024 * MB) return [8192, 1024];
  if (bytes < 128 * 1024 * MB) return [16384, 2048];
  return [32768, 4096];
}

function isInt(v: unknown, lo: number, hi: number): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= lo && v <= hi;
}

/**
 * Compute the superblock for `opts` on `bytes` bytes. A superblock or an
 * errno with the reason in `why`.
 */
export function newfs_geometry(bytes: number, opts: NewfsOptions, why: Out<string>): Fs | number {
  const bad = (msg: string, e = EINVAL): number => {
    why.v = msg;
    return e;
  };
  if (opts === null || typeof opts !== "object") return bad("options missing");
  if (opts.version !== 1 && opts.version !== 2) return bad("version must be 1 or 2");
  const ufs2 = opts.version === 2;
  if (!isInt(bytes, 0, Number.MAX_SAFE_INTEGER)) return bad(`bad size ${bytes}`);
  const [dbsize, dfsize] = defaultSizes(bytes);
  const bsize =
    opts.bsize ??
    (opts.fsize !== undefined
      ? Math.min(Math.max(opts.fsize, dbsize), opts.fsize * MAXFRAG)
      : dbsize);
  if (!powerof2(bsize) || bsize < MINBSIZE || bsize > MAXBSIZE)
    return bad(`block size ${bsize} must be a power of 2 in ${MINBSIZE}…${MAXBSIZE}`);
  const fsize = opts.fsize ?? Math.max(bsize / MAXFRAG, Math.min(dfsize, bsize));
  if (!powerof2(fsize) || fsize < DEV_BSIZE || fsize > bsize)
    return bad(`fragment size ${fsize} must be a power of 2 in ${DEV_BSIZE}…${bsize}`);
  if (bsize / fsize > MAXFRAG)
    return bad(`fragment size ${fsize} too small for blocks of ${bsize}`);
  const minfree = opts.minfree ?? NEWFS_MINFREE;
  if (!isInt(minfree, 0, 99)) return bad(`bad minfree ${minfree}`);
  let density = opts.density ?? NFPI * fsize;
  if (!isInt(density, 1, 0x7fffffff)) return bad(`bad density ${density}`);
  const avgfilesize = opts.avgfilesize ?? AVFILESIZ;
  const avgfpdir = opts.avgfpdir ?? AFPDIR;
  if (!isInt(avgfilesize, 1, 0x7fffffff) || !isInt(avgfpdir, 1, 0x7fffffff))
    return bad("bad average file size or files per directory");
  const time = opts.time ?? 0;
  if (!isInt(time, 0, ufs2 ? Number.MAX_SAFE_INTEGER : 0x7fffffff)) return bad(`bad time ${time}`);
  const volname = opts.volname ?? "";
  if (typeof volname !== "string" || volname.length >= MAXVOLLEN)
    return bad(`volume name longer than ${MAXVOLLEN - 1} bytes`);
  const sblockloc = ufs2 ? (opts.sblockloc ?? SBLOCK_UFS2) : SBLOCK_UFS1;
  if (sblockloc !== SBLOCK_UFS1 && sblockloc !== SBLOCK_UFS2)
    return bad(`superblock location ${sblockloc} must be 8192 or 65536`);
  const maxcontigDefault = Math.max(1, Math.floor(Math.min(MAXPHYS, MAXBSIZE) / bsize));
  const maxcontig = opts.maxcontig ?? maxcontigDefault;
  if (!isInt(maxcontig, 1, 0x7fffffff)) return bad(`bad maxcontig ${maxcontig}`);
  const maxbpg = opts.maxbpg ?? bsize / 4;
  if (!isInt(maxbpg, 1, 0x7fffffff)) return bad(`bad maxbpg ${maxbpg}`);
  let optim = opts.optimization === "space" ? FS_OPTSPACE : FS_OPTTIME;
  if (minfree < NEWFS_MINFREE && optim !== FS_OPTSPACE) optim = FS_OPTSPACE;

  const fs = new Fs();
  fs.ufs2 = ufs2;
  fs.le = opts.byteOrder !== "be";
  fs.fs_raw = new Uint8Array(SBLOCK_STRUCT_SIZE);
  fs.fs_volname = volname;
  fs.fs_old_inodefmt = FS_44INODEFMT;
  fs.fs_old_flags = FS_FLAGS_UPDATED;
  fs.fs_flags = 0;
  fs.fs_avgfilesize = avgfilesize;
  fs.fs_avgfpdir = avgfpdir;
  fs.fs_bsize = bsize;
  fs.fs_fsize = fsize;
  fs.fs_maxbsize = bsize;
  fs.fs_maxcontig = maxcontig;
  if (fs.fs_maxcontig > 1) fs.fs_contigsumsize = Math.min(fs.fs_maxcontig, FS_MAXCONTIG);
  fs.fs_bmask = ~(bsize - 1);
  fs.fs_fmask = ~(fsize - 1);
  fs.fs_qbmask = bsize - 1;
  fs.fs_qfmask = fsize - 1;
  fs.fs_bshift = ilog2(bsize);
  fs.fs_fshift = ilog2(fsize);
  fs.fs_frag = bsize / fsize;
  fs.fs_fragshift = ilog2(fs.fs_frag);
  fs.fs_fsbtodb = ilog2(fsize / DEV_BSIZE);
  fs.fs_size = Math.floor(bytes / fsize);
  if (ufs2) {
    fs.fs_magic = FS_UFS2_MAGIC;
    fs.fs_sblockloc = sblockloc;
    fs.fs_nindir = bsize / 8;
    fs.fs_inopb = bsize / 256;
    fs.fs_maxsymlinklen = (UFS_NDADDR + UFS_NIADDR) * 8;
  } else {
    if (fs.fs_size >= 2 ** 31) return bad("UFS1 file systems are limited to 2^31 fragments", EFBIG);
    fs.fs_magic = FS_UFS1_MAGIC;
    fs.fs_sblockloc = SBLOCK_UFS1;
    fs.fs_nindir = bsize / 4;
    fs.fs_inopb = bsize / 128;
    fs.fs_maxsymlinklen = (UFS_NDADDR + UFS_NIADDR) * 4;
    fs.fs_old_cgoffset = 0;
    fs.fs_old_cgmask = -1;
    fs.fs_old_rotdelay = 0;
    fs.fs_old_rps = 60;
    fs.fs_old_nspf = fsize / DEV_BSIZE;
    fs.fs_old_cpg = 1;
    fs.fs_old_interleave = 1;
    fs.fs_old_trackskew = 0;
    fs.fs_old_cpc = 0;
    fs.fs_old_postblformat = 1;
    fs.fs_old_nrpos = 1;
  }
  const frag = fs.fs_frag;
  fs.fs_sblkno = roundup(howmany(fs.fs_sblockloc + SBLOCKSIZE, fsize), frag);
  fs.fs_cblkno = fs.fs_sblkno + roundup(howmany(SBLOCKSIZE, fsize), frag);
  fs.fs_iblkno = fs.fs_cblkno + frag;
  let maxfs = BigInt(bsize) * BigInt(UFS_NDADDR) - 1n;
  let sizepb = BigInt(bsize);
  for (let i = 0; i < UFS_NIADDR; i++) {
    sizepb *= BigInt(fs.fs_nindir);
    maxfs += sizepb;
  }
  // beyond 2^53 our 64-bit fields cannot say it exactly: clamp (the kernel clamps further)
  fs.fs_maxfilesize =
    maxfs > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(maxfs);

  // the smallest group meeting the density; thin the density until its map fits a block
  const inopb = fs.fs_inopb;
  const inopf = inopb / frag;
  if (fs.fs_size < fs.fs_iblkno + frag) return bad(`device too small (${bytes} bytes)`);
  let fragsperinode = 1;
  for (;;) {
    fragsperinode = Math.max(Math.floor(density / fsize), 1);
    let minfpg = fragsperinode * inopb;
    if (minfpg > fs.fs_size) minfpg = fs.fs_size;
    fs.fs_ipg = inopb;
    fs.fs_fpg = roundup(fs.fs_iblkno + fs.fs_ipg / inopf, frag);
    if (fs.fs_fpg < minfpg) fs.fs_fpg = minfpg;
    fs.fs_ipg = roundup(howmany(fs.fs_fpg, fragsperinode), inopb);
    fs.fs_fpg = roundup(fs.fs_iblkno + fs.fs_ipg / inopf, frag);
    if (fs.fs_fpg < minfpg) fs.fs_fpg = minfpg;
    fs.fs_ipg = roundup(howmany(fs.fs_fpg, fragsperinode), inopb);
    if (CGSIZE(fs) < bsize) break;
    density -= fsize;
    if (density < fsize) return bad("no density lets a cylinder group map fit in a block");
  }
  // grow the group until its map fills a block or it covers the file system
  const maxblkspercg = fs.fs_size - 1;
  for (; fs.fs_fpg < maxblkspercg; fs.fs_fpg += frag) {
    fs.fs_ipg = roundup(howmany(fs.fs_fpg, fragsperinode), inopb);
    if (Math.floor(fs.fs_size / fs.fs_fpg) < 1) break;
    const cgs = CGSIZE(fs);
    if (cgs < bsize) continue;
    if (cgs === bsize) break;
    fs.fs_fpg -= frag;
    fs.fs_ipg = roundup(howmany(fs.fs_fpg, fragsperinode), inopb);
    break;
  }
  // the last group must hold its own metadata: shrink groups until it does
  for (;;) {
    fs.fs_ncg = howmany(fs.fs_size, fs.fs_fpg);
    const lastminfpg = roundup(fs.fs_iblkno + fs.fs_ipg / inopf, frag);
    if (fs.fs_size < lastminfpg)
      return bad(`file system of ${fs.fs_size} fragments < minimum of ${lastminfpg}`);
    const rest = fs.fs_size % fs.fs_fpg;
    if (rest >= lastminfpg || rest === 0) break;
    fs.fs_fpg -= frag;
    fs.fs_ipg = roundup(howmany(fs.fs_fpg, fragsperinode), inopb);
  }
  if (!ufs2 && fs.fs_ipg > 0x7fffffff) return bad("too many inodes per group");
  if (fs.fs_ncg * fs.fs_ipg >= 2 ** 32) return bad("too many inodes (density too high)");
  fs.fs_cgsize = roundup(CGSIZE(fs), fsize);
  fs.fs_dblkno = fs.fs_iblkno + fs.fs_ipg / inopf;
  if (!ufs2) {
    fs.fs_old_size = fs.fs_size;
    fs.fs_old_spc = fs.fs_fpg * fs.fs_old_nspf;
    fs.fs_old_nsect = fs.fs_old_spc;
    fs.fs_old_npsect = fs.fs_old_spc;
    fs.fs_old_ncyl = fs.fs_ncg;
  }
  fs.fs_csaddr = cgdmin(fs, 0);
  fs.fs_cssize = roundup(fs.fs_ncg * CSUM_SIZE, fsize);
  fs.fs_sbsize = Math.min(roundup(SBLOCK_STRUCT_SIZE, fsize), SBLOCKSIZE);
  fs.fs_minfree = minfree;
  fs.fs_maxbpg = maxbpg;
  fs.fs_optim = optim;
  fs.fs_clean = FS_ISCLEAN;
  fs.fs_id0 = time | 0;
  fs.fs_id1 = prng((time ^ fs.fs_size ^ (ufs2 ? 0x55aa : 0)) >>> 0)();
  const csfrags = howmany(fs.fs_cssize, fsize);
  // cg 0's data must hold the summary area and the root directory's block
  if (fs.fs_csaddr + csfrags + frag > Math.min(fs.fs_fpg, fs.fs_size))
    return bad(`device too small (${bytes} bytes) for the first cylinder group`);
  fs.fs_dsize = fs.fs_size - fs.fs_sblkno - fs.fs_ncg * (fs.fs_dblkno - fs.fs_sblkno);
  fs.fs_cstotal_nbfree = Math.floor(fs.fs_dsize / frag) - howmany(csfrags, frag);
  fs.fs_cstotal_nffree = (fs.fs_size % frag) + (csfrags % frag > 0 ? frag - (csfrags % frag) : 0);
  fs.fs_cstotal_nifree = fs.fs_ncg * fs.fs_ipg - UFS_ROOTINO;
  fs.fs_cstotal_ndir = 0;
  fs.fs_dsize -= csfrags;
  fs.fs_time = time;
  return fs;
}

/**
 * The header of cylinder group `c` as newfs lays it out: magic, number,
 * data size, map offsets, inode counts (UFS2: the first two inode blocks
 * initialised), no free counts yet. fsck's repair rebuilds a damaged
 * header from it.
 */
export function cg_template(fs: Fs, c: number, time: number): Cg {
  const cg = new Cg();
  const frag = fs.fs_frag;
  const cbase = fs.fs_fpg * c;
  const dmax = Math.min(cbase + fs.fs_fpg, fs.fs_size);
  cg.cg_magic = CG_MAGIC;
  cg.cg_cgx = c;
  cg.cg_ndblk = dmax - cbase;
  if (fs.fs_contigsumsize > 0) cg.cg_nclusterblks = Math.floor(cg.cg_ndblk / frag);
  if (fs.ufs2) {
    cg.cg_time = time;
    cg.cg_niblk = fs.fs_ipg;
    cg.cg_initediblk = Math.min(fs.fs_ipg, 2 * fs.fs_inopb);
    cg.cg_iusedoff = CG_SPACE_OFF;
  } else {
    cg.cg_old_time = time;
    cg.cg_old_ncyl =
      c === fs.fs_ncg - 1 ? howmany(cg.cg_ndblk, fs.fs_fpg / fs.fs_old_cpg) : fs.fs_old_cpg;
    cg.cg_old_niblk = fs.fs_ipg;
    cg.cg_old_btotoff = CG_SPACE_OFF;
    cg.cg_old_boff = cg.cg_old_btotoff + fs.fs_old_cpg * 4;
    cg.cg_iusedoff = cg.cg_old_boff + fs.fs_old_cpg * 2;
  }
  cg.cg_freeoff = cg.cg_iusedoff + howmany(fs.fs_ipg, 8);
  if (fs.fs_contigsumsize <= 0) {
    cg.cg_nextfreeoff = cg.cg_freeoff + howmany(fs.fs_fpg, 8);
  } else {
    cg.cg_clustersumoff = roundup(cg.cg_freeoff + howmany(fs.fs_fpg, 8) - 4, 4);
    cg.cg_clusteroff = cg.cg_clustersumoff + (fs.fs_contigsumsize + 1) * 4;
    cg.cg_nextfreeoff = cg.cg_clusteroff + howmany(Math.floor(fs.fs_fpg / frag), 8);
  }
  return cg;
}

/** Cylinder group `c` in `buf` (fs_cgsize bytes at least, zeroed here); fills `cs`. */
function initcg(fs: Fs, c: number, buf: Uint8Array, cs: Csum, time: number): Cg {
  buf.fill(0);
  const cg = cg_template(fs, c, time);
  const frag = fs.fs_frag;
  const cbase = fs.fs_fpg * c;
  const dlower = cgsblock(fs, c) - cbase;
  let dupper = cgdmin(fs, c) - cbase;
  if (c === 0) dupper += howmany(fs.fs_cssize, fs.fs_fsize);
  cg.cs_nifree = fs.fs_ipg;
  if (c === 0) {
    for (let i = 0; i < UFS_ROOTINO; i++) {
      setbit(buf, cg.cg_iusedoff, i);
      cg.cs_nifree--;
    }
  }
  const free = cg.cg_freeoff;
  const freeBlock = (blkno: number): void => {
    ffs_setblock(fs, buf, free, blkno);
    if (fs.fs_contigsumsize > 0) setbit(buf, cg.cg_clusteroff, blkno);
    cg.cs_nbfree++;
  };
  if (c > 0) for (let d = 0; d < dlower; d += frag) freeBlock(d / frag);
  const partial = dupper % frag;
  if (partial !== 0) {
    cg.cg_frsum[frag - partial] = cg.cg_frsum[frag - partial]! + 1;
    for (const end = dupper + frag - partial; dupper < end; dupper++) {
      setbit(buf, free, dupper);
      cg.cs_nffree++;
    }
  }
  let d = dupper;
  for (; d + frag <= cg.cg_ndblk; d += frag) freeBlock(d / frag);
  if (d < cg.cg_ndblk) {
    cg.cg_frsum[cg.cg_ndblk - d] = cg.cg_frsum[cg.cg_ndblk - d]! + 1;
    for (; d < cg.cg_ndblk; d++) {
      setbit(buf, free, d);
      cg.cs_nffree++;
    }
  }
  clustersum(fs, cg, buf);
  cs.cs_ndir[c] = cg.cs_ndir;
  cs.cs_nbfree[c] = cg.cs_nbfree;
  cs.cs_nifree[c] = cg.cs_nifree;
  cs.cs_nffree[c] = cg.cs_nffree;
  return cg;
}

/** Recompute the cluster summary (runs of free blocks, capped at fs_contigsumsize). */
function clustersum(fs: Fs, cg: Cg, buf: Uint8Array): void {
  if (fs.fs_contigsumsize <= 0) return;
  const le = fs.le;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const sum = new Int32Array(fs.fs_contigsumsize + 1);
  let run = 0;
  for (let i = 0; i < cg.cg_nclusterblks; i++) {
    if (isset(buf, cg.cg_clusteroff, i)) run++;
    else if (run !== 0) {
      sum[Math.min(run, fs.fs_contigsumsize)]!++;
      run = 0;
    }
  }
  if (run !== 0) sum[Math.min(run, fs.fs_contigsumsize)]!++;
  // slot 0 is never used: it overlaps the end of the free map (the -4 in cg_clustersumoff)
  for (let i = 1; i <= fs.fs_contigsumsize; i++)
    dv.setInt32(cg.cg_clustersumoff + 4 * i, sum[i]!, le);
}

/**
 * Create the root directory in cg 0 (fsinit): take the first whole free
 * block, keep one fragment, give the rest back as free fragments; mark the
 * inode used. Returns the fragment address of the directory block.
 */
function fsinit_root(fs: Fs, cg: Cg, buf: Uint8Array, cs: Csum): number {
  const frag = fs.fs_frag;
  let d = 0;
  for (; d < cg.cg_ndblk; d += frag) if (ffs_isblock(fs, buf, cg.cg_freeoff, d / frag)) break;
  const blkno = d / frag;
  ffs_clrblock(fs, buf, cg.cg_freeoff, blkno);
  if (fs.fs_contigsumsize > 0) clrbit(buf, cg.cg_clusteroff, blkno);
  cg.cs_nbfree--;
  fs.fs_cstotal_nbfree--;
  cg.cs_ndir++;
  fs.fs_cstotal_ndir++;
  const used = howmany(DIRBLKSIZ, fs.fs_fsize);
  if (used !== frag) {
    cg.cs_nffree += frag - used;
    fs.fs_cstotal_nffree += frag - used;
    cg.cg_frsum[frag - used] = cg.cg_frsum[frag - used]! + 1;
    for (let i = used; i < frag; i++) setbit(buf, cg.cg_freeoff, d + i);
  }
  setbit(buf, cg.cg_iusedoff, UFS_ROOTINO);
  cg.cs_nifree--;
  fs.fs_cstotal_nifree--;
  clustersum(fs, cg, buf);
  cs.cs_ndir[0] = cg.cs_ndir;
  cs.cs_nbfree[0] = cg.cs_nbfree;
  cs.cs_nifree[0] = cg.cs_nifree;
  cs.cs_nffree[0] = cg.cs_nffree;
  return d;
}

/**
 * Make an empty FFS on `dev`. 0 or an errno (EINVAL for impossible
 * options or a device too small, EFBIG beyond UFS1's limit, the device's
 * error on a failed write); `whyp` gets the reason, `fsp` the superblock.
 */
export function newfs_ffs(
  dev: BlockDev,
  opts: NewfsOptions,
  whyp: Out<string> | null = null,
  fsp: Out<Fs | null> | null = null,
): number {
  const why = whyp ?? { v: "" };
  why.v = "";
  if (dev === null || typeof dev !== "object" || typeof dev.write !== "function") {
    why.v = "no device";
    return EINVAL;
  }
  const bytes = opts?.size ?? dev.size;
  if (!isInt(bytes, 0, Number.MAX_SAFE_INTEGER) || bytes > dev.size) {
    why.v = `size ${bytes} beyond the device (${dev.size})`;
    return EINVAL;
  }
  const r = newfs_geometry(bytes, opts, why);
  if (typeof r === "number") return r;
  const fs = r;
  const time = fs.fs_time;
  const le = fs.le;
  const fsize = fs.fs_fsize;
  const bsize = fs.fs_bsize;
  const rnd = prng((fs.fs_id1 ^ 0x5bd1e995) >>> 0);
  const cs = new Csum(fs.fs_ncg);
  const cgbuf = new Uint8Array(bsize);
  const zero = new Uint8Array(bsize);
  let error = 0;
  const wr = (frag: number, data: Uint8Array): boolean => {
    error = writeFully(dev, fsbtodb(fs, frag) * DEV_BSIZE, data);
    if (error !== 0) why.v = `write error at fragment ${frag}`;
    return error === 0;
  };

  // cylinder groups, inode blocks (UFS1: all; UFS2: the first cg_initediblk inodes)
  const inoblk = new Uint8Array(bsize);
  let rootBlock = -1;
  for (let c = 0; c < fs.fs_ncg; c++) {
    const cg = initcg(fs, c, cgbuf, cs, time);
    if (c === 0) rootBlock = fsinit_root(fs, cg, cgbuf, cs);
    cg_serialize(cg, cgbuf, le);
    if (!wr(cgtod(fs, c), cgbuf)) return error;
    const nblk = fs.ufs2 ? howmany(cg.cg_initediblk, fs.fs_inopb) : howmany(fs.fs_ipg, fs.fs_inopb);
    for (let i = 0; i < nblk; i++) {
      inoblk.set(zero);
      if (c === 0 && i === 0) writeRootInode(fs, inoblk, rootBlock, opts, rnd);
      if (!wr(cgimin(fs, c) + i * fs.fs_frag, inoblk)) return error;
    }
  }
  // the root directory's fragment
  const dirbuf = new Uint8Array(fsize);
  dirtemplate_write(dirbuf, 0, le, false, UFS_ROOTINO, UFS_ROOTINO, DT_DIR);
  if (!wr(rootBlock, dirbuf)) return error;
  // the summary area
  const csbuf = new Uint8Array(fs.fs_cssize);
  ffs_csum_serialize(fs, cs, csbuf);
  if (!wr(fs.fs_csaddr, csbuf)) return error;
  // self-check before the superblock makes it a file system
  const bad = ffs_superblock_check(fs);
  if (bad !== null) {
    why.v = `newfs computed an invalid superblock: ${bad}`;
    return EINVAL;
  }
  const sbbuf = new Uint8Array(fs.fs_sbsize);
  ffs_sb_serialize(fs, sbbuf);
  error = writeFully(dev, fs.fs_sblockloc, sbbuf);
  if (error !== 0) {
    why.v = "write error at the superblock";
    return error;
  }
  for (let c = 0; c < fs.fs_ncg; c++) if (!wr(cgsblock(fs, c), sbbuf)) return error;
  error = zap_old_sblocks(dev, fs, sbbuf);
  if (error !== 0) {
    why.v = "write error clearing an old superblock";
    return error;
  }
  if (fsp !== null) fsp.v = fs;
  return 0;
}

function writeRootInode(
  fs: Fs,
  blk: Uint8Array,
  rootBlock: number,
  opts: NewfsOptions,
  rnd: () => number,
): void {
  const d = new Dinode();
  d.di_mode = IFDIR | ROOT_MODE;
  d.di_nlink = 2;
  d.di_uid = opts.rootUid ?? 0;
  d.di_gid = opts.rootGid ?? 0;
  d.di_size = DIRBLKSIZ;
  d.di_db[0] = rootBlock;
  d.di_blocks = (howmany(DIRBLKSIZ, fs.fs_fsize) * fs.fs_fsize) / DEV_BSIZE;
  d.di_atime = d.di_mtime = d.di_ctime = fs.fs_time;
  if (fs.ufs2) d.di_birthtime = fs.fs_time;
  d.di_gen = rnd();
  const dsize = fs.ufs2 ? 256 : 128;
  dinode_serialize(d, blk, (UFS_ROOTINO % fs.fs_inopb) * dsize, fs.ufs2, fs.le);
}

/**
 * An older file system's superblock at another probe location would be
 * found by the next mount: kill its magic (only where it is not one of ours).
 */
function zap_old_sblocks(dev: BlockDev, fs: Fs, ours: Uint8Array): number {
  const buf = new Uint8Array(SBLOCK_STRUCT_SIZE);
  for (const loc of SBLOCKSEARCH) {
    if (loc === fs.fs_sblockloc || loc + SBLOCK_STRUCT_SIZE > dev.size) continue;
    let n: number;
    try {
      n = dev.read(loc, buf);
    } catch {
      return EIO;
    }
    if (n !== buf.length || ffs_sb_probe(buf) === null) continue;
    let same = true;
    for (let i = 0; i < SBLOCK_STRUCT_SIZE && same; i++) if (buf[i] !== ours[i]) same = false;
    if (same) continue;
    const error = writeFully(dev, loc + FS_MAGIC_OFF, new Uint8Array(4));
    if (error !== 0) return error;
  }
  return 0;
}
