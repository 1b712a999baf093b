/**
 * File-system system calls (vfs_syscalls.c): everything that takes a path
 * or works on a file as a file — open, link, unlink, rename, mkdir, rmdir,
 * mknod, symlink, readlink, stat, access, chmod/chown/chflags/utimes,
 * truncate, fsync, sync, lseek, getdents, chdir/chroot/getcwd, umask,
 * statvfs, pathconf. Each unpacks its arguments and calls the shared do_*.
 */
import {
  EBADF,
  EBUSY,
  EEXIST,
  EFAULT,
  EINVAL,
  EIO,
  EISDIR,
  ENAMETOOLONG,
  ENOENT,
  ENOTDIR,
  EPERM,
  EROFS,
  ERANGE,
  EXDEV,
  MNT_NOWAIT,
  MNT_RDONLY,
  O_ACCMODE,
  O_CLOEXEC,
  O_TRUNC,
  O_NONBLOCK,
  O_APPEND,
  S_IFBLK,
  S_IFCHR,
  S_IFIFO,
  S_IFMT,
  S_IFREG,
  S_ISTXT,
} from "../gen/constants.js";
import type { Retval } from "../gen/sysent.js";
import {
  VOP_ACCESS,
  VOP_FSYNC,
  VOP_GETATTR,
  VOP_LINK,
  VOP_LOOKUP,
  VOP_MKDIR,
  VOP_MKNOD,
  VOP_PATHCONF,
  VOP_READDIR,
  VOP_READLINK,
  VOP_REMOVE,
  VOP_RENAME,
  VOP_RMDIR,
  VOP_SETATTR,
  VOP_SYMLINK,
  VOP_UNLOCK,
} from "../gen/vnode_if.js";
import { Kauth_cred } from "../sys/kauth.js";
import type { Mount } from "../sys/mount.js";
import {
  ComponentName,
  CREATE,
  CREATEDIR,
  DELETE,
  FOLLOW,
  LOCKLEAF,
  LOCKPARENT,
  LOOKUP,
  NOCACHE,
  RENAME,
} from "../sys/namei.js";
import type { Lwp } from "../sys/proc.js";
import { dirent_badname } from "../sys/dirent.js";
import type { Stat, Statvfs } from "../sys/stat.js";
import { UTIME_NOW, UTIME_OMIT, type Timespec, type Timeval } from "../sys/time.js";
import { Uio, UIO_READ } from "../sys/uio.js";
import { Vattr, VA_UTIMES_NULL, VNOVAL } from "../sys/vattr.js";
import {
  LK_EXCLUSIVE,
  LK_RETRY,
  LK_SHARED,
  VBLK,
  VCHR,
  VDIR,
  VFIFO,
  VLNK,
  VREG,
  VV_ROOT,
  type Vnode,
} from "../sys/vnode.js";
import {
  AT_EACCESS,
  AT_FDCWD,
  AT_REMOVEDIR,
  AT_SYMLINK_FOLLOW,
  AT_SYMLINK_NOFOLLOW,
  R_OK,
  RLIMIT_NOFILE,
  W_OK,
  X_OK,
} from "../sys/consts.js";
import { VEXEC, VREAD, VWRITE } from "../miscfs/genfs/genfs_vnops.js";
import type { Filedesc } from "./kern_descrip.js";
import { DTYPE_VNODE, FFLAGS, File, FMASK, FREAD, FWRITE } from "./sys_file.js";
import { fd_getfile, bufLen } from "./sys_generic.js";
import { MAXPATHLEN, type Nameidata, namei, namei_release, pathToKernel } from "./vfs_lookup.js";
import { do_sys_mount, do_sys_unmount } from "./vfs_mount.js";
import { vn_open, vn_stat, vnops } from "./vfs_vnops.js";
import { vn_lock, vput, vref, vrele } from "./vfs_vnode.js";
import { parseDirentBuf } from "./vfs_getcwd.js";

const ALLPERMS = 0o7777;
const ACCESSPERMS = 0o777;
/** fsync_range flags */
const FDATASYNC = 0x0010;
const FFILESYNC = 0x0020;
const FDISKSYNC = 0x0040;
/** VOP_FSYNC flags */
const FSYNC_WAIT = 0x0001;
const FSYNC_DATAONLY = 0x0002;
const FSYNC_CACHE = 0x0100;

/* ---------------------------------------------------------------------- */
/* helpers                                                                 */

/** copyinstr for paths: the kernel byte string, or a negative errno. */
function kpath(path: unknown): string | number {
  const p = pathToKernel(path);
  if (p === null) return -EFAULT;
  if (p.length >= MAXPATHLEN) return -ENAMETOOLONG;
  return p;
}

/**
 * The starting directory of an *at() call: null for AT_FDCWD or an absolute
 * path, the directory vnode (referenced) otherwise, or an errno.
 */
function atdir(l: Lwp, fd: number, path: string): Vnode | null | number {
  if (fd === AT_FDCWD || path.charCodeAt(0) === 47) return null;
  const fp = fd_getfile(l, fd);
  if (fp === null) return EBADF;
  if (fp.f_type !== DTYPE_VNODE) return ENOTDIR;
  const vp = fp.f_data as Vnode;
  if (vp.v_type !== VDIR) return ENOTDIR;
  vref(vp);
  return vp;
}

/** Build the Nameidata of an *at() lookup; returns errno via `err`. */
function ndAt(
  l: Lwp,
  fd: number,
  upath: unknown,
  nameiop: number,
  flags: number,
  cred: Kauth_cred,
  err: { v: number },
  slot = 0,
): Nameidata | null {
  const path = kpath(upath);
  if (typeof path === "number") {
    err.v = -path;
    return null;
  }
  const dir = atdir(l, fd, path);
  if (typeof dir === "number") {
    err.v = dir;
    return null;
  }
  // one system call uses at most two lookups at a time (rename): two
  // scratch Nameidata per kernel spare an allocation per path lookup
  return l.l_proc.p_kernel.scratchNd[slot]!.reset(path, nameiop, flags, cred, dir);
}

function ndDone(nd: Nameidata): void {
  if (nd.ni_atdir !== null) {
    vrele(nd.ni_atdir);
    nd.ni_atdir = null;
  }
}

/** namei for the common "find this file" case; result ref'd (locked if LOCKLEAF). */
function lookupAt(
  l: Lwp,
  fd: number,
  upath: unknown,
  flags: number,
  out: { vp: Vnode | null },
  cred: Kauth_cred = l.l_cred,
): number {
  const err = { v: 0 };
  const nd = ndAt(l, fd, upath, LOOKUP, flags, cred, err);
  if (nd === null) return err.v;
  const error = namei(l, nd);
  ndDone(nd);
  if (error !== 0) return error;
  out.vp = nd.ni_vp;
  return 0;
}

function fileVnode(l: Lwp, fd: number, out: { vp: Vnode | null; fp: File | null }): number {
  const fp = fd_getfile(l, fd);
  if (fp === null) return EBADF;
  if (fp.f_type !== DTYPE_VNODE) return EINVAL;
  out.fp = fp;
  out.vp = fp.f_data as Vnode;
  return 0;
}

function rdonly(vp: Vnode): boolean {
  return (vp.v_mount!.mnt_flag & MNT_RDONLY) !== 0;
}

function cmask(l: Lwp): number {
  return l.l_proc.p_cwdi.cwdi_cmask;
}

/* ---------------------------------------------------------------------- */
/* open                                                                    */

function do_open(
  l: Lwp,
  rv: Retval,
  fd: number,
  upath: unknown,
  oflags: number,
  mode: number,
): number {
  if (typeof oflags !== "number") return EINVAL;
  if ((oflags & O_ACCMODE) === O_ACCMODE) return EINVAL;
  const err = { v: 0 };
  const nd = ndAt(l, fd, upath, LOOKUP, 0, l.l_cred, err);
  if (nd === null) return err.v;
  const p = l.l_proc;
  const fdp = p.p_fd as Filedesc;
  const nfd = fdp.alloc(0, p.p_rlimit_cur[RLIMIT_NOFILE] ?? 1024);
  if (nfd < 0) {
    ndDone(nd);
    return -nfd;
  }
  let fmode = FFLAGS(oflags);
  if (fmode & O_TRUNC && !(fmode & FWRITE)) {
    // O_TRUNC without write access is allowed by NetBSD only with write permission
  }
  const cmode = ((mode ?? 0) & ~cmask(l) & ALLPERMS & ~S_ISTXT) >>> 0;
  const error = vn_open(l, nd, fmode, cmode);
  ndDone(nd);
  if (error !== 0) return error;
  const vp = nd.ni_vp!;
  fmode &= FMASK | O_NONBLOCK | O_APPEND;
  const fp = new File(fmode & FMASK, DTYPE_VNODE, vnops, vp, l.l_cred);
  VOP_UNLOCK(vp);
  fdp.install(nfd, fp, (oflags & O_CLOEXEC) !== 0);
  rv[0] = nfd;
  return 0;
}

export function sys_open(l: Lwp, rv: Retval, path: unknown, flags: number, mode: number): number {
  return do_open(l, rv, AT_FDCWD, path, flags, mode);
}

export function sys_openat(
  l: Lwp,
  rv: Retval,
  fd: number,
  path: unknown,
  oflags: number,
  mode: number,
): number {
  return do_open(l, rv, fd, path, oflags, mode);
}

/* ---------------------------------------------------------------------- */
/* stat, access, readlink                                                  */

function do_stat(l: Lwp, fd: number, upath: unknown, follow: boolean, sb: Stat): number {
  if (sb === null || typeof sb !== "object") return EFAULT;
  const out = { vp: null as Vnode | null };
  const error = lookupAt(l, fd, upath, LOCKLEAF | (follow ? FOLLOW : 0), out);
  if (error !== 0) return error;
  const vp = out.vp!;
  const e = vn_stat(vp, sb, l.l_cred);
  vput(vp);
  return e;
}

export function sys___stat50(l: Lwp, _rv: Retval, path: unknown, ub: Stat): number {
  return do_stat(l, AT_FDCWD, path, true, ub);
}

export function sys___lstat50(l: Lwp, _rv: Retval, path: unknown, ub: Stat): number {
  return do_stat(l, AT_FDCWD, path, false, ub);
}

export function sys_fstatat(
  l: Lwp,
  _rv: Retval,
  fd: number,
  path: unknown,
  buf: Stat,
  flag: number,
): number {
  if (flag & ~AT_SYMLINK_NOFOLLOW) return EINVAL;
  return do_stat(l, fd, path, (flag & AT_SYMLINK_NOFOLLOW) === 0, buf);
}

function do_access(l: Lwp, fd: number, upath: unknown, amode: number, flag: number): number {
  if (amode & ~(R_OK | W_OK | X_OK)) return EINVAL;
  if (flag & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW)) return EINVAL;
  let cred = l.l_cred;
  if (!(flag & AT_EACCESS)) {
    // access(2) answers for the real ids
    cred = cred.clone();
    cred.cr_euid = cred.cr_uid;
    cred.cr_egid = cred.cr_gid;
  }
  const out = { vp: null as Vnode | null };
  let error = lookupAt(
    l,
    fd,
    upath,
    LOCKLEAF | (flag & AT_SYMLINK_NOFOLLOW ? 0 : FOLLOW),
    out,
    cred,
  );
  if (error !== 0) return error;
  const vp = out.vp!;
  let m = 0;
  if (amode & R_OK) m |= VREAD;
  if (amode & W_OK) m |= VWRITE;
  if (amode & X_OK) m |= VEXEC;
  if (m !== 0) {
    error = VOP_ACCESS(vp, m, cred);
    if (
      error === 0 &&
      m & VWRITE &&
      rdonly(vp) &&
      vp.v_type !== VCHR &&
      vp.v_type !== VBLK &&
      vp.v_type !== VFIFO
    ) {
      error = EROFS;
    }
  }
  vput(vp);
  return error;
}

export function sys_access(l: Lwp, _rv: Retval, path: unknown, flags: number): number {
  return do_access(l, AT_FDCWD, path, flags, 0);
}

export function sys_faccessat(
  l: Lwp,
  _rv: Retval,
  fd: number,
  path: unknown,
  amode: number,
  flag: number,
): number {
  return do_access(l, fd, path, amode, flag);
}

function do_readlink(
  l: Lwp,
  rv: Retval,
  fd: number,
  upath: unknown,
  buf: Uint8Array,
  count: number,
): number {
  const n = bufLen(buf, count);
  if (n < 0) return -n;
  const out = { vp: null as Vnode | null };
  let error = lookupAt(l, fd, upath, LOCKLEAF, out);
  if (error !== 0) return error;
  const vp = out.vp!;
  if (vp.v_type !== VLNK) {
    vput(vp);
    return EINVAL;
  }
  const uio = new Uio([buf.subarray(0, n)], 0, n, UIO_READ);
  error = VOP_READLINK(vp, uio, l.l_cred);
  vput(vp);
  if (error !== 0) return error;
  rv[0] = n - uio.uio_resid;
  return 0;
}

export function sys_readlink(
  l: Lwp,
  rv: Retval,
  path: unknown,
  buf: Uint8Array,
  count: number,
): number {
  return do_readlink(l, rv, AT_FDCWD, path, buf, count);
}

export function sys_readlinkat(
  l: Lwp,
  rv: Retval,
  fd: number,
  path: unknown,
  buf: Uint8Array,
  bufsize: number,
): number {
  return do_readlink(l, rv, fd, path, buf, bufsize);
}

/* ---------------------------------------------------------------------- */
/* creating names: mkdir, mknod, mkfifo, symlink, link                     */

/**
 * Look up `upath` for creation: returns the locked parent in nd.ni_dvp, or
 * EEXIST (releasing everything) when the name exists.
 */
function createLookup(
  l: Lwp,
  fd: number,
  upath: unknown,
  extra: number,
  err: { v: number },
): Nameidata | null {
  const nd = ndAt(l, fd, upath, CREATE, LOCKPARENT | extra, l.l_cred, err);
  if (nd === null) return null;
  const error = namei(l, nd);
  ndDone(nd);
  if (error !== 0) {
    err.v = error;
    return null;
  }
  if (nd.ni_vp !== null) {
    namei_release(nd);
    err.v = EEXIST;
    return null;
  }
  return nd;
}

function do_mkdir(l: Lwp, fd: number, upath: unknown, mode: number): number {
  const err = { v: 0 };
  const nd = createLookup(l, fd, upath, CREATEDIR, err);
  if (nd === null) return err.v;
  const va = new Vattr();
  va.va_type = VDIR;
  va.va_mode = mode & ACCESSPERMS & ~cmask(l);
  const dvp = nd.ni_dvp!;
  const vpp = { vp: null as Vnode | null };
  const error = VOP_MKDIR(dvp, vpp, nd.ni_cnd, va);
  if (error === 0) vrele(vpp.vp!);
  vput(dvp);
  return error;
}

export function sys_mkdir(l: Lwp, _rv: Retval, path: unknown, mode: number): number {
  return do_mkdir(l, AT_FDCWD, path, mode);
}

export function sys_mkdirat(l: Lwp, _rv: Retval, fd: number, path: unknown, mode: number): number {
  return do_mkdir(l, fd, path, mode);
}

function do_mknod(l: Lwp, fd: number, upath: unknown, mode: number, dev: number): number {
  const ifmt = mode & S_IFMT;
  let vtype: number;
  switch (ifmt) {
    case S_IFIFO:
      return do_mkfifo(l, fd, upath, mode);
    case S_IFCHR:
      vtype = VCHR;
      break;
    case S_IFBLK:
      vtype = VBLK;
      break;
    case S_IFREG:
    case 0:
      vtype = VREG;
      break;
    default:
      return EINVAL;
  }
  if (l.l_cred.cr_euid !== 0) return EPERM;
  const err = { v: 0 };
  const nd = createLookup(l, fd, upath, 0, err);
  if (nd === null) return err.v;
  const va = new Vattr();
  va.va_type = vtype;
  va.va_mode = mode & ALLPERMS & ~cmask(l);
  va.va_rdev = vtype === VREG ? VNOVAL : dev;
  const dvp = nd.ni_dvp!;
  const vpp = { vp: null as Vnode | null };
  const error = VOP_MKNOD(dvp, vpp, nd.ni_cnd, va);
  if (error === 0) vrele(vpp.vp!);
  vput(dvp);
  return error;
}

function do_mkfifo(l: Lwp, fd: number, upath: unknown, mode: number): number {
  const err = { v: 0 };
  const nd = createLookup(l, fd, upath, 0, err);
  if (nd === null) return err.v;
  const va = new Vattr();
  va.va_type = VFIFO;
  va.va_mode = mode & ALLPERMS & ~cmask(l);
  const dvp = nd.ni_dvp!;
  const vpp = { vp: null as Vnode | null };
  const error = VOP_MKNOD(dvp, vpp, nd.ni_cnd, va);
  if (error === 0) vrele(vpp.vp!);
  vput(dvp);
  return error;
}

export function sys___mknod50(
  l: Lwp,
  _rv: Retval,
  path: unknown,
  mode: number,
  dev: number,
): number {
  return do_mknod(l, AT_FDCWD, path, mode, dev);
}

export function sys_mknodat(
  l: Lwp,
  _rv: Retval,
  fd: number,
  path: unknown,
  mode: number,
  dev: number,
): number {
  return do_mknod(l, fd, path, mode, dev);
}

export function sys_mkfifo(l: Lwp, _rv: Retval, path: unknown, mode: number): number {
  return do_mkfifo(l, AT_FDCWD, path, mode);
}

export function sys_mkfifoat(l: Lwp, _rv: Retval, fd: number, path: unknown, mode: number): number {
  return do_mkfifo(l, fd, path, mode);
}

function do_symlink(l: Lwp, utarget: unknown, fd: number, upath: unknown): number {
  const target = kpath(utarget);
  if (typeof target === "number") return -target;
  const err = { v: 0 };
  const nd = createLookup(l, fd, upath, 0, err);
  if (nd === null) return err.v;
  const va = new Vattr();
  va.va_type = VLNK;
  va.va_mode = ACCESSPERMS & ~cmask(l);
  const dvp = nd.ni_dvp!;
  const vpp = { vp: null as Vnode | null };
  const error = VOP_SYMLINK(dvp, vpp, nd.ni_cnd, va, target);
  if (error === 0) vrele(vpp.vp!);
  vput(dvp);
  return error;
}

export function sys_symlink(l: Lwp, _rv: Retval, path: unknown, link: unknown): number {
  return do_symlink(l, path, AT_FDCWD, link);
}

export function sys_symlinkat(
  l: Lwp,
  _rv: Retval,
  path1: unknown,
  fd: number,
  path2: unknown,
): number {
  return do_symlink(l, path1, fd, path2);
}

function do_link(
  l: Lwp,
  fd1: number,
  name1: unknown,
  fd2: number,
  name2: unknown,
  flags: number,
): number {
  if (flags & ~AT_SYMLINK_FOLLOW) return EINVAL;
  const out = { vp: null as Vnode | null };
  let error = lookupAt(l, fd1, name1, flags & AT_SYMLINK_FOLLOW ? FOLLOW : 0, out);
  if (error !== 0) return error;
  const vp = out.vp!;
  const err = { v: 0 };
  const nd = createLookup(l, fd2, name2, 0, err);
  if (nd === null) {
    vrele(vp);
    return err.v;
  }
  const dvp = nd.ni_dvp!;
  if (dvp.v_mount !== vp.v_mount) error = EXDEV;
  else error = VOP_LINK(dvp, vp, nd.ni_cnd);
  vput(dvp);
  vrele(vp);
  return error;
}

export function sys_link(l: Lwp, _rv: Retval, path: unknown, link: unknown): number {
  return do_link(l, AT_FDCWD, path, AT_FDCWD, link, 0);
}

export function sys_linkat(
  l: Lwp,
  _rv: Retval,
  fd1: number,
  name1: unknown,
  fd2: number,
  name2: unknown,
  flags: number,
): number {
  return do_link(l, fd1, name1, fd2, name2, flags);
}

/* ---------------------------------------------------------------------- */
/* removing names: unlink, rmdir, rename                                   */

function do_unlink(l: Lwp, fd: number, upath: unknown, rmdir: boolean): number {
  const err = { v: 0 };
  const nd = ndAt(l, fd, upath, DELETE, LOCKPARENT | LOCKLEAF, l.l_cred, err);
  if (nd === null) return err.v;
  let error = namei(l, nd);
  ndDone(nd);
  if (error !== 0) return error;
  const dvp = nd.ni_dvp!;
  const vp = nd.ni_vp!;
  if (vp === dvp) {
    // "." — rmdir: EINVAL; unlink of a directory: EPERM
    namei_release(nd);
    return rmdir ? EINVAL : EPERM;
  }
  if (vp.v_vflag & VV_ROOT) {
    namei_release(nd);
    return EBUSY;
  }
  if (rmdir) {
    if (vp.v_type !== VDIR) {
      namei_release(nd);
      return ENOTDIR;
    }
    const name = nd.ni_cnd.cn_nameptr;
    if (name === "..") {
      namei_release(nd);
      return 66; // ENOTEMPTY: ".." always has at least us in it
    }
    error = VOP_RMDIR(dvp, vp, nd.ni_cnd);
  } else {
    if (vp.v_type === VDIR) {
      namei_release(nd);
      return EPERM;
    }
    error = VOP_REMOVE(dvp, vp, nd.ni_cnd);
  }
  return error;
}

export function sys_unlink(l: Lwp, _rv: Retval, path: unknown): number {
  return do_unlink(l, AT_FDCWD, path, false);
}

export function sys_rmdir(l: Lwp, _rv: Retval, path: unknown): number {
  return do_unlink(l, AT_FDCWD, path, true);
}

export function sys_unlinkat(l: Lwp, _rv: Retval, fd: number, path: unknown, flag: number): number {
  if (flag & ~AT_REMOVEDIR) return EINVAL;
  return do_unlink(l, fd, path, (flag & AT_REMOVEDIR) !== 0);
}

function do_rename(l: Lwp, fromfd: number, from: unknown, tofd: number, to: unknown): number {
  const cred = l.l_cred;
  const err = { v: 0 };
  const fnd = ndAt(l, fromfd, from, DELETE, LOCKPARENT, cred, err);
  if (fnd === null) return err.v;
  let error = namei(l, fnd);
  ndDone(fnd);
  if (error !== 0) return error;
  const fdvp = fnd.ni_dvp!;
  const fvp = fnd.ni_vp!;
  const fname = fnd.ni_cnd.cn_nameptr;
  if (fvp === fdvp || fname === "." || fname === "..") {
    namei_release(fnd);
    return EINVAL;
  }
  VOP_UNLOCK(fdvp);
  // fdvp and fvp: referenced, unlocked
  const tnd = ndAt(
    l,
    tofd,
    to,
    RENAME,
    LOCKPARENT | LOCKLEAF | NOCACHE | (fvp.v_type === VDIR ? CREATEDIR : 0),
    cred,
    err,
    1,
  );
  if (tnd === null) {
    vrele(fdvp);
    vrele(fvp);
    return err.v;
  }
  error = namei(l, tnd);
  ndDone(tnd);
  if (error !== 0) {
    vrele(fdvp);
    vrele(fvp);
    return error;
  }
  const tdvp = tnd.ni_dvp!;
  let tvp = tnd.ni_vp;
  const tname = tnd.ni_cnd.cn_nameptr;
  const bail = (e: number): number => {
    if (tvp !== null && tvp === tdvp) {
      vrele(tvp);
      vput(tdvp);
    } else {
      if (tvp !== null) vput(tvp);
      vput(tdvp);
    }
    vrele(fdvp);
    vrele(fvp);
    return e;
  };
  if (tvp === tdvp || tname === "." || tname === "..") return bail(EINVAL);
  if (tvp !== null) {
    if (fvp.v_type === VDIR && tvp.v_type !== VDIR) return bail(ENOTDIR);
    if (fvp.v_type !== VDIR && tvp.v_type === VDIR) return bail(EISDIR);
    if (tvp.v_vflag & VV_ROOT) return bail(EBUSY);
  }
  if (fvp.v_vflag & VV_ROOT) return bail(EBUSY);
  if (fvp.v_mount !== tdvp.v_mount || (tvp !== null && tvp.v_mount !== tdvp.v_mount))
    return bail(EXDEV);
  if (fvp === tdvp) return bail(EINVAL);
  if (fvp === tvp) {
    // two links to the same file: POSIX says do nothing and succeed
    return bail(0);
  }
  if (tvp !== null && tdvp.v_mount!.mnt_flag & MNT_RDONLY) return bail(EROFS);
  // VOP_RENAME consumes all four references (tdvp, tvp locked)
  error = VOP_RENAME(fdvp, fvp, fnd.ni_cnd, tdvp, tvp, tnd.ni_cnd);
  tvp = null;
  return error;
}

export function sys_rename(l: Lwp, _rv: Retval, from: unknown, to: unknown): number {
  return do_rename(l, AT_FDCWD, from, AT_FDCWD, to);
}

export function sys_renameat(
  l: Lwp,
  _rv: Retval,
  fromfd: number,
  from: unknown,
  tofd: number,
  to: unknown,
): number {
  return do_rename(l, fromfd, from, tofd, to);
}

/* ---------------------------------------------------------------------- */
/* attributes: chmod, chown, chflags, utimes, truncate                     */

function setattrVnode(l: Lwp, vp: Vnode, va: Vattr): number {
  if (rdonly(vp) && vp.v_type !== VCHR && vp.v_type !== VBLK && vp.v_type !== VFIFO) return EROFS;
  return VOP_SETATTR(vp, va, l.l_cred);
}

function withPath(
  l: Lwp,
  fd: number,
  upath: unknown,
  follow: boolean,
  fn: (vp: Vnode) => number,
): number {
  const out = { vp: null as Vnode | null };
  const error = lookupAt(l, fd, upath, LOCKLEAF | (follow ? FOLLOW : 0), out);
  if (error !== 0) return error;
  const vp = out.vp!;
  const e = fn(vp);
  vput(vp);
  return e;
}

function withFd(l: Lwp, fd: number, fn: (vp: Vnode, fp: File) => number): number {
  const out = { vp: null as Vnode | null, fp: null as File | null };
  const error = fileVnode(l, fd, out);
  if (error !== 0) return error;
  const vp = out.vp!;
  vn_lock(vp, LK_EXCLUSIVE | LK_RETRY);
  const e = fn(vp, out.fp!);
  VOP_UNLOCK(vp);
  return e;
}

function chmodVa(mode: number): Vattr {
  const va = new Vattr();
  va.va_mode = mode & ALLPERMS;
  return va;
}

export function sys_chmod(l: Lwp, _rv: Retval, path: unknown, mode: number): number {
  return withPath(l, AT_FDCWD, path, true, (vp) => setattrVnode(l, vp, chmodVa(mode)));
}
export function sys_lchmod(l: Lwp, _rv: Retval, path: unknown, mode: number): number {
  return withPath(l, AT_FDCWD, path, false, (vp) => setattrVnode(l, vp, chmodVa(mode)));
}
export function sys_fchmod(l: Lwp, _rv: Retval, fd: number, mode: number): number {
  return withFd(l, fd, (vp) => setattrVnode(l, vp, chmodVa(mode)));
}
export function sys_fchmodat(
  l: Lwp,
  _rv: Retval,
  fd: number,
  path: unknown,
  mode: number,
  flag: number,
): number {
  if (flag & ~AT_SYMLINK_NOFOLLOW) return EINVAL;
  return withPath(l, fd, path, (flag & AT_SYMLINK_NOFOLLOW) === 0, (vp) =>
    setattrVnode(l, vp, chmodVa(mode)),
  );
}

function chownVa(uid: number, gid: number): Vattr {
  const va = new Vattr();
  // (uid_t)-1 / (gid_t)-1 mean "leave unchanged"
  va.va_uid = uid === -1 || uid === 0xffffffff ? VNOVAL : uid;
  va.va_gid = gid === -1 || gid === 0xffffffff ? VNOVAL : gid;
  return va;
}

export function sys_chown(l: Lwp, _rv: Retval, path: unknown, uid: number, gid: number): number {
  return withPath(l, AT_FDCWD, path, true, (vp) => setattrVnode(l, vp, chownVa(uid, gid)));
}
export function sys_lchown(l: Lwp, _rv: Retval, path: unknown, uid: number, gid: number): number {
  return withPath(l, AT_FDCWD, path, false, (vp) => setattrVnode(l, vp, chownVa(uid, gid)));
}
export function sys_fchown(l: Lwp, _rv: Retval, fd: number, uid: number, gid: number): number {
  return withFd(l, fd, (vp) => setattrVnode(l, vp, chownVa(uid, gid)));
}
export function sys_fchownat(
  l: Lwp,
  _rv: Retval,
  fd: number,
  path: unknown,
  owner: number,
  group: number,
  flag: number,
): number {
  if (flag & ~AT_SYMLINK_NOFOLLOW) return EINVAL;
  return withPath(l, fd, path, (flag & AT_SYMLINK_NOFOLLOW) === 0, (vp) =>
    setattrVnode(l, vp, chownVa(owner, group)),
  );
}

function chflagsVa(flags: number): Vattr {
  const va = new Vattr();
  va.va_flags = flags >>> 0;
  return va;
}

export function sys_chflags(l: Lwp, _rv: Retval, path: unknown, flags: number): number {
  return withPath(l, AT_FDCWD, path, true, (vp) => setattrVnode(l, vp, chflagsVa(flags)));
}
export function sys_lchflags(l: Lwp, _rv: Retval, path: unknown, flags: number): number {
  return withPath(l, AT_FDCWD, path, false, (vp) => setattrVnode(l, vp, chflagsVa(flags)));
}
export function sys_fchflags(l: Lwp, _rv: Retval, fd: number, flags: number): number {
  return withFd(l, fd, (vp) => setattrVnode(l, vp, chflagsVa(flags)));
}

/** Times for VOP_SETATTR from utimes-style (timeval) or utimensat-style (timespec) input. */
function timesVa(l: Lwp, ts: [Timespec, Timespec] | null, va: Vattr): number {
  const k = l.l_proc.p_kernel;
  if (ts === null || ts === undefined) {
    k.nanotime(va.va_atime);
    k.nanotime(va.va_mtime);
    va.va_vaflags |= VA_UTIMES_NULL;
    return 0;
  }
  if (!Array.isArray(ts) || ts.length < 2) return EFAULT;
  const now = { tv_sec: 0, tv_nsec: 0 };
  let nowCount = 0;
  for (let i = 0; i < 2; i++) {
    const t = ts[i]!;
    const dst = i === 0 ? va.va_atime : va.va_mtime;
    if (t.tv_nsec === UTIME_OMIT) continue;
    if (t.tv_nsec === UTIME_NOW) {
      if (nowCount++ === 0) k.nanotime(now);
      dst.tv_sec = now.tv_sec;
      dst.tv_nsec = now.tv_nsec;
      continue;
    }
    if (
      !Number.isInteger(t.tv_nsec) ||
      t.tv_nsec < 0 ||
      t.tv_nsec >= 1e9 ||
      !Number.isSafeInteger(t.tv_sec)
    )
      return EINVAL;
    dst.tv_sec = t.tv_sec;
    dst.tv_nsec = t.tv_nsec;
  }
  if (nowCount === 2) va.va_vaflags |= VA_UTIMES_NULL;
  return 0;
}

function tvToTs(tv: [Timeval, Timeval] | null): [Timespec, Timespec] | null | number {
  if (tv === null || tv === undefined) return null;
  if (!Array.isArray(tv) || tv.length < 2) return EFAULT;
  const out: Timespec[] = [];
  for (const t of tv) {
    if (!Number.isInteger(t.tv_usec) || t.tv_usec < 0 || t.tv_usec >= 1e6) return EINVAL;
    out.push({ tv_sec: t.tv_sec, tv_nsec: t.tv_usec * 1000 });
  }
  return out as [Timespec, Timespec];
}

function utimesCommon(l: Lwp, vp: Vnode, ts: [Timespec, Timespec] | null): number {
  const va = new Vattr();
  const error = timesVa(l, ts, va);
  if (error !== 0) return error;
  if (va.va_atime.tv_sec === VNOVAL && va.va_mtime.tv_sec === VNOVAL) return 0; // both omitted
  return setattrVnode(l, vp, va);
}

export function sys___utimes50(
  l: Lwp,
  _rv: Retval,
  path: unknown,
  tptr: [Timeval, Timeval] | null,
): number {
  const ts = tvToTs(tptr);
  if (typeof ts === "number") return ts;
  return withPath(l, AT_FDCWD, path, true, (vp) => utimesCommon(l, vp, ts));
}
export function sys___lutimes50(
  l: Lwp,
  _rv: Retval,
  path: unknown,
  tptr: [Timeval, Timeval] | null,
): number {
  const ts = tvToTs(tptr);
  if (typeof ts === "number") return ts;
  return withPath(l, AT_FDCWD, path, false, (vp) => utimesCommon(l, vp, ts));
}
export function sys___futimes50(
  l: Lwp,
  _rv: Retval,
  fd: number,
  tptr: [Timeval, Timeval] | null,
): number {
  const ts = tvToTs(tptr);
  if (typeof ts === "number") return ts;
  return withFd(l, fd, (vp) => utimesCommon(l, vp, ts));
}
export function sys_utimensat(
  l: Lwp,
  _rv: Retval,
  fd: number,
  path: unknown,
  tptr: [Timespec, Timespec] | null,
  flag: number,
): number {
  if (flag & ~AT_SYMLINK_NOFOLLOW) return EINVAL;
  return withPath(l, fd, path, (flag & AT_SYMLINK_NOFOLLOW) === 0, (vp) =>
    utimesCommon(l, vp, tptr),
  );
}
export function sys_futimens(
  l: Lwp,
  _rv: Retval,
  fd: number,
  tptr: [Timespec, Timespec] | null,
): number {
  return withFd(l, fd, (vp) => utimesCommon(l, vp, tptr));
}

function truncateVnode(l: Lwp, vp: Vnode, length: number, cred: Kauth_cred): number {
  if (vp.v_type === VDIR) return EISDIR;
  if (vp.v_type !== VREG) return EINVAL;
  if (rdonly(vp)) return EROFS;
  const va = new Vattr();
  va.va_size = length;
  return VOP_SETATTR(vp, va, cred);
}

export function sys_truncate(l: Lwp, _rv: Retval, path: unknown, length: number): number {
  if (typeof length !== "number" || !Number.isSafeInteger(length) || length < 0) return EINVAL;
  return withPath(l, AT_FDCWD, path, true, (vp) => {
    if (vp.v_type === VDIR) return EISDIR;
    const e = VOP_ACCESS(vp, VWRITE, l.l_cred);
    if (e !== 0) return e;
    return truncateVnode(l, vp, length, l.l_cred);
  });
}

export function sys_ftruncate(l: Lwp, _rv: Retval, fd: number, length: number): number {
  if (typeof length !== "number" || !Number.isSafeInteger(length) || length < 0) return EINVAL;
  const fp = fd_getfile(l, fd);
  if (fp === null) return EBADF;
  if (fp.f_type !== DTYPE_VNODE || (fp.f_flag & FWRITE) === 0) return EINVAL;
  return withFd(l, fd, (vp) => truncateVnode(l, vp, length, fp.f_cred));
}

/* ---------------------------------------------------------------------- */
/* sync, fsync, lseek, getdents                                            */

export function sys_fsync(l: Lwp, _rv: Retval, fd: number): number {
  return withFd(l, fd, (vp, fp) => VOP_FSYNC(vp, fp.f_cred, FSYNC_WAIT, 0, 0));
}

export function sys_fdatasync(l: Lwp, _rv: Retval, fd: number): number {
  const fp = fd_getfile(l, fd);
  if (fp === null) return EBADF;
  if ((fp.f_flag & FWRITE) === 0) return EBADF;
  return withFd(l, fd, (vp) => VOP_FSYNC(vp, fp.f_cred, FSYNC_WAIT | FSYNC_DATAONLY, 0, 0));
}

export function sys_fsync_range(
  l: Lwp,
  _rv: Retval,
  fd: number,
  flags: number,
  start: number,
  length: number,
): number {
  const fp = fd_getfile(l, fd);
  if (fp === null) return EBADF;
  if ((fp.f_flag & FWRITE) === 0) return EBADF;
  if ((flags & (FDATASYNC | FFILESYNC)) === 0 || flags & ~(FDATASYNC | FFILESYNC | FDISKSYNC))
    return EINVAL;
  if (start < 0 || length < 0 || !Number.isSafeInteger(start) || !Number.isSafeInteger(length))
    return EINVAL;
  let nflags = flags & FDATASYNC ? FSYNC_DATAONLY | FSYNC_WAIT : FSYNC_WAIT;
  if (flags & FDISKSYNC) nflags |= FSYNC_CACHE;
  const end = length === 0 ? 0 : start + length;
  return withFd(l, fd, (vp) => VOP_FSYNC(vp, fp.f_cred, nflags, start, end));
}

/** sync(2): ask every writable file system to flush (no waiting). */
export function sys_sync(l: Lwp, _rv: Retval): number {
  const k = l.l_proc.p_kernel;
  for (const mp of k.vfs.mountlist) {
    if ((mp.mnt_flag & MNT_RDONLY) === 0) mp.mnt_op.vfs_sync(mp, MNT_NOWAIT, l.l_cred);
  }
  return 0;
}

export function sys_lseek(l: Lwp, rv: Retval, fd: number, offset: number, whence: number): number {
  const fp = fd_getfile(l, fd);
  if (fp === null) return EBADF;
  if (typeof offset !== "number" || !Number.isSafeInteger(offset)) return EINVAL;
  const newoff = { v: 0 };
  const error = fp.f_ops.fo_seek(fp, offset, whence, newoff, l);
  if (error !== 0) return error;
  fp.f_offset = newoff.v;
  rv[0] = newoff.v;
  return 0;
}

export function sys___getdents30(
  l: Lwp,
  rv: Retval,
  fd: number,
  buf: Uint8Array,
  count: number,
): number {
  const fp = fd_getfile(l, fd);
  if (fp === null) return EBADF;
  if ((fp.f_flag & FREAD) === 0) return EBADF;
  if (fp.f_type !== DTYPE_VNODE) return EINVAL;
  const n = bufLen(buf, count);
  if (n < 0) return -n;
  const vp = fp.f_data as Vnode;
  // NetBSD vn_readdir: EINVAL for a non-directory (getdents(2))
  if (vp.v_type !== VDIR) return EINVAL;
  vn_lock(vp, LK_SHARED | LK_RETRY);
  const uio = new Uio([buf.subarray(0, n)], fp.f_offset, n, UIO_READ);
  const eof = { v: 0 };
  const error = VOP_READDIR(vp, uio, fp.f_cred, eof, null, null);
  fp.f_offset = uio.uio_offset;
  VOP_UNLOCK(vp);
  if (error !== 0) return error;
  const len = n - uio.uio_resid;
  // Every file system refuses such names when it checks its directory
  // blocks; this holds the line for all of them: a name from getdents is
  // one path component, or the call fails.
  const bad = dirent_badname(buf, len);
  if (bad >= 0) {
    l.l_proc.p_kernel.printf(
      `getdents: ${vp.v_mount?.mnt_stat.f_fstypename ?? "?"} ${vp.v_mount?.mnt_stat.f_mntonname ?? ""}: directory entry for inode ${bad} has a name with '/' or NUL\n`,
    );
    return EIO;
  }
  rv[0] = len;
  return 0;
}

/* ---------------------------------------------------------------------- */
/* cwd, root, umask                                                        */

function changeDir(l: Lwp, vp: Vnode, root: boolean): number {
  // vp referenced and locked
  if (vp.v_type !== VDIR) {
    vput(vp);
    return ENOTDIR;
  }
  const error = VOP_ACCESS(vp, VEXEC, l.l_cred);
  if (error !== 0) {
    vput(vp);
    return error;
  }
  VOP_UNLOCK(vp);
  const cwdi = l.l_proc.p_cwdi;
  if (root) {
    const old = cwdi.cwdi_rdir;
    cwdi.cwdi_rdir = vp;
    if (old !== null) vrele(old);
    // keep the cwd inside the new root (NetBSD change_root)
    if (!vnIsUnder(l, cwdi.cwdi_cdir, vp)) {
      vref(vp);
      const oc = cwdi.cwdi_cdir;
      cwdi.cwdi_cdir = vp;
      if (oc !== null) vrele(oc);
    }
  } else {
    const old = cwdi.cwdi_cdir;
    cwdi.cwdi_cdir = vp;
    if (old !== null) vrele(old);
  }
  return 0;
}

/** Is directory `dir` at or below `root`? (walks ".." up to the global root) */
function vnIsUnder(l: Lwp, dir: Vnode | null, root: Vnode): boolean {
  const k = l.l_proc.p_kernel;
  let vp = dir ?? k.vfs.rootvnode!;
  vref(vp);
  for (let depth = 0; depth < 4096; depth++) {
    if (vp === root) {
      vrele(vp);
      return true;
    }
    const parent = parentOf(k.vfs.rootvnode!, vp, l.l_cred);
    vrele(vp);
    if (parent === null) return false;
    vp = parent;
  }
  vrele(vp);
  return false;
}

/**
 * The parent directory of `vp` (referenced), or null at the global root or
 * when ".." cannot be looked up (a removed directory); `err.v` then says
 * which (0 at the root, else the lookup's errno).
 */
export function parentOf(
  rootvnode: Vnode,
  vp: Vnode,
  cred: Kauth_cred,
  err: { v: number } = { v: 0 },
): Vnode | null {
  err.v = 0;
  let dp = vp;
  vref(dp);
  while (dp !== rootvnode && dp.v_vflag & VV_ROOT && dp.v_mount!.mnt_vnodecovered !== null) {
    const c = dp.v_mount!.mnt_vnodecovered;
    vref(c);
    vrele(dp);
    dp = c;
  }
  if (dp === rootvnode) {
    vrele(dp);
    return null;
  }
  vn_lock(dp, LK_EXCLUSIVE | LK_RETRY);
  const out = { vp: null as Vnode | null };
  const cn = new ComponentName(LOOKUP, 0x8000 /* ISLASTCN */ | 0x2000 /* ISDOTDOT */, cred, "..");
  const error = VOP_LOOKUP(dp, out, cn);
  vput(dp);
  err.v = error;
  return error === 0 ? out.vp : null;
}

export function sys_chdir(l: Lwp, _rv: Retval, path: unknown): number {
  const out = { vp: null as Vnode | null };
  const error = lookupAt(l, AT_FDCWD, path, LOCKLEAF | FOLLOW, out);
  if (error !== 0) return error;
  return changeDir(l, out.vp!, false);
}

export function sys_fchdir(l: Lwp, _rv: Retval, fd: number): number {
  const fp = fd_getfile(l, fd);
  if (fp === null) return EBADF;
  if (fp.f_type !== DTYPE_VNODE) return ENOTDIR;
  const vp = fp.f_data as Vnode;
  vref(vp);
  vn_lock(vp, LK_EXCLUSIVE | LK_RETRY);
  return changeDir(l, vp, false);
}

export function sys_chroot(l: Lwp, _rv: Retval, path: unknown): number {
  if (l.l_cred.cr_euid !== 0) return EPERM;
  const out = { vp: null as Vnode | null };
  const error = lookupAt(l, AT_FDCWD, path, LOCKLEAF | FOLLOW, out);
  if (error !== 0) return error;
  return changeDir(l, out.vp!, true);
}

export function sys_umask(l: Lwp, rv: Retval, newmask: number): number {
  const cwdi = l.l_proc.p_cwdi;
  rv[0] = cwdi.cwdi_cmask;
  cwdi.cwdi_cmask = newmask & ALLPERMS;
  return 0;
}

/**
 * __getcwd(buf, length): the cwd as seen from the process root, NUL
 * terminated; returns its length including the NUL.
 */
export function sys___getcwd(l: Lwp, rv: Retval, bufp: Uint8Array, length: number): number {
  const n = bufLen(bufp, length);
  if (n < 0) return -n;
  if (n < 2) return ERANGE;
  const k = l.l_proc.p_kernel;
  const cwdi = l.l_proc.p_cwdi;
  const root = cwdi.cwdi_rdir ?? k.vfs.rootvnode!;
  let vp = cwdi.cwdi_cdir ?? k.vfs.rootvnode!;
  const parts: string[] = [];
  vref(vp);
  let guard = 0;
  while (vp !== root) {
    if (++guard > 4096) {
      vrele(vp);
      return ENOENT;
    }
    const perr = { v: 0 };
    const parent = parentOf(k.vfs.rootvnode!, vp, l.l_cred, perr);
    if (parent === null && perr.v !== 0) {
      // ".." of a removed directory: NetBSD's getcwd fails with ENOENT
      vrele(vp);
      return perr.v;
    }
    if (parent === null) break; // reached the global root outside our chroot
    const name = nameInDir(parent, vp, l.l_cred);
    vrele(vp);
    if (name === null) {
      vrele(parent);
      return ENOENT;
    }
    parts.push(name);
    vp = parent;
  }
  vrele(vp);
  let path = "/" + parts.reverse().join("/");
  if (path.length + 1 > n) return ERANGE;
  for (let i = 0; i < path.length; i++) bufp[i] = path.charCodeAt(i);
  bufp[path.length] = 0;
  rv[0] = path.length + 1;
  path = "";
  return 0;
}

/** The name under which `child` appears in directory `dir` (readdir scan by inode). */
function nameInDir(dir: Vnode, child: Vnode, cred: Kauth_cred): string | null {
  // the child may be the root of a mount on this directory's entry
  let target = child;
  while (
    target.v_vflag & VV_ROOT &&
    target.v_mount!.mnt_vnodecovered !== null &&
    target.v_mount!.mnt_vnodecovered !== dir
  ) {
    target = target.v_mount!.mnt_vnodecovered;
  }
  const va = new Vattr();
  vn_lock(target, LK_SHARED | LK_RETRY);
  let error = VOP_GETATTR(target, va, cred);
  VOP_UNLOCK(target);
  if (error !== 0) return null;
  const ino = va.va_fileid;
  const buf = new Uint8Array(8192);
  let off = 0;
  vn_lock(dir, LK_SHARED | LK_RETRY);
  try {
    for (;;) {
      const uio = new Uio([buf], off, buf.length, UIO_READ);
      const eof = { v: 0 };
      error = VOP_READDIR(dir, uio, cred, eof, null, null);
      if (error !== 0) return null;
      const got = buf.length - uio.uio_resid;
      if (got === 0) return null;
      const found = parseDirentBuf(buf, got, ino);
      if (found !== null) return found;
      off = uio.uio_offset;
      if (eof.v) return null;
    }
  } finally {
    VOP_UNLOCK(dir);
  }
}

/* ---------------------------------------------------------------------- */
/* mount, statvfs, pathconf                                                */

export function sys___mount50(
  l: Lwp,
  _rv: Retval,
  type: unknown,
  path: unknown,
  flags: number,
  data: unknown,
  data_len: number,
): number {
  const p = kpath(path);
  if (typeof p === "number") return -p;
  return do_sys_mount(l, type, p, flags, data, data_len);
}

export function sys_unmount(l: Lwp, _rv: Retval, path: unknown, flags: number): number {
  const p = kpath(path);
  if (typeof p === "number") return -p;
  return do_sys_unmount(l, p, flags);
}

/** Fill a statvfs for `mp` (VFS_STATVFS plus the generic fields). */
export function dostatvfs(mp: Mount, sb: Statvfs): number {
  const error = mp.mnt_op.vfs_statvfs(mp, sb);
  if (error !== 0) return error;
  const st = mp.mnt_stat;
  sb.f_flag = mp.mnt_flag & 0x0fffffff;
  sb.f_fsidx = [st.f_fsidx[0], st.f_fsidx[1]];
  sb.f_fsid = st.f_fsid;
  sb.f_namemax = st.f_namemax;
  sb.f_owner = st.f_owner;
  sb.f_fstypename = st.f_fstypename;
  sb.f_mntonname = st.f_mntonname;
  sb.f_mntfromname = st.f_mntfromname;
  return 0;
}

export function sys_statvfs1(
  l: Lwp,
  _rv: Retval,
  path: unknown,
  buf: Statvfs,
  _flags: number,
): number {
  if (buf === null || typeof buf !== "object") return EFAULT;
  const out = { vp: null as Vnode | null };
  const error = lookupAt(l, AT_FDCWD, path, FOLLOW, out);
  if (error !== 0) return error;
  const vp = out.vp!;
  const e = dostatvfs(vp.v_mount!, buf);
  vrele(vp);
  return e;
}

export function sys_fstatvfs1(
  l: Lwp,
  _rv: Retval,
  fd: number,
  buf: Statvfs,
  _flags: number,
): number {
  if (buf === null || typeof buf !== "object") return EFAULT;
  const fp = fd_getfile(l, fd);
  if (fp === null) return EBADF;
  if (fp.f_type !== DTYPE_VNODE) return EINVAL;
  return dostatvfs((fp.f_data as Vnode).v_mount!, buf);
}

/**
 * getvfsstat(buf, bufsize, flags): fill `buf` (an array of statvfs objects
 * the caller provides room for: bufsize / 2256 of them) and return the
 * number of mounted file systems reported; with buf null, just the count.
 */
export function sys_getvfsstat(
  l: Lwp,
  rv: Retval,
  buf: Statvfs[] | null,
  bufsize: number,
  _flags: number,
): number {
  const k = l.l_proc.p_kernel;
  const mounts = k.vfs.mountlist;
  if (buf === null || buf === undefined) {
    rv[0] = mounts.length;
    return 0;
  }
  if (!Array.isArray(buf)) return EFAULT;
  const max = Math.min(Math.floor((bufsize ?? buf.length * 2256) / 2256), buf.length);
  let n = 0;
  for (const mp of mounts) {
    if (n >= max) break;
    const sb = buf[n];
    if (sb === undefined) break;
    if (dostatvfs(mp, sb) === 0) n++;
  }
  rv[0] = n;
  return 0;
}

export function sys_pathconf(l: Lwp, rv: Retval, path: unknown, name: number): number {
  return withPath(l, AT_FDCWD, path, true, (vp) => {
    const out = { v: 0 };
    const e = VOP_PATHCONF(vp, name, out);
    if (e === 0) rv[0] = out.v;
    return e;
  });
}

export function sys_fpathconf(l: Lwp, rv: Retval, fd: number, name: number): number {
  const fp = fd_getfile(l, fd);
  if (fp === null) return EBADF;
  if (fp.f_type !== DTYPE_VNODE) return EINVAL;
  return withFd(l, fd, (vp) => {
    const out = { v: 0 };
    const e = VOP_PATHCONF(vp, name, out);
    if (e === 0) rv[0] = out.v;
    return e;
  });
}
