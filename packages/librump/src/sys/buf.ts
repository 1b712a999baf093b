import type { Vnode } from "./vnode.js";

/** b_flags bits */
export const B_READ = 0x00100000;
export const B_WRITE = 0x00000000;
export const B_ASYNC = 0x00000004;
/** b_cflags: the buffer is held by someone (getblk … brelse) */
export const BC_BUSY = 0x00000010;
/** b_cflags: contents are not valid; drop on release */
export const BC_INVAL = 0x00002000;
/** b_cflags: do not cache after release */
export const BC_NOCACHE = 0x00008000;
/** b_oflags: delayed write pending (dirty) */
export const BO_DELWRI = 0x00000080;
/** b_oflags: contents are valid (read done or fully written) */
export const BO_DONE = 0x00000200;

/** DEV_BSIZE: the unit of b_blkno */
export const DEV_BSHIFT = 9;
export const DEV_BSIZE = 1 << DEV_BSHIFT;

/** See Buf.b_wrhook. */
export interface BufWriteHook {
  bw_prewrite(bp: Buf): void;
}

/**
 * A buffer of the buffer cache (struct buf): `b_bcount` bytes of logical
 * block `b_lblkno` of vnode `b_vp`. For a device vnode the logical block is
 * the disk address in DEV_BSIZE units; for a file it is the file system's
 * block number, and `b_blkno` is where VOP_BMAP put it on the disk
 * (-1 until mapped).
 */
export class Buf {
  b_flags = 0;
  b_cflags = 0;
  b_oflags = 0;
  b_error = 0;
  b_resid = 0;
  b_blkno = -1;
  /** LRU links of the clean/dirty queues */
  b_prev: Buf | null = null;
  b_next: Buf | null = null;
  /** completion routine for async I/O (biodone) */
  b_iodone: ((bp: Buf) => void) | null = null;
  /** private data of the driver or file system */
  b_private: unknown = null;
  /**
   * Called just before the buffer's contents go to the device (each
   * write, also as a member of a cluster): a file system seals what it
   * changed in memory, e.g. sets a checksum once per write instead of once
   * per change. Whoever reuses the buffer for something else clears it.
   */
  b_wrhook: BufWriteHook | null = null;
  /**
   * A cluster transfer (vfs_bio): the member buffers' data, in order, that
   * the driver moves with one scatter/gather hypercall instead of b_data.
   */
  b_iov: Uint8Array[] | null = null;
  constructor(
    public b_vp: Vnode | null,
    public b_lblkno: number,
    public b_bcount: number,
    public b_data: Uint8Array,
  ) {}
}

/**
 * Blocks a device vnode serves from memory instead of its medium (v_overlay):
 * a read-only mount that recovered a journal without writing the image sees
 * the replayed blocks through it. Keys are device blocks of `ov_bsize`
 * bytes; every read transfer of the vnode gets the overlapping bytes
 * patched in (vfs_bio), every write updates them, so cached and overlaid
 * contents never disagree. A vnode without one pays nothing but a null test.
 */
export class BufOverlay {
  /** block number → its contents (ov_bsize bytes) */
  readonly ov_blocks = new Map<number, Uint8Array>();
  /** lowest and highest key (a transfer outside them is not looked at) */
  ov_min = Number.POSITIVE_INFINITY;
  ov_max = -1;
  /** the owner's state (the file system that installed it) */
  ov_private: unknown = null;
  constructor(readonly ov_bsize: number) {}

  /** Serve `data` (ov_bsize bytes, kept, not copied) for block `blk`. */
  put(blk: number, data: Uint8Array): void {
    this.ov_blocks.set(blk, data);
    if (blk < this.ov_min) this.ov_min = blk;
    if (blk > this.ov_max) this.ov_max = blk;
  }
}
