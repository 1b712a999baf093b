/**
 * rumpblk: the block driver behind etfs BLK/CHR keys (rumpblk.c). Each of
 * 16 slots is a window [begin, begin+size) of a host file or device opened
 * for block I/O; transfers go to rumpuser_bio, synchronously. RUMP_BLKFAIL
 * makes N of every 10,000 transfers fail with EIO (a seeded generator, so
 * a failing run can be replayed).
 */
import {
  RUMPUSER_BIO_READ,
  RUMPUSER_BIO_SYNC,
  RUMPUSER_BIO_WRITE,
  RUMPUSER_OPEN_BIO,
  RUMPUSER_OPEN_RDONLY,
  RUMPUSER_OPEN_RDWR,
  RUMPUSER_SYNCFD_SYNC,
  RUMPUSER_SYNCFD_WRITE,
} from "@rump/rumpuser";
import { EACCES, EBUSY, EINVAL, EIO, ENXIO, EROFS, ENOTTY } from "../gen/constants.js";
import type { Kernel } from "../kern/kernel.js";
import { B_READ, DEV_BSHIFT, type Buf } from "../sys/buf.js";
import { minor } from "./devsw.js";
import { uiomove } from "../sys/uio.js";

export const RUMPBLK_SLOTS = 16;

/** One registered window (struct rblkdev). */
export class Rblkdev {
  /** host descriptor, -1 while closed */
  fd = -1;
  /** opened read-write on the host */
  writable = false;
  /** device opens (VOP_OPEN of the block or character node) */
  opens = 0;
  constructor(
    readonly hostpath: string,
    readonly begin: number,
    /** window size in bytes */
    readonly size: number,
    readonly sectshift: number,
  ) {}
}

/** Per-kernel driver state. */
export class Rumpblk {
  readonly slots: (Rblkdev | null)[] = new Array<Rblkdev | null>(RUMPBLK_SLOTS).fill(null);
  /** LCG state of the fault injector */
  private failState: number;
  private readonly failRate: number;
  /** completion slots of the current transfer (bio calls back synchronously) */
  private done = 0;
  private err = 0;
  /** byte count of a scatter/gather transfer */
  private readonly retv = { v: 0 };
  private readonly biodone = (_arg: null, count: number, error: number): void => {
    this.done = count;
    this.err = error;
  };
  constructor(readonly kernel: Kernel) {
    this.failRate = kernel.params.blkfail;
    this.failState = (kernel.params.blkfailSeed ?? 0x9e3779b9) >>> 0;
  }

  /** Register a window; returns the slot or -errno. */
  register(hostpath: string, begin: number, size: number): number {
    for (let i = 0; i < RUMPBLK_SLOTS; i++) {
      const d = this.slots[i];
      // the same host path again reuses its slot (and keeps its window)
      if (d !== null && d !== undefined && d.hostpath === hostpath && d.begin === begin) return i;
    }
    const i = this.slots.indexOf(null);
    if (i < 0) return -EBUSY;
    this.slots[i] = new Rblkdev(hostpath, begin, size, this.kernel.params.blksectshift);
    return i;
  }

  unregister(slot: number): void {
    const d = this.slots[slot];
    if (d === null || d === undefined) return;
    if (d.fd >= 0) this.kernel.host.close(d.fd);
    this.slots[slot] = null;
  }

  dev(dev: number): Rblkdev | null {
    return this.slots[minor(dev)] ?? null;
  }

  /**
   * d_open: open the host file read-only for readers and read-write for
   * writers, so a read-only mount takes only a shared image lock. A writer
   * arriving while the host file is open read-only reopens it read-write.
   */
  open(dev: number, fflag: number): number {
    const d = this.dev(dev);
    if (d === null) return ENXIO;
    const host = this.kernel.host;
    const wantWrite = (fflag & 2) /* FWRITE */ !== 0;
    if (d.fd >= 0 && wantWrite && !d.writable) {
      // drop our own shared image lock first, or the exclusive one is refused
      host.close(d.fd);
      d.fd = -1;
      const fdp = { v: -1 };
      const error = host.open(d.hostpath, RUMPUSER_OPEN_RDWR | RUMPUSER_OPEN_BIO, fdp);
      if (error !== 0) {
        // keep serving the readers we had
        if (host.open(d.hostpath, RUMPUSER_OPEN_RDONLY | RUMPUSER_OPEN_BIO, fdp) === 0)
          d.fd = fdp.v;
        return error === EROFS || error === 1 /* EPERM */ ? EACCES : error;
      }
      d.fd = fdp.v;
      d.writable = true;
    } else if (d.fd < 0) {
      const fdp = { v: -1 };
      const mode = wantWrite ? RUMPUSER_OPEN_RDWR : RUMPUSER_OPEN_RDONLY;
      const error = host.open(d.hostpath, mode | RUMPUSER_OPEN_BIO, fdp);
      if (error !== 0) return wantWrite && (error === EROFS || error === 1) ? EACCES : error;
      d.fd = fdp.v;
      d.writable = wantWrite;
    }
    d.opens++;
    return 0;
  }

  close(dev: number): number {
    const d = this.dev(dev);
    if (d === null) return 0;
    if (d.opens > 0 && --d.opens === 0) return this.closeHost(d);
    return 0;
  }

  private closeHost(d: Rblkdev): number {
    if (d.fd < 0) return 0;
    const error = this.kernel.host.close(d.fd);
    d.fd = -1;
    return error;
  }

  /** The fault injector: true when this transfer is to fail. */
  private shouldFail(): boolean {
    if (this.failRate <= 0) return false;
    // numerical recipes LCG
    this.failState = (Math.imul(this.failState, 1664525) + 1013904223) >>> 0;
    return this.failState % 10000 < this.failRate;
  }

  /** d_strategy: the transfer of `bp`, done before returning. */
  strategy(dev: number, bp: Buf, sync: boolean): void {
    const d = this.dev(dev);
    if (d === null || d.fd < 0) {
      bp.b_error = ENXIO;
      return;
    }
    const sect = 1 << d.sectshift;
    const len = bp.b_bcount;
    const off = bp.b_blkno * (1 << DEV_BSHIFT);
    if (len % sect !== 0 || off % sect !== 0 || off < 0) {
      bp.b_error = EINVAL;
      return;
    }
    if (off > d.size) {
      bp.b_error = EINVAL;
      return;
    }
    // a transfer crossing the end is cut at the last whole sector
    const tail = d.size - off;
    const n = Math.min(len, tail - (tail % sect));
    if (n === 0) {
      bp.b_resid = len;
      return;
    }
    const read = (bp.b_flags & B_READ) !== 0;
    if (!read && !d.writable) {
      bp.b_error = EROFS;
      return;
    }
    if (this.shouldFail()) {
      bp.b_error = EIO;
      return;
    }
    const iov = bp.b_iov;
    if (iov !== null) {
      // a cluster: one scatter/gather hypercall; it must fit the window whole
      if (n !== len) {
        bp.b_error = EIO;
        return;
      }
      const host = this.kernel.host;
      const retv = this.retv;
      retv.v = 0;
      const error = read
        ? host.iovread(d.fd, iov, d.begin + off, retv)
        : host.iovwrite(d.fd, iov, d.begin + off, retv);
      bp.b_error = error;
      bp.b_resid = error === 0 ? len - retv.v : len;
      return;
    }
    const op = read ? RUMPUSER_BIO_READ : RUMPUSER_BIO_WRITE | (sync ? RUMPUSER_BIO_SYNC : 0);
    this.done = 0;
    this.err = 0;
    this.kernel.host.bio(
      d.fd,
      op,
      n === len ? bp.b_data : bp.b_data.subarray(0, n),
      n,
      d.begin + off,
      this.biodone,
      null,
    );
    bp.b_error = this.err;
    bp.b_resid = len - this.done;
  }

  /** Make written data durable on the host (DIOCCACHESYNC, fsync of the device). */
  sync(dev: number): number {
    const d = this.dev(dev);
    if (d === null || d.fd < 0 || !d.writable) return 0;
    return this.kernel.host.syncfd(d.fd, RUMPUSER_SYNCFD_WRITE | RUMPUSER_SYNCFD_SYNC, 0, 0);
  }

  /** Media size in bytes of the device (DIOCGMEDIASIZE). */
  mediasize(dev: number): number {
    const d = this.dev(dev);
    return d === null ? -1 : d.size;
  }

  ioctl(): number {
    return ENOTTY;
  }
}

/**
 * The raw (character) side of rumpblk: read(2)/write(2) on an etfs CHR key
 * move sector-aligned data straight to and from the host (physio).
 */
export function rumpblk_cdevsw(k: Kernel): import("./devsw.js").Cdevsw {
  const rb = (): Rumpblk => k.rumpblk;
  const raw = (dev: number, uio: import("../sys/uio.js").Uio, write: boolean): number => {
    const d = rb().dev(dev);
    if (d === null || d.fd < 0) return ENXIO;
    const sect = 1 << d.sectshift;
    if (uio.uio_offset % sect !== 0 || uio.uio_resid % sect !== 0) return EINVAL;
    const chunk = new Uint8Array(Math.min(uio.uio_resid, 1 << 20));
    while (uio.uio_resid > 0 && uio.uio_offset < d.size) {
      const n = Math.min(chunk.length, uio.uio_resid, d.size - uio.uio_offset);
      const bp = {
        b_bcount: n,
        b_blkno: uio.uio_offset / 512,
        b_flags: write ? 0 : B_READ,
        b_data: chunk.subarray(0, n),
        b_error: 0,
        b_resid: 0,
        b_iov: null,
      } as unknown as Buf;
      // UIO_WRITE moves the caller's data into chunk, UIO_READ the reverse
      if (write) uiomove(chunk, 0, n, uio);
      rb().strategy(dev, bp, false);
      if (bp.b_error !== 0) return bp.b_error;
      const done = n - bp.b_resid;
      if (!write) uiomove(chunk, 0, done, uio);
      if (done < n) break;
    }
    return 0;
  };
  return {
    d_name: "rumpblk",
    d_open: (dev, flags) => rb().open(dev, flags),
    d_close: (dev) => rb().close(dev),
    d_read: (dev, uio) => raw(dev, uio, false),
    d_write: (dev, uio) => raw(dev, uio, true),
    d_ioctl: () => ENOTTY,
  };
}
