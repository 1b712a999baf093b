/**
 * read(2)/write(2) and their vector and positional forms (sys_generic.c).
 * Positional calls (pread, pwrite, preadv, pwritev) need a seekable file
 * and leave f_offset alone.
 */
import { EBADF, EINVAL, ESPIPE, EFAULT } from "../gen/constants.js";
import type { Retval } from "../gen/sysent.js";
import type { Lwp } from "../sys/proc.js";
import { Uio, UIO_READ, UIO_WRITE } from "../sys/uio.js";
import { VFIFO, type Vnode } from "../sys/vnode.js";
import type { Filedesc } from "./kern_descrip.js";
import { DTYPE_VNODE, FOF_UPDATE_OFFSET, FREAD, FWRITE, type File } from "./sys_file.js";

/** IOV_MAX / UIO_MAXIOV */
export const IOV_MAX = 1024;
/** SSIZE_MAX as far as a number can count exactly */
const SSIZE_MAX = Number.MAX_SAFE_INTEGER;

/** fd_getfile: the open file behind `fd` of the current process, or null. */
export function fd_getfile(l: Lwp, fd: number): File | null {
  if (typeof fd !== "number") return null;
  return (l.l_proc.p_fd as Filedesc).get(fd);
}

/** Validate a user buffer + length pair; returns the length or -errno. */
export function bufLen(buf: unknown, nbyte: unknown): number {
  if (!(buf instanceof Uint8Array)) return -EFAULT;
  const n = nbyte === undefined ? buf.length : (nbyte as number);
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0) return -EINVAL;
  if (n > buf.length) return -EFAULT;
  return n;
}

function iovCheck(iov: unknown, iovcnt: unknown): Uint8Array[] | number {
  if (!Array.isArray(iov)) return EFAULT;
  const cnt = iovcnt === undefined ? iov.length : (iovcnt as number);
  // NetBSD read(2): EINVAL when iovcnt is <= 0 or > IOV_MAX
  if (typeof cnt !== "number" || !Number.isInteger(cnt) || cnt <= 0 || cnt > IOV_MAX) return EINVAL;
  if (cnt > iov.length) return EFAULT;
  let total = 0;
  const out: Uint8Array[] = [];
  for (let i = 0; i < cnt; i++) {
    const b = iov[i] as unknown;
    if (!(b instanceof Uint8Array)) return EFAULT;
    total += b.length;
    if (total > SSIZE_MAX) return EINVAL;
    out.push(b);
  }
  return out;
}

const NOBUF = new Uint8Array(0);

/**
 * The one-buffer uio of read/write/pread/pwrite: a per-kernel scratch object
 * (a transfer never starts another one), so the hot path allocates nothing.
 */
function scratchUio(l: Lwp, buf: Uint8Array, n: number, off: number, rw: number): Uio {
  const uio = l.l_proc.p_kernel.scratchUio;
  uio.uio_iov[0] = n === buf.length ? buf : buf.subarray(0, n);
  uio.uio_iovidx = 0;
  uio.uio_iovoff = 0;
  uio.uio_offset = off;
  uio.uio_resid = n;
  uio.uio_rw = rw;
  return uio;
}

function isSeekable(fp: File): boolean {
  return fp.f_type === DTYPE_VNODE && (fp.f_data as Vnode).v_type !== VFIFO;
}

/** dofileread: the common tail of every read flavour. */
function dofileread(l: Lwp, fp: File, uio: Uio, flags: number, rv: Retval): number {
  if ((fp.f_flag & FREAD) === 0) return EBADF;
  const cnt = uio.uio_resid;
  const error = fp.f_ops.fo_read(fp, uio, fp.f_cred, flags);
  const done = cnt - uio.uio_resid;
  uio.uio_iov[0] = NOBUF; // do not keep the caller's buffer alive
  // a partial transfer is a success (NetBSD: ERESTART/EINTR/EWOULDBLOCK)
  if (error !== 0 && done === 0) return error;
  rv[0] = done;
  return 0;
}

function dofilewrite(l: Lwp, fp: File, uio: Uio, flags: number, rv: Retval): number {
  if ((fp.f_flag & FWRITE) === 0) return EBADF;
  const cnt = uio.uio_resid;
  const error = fp.f_ops.fo_write(fp, uio, fp.f_cred, flags);
  const done = cnt - uio.uio_resid;
  uio.uio_iov[0] = NOBUF;
  if (error !== 0 && done === 0) return error;
  rv[0] = done;
  return 0;
}

export function sys_read(l: Lwp, rv: Retval, fd: number, buf: Uint8Array, nbyte: number): number {
  const fp = fd_getfile(l, fd);
  if (fp === null) return EBADF;
  const n = bufLen(buf, nbyte);
  if (n < 0) return -n;
  const uio = scratchUio(l, buf, n, 0, UIO_READ);
  return dofileread(l, fp, uio, FOF_UPDATE_OFFSET, rv);
}

export function sys_write(l: Lwp, rv: Retval, fd: number, buf: Uint8Array, nbyte: number): number {
  const fp = fd_getfile(l, fd);
  if (fp === null) return EBADF;
  const n = bufLen(buf, nbyte);
  if (n < 0) return -n;
  const uio = scratchUio(l, buf, n, 0, UIO_WRITE);
  return dofilewrite(l, fp, uio, FOF_UPDATE_OFFSET, rv);
}

function positional(l: Lwp, fd: number, offset: number): File | number {
  const fp = fd_getfile(l, fd);
  if (fp === null) return EBADF;
  if (!isSeekable(fp)) return ESPIPE;
  if (typeof offset !== "number" || !Number.isSafeInteger(offset) || offset < 0) return EINVAL;
  return fp;
}

export function sys_pread(
  l: Lwp,
  rv: Retval,
  fd: number,
  buf: Uint8Array,
  nbyte: number,
  offset: number,
): number {
  const fp = positional(l, fd, offset);
  if (typeof fp === "number") return fp;
  const n = bufLen(buf, nbyte);
  if (n < 0) return -n;
  const uio = scratchUio(l, buf, n, offset, UIO_READ);
  return dofileread(l, fp, uio, 0, rv);
}

export function sys_pwrite(
  l: Lwp,
  rv: Retval,
  fd: number,
  buf: Uint8Array,
  nbyte: number,
  offset: number,
): number {
  const fp = positional(l, fd, offset);
  if (typeof fp === "number") return fp;
  const n = bufLen(buf, nbyte);
  if (n < 0) return -n;
  const uio = scratchUio(l, buf, n, offset, UIO_WRITE);
  return dofilewrite(l, fp, uio, 0, rv);
}

function total(iov: Uint8Array[]): number {
  let t = 0;
  for (const b of iov) t += b.length;
  return t;
}

export function sys_readv(
  l: Lwp,
  rv: Retval,
  fd: number,
  iovp: Uint8Array[],
  iovcnt: number,
): number {
  const fp = fd_getfile(l, fd);
  if (fp === null) return EBADF;
  const iov = iovCheck(iovp, iovcnt);
  if (typeof iov === "number") return iov;
  return dofileread(l, fp, new Uio(iov, 0, total(iov), UIO_READ), FOF_UPDATE_OFFSET, rv);
}

export function sys_writev(
  l: Lwp,
  rv: Retval,
  fd: number,
  iovp: Uint8Array[],
  iovcnt: number,
): number {
  const fp = fd_getfile(l, fd);
  if (fp === null) return EBADF;
  const iov = iovCheck(iovp, iovcnt);
  if (typeof iov === "number") return iov;
  return dofilewrite(l, fp, new Uio(iov, 0, total(iov), UIO_WRITE), FOF_UPDATE_OFFSET, rv);
}

export function sys_preadv(
  l: Lwp,
  rv: Retval,
  fd: number,
  iovp: Uint8Array[],
  iovcnt: number,
  offset: number,
): number {
  const fp = positional(l, fd, offset);
  if (typeof fp === "number") return fp;
  const iov = iovCheck(iovp, iovcnt);
  if (typeof iov === "number") return iov;
  return dofileread(l, fp, new Uio(iov, offset, total(iov), UIO_READ), 0, rv);
}

export function sys_pwritev(
  l: Lwp,
  rv: Retval,
  fd: number,
  iovp: Uint8Array[],
  iovcnt: number,
  offset: number,
): number {
  const fp = positional(l, fd, offset);
  if (typeof fp === "number") return fp;
  const iov = iovCheck(iovp, iovcnt);
  if (typeof iov === "number") return iov;
  return dofilewrite(l, fp, new Uio(iov, offset, total(iov), UIO_WRITE), 0, rv);
}
