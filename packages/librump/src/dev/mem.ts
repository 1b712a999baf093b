/**
 * /dev/null, /dev/zero (the mem driver) and /dev/random, /dev/urandom.
 */
import { ENODEV, ENOTTY, ENXIO } from "../gen/constants.js";
import type { Rumpuser } from "@rump/rumpuser";
import { uiomove, uiozero, UIO_READ, type Uio } from "../sys/uio.js";
import { minor, MEM_MINOR_NULL, MEM_MINOR_ZERO, type Cdevsw } from "./devsw.js";

export const mem_cdevsw: Cdevsw = {
  d_name: "mem",
  d_open(dev) {
    const m = minor(dev);
    return m === MEM_MINOR_NULL || m === MEM_MINOR_ZERO ? 0 : ENXIO;
  },
  d_close() {
    return 0;
  },
  d_read(dev, uio) {
    if (minor(dev) === MEM_MINOR_NULL) return 0;
    uiozero(uio.uio_resid, uio);
    return 0;
  },
  d_write(_dev, uio) {
    // both sinks swallow everything
    uiozero(uio.uio_resid, uio);
    return 0;
  },
  d_ioctl() {
    return ENOTTY;
  },
};

/** The random driver draws from the host's getrandom hypercall. */
export function rnd_cdevsw(host: Rumpuser): Cdevsw {
  const chunk = new Uint8Array(4096);
  const got = { v: 0 };
  return {
    d_name: "rnd",
    d_open(dev) {
      return minor(dev) <= 1 ? 0 : ENXIO;
    },
    d_close() {
      return 0;
    },
    d_read(_dev, uio: Uio) {
      while (uio.uio_resid > 0) {
        const n = Math.min(chunk.length, uio.uio_resid);
        const error = host.getrandom(chunk.subarray(0, n), 0, got);
        if (error !== 0) return error;
        if (got.v === 0) return ENODEV;
        uiomove(chunk, 0, got.v, uio);
      }
      return 0;
    },
    d_write(_dev, uio) {
      // writing adds entropy in NetBSD; we accept and drop it
      if (uio.uio_rw !== UIO_READ) uiozero(uio.uio_resid, uio);
      return 0;
    },
    d_ioctl() {
      return ENOTTY;
    },
  };
}
