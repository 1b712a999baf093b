/**
 * BlockDev — the smallest possible "disk": a size and positional read/write
 * of bytes. The host-free image tools (partition probing, newfs_ffs,
 * fsck_ffs) work on it, so they run on an in-memory image, a host file (an
 * adapter outside librump) or a kernel device alike.
 *
 * Contract: `read(off, buf)` fills `buf` from byte `off` and returns the
 * number of bytes read (fewer at the end of the device) or a negative NetBSD
 * errno; `write` is the same for writing. Neither throws.
 */
import { EINVAL, EIO } from "../gen/constants.js";

/** Positional read: bytes read (≥ 0) or -errno. */
export type ReadFn = (offset: number, buf: Uint8Array) => number;

export interface BlockDev {
  /** bytes */
  readonly size: number;
  read(offset: number, buf: Uint8Array): number;
  write(offset: number, buf: Uint8Array): number;
}

/** A BlockDev over a byte array (writes go into `data`). */
export function memBlockDev(data: Uint8Array): BlockDev {
  return {
    size: data.length,
    read(offset: number, buf: Uint8Array): number {
      if (!Number.isSafeInteger(offset) || offset < 0) return -EINVAL;
      if (offset >= data.length) return 0;
      const n = Math.min(buf.length, data.length - offset);
      buf.set(data.subarray(offset, offset + n));
      return n;
    },
    write(offset: number, buf: Uint8Array): number {
      if (!Number.isSafeInteger(offset) || offset < 0) return -EINVAL;
      if (offset >= data.length) return 0;
      const n = Math.min(buf.length, data.length - offset);
      data.set(buf.subarray(0, n), offset);
      return n;
    },
  };
}

/**
 * Read exactly `buf.length` bytes at `offset`; 0 or an errno (a short read,
 * a read function that throws or returns garbage, all become EIO).
 */
export function readFully(read: ReadFn, offset: number, buf: Uint8Array): number {
  let n: number;
  try {
    n = read(offset, buf);
  } catch {
    return EIO;
  }
  if (typeof n !== "number" || !Number.isInteger(n)) return EIO;
  if (n < 0) return -n;
  return n === buf.length ? 0 : EIO;
}

/** Write exactly `buf.length` bytes at `offset`; 0 or an errno. */
export function writeFully(dev: BlockDev, offset: number, buf: Uint8Array): number {
  let n: number;
  try {
    n = dev.write(offset, buf);
  } catch {
    return EIO;
  }
  if (typeof n !== "number" || !Number.isInteger(n)) return EIO;
  if (n < 0) return -n;
  return n === buf.length ? 0 : EIO;
}
