/**
 * What every host shares: version check, parameters, clocks, randomness,
 * console, termination, tasks, the current lwp and the locks. A host adds
 * the file hypercalls and a few facts about itself (pid, host name, memory,
 * environment). Host-free: no node:* here, so MemoryHost runs in a browser.
 */
import { makeClock } from "../clock.js";
import type { HostClock, VirtualClockOption } from "../clock.js";
import { HostConsole } from "../cons.js";
import type { ConsoleSink } from "../cons.js";
import { EBUSY, EINVAL, ENOENT, EOPNOTSUPP, ERANGE, ETIMEDOUT } from "../errno.js";
import { RumpuserExit, RumpuserPanic } from "../errors.js";
import { HostLocks } from "../locks.js";
import { kernelHostname, parseMemlimit, utf8Length } from "../params.js";
import { RANDOM_FLAGS, SeededRandom } from "../random.js";
import type { RandomSource } from "../random.js";
import {
  NOOP_UPCALLS,
  RUMPUSER_CLOCK_RELWALL,
  RUMPUSER_PANIC,
  RUMPUSER_PARAM_HOSTNAME,
  RUMPUSER_PARAM_NCPU,
  RUMPUSER_VERSION,
} from "../rumpuser.js";
import type {
  Out,
  Rumpuser,
  RumpuserBiodone,
  RumpuserCv,
  RumpuserLwp,
  RumpuserMtx,
  RumpuserRw,
  RumpuserUpcalls,
  TaskHandle,
} from "../rumpuser.js";
import { TaskQueue } from "../tasks.js";

/** Options every host takes. */
export interface HostOptions {
  /** Parameters answered by getparam before the environment (e.g. `{ RUMP_MEMLIMIT: "64m" }`). */
  params?: Readonly<Record<string, string>>;
  /** Where console and debug lines go. NodeHost: stderr; MemoryHost: only its `output` array. */
  console?: ConsoleSink;
  /** Virtual time instead of the host's clocks (DESIGN.md answer 13). */
  clock?: VirtualClockOption;
  /** A seed: getrandom becomes a deterministic generator (DESIGN.md answer 12). */
  randomSeed?: number;
  /** Called for every `kill` hypercall (NetBSD signal number, pid hint). */
  onSignal?: (sig: number, pid: number) => void;
  /** Called with an exception that escaped a task; default: a console line. */
  onTaskError?: (e: unknown) => void;
}

/** One record of MemoryHost's hypercall log. */
export interface HypercallRecord {
  op: string;
  args: readonly unknown[];
  /** the errno returned (0 = ok), or undefined for a call without one */
  ret: number | undefined;
}

export abstract class HostBase implements Rumpuser {
  readonly version = RUMPUSER_VERSION;
  /** The kernel's upcalls (no-ops until init). */
  upcalls: RumpuserUpcalls = NOOP_UPCALLS;
  /** Signals the kernel asked for, newest last. */
  readonly signals: { pid: number; sig: number }[] = [];

  protected readonly params: Readonly<Record<string, string>>;
  protected readonly clock: HostClock;
  protected readonly random: RandomSource;
  protected readonly cons: HostConsole;
  protected readonly locks = new HostLocks();
  protected readonly tasks: TaskQueue;
  /** set by hosts that log hypercalls (MemoryHost); null = no logging, no cost */
  protected trace:
    ((op: string, args: readonly unknown[], ret: number | undefined) => void) | null = null;

  private initialized = false;
  private warnedThreads = false;
  private readonly onSignal: ((sig: number, pid: number) => void) | undefined;
  /** reused slot for hyp_backend_unschedule's count */
  private readonly lockCount: Out<number> = { v: 0 };

  /**
   * `defaultSink`: the host's console when options give none; `cryptoRandom`:
   * its strong source, used unless options give a seed.
   */
  protected constructor(
    options: HostOptions,
    defaultSink: ConsoleSink,
    cryptoRandom: () => RandomSource,
  ) {
    this.params = options.params ?? {};
    this.clock = makeClock(options.clock);
    this.random =
      options.randomSeed !== undefined ? new SeededRandom(options.randomSeed) : cryptoRandom();
    this.cons = new HostConsole(options.console ?? defaultSink);
    this.onSignal = options.onSignal;
    const onTaskError =
      options.onTaskError ??
      ((e: unknown) =>
        this.dprintf(
          `rumpuser: task failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
        ));
    this.tasks = new TaskQueue(onTaskError);
  }

  /* what a concrete host supplies */

  /** the pid in `_RUMPUSER_HOSTNAME` */
  protected abstract hostPid(): number;
  /** the host's name, or null when unknown */
  protected abstract hostName(): string | null;
  /** bytes of host memory, for RUMP_MEMLIMIT percentages */
  abstract hostTotalMemory(): number;
  /** a parameter from the host environment, after the options' params */
  protected abstract hostEnv(name: string): string | undefined;
  /** close every descriptor (fsync the written ones when `sync`), dropping image locks */
  protected abstract closeAll(sync: boolean): void;

  abstract open(name: string, mode: number, fdp: Out<number>): number;
  abstract close(fd: number): number;
  abstract getfileinfo(name: string, size: Out<number> | null, type: Out<number> | null): number;
  abstract bio<A>(
    fd: number,
    op: number,
    data: Uint8Array,
    dlen: number,
    off: number,
    biodone: RumpuserBiodone<A>,
    donearg: A,
  ): void;
  abstract iovread(fd: number, iov: readonly Uint8Array[], off: number, retv: Out<number>): number;
  abstract iovwrite(fd: number, iov: readonly Uint8Array[], off: number, retv: Out<number>): number;
  abstract syncfd(fd: number, flags: number, start: number, len: number): number;

  /* init */

  init(version: number, upcalls: RumpuserUpcalls): number {
    let r = 0;
    if (version !== RUMPUSER_VERSION) {
      this.dprintf(`rumpuser mismatch, kern: ${version}, hypervisor ${RUMPUSER_VERSION}\n`);
      r = EINVAL;
    } else if (this.initialized) {
      r = EBUSY;
    } else {
      this.upcalls = upcalls;
      this.initialized = true;
    }
    if (this.trace !== null) this.trace("init", [version], r);
    return r;
  }

  /* parameters */

  getparam(name: string, buf: Out<string>, buflen: number): number {
    const r = this.getparam1(name, buf, buflen);
    if (this.trace !== null) this.trace("getparam", [name, buflen], r);
    return r;
  }

  private getparam1(name: string, buf: Out<string>, buflen: number): number {
    let value: string | undefined;
    if (name === RUMPUSER_PARAM_NCPU) value = "1";
    else if (name === RUMPUSER_PARAM_HOSTNAME)
      value = kernelHostname(this.hostPid(), this.hostName());
    else if (name.startsWith("_")) return EINVAL;
    else {
      value = Object.hasOwn(this.params, name) ? this.params[name] : this.hostEnv(name);
      if (value === undefined) return ENOENT;
      if (name === "RUMP_MEMLIMIT" && value.endsWith("%")) {
        const bytes = parseMemlimit(value, this.hostTotalMemory());
        if (bytes !== null) value = String(bytes); // an invalid one goes through for the kernel to refuse
      }
    }
    if (utf8Length(value) > buflen - 1) return ERANGE;
    buf.v = value;
    return 0;
  }

  /* clocks */

  clock_gettime(clk: number, sec: Out<number>, nsec: Out<number>): number {
    const r = this.clock.gettime(clk, sec, nsec);
    if (this.trace !== null) this.trace("clock_gettime", [clk], r);
    return r;
  }

  clock_sleep(clk: number, sec: number, nsec: number): number {
    const r = this.sleep(clk, sec, nsec, null);
    if (this.trace !== null) this.trace("clock_sleep", [clk, sec, nsec], r);
    return r;
  }

  /** A sleep that gives the rump CPU back while the host really sleeps. */
  private sleep(clk: number, sec: number, nsec: number, interlock: RumpuserMtx | null): number {
    if (this.clock.virtual) return this.clock.sleep(clk, sec, nsec);
    const count = this.lockCount;
    this.upcalls.hyp_backend_unschedule(0, count, interlock);
    const n = count.v;
    try {
      return this.clock.sleep(clk, sec, nsec);
    } finally {
      this.upcalls.hyp_backend_schedule(n, interlock);
    }
  }

  /* randomness */

  getrandom(buf: Uint8Array, flags: number, retp: Out<number>): number {
    let r = 0;
    if (!Number.isInteger(flags) || (flags & ~RANDOM_FLAGS) !== 0) {
      r = EINVAL;
    } else {
      this.random.fill(buf);
      retp.v = buf.length;
    }
    if (this.trace !== null) this.trace("getrandom", [buf.length, flags], r);
    return r;
  }

  /* console, termination, signals */

  putchar(ch: number): void {
    this.cons.putchar(ch);
  }

  dprintf(msg: string): void {
    this.cons.dprintf(msg);
  }

  exit(value: number): never {
    if (this.trace !== null) this.trace("exit", [value], undefined);
    this.cons.flush(); // what the kernel printed last comes first
    this.cons.dprintf("halted\n");
    try {
      // as a process exit would: descriptors closed, image locks dropped
      this.shutdown1(value !== RUMPUSER_PANIC);
    } catch (e) {
      this.cons.dprintf(`rumpuser: at exit: ${e instanceof Error ? e.message : String(e)}\n`);
      this.cons.flush();
    }
    throw value === RUMPUSER_PANIC ? new RumpuserPanic() : new RumpuserExit(value);
  }

  kill(pid: number, sig: number): number {
    this.signals.push({ pid, sig });
    if (this.trace !== null) this.trace("kill", [pid, sig], 0);
    if (this.onSignal !== undefined) this.onSignal(sig, pid);
    return 0;
  }

  /* tasks and threads */

  task_schedule(fn: () => void, delayMs: number): TaskHandle {
    if (this.trace !== null) this.trace("task_schedule", [delayMs], undefined);
    return this.tasks.schedule(fn, delayMs);
  }

  task_cancel(h: TaskHandle): void {
    if (this.trace !== null) this.trace("task_cancel", [], undefined);
    this.tasks.cancel(h);
  }

  thread_create(
    _fn: (arg: unknown) => void,
    _arg: unknown,
    name: string,
    _mustjoin: boolean,
    _priority: number,
    _cpuidx: number,
    _cookie: Out<unknown> | null,
  ): number {
    if (!this.warnedThreads) {
      this.warnedThreads = true;
      this.dprintf("rumpuser: threads not available (kernel threads are host tasks)\n");
    }
    if (this.trace !== null) this.trace("thread_create", [name], EOPNOTSUPP);
    return EOPNOTSUPP;
  }

  thread_join(_cookie: unknown): number {
    return EINVAL;
  }

  curlwpop(op: number, l: RumpuserLwp): void {
    this.locks.curlwpop(op, l);
  }

  curlwp(): RumpuserLwp | null {
    return this.locks.cur;
  }

  /* mutexes: never logged (hot and host-free) */

  mutex_init(flags: number): RumpuserMtx {
    return this.locks.mutexInit(flags);
  }
  mutex_enter(mtx: RumpuserMtx): void {
    this.locks.mutexEnter(mtx);
  }
  mutex_enter_nowrap(mtx: RumpuserMtx): void {
    this.locks.mutexEnterNowrap(mtx);
  }
  mutex_tryenter(mtx: RumpuserMtx): number {
    return this.locks.mutexTryenter(mtx);
  }
  mutex_exit(mtx: RumpuserMtx): void {
    this.locks.mutexExit(mtx);
  }
  mutex_destroy(mtx: RumpuserMtx): void {
    this.locks.mutexDestroy(mtx);
  }
  mutex_owner(mtx: RumpuserMtx): RumpuserLwp | null {
    return this.locks.mutexOwner(mtx);
  }

  /* rwlocks */

  rw_init(): RumpuserRw {
    return this.locks.rwInit();
  }
  rw_enter(lk: number, rw: RumpuserRw): void {
    this.locks.rwEnter(lk, rw);
  }
  rw_tryenter(lk: number, rw: RumpuserRw): number {
    return this.locks.rwTryenter(lk, rw);
  }
  rw_tryupgrade(rw: RumpuserRw): number {
    return this.locks.rwTryupgrade(rw);
  }
  rw_downgrade(rw: RumpuserRw): void {
    this.locks.rwDowngrade(rw);
  }
  rw_exit(rw: RumpuserRw): void {
    this.locks.rwExit(rw);
  }
  rw_destroy(rw: RumpuserRw): void {
    this.locks.rwDestroy(rw);
  }
  rw_held(lk: number, rw: RumpuserRw): boolean {
    return this.locks.rwHeld(lk, rw);
  }

  /* condition variables */

  cv_init(): RumpuserCv {
    return this.locks.cvInit();
  }
  cv_destroy(cv: RumpuserCv): void {
    this.locks.cvDestroy(cv);
  }
  cv_wait(cv: RumpuserCv, mtx: RumpuserMtx): void {
    this.locks.cvWait(cv, mtx);
  }
  cv_wait_nowrap(cv: RumpuserCv, mtx: RumpuserMtx): void {
    this.locks.cvWait(cv, mtx, "cv_wait_nowrap");
  }
  cv_timedwait(cv: RumpuserCv, mtx: RumpuserMtx, sec: number, nsec: number): number {
    const c = this.locks.cvCheck(cv, mtx, "cv_timedwait");
    if (
      Number.isSafeInteger(sec) &&
      sec >= 0 &&
      Number.isInteger(nsec) &&
      nsec >= 0 &&
      nsec < 1e9 &&
      sec + nsec > 0
    ) {
      this.locks.cvSleepBegin(c, mtx);
      try {
        this.sleep(RUMPUSER_CLOCK_RELWALL, sec, nsec, mtx);
      } finally {
        this.locks.cvSleepEnd(c, mtx);
      }
    }
    if (this.trace !== null) this.trace("cv_timedwait", [sec, nsec], ETIMEDOUT);
    return ETIMEDOUT;
  }
  cv_signal(cv: RumpuserCv): void {
    this.locks.cvSignal(cv);
  }
  cv_broadcast(cv: RumpuserCv): void {
    this.locks.cvSignal(cv);
  }
  cv_has_waiters(cv: RumpuserCv): number {
    return this.locks.cvHasWaiters(cv);
  }

  /* shutdown */

  shutdown(): void {
    if (this.trace !== null) this.trace("shutdown", [], undefined);
    this.shutdown1(true);
  }

  private shutdown1(sync: boolean): void {
    this.tasks.cancelAll();
    try {
      this.closeAll(sync);
    } finally {
      this.cons.flush();
    }
  }
}
