import type { Vnode } from "./vnode.js";

/** b_flags / b_cflags bits used by the buffer cache. */
export const B_READ = 0x00100000;
export const B_WRITE = 0x00000000;
export const B_ASYNC = 0x00000004;
export const BC_BUSY = 0x00000010;
export const BC_INVAL = 0x00002000;
export const BO_DELWRI = 0x00000080;
export const BO_DONE = 0x00000200;

/**
 * A buffer of the buffer cache (struct buf): `b_bcount` bytes of block
 * `b_blkno` (in DEV_BSIZE units) of the device or file `b_vp`.
 */
export class Buf {
  b_flags = 0;
  b_cflags = 0;
  b_oflags = 0;
  b_error = 0;
  b_resid = 0;
  b_lblkno = 0;
  /** LRU links */
  b_prev: Buf | null = null;
  b_next: Buf | null = null;
  constructor(
    public b_vp: Vnode | null,
    public b_blkno: number,
    public b_bcount: number,
    public b_data: Uint8Array,
  ) {}
}
