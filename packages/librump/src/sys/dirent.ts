/**
 * struct dirent as getdents(2) returns it (NetBSD sys/dirent.h), shared by
 * every file system's VOP_READDIR.
 *
 * Layout of one record (little endian, 8-byte aligned length):
 *
 *   0  d_fileno  u64   inode number
 *   8  d_reclen  u16   length of this record
 *  10  d_namlen  u16   length of d_name without the NUL
 *  12  d_type    u8    DT_*
 *  13  d_name    namlen bytes, NUL, zero padding up to d_reclen
 *
 * Names are kernel byte strings (one JS char per byte).
 */
import { uiomove, type Uio } from "./uio.js";
import { VBLK, VCHR, VDIR, VFIFO, VLNK, VREG, VSOCK } from "./vnode.js";

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

/** Offset of d_name in a record (the header is 13 bytes, unpadded). */
export const DIRENT_NAMEOFF = 13;

/** Bytes of a record for a name of `namlen` bytes: header, name, NUL, padding to 8. */
export function DIRENT_RECLEN(namlen: number): number {
  return (DIRENT_NAMEOFF + namlen + 1 + 7) & ~7;
}

/** IFTODT: S_IF* type bits of a mode → DT_*. */
export function IFTODT(mode: number): number {
  return (mode & 0o170000) >>> 12;
}

/** DTTOIF: DT_* → S_IF* type bits. */
export function DTTOIF(dt: number): number {
  return dt << 12;
}

/** enum vtype → DT_* (VNON and VBAD have no d_type). */
export function vtype2dt(vtype: number): number {
  switch (vtype) {
    case VREG:
      return DT_REG;
    case VDIR:
      return DT_DIR;
    case VBLK:
      return DT_BLK;
    case VCHR:
      return DT_CHR;
    case VLNK:
      return DT_LNK;
    case VSOCK:
      return DT_SOCK;
    case VFIFO:
      return DT_FIFO;
    default:
      return DT_UNKNOWN;
  }
}

/**
 * Encode one record of `reclen` bytes (= DIRENT_RECLEN(name.length)) at
 * `buf[off…]`, padding included.
 */
export function dirent_encode(
  buf: Uint8Array,
  off: number,
  fileno: number,
  type: number,
  name: string,
  reclen: number,
): void {
  const lo = fileno >>> 0;
  const hi = Math.floor(fileno / 4294967296) >>> 0;
  buf[off] = lo & 0xff;
  buf[off + 1] = (lo >>> 8) & 0xff;
  buf[off + 2] = (lo >>> 16) & 0xff;
  buf[off + 3] = lo >>> 24;
  buf[off + 4] = hi & 0xff;
  buf[off + 5] = (hi >>> 8) & 0xff;
  buf[off + 6] = (hi >>> 16) & 0xff;
  buf[off + 7] = hi >>> 24;
  buf[off + 8] = reclen & 0xff;
  buf[off + 9] = reclen >>> 8;
  const namlen = name.length;
  buf[off + 10] = namlen & 0xff;
  buf[off + 11] = namlen >>> 8;
  buf[off + 12] = type;
  let p = off + DIRENT_NAMEOFF;
  for (let i = 0; i < namlen; i++) buf[p++] = name.charCodeAt(i) & 0xff;
  const end = off + reclen;
  while (p < end) buf[p++] = 0;
}

/**
 * Append one record to a UIO_READ uio if it fits in what is left
 * (uio_resid); returns false, moving nothing, when it does not. Advances the
 * uio by d_reclen bytes (the caller sets uio_offset to its own cookie after).
 * The common case — the record fits in the current iovec — is encoded in
 * place without allocating.
 */
export function dirent_append(uio: Uio, fileno: number, type: number, name: string): boolean {
  const reclen = DIRENT_RECLEN(name.length);
  if (reclen > uio.uio_resid) return false;
  const iov = uio.uio_iov[uio.uio_iovidx];
  if (iov !== undefined && iov.length - uio.uio_iovoff >= reclen) {
    dirent_encode(iov, uio.uio_iovoff, fileno, type, name, reclen);
    uio.uio_iovoff += reclen;
    uio.uio_offset += reclen;
    uio.uio_resid -= reclen;
    return true;
  }
  // the record straddles iovecs: encode aside, then scatter
  const tmp = new Uint8Array(reclen);
  dirent_encode(tmp, 0, fileno, type, name, reclen);
  uiomove(tmp, 0, reclen, uio);
  return true;
}

/**
 * Scan the records in `buf[0…len)` (what a VOP_READDIR produced) for a name
 * that is not one path component — empty, or holding '/' or NUL. Returns
 * the d_fileno of the first such record, or -1 when every name is sound.
 */
export function dirent_badname(buf: Uint8Array, len: number): number {
  let off = 0;
  while (off + DIRENT_NAMEOFF <= len) {
    const reclen = buf[off + 8]! | (buf[off + 9]! << 8);
    const namlen = buf[off + 10]! | (buf[off + 11]! << 8);
    if (reclen === 0) break; // not a record: nothing further to check
    const p = off + DIRENT_NAMEOFF;
    if (namlen === 0) return direntFileno(buf, off);
    for (let i = 0; i < namlen; i++) {
      const c = buf[p + i]!;
      if (c === 0 || c === 0x2f) return direntFileno(buf, off);
    }
    off += reclen;
  }
  return -1;
}

function direntFileno(buf: Uint8Array, off: number): number {
  return (
    (buf[off]! | (buf[off + 1]! << 8) | (buf[off + 2]! << 16)) +
    buf[off + 3]! * 0x1000000 +
    (buf[off + 4]! | (buf[off + 5]! << 8)) * 0x100000000
  );
}
