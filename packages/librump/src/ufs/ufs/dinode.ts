/**
 * On-disk inodes (ufs/ufs/dinode.h): struct ufs1_dinode (128 bytes) and
 * struct ufs2_dinode (256 bytes), parsed into one shape, serialised back,
 * and checked (dinode_check) before the file system trusts them.
 *
 * Pure functions over Uint8Array/DataView: no kernel or host dependencies,
 * so newfs and the checker import this module too.
 */
import { ufs_dv, ufs_rd64, ufs_wr64 } from "./ufs_bswap.js";

export const UFS1_DINODE_SIZE = 128;
export const UFS2_DINODE_SIZE = 256;
export const NDADDR = 12;
export const NIADDR = 3;
export const NXADDR = 2;

/** File types in di_mode (IFMT …). */
export const IFMT = 0o170000;
export const IFIFO = 0o010000;
export const IFCHR = 0o020000;
export const IFDIR = 0o040000;
export const IFBLK = 0o060000;
export const IFREG = 0o100000;
export const IFLNK = 0o120000;
export const IFSOCK = 0o140000;
export const IFWHT = 0o160000;

/** Offset of di_db in each format (short symlinks are stored from here). */
export const UFS1_DB_OFF = 40;
export const UFS2_DB_OFF = 112;

/**
 * An on-disk inode of either format. UFS1 has no birth time, block size or
 * extended-attribute area (those stay 0); UFS2 keeps the owners only in
 * di_uid/di_gid (UFS1's di_ouid/di_ogid are ignored, as in NetBSD).
 */
export class Dinode {
  di_mode = 0;
  di_nlink = 0;
  di_uid = 0;
  di_gid = 0;
  di_blksize = 0;
  di_size = 0;
  /** 512-byte sectors held (UFS1: 32-bit) */
  di_blocks = 0;
  di_atime = 0;
  di_atimensec = 0;
  di_mtime = 0;
  di_mtimensec = 0;
  di_ctime = 0;
  di_ctimensec = 0;
  di_birthtime = 0;
  di_birthnsec = 0;
  di_gen = 0;
  di_kernflags = 0;
  di_flags = 0;
  di_extsize = 0;
  /*
   * Plain arrays of doubles (PACKED_DOUBLE elements on the JS heap), not
   * Float64Arrays: a typed array this size gets a backing store of its own,
   * and an inode is loaded for nearly every metadata operation on a big tree.
   */
  /** direct block pointers (fragment numbers; 0 = hole) */
  readonly di_db: number[] = [0.5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0].fill(0);
  /** single, double, triple indirect */
  readonly di_ib: number[] = [0.5, 0, 0].fill(0);
  readonly di_extb: number[] = [0.5, 0].fill(0);
  di_modrev = 0;
  /**
   * A short symlink's target lives where the block pointers would; its
   * bytes are kept here verbatim (as 64-bit numbers they would not survive
   * a round trip through a double). Null for every other inode.
   */
  di_shortlink: Uint8Array | null = null;

  /** Reset every field to zero (a free inode). */
  clear(): void {
    this.di_mode = this.di_nlink = this.di_uid = this.di_gid = this.di_blksize = 0;
    this.di_size = this.di_blocks = 0;
    this.di_atime = this.di_atimensec = this.di_mtime = this.di_mtimensec = 0;
    this.di_ctime = this.di_ctimensec = this.di_birthtime = this.di_birthnsec = 0;
    this.di_gen = this.di_kernflags = this.di_flags = this.di_extsize = this.di_modrev = 0;
    this.di_db.fill(0);
    this.di_ib.fill(0);
    this.di_extb.fill(0);
    this.di_shortlink = null;
  }
}

/** Bytes of the block-pointer area (di_db + di_ib). */
function ptrAreaSize(ufs2: boolean): number {
  return (NDADDR + NIADDR) * (ufs2 ? 8 : 4);
}

/** Parse the inode at `buf[off…]` into `d`. */
export function dinode_parse(
  buf: Uint8Array,
  off: number,
  ufs2: boolean,
  le: boolean,
  d: Dinode,
): Dinode {
  const dv = ufs_dv(buf);
  d.di_mode = dv.getUint16(off, le);
  d.di_nlink = dv.getInt16(off + 2, le);
  if (!ufs2) {
    d.di_size = ufs_rd64(dv, off + 8, le);
    d.di_atime = dv.getInt32(off + 16, le);
    d.di_atimensec = dv.getInt32(off + 20, le);
    d.di_mtime = dv.getInt32(off + 24, le);
    d.di_mtimensec = dv.getInt32(off + 28, le);
    d.di_ctime = dv.getInt32(off + 32, le);
    d.di_ctimensec = dv.getInt32(off + 36, le);
    for (let i = 0; i < NDADDR; i++) d.di_db[i] = dv.getInt32(off + 40 + 4 * i, le);
    for (let i = 0; i < NIADDR; i++) d.di_ib[i] = dv.getInt32(off + 88 + 4 * i, le);
    d.di_flags = dv.getUint32(off + 100, le);
    d.di_blocks = dv.getUint32(off + 104, le);
    d.di_gen = dv.getUint32(off + 108, le);
    d.di_uid = dv.getUint32(off + 112, le);
    d.di_gid = dv.getUint32(off + 116, le);
    d.di_modrev = ufs_rd64(dv, off + 120, le);
    d.di_blksize = 0;
    d.di_birthtime = d.di_birthnsec = d.di_kernflags = d.di_extsize = 0;
    d.di_extb.fill(0);
    keepShortlink(d, buf, off, false);
    return d;
  }
  d.di_uid = dv.getUint32(off + 4, le);
  d.di_gid = dv.getUint32(off + 8, le);
  d.di_blksize = dv.getUint32(off + 12, le);
  d.di_size = ufs_rd64(dv, off + 16, le);
  d.di_blocks = ufs_rd64(dv, off + 24, le);
  d.di_atime = ufs_rd64(dv, off + 32, le);
  d.di_mtime = ufs_rd64(dv, off + 40, le);
  d.di_ctime = ufs_rd64(dv, off + 48, le);
  d.di_birthtime = ufs_rd64(dv, off + 56, le);
  d.di_mtimensec = dv.getInt32(off + 64, le);
  d.di_atimensec = dv.getInt32(off + 68, le);
  d.di_ctimensec = dv.getInt32(off + 72, le);
  d.di_birthnsec = dv.getInt32(off + 76, le);
  d.di_gen = dv.getUint32(off + 80, le);
  d.di_kernflags = dv.getUint32(off + 84, le);
  d.di_flags = dv.getUint32(off + 88, le);
  d.di_extsize = dv.getInt32(off + 92, le);
  for (let i = 0; i < NXADDR; i++) d.di_extb[i] = ufs_rd64(dv, off + 96 + 8 * i, le);
  for (let i = 0; i < NDADDR; i++) d.di_db[i] = ufs_rd64(dv, off + 112 + 8 * i, le);
  for (let i = 0; i < NIADDR; i++) d.di_ib[i] = ufs_rd64(dv, off + 208 + 8 * i, le);
  d.di_modrev = ufs_rd64(dv, off + 232, le);
  keepShortlink(d, buf, off, true);
  return d;
}

/** A symlink without blocks keeps its pointer area verbatim (see di_shortlink). */
function keepShortlink(d: Dinode, buf: Uint8Array, off: number, ufs2: boolean): void {
  if ((d.di_mode & IFMT) === IFLNK && d.di_blocks === 0) {
    const start = off + (ufs2 ? UFS2_DB_OFF : UFS1_DB_OFF);
    d.di_shortlink = buf.slice(start, start + ptrAreaSize(ufs2));
  } else {
    d.di_shortlink = null;
  }
}

/**
 * Serialise `d` into `buf[off…]`. Bytes we do not model (UFS1's old
 * 16-bit owners, UFS2's spare words) are left as they are, except that
 * UFS1's di_ouid/di_ogid are zeroed as NetBSD does.
 */
export function dinode_serialize(
  d: Dinode,
  buf: Uint8Array,
  off: number,
  ufs2: boolean,
  le: boolean,
): void {
  const dv = ufs_dv(buf);
  dv.setUint16(off, d.di_mode, le);
  dv.setInt16(off + 2, d.di_nlink, le);
  if (!ufs2) {
    dv.setUint32(off + 4, 0, le);
    ufs_wr64(dv, off + 8, d.di_size, le);
    dv.setInt32(off + 16, d.di_atime, le);
    dv.setInt32(off + 20, d.di_atimensec, le);
    dv.setInt32(off + 24, d.di_mtime, le);
    dv.setInt32(off + 28, d.di_mtimensec, le);
    dv.setInt32(off + 32, d.di_ctime, le);
    dv.setInt32(off + 36, d.di_ctimensec, le);
    for (let i = 0; i < NDADDR; i++) dv.setInt32(off + 40 + 4 * i, d.di_db[i]!, le);
    for (let i = 0; i < NIADDR; i++) dv.setInt32(off + 88 + 4 * i, d.di_ib[i]!, le);
    dv.setUint32(off + 100, d.di_flags >>> 0, le);
    dv.setUint32(off + 104, d.di_blocks >>> 0, le);
    dv.setUint32(off + 108, d.di_gen >>> 0, le);
    dv.setUint32(off + 112, d.di_uid >>> 0, le);
    dv.setUint32(off + 116, d.di_gid >>> 0, le);
    ufs_wr64(dv, off + 120, d.di_modrev, le);
    if (d.di_shortlink !== null) buf.set(d.di_shortlink, off + UFS1_DB_OFF);
    return;
  }
  dv.setUint32(off + 4, d.di_uid >>> 0, le);
  dv.setUint32(off + 8, d.di_gid >>> 0, le);
  dv.setUint32(off + 12, d.di_blksize >>> 0, le);
  ufs_wr64(dv, off + 16, d.di_size, le);
  ufs_wr64(dv, off + 24, d.di_blocks, le);
  ufs_wr64(dv, off + 32, d.di_atime, le);
  ufs_wr64(dv, off + 40, d.di_mtime, le);
  ufs_wr64(dv, off + 48, d.di_ctime, le);
  ufs_wr64(dv, off + 56, d.di_birthtime, le);
  dv.setInt32(off + 64, d.di_mtimensec, le);
  dv.setInt32(off + 68, d.di_atimensec, le);
  dv.setInt32(off + 72, d.di_ctimensec, le);
  dv.setInt32(off + 76, d.di_birthnsec, le);
  dv.setUint32(off + 80, d.di_gen >>> 0, le);
  dv.setUint32(off + 84, d.di_kernflags >>> 0, le);
  dv.setUint32(off + 88, d.di_flags >>> 0, le);
  dv.setInt32(off + 92, d.di_extsize, le);
  for (let i = 0; i < NXADDR; i++) ufs_wr64(dv, off + 96 + 8 * i, d.di_extb[i]!, le);
  for (let i = 0; i < NDADDR; i++) ufs_wr64(dv, off + 112 + 8 * i, d.di_db[i]!, le);
  for (let i = 0; i < NIADDR; i++) ufs_wr64(dv, off + 208 + 8 * i, d.di_ib[i]!, le);
  ufs_wr64(dv, off + 232, d.di_modrev, le);
  if (d.di_shortlink !== null) buf.set(d.di_shortlink, off + UFS2_DB_OFF);
}

/**
 * The target of a short symlink, stored in place of the block pointers
 * (di_db onwards, at most fs_maxsymlinklen bytes): the `size` bytes at
 * the pointer area of the inode at `buf[off…]`.
 */
export function dinode_shortlink_read(
  buf: Uint8Array,
  off: number,
  ufs2: boolean,
  size: number,
): Uint8Array {
  const start = off + (ufs2 ? UFS2_DB_OFF : UFS1_DB_OFF);
  return buf.slice(start, start + size);
}

/**
 * Store a short symlink target in the pointer area of the inode at
 * `buf[off…]` (zero-filled after it) and re-parse the pointers into `d`,
 * so that d and the bytes agree.
 */
export function dinode_shortlink_write(
  d: Dinode,
  buf: Uint8Array,
  off: number,
  ufs2: boolean,
  le: boolean,
  target: Uint8Array,
): void {
  const start = off + (ufs2 ? UFS2_DB_OFF : UFS1_DB_OFF);
  const area = (NDADDR + NIADDR) * (ufs2 ? 8 : 4);
  buf.fill(0, start, start + area);
  buf.set(target.subarray(0, Math.min(target.length, area)), start);
  d.di_shortlink = buf.slice(start, start + area);
  const dv = ufs_dv(buf);
  for (let i = 0; i < NDADDR; i++)
    d.di_db[i] = ufs2 ? ufs_rd64(dv, start + 8 * i, le) : dv.getInt32(start + 4 * i, le);
  for (let i = 0; i < NIADDR; i++) {
    const o = start + (NDADDR + i) * (ufs2 ? 8 : 4);
    d.di_ib[i] = ufs2 ? ufs_rd64(dv, o, le) : dv.getInt32(o, le);
  }
}

/**
 * Is this a symlink whose target is stored in the inode itself? (As NetBSD
 * decides: shorter than fs_maxsymlinklen, or no blocks on a file system
 * without in-inode links.)
 */
export function dinode_isshortlink(d: Dinode, maxsymlinklen: number): boolean {
  if ((d.di_mode & IFMT) !== IFLNK) return false;
  return d.di_size < maxsymlinklen || (maxsymlinklen === 0 && d.di_blocks === 0);
}

/** Is this mode's type one a UFS inode may have? */
export function dinode_type_ok(mode: number): boolean {
  switch (mode & IFMT) {
    case IFIFO:
    case IFCHR:
    case IFDIR:
    case IFBLK:
    case IFREG:
    case IFLNK:
    case IFSOCK:
      return true;
    default:
      return false;
  }
}

/**
 * The device number of a character or block device inode: di_rdev, which
 * is di_db[0] (NetBSD's dev_t encoding, see makedev; UFS1 keeps it as a
 * 32-bit word, UFS2 as 64 bits of which the major and minor take the low
 * 32). NaN when the word cannot be a device number.
 */
export function dinode_rdev(d: Dinode): number {
  const v = d.di_db[0]!;
  return Number.isInteger(v) ? v >>> 0 : NaN;
}

/** Store device number `rdev` in di_rdev (UFS1: a signed 32-bit word, UFS2 zero-extended). */
export function dinode_set_rdev(d: Dinode, rdev: number, ufs2: boolean): void {
  d.di_db.fill(0);
  d.di_ib.fill(0);
  d.di_db[0] = ufs2 ? rdev >>> 0 : rdev | 0;
}

/** Is this mode a character or block device? */
export function dinode_isdev(mode: number): boolean {
  const t = mode & IFMT;
  return t === IFCHR || t === IFBLK;
}

/**
 * Check an allocated inode before use: null when sane, else what is wrong.
 * `nfrags` is the file system's size in fragments (pointers must lie
 * inside), `maxsymlinklen` the longest in-inode symlink, `maxfilesize` the
 * largest file. A short symlink's pointer area holds text, not pointers.
 * Device, fifo and socket inodes hold no blocks: their size is 0 and their
 * pointers are 0, except a device's di_db[0], which is its device number
 * (as NetBSD's mknod leaves them); di_blocks is left to the checker.
 */
export function dinode_check(
  d: Dinode,
  nfrags: number,
  maxsymlinklen: number,
  maxfilesize: number,
): string | null {
  if (!dinode_type_ok(d.di_mode)) return `bad file type 0${(d.di_mode & IFMT).toString(8)}`;
  if (d.di_nlink < 0) return `bad link count ${d.di_nlink}`;
  if (!(d.di_size >= 0 && d.di_size <= maxfilesize)) return `bad size ${d.di_size}`;
  if (!(d.di_blocks >= 0)) return `bad block count ${d.di_blocks}`;
  const type = d.di_mode & IFMT;
  if (type === IFCHR || type === IFBLK || type === IFIFO || type === IFSOCK)
    return dinode_check_special(d, type);
  if (dinode_isshortlink(d, maxsymlinklen)) return null;
  for (let i = 0; i < NDADDR; i++) {
    const b = d.di_db[i]!;
    if (!(b >= 0 && b < nfrags)) return `bad direct block pointer ${b}`;
  }
  for (let i = 0; i < NIADDR; i++) {
    const b = d.di_ib[i]!;
    if (!(b >= 0 && b < nfrags)) return `bad indirect block pointer ${b}`;
  }
  if (type === IFDIR && d.di_size % 512 !== 0)
    return `directory size ${d.di_size} not a multiple of DIRBLKSIZ`;
  return null;
}

/** Devices, fifos and sockets: no size, no block pointers (a device's di_db[0] is its number). */
function dinode_check_special(d: Dinode, type: number): string | null {
  const dev = type === IFCHR || type === IFBLK;
  const what = dev ? "device" : type === IFIFO ? "fifo" : "socket";
  if (d.di_size !== 0) return `${what} inode with size ${d.di_size}`;
  if (dev && Number.isNaN(dinode_rdev(d))) return `bad device number ${d.di_db[0]}`;
  for (let i = dev ? 1 : 0; i < NDADDR; i++)
    if (d.di_db[i] !== 0) return `${what} inode with block pointer ${i} = ${d.di_db[i]}`;
  for (let i = 0; i < NIADDR; i++)
    if (d.di_ib[i] !== 0) return `${what} inode with indirect pointer ${i} = ${d.di_ib[i]}`;
  return null;
}
