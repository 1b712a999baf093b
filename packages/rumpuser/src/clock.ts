/**
 * Clocks (rumpuser_clock_gettime, rumpuser_clock_sleep).
 *
 * RealClock reads the host's monotonic clock (in Node `process.uptime()`,
 * the nanosecond source of process.hrtime without allocating and without
 * loading perf_hooks, which `performance` does at a cost of a millisecond of
 * start-up; elsewhere `performance.now()`) and derives wall time from it plus
 * the wall-clock origin, re-basing when the host's wall clock is stepped by
 * more than a second. Sleeps are real and idle: `Atomics.wait` on a private
 * SharedArrayBuffer cell nobody notifies.
 *
 * VirtualClock (host option `clock`, DESIGN.md answer 13) starts at a given
 * wall time and moves only when read (by `stepNs`) or slept on, so the same
 * commands give the same timestamps.
 */
import { EINVAL, EOPNOTSUPP } from "./errno.js";
import { RUMPUSER_CLOCK_ABSMONO, RUMPUSER_CLOCK_RELWALL } from "./rumpuser.js";
import type { Out } from "./rumpuser.js";

/**
 * Virtual time. Times are seconds since the epoch (SOURCE_DATE_EPOCH is a
 * good value; fractions are kept to the nanosecond as far as a double allows).
 * - `{ fixed: t }`: wall time stays at `t` except for what sleeps add;
 * - `{ start: t, stepNs: n }`: starts at `t` and advances `n` ns after every read.
 * The monotonic clock counts the same elapsed time from 0.
 */
export type VirtualClockOption = { fixed: number } | { start: number; stepNs: number };

/** A host's clock pair. */
export interface HostClock {
  /** true when time is virtual (sleeps do not sleep) */
  readonly virtual: boolean;
  /** 0, or EINVAL for an unknown clock */
  gettime(clk: number, sec: Out<number>, nsec: Out<number>): number;
  /** 0; EINVAL for bad arguments; EOPNOTSUPP where the host cannot block (a browser's main thread) */
  sleep(clk: number, sec: number, nsec: number): number;
}

const NS = 1e9;

/** The host's monotonic clock, in milliseconds. */
const monotonicMs: () => number =
  typeof process === "object" && typeof process.uptime === "function"
    ? () => process.uptime() * 1000
    : () => performance.now();

function validTime(sec: number, nsec: number): boolean {
  return Number.isSafeInteger(sec) && sec >= 0 && Number.isInteger(nsec) && nsec >= 0 && nsec < NS;
}

export class RealClock implements HostClock {
  readonly virtual = false;
  /** wall time at monotonic 0, in ms since the epoch */
  private baseSec = 0;
  private baseNsec = 0;
  private cell: Int32Array | null = null;

  constructor() {
    this.rebase(Date.now() - monotonicMs());
  }

  private rebase(originMs: number): void {
    const s = Math.floor(originMs / 1000);
    this.baseSec = s;
    this.baseNsec = Math.min(NS - 1, Math.round((originMs - s * 1000) * 1e6));
  }

  gettime(clk: number, sec: Out<number>, nsec: Out<number>): number {
    const ms = monotonicMs();
    const s = Math.floor(ms / 1000);
    const ns = Math.floor((ms - s * 1000) * 1e6);
    if (clk === RUMPUSER_CLOCK_ABSMONO) {
      sec.v = s;
      nsec.v = ns;
      return 0;
    }
    if (clk !== RUMPUSER_CLOCK_RELWALL) return EINVAL;
    this.wall(s, ns, sec, nsec);
    const drift = sec.v * 1000 + nsec.v / 1e6 - Date.now();
    if (drift > 1000 || drift < -1000) {
      // the host's wall clock was stepped: follow it
      this.rebase(Date.now() - ms);
      this.wall(s, ns, sec, nsec);
    }
    return 0;
  }

  /** wall time = origin + monotonic time */
  private wall(s: number, ns: number, sec: Out<number>, nsec: Out<number>): void {
    s += this.baseSec;
    ns += this.baseNsec;
    if (ns >= NS) {
      ns -= NS;
      s += 1;
    }
    sec.v = s;
    nsec.v = ns;
  }

  sleep(clk: number, sec: number, nsec: number): number {
    if (!validTime(sec, nsec)) return EINVAL;
    let target: number;
    if (clk === RUMPUSER_CLOCK_RELWALL) target = monotonicMs() + sec * 1000 + nsec / 1e6;
    else if (clk === RUMPUSER_CLOCK_ABSMONO) target = sec * 1000 + nsec / 1e6;
    else return EINVAL;
    return this.sleepUntil(target);
  }

  /** Block until the monotonic clock reaches targetMs, idle. */
  sleepUntil(targetMs: number): number {
    let cell = this.cell;
    if (cell === null) {
      if (typeof SharedArrayBuffer === "undefined") return EOPNOTSUPP;
      cell = this.cell = new Int32Array(new SharedArrayBuffer(4));
    }
    for (;;) {
      const rem = targetMs - monotonicMs();
      if (rem <= 0) return 0;
      try {
        Atomics.wait(cell, 0, 0, rem);
      } catch {
        return EOPNOTSUPP; // Atomics.wait is refused on a browser's main thread
      }
    }
  }
}

export class VirtualClock implements HostClock {
  readonly virtual = true;
  private readonly startSec: number;
  private readonly startNsec: number;
  private readonly stepNs: number;
  /** elapsed virtual time (the monotonic clock) */
  private sec = 0;
  private nsec = 0;

  constructor(opt: VirtualClockOption) {
    const t = "fixed" in opt ? opt.fixed : opt.start;
    const step = "fixed" in opt ? 0 : opt.stepNs;
    if (!Number.isFinite(t) || t < 0) throw new RangeError(`virtual clock: bad start time ${t}`);
    if (!Number.isSafeInteger(step) || step < 0)
      throw new RangeError(`virtual clock: bad stepNs ${step}`);
    const s = Math.floor(t);
    this.startSec = s;
    this.startNsec = Math.min(NS - 1, Math.round((t - s) * NS));
    this.stepNs = step;
  }

  private advance(sec: number, nsec: number): void {
    this.sec += sec;
    this.nsec += nsec;
    if (this.nsec >= NS) {
      this.sec += Math.floor(this.nsec / NS);
      this.nsec %= NS;
    }
  }

  gettime(clk: number, sec: Out<number>, nsec: Out<number>): number {
    if (clk === RUMPUSER_CLOCK_ABSMONO) {
      sec.v = this.sec;
      nsec.v = this.nsec;
    } else if (clk === RUMPUSER_CLOCK_RELWALL) {
      let s = this.startSec + this.sec;
      let ns = this.startNsec + this.nsec;
      if (ns >= NS) {
        ns -= NS;
        s += 1;
      }
      sec.v = s;
      nsec.v = ns;
    } else return EINVAL;
    if (this.stepNs !== 0) this.advance(0, this.stepNs);
    return 0;
  }

  sleep(clk: number, sec: number, nsec: number): number {
    if (!validTime(sec, nsec)) return EINVAL;
    if (clk === RUMPUSER_CLOCK_RELWALL) {
      this.advance(sec, nsec);
    } else if (clk === RUMPUSER_CLOCK_ABSMONO) {
      if (sec > this.sec || (sec === this.sec && nsec > this.nsec)) {
        this.sec = sec;
        this.nsec = nsec;
      }
    } else return EINVAL;
    return 0;
  }
}

/** The clock a host option asks for. */
export function makeClock(opt: VirtualClockOption | undefined): HostClock {
  return opt === undefined ? new RealClock() : new VirtualClock(opt);
}
