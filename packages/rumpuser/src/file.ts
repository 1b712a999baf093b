/**
 * Argument rules of the file hypercalls, shared by every host so that
 * NodeHost and MemoryHost refuse the same things with the same errno.
 */
import { EINVAL } from "./errno.js";
import {
  RUMPUSER_BIO_READ,
  RUMPUSER_BIO_SYNC,
  RUMPUSER_BIO_WRITE,
  RUMPUSER_IOV_NOSEEK,
  RUMPUSER_OPEN_ACCMODE,
  RUMPUSER_OPEN_BIO,
  RUMPUSER_OPEN_CREATE,
  RUMPUSER_OPEN_EXCL,
  RUMPUSER_OPEN_RDONLY,
  RUMPUSER_SYNCFD_BARRIER,
  RUMPUSER_SYNCFD_READ,
  RUMPUSER_SYNCFD_SYNC,
  RUMPUSER_SYNCFD_WRITE,
} from "./rumpuser.js";

const OPEN_BITS =
  RUMPUSER_OPEN_ACCMODE | RUMPUSER_OPEN_CREATE | RUMPUSER_OPEN_EXCL | RUMPUSER_OPEN_BIO;
const SYNCFD_BITS =
  RUMPUSER_SYNCFD_READ | RUMPUSER_SYNCFD_WRITE | RUMPUSER_SYNCFD_BARRIER | RUMPUSER_SYNCFD_SYNC;

/** The block size `bio` transfers in multiples of (DEV_BSIZE). */
export const BIO_BLOCK = 512;

/** 0, or EINVAL for an unknown bit or the access mode 3. */
export function checkOpenMode(mode: number): number {
  if (!Number.isInteger(mode) || (mode & ~OPEN_BITS) !== 0) return EINVAL;
  if ((mode & RUMPUSER_OPEN_ACCMODE) === RUMPUSER_OPEN_ACCMODE) return EINVAL;
  return 0;
}

/** The open mode allows reading. */
export function modeReads(mode: number): boolean {
  return (mode & RUMPUSER_OPEN_ACCMODE) !== 1;
}

/** The open mode allows writing. */
export function modeWrites(mode: number): boolean {
  return (mode & RUMPUSER_OPEN_ACCMODE) !== RUMPUSER_OPEN_RDONLY;
}

/**
 * 0, or EINVAL: `op` must be exactly one of READ and WRITE (SYNC may be
 * added), `dlen` a multiple of 512 no longer than `data`, `off` a
 * non-negative integer with `off + dlen` exact.
 */
export function checkBio(op: number, data: Uint8Array, dlen: number, off: number): number {
  const dir = op & (RUMPUSER_BIO_READ | RUMPUSER_BIO_WRITE);
  if ((op & ~(RUMPUSER_BIO_READ | RUMPUSER_BIO_WRITE | RUMPUSER_BIO_SYNC)) !== 0) return EINVAL;
  if (dir !== RUMPUSER_BIO_READ && dir !== RUMPUSER_BIO_WRITE) return EINVAL;
  if (!Number.isInteger(dlen) || dlen < 0 || dlen % BIO_BLOCK !== 0 || dlen > data.length)
    return EINVAL;
  if (!Number.isSafeInteger(off) || off < 0 || !Number.isSafeInteger(off + dlen)) return EINVAL;
  return 0;
}

/** 0, or EINVAL: an iov offset is RUMPUSER_IOV_NOSEEK or a non-negative safe integer. */
export function checkIovOffset(off: number): number {
  return off === RUMPUSER_IOV_NOSEEK || (Number.isSafeInteger(off) && off >= 0) ? 0 : EINVAL;
}

/** 0, or EINVAL: known bits, READ or WRITE present, start/len non-negative integers. */
export function checkSyncfd(flags: number, start: number, len: number): number {
  if (!Number.isInteger(flags) || (flags & ~SYNCFD_BITS) !== 0) return EINVAL;
  if ((flags & (RUMPUSER_SYNCFD_READ | RUMPUSER_SYNCFD_WRITE)) === 0) return EINVAL;
  if (!Number.isSafeInteger(start) || start < 0 || !Number.isSafeInteger(len) || len < 0)
    return EINVAL;
  return 0;
}
