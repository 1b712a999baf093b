/** Direction of a uio (enum uio_rw). */
export const UIO_READ = 0;
export const UIO_WRITE = 1;

/**
 * A scatter/gather transfer, as NetBSD's struct uio: iovecs of Uint8Array,
 * the file offset, the bytes left and the direction. UIO_READ moves data
 * from the kernel into the iovecs, UIO_WRITE from the iovecs into the kernel.
 */
export class Uio {
  /** index of the current iovec */
  uio_iovidx = 0;
  /** bytes already consumed of the current iovec */
  uio_iovoff = 0;
  constructor(
    public uio_iov: Uint8Array[],
    public uio_offset: number,
    public uio_resid: number,
    public uio_rw: number,
  ) {}

  /** One-iovec uio over `buf` (rump_pub_uio_setup). */
  static single(buf: Uint8Array, len: number, off: number, rw: number): Uio {
    return new Uio([len === buf.length ? buf : buf.subarray(0, len)], off, len, rw);
  }
}

/**
 * uiomove: transfer up to `n` bytes between `buf[off…]` and the uio, in the
 * uio's direction; advances the uio. Returns the number of bytes moved.
 */
export function uiomove(buf: Uint8Array, off: number, n: number, uio: Uio): number {
  let done = 0;
  if (n > uio.uio_resid) n = uio.uio_resid;
  while (done < n) {
    const iov = uio.uio_iov[uio.uio_iovidx];
    if (iov === undefined) break;
    const avail = iov.length - uio.uio_iovoff;
    if (avail <= 0) {
      uio.uio_iovidx++;
      uio.uio_iovoff = 0;
      continue;
    }
    const cnt = avail < n - done ? avail : n - done;
    // a whole buffer moves without a subarray view (one allocation per block saved)
    const whole = off + done === 0 && cnt === buf.length;
    if (uio.uio_rw === UIO_READ) {
      iov.set(whole ? buf : buf.subarray(off + done, off + done + cnt), uio.uio_iovoff);
    } else if (whole && uio.uio_iovoff === 0 && cnt === iov.length) {
      buf.set(iov, 0);
    } else {
      buf.set(iov.subarray(uio.uio_iovoff, uio.uio_iovoff + cnt), off + done);
    }
    uio.uio_iovoff += cnt;
    uio.uio_offset += cnt;
    uio.uio_resid -= cnt;
    done += cnt;
  }
  return done;
}

/** Skip `n` bytes of the uio as if they were zeros (UIO_READ: fill zeros). */
export function uiozero(n: number, uio: Uio): number {
  let done = 0;
  if (n > uio.uio_resid) n = uio.uio_resid;
  while (done < n) {
    const iov = uio.uio_iov[uio.uio_iovidx];
    if (iov === undefined) break;
    const avail = iov.length - uio.uio_iovoff;
    if (avail <= 0) {
      uio.uio_iovidx++;
      uio.uio_iovoff = 0;
      continue;
    }
    const cnt = avail < n - done ? avail : n - done;
    if (uio.uio_rw === UIO_READ) iov.fill(0, uio.uio_iovoff, uio.uio_iovoff + cnt);
    uio.uio_iovoff += cnt;
    uio.uio_offset += cnt;
    uio.uio_resid -= cnt;
    done += cnt;
  }
  return done;
}
