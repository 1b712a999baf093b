/**
 * Descriptor system calls (sys_descrip.c): close, dup, dup2, dup3, fcntl,
 * flock, fstat.
 */
import {
  EBADF,
  EINVAL,
  EOPNOTSUPP,
  F_FLOCK,
  F_POSIX,
  F_WAIT,
  O_CLOEXEC,
  O_NONBLOCK,
  EFAULT,
} from "../gen/constants.js";
import type { Retval } from "../gen/sysent.js";
import { VOP_ADVLOCK } from "../gen/vnode_if.js";
import type { Flock } from "../sys/flock.js";
import type { Lwp } from "../sys/proc.js";
import type { Stat } from "../sys/stat.js";
import {
  FD_CLOEXEC,
  F_CLOSEM,
  F_DUPFD,
  F_DUPFD_CLOEXEC,
  F_GETFD,
  F_GETFL,
  F_GETLK,
  F_GETNOSIGPIPE,
  F_MAXFD,
  F_SETFD,
  F_SETFL,
  F_SETLK,
  F_SETLKW,
  F_SETNOSIGPIPE,
  F_RDLCK,
  F_UNLCK,
  F_WRLCK,
  LOCK_EX,
  LOCK_NB,
  LOCK_SH,
  LOCK_UN,
  RLIMIT_NOFILE,
  SEEK_CUR,
} from "../sys/consts.js";
import type { Vnode } from "../sys/vnode.js";
import { closef, fd_close, type Filedesc } from "./kern_descrip.js";
import { fd_getfile } from "./sys_generic.js";
import { DTYPE_VNODE, FCNTLFLAGS, FHASLOCK, FREAD, FWRITE, OFLAGS, type File } from "./sys_file.js";

const O_NOSIGPIPE = 0x01000000;

function fdtable(l: Lwp): Filedesc {
  return l.l_proc.p_fd as Filedesc;
}

function nofileLimit(l: Lwp): number {
  return l.l_proc.p_rlimit_cur[RLIMIT_NOFILE] ?? 1024;
}

export function sys_close(l: Lwp, _rv: Retval, fd: number): number {
  return fd_close(l, fd);
}

/** dodup: make `newfd` (or the lowest free ≥ minfd) refer to `fp`. */
function dupto(l: Lwp, fp: File, newfd: number, cloexec: boolean): void {
  const fdp = fdtable(l);
  const old = fdp.get(newfd);
  fp.f_count++;
  if (old !== null) {
    fdp.detach(newfd);
    // POSIX locks of the process on the old file go with it
    fdp.install(newfd, fp, cloexec);
    closef(old, l);
    return;
  }
  fdp.install(newfd, fp, cloexec);
}

export function sys_dup(l: Lwp, rv: Retval, oldfd: number): number {
  const fp = fd_getfile(l, oldfd);
  if (fp === null) return EBADF;
  const fdp = fdtable(l);
  const nfd = fdp.alloc(0, nofileLimit(l));
  if (nfd < 0) return -nfd;
  fp.f_count++;
  fdp.install(nfd, fp, false);
  rv[0] = nfd;
  return 0;
}

function dup2common(l: Lwp, rv: Retval, from: number, to: number, flags: number): number {
  const fp = fd_getfile(l, from);
  if (fp === null) return EBADF;
  if (typeof to !== "number" || !Number.isInteger(to) || to < 0 || to >= nofileLimit(l))
    return EBADF;
  if (from === to) {
    rv[0] = to;
    return 0;
  }
  dupto(l, fp, to, (flags & O_CLOEXEC) !== 0);
  rv[0] = to;
  return 0;
}

export function sys_dup2(l: Lwp, rv: Retval, from: number, to: number): number {
  return dup2common(l, rv, from, to, 0);
}

export function sys_dup3(l: Lwp, rv: Retval, from: number, to: number, flags: number): number {
  if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_NOSIGPIPE)) return EINVAL;
  if (from === to) return EINVAL;
  return dup2common(l, rv, from, to, flags);
}

function isFlock(x: unknown): x is Flock {
  return typeof x === "object" && x !== null && "l_type" in x && "l_start" in x;
}

/** fcntl F_GETLK/F_SETLK/F_SETLKW: POSIX locks through VOP_ADVLOCK. */
function fcntl_lock(l: Lwp, fp: File, cmd: number, fl: Flock): number {
  if (fp.f_type !== DTYPE_VNODE) return EINVAL;
  const vp = fp.f_data as Vnode;
  const req: Flock = { ...fl };
  if (req.l_whence === SEEK_CUR) {
    req.l_start += fp.f_offset;
    req.l_whence = 0;
  }
  const p = l.l_proc;
  if (cmd === F_GETLK) {
    if (req.l_type !== F_RDLCK && req.l_type !== F_WRLCK && req.l_type !== F_UNLCK) return EINVAL;
    const error = VOP_ADVLOCK(vp, p, F_GETLK, req, F_POSIX);
    if (error !== 0) return error;
    fl.l_type = req.l_type;
    fl.l_start = req.l_start;
    fl.l_len = req.l_len;
    fl.l_pid = req.l_pid;
    fl.l_whence = req.l_whence;
    return 0;
  }
  const flg = F_POSIX | (cmd === F_SETLKW ? F_WAIT : 0);
  switch (req.l_type) {
    case F_RDLCK:
      if ((fp.f_flag & FREAD) === 0) return EBADF;
      return VOP_ADVLOCK(vp, p, F_SETLK, req, flg);
    case F_WRLCK:
      if ((fp.f_flag & FWRITE) === 0) return EBADF;
      return VOP_ADVLOCK(vp, p, F_SETLK, req, flg);
    case F_UNLCK:
      return VOP_ADVLOCK(vp, p, F_UNLCK, req, F_POSIX);
    default:
      return EINVAL;
  }
}

export function sys_fcntl(l: Lwp, rv: Retval, fd: number, cmd: number, arg: unknown): number {
  const fdp = fdtable(l);
  if (cmd === F_CLOSEM) {
    if (typeof fd !== "number" || fd < 0) return EBADF;
    for (let i = fdp.fd_ofiles.length - 1; i >= fd; i--) if (fdp.get(i) !== null) fd_close(l, i);
    return 0;
  }
  if (cmd === F_MAXFD) {
    let last = -1;
    for (let i = 0; i < fdp.fd_ofiles.length; i++) if (fdp.fd_ofiles[i] !== null) last = i;
    rv[0] = last;
    return 0;
  }
  const fp = fd_getfile(l, fd);
  if (fp === null) return EBADF;
  const iarg = typeof arg === "number" ? arg : 0;
  switch (cmd) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC: {
      if (!Number.isInteger(iarg) || iarg < 0 || iarg >= nofileLimit(l)) return EINVAL;
      const nfd = fdp.alloc(iarg, nofileLimit(l));
      if (nfd < 0) return -nfd;
      fp.f_count++;
      fdp.install(nfd, fp, cmd === F_DUPFD_CLOEXEC);
      rv[0] = nfd;
      return 0;
    }
    case F_GETFD:
      rv[0] = fdp.fd_exclose[fd] ? FD_CLOEXEC : 0;
      return 0;
    case F_SETFD:
      fdp.fd_exclose[fd] = (iarg & FD_CLOEXEC) !== 0;
      rv[0] = 0;
      return 0;
    case F_GETFL:
      rv[0] = OFLAGS(fp.f_flag) & ~0x4000; // without FHASLOCK
      return 0;
    case F_SETFL: {
      const nflag = (fp.f_flag & ~FCNTLFLAGS) | ((iarg + 1) & FCNTLFLAGS);
      fp.f_flag = nflag;
      rv[0] = 0;
      return 0;
    }
    case F_GETNOSIGPIPE:
      rv[0] = fp.f_flag & O_NOSIGPIPE ? 1 : 0;
      return 0;
    case F_SETNOSIGPIPE:
      if (iarg) fp.f_flag |= O_NOSIGPIPE;
      else fp.f_flag &= ~O_NOSIGPIPE;
      rv[0] = 0;
      return 0;
    case F_GETLK:
    case F_SETLK:
    case F_SETLKW:
      if (!isFlock(arg)) return EFAULT;
      rv[0] = 0;
      return fcntl_lock(l, fp, cmd, arg);
    default:
      return EINVAL;
  }
}

export function sys_flock(l: Lwp, _rv: Retval, fd: number, how: number): number {
  const fp = fd_getfile(l, fd);
  if (fp === null) return EBADF;
  if (fp.f_type !== DTYPE_VNODE) return EOPNOTSUPP;
  const vp = fp.f_data as Vnode;
  const fl: Flock = { l_start: 0, l_len: 0, l_pid: 0, l_type: F_UNLCK, l_whence: 0 };
  switch (how & ~LOCK_NB) {
    case LOCK_UN:
      fp.f_flag &= ~FHASLOCK;
      return VOP_ADVLOCK(vp, fp, F_UNLCK, fl, F_FLOCK);
    case LOCK_EX:
      fl.l_type = F_WRLCK;
      break;
    case LOCK_SH:
      fl.l_type = F_RDLCK;
      break;
    default:
      return EINVAL;
  }
  const error = VOP_ADVLOCK(vp, fp, F_SETLK, fl, F_FLOCK | (how & LOCK_NB ? 0 : F_WAIT));
  if (error === 0) fp.f_flag |= FHASLOCK;
  return error;
}

export function sys___fstat50(l: Lwp, _rv: Retval, fd: number, sb: Stat): number {
  const fp = fd_getfile(l, fd);
  if (fp === null) return EBADF;
  return fp.f_ops.fo_stat(fp, sb);
}
