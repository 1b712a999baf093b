/**
 * The current lwp and the kernel's locks on a host with one thread
 * (rumpuser_curlwpop, rumpuser_mutex_*, rumpuser_rw_*, rumpuser_cv_*).
 *
 * As in the reference "none" variant (rumpuser_pth_dummy.c) locks are
 * counters with an owner, the owner being the current lwp at acquisition.
 * A lock that is taken cannot be released by anybody else while the caller
 * waits, so where a threaded host would block forever we throw
 * RumpuserDeadlock (the kernel answers EDEADLK); misuse of the contract
 * (recursive enter, exit of a free lock, SET over a set lwp) throws
 * RumpuserBug. Every object has one shape, set in its constructor.
 */
import { EBUSY } from "./errno.js";
import { RumpuserBug, RumpuserDeadlock } from "./errors.js";
import {
  RUMPUSER_LWP_CLEAR,
  RUMPUSER_LWP_CREATE,
  RUMPUSER_LWP_DESTROY,
  RUMPUSER_LWP_SET,
  RUMPUSER_MTX_KMUTEX,
  RUMPUSER_MTX_SPIN,
  RUMPUSER_RW_READER,
  RUMPUSER_RW_WRITER,
} from "./rumpuser.js";
import type { RumpuserCv, RumpuserLwp, RumpuserMtx, RumpuserRw } from "./rumpuser.js";

export class Mtx implements RumpuserMtx {
  held = false;
  owner: RumpuserLwp | null = null;
  constructor(readonly flags: number) {}
}

export class Rw implements RumpuserRw {
  readers = 0;
  writer = false;
  owner: RumpuserLwp | null = null;
}

export class Cv implements RumpuserCv {
  waiters = 0;
}

function mtx(m: RumpuserMtx, op: string): Mtx {
  if (!(m instanceof Mtx)) throw new RumpuserBug(`${op}: not a mutex of this host`);
  return m;
}
function rwl(r: RumpuserRw, op: string): Rw {
  if (!(r instanceof Rw)) throw new RumpuserBug(`${op}: not an rwlock of this host`);
  return r;
}
function cvar(c: RumpuserCv, op: string): Cv {
  if (!(c instanceof Cv)) throw new RumpuserBug(`${op}: not a condvar of this host`);
  return c;
}

/** The current lwp plus every lock operation; one per host. */
export class HostLocks {
  /** what RUMPUSER_LWP_SET installed */
  cur: RumpuserLwp | null = null;
  /** mutexes and rwlocks currently held (diagnostics) */
  held = 0;

  curlwpop(op: number, l: RumpuserLwp): void {
    switch (op) {
      case RUMPUSER_LWP_CREATE:
        return;
      case RUMPUSER_LWP_DESTROY:
        if (l === this.cur) throw new RumpuserBug("curlwpop(DESTROY) of the current lwp");
        return;
      case RUMPUSER_LWP_SET:
        if (this.cur !== null) throw new RumpuserBug("curlwpop(SET) while an lwp is set");
        if (l === null || typeof l !== "object")
          throw new RumpuserBug("curlwpop(SET) without an lwp");
        this.cur = l;
        return;
      case RUMPUSER_LWP_CLEAR:
        if (l !== this.cur || l === null)
          throw new RumpuserBug("curlwpop(CLEAR) of an lwp that is not current");
        this.cur = null;
        return;
      default:
        throw new RumpuserBug(`curlwpop: unknown op ${op}`);
    }
  }

  /* mutexes */

  mutexInit(flags: number): Mtx {
    if ((flags & (RUMPUSER_MTX_SPIN | RUMPUSER_MTX_KMUTEX)) === 0 || (flags & ~3) !== 0) {
      throw new RumpuserBug(`mutex_init: flags ${flags} (need SPIN and/or KMUTEX)`);
    }
    return new Mtx(flags);
  }

  mutexEnter(m: RumpuserMtx, op = "mutex_enter"): void {
    const x = mtx(m, op);
    if (x.held) {
      if (x.owner === this.cur) throw new RumpuserBug(`${op}: locking against myself`);
      throw new RumpuserDeadlock(`${op} of a mutex held by another lwp`);
    }
    x.held = true;
    x.owner = this.cur;
    this.held++;
  }

  mutexEnterNowrap(m: RumpuserMtx): void {
    if ((mtx(m, "mutex_enter_nowrap").flags & RUMPUSER_MTX_SPIN) === 0) {
      throw new RumpuserBug("mutex_enter_nowrap on a mutex that is not SPIN");
    }
    this.mutexEnter(m, "mutex_enter_nowrap");
  }

  mutexTryenter(m: RumpuserMtx): number {
    const x = mtx(m, "mutex_tryenter");
    if (x.held) return EBUSY;
    x.held = true;
    x.owner = this.cur;
    this.held++;
    return 0;
  }

  mutexExit(m: RumpuserMtx): void {
    const x = mtx(m, "mutex_exit");
    if (!x.held) throw new RumpuserBug("mutex_exit of a mutex that is not held");
    if ((x.flags & RUMPUSER_MTX_KMUTEX) !== 0 && x.owner !== this.cur) {
      throw new RumpuserBug("mutex_exit of a mutex held by another lwp");
    }
    x.held = false;
    x.owner = null;
    this.held--;
  }

  mutexDestroy(m: RumpuserMtx): void {
    if (mtx(m, "mutex_destroy").held) throw new RumpuserBug("mutex_destroy of a held mutex");
  }

  mutexOwner(m: RumpuserMtx): RumpuserLwp | null {
    const x = mtx(m, "mutex_owner");
    return x.held ? x.owner : null;
  }

  /* rwlocks */

  rwInit(): Rw {
    return new Rw();
  }

  rwEnter(lk: number, r: RumpuserRw): void {
    const x = rwl(r, "rw_enter");
    if (this.rwTry(lk, x, "rw_enter") === 0) return;
    if (x.writer && x.owner === this.cur) throw new RumpuserBug("rw_enter: locking against myself");
    throw new RumpuserDeadlock(
      lk === RUMPUSER_RW_WRITER
        ? "rw_enter(WRITER) of a held rwlock"
        : "rw_enter(READER) of a write-held rwlock",
    );
  }

  rwTryenter(lk: number, r: RumpuserRw): number {
    return this.rwTry(lk, rwl(r, "rw_tryenter"), "rw_tryenter");
  }

  private rwTry(lk: number, x: Rw, op: string): number {
    if (lk === RUMPUSER_RW_WRITER) {
      if (x.writer || x.readers > 0) return EBUSY;
      x.writer = true;
      x.owner = this.cur;
    } else if (lk === RUMPUSER_RW_READER) {
      if (x.writer) return EBUSY;
      x.readers++;
    } else throw new RumpuserBug(`${op}: unknown lock kind ${lk}`);
    this.held++;
    return 0;
  }

  rwTryupgrade(r: RumpuserRw): number {
    const x = rwl(r, "rw_tryupgrade");
    if (x.readers === 0) throw new RumpuserBug("rw_tryupgrade of an rwlock not read-held");
    if (x.readers > 1) return EBUSY;
    x.readers = 0;
    x.writer = true;
    x.owner = this.cur;
    return 0;
  }

  rwDowngrade(r: RumpuserRw): void {
    const x = rwl(r, "rw_downgrade");
    if (!x.writer || x.owner !== this.cur)
      throw new RumpuserBug("rw_downgrade of an rwlock the caller does not write-hold");
    x.writer = false;
    x.owner = null;
    x.readers = 1;
  }

  rwExit(r: RumpuserRw): void {
    const x = rwl(r, "rw_exit");
    if (x.writer) {
      x.writer = false;
      x.owner = null;
    } else if (x.readers > 0) {
      x.readers--;
    } else throw new RumpuserBug("rw_exit of an rwlock that is not held");
    this.held--;
  }

  rwDestroy(r: RumpuserRw): void {
    const x = rwl(r, "rw_destroy");
    if (x.writer || x.readers > 0) throw new RumpuserBug("rw_destroy of a held rwlock");
  }

  rwHeld(lk: number, r: RumpuserRw): boolean {
    const x = rwl(r, "rw_held");
    if (lk === RUMPUSER_RW_WRITER) return x.writer && x.owner === this.cur;
    if (lk === RUMPUSER_RW_READER) return x.readers > 0;
    throw new RumpuserBug(`rw_held: unknown lock kind ${lk}`);
  }

  /* condition variables */

  cvInit(): Cv {
    return new Cv();
  }

  cvDestroy(c: RumpuserCv): void {
    if (cvar(c, "cv_destroy").waiters !== 0) throw new RumpuserBug("cv_destroy with waiters");
  }

  /** The checks of a wait: the interlock must be held by the caller. */
  cvCheck(c: RumpuserCv, m: RumpuserMtx, op: string): Cv {
    const x = mtx(m, op);
    if (!x.held || x.owner !== this.cur)
      throw new RumpuserBug(`${op} without holding the interlock`);
    return cvar(c, op);
  }

  /** cv_wait: nothing could signal, ever. The interlock stays held. */
  cvWait(c: RumpuserCv, m: RumpuserMtx, op = "cv_wait"): never {
    this.cvCheck(c, m, op);
    throw new RumpuserDeadlock(`${op} on a host with one thread`);
  }

  /** Start a timed wait: release the interlock. */
  cvSleepBegin(c: Cv, m: RumpuserMtx): void {
    const x = m as Mtx;
    x.held = false;
    x.owner = null;
    this.held--;
    c.waiters++;
  }

  /** End it: take the interlock again (nobody else can have it). */
  cvSleepEnd(c: Cv, m: RumpuserMtx): void {
    const x = m as Mtx;
    c.waiters--;
    x.held = true;
    x.owner = this.cur;
    this.held++;
  }

  cvSignal(c: RumpuserCv): void {
    cvar(c, "cv_signal");
  }

  cvHasWaiters(c: RumpuserCv): number {
    return cvar(c, "cv_has_waiters").waiters;
  }
}
