/**
 * Open files that are vnodes (vfs_vnops.c): vn_open with O_CREAT/O_EXCL/
 * O_TRUNC/O_NOFOLLOW/O_DIRECTORY, and the fileops through which read(2),
 * write(2), fstat(2), lseek(2), fcntl(2) and close(2) reach VOP_*.
 */
import {
  EEXIST,
  EFTYPE,
  EINVAL,
  EISDIR,
  ENOTDIR,
  ENOTTY,
  EOPNOTSUPP,
  EOVERFLOW,
  EROFS,
  ESPIPE,
  MNT_RDONLY,
  O_APPEND,
  O_CREAT,
  O_DIRECT,
  O_DIRECTORY,
  O_EXCL,
  O_NONBLOCK,
  O_NOFOLLOW,
  O_TRUNC,
  O_DSYNC,
  O_SYNC,
  S_IFBLK,
  S_IFCHR,
  S_IFDIR,
  S_IFIFO,
  S_IFLNK,
  S_IFREG,
  S_IFSOCK,
} from "../gen/constants.js";
import {
  VOP_ACCESS,
  VOP_CLOSE,
  VOP_CREATE,
  VOP_FCNTL,
  VOP_GETATTR,
  VOP_IOCTL,
  VOP_OPEN,
  VOP_READ,
  VOP_SEEK,
  VOP_SETATTR,
  VOP_UNLOCK,
  VOP_WRITE,
} from "../gen/vnode_if.js";
import type { Kauth_cred } from "../sys/kauth.js";
import { CREATE, FOLLOW, LOCKLEAF, LOCKPARENT, LOOKUP } from "../sys/namei.js";
import type { Lwp } from "../sys/proc.js";
import type { Stat } from "../sys/stat.js";
import type { Uio } from "../sys/uio.js";
import { Vattr, VA_EXCLUSIVE, VNOVAL } from "../sys/vattr.js";
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
  VSOCK,
  type Vnode,
} from "../sys/vnode.js";
import { VREAD, VWRITE } from "../miscfs/genfs/genfs_vnops.js";
import { FOF_UPDATE_OFFSET, FREAD, FWRITE, type File, type Fileops } from "./sys_file.js";
import { Nameidata, namei } from "./vfs_lookup.js";
import { vn_lock, vput, vrele } from "./vfs_vnode.js";

/** ioflag bits of VOP_READ/VOP_WRITE */
export const IO_UNIT = 0x00010;
export const IO_APPEND = 0x00020;
export const IO_SYNC = 0x00004 | 0x00040;
export const IO_NODELOCKED = 0x00008;
export const IO_DSYNC = 0x00040;
/** FNONBLOCK for the file system (fifos, devices) */
export const IO_NDELAY = 0x00100;
/** O_DIRECT: a hint to move whole blocks between the medium and the caller, past the cache */
export const IO_DIRECT = 0x02000;

/** vtype → S_IF* */
export const VTTOIF: readonly number[] = [
  0,
  S_IFREG,
  S_IFDIR,
  S_IFBLK,
  S_IFCHR,
  S_IFLNK,
  S_IFSOCK,
  S_IFIFO,
  0,
];
/** S_IF* (>> 12) → vtype */
export function IFTOVT(mode: number): number {
  switch (mode & 0o170000) {
    case S_IFREG:
      return VREG;
    case S_IFDIR:
      return VDIR;
    case S_IFBLK:
      return VBLK;
    case S_IFCHR:
      return VCHR;
    case S_IFLNK:
      return VLNK;
    case S_IFSOCK:
      return VSOCK;
    case S_IFIFO:
      return VFIFO;
    default:
      return 0;
  }
}

/**
 * vn_open: open (and with O_CREAT create) the file at ndp's path.
 * `fmode` is FFLAGS(open flags); `cmode` the creation mode after umask.
 * On success ndp.ni_vp is the vnode, referenced and locked, opened.
 */
export function vn_open(l: Lwp, ndp: Nameidata, fmode: number, cmode: number): number {
  const cred = ndp.ni_cnd.cn_cred;
  let vp: Vnode;
  if (fmode & O_CREAT) {
    ndp.ni_cnd.cn_nameiop = CREATE;
    ndp.ni_cnd.cn_flags = LOCKPARENT | LOCKLEAF;
    if (!(fmode & O_EXCL) && !(fmode & O_NOFOLLOW)) ndp.ni_cnd.cn_flags |= FOLLOW;
    let error = namei(l, ndp);
    if (error !== 0) return error;
    if (ndp.ni_vp === null) {
      const va = (l.l_proc.p_kernel as { scratchVattr2: Vattr }).scratchVattr2;
      va.null();
      va.va_type = VREG;
      va.va_mode = cmode & 0o7777;
      if (fmode & O_EXCL) va.va_vaflags |= VA_EXCLUSIVE;
      const dvp = ndp.ni_dvp!;
      const vpp = { vp: null as Vnode | null };
      error = VOP_CREATE(dvp, vpp, ndp.ni_cnd, va);
      vput(dvp);
      ndp.ni_dvp = null;
      if (error !== 0) return error;
      vp = vpp.vp!;
      vn_lock(vp, LK_EXCLUSIVE | LK_RETRY);
      fmode &= ~O_TRUNC;
    } else {
      const dvp = ndp.ni_dvp!;
      vp = ndp.ni_vp;
      if (dvp === vp) {
        vrele(vp);
        vput(dvp);
        ndp.ni_vp = ndp.ni_dvp = null;
        return EEXIST;
      }
      vput(dvp);
      ndp.ni_dvp = null;
      if (fmode & O_EXCL) {
        vput(vp);
        ndp.ni_vp = null;
        return EEXIST;
      }
      fmode &= ~O_CREAT;
    }
  } else {
    ndp.ni_cnd.cn_nameiop = LOOKUP;
    ndp.ni_cnd.cn_flags = LOCKLEAF | (fmode & O_NOFOLLOW ? 0 : FOLLOW);
    const error = namei(l, ndp);
    if (error !== 0) return error;
    vp = ndp.ni_vp!;
  }
  ndp.ni_vp = vp;
  const error = vn_openchk_and_open(vp, fmode, cred);
  if (error !== 0) {
    vput(vp);
    ndp.ni_vp = null;
    return error;
  }
  return 0;
}

function vn_openchk_and_open(vp: Vnode, fmode: number, cred: Kauth_cred): number {
  if (vp.v_type === VSOCK) return EOPNOTSUPP;
  // NetBSD open(2): O_NOFOLLOW on a symlink is EFTYPE (POSIX says ELOOP)
  if (vp.v_type === VLNK) return EFTYPE;
  if (fmode & O_DIRECTORY && vp.v_type !== VDIR) return ENOTDIR;
  if (!(fmode & O_CREAT)) {
    let mode = 0;
    if (fmode & FREAD) mode |= VREAD;
    if (fmode & (FWRITE | O_TRUNC)) {
      if (vp.v_type === VDIR) return EISDIR;
      mode |= VWRITE;
    }
    if (mode !== 0) {
      const error = VOP_ACCESS(vp, mode, cred);
      if (error !== 0) return error;
    }
  }
  if (fmode & O_TRUNC) {
    if (vp.v_mount!.mnt_flag & MNT_RDONLY) return EROFS;
    const va = new Vattr();
    va.va_size = 0;
    const error = VOP_SETATTR(vp, va, cred);
    if (error !== 0) return error;
  }
  return VOP_OPEN(vp, fmode, cred);
}

/** vn_stat: VOP_GETATTR into a struct stat. */
export function vn_stat(vp: Vnode, sb: Stat, cred: Kauth_cred): number {
  // one scratch vattr per kernel: vn_stat never nests
  const va = (vp.v_mount!.mnt_kernel as { scratchVattr: Vattr }).scratchVattr;
  va.null();
  const error = VOP_GETATTR(vp, va, cred);
  if (error !== 0) return error;
  sb.st_dev = va.va_fsid;
  sb.st_ino = va.va_fileid;
  sb.st_mode = (va.va_mode & 0o7777) | (VTTOIF[va.va_type] ?? 0);
  sb.st_nlink = va.va_nlink;
  sb.st_uid = va.va_uid;
  sb.st_gid = va.va_gid;
  sb.st_rdev = va.va_rdev === VNOVAL ? 0 : va.va_rdev;
  sb.st_size = va.va_size;
  sb.st_atimespec.tv_sec = va.va_atime.tv_sec;
  sb.st_atimespec.tv_nsec = va.va_atime.tv_nsec;
  sb.st_mtimespec.tv_sec = va.va_mtime.tv_sec;
  sb.st_mtimespec.tv_nsec = va.va_mtime.tv_nsec;
  sb.st_ctimespec.tv_sec = va.va_ctime.tv_sec;
  sb.st_ctimespec.tv_nsec = va.va_ctime.tv_nsec;
  sb.st_birthtimespec.tv_sec = va.va_birthtime.tv_sec;
  sb.st_birthtimespec.tv_nsec = va.va_birthtime.tv_nsec;
  sb.st_blksize = va.va_blocksize;
  sb.st_blocks = va.va_bytes === VNOVAL ? 0 : Math.ceil(va.va_bytes / 512);
  sb.st_flags = va.va_flags === VNOVAL ? 0 : va.va_flags;
  // the generation number is only for the superuser (NetBSD vn_stat)
  sb.st_gen = cred.cr_euid === 0 && va.va_gen !== VNOVAL ? va.va_gen : 0;
  return 0;
}

/** ioflags for a read/write through file `fp` */
function ioflags(fp: File): number {
  let f = 0;
  if (fp.f_flag & O_APPEND) f |= IO_APPEND;
  if (fp.f_flag & O_NONBLOCK) f |= IO_NDELAY;
  if (fp.f_flag & O_SYNC) f |= IO_SYNC;
  else if (fp.f_flag & O_DSYNC) f |= IO_DSYNC;
  if (fp.f_flag & O_DIRECT) f |= IO_DIRECT;
  return f;
}

function vn_read(fp: File, uio: Uio, cred: Kauth_cred, flags: number): number {
  const vp = fp.f_data as Vnode;
  vn_lock(vp, LK_SHARED | LK_RETRY);
  if (flags & FOF_UPDATE_OFFSET) uio.uio_offset = fp.f_offset;
  const count = uio.uio_resid;
  const error = VOP_READ(vp, uio, ioflags(fp), cred);
  if (flags & FOF_UPDATE_OFFSET) fp.f_offset += count - uio.uio_resid;
  VOP_UNLOCK(vp);
  return error;
}

function vn_write(fp: File, uio: Uio, cred: Kauth_cred, flags: number): number {
  const vp = fp.f_data as Vnode;
  vn_lock(vp, LK_EXCLUSIVE | LK_RETRY);
  if (flags & FOF_UPDATE_OFFSET) uio.uio_offset = fp.f_offset;
  const count = uio.uio_resid;
  const error = VOP_WRITE(vp, uio, ioflags(fp), cred);
  if (flags & FOF_UPDATE_OFFSET) {
    // O_APPEND: the file system moved uio_offset to the end
    if (fp.f_flag & O_APPEND) fp.f_offset = uio.uio_offset;
    else fp.f_offset += count - uio.uio_resid;
  }
  VOP_UNLOCK(vp);
  return error;
}

function vn_statfile(fp: File, sb: Stat): number {
  const vp = fp.f_data as Vnode;
  vn_lock(vp, LK_SHARED | LK_RETRY);
  const error = vn_stat(vp, sb, fp.f_cred);
  VOP_UNLOCK(vp);
  return error;
}

function vn_closefile(fp: File, _l: Lwp): number {
  const vp = fp.f_data as Vnode;
  vn_lock(vp, LK_EXCLUSIVE | LK_RETRY);
  const error = VOP_CLOSE(vp, fp.f_flag, fp.f_cred);
  vput(vp);
  return error;
}

function vn_ioctl(fp: File, com: number, data: unknown, _l: Lwp): number {
  const vp = fp.f_data as Vnode;
  if (vp.v_type === VREG || vp.v_type === VDIR) return ENOTTY;
  return VOP_IOCTL(vp, com, data, fp.f_flag, fp.f_cred);
}

function vn_fcntl(fp: File, cmd: number, data: unknown, _l: Lwp): number {
  const vp = fp.f_data as Vnode;
  return VOP_FCNTL(vp, cmd, data, fp.f_flag, fp.f_cred);
}

/** lseek on a vnode: SEEK_SET/CUR/END, checked by VOP_SEEK. */
function vn_seek(fp: File, offset: number, whence: number, newoff: { v: number }, _l: Lwp): number {
  const vp = fp.f_data as Vnode;
  if (vp.v_type === VFIFO) return ESPIPE;
  let base: number;
  switch (whence) {
    case 0:
      base = 0;
      break;
    case 1:
      base = fp.f_offset;
      break;
    case 2: {
      vn_lock(vp, LK_SHARED | LK_RETRY);
      const va = new Vattr();
      const error = VOP_GETATTR(vp, va, fp.f_cred);
      VOP_UNLOCK(vp);
      if (error !== 0) return error;
      base = va.va_size;
      break;
    }
    default:
      return EINVAL;
  }
  const off = base + offset;
  if (!Number.isSafeInteger(off)) return EOVERFLOW;
  if (off < 0 && vp.v_type !== VCHR) return EINVAL;
  const error = VOP_SEEK(vp, fp.f_offset, off, fp.f_cred);
  if (error !== 0) return error;
  newoff.v = off;
  return 0;
}

export const vnops: Fileops = {
  fo_read: vn_read,
  fo_write: vn_write,
  fo_ioctl: vn_ioctl,
  fo_fcntl: vn_fcntl,
  fo_stat: vn_statfile,
  fo_close: vn_closefile,
  fo_seek: vn_seek,
};

/** vn_rdwr: kernel-internal read or write of a vnode (locked by the caller). */
export function vn_rdwr(
  vp: Vnode,
  uio: Uio,
  ioflag: number,
  cred: Kauth_cred,
  write: boolean,
): number {
  return write ? VOP_WRITE(vp, uio, ioflag, cred) : VOP_READ(vp, uio, ioflag, cred);
}
