/**
 * The FFS superblock and its geometry (ufs/ffs/fs.h): where the superblock
 * may live, its layout (UFS1 and UFS2, either byte order), the one gate
 * that decides whether a superblock may be used (ffs_superblock_validate),
 * and the address arithmetic macros (fsbtodb, cgbase, cgimin, ino_to_fsba…).
 *
 * Pure functions over Uint8Array/DataView: no kernel or host dependencies,
 * so newfs and the checker import this module too.
 *
 * Numbers: block and fragment numbers are plain JS numbers (exact below
 * 2^53); the macros use multiplication and Math.floor instead of 32-bit
 * shifts so that large file systems stay exact.
 */
import { ilog2, powerof2, ufs_dv, ufs_rd64, ufs_rdu64, ufs_wr64 } from "../ufs/ufs_bswap.js";

/* ------------------------------------------------------------------------ */
/* constants                                                                 */

export const FS_UFS1_MAGIC = 0x011954;
export const FS_UFS2_MAGIC = 0x19540119;
/** Where a superblock is looked for, in this order (SBLOCKSEARCH). */
export const SBLOCKSEARCH: readonly number[] = [65536, 8192, 0, 262144];
export const SBLOCK_UFS1 = 8192;
export const SBLOCK_UFS2 = 65536;
/** Bytes read at each probe offset (the largest superblock). */
export const SBLOCKSIZE = 8192;
/** sizeof(struct fs) */
export const SBLOCK_STRUCT_SIZE = 1376;
export const MINBSIZE = 4096;
export const MAXBSIZE = 65536;
export const MAXFRAG = 8;
export const DEV_BSIZE = 512;
export const DEV_BSHIFT = 9;
export const MAXMNTLEN = 468;
export const MAXVOLLEN = 32;
export const FSMAXSNAP = 20;
export const FS_MAXCONTIG = 16;
/** Direct and indirect pointers in an inode. */
export const UFS_NDADDR = 12;
export const UFS_NIADDR = 3;
/** Inode numbers with a meaning. */
export const UFS_WINO = 1;
export const UFS_ROOTINO = 2;
/** sizeof(struct csum): the per-cylinder-group summary in the cs area. */
export const CSUM_SIZE = 16;

/** fs_old_inodefmt */
export const FS_42INODEFMT = -1;
export const FS_44INODEFMT = 2;
/** fs_clean */
export const FS_ISCLEAN = 0x01;
export const FS_WASCLEAN = 0x02;
/** fs_flags / fs_old_flags */
export const FS_UNCLEAN = 0x01;
export const FS_DOSOFTDEP = 0x02;
export const FS_NEEDSFSCK = 0x04;
export const FS_INDEXDIRS = 0x08;
export const FS_ACLS = 0x10;
export const FS_MULTILABEL = 0x20;
export const FS_GJOURNAL = 0x40;
export const FS_FLAGS_UPDATED = 0x80;
export const FS_DOWAPBL = 0x100;
export const FS_DOQUOTA2 = 0x200;
export const FS_TRIM = 0x400;
export const FS_NFS4ACLS = 0x800;
/** fs_optim */
export const FS_OPTTIME = 0;
export const FS_OPTSPACE = 1;
/** Default average file size and files per directory (newfs). */
export const AVFILESIZ = 16384;
export const AFPDIR = 64;

/* ------------------------------------------------------------------------ */
/* the superblock                                                            */

/**
 * struct fs, parsed. Every on-disk field we know is here with its NetBSD
 * name; `fs_raw` keeps the bytes it was parsed from, so that serialising
 * back preserves what we do not interpret (snapshot list, spare words).
 *
 * UFS1 keeps time, size, dsize, csaddr and the totals in the fs_old_*
 * words; ffs_sb_parse copies them to the 64-bit fields (as
 * ffs_oldfscompat_read does) and ffs_sb_serialize writes both.
 */
export class Fs {
  fs_firstfield = 0;
  fs_unused_1 = 0;
  fs_sblkno = 0;
  fs_cblkno = 0;
  fs_iblkno = 0;
  fs_dblkno = 0;
  fs_old_cgoffset = 0;
  fs_old_cgmask = 0;
  fs_old_time = 0;
  fs_old_size = 0;
  fs_old_dsize = 0;
  fs_ncg = 0;
  fs_bsize = 0;
  fs_fsize = 0;
  fs_frag = 0;
  fs_minfree = 0;
  fs_old_rotdelay = 0;
  fs_old_rps = 0;
  fs_bmask = 0;
  fs_fmask = 0;
  fs_bshift = 0;
  fs_fshift = 0;
  fs_maxcontig = 0;
  fs_maxbpg = 0;
  fs_fragshift = 0;
  fs_fsbtodb = 0;
  fs_sbsize = 0;
  fs_nindir = 0;
  fs_inopb = 0;
  fs_old_nspf = 0;
  fs_optim = 0;
  fs_old_npsect = 0;
  fs_old_interleave = 0;
  fs_old_trackskew = 0;
  fs_id0 = 0;
  fs_id1 = 0;
  fs_old_csaddr = 0;
  fs_cssize = 0;
  fs_cgsize = 0;
  fs_old_nsect = 0;
  fs_old_spc = 0;
  fs_old_ncyl = 0;
  fs_old_cpg = 0;
  fs_ipg = 0;
  fs_fpg = 0;
  fs_old_cstotal_ndir = 0;
  fs_old_cstotal_nbfree = 0;
  fs_old_cstotal_nifree = 0;
  fs_old_cstotal_nffree = 0;
  fs_fmod = 0;
  fs_clean = 0;
  fs_ronly = 0;
  fs_old_flags = 0;
  /** name mounted on, a byte string */
  fs_fsmnt = "";
  /** volume name, a byte string */
  fs_volname = "";
  fs_swuid = 0;
  fs_cgrotor = 0;
  fs_old_cpc = 0;
  fs_maxbsize = 0;
  fs_sblockloc = 0;
  fs_cstotal_ndir = 0;
  fs_cstotal_nbfree = 0;
  fs_cstotal_nifree = 0;
  fs_cstotal_nffree = 0;
  fs_cstotal_numclusters = 0;
  fs_time = 0;
  fs_size = 0;
  fs_dsize = 0;
  fs_csaddr = 0;
  fs_pendingblocks = 0;
  fs_pendinginodes = 0;
  fs_avgfilesize = 0;
  fs_avgfpdir = 0;
  fs_save_cgsize = 0;
  fs_flags = 0;
  fs_contigsumsize = 0;
  fs_maxsymlinklen = 0;
  fs_old_inodefmt = 0;
  fs_maxfilesize = 0;
  fs_qbmask = 0;
  fs_qfmask = 0;
  fs_state = 0;
  fs_old_postblformat = 0;
  fs_old_nrpos = 0;
  fs_magic = 0;

  /** UFS2 (else UFS1) */
  ufs2 = false;
  /** the image is little-endian */
  le = true;
  /** the bytes this superblock was parsed from (fs_sbsize, at least SBLOCK_STRUCT_SIZE) */
  fs_raw: Uint8Array = new Uint8Array(SBLOCK_STRUCT_SIZE);
}

type FieldKind = 0 /* i8 */ | 1 /* u8 */ | 2 /* i32 */ | 3 /* u32 */ | 4 /* i64 */ | 5 /* u64 */;
const I8 = 0;
const U8 = 1;
const I32 = 2;
const U32 = 3;
const I64 = 4;
const U64 = 5;

/** [field, byte offset, kind] of every numeric field of struct fs. */
const SB_FIELDS: readonly (readonly [keyof Fs, number, FieldKind])[] = [
  ["fs_firstfield", 0, I32],
  ["fs_unused_1", 4, I32],
  ["fs_sblkno", 8, I32],
  ["fs_cblkno", 12, I32],
  ["fs_iblkno", 16, I32],
  ["fs_dblkno", 20, I32],
  ["fs_old_cgoffset", 24, I32],
  ["fs_old_cgmask", 28, I32],
  ["fs_old_time", 32, I32],
  ["fs_old_size", 36, I32],
  ["fs_old_dsize", 40, I32],
  ["fs_ncg", 44, U32],
  ["fs_bsize", 48, I32],
  ["fs_fsize", 52, I32],
  ["fs_frag", 56, I32],
  ["fs_minfree", 60, I32],
  ["fs_old_rotdelay", 64, I32],
  ["fs_old_rps", 68, I32],
  ["fs_bmask", 72, I32],
  ["fs_fmask", 76, I32],
  ["fs_bshift", 80, I32],
  ["fs_fshift", 84, I32],
  ["fs_maxcontig", 88, I32],
  ["fs_maxbpg", 92, I32],
  ["fs_fragshift", 96, I32],
  ["fs_fsbtodb", 100, I32],
  ["fs_sbsize", 104, I32],
  ["fs_nindir", 116, I32],
  ["fs_inopb", 120, U32],
  ["fs_old_nspf", 124, I32],
  ["fs_optim", 128, I32],
  ["fs_old_npsect", 132, I32],
  ["fs_old_interleave", 136, I32],
  ["fs_old_trackskew", 140, I32],
  ["fs_id0", 144, I32],
  ["fs_id1", 148, I32],
  ["fs_old_csaddr", 152, I32],
  ["fs_cssize", 156, I32],
  ["fs_cgsize", 160, I32],
  ["fs_old_nsect", 168, I32],
  ["fs_old_spc", 172, I32],
  ["fs_old_ncyl", 176, I32],
  ["fs_old_cpg", 180, I32],
  ["fs_ipg", 184, U32],
  ["fs_fpg", 188, I32],
  ["fs_old_cstotal_ndir", 192, I32],
  ["fs_old_cstotal_nbfree", 196, I32],
  ["fs_old_cstotal_nifree", 200, I32],
  ["fs_old_cstotal_nffree", 204, I32],
  ["fs_fmod", 208, I8],
  ["fs_clean", 209, I8],
  ["fs_ronly", 210, I8],
  ["fs_old_flags", 211, U8],
  ["fs_swuid", 712, U64],
  ["fs_cgrotor", 724, I32],
  ["fs_old_cpc", 856, I32],
  ["fs_maxbsize", 860, I32],
  ["fs_sblockloc", 1000, I64],
  ["fs_cstotal_ndir", 1008, I64],
  ["fs_cstotal_nbfree", 1016, I64],
  ["fs_cstotal_nifree", 1024, I64],
  ["fs_cstotal_nffree", 1032, I64],
  ["fs_cstotal_numclusters", 1040, I64],
  ["fs_time", 1072, I64],
  ["fs_size", 1080, I64],
  ["fs_dsize", 1088, I64],
  ["fs_csaddr", 1096, I64],
  ["fs_pendingblocks", 1104, I64],
  ["fs_pendinginodes", 1112, I32],
  ["fs_avgfilesize", 1196, I32],
  ["fs_avgfpdir", 1200, I32],
  ["fs_save_cgsize", 1204, I32],
  ["fs_flags", 1312, U32],
  ["fs_contigsumsize", 1316, I32],
  ["fs_maxsymlinklen", 1320, I32],
  ["fs_old_inodefmt", 1324, I32],
  ["fs_maxfilesize", 1328, U64],
  ["fs_qbmask", 1336, I64],
  ["fs_qfmask", 1344, I64],
  ["fs_state", 1352, I32],
  ["fs_old_postblformat", 1356, I32],
  ["fs_old_nrpos", 1360, I32],
  ["fs_magic", 1372, I32],
];
const FS_FSMNT_OFF = 212;
const FS_VOLNAME_OFF = 680;
export const FS_MAGIC_OFF = 1372;

function readField(dv: DataView, off: number, kind: FieldKind, le: boolean): number {
  switch (kind) {
    case I8:
      return dv.getInt8(off);
    case U8:
      return dv.getUint8(off);
    case I32:
      return dv.getInt32(off, le);
    case U32:
      return dv.getUint32(off, le);
    case I64:
      return ufs_rd64(dv, off, le);
    default:
      return ufs_rdu64(dv, off, le);
  }
}

function writeField(dv: DataView, off: number, kind: FieldKind, v: number, le: boolean): void {
  switch (kind) {
    case I8:
      dv.setInt8(off, v);
      return;
    case U8:
      dv.setUint8(off, v);
      return;
    case I32:
      dv.setInt32(off, v, le);
      return;
    case U32:
      dv.setUint32(off, v >>> 0, le);
      return;
    default:
      ufs_wr64(dv, off, v, le);
  }
}

function readCString(b: Uint8Array, off: number, max: number): string {
  let s = "";
  for (let i = 0; i < max; i++) {
    const c = b[off + i]!;
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}

function writeCString(b: Uint8Array, off: number, max: number, s: string): void {
  b.fill(0, off, off + max);
  const n = Math.min(s.length, max - 1);
  for (let i = 0; i < n; i++) b[off + i] = s.charCodeAt(i) & 0xff;
}

/**
 * Which superblock (if any) is in `buf` (≥ SBLOCK_STRUCT_SIZE bytes):
 * the magic decides version and byte order. Returns null without a magic.
 */
export function ffs_sb_probe(buf: Uint8Array): { ufs2: boolean; le: boolean } | null {
  if (buf.length < SBLOCK_STRUCT_SIZE) return null;
  const dv = ufs_dv(buf);
  for (const le of [true, false]) {
    const m = dv.getInt32(FS_MAGIC_OFF, le);
    if (m === FS_UFS1_MAGIC) return { ufs2: false, le };
    if (m === FS_UFS2_MAGIC) return { ufs2: true, le };
  }
  return null;
}

/**
 * Parse the superblock in `buf` read from byte offset `sblockloc`. Null
 * when there is no FFS magic. The result is NOT validated yet: call
 * ffs_superblock_validate before using any of it.
 *
 * A UFS2 superblock is only accepted where it says it is (fs_sblockloc ==
 * sblockloc), and a UFS1 one not at 65536 with… as NetBSD's probe does:
 * this stops an alternate superblock or a stale UFS1 one from being taken
 * for the primary.
 */
export function ffs_sb_parse(buf: Uint8Array, sblockloc: number): Fs | null {
  const p = ffs_sb_probe(buf);
  if (p === null) return null;
  const fs = new Fs();
  const le = p.le;
  fs.ufs2 = p.ufs2;
  fs.le = le;
  const dv = ufs_dv(buf);
  const rec = fs as unknown as Record<string, number>;
  for (const [name, off, kind] of SB_FIELDS) rec[name] = readField(dv, off, kind, le);
  fs.fs_fsmnt = readCString(buf, FS_FSMNT_OFF, MAXMNTLEN);
  fs.fs_volname = readCString(buf, FS_VOLNAME_OFF, MAXVOLLEN);
  const rawlen = Math.min(
    buf.length,
    Math.max(SBLOCK_STRUCT_SIZE, Math.min(fs.fs_sbsize, SBLOCKSIZE)),
  );
  fs.fs_raw = buf.slice(0, rawlen);
  if (!fs.ufs2) {
    // ffs_oldfscompat_read: the 32-bit words are authoritative in UFS1
    if ((fs.fs_old_flags & FS_FLAGS_UPDATED) === 0) {
      fs.fs_flags = fs.fs_old_flags;
      fs.fs_sblockloc = sblockloc;
    }
    fs.fs_time = fs.fs_old_time;
    fs.fs_size = fs.fs_old_size;
    fs.fs_dsize = fs.fs_old_dsize;
    fs.fs_csaddr = fs.fs_old_csaddr;
    fs.fs_sblockloc = SBLOCK_UFS1;
    if ((fs.fs_old_flags & FS_FLAGS_UPDATED) === 0) {
      fs.fs_cstotal_ndir = fs.fs_old_cstotal_ndir;
      fs.fs_cstotal_nbfree = fs.fs_old_cstotal_nbfree;
      fs.fs_cstotal_nifree = fs.fs_old_cstotal_nifree;
      fs.fs_cstotal_nffree = fs.fs_old_cstotal_nffree;
    }
  }
  return fs;
}

/**
 * Serialise `fs` into `buf` (≥ SBLOCK_STRUCT_SIZE bytes; bytes beyond
 * fs_raw's length are left alone). Starts from fs_raw, so unknown fields
 * survive; for UFS1 the fs_old_* words get time, size, dsize, csaddr and
 * the totals (ffs_oldfscompat_write).
 */
export function ffs_sb_serialize(fs: Fs, buf: Uint8Array): void {
  const n = Math.min(buf.length, fs.fs_raw.length);
  buf.set(fs.fs_raw.subarray(0, n));
  if (fs.ufs2 === false) {
    fs.fs_old_time = fs.fs_time | 0;
    fs.fs_old_size = fs.fs_size;
    fs.fs_old_dsize = fs.fs_dsize;
    fs.fs_old_csaddr = fs.fs_csaddr;
    fs.fs_old_cstotal_ndir = fs.fs_cstotal_ndir;
    fs.fs_old_cstotal_nbfree = fs.fs_cstotal_nbfree;
    fs.fs_old_cstotal_nifree = fs.fs_cstotal_nifree;
    fs.fs_old_cstotal_nffree = fs.fs_cstotal_nffree;
  }
  fs.fs_old_flags |= FS_FLAGS_UPDATED;
  const dv = ufs_dv(buf);
  const rec = fs as unknown as Record<string, number>;
  for (const [name, off, kind] of SB_FIELDS) writeField(dv, off, kind, rec[name]!, fs.le);
  writeCString(buf, FS_FSMNT_OFF, MAXMNTLEN, fs.fs_fsmnt);
  writeCString(buf, FS_VOLNAME_OFF, MAXVOLLEN, fs.fs_volname);
  fs.fs_raw = buf.slice(0, Math.max(n, SBLOCK_STRUCT_SIZE));
}

/** Size of an on-disk inode: 128 (UFS1) or 256 (UFS2). */
export function DINODE_SIZE(fs: Fs): number {
  return fs.ufs2 ? 256 : 128;
}

/** Bytes of a block pointer: 4 (UFS1) or 8 (UFS2). */
export function DADDR_SIZE(fs: Fs): number {
  return fs.ufs2 ? 8 : 4;
}

/** Longest symlink target stored inside the inode (UFS_MAXSYMLINKLEN). */
export function UFS_MAXSYMLINKLEN(fs: Fs): number {
  return (UFS_NDADDR + UFS_NIADDR) * DADDR_SIZE(fs);
}

/**
 * The gate (ffs_superblock_validate): null when `fs` may be used, else a
 * sentence naming what is wrong. Sizes must be in-range powers of two,
 * every stored shift and mask must equal the recomputed one, counts must be
 * non-zero and agree with each other, and every area must lie inside the
 * file system. Nothing else in the file system looks at a superblock that
 * has not passed here.
 */
export function ffs_superblock_check(fs: Fs): string | null {
  if (fs.fs_magic !== FS_UFS1_MAGIC && fs.fs_magic !== FS_UFS2_MAGIC) return "bad magic";
  const bsize = fs.fs_bsize;
  const fsize = fs.fs_fsize;
  if (!powerof2(bsize) || bsize < MINBSIZE || bsize > MAXBSIZE) return `bad block size ${bsize}`;
  if (!powerof2(fsize) || fsize < DEV_BSIZE || fsize > bsize || bsize / fsize > MAXFRAG)
    return `bad fragment size ${fsize}`;
  if (fs.fs_frag !== bsize / fsize) return `fs_frag ${fs.fs_frag} != bsize/fsize`;
  if (fs.fs_bshift !== ilog2(bsize)) return "bad fs_bshift";
  if (fs.fs_fshift !== ilog2(fsize)) return "bad fs_fshift";
  if (fs.fs_fragshift !== ilog2(fs.fs_frag)) return "bad fs_fragshift";
  if (fs.fs_bmask !== ~(bsize - 1)) return "bad fs_bmask";
  if (fs.fs_fmask !== ~(fsize - 1)) return "bad fs_fmask";
  if (fs.fs_qbmask !== bsize - 1) return "bad fs_qbmask";
  if (fs.fs_qfmask !== fsize - 1) return "bad fs_qfmask";
  if (fs.fs_fsbtodb !== ilog2(fsize / DEV_BSIZE)) return "bad fs_fsbtodb";
  if (!(fs.fs_sbsize >= SBLOCK_STRUCT_SIZE && fs.fs_sbsize <= SBLOCKSIZE))
    return `bad superblock size ${fs.fs_sbsize}`;
  if (!fs.ufs2 && fs.fs_old_inodefmt !== FS_44INODEFMT)
    return `unsupported inode format ${fs.fs_old_inodefmt} (4.2BSD)`;
  const dsz = DINODE_SIZE(fs);
  if (fs.fs_inopb !== bsize / dsz) return `fs_inopb ${fs.fs_inopb} != ${bsize / dsz}`;
  if (fs.fs_nindir !== bsize / DADDR_SIZE(fs)) return "bad fs_nindir";
  if (!(fs.fs_ncg >= 1 && fs.fs_ncg <= 0x7fffffff)) return `bad cylinder group count ${fs.fs_ncg}`;
  if (!(fs.fs_ipg >= fs.fs_inopb && fs.fs_ipg % fs.fs_inopb === 0 && fs.fs_ipg <= 0x7fffffff))
    return `bad inodes per group ${fs.fs_ipg}`;
  if (fs.fs_ncg * fs.fs_ipg >= 0x100000000) return "too many inodes";
  if (!(fs.fs_fpg >= fs.fs_frag && fs.fs_fpg % fs.fs_frag === 0))
    return `bad fragments per group ${fs.fs_fpg}`;
  if (!(fs.fs_cgsize > 0 && fs.fs_cgsize <= bsize))
    return `bad cylinder group size ${fs.fs_cgsize}`;
  if (!(fs.fs_size > 0 && Number.isSafeInteger(fs.fs_size))) return `bad size ${fs.fs_size}`;
  if (!(fs.fs_size <= fs.fs_ncg * fs.fs_fpg && fs.fs_size > (fs.fs_ncg - 1) * fs.fs_fpg))
    return `size ${fs.fs_size} disagrees with ${fs.fs_ncg} groups of ${fs.fs_fpg}`;
  if (!(fs.fs_dsize > 0 && fs.fs_dsize <= fs.fs_size)) return `bad data size ${fs.fs_dsize}`;
  // UFS1 cylinder-group offsets (staggering) are not supported: no tool made them since 4.4BSD
  if (!fs.ufs2 && fs.fs_old_cgoffset !== 0 && fs.fs_old_cgmask !== -1)
    return "unsupported cylinder group offsets (fs_old_cgoffset)";
  if (!(
    fs.fs_sblkno >= 0 &&
    fs.fs_cblkno > fs.fs_sblkno &&
    fs.fs_iblkno > fs.fs_cblkno &&
    fs.fs_dblkno > fs.fs_iblkno &&
    fs.fs_dblkno <= fs.fs_fpg
  ))
    return "bad cylinder group layout (sblkno/cblkno/iblkno/dblkno)";
  if (fs.fs_iblkno + (fs.fs_ipg / fs.fs_inopb) * fs.fs_frag > fs.fs_dblkno)
    return "inode blocks overlap data";
  if ((fs.fs_cblkno - fs.fs_sblkno) * fsize < fs.fs_sbsize) return "superblock overlaps cg";
  const cssize = fragroundup(fs, fs.fs_ncg * CSUM_SIZE);
  if (fs.fs_cssize !== cssize) return `bad summary size ${fs.fs_cssize}`;
  if (!(fs.fs_csaddr >= 0 && fs.fs_csaddr + numfrags(fs, cssize) <= fs.fs_size))
    return `bad summary address ${fs.fs_csaddr}`;
  const maxsl = UFS_MAXSYMLINKLEN(fs);
  if (!(fs.fs_maxsymlinklen >= 0 && fs.fs_maxsymlinklen <= maxsl)) return "bad fs_maxsymlinklen";
  if (!(fs.fs_contigsumsize >= 0 && fs.fs_contigsumsize <= FS_MAXCONTIG))
    return "bad fs_contigsumsize";
  if (!(fs.fs_minfree >= 0 && fs.fs_minfree <= 99)) return "bad fs_minfree";
  if (!(
    fs.fs_cstotal_ndir >= 0 &&
    fs.fs_cstotal_nbfree >= 0 &&
    fs.fs_cstotal_nifree >= 0 &&
    fs.fs_cstotal_nffree >= 0 &&
    fs.fs_cstotal_nbfree <= fs.fs_size / fs.fs_frag &&
    fs.fs_cstotal_nifree <= fs.fs_ncg * fs.fs_ipg
  ))
    return "bad summary totals";
  return null;
}

/** ffs_superblock_validate: may this superblock be used? */
export function ffs_superblock_validate(fs: Fs): boolean {
  return ffs_superblock_check(fs) === null;
}

/* ------------------------------------------------------------------------ */
/* the cylinder-group summary area (fs_csp)                                   */

/** struct csum of each cylinder group, as parallel typed arrays. */
export class Csum {
  readonly cs_ndir: Int32Array;
  readonly cs_nbfree: Int32Array;
  readonly cs_nifree: Int32Array;
  readonly cs_nffree: Int32Array;
  constructor(ncg: number) {
    this.cs_ndir = new Int32Array(ncg);
    this.cs_nbfree = new Int32Array(ncg);
    this.cs_nifree = new Int32Array(ncg);
    this.cs_nffree = new Int32Array(ncg);
  }
}

/** Parse the summary area (fs_cssize bytes read from fs_csaddr). */
export function ffs_csum_parse(fs: Fs, buf: Uint8Array): Csum {
  const cs = new Csum(fs.fs_ncg);
  const dv = ufs_dv(buf);
  const le = fs.le;
  for (let i = 0; i < fs.fs_ncg; i++) {
    const o = i * CSUM_SIZE;
    cs.cs_ndir[i] = dv.getInt32(o, le);
    cs.cs_nbfree[i] = dv.getInt32(o + 4, le);
    cs.cs_nifree[i] = dv.getInt32(o + 8, le);
    cs.cs_nffree[i] = dv.getInt32(o + 12, le);
  }
  return cs;
}

/** Serialise the summary area into `buf` (fs_cssize bytes; the tail is zeroed). */
export function ffs_csum_serialize(fs: Fs, cs: Csum, buf: Uint8Array): void {
  const dv = ufs_dv(buf);
  const le = fs.le;
  buf.fill(0);
  for (let i = 0; i < fs.fs_ncg; i++) {
    const o = i * CSUM_SIZE;
    dv.setInt32(o, cs.cs_ndir[i]!, le);
    dv.setInt32(o + 4, cs.cs_nbfree[i]!, le);
    dv.setInt32(o + 8, cs.cs_nifree[i]!, le);
    dv.setInt32(o + 12, cs.cs_nffree[i]!, le);
  }
}

/* ------------------------------------------------------------------------ */
/* geometry macros (fs.h)                                                    */

/** File-system fragment → DEV_BSIZE disk address. */
export function fsbtodb(fs: Fs, b: number): number {
  return b * (1 << fs.fs_fsbtodb);
}
export function dbtofsb(fs: Fs, b: number): number {
  return Math.floor(b / (1 << fs.fs_fsbtodb));
}
/** First fragment of cylinder group c. */
export function cgbase(fs: Fs, c: number): number {
  return fs.fs_fpg * c;
}
export function cgstart(fs: Fs, c: number): number {
  if (fs.ufs2) return cgbase(fs, c);
  return cgbase(fs, c) + fs.fs_old_cgoffset * (c & ~fs.fs_old_cgmask);
}
/** First data fragment of cg c. */
export function cgdmin(fs: Fs, c: number): number {
  return cgstart(fs, c) + fs.fs_dblkno;
}
/** First inode block of cg c. */
export function cgimin(fs: Fs, c: number): number {
  return cgstart(fs, c) + fs.fs_iblkno;
}
/** Superblock copy of cg c. */
export function cgsblock(fs: Fs, c: number): number {
  return cgstart(fs, c) + fs.fs_sblkno;
}
/** Cylinder-group block of cg c. */
export function cgtod(fs: Fs, c: number): number {
  return cgstart(fs, c) + fs.fs_cblkno;
}
export function ino_to_cg(fs: Fs, ino: number): number {
  return Math.floor(ino / fs.fs_ipg);
}
/** Fragment address of the block holding inode `ino`. */
export function ino_to_fsba(fs: Fs, ino: number): number {
  return (
    cgimin(fs, ino_to_cg(fs, ino)) + blkstofrags(fs, Math.floor((ino % fs.fs_ipg) / fs.fs_inopb))
  );
}
/** Index of inode `ino` within its block. */
export function ino_to_fsbo(fs: Fs, ino: number): number {
  return ino % fs.fs_inopb;
}
/** Cylinder group of fragment d. */
export function dtog(fs: Fs, d: number): number {
  return Math.floor(d / fs.fs_fpg);
}
/** Fragment d relative to its cylinder group. */
export function dtogd(fs: Fs, d: number): number {
  return d % fs.fs_fpg;
}
/** loc % bsize */
export function blkoff(fs: Fs, loc: number): number {
  return loc % fs.fs_bsize;
}
/** loc % fsize */
export function fragoff(fs: Fs, loc: number): number {
  return loc % fs.fs_fsize;
}
export function lfragtosize(fs: Fs, frag: number): number {
  return frag * fs.fs_fsize;
}
export function lblktosize(fs: Fs, blk: number): number {
  return blk * fs.fs_bsize;
}
/** loc / bsize */
export function lblkno(fs: Fs, loc: number): number {
  return Math.floor(loc / fs.fs_bsize);
}
/** loc / fsize */
export function numfrags(fs: Fs, loc: number): number {
  return Math.floor(loc / fs.fs_fsize);
}
export function blkroundup(fs: Fs, size: number): number {
  return Math.ceil(size / fs.fs_bsize) * fs.fs_bsize;
}
export function fragroundup(fs: Fs, size: number): number {
  return Math.ceil(size / fs.fs_fsize) * fs.fs_fsize;
}
export function fragstoblks(fs: Fs, frags: number): number {
  return Math.floor(frags / fs.fs_frag);
}
export function blkstofrags(fs: Fs, blks: number): number {
  return blks * fs.fs_frag;
}
/** fsb % frag */
export function fragnum(fs: Fs, fsb: number): number {
  return fsb % fs.fs_frag;
}
/** fsb rounded down to its block */
export function blknum(fs: Fs, fsb: number): number {
  return fsb - (fsb % fs.fs_frag);
}
export function INOPB(fs: Fs): number {
  return fs.fs_inopb;
}
export function INOPF(fs: Fs): number {
  return fs.fs_inopb / fs.fs_frag;
}
export function NINDIR(fs: Fs): number {
  return fs.fs_nindir;
}
/** Size of logical block `lbn` of a file of `size` bytes (sblksize). */
export function sblksize(fs: Fs, size: number, lbn: number): number {
  if (lbn >= UFS_NDADDR || size >= (lbn + 1) * fs.fs_bsize) return fs.fs_bsize;
  return fragroundup(fs, blkoff(fs, size));
}
/** Free fragments minus the reserve of `percentreserved` percent (freespace). */
export function freespace(fs: Fs, percentreserved: number): number {
  return (
    blkstofrags(fs, fs.fs_cstotal_nbfree) +
    fs.fs_cstotal_nffree -
    Math.floor((fs.fs_dsize * percentreserved) / 100)
  );
}
/** Number of inodes of the file system (ncg × ipg). */
export function ffs_maxino(fs: Fs): number {
  return fs.fs_ncg * fs.fs_ipg;
}
