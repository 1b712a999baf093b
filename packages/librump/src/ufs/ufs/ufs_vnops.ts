/**
 * UFS vnode operations shared by FFS and (later) ext2fs (ufs_vnops.c):
 * attributes (setattr with the genfs permission rules), access, readdir,
 * readlink, pathconf, advisory locks, the vnode life cycle, and the
 * namespace: create, mknod, mkdir, symlink, link, remove, rmdir (rename is
 * in ufs_rename.ts).
 */
import {
  ALLPERMS,
  EBUSY,
  EINVAL,
  EISDIR,
  EMLINK,
  ENAMETOOLONG,
  ENOENT,
  ENOTDIR,
  ENOTEMPTY,
  EOPNOTSUPP,
  EPERM,
  EROFS,
  EXDEV,
  MNT_RDONLY,
  S_ISGID,
} from "../../gen/constants.js";
import { bdwrite, bread, brelse } from "../../kern/vfs_bio.js";
import { cache_purge, cache_purge1 } from "../../kern/vfs_cache.js";
import { lf_advlock } from "../../kern/vfs_lockf.js";
import { vcache_new, vgone, vput, vrele } from "../../kern/vfs_vnode.js";
import {
  genfs_can_chmod,
  genfs_can_chown,
  genfs_can_chtimes,
  genfs_chown_clear_suid,
  VWRITE,
  genfs_unlock,
} from "../../miscfs/genfs/genfs_vnops.js";
import {
  _PC_CHOWN_RESTRICTED,
  _PC_FILESIZEBITS,
  _PC_LINK_MAX,
  _PC_NAME_MAX,
  _PC_NO_TRUNC,
  _PC_PATH_MAX,
  _PC_PIPE_BUF,
  _PC_SYNC_IO,
  LINK_MAX,
  PIPE_BUF,
  SF_SETTABLE,
  UF_SETTABLE,
} from "../../sys/consts.js";
import { dirent_append, DT_DIR, DT_UNKNOWN, vtype2dt } from "../../sys/dirent.js";
import type { Flock } from "../../sys/flock.js";
import type { Kauth_cred } from "../../sys/kauth.js";
import type { ComponentName } from "../../sys/namei.js";
import type { Out } from "../../sys/out.js";
import { uiomove, type Uio } from "../../sys/uio.js";
import type { Timespec } from "../../sys/time.js";
import { VA_UTIMES_NULL, VNOVAL, type Vattr } from "../../sys/vattr.js";
import {
  VBLK,
  VCHR,
  VDIR,
  VFIFO,
  VLNK,
  VREG,
  VSOCK,
  type Vnode,
  type VnodeOut,
} from "../../sys/vnode.js";
import { ffs_vfree } from "../ffs/ffs_alloc.js";
import { ffs_balloc } from "../ffs/ffs_balloc.js";
import { ffs_truncate, ffs_update, ffs_update_dirop, ufs_itimes } from "../ffs/ffs_inode.js";
import { fsbtodb } from "../ffs/fs.js";
import { IFDIR, IFMT } from "./dinode.js";
import { direct_name, direct_parse, DIRBLKSIZ, dirtemplate_write, UFS_MAXNAMLEN } from "./dir.js";
import {
  APPEND,
  IMMUTABLE,
  IN_CHANGE,
  IN_UPDATE,
  ufs_corrupt,
  VFSTOUFS,
  VTOI,
  type Inode,
  ufs_access,
} from "./inode.js";
import { ufs_bmap } from "./ufs_bmap.js";
import { ufs_dirblk_read, ufs_dirempty, ufs_direnter, ufs_dirremove } from "./ufs_lookup.js";
import { ufs_dirhash_free } from "./ufs_dirhash.js";

/** The longest symlink target (MAXPATHLEN - 1) and path. */
export const UFS_MAXPATHLEN = 1024;

/** VOP_GETATTR */
export function ufs_getattr(vp: Vnode, vap: Vattr, _cred: Kauth_cred): number {
  const ip = VTOI(vp);
  ufs_itimes(ip);
  const ump = ip.i_ump;
  const fs = ump.um_fs;
  const din = ip.i_din;
  const type = vp.v_type;
  vap.va_type = type;
  vap.va_mode = din.di_mode & ALLPERMS;
  vap.va_nlink = din.di_nlink;
  vap.va_uid = din.di_uid;
  vap.va_gid = din.di_gid;
  vap.va_fsid = vp.v_mount!.mnt_stat.f_fsidx[0];
  vap.va_fileid = ip.i_number;
  vap.va_size = vp.v_size;
  vap.va_blocksize = type === VBLK || type === VCHR ? 512 : fs.fs_bsize;
  vap.va_atime.tv_sec = din.di_atime;
  vap.va_atime.tv_nsec = din.di_atimensec;
  vap.va_mtime.tv_sec = din.di_mtime;
  vap.va_mtime.tv_nsec = din.di_mtimensec;
  vap.va_ctime.tv_sec = din.di_ctime;
  vap.va_ctime.tv_nsec = din.di_ctimensec;
  if (fs.ufs2) {
    vap.va_birthtime.tv_sec = din.di_birthtime;
    vap.va_birthtime.tv_nsec = din.di_birthnsec;
  } else {
    vap.va_birthtime.tv_sec = 0;
    vap.va_birthtime.tv_nsec = 0;
  }
  vap.va_gen = din.di_gen;
  vap.va_flags = din.di_flags;
  vap.va_rdev = type === VBLK || type === VCHR ? vp.v_rdev : VNOVAL;
  vap.va_bytes = din.di_blocks * 512;
  vap.va_filerev = VNOVAL;
  vap.va_vaflags = 0;
  return 0;
}

/** VOP_OPEN: append-only files may be opened for writing only to append. */
export function ufs_open(_vp: Vnode, _mode: number, _cred: Kauth_cred): number {
  return 0;
}

/** VOP_CLOSE */
export function ufs_close(_vp: Vnode, _fflag: number, _cred: Kauth_cred): number {
  return 0;
}

/**
 * VOP_READDIR: the entries from byte offset uio_offset on, as struct
 * dirent; uio_offset comes back as the offset of the next entry (the
 * cookie). An offset inside an entry resumes at the next one.
 */
export function ufs_readdir(
  vp: Vnode,
  uio: Uio,
  _cred: Kauth_cred,
  eofflag: Out<number>,
  cookies: Out<number[] | null> | null,
  ncookies: Out<number> | null,
): number {
  eofflag.v = 0;
  if (vp.v_type !== VDIR) return ENOTDIR;
  const ip = VTOI(vp);
  const ump = ip.i_ump;
  const fs = ump.um_fs;
  const size = ip.i_din.di_size;
  let pos = uio.uio_offset;
  if (pos < 0) return EINVAL;
  const cks: number[] | null = cookies !== null && ncookies !== null ? [] : null;
  const d = ump.um_direct;
  const bpp = ump.um_bpp;
  let count = 0;
  let full = false;
  const bsize = fs.fs_bsize;
  while (pos < size && !full) {
    const lbn = Math.floor(pos / bsize);
    const error = ufs_dirblk_read(ip, lbn, bpp);
    if (error !== 0) return error;
    const bp = bpp.v!;
    const buf = bp.b_data;
    // walk from the start of pos's chunk: entries before pos are skipped
    let off = pos - lbn * bsize;
    off -= off % DIRBLKSIZ;
    const base = lbn * bsize;
    const valid = Math.min(bp.b_bcount, size - base);
    while (off < valid) {
      direct_parse(buf, off, fs.le, ump.um_oldfmt, d);
      const next = off + d.d_reclen;
      if (base + off >= pos && d.d_ino !== 0) {
        const name = direct_name(buf, off, d.d_namlen);
        const type = ump.um_oldfmt ? DT_UNKNOWN : d.d_type;
        if (!dirent_append(uio, d.d_ino, type, name)) {
          full = true;
          break;
        }
        count++;
        if (cks !== null) cks.push(base + next);
      }
      if (base + next > pos) pos = base + next;
      uio.uio_offset = pos;
      off = next;
    }
    brelse(bp, 0);
    if (!full) pos = Math.max(pos, base + valid);
  }
  if (full && count === 0) return EINVAL; // not even one entry fits
  uio.uio_offset = pos;
  eofflag.v = pos >= size ? 1 : 0;
  if (cks !== null) {
    cookies!.v = cks;
    ncookies!.v = cks.length;
  }
  return 0;
}

/** VOP_READLINK: short links from the inode, long ones from their block. */
export function ufs_readlink(vp: Vnode, uio: Uio, _cred: Kauth_cred): number {
  if (vp.v_type !== VLNK) return EINVAL;
  const ip = VTOI(vp);
  const ump = ip.i_ump;
  const fs = ump.um_fs;
  const size = ip.i_din.di_size;
  if (ip.i_shortlink !== null) {
    uiomove(ip.i_shortlink, 0, ip.i_shortlink.length, uio);
    return 0;
  }
  if (size >= UFS_MAXPATHLEN || size > fs.fs_bsize)
    return ufs_corrupt(ump, `symlink inode ${ip.i_number}: length ${size}`);
  const bn = { v: 0 };
  let error = ufs_bmap(ip, 0, bn);
  if (error !== 0) return error;
  if (bn.v === 0) {
    // a hole: the target reads as zeros, as the data would
    const z = new Uint8Array(size);
    uiomove(z, 0, size, uio);
    return 0;
  }
  const bsz = Math.ceil(size / fs.fs_fsize) * fs.fs_fsize;
  const bpp = ump.um_bpp;
  error = bread(ump.um_devvp, fsbtodb(fs, bn.v), bsz, bpp);
  if (error !== 0) return error;
  uiomove(bpp.v!.b_data, 0, size, uio);
  brelse(bpp.v!, 0);
  return 0;
}

/** VOP_PATHCONF */
export function ufs_pathconf(_vp: Vnode, name: number, retval: Out<number>): number {
  switch (name) {
    case _PC_LINK_MAX:
      retval.v = LINK_MAX;
      return 0;
    case _PC_NAME_MAX:
      retval.v = 255;
      return 0;
    case _PC_PATH_MAX:
      retval.v = UFS_MAXPATHLEN;
      return 0;
    case _PC_PIPE_BUF:
      retval.v = PIPE_BUF;
      return 0;
    case _PC_CHOWN_RESTRICTED:
    case _PC_NO_TRUNC:
    case _PC_SYNC_IO:
      retval.v = 1;
      return 0;
    case _PC_FILESIZEBITS:
      retval.v = 42;
      return 0;
    default:
      return EINVAL;
  }
}

/** VOP_ADVLOCK */
export function ufs_advlock(vp: Vnode, id: unknown, op: number, fl: Flock, flags: number): number {
  return lf_advlock(vp, id as object, op, fl, flags, vp.v_size);
}

/** VOP_REVOKE */
export function ufs_revoke(vp: Vnode, _flags: number): number {
  vgone(vp);
  return 0;
}

/** Is `vp` of a type that has data blocks (VREG, VDIR, VLNK)? */
export function ufs_hasdata(vp: Vnode): boolean {
  return vp.v_type === VREG || vp.v_type === VDIR || vp.v_type === VLNK || vp.v_type === VSOCK;
}

export { VFSTOUFS };

/* ------------------------------------------------------------------------ */
/* attributes                                                                */

function ufs_chflags(vp: Vnode, ip: Inode, flags: number, cred: Kauth_cred): number {
  const din = ip.i_din;
  const changingSys = (flags & SF_SETTABLE) >>> 0 !== (din.di_flags & SF_SETTABLE) >>> 0;
  if (cred.cr_euid !== 0) {
    if (cred.cr_euid !== din.di_uid) return EPERM;
    if (changingSys) return EPERM;
  }
  if (changingSys) din.di_flags = flags >>> 0;
  else din.di_flags = ((din.di_flags & SF_SETTABLE) | (flags & UF_SETTABLE)) >>> 0;
  void vp;
  ip.i_flag |= IN_CHANGE;
  return 0;
}

function ufs_chsize(vp: Vnode, ip: Inode, size: number, cred: Kauth_cred): number {
  switch (vp.v_type) {
    case VDIR:
      return EISDIR;
    case VREG:
      break;
    case VBLK:
    case VCHR:
    case VFIFO:
      return 0;
    default:
      return EOPNOTSUPP;
  }
  if (vp.v_mount!.mnt_flag & MNT_RDONLY) return EROFS;
  if (ip.i_din.di_flags & (IMMUTABLE | APPEND)) return EPERM;
  if (size < 0) return EINVAL;
  return ffs_truncate(ip, size, cred);
}

function ufs_chtimes(
  vp: Vnode,
  ip: Inode,
  atime: Timespec,
  mtime: Timespec,
  btime: Timespec,
  vaflags: number,
  cred: Kauth_cred,
): number {
  const din = ip.i_din;
  if (din.di_flags & (IMMUTABLE | APPEND)) return EPERM;
  const error = genfs_can_chtimes((vaflags & VA_UTIMES_NULL) !== 0, din.di_uid, cred, () =>
    ufs_access(vp, VWRITE, cred),
  );
  if (error !== 0) return error;
  ufs_itimes(ip);
  if (atime.tv_sec !== VNOVAL) {
    din.di_atime = atime.tv_sec;
    din.di_atimensec = atime.tv_nsec;
  }
  if (mtime.tv_sec !== VNOVAL) {
    din.di_mtime = mtime.tv_sec;
    din.di_mtimensec = mtime.tv_nsec;
  }
  if (btime.tv_sec !== VNOVAL && ip.i_ump.um_fs.ufs2) {
    din.di_birthtime = btime.tv_sec;
    din.di_birthnsec = btime.tv_nsec;
  }
  ip.i_flag |= IN_CHANGE;
  return 0;
}

/**
 * VOP_SETATTR: flags, size, owner, mode and times, each with NetBSD's
 * permission rules (genfs_can_*); EROFS on a read-only mount except for a
 * size on a device or fifo, which is ignored.
 */
export function ufs_setattr(vp: Vnode, vap: Vattr, cred: Kauth_cred): number {
  if (
    vap.va_type !== 0 ||
    vap.va_nlink !== VNOVAL ||
    vap.va_fsid !== VNOVAL ||
    vap.va_fileid !== VNOVAL ||
    vap.va_blocksize !== VNOVAL ||
    vap.va_ctime.tv_sec !== VNOVAL ||
    vap.va_gen !== VNOVAL ||
    vap.va_rdev !== VNOVAL ||
    vap.va_bytes !== VNOVAL
  ) {
    return EINVAL;
  }
  const ip = VTOI(vp);
  const din = ip.i_din;
  const rdonly = (vp.v_mount!.mnt_flag & MNT_RDONLY) !== 0;
  let error = 0;
  if (vap.va_flags !== VNOVAL) {
    if (rdonly) return EROFS;
    error = ufs_chflags(vp, ip, vap.va_flags, cred);
    if (error !== 0) return error;
  }
  if (vap.va_size !== VNOVAL) {
    error = ufs_chsize(vp, ip, vap.va_size, cred);
    if (error !== 0) return error;
  }
  if (vap.va_uid !== VNOVAL || vap.va_gid !== VNOVAL) {
    if (rdonly) return EROFS;
    if (din.di_flags & (IMMUTABLE | APPEND)) return EPERM;
    const uid = vap.va_uid === VNOVAL ? din.di_uid : vap.va_uid;
    const gid = vap.va_gid === VNOVAL ? din.di_gid : vap.va_gid;
    error = genfs_can_chown(cred, din.di_uid, din.di_gid, uid, gid);
    if (error !== 0) return error;
    const changed = uid !== din.di_uid || gid !== din.di_gid;
    din.di_mode =
      (din.di_mode & IFMT) | genfs_chown_clear_suid(din.di_mode & ALLPERMS, cred, changed);
    din.di_uid = uid >>> 0;
    din.di_gid = gid >>> 0;
    ip.i_flag |= IN_CHANGE;
  }
  if (vap.va_mode !== VNOVAL) {
    if (rdonly) return EROFS;
    if (din.di_flags & (IMMUTABLE | APPEND)) return EPERM;
    const out = { v: 0 };
    error = genfs_can_chmod(vp.v_type, cred, din.di_uid, din.di_gid, vap.va_mode, out);
    if (error !== 0) return error;
    din.di_mode = (din.di_mode & IFMT) | (out.v & ALLPERMS);
    ip.i_flag |= IN_CHANGE;
  }
  if (
    vap.va_atime.tv_sec !== VNOVAL ||
    vap.va_mtime.tv_sec !== VNOVAL ||
    vap.va_birthtime.tv_sec !== VNOVAL
  ) {
    if (rdonly) return EROFS;
    error = ufs_chtimes(vp, ip, vap.va_atime, vap.va_mtime, vap.va_birthtime, vap.va_vaflags, cred);
    if (error !== 0) return error;
  }
  return 0;
}

/* ------------------------------------------------------------------------ */
/* life cycle                                                                */

/**
 * VOP_INACTIVE: entered locked, leaves unlocked. A file without names
 * gives back its blocks and its inode, and its vnode is recycled; else a
 * changed inode is written back.
 */
export function ufs_inactive(vp: Vnode, recycle: Out<boolean>): number {
  const ip = vp.v_data as Inode | null;
  recycle.v = false;
  if (ip !== null) {
    if (ip.i_din.di_nlink <= 0) ufs_freeinode(vp, ip);
    else if (ip.i_flag !== 0) ffs_update(ip);
    recycle.v = ip.i_din.di_nlink <= 0;
  }
  genfs_unlock(vp);
  return 0;
}

/** A file without names gives back its blocks and its inode. */
function ufs_freeinode(vp: Vnode, ip: Inode): void {
  const din = ip.i_din;
  const ump = ip.i_ump;
  if (din.di_mode === 0 || ump.um_ronly) return;
  const t = vp.v_type;
  if (t === VREG || t === VDIR || t === VLNK) ffs_truncate(ip, 0, null);
  else {
    din.di_db.fill(0);
    din.di_ib.fill(0);
  }
  const isdir = (din.di_mode & IFMT) === IFDIR;
  din.di_mode = 0;
  din.di_size = 0;
  din.di_blocks = 0;
  din.di_flags = 0;
  ip.i_flag |= IN_CHANGE | IN_UPDATE;
  ffs_update(ip);
  ffs_vfree(ump, ip.i_number, isdir);
}

/** VOP_RECLAIM: write a changed inode back (or free a nameless one), forget it. */
export function ufs_reclaim(vp: Vnode): number {
  const ip = vp.v_data as Inode | null;
  if (ip !== null) {
    if (ip.i_din.di_nlink <= 0) ufs_freeinode(vp, ip);
    else if (ip.i_flag !== 0 && ip.i_din.di_mode !== 0) ffs_update(ip);
    ufs_dirhash_free(ip);
    ip.i_vnode = null;
  }
  vp.v_data = null;
  return 0;
}

/* ------------------------------------------------------------------------ */
/* the namespace                                                             */

/**
 * ufs_makeinode: a new inode of vap.va_type named cnp in dvp (dvp stays
 * locked; the new vnode comes back referenced and unlocked). Directories
 * get "." and ".."; symlinks their target (in the inode when short).
 */
function ufs_makeinode(
  dvp: Vnode,
  vpp: VnodeOut,
  cnp: ComponentName,
  vap: Vattr,
  target: string | null,
): number {
  vpp.vp = null;
  const mp = dvp.v_mount!;
  const name = cnp.cn_nameptr;
  if (dvp.v_type !== VDIR) return ENOTDIR;
  if (name.length > UFS_MAXNAMLEN) return ENAMETOOLONG;
  if (mp.mnt_flag & MNT_RDONLY) return EROFS;
  const dp = VTOI(dvp);
  if (dp.i_din.di_nlink <= 0) return ENOENT;
  const isdir = vap.va_type === VDIR;
  if (isdir && dp.i_din.di_nlink >= LINK_MAX) return EMLINK;
  if (target !== null && target.length >= UFS_MAXPATHLEN) return ENAMETOOLONG;
  const cred = cnp.cn_cred;
  let error = vcache_new(mp, dvp, vap, cred, vpp);
  if (error !== 0) return error;
  const vp = vpp.vp!;
  const ip = VTOI(vp);
  const ump = ip.i_ump;
  const fs = ump.um_fs;
  const bpp = { v: null as import("../../sys/buf.js").Buf | null };
  if (isdir) {
    error = ffs_balloc(ip, 0, DIRBLKSIZ, cred, bpp);
    if (error === 0) {
      dirtemplate_write(bpp.v!.b_data, 0, fs.le, ump.um_oldfmt, ip.i_number, dp.i_number, DT_DIR);
      bdwrite(bpp.v!);
      ip.i_din.di_size = DIRBLKSIZ;
      vp.v_size = DIRBLKSIZ;
    }
  } else if (target !== null) {
    const n = target.length;
    if (n < fs.fs_maxsymlinklen) {
      const b = new Uint8Array(n);
      for (let i = 0; i < n; i++) b[i] = target.charCodeAt(i) & 0xff;
      const din = ip.i_din;
      const ptrs = fs.ufs2 ? 8 : 4;
      // the target lives where the block pointers would
      const area = new Uint8Array((12 + 3) * ptrs);
      area.set(b);
      // kept verbatim: as block-pointer numbers the bytes would not round-trip
      din.di_db.fill(0);
      din.di_ib.fill(0);
      din.di_shortlink = area;
      ip.i_shortlink = b;
      din.di_size = n;
      vp.v_size = n;
    } else {
      error = ffs_balloc(ip, 0, n, cred, bpp);
      if (error === 0) {
        const buf = bpp.v!.b_data;
        for (let i = 0; i < n; i++) buf[i] = target.charCodeAt(i) & 0xff;
        bdwrite(bpp.v!);
        ip.i_din.di_size = n;
        vp.v_size = n;
      }
    }
  }
  if (error === 0) error = ufs_direnter(dp, name, ip.i_number, vtype2dt(vp.v_type), cred);
  if (error !== 0) {
    ip.i_din.di_nlink = 0;
    ip.i_flag |= IN_CHANGE;
    vrele(vp);
    vpp.vp = null;
    return error;
  }
  if (isdir) {
    dp.i_din.di_nlink++;
    dp.i_flag |= IN_CHANGE;
  }
  ip.i_flag |= IN_CHANGE | IN_UPDATE;
  ffs_update_dirop(ip);
  ffs_update_dirop(dp);
  cache_purge1(dvp, name); // a negative entry
  return 0;
}

/** VOP_CREATE: regular files and sockets. */
export function ufs_create(dvp: Vnode, vpp: VnodeOut, cnp: ComponentName, vap: Vattr): number {
  if (vap.va_type !== VREG && vap.va_type !== VSOCK) {
    vpp.vp = null;
    return EINVAL;
  }
  return ufs_makeinode(dvp, vpp, cnp, vap, null);
}

/** VOP_MKNOD: device nodes and fifos. */
export function ufs_mknod(dvp: Vnode, vpp: VnodeOut, cnp: ComponentName, vap: Vattr): number {
  const vt = vap.va_type;
  if (vt !== VBLK && vt !== VCHR && vt !== VFIFO) {
    vpp.vp = null;
    return EINVAL;
  }
  return ufs_makeinode(dvp, vpp, cnp, vap, null);
}

/** VOP_MKDIR */
export function ufs_mkdir(dvp: Vnode, vpp: VnodeOut, cnp: ComponentName, vap: Vattr): number {
  if (vap.va_type !== VDIR) {
    vpp.vp = null;
    return EINVAL;
  }
  return ufs_makeinode(dvp, vpp, cnp, vap, null);
}

/** VOP_SYMLINK */
export function ufs_symlink(
  dvp: Vnode,
  vpp: VnodeOut,
  cnp: ComponentName,
  vap: Vattr,
  target: string,
): number {
  if (vap.va_type !== VLNK) {
    vpp.vp = null;
    return EINVAL;
  }
  return ufs_makeinode(dvp, vpp, cnp, vap, target);
}

/** VOP_REMOVE: dvp and vp locked on entry, both put on return. */
export function ufs_remove(dvp: Vnode, vp: Vnode, cnp: ComponentName): number {
  const error = ufs_remove1(dvp, vp, cnp);
  vput(vp);
  if (dvp === vp) vrele(dvp);
  else vput(dvp);
  return error;
}

function ufs_remove1(dvp: Vnode, vp: Vnode, cnp: ComponentName): number {
  if (vp.v_type === VDIR) return EPERM;
  if (dvp.v_mount!.mnt_flag & MNT_RDONLY) return EROFS;
  const dp = VTOI(dvp);
  const ip = VTOI(vp);
  if (ip.i_din.di_flags & (IMMUTABLE | APPEND) || dp.i_din.di_flags & APPEND) return EPERM;
  const name = cnp.cn_nameptr;
  const error = ufs_dirremove(dp, name, ip.i_number);
  if (error !== 0) return error;
  ip.i_din.di_nlink--;
  ip.i_flag |= IN_CHANGE;
  cache_purge1(dvp, name);
  ffs_update_dirop(dp);
  return 0;
}

/** VOP_RMDIR: dvp and vp locked on entry, both put on return. */
export function ufs_rmdir(dvp: Vnode, vp: Vnode, cnp: ComponentName): number {
  const error = ufs_rmdir1(dvp, vp, cnp);
  if (dvp === vp) {
    vrele(dvp);
    vput(vp);
  } else {
    vput(dvp);
    vput(vp);
  }
  return error;
}

function ufs_rmdir1(dvp: Vnode, vp: Vnode, cnp: ComponentName): number {
  if (dvp === vp) return EINVAL;
  if (vp.v_type !== VDIR) return ENOTDIR;
  if (dvp.v_mount!.mnt_flag & MNT_RDONLY) return EROFS;
  const dp = VTOI(dvp);
  const ip = VTOI(vp);
  if (dp.i_din.di_flags & APPEND || ip.i_din.di_flags & (IMMUTABLE | APPEND)) return EPERM;
  if (vp.v_mountedhere !== null) return EBUSY;
  const empty = { v: false };
  let error = ufs_dirempty(ip, empty);
  if (error !== 0) return error;
  if (!empty.v || ip.i_din.di_nlink !== 2) return ENOTEMPTY;
  const name = cnp.cn_nameptr;
  error = ufs_dirremove(dp, name, ip.i_number);
  if (error !== 0) return error;
  dp.i_din.di_nlink--;
  dp.i_flag |= IN_CHANGE;
  ip.i_din.di_nlink = 0;
  ip.i_flag |= IN_CHANGE;
  cache_purge1(dvp, name);
  cache_purge(vp);
  ffs_update_dirop(dp);
  return 0;
}

/** VOP_LINK: dvp locked (stays), vp unlocked. */
export function ufs_link(dvp: Vnode, vp: Vnode, cnp: ComponentName): number {
  const mp = dvp.v_mount!;
  if (vp.v_mount !== mp) return EXDEV;
  if (vp.v_type === VDIR) return EPERM;
  if (dvp.v_type !== VDIR) return ENOTDIR;
  if (mp.mnt_flag & MNT_RDONLY) return EROFS;
  const dp = VTOI(dvp);
  const ip = VTOI(vp);
  const name = cnp.cn_nameptr;
  if (name.length > UFS_MAXNAMLEN) return ENAMETOOLONG;
  if (ip.i_din.di_nlink >= LINK_MAX) return EMLINK;
  if (ip.i_din.di_flags & (IMMUTABLE | APPEND)) return EPERM;
  if (ip.i_din.di_nlink <= 0 || dp.i_din.di_nlink <= 0) return ENOENT;
  const error = ufs_direnter(dp, name, ip.i_number, vtype2dt(vp.v_type), cnp.cn_cred);
  if (error !== 0) return error;
  ip.i_din.di_nlink++;
  ip.i_flag |= IN_CHANGE;
  ffs_update_dirop(ip);
  ffs_update_dirop(dp);
  cache_purge1(dvp, name);
  return 0;
}

/** Is the mode's setgid bit to be dropped for a creator outside the group? */
export function ufs_newmode(mode: number, gid: number, cred: Kauth_cred): number {
  if (mode & S_ISGID && cred.cr_euid !== 0 && !cred.ismember_gid(gid)) return mode & ~S_ISGID;
  return mode;
}
