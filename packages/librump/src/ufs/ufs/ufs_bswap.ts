/**
 * Byte order of UFS on-disk structures (ufs_bswap.h, ffs_bswap.c): every
 * multi-byte field of a superblock, cylinder group, inode, directory entry
 * or indirect block is read and written through these helpers, with `le`
 * saying whether the file system is little-endian. A NetBSD kernel built
 * with FFS_EI swaps when the image's order is not the host's; we simply
 * always read in the image's order.
 *
 * 64-bit fields become JS numbers: exact up to 2^53 (DESIGN.md answer 6).
 * A value beyond that reads as NaN, which every range check downstream
 * rejects (comparisons with NaN are false), so a corrupt high word can
 * never turn into a wrong but plausible number.
 *
 * Pure functions over DataView: no kernel or host dependencies, so that
 * tools (newfs, fsck) import them too.
 */

const TWO32 = 4294967296;
/** Largest high word whose value stays an exact JS number (2^53 / 2^32). */
const HI_SAFE = 0x200000;

/**
 * The last arrays ufs_dv was asked for and their views: loops parse one
 * block many times, and a bmap walk alternates between a few indirect
 * blocks (a fresh view per call was the largest cost of directory scans).
 */
const dvArrays: (Uint8Array | null)[] = [null, null, null, null];
const dvViews: (DataView | null)[] = [null, null, null, null];
let dvNext = 0;

/** A DataView over exactly the bytes of `b` (the same view again for a recent array). */
export function ufs_dv(b: Uint8Array): DataView {
  if (b === dvArrays[0]) return dvViews[0]!;
  if (b === dvArrays[1]) return dvViews[1]!;
  if (b === dvArrays[2]) return dvViews[2]!;
  if (b === dvArrays[3]) return dvViews[3]!;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  dvArrays[dvNext] = b;
  dvViews[dvNext] = dv;
  dvNext = (dvNext + 1) & 3;
  return dv;
}

/** Signed 64-bit field → number (NaN when beyond ±2^53). */
export function ufs_rd64(dv: DataView, off: number, le: boolean): number {
  const lo = dv.getUint32(le ? off : off + 4, le);
  const hi = dv.getInt32(le ? off + 4 : off, le);
  if (hi >= HI_SAFE || hi < -HI_SAFE) return NaN;
  return hi * TWO32 + lo;
}

/** Unsigned 64-bit field → number (NaN when ≥ 2^53). */
export function ufs_rdu64(dv: DataView, off: number, le: boolean): number {
  const lo = dv.getUint32(le ? off : off + 4, le);
  const hi = dv.getUint32(le ? off + 4 : off, le);
  if (hi >= HI_SAFE) return NaN;
  return hi * TWO32 + lo;
}

/** number → signed 64-bit field (two's complement for negative values). */
export function ufs_wr64(dv: DataView, off: number, v: number, le: boolean): void {
  const hi = Math.floor(v / TWO32);
  const lo = v - hi * TWO32;
  dv.setUint32(le ? off : off + 4, lo >>> 0, le);
  dv.setInt32(le ? off + 4 : off, hi | 0, le);
}

/** Unsigned 64-bit read as two halves, for fields kept verbatim (e.g. UFS2 qbmask = ~bmask). */
export function ufs_rd64_hilo(dv: DataView, off: number, le: boolean, out: Uint32Array): void {
  out[0] = dv.getUint32(le ? off : off + 4, le);
  out[1] = dv.getUint32(le ? off + 4 : off, le);
}

/** Is `x` a positive power of two (and an exact integer)? */
export function powerof2(x: number): boolean {
  return Number.isInteger(x) && x > 0 && x <= 0x40000000 && (x & (x - 1)) === 0;
}

/** log2 of a power of two (31 - clz). */
export function ilog2(x: number): number {
  return 31 - Math.clz32(x);
}

/** Read `n` bytes at `off` as a kernel byte string (one char per byte). */
export function ufs_bytes_to_str(b: Uint8Array, off: number, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += String.fromCharCode(b[off + i]!);
  return s;
}

/** Write kernel byte string `s` at `off` (low byte of each char). */
export function ufs_str_to_bytes(s: string, b: Uint8Array, off: number): void {
  for (let i = 0; i < s.length; i++) b[off + i] = s.charCodeAt(i) & 0xff;
}
