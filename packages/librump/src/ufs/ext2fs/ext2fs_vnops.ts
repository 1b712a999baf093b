/**
 * ext2fs vnode operations (ext2fs_vnops.c, ext2fs_readwrite.c): read,
 * attributes, access, readlink, pathconf, advisory locks and the vnode
 * life cycle; lookup and readdir are in ext2fs_lookup.ts. Three tables, as
 * NetBSD has: regular nodes, device nodes (specfs + ext2fs node ops),
 * fifos (fifofs + ext2fs).
 *
 * Read-write: write, fsync, setattr, and the namespace (create, mknod,
 * mkdir, symlink, link, remove, rmdir, rename in every case); a read-only
 * mount answers EROFS to each while following vnode_if.src's lock protocol.
 */
import {
  ALLPERMS,
  EBUSY,
  EEXIST,
  EFBIG,
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
  MNT_NOATIME,
  MNT_RDONLY,
  O_APPEND,
  S_ISTXT,
} from "../../gen/constants.js";
import { genfs_directread } from "../../miscfs/genfs/genfs_io.js";
import { genfs_rename_release, genfs_rename_sanity } from "../../miscfs/genfs/genfs_rename.js";
import { VOP_FSYNC, VOP_UNLOCK } from "../../gen/vnode_if.js";
import { FWRITE } from "../../kern/sys_file.js";
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
import {
  bcopyrun,
  bread,
  breadcluster,
  brelse,
  MAXPHYS,
  vflushbuf,
  vwritebehind,
} from "../../kern/vfs_bio.js";
import { cache_purge, cache_purge1 } from "../../kern/vfs_cache.js";
import { lf_advlock } from "../../kern/vfs_lockf.js";
import { IO_APPEND, IO_DIRECT, IO_SYNC } from "../../kern/vfs_vnops.js";
import { vcache_new, vgone, vn_lock, vput, vrele } from "../../kern/vfs_vnode.js";
import { fifo_vnodeop_entries } from "../../miscfs/fifofs/fifo_vnops.js";
import {
  genfs_abortop,
  genfs_can_chmod,
  genfs_can_chown,
  genfs_can_chtimes,
  genfs_can_sticky,
  genfs_chown_clear_suid,
  genfs_write_clear_suid,
  genfs_enoioctl,
  genfs_eopnotsupp,
  genfs_nullop,
  genfs_poll,
  genfs_seek,
  vn_default_error,
  VWRITE,
  genfs_islocked,
  genfs_lock,
  genfs_unlock,
} from "../../miscfs/genfs/genfs_vnops.js";
import { spec_vnodeop_entries } from "../../miscfs/specfs/spec_vnops.js";
import { BC_NOCACHE } from "../../sys/buf.js";
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
import { VA_UTIMES_NULL, VNOVAL, type Vattr } from "../../sys/vattr.js";
import {
  LK_EXCLUSIVE,
  LK_RETRY,
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
import {
  e2_rd32,
  e2fs_direct_write,
  e2fs_mode_to_ft,
  EXT2_APPEND,
  EXT2_EXTENTS,
  EXT2_FT_DIR,
  EXT2_IFDIR,
  EXT2_IFMT,
  EXT2_IMMUTABLE,
  EXT2_MAXNAMLEN,
  EXT2_MAXSYMLINKLEN,
  EXT2_N_BLOCKS,
  EXT2_NODUMP,
} from "./ext2fs.js";
import { ext2fs_vfree } from "./ext2fs_alloc.js";
import { ext2fs_orphan_add, ext2fs_orphan_del } from "./ext2fs_orphan.js";
import { ext2fs_bmap } from "./ext2fs_bmap.js";
import {
  e2_fsbtodb,
  ext2fs_corrupt,
  IN_ACCESS,
  IN_CHANGE,
  IN_MODIFIED,
  IN_UPDATE,
  VTOE2I,
  type E2Inode,
  e2_bdwrite,
  e2_bwrite,
  ext2fs_access,
} from "./ext2fs_extern.js";
import {
  ext2fs_eadrop,
  ext2fs_file_uninline,
  ext2fs_itimes,
  ext2fs_maxsize,
  ext2fs_setlargefile,
  ext2fs_truncate,
  ext2fs_update,
  ext2fs_balloc,
} from "./ext2fs_inode.js";
import { ext2fs_dirtail_init } from "./ext2fs_csum.js";
import {
  EXT2FS_LINK_MAX,
  ext2fs_checkpath,
  ext2fs_dirblk_dirty,
  ext2fs_dirnlink_dec,
  ext2fs_dirnlink_full,
  ext2fs_dirnlink_inc,
  ext2fs_dirnlink_prepare,
  ext2fs_dirempty,
  ext2fs_direnter,
  ext2fs_dirlookup,
  ext2fs_dirremove,
  ext2fs_dirhash_free,
  ext2fs_dirrewrite,
  ext2fs_lookup,
  ext2fs_readdir,
} from "./ext2fs_lookup.js";

/** The longest symlink target (MAXPATHLEN - 1) and path. */
export const EXT2FS_MAXPATHLEN = 1024;

/** ext2 i_flags → chflags(2) flags. */
function e2flags_to_flags(f: number): number {
  let out = 0;
  if (f & EXT2_IMMUTABLE) out |= SF_IMMUTABLE;
  if (f & EXT2_APPEND) out |= SF_APPEND;
  if (f & EXT2_NODUMP) out |= UF_NODUMP;
  return out;
}

/** VOP_GETATTR */
export function ext2fs_getattr(vp: Vnode, vap: Vattr, _cred: Kauth_cred): number {
  const ip = VTOE2I(vp);
  ext2fs_itimes(ip);
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

/** chflags(2) flags → ext2 i_flags (the three ext2 can keep). */
function flags_to_e2flags(f: number): number {
  let out = 0;
  if (f & SF_IMMUTABLE) out |= EXT2_IMMUTABLE;
  if (f & SF_APPEND) out |= EXT2_APPEND;
  if (f & UF_NODUMP) out |= EXT2_NODUMP;
  return out;
}

const E2_IMMUTABLE_APPEND = EXT2_IMMUTABLE | EXT2_APPEND;

function ext2fs_chtimes(vp: Vnode, ip: E2Inode, vap: Vattr, cred: Kauth_cred): number {
  const din = ip.i_din;
  if (din.e2di_flags & E2_IMMUTABLE_APPEND) return EPERM;
  const error = genfs_can_chtimes((vap.va_vaflags & VA_UTIMES_NULL) !== 0, din.e2di_uid, cred, () =>
    ext2fs_access(vp, VWRITE, cred),
  );
  if (error !== 0) return error;
  ext2fs_itimes(ip);
  if (vap.va_atime.tv_sec !== VNOVAL) {
    din.e2di_atime = vap.va_atime.tv_sec;
    din.e2di_atimensec = vap.va_atime.tv_nsec;
  }
  if (vap.va_mtime.tv_sec !== VNOVAL) {
    din.e2di_mtime = vap.va_mtime.tv_sec;
    din.e2di_mtimensec = vap.va_mtime.tv_nsec;
  }
  if (vap.va_birthtime.tv_sec !== VNOVAL) {
    din.e2di_crtime = vap.va_birthtime.tv_sec;
    din.e2di_crtimensec = vap.va_birthtime.tv_nsec;
  }
  ip.i_flag |= IN_CHANGE | IN_MODIFIED;
  return 0;
}

/**
 * VOP_SETATTR: flags (SF_APPEND, SF_IMMUTABLE and UF_NODUMP map to the
 * ext2 flags, as NetBSD maps them; others are EOPNOTSUPP), size, owner,
 * mode and times, each with NetBSD's permission rules; EROFS on a
 * read-only mount except for a size on a device or fifo, which is ignored.
 */
export function ext2fs_setattr(vp: Vnode, vap: Vattr, cred: Kauth_cred): number {
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
  const ip = VTOE2I(vp);
  const din = ip.i_din;
  const rdonly = (vp.v_mount!.mnt_flag & MNT_RDONLY) !== 0;
  let error = 0;
  if (vap.va_flags !== VNOVAL) {
    if (rdonly) return EROFS;
    const f = vap.va_flags >>> 0;
    if ((f & ~(SF_IMMUTABLE | SF_APPEND | UF_NODUMP)) !== 0) return EOPNOTSUPP;
    if (cred.cr_euid !== 0) {
      if (cred.cr_euid !== din.e2di_uid) return EPERM;
      // system flags are root's
      if ((din.e2di_flags & E2_IMMUTABLE_APPEND) !== (flags_to_e2flags(f) & E2_IMMUTABLE_APPEND))
        return EPERM;
    }
    din.e2di_flags =
      ((din.e2di_flags & ~(E2_IMMUTABLE_APPEND | EXT2_NODUMP)) | flags_to_e2flags(f)) >>> 0;
    ip.i_flag |= IN_CHANGE;
    if (din.e2di_flags & E2_IMMUTABLE_APPEND) return 0;
  }
  if (din.e2di_flags & E2_IMMUTABLE_APPEND) {
    if (
      vap.va_size !== VNOVAL ||
      vap.va_uid !== VNOVAL ||
      vap.va_gid !== VNOVAL ||
      vap.va_mode !== VNOVAL ||
      vap.va_atime.tv_sec !== VNOVAL ||
      vap.va_mtime.tv_sec !== VNOVAL ||
      vap.va_birthtime.tv_sec !== VNOVAL
    ) {
      if (!(
        vap.va_size !== VNOVAL &&
        (vp.v_type === VCHR || vp.v_type === VBLK || vp.v_type === VFIFO)
      ))
        return rdonly ? EROFS : EPERM;
    }
  }
  if (vap.va_size !== VNOVAL) {
    switch (vp.v_type) {
      case VDIR:
        return EISDIR;
      case VREG:
        if (rdonly) return EROFS;
        error = ext2fs_truncate(ip, vap.va_size, cred);
        if (error !== 0) return error;
        break;
      case VCHR:
      case VBLK:
      case VFIFO:
        break;
      default:
        return EOPNOTSUPP;
    }
  }
  if (vap.va_uid !== VNOVAL || vap.va_gid !== VNOVAL) {
    if (rdonly) return EROFS;
    const uid = vap.va_uid === VNOVAL ? din.e2di_uid : vap.va_uid >>> 0;
    const gid = vap.va_gid === VNOVAL ? din.e2di_gid : vap.va_gid >>> 0;
    error = genfs_can_chown(cred, din.e2di_uid, din.e2di_gid, uid, gid);
    if (error !== 0) return error;
    const changed = uid !== din.e2di_uid || gid !== din.e2di_gid;
    din.e2di_mode =
      (din.e2di_mode & EXT2_IFMT) | genfs_chown_clear_suid(din.e2di_mode & ALLPERMS, cred, changed);
    din.e2di_uid = uid >>> 0;
    din.e2di_gid = gid >>> 0;
    ip.i_flag |= IN_CHANGE;
  }
  if (vap.va_mode !== VNOVAL) {
    if (rdonly) return EROFS;
    const out = { v: 0 };
    error = genfs_can_chmod(vp.v_type, cred, din.e2di_uid, din.e2di_gid, vap.va_mode, out);
    if (error !== 0) return error;
    din.e2di_mode = (din.e2di_mode & EXT2_IFMT) | (out.v & ALLPERMS);
    ip.i_flag |= IN_CHANGE;
  }
  if (
    vap.va_atime.tv_sec !== VNOVAL ||
    vap.va_mtime.tv_sec !== VNOVAL ||
    vap.va_birthtime.tv_sec !== VNOVAL
  ) {
    if (rdonly) return EROFS;
    error = ext2fs_chtimes(vp, ip, vap, cred);
    if (error !== 0) return error;
  }
  return 0;
}

/** VOP_OPEN: an append-only file is opened for writing only to append. */
export function ext2fs_open(vp: Vnode, mode: number, _cred: Kauth_cred): number {
  const ip = vp.v_data as E2Inode | null;
  if (ip !== null && ip.i_din.e2di_flags & EXT2_APPEND && (mode & (FWRITE | O_APPEND)) === FWRITE)
    return EPERM;
  return 0;
}

/** VOP_CLOSE */
export function ext2fs_close(vp: Vnode, _fflag: number, _cred: Kauth_cred): number {
  const ip = vp.v_data as E2Inode | null;
  if (ip === null || !ip.i_wrote) return 0;
  // the last, partial cluster of a file just written goes out like the full
  // ones (a tree copied in leaves no dirty data behind to fill the cache)
  ip.i_wrote = false;
  const size = ip.i_din.e2di_size;
  const bsize = ip.i_ump.um_e2fs.e2fs_bsize;
  if (vp.v_type !== VREG || size <= bsize || ip.i_ump.um_ronly) return 0;
  const clblocks = Math.floor(MAXPHYS / bsize);
  const last = Math.floor((size - 1) / bsize);
  const first = last - (last % clblocks);
  if (last > first) ext2fs_writebehind(ip, first, last - first + 1);
  return 0;
}

/**
 * VOP_READ (ext2fs_read): file data through the device's buffer cache, a
 * block at a time; holes read as zeros. A sequential reader (or one read
 * spanning blocks) gets the blocks that follow contiguously on disk in the
 * same transfer (breadcluster, up to MAXPHYS); the contiguous run is looked
 * up once per run (from one pointer block), not per block.
 */
export function ext2fs_read(vp: Vnode, uio: Uio, ioflag: number, _cred: Kauth_cred): number {
  const type = vp.v_type;
  if (type !== VREG && type !== VLNK) return type === VDIR ? EISDIR : EINVAL;
  if (uio.uio_offset < 0) return EINVAL;
  if (uio.uio_resid === 0) return 0;
  const ip = VTOE2I(vp);
  const ump = ip.i_ump;
  const fs = ump.um_e2fs;
  const size = ip.i_din.e2di_size;
  if (uio.uio_offset >= size) return 0;
  if (ip.i_inline !== null) {
    // inline data: the bytes came with the inode
    const n = Math.min(uio.uio_resid, size - uio.uio_offset);
    uiomove(ip.i_inline, uio.uio_offset, n, uio);
    if ((vp.v_mount!.mnt_flag & (MNT_NOATIME | MNT_RDONLY)) === 0) ip.i_flag |= IN_ACCESS;
    return 0;
  }
  if (uio.uio_offset > ext2fs_maxsize(ip)) return EFBIG;
  const bsize = fs.e2fs_bsize;
  const maxrun = Math.max(1, Math.floor(MAXPHYS / bsize));
  const bnp = ump.um_bn;
  const runp = ump.um_run;
  const bpp = ump.um_bpp;
  const devvp = ump.um_devvp;
  const endlbn = Math.ceil(size / bsize);
  let error = 0;
  while (uio.uio_resid > 0 && uio.uio_offset < size) {
    const off = uio.uio_offset;
    const lbn = Math.floor(off / bsize);
    const on = off - lbn * bsize;
    let n = bsize - on;
    if (n > uio.uio_resid) n = uio.uio_resid;
    if (n > size - off) n = size - off;
    // sequential: this block follows the last one read, or this read goes on past it
    const seq = lbn === ip.i_nextr || uio.uio_resid > n;
    let bn: number;
    if (lbn >= ip.i_runlbn && lbn < ip.i_runlbn + ip.i_runlen) {
      bn = ip.i_runbn === 0 ? 0 : ip.i_runbn + (lbn - ip.i_runlbn);
    } else {
      error = ext2fs_bmap(ip, lbn, bnp, runp, seq ? Math.min(maxrun, endlbn - lbn) : 1);
      if (error !== 0) break;
      bn = bnp.v;
      ip.i_runlbn = lbn;
      ip.i_runbn = bn;
      ip.i_runlen = bn === 0 ? 1 : runp.v;
    }
    if (bn === 0) {
      uiozero(n, uio);
      continue;
    }
    const ahead = ip.i_runlbn + ip.i_runlen - lbn;
    if (seq && ahead > 1 && (ioflag & IO_DIRECT) === 0) {
      // a reread of cached blocks of one cluster read: one copy for the run of them
      const most = Math.min(uio.uio_resid, size - off, ahead * bsize - on);
      const got = bcopyrun(devvp, e2_fsbtodb(ump, bn), bsize, on, most, uio);
      if (got > 0) {
        ip.i_nextr = Math.floor((off + got - 1) / bsize) + 1;
        continue;
      }
    }
    if (ioflag & IO_DIRECT && on === 0 && n === bsize) {
      // O_DIRECT: whole blocks the cache does not hold go straight into the caller's buffer
      // (whole blocks of the file only: never the bytes past its end)
      const most = Math.min(ahead, maxrun, Math.floor((size - off) / bsize));
      const got = genfs_directread(uio, devvp, e2_fsbtodb(ump, bn), bsize, most);
      if (got < 0) {
        error = -got;
        break;
      }
      if (got > 0) {
        ip.i_nextr = lbn + got;
        continue;
      }
    }
    if (ahead > 1 && seq) error = breadcluster(devvp, e2_fsbtodb(ump, bn), bsize, ahead, bpp);
    else error = bread(devvp, e2_fsbtodb(ump, bn), bsize, bpp);
    if (error !== 0) break;
    ip.i_nextr = lbn + 1;
    const bp = bpp.v!;
    uiomove(bp.b_data, on, n, uio);
    // O_DIRECT's partial blocks are not kept either once read to their end (or the
    // file's): their storage serves the next one
    const done = on + n === bsize || off + n === size;
    brelse(bp, ioflag & IO_DIRECT && done ? BC_NOCACHE : 0);
  }
  if ((vp.v_mount!.mnt_flag & (MNT_NOATIME | MNT_RDONLY)) === 0) ip.i_flag |= IN_ACCESS;
  return error;
}

/**
 * VOP_WRITE: a block at a time through ext2fs_balloc and the device's
 * buffer cache (write-behind; IO_SYNC writes through). IO_APPEND writes at
 * the end; EFBIG beyond the largest file (2 GiB on revision 0); non-root
 * writers clear setuid/setgid; a file passing 2 GiB turns large_file on.
 */
export function ext2fs_write(vp: Vnode, uio: Uio, ioflag: number, cred: Kauth_cred): number {
  const type = vp.v_type;
  if (type !== VREG && type !== VLNK) return type === VDIR ? EISDIR : EINVAL;
  const mp = vp.v_mount!;
  if (mp.mnt_flag & MNT_RDONLY) return EROFS;
  const ip = VTOE2I(vp);
  const din = ip.i_din;
  if (din.e2di_flags & EXT2_IMMUTABLE) return EPERM;
  if (din.e2di_flags & EXT2_APPEND && (ioflag & IO_APPEND) === 0) return EPERM;
  if (ioflag & IO_APPEND) uio.uio_offset = din.e2di_size;
  if (uio.uio_offset < 0) return EINVAL;
  if (uio.uio_resid === 0) return 0;
  const ump = ip.i_ump;
  const fs = ump.um_e2fs;
  if (uio.uio_offset + uio.uio_resid > ext2fs_maxsize(ip)) return EFBIG;
  const bsize = fs.e2fs_bsize;
  const bpp = ump.um_wbpp;
  if (ip.i_inline !== null) {
    const e = ext2fs_file_uninline(ip, cred);
    if (e !== 0) return e;
  }
  const resid = uio.uio_resid;
  const clblocks = Math.floor(MAXPHYS / bsize);
  let error = 0;
  while (uio.uio_resid > 0) {
    const off = uio.uio_offset;
    const lbn = Math.floor(off / bsize);
    const on = off - lbn * bsize;
    let n = bsize - on;
    if (n > uio.uio_resid) n = uio.uio_resid;
    error = ext2fs_balloc(ip, lbn, n === bsize, cred, bpp);
    if (error !== 0) break;
    const bp = bpp.v!;
    bpp.v = null;
    uiomove(bp.b_data, on, n, uio);
    if (off + n > din.e2di_size) {
      din.e2di_size = off + n;
      vp.v_size = off + n;
    }
    if (ioflag & IO_SYNC) {
      e2_bwrite(bp);
    } else {
      e2_bdwrite(bp);
      // a full cluster of blocks written in order: write it behind now
      if (on + n === bsize && (lbn + 1) % clblocks === 0 && lbn + 1 >= clblocks)
        ext2fs_writebehind(ip, lbn + 1 - clblocks, clblocks);
    }
  }
  if (uio.uio_resid < resid) {
    ip.i_wrote = true;
    din.e2di_mode =
      (din.e2di_mode & EXT2_IFMT) | genfs_write_clear_suid(din.e2di_mode & ~EXT2_IFMT, cred);
    ext2fs_setlargefile(ump, din.e2di_size);
    ip.i_flag |= IN_CHANGE | IN_UPDATE;
    error = 0;
  }
  if (ioflag & IO_SYNC) {
    const e = ext2fs_update(ip);
    const e2 = vflushbuf(ump.um_devvp);
    if (error === 0) error = e !== 0 ? e : e2;
  }
  return error;
}

/**
 * Write-behind of logical blocks [lbn, lbn + n) of `ip`, each run of them
 * that lies contiguously on disk as one transfer (vwritebehind: then out of
 * the cache); an indirect block placed among the data splits the cluster.
 * A failure is not the writer's: the blocks stay dirty for fsync to report.
 */
function ext2fs_writebehind(ip: E2Inode, lbn: number, n: number): void {
  const ump = ip.i_ump;
  const bnp = ump.um_bn;
  const runp = ump.um_run;
  const bsize = ump.um_e2fs.e2fs_bsize;
  const end = lbn + n;
  while (lbn < end) {
    if (ext2fs_bmap(ip, lbn, bnp, runp, end - lbn) !== 0) return;
    const run = runp.v;
    if (bnp.v !== 0 && run >= 2) vwritebehind(ump.um_devvp, e2_fsbtodb(ump, bnp.v), bsize, run);
    lbn += run;
  }
}

/** VOP_FSYNC: the inode, every dirty block of the device, then the device itself. */
export function ext2fs_fsync(
  vp: Vnode,
  cred: Kauth_cred,
  flags: number,
  offlo: number,
  offhi: number,
): number {
  const ip = VTOE2I(vp);
  const ump = ip.i_ump;
  if (ump.um_ronly) return 0;
  let error = ext2fs_update(ip);
  const devvp = ump.um_devvp;
  const e = vflushbuf(devvp);
  if (error === 0) error = e;
  vn_lock(devvp, LK_EXCLUSIVE | LK_RETRY);
  const e2 = VOP_FSYNC(devvp, cred, flags, offlo, offhi);
  VOP_UNLOCK(devvp);
  return error !== 0 ? error : e2;
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
  if (ip.i_inline !== null) {
    uiomove(ip.i_inline, 0, ip.i_inline.length, uio);
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

/**
 * VOP_INACTIVE: entered locked, leaves unlocked. A file without names
 * gives back its blocks and its inode, and its vnode is recycled; else a
 * changed inode is written back.
 */
export function ext2fs_inactive(vp: Vnode, recycle: Out<boolean>): number {
  const ip = vp.v_data as E2Inode | null;
  recycle.v = false;
  if (ip !== null) {
    if (ip.i_din.e2di_nlink <= 0) ext2fs_freeinode(vp, ip);
    else if (ip.i_flag !== 0) ext2fs_update(ip);
    recycle.v = ip.i_din.e2di_nlink <= 0;
  }
  genfs_unlock(vp);
  return 0;
}

/**
 * A file without names gives back its blocks, its EA block and its inode;
 * the inode keeps its mode with a deletion time, as Linux leaves it.
 */
function ext2fs_freeinode(vp: Vnode, ip: E2Inode): void {
  const din = ip.i_din;
  const ump = ip.i_ump;
  if (ump.um_ronly) return;
  ext2fs_orphan_del(ip);
  if (din.e2di_mode === 0 || din.e2di_dtime !== 0) return;
  const t = vp.v_type;
  ext2fs_dirhash_free(ip);
  if (t === VREG || t === VDIR || (t === VLNK && ip.i_shortlink === null))
    ext2fs_truncate(ip, 0, null);
  // an extent-mapped inode keeps its (now empty) root, as Linux leaves it
  if ((din.e2di_flags & EXT2_EXTENTS) === 0) din.e2di_blocks.fill(0);
  ip.i_shortlink = null;
  ip.i_inline = null;
  ext2fs_eadrop(ip);
  const isdir = (din.e2di_mode & EXT2_IFMT) === EXT2_IFDIR;
  din.e2di_size = 0;
  din.e2di_nblock = 0;
  din.e2di_nlink = 0;
  ip.i_flag |= IN_CHANGE | IN_UPDATE;
  ext2fs_itimes(ip);
  din.e2di_dtime = Math.max(1, din.e2di_ctime) >>> 0;
  ip.i_flag |= IN_MODIFIED;
  ext2fs_update(ip);
  ext2fs_vfree(ump, ip.i_number, isdir);
}

/** VOP_RECLAIM: write a changed inode back (or free a nameless one), forget it. */
export function ext2fs_reclaim(vp: Vnode): number {
  const ip = vp.v_data as E2Inode | null;
  if (ip !== null) {
    ext2fs_dirhash_free(ip);
    if (ip.i_din.e2di_nlink <= 0) ext2fs_freeinode(vp, ip);
    else if (ip.i_flag !== 0) ext2fs_update(ip);
    ip.i_vnode = null;
  }
  vp.v_data = null;
  return 0;
}

/** VOP_REVOKE */
export function ext2fs_revoke(vp: Vnode, _flags: number): number {
  vgone(vp);
  return 0;
}

/* ------------------------------------------------------------------------ */
/* the namespace                                                             */

/**
 * ext2fs_makeinode: a new inode of vap.va_type named cnp in dvp (dvp stays
 * locked; the new vnode comes back referenced and unlocked). Directories
 * get "." and ".."; symlinks their target (in i_block when shorter than
 * 60 bytes).
 */
function ext2fs_makeinode(
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
  if (name.length > EXT2_MAXNAMLEN) return ENAMETOOLONG;
  if (mp.mnt_flag & MNT_RDONLY) return EROFS;
  const dp = VTOE2I(dvp);
  if (dp.i_din.e2di_nlink <= 0) return ENOENT;
  const isdir = vap.va_type === VDIR;
  if (isdir && ext2fs_dirnlink_full(dp)) return EMLINK;
  if (target !== null && target.length >= EXT2FS_MAXPATHLEN) return ENAMETOOLONG;
  const cred = cnp.cn_cred;
  let error = vcache_new(mp, dvp, vap, cred, vpp);
  if (error !== 0) return error;
  const vp = vpp.vp!;
  const ip = VTOE2I(vp);
  const ump = ip.i_ump;
  const fs = ump.um_e2fs;
  const din = ip.i_din;
  const bpp = ump.um_wbpp;
  if (isdir) {
    error = ext2fs_balloc(ip, 0, true, cred, bpp);
    if (error === 0) {
      const buf = bpp.v!.b_data;
      const bsize = fs.e2fs_bsize;
      const end = ump.um_dirblksiz;
      buf.fill(0, 0, bsize);
      e2fs_direct_write(buf, 0, ump.um_ftype, ip.i_number, 12, EXT2_FT_DIR, ".");
      e2fs_direct_write(buf, 12, ump.um_ftype, dp.i_number, end - 12, EXT2_FT_DIR, "..");
      if (end < bsize) ext2fs_dirtail_init(buf, bsize);
      ext2fs_dirblk_dirty(ip, bpp.v!);
      bpp.v = null;
      din.e2di_size = bsize;
      vp.v_size = bsize;
    }
  } else if (target !== null) {
    const n = target.length;
    if (n > fs.e2fs_bsize) error = ENAMETOOLONG;
    else if (n < EXT2_MAXSYMLINKLEN) {
      const area = new Uint8Array(EXT2_MAXSYMLINKLEN);
      for (let i = 0; i < n; i++) area[i] = target.charCodeAt(i) & 0xff;
      // a fast symlink's target is its i_block: not an extent root
      din.e2di_flags &= ~EXT2_EXTENTS;
      ip.i_ext = null;
      for (let i = 0; i < EXT2_N_BLOCKS; i++) din.e2di_blocks[i] = e2_rd32(area, i * 4);
      ip.i_shortlink = area.slice(0, n);
      din.e2di_size = n;
      vp.v_size = n;
    } else {
      error = ext2fs_balloc(ip, 0, true, cred, bpp);
      if (error === 0) {
        const buf = bpp.v!.b_data;
        buf.fill(0);
        for (let i = 0; i < n; i++) buf[i] = target.charCodeAt(i) & 0xff;
        e2_bdwrite(bpp.v!);
        bpp.v = null;
        din.e2di_size = n;
        vp.v_size = n;
      }
    }
  }
  if (error === 0)
    error = ext2fs_direnter(dp, name, ip.i_number, e2fs_mode_to_ft(din.e2di_mode), cred);
  if (error !== 0) {
    din.e2di_nlink = 0;
    ip.i_flag |= IN_CHANGE;
    vrele(vp);
    vpp.vp = null;
    return error;
  }
  if (isdir) ext2fs_dirnlink_inc(dp);
  ip.i_flag |= IN_CHANGE | IN_UPDATE;
  ext2fs_update(ip);
  ext2fs_update(dp);
  cache_purge1(dvp, name); // a negative entry
  return 0;
}

/** VOP_CREATE: regular files and sockets. */
export function ext2fs_create(dvp: Vnode, vpp: VnodeOut, cnp: ComponentName, vap: Vattr): number {
  if (vap.va_type !== VREG && vap.va_type !== VSOCK) {
    vpp.vp = null;
    return EINVAL;
  }
  return ext2fs_makeinode(dvp, vpp, cnp, vap, null);
}

/** VOP_MKNOD: device nodes and fifos. */
export function ext2fs_mknod(dvp: Vnode, vpp: VnodeOut, cnp: ComponentName, vap: Vattr): number {
  const vt = vap.va_type;
  if (vt !== VBLK && vt !== VCHR && vt !== VFIFO) {
    vpp.vp = null;
    return EINVAL;
  }
  return ext2fs_makeinode(dvp, vpp, cnp, vap, null);
}

/** VOP_MKDIR */
export function ext2fs_mkdir(dvp: Vnode, vpp: VnodeOut, cnp: ComponentName, vap: Vattr): number {
  if (vap.va_type !== VDIR) {
    vpp.vp = null;
    return EINVAL;
  }
  return ext2fs_makeinode(dvp, vpp, cnp, vap, null);
}

/** VOP_SYMLINK */
export function ext2fs_symlink(
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
  return ext2fs_makeinode(dvp, vpp, cnp, vap, target);
}

/** VOP_REMOVE: dvp and vp locked on entry, both put on return. */
export function ext2fs_remove(dvp: Vnode, vp: Vnode, cnp: ComponentName): number {
  const error = ext2fs_remove1(dvp, vp, cnp);
  vput(vp);
  if (dvp === vp) vrele(dvp);
  else vput(dvp);
  return error;
}

function ext2fs_remove1(dvp: Vnode, vp: Vnode, cnp: ComponentName): number {
  if (vp.v_type === VDIR) return EPERM;
  if (dvp.v_mount!.mnt_flag & MNT_RDONLY) return EROFS;
  const dp = VTOE2I(dvp);
  const ip = VTOE2I(vp);
  if (ip.i_din.e2di_flags & E2_IMMUTABLE_APPEND || dp.i_din.e2di_flags & EXT2_APPEND) return EPERM;
  const name = cnp.cn_nameptr;
  const error = ext2fs_dirremove(dp, name, ip.i_number);
  if (error !== 0) return error;
  ip.i_din.e2di_nlink--;
  ip.i_flag |= IN_CHANGE;
  if (ip.i_din.e2di_nlink <= 0) ext2fs_orphan_add(ip);
  cache_purge1(dvp, name);
  ext2fs_update(dp);
  return 0;
}

/** VOP_RMDIR: dvp and vp locked on entry, both put on return. */
export function ext2fs_rmdir(dvp: Vnode, vp: Vnode, cnp: ComponentName): number {
  const error = ext2fs_rmdir1(dvp, vp, cnp);
  if (dvp === vp) {
    vrele(dvp);
    vput(vp);
  } else {
    vput(dvp);
    vput(vp);
  }
  return error;
}

function ext2fs_rmdir1(dvp: Vnode, vp: Vnode, cnp: ComponentName): number {
  if (dvp === vp) return EINVAL;
  if (vp.v_type !== VDIR) return ENOTDIR;
  if (dvp.v_mount!.mnt_flag & MNT_RDONLY) return EROFS;
  const dp = VTOE2I(dvp);
  const ip = VTOE2I(vp);
  if (dp.i_din.e2di_flags & EXT2_APPEND || ip.i_din.e2di_flags & E2_IMMUTABLE_APPEND) return EPERM;
  if (vp.v_mountedhere !== null) return EBUSY;
  const empty = { v: false };
  let error = ext2fs_dirempty(ip, empty);
  if (error !== 0) return error;
  if (!empty.v || ip.i_din.e2di_nlink !== 2) return ENOTEMPTY;
  const name = cnp.cn_nameptr;
  error = ext2fs_dirnlink_prepare(dp);
  if (error === 0) error = ext2fs_dirremove(dp, name, ip.i_number);
  if (error !== 0) return error;
  ext2fs_dirnlink_dec(dp);
  ip.i_din.e2di_nlink = 0;
  ip.i_flag |= IN_CHANGE;
  ext2fs_orphan_add(ip);
  cache_purge1(dvp, name);
  cache_purge(vp);
  ext2fs_update(dp);
  return 0;
}

/** VOP_LINK: dvp locked (stays), vp unlocked. */
export function ext2fs_link(dvp: Vnode, vp: Vnode, cnp: ComponentName): number {
  const mp = dvp.v_mount!;
  if (vp.v_mount !== mp) return EXDEV;
  if (vp.v_type === VDIR) return EPERM;
  if (dvp.v_type !== VDIR) return ENOTDIR;
  if (mp.mnt_flag & MNT_RDONLY) return EROFS;
  const dp = VTOE2I(dvp);
  const ip = VTOE2I(vp);
  const name = cnp.cn_nameptr;
  if (name.length > EXT2_MAXNAMLEN) return ENAMETOOLONG;
  if (ip.i_din.e2di_nlink >= EXT2FS_LINK_MAX) return EMLINK;
  if (ip.i_din.e2di_flags & E2_IMMUTABLE_APPEND) return EPERM;
  if (ip.i_din.e2di_nlink <= 0 || dp.i_din.e2di_nlink <= 0) return ENOENT;
  const error = ext2fs_direnter(
    dp,
    name,
    ip.i_number,
    e2fs_mode_to_ft(ip.i_din.e2di_mode),
    cnp.cn_cred,
  );
  if (error !== 0) return error;
  ip.i_din.e2di_nlink++;
  ip.i_flag |= IN_CHANGE;
  ext2fs_update(ip);
  ext2fs_update(dp);
  cache_purge1(dvp, name);
  return 0;
}

/** VOP_RENAME: fdvp, fvp released; tdvp, tvp put. */
export function ext2fs_rename(
  fdvp: Vnode,
  fvp: Vnode,
  fcnp: ComponentName,
  tdvp: Vnode,
  tvp: Vnode | null,
  tcnp: ComponentName,
): number {
  const error = ext2fs_do_rename(fdvp, fvp, fcnp, tdvp, tvp, tcnp);
  genfs_rename_release(fdvp, fvp, tdvp, tvp);
  return error;
}

function sticky(cred: Kauth_cred, dp: E2Inode, ip: E2Inode): number {
  if ((dp.i_din.e2di_mode & S_ISTXT) === 0) return 0;
  return genfs_can_sticky(cred, dp.i_din.e2di_uid, ip.i_din.e2di_uid);
}

/**
 * Rename with the rules of genfs_rename.c, in genfs_sane_rename's order;
 * then the target entry is written (new or rewritten), the source entry
 * removed, and a moved directory's ".." points at its new parent, with
 * the link counts of both parents kept.
 */
function ext2fs_do_rename(
  fdvp: Vnode,
  fvp: Vnode,
  fcnp: ComponentName,
  tdvp: Vnode,
  tvp: Vnode | null,
  tcnp: ComponentName,
): number {
  const sane = genfs_rename_sanity(fdvp, fvp, fcnp, tdvp, tvp, tcnp, EXT2_MAXNAMLEN);
  if (sane !== 0) return sane;
  const fname = fcnp.cn_nameptr;
  const tname = tcnp.cn_nameptr;

  const fdp = VTOE2I(fdvp);
  const fip = VTOE2I(fvp);
  const tdp = VTOE2I(tdvp);
  const tip = tvp === null ? null : VTOE2I(tvp);

  // the entries namei found must still be there
  const slot = { v: 0 };
  let error = ext2fs_dirlookup(fdp, fname, slot);
  if (error !== 0) return error;
  if (slot.v !== fip.i_number) return ENOENT;
  if (tdp.i_din.e2di_nlink <= 0) return ENOENT;
  error = ext2fs_dirlookup(tdp, tname, slot);
  if (error !== 0) return error;
  if (tip === null) {
    if (slot.v !== 0) return EEXIST;
  } else if (slot.v !== tip.i_number) {
    return ENOENT;
  }

  // links to one file: nothing to do
  if (fip === tip) return 0;
  if (fip === fdp) return EINVAL;
  if (tip === tdp) return EISDIR;
  if (fvp.v_mountedhere !== null || (tvp !== null && tvp.v_mountedhere !== null)) return EBUSY;

  const isdir = fvp.v_type === VDIR;
  if (fdp !== tdp && isdir) {
    // a directory into its own subtree
    error = ext2fs_checkpath(fip, tdp);
    if (error !== 0) return error;
  }
  if (tip !== null) {
    if (isdir && tvp!.v_type === VDIR) {
      const empty = { v: false };
      error = ext2fs_dirempty(tip, empty);
      if (error !== 0) return error;
      if (!empty.v || tip.i_din.e2di_nlink > 2) return ENOTEMPTY;
    } else if (isdir) {
      return ENOTDIR;
    } else if (tvp!.v_type === VDIR) {
      return EISDIR;
    }
  }

  // possible
  if ((fdp.i_din.e2di_flags | fip.i_din.e2di_flags) & E2_IMMUTABLE_APPEND) return EPERM;
  if (tdp.i_din.e2di_flags & (EXT2_IMMUTABLE | (tip !== null ? EXT2_APPEND : 0))) return EPERM;
  if (tip !== null && tip.i_din.e2di_flags & E2_IMMUTABLE_APPEND) return EPERM;
  if (isdir && fdp !== tdp && tip === null && ext2fs_dirnlink_full(tdp)) return EMLINK;

  // permitted
  const cred = fcnp.cn_cred;
  error = ext2fs_access(fdvp, VWRITE, cred);
  if (error !== 0) return error;
  if (fdp !== tdp) {
    error = ext2fs_access(tdvp, VWRITE, cred);
    if (error !== 0) return error;
    if (isdir) {
      error = ext2fs_access(fvp, VWRITE, cred);
      if (error !== 0) return error;
    }
  }
  error = sticky(cred, fdp, fip);
  if (error !== 0) return error;
  if (tip !== null) {
    error = sticky(tcnp.cn_cred, tdp, tip);
    if (error !== 0) return error;
  }

  // counts of 1 ("many subdirectories") made countable before they change
  error = ext2fs_dirnlink_prepare(fdp);
  if (error === 0 && tdp !== fdp) error = ext2fs_dirnlink_prepare(tdp);
  if (error !== 0) return error;
  // 1. the target entry names the source inode
  const ftype = e2fs_mode_to_ft(fip.i_din.e2di_mode);
  if (tip !== null) {
    error = ext2fs_dirrewrite(tdp, tname, fip.i_number, ftype);
    if (error !== 0) return error;
    if (tvp!.v_type === VDIR) {
      // its "." and the entry; its ".." no longer counts in tdp
      tip.i_din.e2di_nlink = 0;
      ext2fs_dirnlink_dec(tdp);
      cache_purge(tvp!);
    } else {
      tip.i_din.e2di_nlink--;
    }
    tip.i_flag |= IN_CHANGE;
    if (tip.i_din.e2di_nlink <= 0) ext2fs_orphan_add(tip);
  } else {
    error = ext2fs_direnter(tdp, tname, fip.i_number, ftype, tcnp.cn_cred);
    if (error !== 0) return error;
  }
  if (isdir && fdp !== tdp) ext2fs_dirnlink_inc(tdp);
  // 2. the source entry goes (looked up again: the directory may have changed)
  error = ext2fs_dirremove(fdp, fname, fip.i_number);
  if (error !== 0) return error;
  // 3. a moved directory's ".."
  if (isdir && fdp !== tdp) {
    error = ext2fs_dirrewrite(fip, "..", tdp.i_number, EXT2_FT_DIR);
    if (error !== 0) return error;
    ext2fs_dirnlink_dec(fdp);
  }
  fip.i_flag |= IN_CHANGE;
  cache_purge1(fdvp, fname);
  cache_purge1(tdvp, tname);
  if (isdir) cache_purge(fvp);
  ext2fs_update(fip);
  ext2fs_update(fdp);
  ext2fs_update(tdp);
  if (tip !== null) ext2fs_update(tip);
  return 0;
}

/** Regular files, directories, symlinks and sockets. */
export const ext2fs_vnodeop_entries: readonly VnodeOpvEntry[] = [
  [vop_default_desc, vn_default_error],
  [vop_bwrite_desc, genfs_eopnotsupp],
  [vop_lookup_desc, ext2fs_lookup],
  [vop_create_desc, ext2fs_create],
  [vop_mknod_desc, ext2fs_mknod],
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
  [vop_remove_desc, ext2fs_remove],
  [vop_link_desc, ext2fs_link],
  [vop_rename_desc, ext2fs_rename],
  [vop_mkdir_desc, ext2fs_mkdir],
  [vop_rmdir_desc, ext2fs_rmdir],
  [vop_symlink_desc, ext2fs_symlink],
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
