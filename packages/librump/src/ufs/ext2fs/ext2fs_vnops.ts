/**
 * ext2fs vnode operations (ext2fs_vnops.c, ext2fs_readwrite.c): read,
 * attributes, access, readlink, pathconf, advisory locks and the vnode
 * life cycle; lookup and readdir are in ext2fs_lookup.ts. Three tables, as
 * NetBSD has: regular nodes, device nodes (specfs + ext2fs node ops),
 * fifos (fifofs + ext2fs).
 *
 * Read-only for now: every modifying operation answers EROFS while still
 * following the lock protocol of vnode_if.src.
 */
import { ALLPERMS, EFBIG, EINVAL, EISDIR, EPERM, EROFS, MNT_RDONLY } from "../../gen/constants.js";
import {
  vop_abortop_desc,
  vop_access_desc,
  vop_advlock_desc,
  vop_bmap_desc,
  vop_bwrite_desc,
  vop_close_desc,
  vop_closeextattr_desc,
  vop_create_desc,
  vop_default_desc,
  vop_deleteextattr_desc,
  vop_fallocate_desc,
  vop_fcntl_desc,
  vop_fdiscard_desc,
  vop_fsync_desc,
  vop_getattr_desc,
  vop_getextattr_desc,
  vop_getpages_desc,
  vop_inactive_desc,
  vop_ioctl_desc,
  vop_islocked_desc,
  vop_kqfilter_desc,
  vop_link_desc,
  vop_listextattr_desc,
  vop_lock_desc,
  vop_lookup_desc,
  vop_mkdir_desc,
  vop_mknod_desc,
  vop_mmap_desc,
  vop_open_desc,
  vop_openextattr_desc,
  vop_pathconf_desc,
  vop_poll_desc,
  vop_print_desc,
  vop_putpages_desc,
  vop_read_desc,
  vop_readdir_desc,
  vop_readlink_desc,
  vop_reclaim_desc,
  vop_remove_desc,
  vop_rename_desc,
  vop_revoke_desc,
  vop_rmdir_desc,
  vop_seek_desc,
  vop_setattr_desc,
  vop_setextattr_desc,
  vop_strategy_desc,
  vop_symlink_desc,
  vop_unlock_desc,
  vop_whiteout_desc,
  vop_write_desc,
} from "../../gen/vnode_if.js";
import { bread, breadn, brelse } from "../../kern/vfs_bio.js";
import { lf_advlock } from "../../kern/vfs_lockf.js";
import { genfs_islocked, genfs_lock, genfs_unlock } from "../../kern/vfs_vnode.js";
import { vgone, vput, vrele } from "../../kern/vfs_vnode.js";
import { fifo_vnodeop_entries } from "../../miscfs/fifofs/fifo_vnops.js";
import {
  genfs_abortop,
  genfs_can_access,
  genfs_enoioctl,
  genfs_eopnotsupp,
  genfs_nullop,
  genfs_poll,
  genfs_seek,
  vn_default_error,
  VWRITE,
} from "../../miscfs/genfs/genfs_vnops.js";
import { spec_vnodeop_entries } from "../../miscfs/specfs/spec_vnops.js";
import {
  _PC_CHOWN_RESTRICTED,
  _PC_FILESIZEBITS,
  _PC_LINK_MAX,
  _PC_NAME_MAX,
  _PC_NO_TRUNC,
  _PC_PATH_MAX,
  _PC_PIPE_BUF,
  _PC_SYNC_IO,
  PIPE_BUF,
  SF_APPEND,
  SF_IMMUTABLE,
  UF_NODUMP,
} from "../../sys/consts.js";
import type { Flock } from "../../sys/flock.js";
import type { Kauth_cred } from "../../sys/kauth.js";
import type { VnodeOpvEntry } from "../../sys/mount.js";
import type { ComponentName } from "../../sys/namei.js";
import type { Out } from "../../sys/out.js";
import { uiomove, uiozero, type Uio } from "../../sys/uio.js";
import { VNOVAL, type Vattr } from "../../sys/vattr.js";
import { VBLK, VCHR, VDIR, VFIFO, VLNK, VREG, type Vnode, type VnodeOut } from "../../sys/vnode.js";
import { EXT2_APPEND, EXT2_IMMUTABLE, EXT2_NODUMP } from "./ext2fs.js";
import { ext2fs_bmap } from "./ext2fs_bmap.js";
import { e2_fsbtodb, ext2fs_corrupt, VTOE2I } from "./ext2fs_extern.js";
import { ext2fs_lookup, ext2fs_readdir } from "./ext2fs_lookup.js";

/** The longest symlink target (MAXPATHLEN - 1) and path. */
export const EXT2FS_MAXPATHLEN = 1024;
/** EXT2FS_LINK_MAX */
export const EXT2FS_LINK_MAX = 65000;

/** ext2 i_flags → chflags(2) flags. */
function e2flags_to_flags(f: number): number {
  let out = 0;
  if (f & EXT2_IMMUTABLE) out |= SF_IMMUTABLE;
  if (f & EXT2_APPEND) out |= SF_APPEND;
  if (f & EXT2_NODUMP) out |= UF_NODUMP;
  return out;
}

/**
 * VOP_ACCESS: EROFS for writing files, directories and links of a
 * read-only mount, EPERM for writing an immutable file, else the
 * owner/group/other rules.
 */
export function ext2fs_access(vp: Vnode, mode: number, cred: Kauth_cred): number {
  const din = VTOE2I(vp).i_din;
  if (mode & VWRITE) {
    switch (vp.v_type) {
      case VDIR:
      case VLNK:
      case VREG:
        if (vp.v_mount!.mnt_flag & MNT_RDONLY) return EROFS;
        break;
      default:
        break;
    }
    if (din.e2di_flags & EXT2_IMMUTABLE) return EPERM;
  }
  return genfs_can_access(
    vp.v_type,
    din.e2di_mode & ALLPERMS,
    din.e2di_uid,
    din.e2di_gid,
    mode,
    cred,
  );
}

/** VOP_GETATTR */
export function ext2fs_getattr(vp: Vnode, vap: Vattr, _cred: Kauth_cred): number {
  const ip = VTOE2I(vp);
  const fs = ip.i_ump.um_e2fs;
  const din = ip.i_din;
  const type = vp.v_type;
  vap.va_type = type;
  vap.va_mode = din.e2di_mode & ALLPERMS;
  vap.va_nlink = din.e2di_nlink;
  vap.va_uid = din.e2di_uid;
  vap.va_gid = din.e2di_gid;
  vap.va_fsid = vp.v_mount!.mnt_stat.f_fsidx[0];
  vap.va_fileid = ip.i_number;
  vap.va_size = vp.v_size;
  vap.va_blocksize = type === VBLK || type === VCHR ? 512 : fs.e2fs_bsize;
  vap.va_atime.tv_sec = din.e2di_atime;
  vap.va_atime.tv_nsec = din.e2di_atimensec;
  vap.va_mtime.tv_sec = din.e2di_mtime;
  vap.va_mtime.tv_nsec = din.e2di_mtimensec;
  vap.va_ctime.tv_sec = din.e2di_ctime;
  vap.va_ctime.tv_nsec = din.e2di_ctimensec;
  vap.va_birthtime.tv_sec = din.e2di_crtime;
  vap.va_birthtime.tv_nsec = din.e2di_crtimensec;
  vap.va_gen = din.e2di_gen;
  vap.va_flags = e2flags_to_flags(din.e2di_flags);
  vap.va_rdev = type === VBLK || type === VCHR ? vp.v_rdev : VNOVAL;
  vap.va_bytes = din.e2di_nblock * 512;
  vap.va_filerev = VNOVAL;
  vap.va_vaflags = 0;
  return 0;
}

/**
 * VOP_SETATTR: read-only mounts only for now — EROFS for any change to a
 * file, directory or link; a size on a device or fifo is ignored as NetBSD
 * does.
 */
export function ext2fs_setattr(vp: Vnode, vap: Vattr, _cred: Kauth_cred): number {
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
  if (onlySize && vap.va_size !== VNOVAL && vp.v_type === VDIR) return EISDIR;
  return EROFS;
}

/** VOP_OPEN */
export function ext2fs_open(_vp: Vnode, _mode: number, _cred: Kauth_cred): number {
  return 0;
}

/** VOP_CLOSE */
export function ext2fs_close(_vp: Vnode, _fflag: number, _cred: Kauth_cred): number {
  return 0;
}

/** Read-ahead slots (single CPU: used by one read at a time). */
const rablk = [0];
const rasize = [0];

/**
 * VOP_READ (ext2fs_read): file data through the device's buffer cache, a
 * block at a time; holes read as zeros.
 */
export function ext2fs_read(vp: Vnode, uio: Uio, _ioflag: number, _cred: Kauth_cred): number {
  const type = vp.v_type;
  if (type !== VREG && type !== VLNK) return type === VDIR ? EISDIR : EINVAL;
  if (uio.uio_offset < 0) return EINVAL;
  if (uio.uio_resid === 0) return 0;
  const ip = VTOE2I(vp);
  const ump = ip.i_ump;
  const fs = ump.um_e2fs;
  const size = ip.i_din.e2di_size;
  if (uio.uio_offset >= size) return 0;
  if (uio.uio_offset > fs.e2fs_maxfilesize) return EFBIG;
  const bsize = fs.e2fs_bsize;
  const bn = { v: 0 };
  const nbn = { v: 0 };
  const bpp = ump.um_bpp;
  const devvp = ump.um_devvp;
  let error = 0;
  while (uio.uio_resid > 0 && uio.uio_offset < size) {
    const off = uio.uio_offset;
    const lbn = Math.floor(off / bsize);
    const on = off - lbn * bsize;
    let n = bsize - on;
    if (n > uio.uio_resid) n = uio.uio_resid;
    if (n > size - off) n = size - off;
    error = ext2fs_bmap(ip, lbn, bn);
    if (error !== 0) break;
    if (bn.v === 0) {
      uiozero(n, uio);
      continue;
    }
    // read ahead the next block when this read runs to the end of this one
    if (
      on + n === bsize &&
      (lbn + 1) * bsize < size &&
      ext2fs_bmap(ip, lbn + 1, nbn) === 0 &&
      nbn.v !== 0 &&
      nbn.v !== bn.v
    ) {
      rablk[0] = e2_fsbtodb(ump, nbn.v);
      rasize[0] = bsize;
      error = breadn(devvp, e2_fsbtodb(ump, bn.v), bsize, rablk, rasize, bpp);
    } else {
      error = bread(devvp, e2_fsbtodb(ump, bn.v), bsize, bpp);
    }
    if (error !== 0) break;
    const bp = bpp.v!;
    uiomove(bp.b_data, on, n, uio);
    brelse(bp, 0);
  }
  return error;
}

/** VOP_WRITE: not yet — mounts are read-only. */
export function ext2fs_write(vp: Vnode, _uio: Uio, _ioflag: number, _cred: Kauth_cred): number {
  if (vp.v_type === VDIR) return EISDIR;
  return EROFS;
}

/** VOP_FSYNC: nothing is ever dirty on a read-only mount. */
export function ext2fs_fsync(
  _vp: Vnode,
  _cred: Kauth_cred,
  _flags: number,
  _offlo: number,
  _offhi: number,
): number {
  return 0;
}

/** VOP_READLINK: fast links from i_block, slow ones from their block. */
export function ext2fs_readlink(vp: Vnode, uio: Uio, _cred: Kauth_cred): number {
  if (vp.v_type !== VLNK) return EINVAL;
  const ip = VTOE2I(vp);
  const ump = ip.i_ump;
  const fs = ump.um_e2fs;
  const size = ip.i_din.e2di_size;
  if (ip.i_shortlink !== null) {
    uiomove(ip.i_shortlink, 0, ip.i_shortlink.length, uio);
    return 0;
  }
  if (size >= EXT2FS_MAXPATHLEN || size > fs.e2fs_bsize)
    return ext2fs_corrupt(ump, `symlink inode ${ip.i_number}: length ${size}`);
  const bn = { v: 0 };
  let error = ext2fs_bmap(ip, 0, bn);
  if (error !== 0) return error;
  if (bn.v === 0) return ext2fs_corrupt(ump, `symlink inode ${ip.i_number}: no data block`);
  const bpp = ump.um_bpp;
  error = bread(ump.um_devvp, e2_fsbtodb(ump, bn.v), fs.e2fs_bsize, bpp);
  if (error !== 0) return error;
  uiomove(bpp.v!.b_data, 0, size, uio);
  brelse(bpp.v!, 0);
  return 0;
}

/** VOP_PATHCONF */
export function ext2fs_pathconf(_vp: Vnode, name: number, retval: Out<number>): number {
  switch (name) {
    case _PC_LINK_MAX:
      retval.v = EXT2FS_LINK_MAX;
      return 0;
    case _PC_NAME_MAX:
      retval.v = 255;
      return 0;
    case _PC_PATH_MAX:
      retval.v = EXT2FS_MAXPATHLEN;
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
export function ext2fs_advlock(
  vp: Vnode,
  id: unknown,
  op: number,
  fl: Flock,
  flags: number,
): number {
  return lf_advlock(vp, id as object, op, fl, flags, vp.v_size);
}

/** VOP_INACTIVE: entered locked, leaves unlocked. A file without names is recycled. */
export function ext2fs_inactive(vp: Vnode, recycle: Out<boolean>): number {
  const ip = vp.v_data as ReturnType<typeof VTOE2I> | null;
  recycle.v = ip !== null && ip.i_din.e2di_nlink <= 0;
  genfs_unlock(vp);
  return 0;
}

/** VOP_RECLAIM: forget the inode. */
export function ext2fs_reclaim(vp: Vnode): number {
  const ip = vp.v_data as ReturnType<typeof VTOE2I> | null;
  if (ip !== null) ip.i_vnode = null;
  vp.v_data = null;
  return 0;
}

/** VOP_REVOKE */
export function ext2fs_revoke(vp: Vnode, _flags: number): number {
  vgone(vp);
  return 0;
}

/* ------------------------------------------------------------------------ */
/* the namespace on a read-only mount                                        */

/** VOP_CREATE, VOP_MKNOD, VOP_MKDIR: no writes yet. */
export function ext2fs_create_ro(
  _dvp: Vnode,
  vpp: VnodeOut,
  _cnp: ComponentName,
  _vap: Vattr,
): number {
  vpp.vp = null;
  return EROFS;
}

/** VOP_SYMLINK */
export function ext2fs_symlink_ro(
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
export function ext2fs_link_ro(_dvp: Vnode, _vp: Vnode, _cnp: ComponentName): number {
  return EROFS;
}

/** VOP_REMOVE, VOP_RMDIR: both vnodes are put. */
export function ext2fs_remove_ro(dvp: Vnode, vp: Vnode, _cnp: ComponentName): number {
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
export function ext2fs_rename_ro(
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

/** Regular files, directories, symlinks and sockets. */
export const ext2fs_vnodeop_entries: readonly VnodeOpvEntry[] = [
  [vop_default_desc, vn_default_error],
  [vop_bwrite_desc, genfs_eopnotsupp],
  [vop_lookup_desc, ext2fs_lookup],
  [vop_create_desc, ext2fs_create_ro],
  [vop_mknod_desc, ext2fs_create_ro],
  [vop_open_desc, ext2fs_open],
  [vop_close_desc, ext2fs_close],
  [vop_access_desc, ext2fs_access],
  [vop_getattr_desc, ext2fs_getattr],
  [vop_setattr_desc, ext2fs_setattr],
  [vop_read_desc, ext2fs_read],
  [vop_write_desc, ext2fs_write],
  [vop_fallocate_desc, genfs_eopnotsupp],
  [vop_fdiscard_desc, genfs_eopnotsupp],
  [vop_ioctl_desc, genfs_enoioctl],
  [vop_fcntl_desc, genfs_eopnotsupp],
  [vop_poll_desc, genfs_poll],
  [vop_kqfilter_desc, genfs_eopnotsupp],
  [vop_revoke_desc, ext2fs_revoke],
  [vop_mmap_desc, genfs_eopnotsupp],
  [vop_fsync_desc, ext2fs_fsync],
  [vop_seek_desc, genfs_seek],
  [vop_remove_desc, ext2fs_remove_ro],
  [vop_link_desc, ext2fs_link_ro],
  [vop_rename_desc, ext2fs_rename_ro],
  [vop_mkdir_desc, ext2fs_create_ro],
  [vop_rmdir_desc, ext2fs_remove_ro],
  [vop_symlink_desc, ext2fs_symlink_ro],
  [vop_readdir_desc, ext2fs_readdir],
  [vop_readlink_desc, ext2fs_readlink],
  [vop_abortop_desc, genfs_abortop],
  [vop_inactive_desc, ext2fs_inactive],
  [vop_reclaim_desc, ext2fs_reclaim],
  [vop_lock_desc, genfs_lock],
  [vop_unlock_desc, genfs_unlock],
  [vop_bmap_desc, genfs_eopnotsupp],
  [vop_strategy_desc, genfs_eopnotsupp],
  [vop_print_desc, genfs_nullop],
  [vop_islocked_desc, genfs_islocked],
  [vop_pathconf_desc, ext2fs_pathconf],
  [vop_advlock_desc, ext2fs_advlock],
  [vop_whiteout_desc, genfs_eopnotsupp],
  [vop_getpages_desc, genfs_eopnotsupp],
  [vop_putpages_desc, genfs_nullop],
  [vop_closeextattr_desc, genfs_eopnotsupp],
  [vop_getextattr_desc, genfs_eopnotsupp],
  [vop_listextattr_desc, genfs_eopnotsupp],
  [vop_openextattr_desc, genfs_eopnotsupp],
  [vop_deleteextattr_desc, genfs_eopnotsupp],
  [vop_setextattr_desc, genfs_eopnotsupp],
] as unknown as readonly VnodeOpvEntry[];

/** What an ext2fs inode supplies on top of specfs or fifofs. */
const ext2fs_node_entries = [
  [vop_access_desc, ext2fs_access],
  [vop_getattr_desc, ext2fs_getattr],
  [vop_setattr_desc, ext2fs_setattr],
  [vop_inactive_desc, ext2fs_inactive],
  [vop_reclaim_desc, ext2fs_reclaim],
  [vop_lock_desc, genfs_lock],
  [vop_unlock_desc, genfs_unlock],
  [vop_islocked_desc, genfs_islocked],
] as unknown as readonly VnodeOpvEntry[];

/** Device nodes: specfs for the device, ext2fs for the inode. */
export const ext2fs_specop_entries: readonly VnodeOpvEntry[] = [
  [vop_default_desc, vn_default_error] as unknown as VnodeOpvEntry,
  ...spec_vnodeop_entries,
  ...ext2fs_node_entries,
];

/** Fifos: fifofs for the data path, ext2fs for the inode. */
export const ext2fs_fifoop_entries: readonly VnodeOpvEntry[] = [
  [vop_default_desc, vn_default_error] as unknown as VnodeOpvEntry,
  ...fifo_vnodeop_entries,
  ...ext2fs_node_entries,
];
