/**
 * UFS directory entries (ufs/ufs/dir.h): struct direct inside DIRBLKSIZ
 * (512-byte) chunks, the d_type values, the size rules (DIRSIZ), the
 * template of a new directory's "." and "..", and the per-chunk check
 * (ufs_dirbadentry) that every directory read goes through.
 *
 *   0  d_ino     u32   inode number (0: unused slot)
 *   4  d_reclen  u16   bytes to the next entry (the last one reaches the chunk end)
 *   6  d_type    u8    DT_* (4.4BSD format; in the 4.2 format d_namlen is u16 here)
 *   7  d_namlen  u8
 *   8  d_name    namlen bytes, NUL, zero padding to a multiple of 4
 *
 * Pure functions over Uint8Array/DataView: no kernel or host dependencies,
 * so ext2fs-style reuse and the tools can import them. Names are kernel
 * byte strings (one JS char per byte).
 */
import { ufs_dv } from "./ufs_bswap.js";

export const DIRBLKSIZ = 512;
export const UFS_MAXNAMLEN = 255;
/** Size of the fixed part of struct direct. */
export const DIRECT_HDR = 8;

/** Bytes an entry with a name of `namlen` bytes needs (UFS_DIRECTSIZ). */
export function DIRECTSIZ(namlen: number): number {
  return DIRECT_HDR + ((namlen + 1 + 3) & ~3);
}

/** One parsed entry (caller-owned, reused). */
export class Direct {
  d_ino = 0;
  d_reclen = 0;
  d_type = 0;
  d_namlen = 0;
}

/**
 * Parse the header of the entry at `buf[off…]`. `oldfmt`: the 4.2BSD
 * format (16-bit d_namlen, no d_type).
 */
export function direct_parse(
  buf: Uint8Array,
  off: number,
  le: boolean,
  oldfmt: boolean,
  d: Direct,
): Direct {
  const dv = ufs_dv(buf);
  d.d_ino = dv.getUint32(off, le);
  d.d_reclen = dv.getUint16(off + 4, le);
  if (oldfmt) {
    d.d_namlen = dv.getUint16(off + 6, le);
    d.d_type = 0;
  } else {
    d.d_type = buf[off + 6]!;
    d.d_namlen = buf[off + 7]!;
  }
  return d;
}

/** The name of the entry at `buf[off…]` (namlen from its header). */
export function direct_name(buf: Uint8Array, off: number, namlen: number): string {
  let s = "";
  const p = off + DIRECT_HDR;
  for (let i = 0; i < namlen; i++) s += String.fromCharCode(buf[p + i]!);
  return s;
}

/** Does the entry at `buf[off…]` carry exactly `name`? */
export function direct_namecmp(
  buf: Uint8Array,
  off: number,
  namlen: number,
  name: string,
): boolean {
  if (namlen !== name.length) return false;
  const p = off + DIRECT_HDR;
  for (let i = 0; i < namlen; i++) if (buf[p + i] !== name.charCodeAt(i)) return false;
  return true;
}

/**
 * Write an entry at `buf[off…]`: header, name, NUL, zero padding up to
 * DIRECTSIZ (the rest of reclen is left alone).
 */
export function direct_write(
  buf: Uint8Array,
  off: number,
  le: boolean,
  oldfmt: boolean,
  ino: number,
  reclen: number,
  type: number,
  name: string,
): void {
  const dv = ufs_dv(buf);
  dv.setUint32(off, ino >>> 0, le);
  dv.setUint16(off + 4, reclen, le);
  const namlen = name.length;
  if (oldfmt) dv.setUint16(off + 6, namlen, le);
  else {
    buf[off + 6] = type;
    buf[off + 7] = namlen;
  }
  const p = off + DIRECT_HDR;
  for (let i = 0; i < namlen; i++) buf[p + i] = name.charCodeAt(i) & 0xff;
  buf.fill(0, p + namlen, off + DIRECTSIZ(namlen));
}

/** Set only d_reclen of the entry at `off`. */
export function direct_set_reclen(buf: Uint8Array, off: number, le: boolean, reclen: number): void {
  ufs_dv(buf).setUint16(off + 4, reclen, le);
}

/** Set only d_ino (and d_type) of the entry at `off`. */
export function direct_set_ino(
  buf: Uint8Array,
  off: number,
  le: boolean,
  oldfmt: boolean,
  ino: number,
  type: number,
): void {
  ufs_dv(buf).setUint32(off, ino >>> 0, le);
  if (!oldfmt) buf[off + 6] = type;
}

/**
 * Check the entry at `buf[off…]` that starts `off - chunk` bytes into the
 * DIRBLKSIZ chunk at `chunk` (ufs_dirbadentry): null when sane, else what
 * is wrong. The record must be 4-aligned, fit in the chunk, hold its name,
 * and a used entry must name an inode below `maxino`, with a name free of
 * NUL and '/' followed by a NUL.
 */
export function direct_check(
  buf: Uint8Array,
  off: number,
  chunk: number,
  d: Direct,
  maxino: number,
): string | null {
  const reclen = d.d_reclen;
  const room = chunk + DIRBLKSIZ - off;
  if (reclen < DIRECT_HDR || (reclen & 3) !== 0 || reclen > room)
    return `bad record length ${reclen} at offset ${off - chunk} of a chunk`;
  if (d.d_ino === 0) return null;
  if (d.d_namlen > UFS_MAXNAMLEN || d.d_namlen === 0) return `bad name length ${d.d_namlen}`;
  if (DIRECTSIZ(d.d_namlen) > reclen) return `name of ${d.d_namlen} bytes overflows its record`;
  if (d.d_ino >= maxino) return `entry names inode ${d.d_ino} beyond the last (${maxino - 1})`;
  const p = off + DIRECT_HDR;
  for (let i = 0; i < d.d_namlen; i++) {
    const c = buf[p + i]!;
    if (c === 0 || c === 0x2f) return "name contains NUL or '/'";
  }
  if (buf[p + d.d_namlen] !== 0) return "name not NUL-terminated";
  return null;
}

/**
 * Check a whole DIRBLKSIZ chunk at `buf[chunk…]`: the records must tile it
 * exactly. Null when sane, else what is wrong.
 */
export function dirchunk_check(
  buf: Uint8Array,
  chunk: number,
  le: boolean,
  oldfmt: boolean,
  maxino: number,
  d: Direct = new Direct(),
): string | null {
  let off = chunk;
  const end = chunk + DIRBLKSIZ;
  // at most DIRBLKSIZ / DIRECT_HDR records: each is ≥ 8 bytes, so the loop is bounded
  while (off < end) {
    direct_parse(buf, off, le, oldfmt, d);
    const why = direct_check(buf, off, chunk, d, maxino);
    if (why !== null) return why;
    off += d.d_reclen;
  }
  return null;
}

/**
 * Fill `buf[off…off+DIRBLKSIZ)` as the first chunk of a new directory:
 * "." → ino, ".." → parent, the second record reaching the chunk's end.
 */
export function dirtemplate_write(
  buf: Uint8Array,
  off: number,
  le: boolean,
  oldfmt: boolean,
  ino: number,
  parent: number,
  dtDir: number,
): void {
  buf.fill(0, off, off + DIRBLKSIZ);
  direct_write(buf, off, le, oldfmt, ino, 12, dtDir, ".");
  direct_write(buf, off + 12, le, oldfmt, parent, DIRBLKSIZ - 12, dtDir, "..");
}

/** An empty chunk: one unused record spanning it (what a directory grows by). */
export function dirchunk_empty(buf: Uint8Array, off: number, le: boolean): void {
  buf.fill(0, off, off + DIRBLKSIZ);
  ufs_dv(buf).setUint16(off + 4, DIRBLKSIZ, le);
}
