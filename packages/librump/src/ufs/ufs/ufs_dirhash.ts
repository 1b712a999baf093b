/**
 * dirhash (ufs_dirhash.c, designed anew): for a directory of more than a
 * few chunks, a map from each name to the byte offset of its entry, built
 * by one full scan (every chunk checked on the way, as any directory read)
 * and kept up to date by ufs_direnter and ufs_dirremove. A lookup then reads
 * one block instead of scanning the directory; an absent name costs no
 * block at all.
 *
 * The map is a hint that is verified: the entry found at the offset must
 * carry the name, or the map is dropped and the caller scans. Memory is
 * bounded per mount (DIRHASH_MOUNTMAX bytes of directories hashed at once,
 * none larger than DIRHASH_MAXSIZE); beyond that directories are scanned.
 */
import { brelse } from "../../kern/vfs_bio.js";
import type { Buf } from "../../sys/buf.js";
import type { Out } from "../../sys/out.js";
import { DIRBLKSIZ, DIRECT_HDR, direct_parse } from "./dir.js";
import type { Inode } from "./inode.js";

/** Directories smaller than this are scanned (a few chunks are cheap). */
export const DIRHASH_MINSIZE = 4 * DIRBLKSIZ;
/** Larger directories are not hashed. */
export const DIRHASH_MAXSIZE = 16 * 1024 * 1024;
/** Bytes of directories hashed at once per mount. */
export const DIRHASH_MOUNTMAX = 64 * 1024 * 1024;

/** The name of the entry at `buf[off…]` as a kernel byte string (one char per byte). */
function entryName(buf: Uint8Array, off: number, namlen: number): string {
  const p = off + DIRECT_HDR;
  let s = "";
  for (let i = 0; i < namlen; i++) s += String.fromCharCode(buf[p + i]!);
  return s;
}

/** Would `ip` get a hash now (size and the mount's budget allow it)? */
export function ufs_dirhash_wanted(ip: Inode): boolean {
  const size = ip.i_din.di_size;
  return (
    ip.i_dirhash === null &&
    size >= DIRHASH_MINSIZE &&
    size <= DIRHASH_MAXSIZE &&
    ip.i_ump.um_dirhashbytes + size <= DIRHASH_MOUNTMAX
  );
}

/**
 * Build the hash of directory `ip` with `readblk` (ufs_dirblk_read: every
 * chunk checked). Returns 0 or the read's errno (then no hash).
 */
export function ufs_dirhash_build(
  ip: Inode,
  readblk: (ip: Inode, lbn: number, bpp: Out<Buf | null>) => number,
): number {
  const ump = ip.i_ump;
  const fs = ump.um_fs;
  const bsize = fs.fs_bsize;
  const size = ip.i_din.di_size;
  const d = ump.um_direct;
  const bpp = ump.um_bpp;
  const map = new Map<string, number>();
  const nblk = Math.ceil(size / bsize);
  for (let lbn = 0; lbn < nblk; lbn++) {
    const error = readblk(ip, lbn, bpp);
    if (error !== 0) return error;
    const bp = bpp.v!;
    bpp.v = null;
    const buf = bp.b_data;
    const bsz = Math.min(bp.b_bcount, size - lbn * bsize);
    let off = 0;
    while (off < bsz) {
      direct_parse(buf, off, fs.le, ump.um_oldfmt, d);
      if (d.d_ino !== 0) {
        const name = entryName(buf, off, d.d_namlen);
        // the first of two equal names is the one a scan finds
        if (!map.has(name)) map.set(name, lbn * bsize + off);
      }
      off += d.d_reclen; // checked: ≥ 8, inside the chunk
    }
    brelse(bp, 0);
  }
  ip.i_dirhash = map;
  ip.i_dirhashsize = size;
  ump.um_dirhashbytes += size;
  return 0;
}

/** Forget the hash of `ip` (directory removed, truncated, or found stale). */
export function ufs_dirhash_free(ip: Inode): void {
  if (ip.i_dirhash === null) return;
  ip.i_dirhash = null;
  ip.i_ump.um_dirhashbytes -= ip.i_dirhashsize;
  ip.i_dirhashsize = 0;
}

/** Record every entry of the DIRBLKSIZ chunk at `c` of block `lbn` (after a compaction). */
export function ufs_dirhash_chunk(ip: Inode, buf: Uint8Array, lbn: number, c: number): void {
  const h = ip.i_dirhash;
  if (h === null) return;
  const ump = ip.i_ump;
  const d = ump.um_direct;
  const base = lbn * ump.um_fs.fs_bsize;
  let off = c;
  while (off < c + DIRBLKSIZ) {
    direct_parse(buf, off, ump.um_fs.le, ump.um_oldfmt, d);
    if (d.d_reclen < 8) break;
    if (d.d_ino !== 0) h.set(entryName(buf, off, d.d_namlen), base + off);
    off += d.d_reclen;
  }
}
