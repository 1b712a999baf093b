/** curlwp, mutexes, rwlocks and condvars on a single-threaded host. */
import { describe, expect, it } from "vitest";
import { RumpuserBug, RumpuserDeadlock } from "../src/errors.js";
import { MemoryHost } from "../src/hosts/memory.js";
import {
  NOOP_UPCALLS,
  RUMPUSER_LWP_CLEAR,
  RUMPUSER_LWP_CREATE,
  RUMPUSER_LWP_DESTROY,
  RUMPUSER_LWP_SET,
  RUMPUSER_MTX_KMUTEX,
  RUMPUSER_MTX_SPIN,
  RUMPUSER_RW_READER,
  RUMPUSER_RW_WRITER,
  RUMPUSER_VERSION,
} from "../src/rumpuser.js";
import type { Out, RumpuserMtx } from "../src/rumpuser.js";

const EBUSY = 16;
const EDEADLK = 11;
const ETIMEDOUT = 60;

const l1 = { name: "lwp1" };
const l2 = { name: "lwp2" };

function withLwp(host: MemoryHost, l: object, fn: () => void): void {
  host.curlwpop(RUMPUSER_LWP_SET, l);
  try {
    fn();
  } finally {
    host.curlwpop(RUMPUSER_LWP_CLEAR, l);
  }
}

describe("curlwp", () => {
  it("is null until SET, the lwp after it, null after CLEAR", () => {
    const host = new MemoryHost();
    expect(host.curlwp()).toBeNull();
    host.curlwpop(RUMPUSER_LWP_CREATE, l1);
    host.curlwpop(RUMPUSER_LWP_SET, l1);
    expect(host.curlwp()).toBe(l1);
    host.curlwpop(RUMPUSER_LWP_CLEAR, l1);
    expect(host.curlwp()).toBeNull();
    host.curlwpop(RUMPUSER_LWP_DESTROY, l1);
  });

  it("treats a broken rule as a kernel bug", () => {
    const host = new MemoryHost();
    host.curlwpop(RUMPUSER_LWP_SET, l1);
    expect(() => host.curlwpop(RUMPUSER_LWP_SET, l2)).toThrow(RumpuserBug);
    expect(() => host.curlwpop(RUMPUSER_LWP_CLEAR, l2)).toThrow(RumpuserBug);
    expect(() => host.curlwpop(RUMPUSER_LWP_DESTROY, l1)).toThrow(RumpuserBug);
    expect(() => host.curlwpop(9, l1)).toThrow(RumpuserBug);
    expect(host.curlwp()).toBe(l1);
  });

  it("belongs to the host: two hosts, two current lwps", () => {
    const a = new MemoryHost();
    const b = new MemoryHost();
    a.curlwpop(RUMPUSER_LWP_SET, l1);
    b.curlwpop(RUMPUSER_LWP_SET, l2);
    expect([a.curlwp(), b.curlwp()]).toEqual([l1, l2]);
  });
});

describe("mutexes", () => {
  it("need SPIN and/or KMUTEX", () => {
    const host = new MemoryHost();
    expect(() => host.mutex_init(0)).toThrow(RumpuserBug);
    expect(() => host.mutex_init(0x10)).toThrow(RumpuserBug);
    expect(host.mutex_init(RUMPUSER_MTX_SPIN).flags).toBe(RUMPUSER_MTX_SPIN);
  });

  it("enter/exit with the current lwp as owner", () => {
    const host = new MemoryHost();
    const m = host.mutex_init(RUMPUSER_MTX_KMUTEX);
    withLwp(host, l1, () => {
      expect(host.mutex_owner(m)).toBeNull();
      host.mutex_enter(m);
      expect(host.mutex_owner(m)).toBe(l1);
      host.mutex_exit(m);
      expect(host.mutex_owner(m)).toBeNull();
      host.mutex_destroy(m);
    });
  });

  it("enter of a mutex another lwp holds is a deadlock, reported and not hung", () => {
    const host = new MemoryHost();
    const m = host.mutex_init(RUMPUSER_MTX_KMUTEX);
    withLwp(host, l1, () => host.mutex_enter(m));
    withLwp(host, l2, () => {
      let err: unknown;
      try {
        host.mutex_enter(m);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(RumpuserDeadlock);
      expect((err as RumpuserDeadlock).errno).toBe(EDEADLK);
      expect((err as Error).message).toMatch(/wait forever/);
      expect(host.mutex_tryenter(m)).toBe(EBUSY);
      expect(() => host.mutex_exit(m)).toThrow(RumpuserBug); // KMUTEX: only the owner
    });
    withLwp(host, l1, () => host.mutex_exit(m));
    withLwp(host, l2, () => expect(host.mutex_tryenter(m)).toBe(0));
  });

  it("a recursive enter, an exit of a free mutex, destroying a held one are kernel bugs", () => {
    const host = new MemoryHost();
    const m = host.mutex_init(RUMPUSER_MTX_KMUTEX);
    host.mutex_enter(m);
    expect(() => host.mutex_enter(m)).toThrow(RumpuserBug);
    expect(host.mutex_tryenter(m)).toBe(EBUSY);
    expect(() => host.mutex_destroy(m)).toThrow(RumpuserBug);
    host.mutex_exit(m);
    expect(() => host.mutex_exit(m)).toThrow(RumpuserBug);
    expect(() => host.mutex_enter({ flags: 1 })).toThrow(RumpuserBug); // not one of ours
  });

  it("enter_nowrap only on SPIN mutexes", () => {
    const host = new MemoryHost();
    const spin = host.mutex_init(RUMPUSER_MTX_SPIN);
    host.mutex_enter_nowrap(spin);
    host.mutex_exit(spin);
    expect(() => host.mutex_enter_nowrap(host.mutex_init(RUMPUSER_MTX_KMUTEX))).toThrow(
      RumpuserBug,
    );
  });
});

describe("rwlocks", () => {
  it("share readers, exclude a writer, report held", () => {
    const host = new MemoryHost();
    const rw = host.rw_init();
    withLwp(host, l1, () => {
      host.rw_enter(RUMPUSER_RW_READER, rw);
      host.rw_enter(RUMPUSER_RW_READER, rw);
      expect(rw.readers).toBe(2);
      expect(host.rw_held(RUMPUSER_RW_READER, rw)).toBe(true);
      expect(host.rw_held(RUMPUSER_RW_WRITER, rw)).toBe(false);
      expect(host.rw_tryenter(RUMPUSER_RW_WRITER, rw)).toBe(EBUSY);
      expect(() => host.rw_enter(RUMPUSER_RW_WRITER, rw)).toThrow(RumpuserDeadlock);
      expect(host.rw_tryupgrade(rw)).toBe(EBUSY); // two readers
      host.rw_exit(rw);
      expect(host.rw_tryupgrade(rw)).toBe(0); // the sole reader
      expect(host.rw_held(RUMPUSER_RW_WRITER, rw)).toBe(true);
      expect(host.rw_held(RUMPUSER_RW_READER, rw)).toBe(false);
    });
    withLwp(host, l2, () => {
      expect(host.rw_held(RUMPUSER_RW_WRITER, rw)).toBe(false); // l1 is the writer
      expect(host.rw_tryenter(RUMPUSER_RW_READER, rw)).toBe(EBUSY);
      expect(() => host.rw_enter(RUMPUSER_RW_READER, rw)).toThrow(RumpuserDeadlock);
    });
    withLwp(host, l1, () => {
      expect(() => host.rw_enter(RUMPUSER_RW_READER, rw)).toThrow(RumpuserBug); // against myself
      host.rw_downgrade(rw);
      expect(rw.readers).toBe(1);
      expect(host.rw_held(RUMPUSER_RW_READER, rw)).toBe(true);
    });
    withLwp(host, l2, () => {
      host.rw_enter(RUMPUSER_RW_READER, rw); // readers share after the downgrade
      host.rw_exit(rw);
    });
    host.rw_exit(rw);
    expect(() => host.rw_exit(rw)).toThrow(RumpuserBug);
    host.rw_destroy(rw);
  });

  it("misuse is a kernel bug", () => {
    const host = new MemoryHost();
    const rw = host.rw_init();
    expect(() => host.rw_tryupgrade(rw)).toThrow(RumpuserBug);
    expect(() => host.rw_downgrade(rw)).toThrow(RumpuserBug);
    expect(() => host.rw_enter(5, rw)).toThrow(RumpuserBug);
    host.rw_enter(RUMPUSER_RW_WRITER, rw);
    expect(() => host.rw_enter(RUMPUSER_RW_WRITER, rw)).toThrow(RumpuserBug);
    expect(() => host.rw_destroy(rw)).toThrow(RumpuserBug);
  });
});

describe("condition variables", () => {
  it("cv_wait cannot be woken on one thread: RumpuserDeadlock, interlock still held", () => {
    const host = new MemoryHost();
    const cv = host.cv_init();
    const m = host.mutex_init(RUMPUSER_MTX_KMUTEX);
    withLwp(host, l1, () => {
      host.mutex_enter(m);
      expect(() => host.cv_wait(cv, m)).toThrow(RumpuserDeadlock);
      expect(() => host.cv_wait_nowrap(cv, m)).toThrow(RumpuserDeadlock);
      expect(host.mutex_owner(m)).toBe(l1);
      host.mutex_exit(m);
      expect(() => host.cv_wait(cv, m)).toThrow(RumpuserBug); // interlock not held
    });
  });

  it("cv_timedwait really sleeps for the timeout and returns ETIMEDOUT, releasing the interlock meanwhile", () => {
    const host = new MemoryHost();
    const cv = host.cv_init();
    const m = host.mutex_init(RUMPUSER_MTX_KMUTEX);
    const seen: [number, boolean][] = [];
    host.init(RUMPUSER_VERSION, {
      ...NOOP_UPCALLS,
      hyp_backend_unschedule(_n: number, countp: Out<number>, interlock: RumpuserMtx | null) {
        countp.v = 0;
        seen.push([cv.waiters, interlock === m && host.mutex_owner(m) === null]);
      },
    });
    withLwp(host, l1, () => {
      host.mutex_enter(m);
      const t0 = performance.now();
      expect(host.cv_timedwait(cv, m, 0, 120_000_000)).toBe(ETIMEDOUT);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(119.9);
      expect(host.mutex_owner(m)).toBe(l1);
      expect(host.cv_has_waiters(cv)).toBe(0);
      expect(host.cv_timedwait(cv, m, 0, 0)).toBe(ETIMEDOUT); // no time: at once
      host.mutex_exit(m);
    });
    expect(seen).toEqual([[1, true]]);
  });

  it("cv_timedwait with a virtual clock advances time instead", () => {
    const host = new MemoryHost({ clock: { fixed: 1000 } });
    const cv = host.cv_init();
    const m = host.mutex_init(RUMPUSER_MTX_SPIN);
    host.mutex_enter(m);
    expect(host.cv_timedwait(cv, m, 30, 0)).toBe(ETIMEDOUT);
    const s = { v: 0 };
    host.clock_gettime(0, s, { v: 0 });
    expect(s.v).toBe(1030);
  });

  it("signal and broadcast have nobody to wake; has_waiters is 0; destroy", () => {
    const host = new MemoryHost();
    const cv = host.cv_init();
    host.cv_signal(cv);
    host.cv_broadcast(cv);
    expect(host.cv_has_waiters(cv)).toBe(0);
    host.cv_destroy(cv);
    expect(() => host.cv_signal({ waiters: 0 })).toThrow(RumpuserBug);
  });
});
