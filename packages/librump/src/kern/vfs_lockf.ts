/**
 * Advisory record locks (vfs_lockf.c): POSIX byte-range locks owned by a
 * process (fcntl F_SETLK/F_SETLKW/F_GETLK) and whole-file flock(2) locks
 * owned by an open file. Locks live on the vnode (v_lockf).
 *
 * A request that would have to wait is where NetBSD sleeps. Our system calls
 * never sleep (DESIGN.md, execution model): F_SETLK/LOCK_NB answer EAGAIN and
 * a waiting request (F_SETLKW, flock without LOCK_NB) whose conflict nobody
 * can release during this synchronous call answers EDEADLK.
 */
import { EAGAIN, EDEADLK, EINVAL, EOVERFLOW, F_FLOCK, F_POSIX, F_WAIT } from "../gen/constants.js";
import type { Flock } from "../sys/flock.js";
import type { Lwp } from "../sys/proc.js";
import {
  F_RDLCK,
  F_SETLK,
  F_UNLCK,
  F_WRLCK,
  F_GETLK,
  SEEK_CUR,
  SEEK_END,
  SEEK_SET,
} from "../sys/consts.js";
import type { Vnode } from "../sys/vnode.js";
import { DTYPE_VNODE, FHASLOCK, type File } from "./sys_file.js";

/** One lock: [start, end] inclusive, end = Infinity for "to EOF and beyond". */
class Lockf {
  constructor(
    public lf_type: number,
    public lf_start: number,
    public lf_end: number,
    /** Proc for POSIX locks, File for flock locks */
    public lf_id: object,
    public lf_flags: number,
    public lf_pid: number,
  ) {}
}

function locksOf(vp: Vnode): Lockf[] {
  let l = vp.v_lockf as Lockf[] | null;
  if (l === null) {
    l = [];
    vp.v_lockf = l;
  }
  return l;
}

function overlaps(a: Lockf, start: number, end: number): boolean {
  return a.lf_start <= end && start <= a.lf_end;
}

/** The first lock of another owner that conflicts with the request. */
function findConflict(locks: Lockf[], req: Lockf): Lockf | null {
  for (const lf of locks) {
    if (lf.lf_id === req.lf_id) continue;
    if (!overlaps(lf, req.lf_start, req.lf_end)) continue;
    if (lf.lf_type === F_WRLCK || req.lf_type === F_WRLCK) return lf;
  }
  return null;
}

/** Remove the owner's coverage of [start, end], splitting locks as needed. */
function clearRange(locks: Lockf[], id: object, start: number, end: number): void {
  for (let i = 0; i < locks.length; i++) {
    const lf = locks[i]!;
    if (lf.lf_id !== id || !overlaps(lf, start, end)) continue;
    if (lf.lf_start < start && lf.lf_end > end) {
      // split in two
      locks.push(new Lockf(lf.lf_type, end + 1, lf.lf_end, id, lf.lf_flags, lf.lf_pid));
      lf.lf_end = start - 1;
    } else if (lf.lf_start < start) {
      lf.lf_end = start - 1;
    } else if (lf.lf_end > end) {
      lf.lf_start = end + 1;
    } else {
      locks.splice(i, 1);
      i--;
    }
  }
}

/** Merge adjacent/overlapping locks of the same owner and type. */
function coalesce(locks: Lockf[], id: object): void {
  const mine = locks.filter((lf) => lf.lf_id === id).sort((a, b) => a.lf_start - b.lf_start);
  for (let i = 0; i + 1 < mine.length; i++) {
    const a = mine[i]!;
    const b = mine[i + 1]!;
    if (a.lf_type === b.lf_type && a.lf_end !== Infinity && a.lf_end + 1 >= b.lf_start) {
      a.lf_end = Math.max(a.lf_end, b.lf_end);
      locks.splice(locks.indexOf(b), 1);
      mine.splice(i + 1, 1);
      i--;
    }
  }
}

/**
 * lf_advlock: VOP_ADVLOCK for every file system. `id` is the owner (the
 * process for F_POSIX, the file for F_FLOCK), `size` the file size for
 * SEEK_END.
 */
export function lf_advlock(
  vp: Vnode,
  id: object,
  op: number,
  fl: Flock,
  flags: number,
  size: number,
): number {
  let start: number;
  switch (fl.l_whence) {
    case SEEK_SET:
    case SEEK_CUR: // the syscall layer already added f_offset
      start = fl.l_start;
      break;
    case SEEK_END:
      start = size + fl.l_start;
      break;
    default:
      return EINVAL;
  }
  if (!Number.isSafeInteger(start)) return EOVERFLOW;
  let end: number;
  if (fl.l_len > 0) {
    end = start + fl.l_len - 1;
  } else if (fl.l_len < 0) {
    end = start - 1;
    start += fl.l_len;
    if (start < 0) return EINVAL;
  } else {
    end = Infinity;
  }
  if (start < 0) return EINVAL;
  const locks = locksOf(vp);
  const pid = flags & F_POSIX ? ((id as { p_pid?: number }).p_pid ?? -1) : -1;
  const req = new Lockf(fl.l_type, start, end, id, flags & (F_POSIX | F_FLOCK), pid);

  switch (op) {
    case F_GETLK: {
      const c = findConflict(locks, req);
      if (c === null) {
        fl.l_type = F_UNLCK;
      } else {
        fl.l_type = c.lf_type;
        fl.l_whence = SEEK_SET;
        fl.l_start = c.lf_start;
        fl.l_len = c.lf_end === Infinity ? 0 : c.lf_end - c.lf_start + 1;
        fl.l_pid = c.lf_pid;
      }
      return 0;
    }
    case F_UNLCK:
      clearRange(locks, id, start, end);
      return 0;
    case F_SETLK: {
      if (fl.l_type !== F_RDLCK && fl.l_type !== F_WRLCK) return EINVAL;
      const c = findConflict(locks, req);
      if (c !== null) return flags & F_WAIT ? EDEADLK : EAGAIN;
      clearRange(locks, id, start, end);
      locks.push(req);
      coalesce(locks, id);
      return 0;
    }
    default:
      return EINVAL;
  }
}

/** Does `id` hold any lock on `vp`? (for tests and diagnostics) */
export function lf_held(vp: Vnode, id: object): boolean {
  const locks = vp.v_lockf as Lockf[] | null;
  return locks !== null && locks.some((lf) => lf.lf_id === id);
}

/**
 * Closing any descriptor of a file drops the process's POSIX locks on it
 * (POSIX's famous rule); the last close of an open file drops its flock.
 */
export function lf_closefile(l: Lwp, fp: File): void {
  if (fp.f_type !== DTYPE_VNODE) return;
  const vp = fp.f_data as Vnode;
  const locks = vp.v_lockf as Lockf[] | null;
  if (locks === null || locks.length === 0) return;
  const p = l.l_proc;
  for (let i = locks.length - 1; i >= 0; i--) if (locks[i]!.lf_id === p) locks.splice(i, 1);
  if (fp.f_count === 1 && fp.f_flag & FHASLOCK) {
    for (let i = locks.length - 1; i >= 0; i--) if (locks[i]!.lf_id === fp) locks.splice(i, 1);
    fp.f_flag &= ~FHASLOCK;
  }
}

/** Drop every POSIX lock of process `p` (the process is going away). */
export function lf_releaseproc(vp: Vnode, p: object): void {
  const locks = vp.v_lockf as Lockf[] | null;
  if (locks === null) return;
  for (let i = locks.length - 1; i >= 0; i--) if (locks[i]!.lf_id === p) locks.splice(i, 1);
}
