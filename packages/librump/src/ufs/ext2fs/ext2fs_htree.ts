/**
 * Hashed directories (dir_index; ext2fs_htree.c, Linux's fs/ext4/namei.c
 * for the format): a directory whose inode has EXT2_INDEX keeps, in its
 * block 0 after "." and "..", a root of (hash, block) entries sorted by
 * the hash of the names, possibly one or two (three with large_dir)
 * levels of interior index blocks, and leaf blocks that are ordinary
 * directory blocks holding the names whose hashes fall in their range. A
 * lookup hashes the name, descends by binary search and scans one leaf
 * (and the next ones while a hash collision continues there).
 *
 * The hash functions (legacy, half-MD4 and TEA, each with signed or
 * unsigned chars as the superblock's flags say) are e2fsprogs dirhash.c's
 * and Linux's, written from their description.
 *
 * Distrust the disk: ext2fs_dx_check_* are the named checks (root info,
 * count ≤ limit = what the block holds, levels, block numbers inside the
 * directory, hashes of a node sorted); a bad index is EIO with a console
 * line, never a loop: a descent is as deep as the root says, at most 3.
 */
import { e2_rd16, e2_rd32, E2FS_FLAGS_UNSIGNED_HASH, EXT2F_INCOMPAT_LARGEDIR } from "./ext2fs.js";
import type { Ext2Fs } from "./ext2fs.js";

/** Hash versions (dx_root_info.hash_version, s_def_hash_version). */
export const DX_HASH_LEGACY = 0;
export const DX_HASH_HALF_MD4 = 1;
export const DX_HASH_TEA = 2;
export const DX_HASH_LEGACY_UNSIGNED = 3;
export const DX_HASH_HALF_MD4_UNSIGNED = 4;
export const DX_HASH_TEA_UNSIGNED = 5;

/** Offsets in the root block: ".", "..", then the root info and the count/limit. */
export const DX_ROOT_INFO = 24;
export const DX_ROOT_ENTRIES = 32;
/** In an interior block: one empty entry spanning the block, then count/limit. */
export const DX_NODE_ENTRIES = 8;
/** Bytes of a dx tail (metadata_csum). */
export const DX_TAIL_SIZE = 8;

/* ------------------------------------------------------------------ hashes */

const hashIn = new Uint32Array(8);
const hashBuf = new Uint32Array(4);

/** A name byte as a signed or unsigned char. */
function ch(name: string, i: number, unsigned: boolean): number {
  const c = name.charCodeAt(i) & 0xff;
  return unsigned || c < 128 ? c : c - 256;
}

/** The legacy "dx_hack_hash". */
function dx_hack_hash(name: string, unsigned: boolean): number {
  let hash0 = 0x12a3fe2d;
  let hash1 = 0x37abe8f9;
  for (let i = 0; i < name.length; i++) {
    let hash = (hash1 + (hash0 ^ Math.imul(ch(name, i, unsigned), 7152373))) >>> 0;
    if (hash & 0x80000000) hash = (hash - 0x7fffffff) >>> 0;
    hash1 = hash0;
    hash0 = hash;
  }
  return (hash0 << 1) >>> 0;
}

/** Pack up to num*4 bytes of name (from `at`) into num words, padded with the length. */
function str2hashbuf(name: string, at: number, len: number, num: number, unsigned: boolean): void {
  let pad = (len | (len << 8)) >>> 0;
  pad = (pad | (pad << 16)) >>> 0;
  let val = pad;
  const n = Math.min(len, num * 4);
  let k = 0;
  for (let i = 0; i < n; i++) {
    val = (ch(name, at + i, unsigned) + ((val << 8) >>> 0)) >>> 0;
    if (i % 4 === 3) {
      hashIn[k++] = val;
      val = pad;
    }
  }
  if (k < num) hashIn[k++] = val;
  while (k < num) hashIn[k++] = pad;
}

const rotl = (x: number, s: number): number => ((x << s) | (x >>> (32 - s))) >>> 0;

function halfMD4Transform(): void {
  const buf = hashBuf;
  const x = hashIn;
  let a = buf[0]!;
  let b = buf[1]!;
  let c = buf[2]!;
  let d = buf[3]!;
  const F = (p: number, q: number, r: number): number => (r ^ (p & (q ^ r))) >>> 0;
  const G = (p: number, q: number, r: number): number => ((p & q) + ((p ^ q) & r)) >>> 0;
  const H = (p: number, q: number, r: number): number => (p ^ q ^ r) >>> 0;
  const K2 = 0x5a827999;
  const K3 = 0x6ed9eba1;
  // round 1
  a = rotl((a + F(b, c, d) + x[0]!) >>> 0, 3);
  d = rotl((d + F(a, b, c) + x[1]!) >>> 0, 7);
  c = rotl((c + F(d, a, b) + x[2]!) >>> 0, 11);
  b = rotl((b + F(c, d, a) + x[3]!) >>> 0, 19);
  a = rotl((a + F(b, c, d) + x[4]!) >>> 0, 3);
  d = rotl((d + F(a, b, c) + x[5]!) >>> 0, 7);
  c = rotl((c + F(d, a, b) + x[6]!) >>> 0, 11);
  b = rotl((b + F(c, d, a) + x[7]!) >>> 0, 19);
  // round 2
  a = rotl((a + G(b, c, d) + x[1]! + K2) >>> 0, 3);
  d = rotl((d + G(a, b, c) + x[3]! + K2) >>> 0, 5);
  c = rotl((c + G(d, a, b) + x[5]! + K2) >>> 0, 9);
  b = rotl((b + G(c, d, a) + x[7]! + K2) >>> 0, 13);
  a = rotl((a + G(b, c, d) + x[0]! + K2) >>> 0, 3);
  d = rotl((d + G(a, b, c) + x[2]! + K2) >>> 0, 5);
  c = rotl((c + G(d, a, b) + x[4]! + K2) >>> 0, 9);
  b = rotl((b + G(c, d, a) + x[6]! + K2) >>> 0, 13);
  // round 3
  a = rotl((a + H(b, c, d) + x[3]! + K3) >>> 0, 3);
  d = rotl((d + H(a, b, c) + x[7]! + K3) >>> 0, 9);
  c = rotl((c + H(d, a, b) + x[2]! + K3) >>> 0, 11);
  b = rotl((b + H(c, d, a) + x[6]! + K3) >>> 0, 15);
  a = rotl((a + H(b, c, d) + x[1]! + K3) >>> 0, 3);
  d = rotl((d + H(a, b, c) + x[5]! + K3) >>> 0, 9);
  c = rotl((c + H(d, a, b) + x[0]! + K3) >>> 0, 11);
  b = rotl((b + H(c, d, a) + x[4]! + K3) >>> 0, 15);
  buf[0] = (buf[0]! + a) >>> 0;
  buf[1] = (buf[1]! + b) >>> 0;
  buf[2] = (buf[2]! + c) >>> 0;
  buf[3] = (buf[3]! + d) >>> 0;
}

function teaTransform(): void {
  const buf = hashBuf;
  const x = hashIn;
  let sum = 0;
  let b0 = buf[0]!;
  let b1 = buf[1]!;
  const a = x[0]!;
  const b = x[1]!;
  const c = x[2]!;
  const d = x[3]!;
  for (let n = 0; n < 16; n++) {
    sum = (sum + 0x9e3779b9) >>> 0;
    b0 = (b0 + ((((b1 << 4) + a) ^ (b1 + sum) ^ ((b1 >>> 5) + b)) >>> 0)) >>> 0;
    b1 = (b1 + ((((b0 << 4) + c) ^ (b0 + sum) ^ ((b0 >>> 5) + d)) >>> 0)) >>> 0;
  }
  buf[0] = (buf[0]! + b0) >>> 0;
  buf[1] = (buf[1]! + b1) >>> 0;
}

/**
 * ext2fs_dirhash: the (major) hash of `name` (a kernel byte string) under
 * hash `version` and `seed` (all zero: the default), low bit clear; -1
 * for an unknown version.
 */
export function ext2fs_dirhash(version: number, name: string, seed: Uint32Array): number {
  const buf = hashBuf;
  if (seed[0] !== 0 || seed[1] !== 0 || seed[2] !== 0 || seed[3] !== 0) buf.set(seed);
  else {
    buf[0] = 0x67452301;
    buf[1] = 0xefcdab89;
    buf[2] = 0x98badcfe;
    buf[3] = 0x10325476;
  }
  let hash: number;
  const unsigned = version >= DX_HASH_LEGACY_UNSIGNED;
  switch (version) {
    case DX_HASH_LEGACY:
    case DX_HASH_LEGACY_UNSIGNED:
      hash = dx_hack_hash(name, unsigned);
      break;
    case DX_HASH_HALF_MD4:
    case DX_HASH_HALF_MD4_UNSIGNED:
      for (let at = 0, len = name.length; len > 0; len -= 32, at += 32) {
        str2hashbuf(name, at, len, 8, unsigned);
        halfMD4Transform();
      }
      hash = buf[1]!;
      break;
    case DX_HASH_TEA:
    case DX_HASH_TEA_UNSIGNED:
      for (let at = 0, len = name.length; len > 0; len -= 16, at += 16) {
        str2hashbuf(name, at, len, 4, unsigned);
        teaTransform();
      }
      hash = buf[0]!;
      break;
    default:
      return -1;
  }
  return (hash & ~1) >>> 0;
}

/* ------------------------------------------------------------------ index */

/** The hash a directory's index was built with: its root's version, unsigned as the superblock says. */
export function ext2fs_dx_hashversion(fs: Ext2Fs, rootVersion: number): number {
  if (rootVersion <= DX_HASH_TEA && fs.e2fs_flags & E2FS_FLAGS_UNSIGNED_HASH)
    return rootVersion + 3;
  return rootVersion;
}

/** How many index levels below the root a directory may have (2, 3 with large_dir). */
export function ext2fs_dx_maxlevels(fs: Ext2Fs): number {
  return fs.e2fs_features_incompat & EXT2F_INCOMPAT_LARGEDIR ? 3 : 2;
}

/** Entries the root / an interior block holds (less the dx tail with metadata_csum). */
export function ext2fs_dx_root_limit(fs: Ext2Fs): number {
  return (fs.e2fs_bsize - DX_ROOT_ENTRIES - (fs.e2fs_metacsum ? DX_TAIL_SIZE : 0)) >>> 3;
}
export function ext2fs_dx_node_limit(fs: Ext2Fs): number {
  return (fs.e2fs_bsize - DX_NODE_ENTRIES - (fs.e2fs_metacsum ? DX_TAIL_SIZE : 0)) >>> 3;
}

/**
 * Check the root block `b` of an indexed directory: null and the root's
 * hash version and depth (indirect levels) in `out`, or why not.
 */
export function ext2fs_dx_check_root(
  fs: Ext2Fs,
  b: Uint8Array,
  out: { version: number; levels: number },
): string | null {
  const bsize = fs.e2fs_bsize;
  if (e2_rd16(b, 4) !== 12 || e2_rd16(b, 16) !== bsize - 12)
    return "index root: '.' and '..' do not frame the root";
  if (e2_rd32(b, DX_ROOT_INFO) !== 0) return "index root: reserved word is not zero";
  const version = b[DX_ROOT_INFO + 4]!;
  if (version > DX_HASH_TEA) return `index root: unknown hash version ${version}`;
  if (b[DX_ROOT_INFO + 5] !== 8) return `index root: info length ${b[DX_ROOT_INFO + 5]}`;
  const levels = b[DX_ROOT_INFO + 6]!;
  if (levels >= ext2fs_dx_maxlevels(fs)) return `index root: ${levels + 1} levels`;
  if (b[DX_ROOT_INFO + 7]! & 1) return "index root: unknown flags";
  out.version = version;
  out.levels = levels;
  return null;
}

/**
 * Check the entries of an index block at `coff` (count/limit there):
 * the limit is what the block holds, 1 ≤ count ≤ limit, hashes after the
 * first ascending, blocks inside the directory (`nblk` blocks). null or
 * why not.
 */
export function ext2fs_dx_check_entries(
  b: Uint8Array,
  coff: number,
  limit: number,
  nblk: number,
): string | null {
  const lim = e2_rd16(b, coff);
  const count = e2_rd16(b, coff + 2);
  if (lim !== limit) return `index limit ${lim}, the block holds ${limit}`;
  if (count === 0 || count > lim) return `index count ${count} of ${lim}`;
  let prev = 0;
  for (let i = 0; i < count; i++) {
    const e = coff + i * 8;
    const blk = e2_rd32(b, e + 4) & 0x0fffffff;
    if (blk === 0 || blk >= nblk) return `index entry ${i} names block ${blk}`;
    if (i > 0) {
      const h = e2_rd32(b, e);
      if (h < prev) return `index entry ${i}: hashes out of order`;
      prev = h;
    }
  }
  return null;
}

/**
 * The entry of an index block whose range holds `hash`: the last whose
 * hash is ≤ it (entry 0 holds everything below entry 1's).
 */
export function ext2fs_dx_search(b: Uint8Array, coff: number, hash: number): number {
  const count = e2_rd16(b, coff + 2);
  let lo = 1;
  let hi = count - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (e2_rd32(b, coff + mid * 8) > hash) hi = mid - 1;
    else lo = mid + 1;
  }
  return lo - 1;
}

/** Block (masked as Linux masks it) and hash of index entry `i`. */
export function ext2fs_dx_block(b: Uint8Array, coff: number, i: number): number {
  return e2_rd32(b, coff + i * 8 + 4) & 0x0fffffff;
}
export function ext2fs_dx_hash(b: Uint8Array, coff: number, i: number): number {
  return i === 0 ? 0 : e2_rd32(b, coff + i * 8);
}
