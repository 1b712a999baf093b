/**
 * Direct I/O for file systems that keep file data in their device's
 * buffer cache (genfs_directio's part of reading): an O_DIRECT read moves
 * whole blocks from the medium into the caller's buffer without a buffer.
 */
import { breaddirect } from "../../kern/vfs_bio.js";
import { UIO_READ, type Uio } from "../../sys/uio.js";
import type { Vnode } from "../../sys/vnode.js";

/**
 * The direct part of an O_DIRECT read: up to `n` whole blocks of `bsize`
 * bytes at device block `blkno` of `devvp` (contiguous on disk, all of them
 * the file's) into the uio's current iovec, as far as it has room for whole
 * blocks; the uio moves past them. Blocks the cache holds are not read this
 * way (breaddirect stops before one). Returns the blocks read (0: none, the
 * caller goes through the cache) or -errno.
 */
export function genfs_directread(
  uio: Uio,
  devvp: Vnode,
  blkno: number,
  bsize: number,
  n: number,
): number {
  const iov = uio.uio_iov[uio.uio_iovidx];
  if (iov === undefined || uio.uio_rw !== UIO_READ) return 0;
  const whole = Math.floor(Math.min(uio.uio_resid, iov.length - uio.uio_iovoff) / bsize);
  if (whole < 1) return 0;
  const got = breaddirect(devvp, blkno, bsize, Math.min(n, whole), iov, uio.uio_iovoff);
  if (got > 0) {
    const len = got * bsize;
    uio.uio_iovoff += len;
    uio.uio_offset += len;
    uio.uio_resid -= len;
  }
  return got;
}
