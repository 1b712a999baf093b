/**
 * UFS vnode operations shared by FFS and (later) ext2fs (ufs_vnops.c):
 * attributes, access, readdir, readlink, pathconf, advisory locks and the
 * vnode life cycle. The write side of the namespace is not there yet:
 * mounts are read-only for now, and every modifying operation answers
 * EROFS while still following the lock protocol of vnode_if.src.
 */
import { ALLPERMS, EINVAL, ENOTDIR, EPERM, EROFS } from "../../gen/constants.js";
import { bread, brelse } from "../../kern/vfs_bio.js";
import { lf_advlock } from "../../kern/vfs_lockf.js";
import { genfs_unlock, vgone, vput, vrele } from "../../kern/vfs_vnode.js";
import { genfs_can_access, VWRITE } from "../../miscfs/genfs/genfs_vnops.js";
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
} from "../../sys/consts.js";
import { dirent_append, DT_UNKNOWN } from "../../sys/dirent.js";
import type { Flock } from "../../sys/flock.js";
import type { Kauth_cred } from "../../sys/kauth.js";
import type { ComponentName } from "../../sys/namei.js";
import type { Out } from "../../sys/out.js";
import { uiomove, type Uio } from "../../sys/uio.js";
import { VNOVAL, type Vattr } from "../../sys/vattr.js";
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
import { fsbtodb } from "../ffs/fs.js";
import { direct_name, direct_parse, DIRBLKSIZ } from "./dir.js";
import { IMMUTABLE, ufs_corrupt, VFSTOUFS, VTOI } from "./inode.js";
import { ufs_bmap } from "./ufs_bmap.js";
import { ufs_dirblk_read } from "./ufs_lookup.js";

/** The longest symlink target (MAXPATHLEN - 1) and path. */
export const UFS_MAXPATHLEN = 1024;

/**
 * VOP_ACCESS: EROFS for writing files, directories and links of a
 * read-only mount, EPERM for writing an immutable file, else the
 * owner/group/other rules.
 */
export function ufs_access(vp: Vnode, mode: number, cred: Kauth_cred): number {
  const ip = VTOI(vp);
  const din = ip.i_din;
  if (mode & VWRITE) {
    switch (vp.v_type) {
      case VDIR:
      case VLNK:
      case VREG:
        if (vp.v_mount!.mnt_flag & 1 /* MNT_RDONLY */) return EROFS;
        break;
      default:
        break;
    }
    if (din.di_flags & IMMUTABLE) return EPERM;
  }
  return genfs_can_access(vp.v_type, din.di_mode & ALLPERMS, din.di_uid, din.di_gid, mode, cred);
}

/** VOP_GETATTR */
export function ufs_getattr(vp: Vnode, vap: Vattr, _cred: Kauth_cred): number {
  const ip = VTOI(vp);
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

/**
 * VOP_SETATTR: read-only mounts only for now — EROFS for any change to a
 * file, directory or link; a size on a device or fifo is ignored as NetBSD
 * does.
 */
export function ufs_setattr(vp: Vnode, vap: Vattr, _cred: Kauth_cred): number {
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
  const onlySize =
    vap.va_flags === VNOVAL &&
    vap.va_uid === VNOVAL &&
    vap.va_gid === VNOVAL &&
    vap.va_mode === VNOVAL &&
    vap.va_atime.tv_sec === VNOVAL &&
    vap.va_mtime.tv_sec === VNOVAL &&
    vap.va_birthtime.tv_sec === VNOVAL;
  if (onlySize && (vp.v_type === VCHR || vp.v_type === VBLK || vp.v_type === VFIFO)) return 0;
  if (onlySize && vap.va_size !== VNOVAL && vp.v_type === VDIR) return 21; // EISDIR
  return EROFS;
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

/** VOP_INACTIVE: entered locked, leaves unlocked. A file without names is recycled. */
export function ufs_inactive(vp: Vnode, recycle: Out<boolean>): number {
  const ip = vp.v_data as ReturnType<typeof VTOI> | null;
  recycle.v = ip !== null && ip.i_din.di_nlink <= 0;
  genfs_unlock(vp);
  return 0;
}

/** VOP_RECLAIM: forget the inode. */
export function ufs_reclaim(vp: Vnode): number {
  const ip = vp.v_data as ReturnType<typeof VTOI> | null;
  if (ip !== null) ip.i_vnode = null;
  vp.v_data = null;
  return 0;
}

/** VOP_REVOKE */
export function ufs_revoke(vp: Vnode, _flags: number): number {
  vgone(vp);
  return 0;
}

/* ------------------------------------------------------------------------ */
/* the namespace on a read-only mount                                        */

/** VOP_CREATE, VOP_MKNOD, VOP_MKDIR: no writes yet. */
export function ufs_create_ro(
  _dvp: Vnode,
  vpp: VnodeOut,
  _cnp: ComponentName,
  _vap: Vattr,
): number {
  vpp.vp = null;
  return EROFS;
}

/** VOP_SYMLINK */
export function ufs_symlink_ro(
  _dvp: Vnode,
  vpp: VnodeOut,
  _cnp: ComponentName,
  _vap: Vattr,
  _target: string,
): number {
  vpp.vp = null;
  return EROFS;
}

/** VOP_LINK: dvp stays locked, vp unlocked. */
export function ufs_link_ro(_dvp: Vnode, _vp: Vnode, _cnp: ComponentName): number {
  return EROFS;
}

/** VOP_REMOVE, VOP_RMDIR: both vnodes are put. */
export function ufs_remove_ro(dvp: Vnode, vp: Vnode, _cnp: ComponentName): number {
  if (dvp === vp) {
    vrele(dvp);
    vput(vp);
  } else {
    vput(vp);
    vput(dvp);
  }
  return EROFS;
}

/** VOP_RENAME: fdvp, fvp released; tdvp, tvp put. */
export function ufs_rename_ro(
  fdvp: Vnode,
  fvp: Vnode,
  _fcnp: ComponentName,
  tdvp: Vnode,
  tvp: Vnode | null,
  _tcnp: ComponentName,
): number {
  vput(tdvp);
  if (tvp !== null) {
    if (tvp === tdvp) vrele(tvp);
    else vput(tvp);
  }
  vrele(fdvp);
  vrele(fvp);
  return EROFS;
}

/** Is `vp` of a type that has data blocks (VREG, VDIR, VLNK)? */
export function ufs_hasdata(vp: Vnode): boolean {
  return vp.v_type === VREG || vp.v_type === VDIR || vp.v_type === VLNK || vp.v_type === VSOCK;
}

export { VFSTOUFS };
