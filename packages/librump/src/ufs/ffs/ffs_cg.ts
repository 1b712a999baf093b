/**
 * The cylinder-group block (struct cg in ufs/ffs/fs.h): header layout,
 * its validation, and the bitmap helpers the allocator and the checker use
 * (inode-used map, free-fragment map, cluster map).
 *
 * Pure functions over Uint8Array/DataView: no kernel or host dependencies.
 * Bitmaps are addressed inside the cg buffer by the offsets the header
 * gives (cg_iusedoff, cg_freeoff…), which cg_check has verified.
 */
import { ufs_dv, ufs_rd64, ufs_wr64 } from "../ufs/ufs_bswap.js";
import { type Fs, MAXFRAG } from "./fs.js";

export const CG_MAGIC = 0x090255;
/** Offset of cg_space: where the maps of a new-format cg start. */
export const CG_SPACE_OFF = 168;

/** struct cg header, parsed. */
export class Cg {
  cg_firstfield = 0;
  cg_magic = 0;
  cg_old_time = 0;
  cg_cgx = 0;
  cg_old_ncyl = 0;
  cg_old_niblk = 0;
  cg_ndblk = 0;
  cs_ndir = 0;
  cs_nbfree = 0;
  cs_nifree = 0;
  cs_nffree = 0;
  cg_rotor = 0;
  cg_frotor = 0;
  cg_irotor = 0;
  /** cg_frsum[MAXFRAG]: counts of free runs of each length */
  readonly cg_frsum = new Int32Array(MAXFRAG);
  cg_old_btotoff = 0;
  cg_old_boff = 0;
  cg_iusedoff = 0;
  cg_freeoff = 0;
  cg_nextfreeoff = 0;
  cg_clustersumoff = 0;
  cg_clusteroff = 0;
  cg_nclusterblks = 0;
  cg_niblk = 0;
  cg_initediblk = 0;
  cg_time = 0;
}

/** Parse the header of a cg block (`buf` holds at least CG_SPACE_OFF bytes). */
export function cg_parse(buf: Uint8Array, le: boolean, cg: Cg = new Cg()): Cg {
  const dv = ufs_dv(buf);
  cg.cg_firstfield = dv.getInt32(0, le);
  cg.cg_magic = dv.getInt32(4, le);
  cg.cg_old_time = dv.getInt32(8, le);
  cg.cg_cgx = dv.getUint32(12, le);
  cg.cg_old_ncyl = dv.getInt16(16, le);
  cg.cg_old_niblk = dv.getInt16(18, le);
  cg.cg_ndblk = dv.getInt32(20, le);
  cg.cs_ndir = dv.getInt32(24, le);
  cg.cs_nbfree = dv.getInt32(28, le);
  cg.cs_nifree = dv.getInt32(32, le);
  cg.cs_nffree = dv.getInt32(36, le);
  cg.cg_rotor = dv.getInt32(40, le);
  cg.cg_frotor = dv.getInt32(44, le);
  cg.cg_irotor = dv.getInt32(48, le);
  for (let i = 0; i < MAXFRAG; i++) cg.cg_frsum[i] = dv.getInt32(52 + 4 * i, le);
  cg.cg_old_btotoff = dv.getInt32(84, le);
  cg.cg_old_boff = dv.getInt32(88, le);
  cg.cg_iusedoff = dv.getInt32(92, le);
  cg.cg_freeoff = dv.getInt32(96, le);
  cg.cg_nextfreeoff = dv.getInt32(100, le);
  cg.cg_clustersumoff = dv.getInt32(104, le);
  cg.cg_clusteroff = dv.getInt32(108, le);
  cg.cg_nclusterblks = dv.getInt32(112, le);
  cg.cg_niblk = dv.getInt32(116, le);
  cg.cg_initediblk = dv.getInt32(120, le);
  cg.cg_time = ufs_rd64(dv, 136, le);
  return cg;
}

/** Write the header fields of `cg` into a cg block (maps are edited in place). */
export function cg_serialize(cg: Cg, buf: Uint8Array, le: boolean): void {
  const dv = ufs_dv(buf);
  dv.setInt32(0, cg.cg_firstfield, le);
  dv.setInt32(4, cg.cg_magic, le);
  dv.setInt32(8, cg.cg_old_time, le);
  dv.setUint32(12, cg.cg_cgx >>> 0, le);
  dv.setInt16(16, cg.cg_old_ncyl, le);
  dv.setInt16(18, cg.cg_old_niblk, le);
  dv.setInt32(20, cg.cg_ndblk, le);
  dv.setInt32(24, cg.cs_ndir, le);
  dv.setInt32(28, cg.cs_nbfree, le);
  dv.setInt32(32, cg.cs_nifree, le);
  dv.setInt32(36, cg.cs_nffree, le);
  dv.setInt32(40, cg.cg_rotor, le);
  dv.setInt32(44, cg.cg_frotor, le);
  dv.setInt32(48, cg.cg_irotor, le);
  for (let i = 0; i < MAXFRAG; i++) dv.setInt32(52 + 4 * i, cg.cg_frsum[i]!, le);
  dv.setInt32(84, cg.cg_old_btotoff, le);
  dv.setInt32(88, cg.cg_old_boff, le);
  dv.setInt32(92, cg.cg_iusedoff, le);
  dv.setInt32(96, cg.cg_freeoff, le);
  dv.setInt32(100, cg.cg_nextfreeoff, le);
  dv.setInt32(104, cg.cg_clustersumoff, le);
  dv.setInt32(108, cg.cg_clusteroff, le);
  dv.setInt32(112, cg.cg_nclusterblks, le);
  dv.setInt32(116, cg.cg_niblk, le);
  dv.setInt32(120, cg.cg_initediblk, le);
  ufs_wr64(dv, 136, cg.cg_time, le);
}

/** Fragments in cylinder group `cgx` (the last one may be short). */
export function cg_nfrags(fs: Fs, cgx: number): number {
  const rest = fs.fs_size - cgx * fs.fs_fpg;
  return rest < fs.fs_fpg ? rest : fs.fs_fpg;
}

/**
 * Validate a parsed cg header for group `cgx` (of a validated superblock):
 * null when usable, else what is wrong. Checks the magic, the group number,
 * that every map lies inside fs_cgsize, and that the counts fit the group.
 */
export function cg_check(fs: Fs, cg: Cg, cgx: number): string | null {
  if (cg.cg_magic !== CG_MAGIC) return `cg ${cgx}: bad magic`;
  if (cg.cg_cgx !== cgx) return `cg ${cgx}: claims to be cg ${cg.cg_cgx}`;
  const nfrags = cg_nfrags(fs, cgx);
  if (!(cg.cg_ndblk > 0 && cg.cg_ndblk <= nfrags)) return `cg ${cgx}: bad cg_ndblk ${cg.cg_ndblk}`;
  const size = fs.fs_cgsize;
  const imap = Math.ceil(fs.fs_ipg / 8);
  const fmap = Math.ceil(fs.fs_fpg / 8);
  if (!(cg.cg_iusedoff >= CG_SPACE_OFF && cg.cg_iusedoff + imap <= size))
    return `cg ${cgx}: bad inode map offset ${cg.cg_iusedoff}`;
  if (!(cg.cg_freeoff >= CG_SPACE_OFF && cg.cg_freeoff + fmap <= size))
    return `cg ${cgx}: bad free map offset ${cg.cg_freeoff}`;
  if (fs.fs_contigsumsize > 0) {
    if (!(
      cg.cg_clustersumoff >= CG_SPACE_OFF &&
      cg.cg_clustersumoff + 4 * (fs.fs_contigsumsize + 1) <= size &&
      cg.cg_clusteroff >= CG_SPACE_OFF &&
      cg.cg_clusteroff + Math.ceil(fs.fs_fpg / fs.fs_frag / 8) <= size
    ))
      return `cg ${cgx}: bad cluster map offsets`;
  }
  if (!(cg.cs_nifree >= 0 && cg.cs_nifree <= fs.fs_ipg)) return `cg ${cgx}: bad free inode count`;
  if (!(cg.cs_nbfree >= 0 && cg.cs_nbfree * fs.fs_frag <= nfrags))
    return `cg ${cgx}: bad free block count`;
  if (!(cg.cs_nffree >= 0 && cg.cs_nffree <= nfrags)) return `cg ${cgx}: bad free fragment count`;
  if (!(cg.cs_ndir >= 0 && cg.cs_ndir <= fs.fs_ipg)) return `cg ${cgx}: bad directory count`;
  for (let i = 0; i < MAXFRAG; i++) if (cg.cg_frsum[i]! < 0) return `cg ${cgx}: bad cg_frsum`;
  if (fs.ufs2 && !(cg.cg_initediblk >= 0 && cg.cg_initediblk <= fs.fs_ipg))
    return `cg ${cgx}: bad cg_initediblk`;
  return null;
}

/** Clamp the allocation rotors into the group (they are hints; a bad one is not corruption). */
export function cg_fix_rotors(fs: Fs, cg: Cg, cgx: number): void {
  const nfrags = cg_nfrags(fs, cgx);
  if (!(cg.cg_rotor >= 0 && cg.cg_rotor < nfrags)) cg.cg_rotor = 0;
  if (!(cg.cg_frotor >= 0 && cg.cg_frotor < nfrags)) cg.cg_frotor = 0;
  if (!(cg.cg_irotor >= 0 && cg.cg_irotor < fs.fs_ipg)) cg.cg_irotor = 0;
}

/* ------------------------------------------------------------------------ */
/* bitmaps (sys/param.h setbit/clrbit/isset, ffs_subr.c ffs_isblock…)       */

/** Is bit `i` of the map at `base` set? */
export function isset(map: Uint8Array, base: number, i: number): boolean {
  return (map[base + (i >>> 3)]! & (1 << (i & 7))) !== 0;
}
export function setbit(map: Uint8Array, base: number, i: number): void {
  map[base + (i >>> 3)] = map[base + (i >>> 3)]! | (1 << (i & 7));
}
export function clrbit(map: Uint8Array, base: number, i: number): void {
  map[base + (i >>> 3)] = map[base + (i >>> 3)]! & ~(1 << (i & 7));
}

/**
 * Is block `h` (in units of fs_frag fragments) entirely free in the
 * free-fragment map at `base`? (ffs_isblock)
 */
export function ffs_isblock(fs: Fs, map: Uint8Array, base: number, h: number): boolean {
  switch (fs.fs_frag) {
    case 8:
      return map[base + h] === 0xff;
    case 4: {
      const mask = 0x0f << ((h & 1) << 2);
      return (map[base + (h >>> 1)]! & mask) === mask;
    }
    case 2: {
      const mask = 0x03 << ((h & 3) << 1);
      return (map[base + (h >>> 2)]! & mask) === mask;
    }
    default: {
      const mask = 0x01 << (h & 7);
      return (map[base + (h >>> 3)]! & mask) === mask;
    }
  }
}

/** Is block `h` entirely allocated? (ffs_isfreeblock: no fragment free) */
export function ffs_isfreeblock(fs: Fs, map: Uint8Array, base: number, h: number): boolean {
  switch (fs.fs_frag) {
    case 8:
      return map[base + h] === 0;
    case 4:
      return (map[base + (h >>> 1)]! & (0x0f << ((h & 1) << 2))) === 0;
    case 2:
      return (map[base + (h >>> 2)]! & (0x03 << ((h & 3) << 1))) === 0;
    default:
      return (map[base + (h >>> 3)]! & (0x01 << (h & 7))) === 0;
  }
}

/** Mark block `h` allocated (ffs_clrblock). */
export function ffs_clrblock(fs: Fs, map: Uint8Array, base: number, h: number): void {
  switch (fs.fs_frag) {
    case 8:
      map[base + h] = 0;
      return;
    case 4:
      map[base + (h >>> 1)] = map[base + (h >>> 1)]! & ~(0x0f << ((h & 1) << 2));
      return;
    case 2:
      map[base + (h >>> 2)] = map[base + (h >>> 2)]! & ~(0x03 << ((h & 3) << 1));
      return;
    default:
      map[base + (h >>> 3)] = map[base + (h >>> 3)]! & ~(0x01 << (h & 7));
  }
}

/** Mark block `h` free (ffs_setblock). */
export function ffs_setblock(fs: Fs, map: Uint8Array, base: number, h: number): void {
  switch (fs.fs_frag) {
    case 8:
      map[base + h] = 0xff;
      return;
    case 4:
      map[base + (h >>> 1)] = map[base + (h >>> 1)]! | (0x0f << ((h & 1) << 2));
      return;
    case 2:
      map[base + (h >>> 2)] = map[base + (h >>> 2)]! | (0x03 << ((h & 3) << 1));
      return;
    default:
      map[base + (h >>> 3)] = map[base + (h >>> 3)]! | (0x01 << (h & 7));
  }
}

/**
 * The free-fragment runs of one block: adds `cnt` to cg_frsum[len] for each
 * maximal run of free fragments shorter than a block inside the `frag`
 * bits `fragmap` (ffs_fragacct).
 */
export function ffs_fragacct(fs: Fs, fragmap: number, frsum: Int32Array, cnt: number): void {
  const frag = fs.fs_frag;
  let run = 0;
  for (let i = 0; i < frag; i++) {
    if (fragmap & (1 << i)) {
      run++;
    } else if (run > 0) {
      if (run < frag) frsum[run] = frsum[run]! + cnt;
      run = 0;
    }
  }
  if (run > 0 && run < frag) frsum[run] = frsum[run]! + cnt;
}

/** The `frag` free bits of block `h` (blkmap). */
export function blkmap(fs: Fs, map: Uint8Array, base: number, h: number): number {
  const frag = fs.fs_frag;
  const loc = h * frag;
  // a block's bits never straddle a byte (frag divides 8)
  return (map[base + (loc >>> 3)]! >>> (loc & 7)) & (0xff >>> (8 - frag));
}
