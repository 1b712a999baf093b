/**
 * Time system calls (kern_time.c): clock_gettime, clock_getres,
 * gettimeofday, nanosleep. Time comes from the host's clock hypercall;
 * nanosleep really sleeps on the host (DESIGN.md answer 2).
 */
import { EFAULT, EINVAL } from "../gen/constants.js";
import type { Retval } from "../gen/sysent.js";
import type { Lwp } from "../sys/proc.js";
import type { Timespec, Timeval } from "../sys/time.js";
import { CLOCK_MONOTONIC, CLOCK_REALTIME } from "../sys/consts.js";

function clockRead(l: Lwp, clock: number, ts: Timespec): number {
  const k = l.l_proc.p_kernel;
  const host = k.host;
  const tsec = k.scratchSec;
  const tnsec = k.scratchNsec;
  let hclk: number;
  if (clock === CLOCK_REALTIME) hclk = 0;
  else if (clock === CLOCK_MONOTONIC) hclk = 1;
  else return EINVAL;
  const e = host.clock_gettime(hclk, tsec, tnsec);
  if (e !== 0) return e;
  ts.tv_sec = tsec.v;
  ts.tv_nsec = tnsec.v;
  return 0;
}

export function sys___clock_gettime50(l: Lwp, _rv: Retval, clock_id: number, tp: Timespec): number {
  if (tp === null || typeof tp !== "object") return EFAULT;
  return clockRead(l, clock_id, tp);
}

export function sys___clock_getres50(
  _l: Lwp,
  _rv: Retval,
  clock_id: number,
  tp: Timespec | null,
): number {
  if (clock_id !== CLOCK_REALTIME && clock_id !== CLOCK_MONOTONIC) return EINVAL;
  if (tp !== null && tp !== undefined) {
    tp.tv_sec = 0;
    tp.tv_nsec = 1;
  }
  return 0;
}

export function sys___gettimeofday50(
  l: Lwp,
  _rv: Retval,
  tp: Timeval | null,
  _tzp: unknown,
): number {
  if (tp === null || tp === undefined) return 0;
  const ts = { tv_sec: 0, tv_nsec: 0 };
  const e = clockRead(l, CLOCK_REALTIME, ts);
  if (e !== 0) return e;
  tp.tv_sec = ts.tv_sec;
  tp.tv_usec = Math.floor(ts.tv_nsec / 1000);
  return 0;
}

export function sys___nanosleep50(
  l: Lwp,
  _rv: Retval,
  rqtp: Timespec,
  rmtp: Timespec | null,
): number {
  if (rqtp === null || typeof rqtp !== "object") return EFAULT;
  const { tv_sec, tv_nsec } = rqtp;
  if (
    !Number.isSafeInteger(tv_sec) ||
    !Number.isInteger(tv_nsec) ||
    tv_sec < 0 ||
    tv_nsec < 0 ||
    tv_nsec >= 1e9
  ) {
    return EINVAL;
  }
  const e = l.l_proc.p_kernel.host.clock_sleep(0, tv_sec, tv_nsec);
  if (rmtp !== null && rmtp !== undefined) {
    rmtp.tv_sec = 0;
    rmtp.tv_nsec = 0;
  }
  return e;
}
