/**
 * ext4's metadata checksums (Documentation/filesystems/ext4, e2fsprogs
 * csum.c): with metadata_csum a crc32c on the superblock, the group
 * descriptors, both bitmaps, every inode, extent blocks, directory leaf
 * blocks (in a 12-byte tail entry), htree index blocks (in a dx tail) and
 * extended-attribute blocks; with the older gdt_csum a crc16 on the group
 * descriptors only. All are the raw CRC register (libkern/crc.ts) chained
 * over pieces: a per-file-system seed (crc32c of the UUID, or
 * s_checksum_seed with metadata_csum_seed), then for per-inode structures
 * the inode number and generation, then the bytes with the checksum field
 * taken as zero.
 *
 * Verification happens where a structure comes from the disk; setting
 * happens where it is written: inodes, descriptors and the superblock when
 * they are serialized, extent and directory blocks at buffer write time
 * (Buf.b_wrhook, E2ExtentCsum / E2DirCsum below), so a block changed many
 * times between two writes is summed once.
 */
import { crc16_update, crc32c_update } from "../../libkern/crc.js";
import type { Buf, BufWriteHook } from "../../sys/buf.js";
import {
  E2FS_GD_CSUM_OFF,
  E2FS_GD_SIZE_64,
  E2FS_SB_CSUM_OFF,
  e2_rd16,
  e2_rd32,
  e2_wr16,
  e2_wr32,
  EXT2F_INCOMPAT_CSUM_SEED,
  type Ext2Fs,
} from "./ext2fs.js";
import type { E2Inode } from "./ext2fs_extern.js";

/** Four little-endian bytes of scratch (single CPU: never used re-entrantly). */
const le4 = new Uint8Array(4);
const zero4 = new Uint8Array(4);
const le8 = new Uint8Array(8);

function crc_u32(crc: number, v: number): number {
  e2_wr32(le4, 0, v);
  return crc32c_update(crc, le4, 0, 4);
}

/**
 * The file system's checksum seed: s_checksum_seed with
 * metadata_csum_seed, else crc32c(~0, s_uuid). 0 without metadata_csum.
 */
export function ext2fs_csum_seed(fs: Ext2Fs): number {
  if (!fs.e2fs_metacsum) return 0;
  if (fs.e2fs_features_incompat & EXT2F_INCOMPAT_CSUM_SEED) return fs.e2fs_csum_seed_sb >>> 0;
  return crc32c_update(0xffffffff, fs.e2fs_uuid, 0, 16);
}

/* ------------------------------------------------------------------ superblock */

/** s_checksum of the superblock at `off` of `b`. */
export function ext2fs_sb_csum(b: Uint8Array, off: number): number {
  return crc32c_update(0xffffffff, b, off, off + E2FS_SB_CSUM_OFF);
}

/** Set s_checksum of the superblock at `off` of `b` (metadata_csum only). */
export function ext2fs_sb_csum_set(fs: Ext2Fs, b: Uint8Array, off: number): void {
  if (fs.e2fs_metacsum) e2_wr32(b, off + E2FS_SB_CSUM_OFF, ext2fs_sb_csum(b, off));
}

/** Does the superblock at `off` of `b` carry a good s_checksum (or need none)? */
export function ext2fs_sb_csum_verify(fs: Ext2Fs, b: Uint8Array, off: number): boolean {
  if (!fs.e2fs_metacsum) return true;
  return e2_rd32(b, off + E2FS_SB_CSUM_OFF) === ext2fs_sb_csum(b, off);
}

/* ------------------------------------------------------------- descriptors */

/**
 * bg_checksum of descriptor `g`, whose `fs.e2fs_gdsize` bytes are at `off`
 * of `b`: crc32c (low 16 bits) with metadata_csum, else crc16 of the UUID,
 * the group number and the descriptor without its checksum field.
 */
export function ext2fs_gd_csum(fs: Ext2Fs, b: Uint8Array, off: number, g: number): number {
  const size = fs.e2fs_gdsize;
  const cs = off + E2FS_GD_CSUM_OFF;
  if (fs.e2fs_metacsum) {
    let c = crc_u32(fs.e2fs_csum_seed, g);
    c = crc32c_update(c, b, off, cs);
    c = crc32c_update(c, zero4, 0, 2);
    c = crc32c_update(c, b, cs + 2, off + size);
    return c & 0xffff;
  }
  let c = crc16_update(0xffff, fs.e2fs_uuid, 0, 16);
  e2_wr32(le4, 0, g);
  c = crc16_update(c, le4, 0, 4);
  c = crc16_update(c, b, off, cs);
  if (size > E2FS_GD_CSUM_OFF + 2) c = crc16_update(c, b, cs + 2, off + size);
  return c;
}

/** Set bg_checksum of the descriptor at `off` (a no-op without gdt_csum/metadata_csum). */
export function ext2fs_gd_csum_set(fs: Ext2Fs, b: Uint8Array, off: number, g: number): void {
  if (fs.e2fs_gdcsum) e2_wr16(b, off + E2FS_GD_CSUM_OFF, ext2fs_gd_csum(fs, b, off, g));
}

export function ext2fs_gd_csum_verify(fs: Ext2Fs, b: Uint8Array, off: number, g: number): boolean {
  if (!fs.e2fs_gdcsum) return true;
  return e2_rd16(b, off + E2FS_GD_CSUM_OFF) === ext2fs_gd_csum(fs, b, off, g);
}

/* ----------------------------------------------------------------- bitmaps */

/** crc32c of a bitmap's first `nbytes` bytes (the group's inodes or blocks / 8). */
export function ext2fs_bitmap_csum(fs: Ext2Fs, b: Uint8Array, nbytes: number): number {
  return crc32c_update(fs.e2fs_csum_seed, b, 0, nbytes);
}

/**
 * Does bitmap `b` match the checksum `stored` of its descriptor? Only the
 * low 16 bits are stored in 32-byte descriptors.
 */
export function ext2fs_bitmap_csum_verify(
  fs: Ext2Fs,
  b: Uint8Array,
  nbytes: number,
  stored: number,
): boolean {
  if (!fs.e2fs_metacsum) return true;
  const c = ext2fs_bitmap_csum(fs, b, nbytes);
  return fs.e2fs_gdsize >= E2FS_GD_SIZE_64 ? c === stored : (c & 0xffff) === (stored & 0xffff);
}

/* ------------------------------------------------------------------ inodes */

/** The seed of inode `ino`'s own structures: crc32c of the fs seed, its number, its generation. */
export function ext2fs_inode_seed(fs: Ext2Fs, ino: number, gen: number): number {
  return crc_u32(crc_u32(fs.e2fs_csum_seed, ino), gen);
}

/** i_checksum_hi exists: the inode is large and i_extra_isize covers the field. */
function inode_has_hi(fs: Ext2Fs, b: Uint8Array, off: number): boolean {
  return fs.e2fs_isize > 128 && e2_rd16(b, off + 128) >= 4;
}

/** The checksum of the inode at `off` of `b` (its checksum fields taken as zero). */
export function ext2fs_inode_csum(fs: Ext2Fs, b: Uint8Array, off: number, ino: number): number {
  let c = ext2fs_inode_seed(fs, ino, e2_rd32(b, off + 100));
  c = crc32c_update(c, b, off, off + 124);
  c = crc32c_update(c, zero4, 0, 2);
  c = crc32c_update(c, b, off + 126, off + 128);
  const isize = fs.e2fs_isize;
  if (isize > 128) {
    c = crc32c_update(c, b, off + 128, off + 130);
    if (inode_has_hi(fs, b, off)) {
      c = crc32c_update(c, zero4, 0, 2);
      c = crc32c_update(c, b, off + 132, off + isize);
    } else {
      c = crc32c_update(c, b, off + 130, off + isize);
    }
  }
  return c;
}

/** Set the checksum of inode `ino` at `off` of `b` (metadata_csum only). */
export function ext2fs_inode_csum_set(fs: Ext2Fs, b: Uint8Array, off: number, ino: number): void {
  if (!fs.e2fs_metacsum) return;
  const c = ext2fs_inode_csum(fs, b, off, ino);
  e2_wr16(b, off + 124, c & 0xffff);
  if (inode_has_hi(fs, b, off)) e2_wr16(b, off + 130, c >>> 16);
}

/** Is the checksum of inode `ino` at `off` of `b` good (an all-zero inode is)? */
export function ext2fs_inode_csum_verify(
  fs: Ext2Fs,
  b: Uint8Array,
  off: number,
  ino: number,
): boolean {
  if (!fs.e2fs_metacsum) return true;
  const c = ext2fs_inode_csum(fs, b, off, ino);
  let stored = e2_rd16(b, off + 124);
  let want = c & 0xffff;
  if (inode_has_hi(fs, b, off)) {
    stored += e2_rd16(b, off + 130) * 65536;
    want = c;
  }
  if (stored === want) return true;
  for (let i = 0; i < 128; i++) if (b[off + i] !== 0) return false;
  return true;
}

/* ------------------------------------------------------------ extent blocks */

/** Byte offset of an extent block's tail: after eh_max entries. */
export function ext4_extent_tail_off(b: Uint8Array): number {
  return 12 + 12 * e2_rd16(b, 4);
}

/** The checksum of the extent block `b` under inode seed `seed`. */
function ext4_extent_csum(seed: number, b: Uint8Array): number {
  return crc32c_update(seed, b, 0, ext4_extent_tail_off(b));
}

export function ext4_extent_csum_verify(seed: number, b: Uint8Array): boolean {
  const t = ext4_extent_tail_off(b);
  if (t + 4 > b.length) return false;
  return e2_rd32(b, t) === ext4_extent_csum(seed, b);
}

export function ext4_extent_csum_set(seed: number, b: Uint8Array): void {
  const t = ext4_extent_tail_off(b);
  if (t + 4 <= b.length) e2_wr32(b, t, ext4_extent_csum(seed, b));
}

/* ------------------------------------------------------- directory blocks */

/** Bytes of the checksum tail that ends a directory leaf block with metadata_csum. */
export const EXT2_DIR_TAIL_SIZE = 12;
/** The tail's "file type": what marks it as a tail, not an entry. */
export const EXT2_DIR_TAIL_FT = 0xde;

/** Does leaf block `b` (`bsize` bytes) end in a checksum tail? */
export function ext2fs_dirtail_ok(b: Uint8Array, bsize: number): boolean {
  const t = bsize - EXT2_DIR_TAIL_SIZE;
  return (
    e2_rd32(b, t) === 0 &&
    e2_rd16(b, t + 4) === EXT2_DIR_TAIL_SIZE &&
    b[t + 6] === 0 &&
    b[t + 7] === EXT2_DIR_TAIL_FT
  );
}

/** Write an empty checksum tail at the end of leaf block `b`. */
export function ext2fs_dirtail_init(b: Uint8Array, bsize: number): void {
  const t = bsize - EXT2_DIR_TAIL_SIZE;
  b.fill(0, t, bsize);
  e2_wr16(b, t + 4, EXT2_DIR_TAIL_SIZE);
  b[t + 7] = EXT2_DIR_TAIL_FT;
}

export function ext2fs_dirleaf_csum(seed: number, b: Uint8Array, bsize: number): number {
  return crc32c_update(seed, b, 0, bsize - EXT2_DIR_TAIL_SIZE);
}

export function ext2fs_dirleaf_csum_verify(seed: number, b: Uint8Array, bsize: number): boolean {
  return e2_rd32(b, bsize - 4) === ext2fs_dirleaf_csum(seed, b, bsize);
}

/**
 * Where an htree block's count/limit pair sits: 8 in an interior node
 * (one empty entry spanning the block), 32 in the root (after ".", ".."
 * and the root info); -1 when `b` is neither.
 */
export function ext2fs_dx_countoff(b: Uint8Array, bsize: number): number {
  const rl0 = e2_rd16(b, 4);
  if ((rl0 === bsize || (bsize === 65536 && rl0 === 0)) && e2_rd16(b, 6) === 0) return 8;
  if (rl0 === 12 && e2_rd16(b, 16) === bsize - 12 && e2_rd32(b, 24) === 0 && b[29] === 8) return 32;
  return -1;
}

/**
 * The dx tail checksum of htree block `b` (count/limit at `coff`): the
 * used entries, then the tail's reserved word, then its checksum as zero.
 * -1 when the limit leaves no room for the tail.
 */
export function ext2fs_dx_csum(seed: number, b: Uint8Array, bsize: number, coff: number): number {
  const limit = e2_rd16(b, coff);
  const count = e2_rd16(b, coff + 2);
  const tail = coff + limit * 8;
  if (count > limit || tail + 8 > bsize) return -1;
  let c = crc32c_update(seed, b, 0, coff + count * 8);
  c = crc32c_update(c, b, tail, tail + 4);
  return crc32c_update(c, zero4, 0, 4);
}

export function ext2fs_dx_csum_verify(
  seed: number,
  b: Uint8Array,
  bsize: number,
  coff: number,
): boolean {
  const c = ext2fs_dx_csum(seed, b, bsize, coff);
  return c >= 0 && e2_rd32(b, coff + e2_rd16(b, coff) * 8 + 4) === c;
}

/* -------------------------------------------------- extended-attribute blocks */

/** Offset of h_checksum in an EA block header. */
const EA_CSUM_OFF = 16;

/** The checksum of EA block `b` living at block `blk`. */
export function ext2fs_ea_csum(fs: Ext2Fs, b: Uint8Array, bsize: number, blk: number): number {
  e2_wr32(le8, 0, blk % 4294967296);
  e2_wr32(le8, 4, Math.floor(blk / 4294967296));
  let c = crc32c_update(fs.e2fs_csum_seed, le8, 0, 8);
  c = crc32c_update(c, b, 0, EA_CSUM_OFF);
  c = crc32c_update(c, zero4, 0, 4);
  return crc32c_update(c, b, EA_CSUM_OFF + 4, bsize);
}

export function ext2fs_ea_csum_set(fs: Ext2Fs, b: Uint8Array, bsize: number, blk: number): void {
  if (fs.e2fs_metacsum) e2_wr32(b, EA_CSUM_OFF, ext2fs_ea_csum(fs, b, bsize, blk));
}

/* ----------------------------------------------- checksums at write time */

/** b_wrhook of an inode's extent blocks: the tail checksum, once per write. */
export class E2ExtentCsum implements BufWriteHook {
  constructor(readonly ip: E2Inode) {}
  bw_prewrite(bp: Buf): void {
    const ip = this.ip;
    const fs = ip.i_ump.um_e2fs;
    ext4_extent_csum_set(ext2fs_inode_seed(fs, ip.i_number, ip.i_din.e2di_gen), bp.b_data);
  }
}

/**
 * b_wrhook of a directory's blocks: a leaf's tail checksum, or an htree
 * node's dx tail (the block's shape says which, as e2fsprogs decides).
 */
export class E2DirCsum implements BufWriteHook {
  constructor(readonly ip: E2Inode) {}
  bw_prewrite(bp: Buf): void {
    const ip = this.ip;
    const fs = ip.i_ump.um_e2fs;
    const bsize = fs.e2fs_bsize;
    const b = bp.b_data;
    const seed = ext2fs_inode_seed(fs, ip.i_number, ip.i_din.e2di_gen);
    if (ext2fs_dirtail_ok(b, bsize)) {
      e2_wr32(b, bsize - 4, ext2fs_dirleaf_csum(seed, b, bsize));
      return;
    }
    const coff = ext2fs_dx_countoff(b, bsize);
    if (coff < 0) return;
    const c = ext2fs_dx_csum(seed, b, bsize, coff);
    if (c >= 0) e2_wr32(b, coff + e2_rd16(b, coff) * 8 + 4, c);
  }
}
