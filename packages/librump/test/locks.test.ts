/**
 * Advisory locks (vfs_lockf.c) at the unit level: lf_advlock's range
 * arithmetic (split, merge, upgrade, to-EOF and negative lengths) on a real
 * vnode, then the owners as the system calls make them — a process for
 * POSIX locks, an open file for flock — and when their locks go away.
 */
import { describe, expect, it } from "vitest";
import {
  EAGAIN,
  EDEADLK,
  EINVAL,
  F_GETLK,
  F_RDLCK,
  F_SETLK,
  F_SETLKW,
  F_UNLCK,
  F_WRLCK,
  LOCK_EX,
  LOCK_NB,
  LOCK_SH,
  LOCK_UN,
  O_CREAT,
  O_RDWR,
  SEEK_CUR,
  SEEK_END,
  SEEK_SET,
  type Flock,
} from "@rump/syscalls";
import { F_FLOCK, F_POSIX, F_WAIT } from "../src/gen/constants.js";
import { lf_advlock, lf_held } from "../src/kern/vfs_lockf.js";
import { RUMP_RFCFDG, RUMP_RFFDG, RUMP_RFFD_SHARE } from "../src/rump/lwproc.js";
import { LOOKUP } from "../src/sys/namei.js";
import type { Lwp } from "../src/sys/proc.js";
import type { Vnode } from "../src/sys/vnode.js";
import { boot, errnoOf, type Booted } from "./helpers/kernel.js";

interface L {
  type: number;
  start: number;
  end: number;
  id: object;
}

function fl(type: number, start: number, len: number, whence = SEEK_SET): Flock {
  return { l_type: type, l_start: start, l_len: len, l_whence: whence, l_pid: 0 };
}

/** A booted kernel and the vnode of a fresh file, for lf_advlock directly. */
function fileVnode(): Booted & { vp: Vnode } {
  const t = boot();
  t.sys.rump_sys_close(t.sys.rump_sys_open("/tmp/lk", O_CREAT | O_RDWR, 0o666));
  const out = { vp: null as Vnode | null };
  expect(t.k.rump_pub_namei(LOOKUP, 0, "/tmp/lk", null, out, null)).toBe(0);
  const vp = out.vp!;
  return { ...t, vp };
}

/** The locks of `id` on vp, sorted: [type, start, end]. */
function locks(vp: Vnode, id?: object): Array<[number, number, number]> {
  const all =
    (vp.v_lockf as Array<{
      lf_type: number;
      lf_start: number;
      lf_end: number;
      lf_id: object;
    }> | null) ?? [];
  return all
    .filter((l) => id === undefined || l.lf_id === id)
    .map((l): L => ({ type: l.lf_type, start: l.lf_start, end: l.lf_end, id: l.lf_id }))
    .sort((a, b) => a.start - b.start)
    .map((l) => [l.type, l.start, l.end]);
}

describe("lf_advlock: POSIX ranges", () => {
  const A = { p_pid: 10 };
  const B = { p_pid: 20 };
  const set = (vp: Vnode, id: object, f: Flock, wait = false): number =>
    lf_advlock(vp, id, F_SETLK, f, F_POSIX | (wait ? F_WAIT : 0), 1000);
  const unl = (vp: Vnode, id: object, f: Flock): number =>
    lf_advlock(vp, id, F_UNLCK, f, F_POSIX, 1000);

  it("unlocking the middle splits a lock in two", () => {
    const { vp } = fileVnode();
    expect(set(vp, A, fl(F_WRLCK, 0, 100))).toBe(0);
    expect(unl(vp, A, fl(F_UNLCK, 40, 20))).toBe(0);
    expect(locks(vp, A)).toEqual([
      [F_WRLCK, 0, 39],
      [F_WRLCK, 60, 99],
    ]);
    // the hole is free for another owner, the rest is not
    expect(set(vp, B, fl(F_WRLCK, 40, 20))).toBe(0);
    expect(set(vp, B, fl(F_RDLCK, 39, 1))).toBe(EAGAIN);
    expect(set(vp, B, fl(F_RDLCK, 60, 1))).toBe(EAGAIN);
  });

  it("a different type in the middle makes three; the same type again merges", () => {
    const { vp } = fileVnode();
    set(vp, A, fl(F_WRLCK, 0, 100));
    expect(set(vp, A, fl(F_RDLCK, 40, 20))).toBe(0); // downgrade a part
    expect(locks(vp, A)).toEqual([
      [F_WRLCK, 0, 39],
      [F_RDLCK, 40, 59],
      [F_WRLCK, 60, 99],
    ]);
    expect(set(vp, B, fl(F_RDLCK, 45, 5))).toBe(0); // readers share the read part
    expect(set(vp, B, fl(F_RDLCK, 30, 15))).toBe(EAGAIN);
    unl(vp, B, fl(F_UNLCK, 0, 0));
    expect(set(vp, A, fl(F_WRLCK, 40, 20))).toBe(0); // upgrade it back
    expect(locks(vp, A)).toEqual([[F_WRLCK, 0, 99]]);
  });

  it("adjacent and overlapping locks of one owner and type coalesce, in any order", () => {
    const { vp } = fileVnode();
    set(vp, A, fl(F_RDLCK, 0, 10));
    set(vp, A, fl(F_RDLCK, 20, 10));
    expect(locks(vp, A)).toEqual([
      [F_RDLCK, 0, 9],
      [F_RDLCK, 20, 29],
    ]);
    set(vp, A, fl(F_RDLCK, 10, 10));
    expect(locks(vp, A)).toEqual([[F_RDLCK, 0, 29]]);
    set(vp, A, fl(F_RDLCK, 25, 20));
    expect(locks(vp, A)).toEqual([[F_RDLCK, 0, 44]]);
    // another owner's adjacent lock stays separate
    set(vp, B, fl(F_RDLCK, 45, 5));
    expect(locks(vp, B)).toEqual([[F_RDLCK, 45, 49]]);
    expect(locks(vp, A)).toEqual([[F_RDLCK, 0, 44]]);
  });

  it("l_len 0 locks to EOF and beyond; a negative l_len locks before l_start", () => {
    const { vp } = fileVnode();
    set(vp, A, fl(F_WRLCK, 500, 0));
    expect(locks(vp, A)).toEqual([[F_WRLCK, 500, Infinity]]);
    expect(set(vp, B, fl(F_WRLCK, 1e12, 1))).toBe(EAGAIN);
    expect(set(vp, B, fl(F_WRLCK, 100, -50))).toBe(0);
    expect(locks(vp, B)).toEqual([[F_WRLCK, 50, 99]]);
    expect(set(vp, B, fl(F_WRLCK, 10, -11))).toBe(EINVAL); // would start before 0
    expect(set(vp, B, fl(F_WRLCK, -1, 5))).toBe(EINVAL);
    // unlock to EOF clears everything from there on
    unl(vp, A, fl(F_UNLCK, 600, 0));
    expect(locks(vp, A)).toEqual([[F_WRLCK, 500, 599]]);
  });

  it("SEEK_END counts from the file size; a bad whence is EINVAL", () => {
    const { vp } = fileVnode();
    expect(set(vp, A, fl(F_WRLCK, -10, 5, SEEK_END))).toBe(0); // size 1000
    expect(locks(vp, A)).toEqual([[F_WRLCK, 990, 994]]);
    expect(set(vp, A, fl(F_WRLCK, 0, 5, 7))).toBe(EINVAL);
    expect(set(vp, A, fl(7, 0, 5))).toBe(EINVAL); // not a lock type
  });

  it("F_GETLK reports the first conflicting lock with its owner's pid", () => {
    const { vp } = fileVnode();
    set(vp, A, fl(F_RDLCK, 10, 10));
    set(vp, B, fl(F_RDLCK, 15, 10));
    const q = fl(F_WRLCK, 0, 0);
    expect(lf_advlock(vp, A, F_GETLK, q, F_POSIX, 1000)).toBe(0);
    expect(q).toMatchObject({ l_type: F_RDLCK, l_start: 15, l_len: 10, l_pid: 20 });
    const q2 = fl(F_RDLCK, 0, 0); // readers do not conflict
    lf_advlock(vp, A, F_GETLK, q2, F_POSIX, 1000);
    expect(q2.l_type).toBe(F_UNLCK);
    const q3 = fl(F_WRLCK, 12, 1); // own locks never conflict
    lf_advlock(vp, A, F_GETLK, q3, F_POSIX, 1000);
    expect(q3.l_type).toBe(F_UNLCK);
  });

  it("a request that would wait is EDEADLK, one that would not is EAGAIN", () => {
    const { vp } = fileVnode();
    set(vp, A, fl(F_WRLCK, 0, 10));
    expect(set(vp, B, fl(F_RDLCK, 5, 1), true)).toBe(EDEADLK);
    expect(set(vp, B, fl(F_RDLCK, 5, 1), false)).toBe(EAGAIN);
    expect(locks(vp, B)).toEqual([]); // no side effect
    expect(set(vp, B, fl(F_RDLCK, 10, 1), true)).toBe(0);
  });

  it("flock owners (files) and POSIX owners (processes) conflict with each other", () => {
    const { vp } = fileVnode();
    const file = {};
    expect(lf_advlock(vp, file, F_SETLK, fl(F_WRLCK, 0, 0), F_FLOCK, 1000)).toBe(0);
    expect(set(vp, A, fl(F_RDLCK, 0, 1))).toBe(EAGAIN);
    expect(lf_held(vp, file)).toBe(true);
    expect(lf_held(vp, A)).toBe(false);
  });
});

/** Two processes with their own descriptor tables, each with the file open. */
function twoProcesses() {
  const t = boot();
  const { k, sys } = t;
  sys.rump_sys_close(sys.rump_sys_open("/tmp/f", O_CREAT | O_RDWR, 0o666));
  k.rump_pub_lwproc_rfork(RUMP_RFCFDG);
  const a = k.rump_pub_lwproc_curlwp()!;
  const fa = sys.rump_sys_open("/tmp/f", O_RDWR);
  k.rump_pub_lwproc_switch(null);
  k.rump_pub_lwproc_rfork(RUMP_RFCFDG);
  const b = k.rump_pub_lwproc_curlwp()!;
  const fb = sys.rump_sys_open("/tmp/f", O_RDWR);
  const on = <T>(l: Lwp, fn: () => T): T => {
    k.rump_pub_lwproc_switch(l);
    return fn();
  };
  const out = { vp: null as Vnode | null };
  k.rump_pub_lwproc_switch(null);
  k.rump_pub_namei(LOOKUP, 0, "/tmp/f", null, out, null);
  const vp = out.vp!;
  k.rump_pub_vp_rele(vp); // kept alive by the open files
  return { ...t, a, b, fa, fb, on, vp };
}

describe("POSIX locks between processes", () => {
  it("F_GETLK names the holder's pid; F_SETLKW is EDEADLK, F_SETLK EAGAIN", () => {
    const { sys, a, b, fa, fb, on } = twoProcesses();
    const pidA = on(a, () => sys.rump_sys_getpid());
    on(a, () => sys.rump_sys_fcntl(fa, F_SETLK, fl(F_WRLCK, 100, 50)));
    on(b, () => {
      const q = fl(F_RDLCK, 0, 0);
      sys.rump_sys_fcntl(fb, F_GETLK, q);
      expect(q).toMatchObject({ l_type: F_WRLCK, l_start: 100, l_len: 50, l_pid: pidA });
      expect(errnoOf(() => sys.rump_sys_fcntl(fb, F_SETLKW, fl(F_WRLCK, 120, 1)))).toBe(EDEADLK);
      expect(errnoOf(() => sys.rump_sys_fcntl(fb, F_SETLK, fl(F_WRLCK, 120, 1)))).toBe(EAGAIN);
      sys.rump_sys_fcntl(fb, F_SETLKW, fl(F_WRLCK, 150, 10)); // just after: fine
    });
  });

  it("SEEK_CUR is relative to the descriptor's offset", () => {
    const { sys, a, fa, on, vp } = twoProcesses();
    on(a, () => {
      sys.rump_sys_lseek(fa, 300, SEEK_SET);
      sys.rump_sys_fcntl(fa, F_SETLK, fl(F_WRLCK, -100, 10, SEEK_CUR));
    });
    expect(locks(vp, a.l_proc)).toEqual([[F_WRLCK, 200, 209]]);
  });

  it("closing any descriptor of the file drops the process's locks", () => {
    const { sys, a, b, fa, fb, on, vp } = twoProcesses();
    on(a, () => {
      sys.rump_sys_fcntl(fa, F_SETLK, fl(F_WRLCK, 0, 0));
      const other = sys.rump_sys_open("/tmp/f", O_RDWR);
      sys.rump_sys_close(other);
    });
    expect(locks(vp, a.l_proc)).toEqual([]);
    on(b, () => sys.rump_sys_fcntl(fb, F_SETLK, fl(F_WRLCK, 0, 0)));
  });

  it("a process's locks go when it exits, also through a copied table", () => {
    const { k, sys, a, b, fa, fb, on, vp } = twoProcesses();
    on(a, () => {
      sys.rump_sys_fcntl(fa, F_SETLK, fl(F_RDLCK, 0, 10));
      k.rump_pub_lwproc_rfork(RUMP_RFFDG); // a child holding fa too
      sys.rump_sys_fcntl(fa, F_SETLK, fl(F_WRLCK, 20, 10));
    });
    const child = k.rump_pub_lwproc_curlwp()!;
    expect(locks(vp).length).toBe(2);
    k.rump_pub_lwproc_releaselwp(); // the child exits
    expect(locks(vp, child.l_proc)).toEqual([]);
    expect(locks(vp, a.l_proc)).toEqual([[F_RDLCK, 0, 9]]); // the parent's stay
    on(a, () => k.rump_pub_lwproc_releaselwp());
    expect(locks(vp)).toEqual([]);
    on(b, () => sys.rump_sys_fcntl(fb, F_SETLK, fl(F_WRLCK, 0, 0)));
  });

  it("a process that exits while its table is shared leaves no locks behind", () => {
    const { k, sys, a, b, fa, fb, on, vp } = twoProcesses();
    on(a, () => k.rump_pub_lwproc_rfork(RUMP_RFFD_SHARE));
    const child = k.rump_pub_lwproc_curlwp()!;
    sys.rump_sys_fcntl(fa, F_SETLK, fl(F_WRLCK, 0, 0));
    k.rump_pub_lwproc_releaselwp(); // the table lives on in a
    expect(locks(vp, child.l_proc)).toEqual([]);
    on(b, () => sys.rump_sys_fcntl(fb, F_SETLK, fl(F_WRLCK, 0, 0)));
  });
});

describe("flock between processes", () => {
  it("shared locks coexist; exclusive excludes: EAGAIN with LOCK_NB, EDEADLK without", () => {
    const { sys, a, b, fa, fb, on } = twoProcesses();
    on(a, () => sys.rump_sys_flock(fa, LOCK_SH));
    on(b, () => {
      sys.rump_sys_flock(fb, LOCK_SH);
      expect(errnoOf(() => sys.rump_sys_flock(fb, LOCK_EX | LOCK_NB))).toBe(EAGAIN);
      expect(errnoOf(() => sys.rump_sys_flock(fb, LOCK_EX))).toBe(EDEADLK);
    });
    on(a, () => sys.rump_sys_flock(fa, LOCK_UN));
    on(b, () => sys.rump_sys_flock(fb, LOCK_EX)); // the only holder: upgrade
    on(a, () => {
      expect(errnoOf(() => sys.rump_sys_flock(fa, LOCK_SH | LOCK_NB))).toBe(EAGAIN);
      expect(errnoOf(() => sys.rump_sys_flock(fa, LOCK_SH))).toBe(EDEADLK);
    });
  });

  it("the lock belongs to the open file: it survives one process's exit if another shares the file", () => {
    const { k, sys, a, b, fa, fb, on, vp } = twoProcesses();
    on(a, () => {
      sys.rump_sys_flock(fa, LOCK_EX);
      k.rump_pub_lwproc_rfork(RUMP_RFFDG); // the child shares the open file
    });
    const child = k.rump_pub_lwproc_curlwp()!;
    on(a, () => k.rump_pub_lwproc_releaselwp()); // the parent exits
    expect(locks(vp).length).toBe(1);
    on(b, () => expect(errnoOf(() => sys.rump_sys_flock(fb, LOCK_SH | LOCK_NB))).toBe(EAGAIN));
    on(child, () => sys.rump_sys_close(fa)); // last reference: the lock goes
    expect(locks(vp)).toEqual([]);
    on(b, () => sys.rump_sys_flock(fb, LOCK_EX | LOCK_NB));
  });
});
