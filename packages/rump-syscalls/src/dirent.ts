/**
 * NetBSD struct dirent as getdents(2) returns it (sys/dirent.h; spec
 * syscalls.md §8), little-endian:
 *
 *   offset  0  d_fileno  u64   inode number
 *   offset  8  d_reclen  u16   length of this record (multiple of 8)
 *   offset 10  d_namlen  u16   length of d_name
 *   offset 12  d_type    u8    DT_* file type
 *   offset 13  d_name    namlen bytes, NUL, padding up to d_reclen
 */

import { decodeUtf8 } from "./utf8.js";

/** One directory entry; `d_name` decoded as UTF-8. */
export interface Dirent {
  d_fileno: number;
  d_reclen: number;
  d_namlen: number;
  d_type: number;
  d_name: string;
}

/** One directory entry with the raw name bytes (names need not be UTF-8). */
export interface DirentRaw {
  d_fileno: number;
  d_reclen: number;
  d_namlen: number;
  d_type: number;
  d_name: Uint8Array;
}

/** d_type values (sys/dirent.h). */
export const DT_UNKNOWN = 0;
export const DT_FIFO = 1;
export const DT_CHR = 2;
export const DT_DIR = 4;
export const DT_BLK = 6;
export const DT_REG = 8;
export const DT_LNK = 10;
export const DT_SOCK = 12;
export const DT_WHT = 14;

/** Offset of d_name in a record. */
export const DIRENT_NAMEOFF = 13;

/** Record length for a name of `namlen` bytes: (13 + namlen + 1 + 7) & ~7. */
export function _DIRENT_RECLEN(namlen: number): number {
  return (DIRENT_NAMEOFF + namlen + 1 + 7) & ~7;
}

/**
 * The records in `buf[0 … n)` (n = what getdents returned), names as
 * subarrays of `buf`. Throws RangeError on a malformed record (a reclen
 * shorter than the name or running past n).
 */
export function parseDirentsRaw(buf: Uint8Array, n: number): DirentRaw[] {
  if (n > buf.length)
    throw new RangeError(`parseDirents: n = ${n} exceeds the buffer (${buf.length} bytes)`);
  const dv = new DataView(buf.buffer, buf.byteOffset, n);
  const out: DirentRaw[] = [];
  let off = 0;
  while (off < n) {
    if (n - off < DIRENT_NAMEOFF)
      throw new RangeError(`parseDirents: truncated record at offset ${off}`);
    const d_fileno = Number(dv.getBigUint64(off, true));
    const d_reclen = dv.getUint16(off + 8, true);
    const d_namlen = dv.getUint16(off + 10, true);
    const d_type = dv.getUint8(off + 12);
    if (d_reclen < DIRENT_NAMEOFF + d_namlen || off + d_reclen > n || d_reclen === 0) {
      throw new RangeError(
        `parseDirents: bad record at offset ${off} (reclen ${d_reclen}, namlen ${d_namlen})`,
      );
    }
    const nameStart = off + DIRENT_NAMEOFF;
    out.push({
      d_fileno,
      d_reclen,
      d_namlen,
      d_type,
      d_name: buf.subarray(nameStart, nameStart + d_namlen),
    });
    off += d_reclen;
  }
  return out;
}

/** Like parseDirentsRaw, with names decoded as UTF-8. */
export function parseDirents(buf: Uint8Array, n: number): Dirent[] {
  if (n > buf.length)
    throw new RangeError(`parseDirents: n = ${n} exceeds the buffer (${buf.length} bytes)`);
  const dv = new DataView(buf.buffer, buf.byteOffset, n);
  const out: Dirent[] = [];
  let off = 0;
  while (off < n) {
    if (n - off < DIRENT_NAMEOFF)
      throw new RangeError(`parseDirents: truncated record at offset ${off}`);
    // d_fileno is a u64; two halves keep BigInt off this per-entry path
    const d_fileno = dv.getUint32(off, true) + dv.getUint32(off + 4, true) * 0x100000000;
    const d_reclen = dv.getUint16(off + 8, true);
    const d_namlen = dv.getUint16(off + 10, true);
    const d_type = buf[off + 12]!;
    if (d_reclen < DIRENT_NAMEOFF + d_namlen || off + d_reclen > n || d_reclen === 0) {
      throw new RangeError(
        `parseDirents: bad record at offset ${off} (reclen ${d_reclen}, namlen ${d_namlen})`,
      );
    }
    out.push({
      d_fileno,
      d_reclen,
      d_namlen,
      d_type,
      d_name: nameAt(buf, off + DIRENT_NAMEOFF, d_namlen),
    });
    off += d_reclen;
  }
  return out;
}

/**
 * The name at buf[start…start+len). Short ASCII names (most of them) are
 * built with one or two String.fromCharCode calls: a character at a time
 * makes a string per character, TextDecoder costs a call into the host.
 * Longer or non-ASCII names go through UTF-8 decoding.
 */
function nameAt(buf: Uint8Array, start: number, len: number): string {
  const end = start + len;
  if (len > 16) return decodeUtf8(buf.subarray(start, end));
  for (let i = start; i < end; i++) if (buf[i]! > 0x7f) return decodeUtf8(buf.subarray(start, end));
  if (len <= 8) return ascii8(buf, start, len);
  return ascii8(buf, start, 8) + ascii8(buf, start + 8, len - 8);
}

const fcc = String.fromCharCode;

/** Up to 8 ASCII bytes at buf[s…s+n) as a string. */
function ascii8(b: Uint8Array, s: number, n: number): string {
  switch (n) {
    case 0:
      return "";
    case 1:
      return fcc(b[s]!);
    case 2:
      return fcc(b[s]!, b[s + 1]!);
    case 3:
      return fcc(b[s]!, b[s + 1]!, b[s + 2]!);
    case 4:
      return fcc(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!);
    case 5:
      return fcc(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!);
    case 6:
      return fcc(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!);
    case 7:
      return fcc(b[s]!, b[s + 1]!, b[s + 2]!, b[s + 3]!, b[s + 4]!, b[s + 5]!, b[s + 6]!);
    default:
      return fcc(
        b[s]!,
        b[s + 1]!,
        b[s + 2]!,
        b[s + 3]!,
        b[s + 4]!,
        b[s + 5]!,
        b[s + 6]!,
        b[s + 7]!,
      );
  }
}
