/**
 * msdosfs vnode operations (msdosfs_vnops.c): create, mkdir, remove,
 * rmdir, read, write, attributes, fsync and the vnode life cycle; lookup
 * and readdir are in msdosfs_lookup.ts, rename in msdosfs_rename.ts.
 *
 * What FAT lacks answers as NetBSD's msdosfs does: no owners (uid, gid
 * and the permission masks come from the mount; chown to anyone else is
 * EINVAL), no links (EOPNOTSUPP), no symlinks (EOPNOTSUPP), no device
 * nodes or fifos (EINVAL); the only permission bit is the owner's write
 * bit, kept as the read-only attribute; attribute changes of directories
 * are ignored. Files end at 4 GiB − 1 (EFBIG past it).
 *
 * Data moves through the device's buffer cache in data blocks (a cluster,
 * or 4 KiB of smaller clusters: see MsdosfsMount.dblk): runs of clusters
 * contiguous on disk are read with one transfer (breadcluster) and written
 * behind in groups of up to MAXPHYS bytes, the chain found through the
 * denode's chain map.
 */
import {
  E2BIG,
  EFBIG,
  EINVAL,
  ENOMEM,
  EISDIR,
  ENOENT,
  ENOSPC,
  ENOTDIR,
  ENOTEMPTY,
  EOPNOTSUPP,
  EPERM,
  EROFS,
  EBUSY,
  MNT_NOATIME,
  MNT_RDONLY,
} from "../../gen/constants.js";
import {
  VOP_FSYNC,
  VOP_UNLOCK,
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
  bread,
  breadcluster,
  brelse,
  bdwrite,
  bwrite,
  getblk,
  MAXPHYS,
  vflushbuf,
  vwritebehind,
} from "../../kern/vfs_bio.js";
import { cache_purge } from "../../kern/vfs_cache.js";
import { lf_advlock } from "../../kern/vfs_lockf.js";
import { IO_APPEND, IO_SYNC } from "../../kern/vfs_vnops.js";
import { vcache_get, vgone, vn_lock, vput, vrele } from "../../kern/vfs_vnode.js";
import {
  genfs_abortop,
  genfs_can_chtimes,
  genfs_enoioctl,
  genfs_eopnotsupp,
  genfs_islocked,
  genfs_lock,
  genfs_nullop,
  genfs_poll,
  genfs_seek,
  genfs_unlock,
  vn_default_error,
} from "../../miscfs/genfs/genfs_vnops.js";
import type { Buf } from "../../sys/buf.js";
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
  SF_ARCHIVED,
} from "../../sys/consts.js";
import type { Flock } from "../../sys/flock.js";
import type { Kauth_cred } from "../../sys/kauth.js";
import type { VnodeOpvEntry } from "../../sys/mount.js";
import type { ComponentName } from "../../sys/namei.js";
import type { Out } from "../../sys/out.js";
import { uiomove, type Uio } from "../../sys/uio.js";
import { VA_UTIMES_NULL, VNOVAL, type Vattr } from "../../sys/vattr.js";
import {
  LK_EXCLUSIVE,
  LK_RETRY,
  VDIR,
  VREG,
  VV_ROOT,
  type Vnode,
  type VnodeOut,
} from "../../sys/vnode.js";
import { ATTR_ARCHIVE, ATTR_DIRECTORY, ATTR_READONLY, DIRENT_SIZE } from "./direntry.js";
import { DE_ACCESS, DE_CREATE, DE_MODIFIED, DE_UPDATE, Denode, VTODE } from "./denode.js";
import { msdosfs_dos2unixtime, msdosfs_unix2dostime } from "./msdosfs_conv.js";
import {
  de_clcount,
  de_externalize,
  deextend,
  detrunc,
  deupdat,
  msdosfs_access,
  msdosfs_detimes,
  msdosfs_dirkey,
  msdosfs_mode,
  readep,
} from "./msdosfs_denode.js";
import {
  clearcluster,
  clusteralloc,
  extendfile,
  fat_mirror,
  freeclusterchain,
  msdosfs_fsinfo_update,
  pcbmap,
} from "./msdosfs_fat.js";
import {
  createde,
  dosdirempty,
  msdosfs_dirfileno,
  msdosfs_filefileno,
  msdosfs_findent,
  msdosfs_index_free,
  msdosfs_lookup,
  msdosfs_newname,
  msdosfs_orphan,
  msdosfs_readdir,
  removede,
  type NewEntry,
  type NewName,
} from "./msdosfs_lookup.js";
import { msdosfs_rename } from "./msdosfs_rename.js";
import {
  MSDOSFSMNT_LONGNAME,
  MSDOSFSMNT_NOWIN95,
  de_filekey,
  type MsdosfsMount,
} from "./msdosfsmount.js";
import { MSDOSFS_FILESIZE_MAX } from "./fat.js";

/** The longest path (MAXPATHLEN). */
const MSDOSFS_MAXPATHLEN = 1024;

/** A template denode for a new entry of `pmp`, times now. */
function newentry(pmp: MsdosfsMount, attr: number): Denode {
  const t = new Denode(pmp, null);
  t.de_Attributes = attr;
  t.de_flag = DE_ACCESS | DE_CREATE | DE_UPDATE;
  msdosfs_detimes(t);
  t.de_flag = 0;
  return t;
}

/* ------------------------------------------------------------------------ */
/* attributes                                                                */

/** VOP_GETATTR */
export function msdosfs_getattr(vp: Vnode, vap: Vattr, _cred: Kauth_cred): number {
  const dep = VTODE(vp);
  const pmp = dep.de_pmp;
  msdosfs_detimes(dep);
  const dir = vp.v_type === VDIR;
  vap.va_type = vp.v_type;
  vap.va_mode = msdosfs_mode(dep);
  vap.va_nlink = 1;
  vap.va_uid = pmp.pm_uid;
  vap.va_gid = pmp.pm_gid;
  vap.va_fsid = vp.v_mount!.mnt_stat.f_fsidx[0];
  vap.va_fileid = dir
    ? msdosfs_dirfileno(pmp, dep.de_StartCluster)
    : msdosfs_filefileno(pmp, dep.de_dirclust, dep.de_diroffset);
  vap.va_size = vp.v_size;
  const bpc = pmp.pm_geom.bpcluster;
  vap.va_blocksize = bpc;
  vap.va_bytes = Math.ceil(dep.de_FileSize / bpc) * bpc;
  const g = pmp.pm_gmtoff;
  msdosfs_dos2unixtime(dep.de_MDate, dep.de_MTime, 0, g, vap.va_mtime);
  if (pmp.pm_flags & MSDOSFSMNT_LONGNAME) {
    msdosfs_dos2unixtime(dep.de_ADate, 0, 0, g, vap.va_atime);
    msdosfs_dos2unixtime(dep.de_CDate, dep.de_CTime, dep.de_CHun, g, vap.va_ctime);
  } else {
    vap.va_atime.tv_sec = vap.va_ctime.tv_sec = vap.va_mtime.tv_sec;
    vap.va_atime.tv_nsec = vap.va_ctime.tv_nsec = vap.va_mtime.tv_nsec;
  }
  // FAT's creation time is both NetBSD's ctime and the birth time
  vap.va_birthtime.tv_sec = vap.va_ctime.tv_sec;
  vap.va_birthtime.tv_nsec = vap.va_ctime.tv_nsec;
  vap.va_flags = dep.de_Attributes & ATTR_ARCHIVE ? 0 : SF_ARCHIVED;
  vap.va_gen = 0;
  vap.va_rdev = 0;
  vap.va_filerev = VNOVAL;
  vap.va_vaflags = 0;
  return 0;
}

/** Owner of the volume or root (genfs_can_chflags for msdosfs's attributes). */
function owner(pmp: MsdosfsMount, cred: Kauth_cred): number {
  return cred.cr_euid === 0 || cred.cr_euid === pmp.pm_uid ? 0 : EPERM;
}

/**
 * VOP_SETATTR (msdosfs_setattr): size, times (the access date and the
 * modification time), the owner's write bit (the read-only attribute) and
 * SF_ARCHIVED (the archive attribute, inverted). Owner and group can only
 * be set to the mount's (else EINVAL); directories ignore everything.
 */
export function msdosfs_setattr(vp: Vnode, vap: Vattr, cred: Kauth_cred): number {
  const dep = VTODE(vp);
  const pmp = dep.de_pmp;
  if (
    vap.va_type !== 0 ||
    vap.va_nlink !== VNOVAL ||
    vap.va_fsid !== VNOVAL ||
    vap.va_fileid !== VNOVAL ||
    vap.va_blocksize !== VNOVAL ||
    vap.va_rdev !== VNOVAL ||
    vap.va_bytes !== VNOVAL ||
    vap.va_gen !== VNOVAL ||
    (vap.va_uid !== VNOVAL && vap.va_uid >>> 0 !== pmp.pm_uid >>> 0) ||
    (vap.va_gid !== VNOVAL && vap.va_gid >>> 0 !== pmp.pm_gid >>> 0)
  )
    return EINVAL;
  if (vp.v_type === VDIR) return 0;
  const rdonly = (vp.v_mount!.mnt_flag & MNT_RDONLY) !== 0;
  let changed = false;
  let error: number;
  if (vap.va_size !== VNOVAL) {
    if (rdonly) return EROFS;
    if (vap.va_size < 0) return EINVAL;
    if (vap.va_size > MSDOSFS_FILESIZE_MAX) return EFBIG;
    error = detrunc(dep, vap.va_size);
    if (error !== 0) return error;
    changed = true;
  }
  if (vap.va_atime.tv_sec !== VNOVAL || vap.va_mtime.tv_sec !== VNOVAL) {
    if (rdonly) return EROFS;
    error = genfs_can_chtimes((vap.va_vaflags & VA_UTIMES_NULL) !== 0, pmp.pm_uid, cred, () =>
      msdosfs_access(vp, 0o200, cred),
    );
    if (error !== 0) return error;
    msdosfs_detimes(dep);
    const dt = pmp.pm_dostime;
    if ((pmp.pm_flags & MSDOSFSMNT_NOWIN95) === 0 && vap.va_atime.tv_sec !== VNOVAL) {
      msdosfs_unix2dostime(vap.va_atime.tv_sec, vap.va_atime.tv_nsec, pmp.pm_gmtoff, dt);
      dep.de_ADate = dt.date;
    }
    if (vap.va_mtime.tv_sec !== VNOVAL) {
      msdosfs_unix2dostime(vap.va_mtime.tv_sec, vap.va_mtime.tv_nsec, pmp.pm_gmtoff, dt);
      dep.de_MDate = dt.date;
      dep.de_MTime = dt.time;
    }
    dep.de_Attributes |= ATTR_ARCHIVE;
    dep.de_flag |= DE_MODIFIED;
    changed = true;
  }
  if (vap.va_mode !== VNOVAL) {
    if (rdonly) return EROFS;
    error = owner(pmp, cred);
    if (error !== 0) return error;
    // only the owner's write bit has a place: the read-only attribute
    if (vap.va_mode & 0o200) dep.de_Attributes &= ~ATTR_READONLY;
    else dep.de_Attributes |= ATTR_READONLY;
    dep.de_flag |= DE_MODIFIED;
    changed = true;
  }
  if (vap.va_flags !== VNOVAL) {
    if (rdonly) return EROFS;
    error = owner(pmp, cred);
    if (error !== 0) return error;
    if ((vap.va_flags & ~SF_ARCHIVED) !== 0) return EOPNOTSUPP;
    if (vap.va_flags & SF_ARCHIVED) dep.de_Attributes &= ~ATTR_ARCHIVE;
    else dep.de_Attributes |= ATTR_ARCHIVE;
    dep.de_flag |= DE_MODIFIED;
    changed = true;
  }
  return changed ? deupdat(dep, false) : 0;
}

/* ------------------------------------------------------------------------ */
/* data                                                                      */

/** VOP_OPEN */
export function msdosfs_open(_vp: Vnode, _mode: number, _cred: Kauth_cred): number {
  return 0;
}

/** VOP_CLOSE: the last, partial group of blocks a file just wrote goes out behind it. */
export function msdosfs_close(vp: Vnode, _fflag: number, _cred: Kauth_cred): number {
  const dep = vp.v_data as Denode | null;
  if (dep === null) return 0;
  msdosfs_detimes(dep);
  if (!dep.de_wrote) return 0;
  dep.de_wrote = false;
  const pmp = dep.de_pmp;
  const size = dep.de_FileSize;
  if (vp.v_type !== VREG || size <= pmp.pm_dblk || pmp.pm_ronly) return 0;
  const cnp = pmp.pm_cn;
  if (pcbmap(dep, Math.floor((size - 1) / pmp.pm_geom.bpcluster), cnp, null, 1) !== 0) return 0;
  pmp.dblk(cnp.v);
  const k = pmp.pm_db_k;
  const group = Math.max(1, Math.floor(MAXPHYS / pmp.pm_dblk));
  const first = k - (k % group);
  if (k > first) writebehind(pmp, first, k - first + 1);
  return 0;
}

/**
 * Write-behind of data blocks [k, k + n) (adjacent on disk): one gather
 * transfer when all are cached, dirty and idle, after which they leave the
 * cache (vwritebehind); nothing otherwise. A failure stays dirty for fsync.
 */
function writebehind(pmp: MsdosfsMount, k: number, n: number): void {
  pmp.dblkAt(k + n - 1);
  if (pmp.pm_db_size !== pmp.pm_dblk) n--; // the short last block of the volume: not in a cluster
  if (n < 2) return;
  pmp.dblkAt(k);
  vwritebehind(pmp.pm_devvp, pmp.pm_db_blk, pmp.pm_dblk, n);
}

/**
 * VOP_READ: file data through the device's cache in data blocks; a
 * sequential reader gets the blocks of a run of clusters contiguous on
 * disk in one transfer (breadcluster, up to MAXPHYS). The run comes from
 * the denode's chain map, never a walk from the chain's start. A chain
 * shorter than the size is EIO.
 */
export function msdosfs_read(vp: Vnode, uio: Uio, _ioflag: number, _cred: Kauth_cred): number {
  if (vp.v_type !== VREG) return vp.v_type === VDIR ? EISDIR : EINVAL;
  if (uio.uio_offset < 0) return EINVAL;
  if (uio.uio_resid === 0) return 0;
  const dep = VTODE(vp);
  const pmp = dep.de_pmp;
  const size = dep.de_FileSize;
  if (uio.uio_offset >= size) return 0;
  const bpc = pmp.pm_geom.bpcluster;
  const db = pmp.pm_dblk;
  const maxrun = Math.max(1, Math.floor(MAXPHYS / bpc));
  const maxblk = Math.max(1, Math.floor(MAXPHYS / db));
  const endfcn = Math.ceil(size / bpc);
  const cnp = pmp.pm_cn;
  const runp = pmp.pm_run;
  const bpp = pmp.pm_bpp;
  const devvp = pmp.pm_devvp;
  let error = 0;
  while (uio.uio_resid > 0 && uio.uio_offset < size) {
    const off = uio.uio_offset;
    const fcn = Math.floor(off / bpc);
    const on = off - fcn * bpc;
    const seq = fcn === dep.de_nextr || uio.uio_resid > bpc - on;
    error = pcbmap(dep, fcn, cnp, runp, seq ? Math.min(maxrun, endfcn - fcn) : 1);
    if (error !== 0) {
      if (error === E2BIG)
        error = pmp.corrupt(
          `file at cluster ${dep.de_StartCluster}: chain shorter than its size (${size})`,
        );
      break;
    }
    const cn = cnp.v;
    const run = runp.v;
    pmp.dblk(cn);
    const within = pmp.pm_db_off + on;
    let n = Math.min(pmp.pm_db_size - within, run * bpc - on, uio.uio_resid, size - off);
    // the blocks the rest of the run lies in come with this one
    let nblk = Math.min(maxblk, Math.ceil((pmp.pm_db_off + run * bpc) / db));
    const k = pmp.pm_db_k;
    const blk = pmp.pm_db_blk;
    const bsize = pmp.pm_db_size;
    if (nblk > 1) {
      pmp.dblkAt(k + nblk - 1);
      if (pmp.pm_db_size !== db) nblk--;
    }
    error =
      nblk > 1 && seq && bsize === db
        ? breadcluster(devvp, blk, db, nblk, bpp)
        : bread(devvp, blk, bsize, bpp);
    if (error !== 0) break;
    if (n <= 0) n = 0;
    uiomove(bpp.v!.b_data, within, n, uio);
    brelse(bpp.v!, 0);
    bpp.v = null;
    dep.de_nextr = Math.floor((off + n) / bpc);
  }
  if ((vp.v_mount!.mnt_flag & (MNT_NOATIME | MNT_RDONLY)) === 0) dep.de_flag |= DE_ACCESS;
  return error;
}

/**
 * VOP_WRITE: clusters for the whole write are allocated first (one
 * contiguous run after the file's last cluster when the FAT has one), then
 * filled a data block at a time: a whole block is never read, and what the
 * write leaves of a new cluster is zeroed. A write past the end first fills
 * the gap with zeros. Out of clusters part way: what fitted is written (a
 * short write), ENOSPC when nothing did. EFBIG past 4 GiB − 1. A completed
 * group of MAXPHYS bytes of blocks is written behind at once.
 */
export function msdosfs_write(vp: Vnode, uio: Uio, ioflag: number, _cred: Kauth_cred): number {
  if (vp.v_type !== VREG) return vp.v_type === VDIR ? EISDIR : EINVAL;
  if (vp.v_mount!.mnt_flag & MNT_RDONLY) return EROFS;
  const dep = VTODE(vp);
  const pmp = dep.de_pmp;
  if (ioflag & IO_APPEND) uio.uio_offset = dep.de_FileSize;
  if (uio.uio_offset < 0) return EINVAL;
  if (uio.uio_resid === 0) return 0;
  if (uio.uio_offset + uio.uio_resid > MSDOSFS_FILESIZE_MAX) return EFBIG;
  let error = 0;
  if (uio.uio_offset > dep.de_FileSize) {
    error = deextend(dep, uio.uio_offset);
    if (error !== 0) return error;
  }
  const bpc = pmp.pm_geom.bpcluster;
  const db = pmp.pm_dblk;
  const resid = uio.uio_resid;
  const end = uio.uio_offset + resid;
  const have = de_clcount(pmp, dep.de_FileSize);
  let avail = have;
  const need = de_clcount(pmp, end) - have;
  let allocerr = 0;
  if (need > 0) {
    const gotp = { v: 0 };
    allocerr = extendfile(dep, need, null, gotp);
    avail += gotp.v;
    if (allocerr !== 0 && allocerr !== ENOSPC) {
      if (gotp.v > 0) detrunc(dep, dep.de_FileSize);
      return allocerr;
    }
  }
  const limit = Math.min(end, avail * bpc);
  const group = Math.max(1, Math.floor(MAXPHYS / db));
  const maxrun = Math.max(1, Math.floor(MAXPHYS / bpc));
  const cnp = pmp.pm_cn;
  const runp = pmp.pm_run;
  const bpp = pmp.pm_bpp;
  const devvp = pmp.pm_devvp;
  while (uio.uio_resid > 0 && uio.uio_offset < limit) {
    const off = uio.uio_offset;
    const fcn = Math.floor(off / bpc);
    const on = off - fcn * bpc;
    error = pcbmap(dep, fcn, cnp, runp, Math.min(maxrun, Math.ceil((limit - off + on) / bpc)));
    if (error !== 0) {
      if (error === E2BIG)
        error = pmp.corrupt(`file at cluster ${dep.de_StartCluster}: chain shorter than its size`);
      break;
    }
    pmp.dblk(cnp.v);
    const within = pmp.pm_db_off + on;
    const bsize = pmp.pm_db_size;
    const n = Math.min(bsize - within, runp.v * bpc - on, limit - off);
    let bp: Buf | null;
    if (within === 0 && n === bsize) {
      bp = getblk(devvp, pmp.pm_db_blk, bsize);
      if (bp === null) {
        error = ENOMEM;
        break;
      }
    } else if (pmp.pm_dblkcl === 1 && fcn >= have) {
      // a cluster of this write, a block of its own: nothing to read
      bp = getblk(devvp, pmp.pm_db_blk, bsize);
      if (bp === null) {
        error = ENOMEM;
        break;
      }
    } else {
      error = bread(devvp, pmp.pm_db_blk, bsize, bpp);
      if (error !== 0) break;
      bp = bpp.v!;
      bpp.v = null;
    }
    // what the write leaves of its new clusters in this block: zeros
    if (fcn >= have && on > 0) bp.b_data.fill(0, within - on, within);
    const tail = (off + n) % bpc;
    if (tail !== 0 && Math.floor((off + n - 1) / bpc) >= have)
      bp.b_data.fill(0, within + n, within + n + (bpc - tail));
    uiomove(bp.b_data, within, n, uio);
    if (off + n > dep.de_FileSize) {
      dep.de_FileSize = off + n;
      vp.v_size = off + n;
    }
    if (ioflag & IO_SYNC) {
      const e = bwrite(bp);
      if (e !== 0) {
        error = e;
        break;
      }
    } else {
      bdwrite(bp);
      const k = pmp.pm_db_k;
      if (within + n === bsize && (k + 1) % group === 0) writebehind(pmp, k + 1 - group, group);
    }
  }
  // clusters allocated past what was written go back
  if (dep.de_nclust > de_clcount(pmp, dep.de_FileSize)) detrunc(dep, dep.de_FileSize);
  if (uio.uio_resid < resid) {
    dep.de_wrote = true;
    dep.de_flag |= DE_UPDATE;
    error = 0;
  } else if (error === 0 && allocerr !== 0) {
    error = allocerr;
  }
  if (ioflag & IO_SYNC) {
    const e = msdosfs_fsync1(dep, true);
    if (error === 0) error = e;
  }
  return error;
}

/** Write the entry, the FAT copies, FSInfo and every dirty block of the device. */
function msdosfs_fsync1(dep: Denode, sync: boolean): number {
  const pmp = dep.de_pmp;
  if (pmp.pm_ronly) return 0;
  let error = deupdat(dep, false);
  const e1 = fat_mirror(pmp, false);
  const e2 = msdosfs_fsinfo_update(pmp, false);
  const e3 = vflushbuf(pmp.pm_devvp);
  if (error === 0) error = e1 !== 0 ? e1 : e2 !== 0 ? e2 : e3;
  void sync;
  return error;
}

/** VOP_FSYNC: as msdosfs_fsync1, then the device itself. */
export function msdosfs_fsync(
  vp: Vnode,
  cred: Kauth_cred,
  flags: number,
  offlo: number,
  offhi: number,
): number {
  const dep = VTODE(vp);
  const pmp = dep.de_pmp;
  if (pmp.pm_ronly) return 0;
  const error = msdosfs_fsync1(dep, true);
  const devvp = pmp.pm_devvp;
  vn_lock(devvp, LK_EXCLUSIVE | LK_RETRY);
  const e2 = VOP_FSYNC(devvp, cred, flags, offlo, offhi);
  VOP_UNLOCK(devvp);
  return error !== 0 ? error : e2;
}

/* ------------------------------------------------------------------------ */
/* the namespace                                                             */

/** VOP_CREATE: a regular file; the owner's write bit decides the read-only attribute. */
export function msdosfs_create(dvp: Vnode, vpp: VnodeOut, cnp: ComponentName, vap: Vattr): number {
  vpp.vp = null;
  if (vap.va_type !== VREG) return EOPNOTSUPP;
  const ddep = VTODE(dvp);
  const pmp = ddep.de_pmp;
  if (dvp.v_mount!.mnt_flag & MNT_RDONLY) return EROFS;
  if (ddep.de_refcnt <= 0) return ENOENT;
  const nn: NewName = { len: 0, long: false, lcase: 0 };
  let error = msdosfs_newname(ddep, cnp.cn_nameptr, nn);
  if (error !== 0) return error;
  const mode = vap.va_mode === VNOVAL ? 0o644 : vap.va_mode;
  const t = newentry(pmp, mode & 0o200 ? ATTR_ARCHIVE : ATTR_ARCHIVE | ATTR_READONLY);
  t.de_Name = pmp.pm_dn.slice(0, 11);
  t.de_LowerCase = nn.lcase;
  const ne: NewEntry = { off: 0, dirclust: 0, diroffset: 0 };
  error = createde(t, ddep, pmp.pm_units, nn.len, nn.long, ne);
  if (error !== 0) return error;
  cache_purge(dvp);
  return vcache_get(dvp.v_mount!, de_filekey(ne.dirclust, ne.diroffset), vpp);
}

/** VOP_MKNOD: FAT has no device nodes or fifos (NetBSD: EINVAL). */
export function msdosfs_mknod(
  _dvp: Vnode,
  vpp: VnodeOut,
  _cnp: ComponentName,
  _vap: Vattr,
): number {
  vpp.vp = null;
  return EINVAL;
}

/** VOP_SYMLINK: FAT has no symbolic links. */
export function msdosfs_symlink(
  _dvp: Vnode,
  vpp: VnodeOut,
  _cnp: ComponentName,
  _vap: Vattr,
  _target: string,
): number {
  vpp.vp = null;
  return EOPNOTSUPP;
}

/** VOP_LINK: FAT has no hard links. */
export function msdosfs_link(_dvp: Vnode, _vp: Vnode, _cnp: ComponentName): number {
  return EOPNOTSUPP;
}

/**
 * VOP_MKDIR: a zeroed cluster with "." and ".." (the parent's first
 * cluster, 0 for the root as the specification wants), then the entry.
 */
export function msdosfs_mkdir(dvp: Vnode, vpp: VnodeOut, cnp: ComponentName, _vap: Vattr): number {
  vpp.vp = null;
  const ddep = VTODE(dvp);
  const pmp = ddep.de_pmp;
  if (dvp.v_mount!.mnt_flag & MNT_RDONLY) return EROFS;
  if (ddep.de_refcnt <= 0) return ENOENT;
  const nn: NewName = { len: 0, long: false, lcase: 0 };
  let error = msdosfs_newname(ddep, cnp.cn_nameptr, nn);
  if (error !== 0) return error;
  // the 8.3 name and units stay in pm_dn/pm_units: nothing below converts names
  const cnp2 = { v: 0 };
  const gotp = { v: 0 };
  error = clusteralloc(pmp, pmp.pm_nxtfree, 1, cnp2, gotp);
  if (error !== 0) return error;
  const cn = cnp2.v;
  const t = newentry(pmp, ATTR_DIRECTORY);
  t.de_StartCluster = cn;
  t.de_Name = pmp.pm_dn.slice(0, 11);
  t.de_LowerCase = nn.lcase;
  // "." and ".." in the new cluster, zeroed
  error = clearcluster(pmp, cn);
  const bpp = pmp.pm_bpp;
  const offp = { v: 0 };
  if (error === 0) error = readep(pmp, cn, 0, bpp, offp);
  if (error !== 0) {
    freeclusterchain(pmp, cn);
    return error;
  }
  const bp = bpp.v!;
  bpp.v = null;
  const b = bp.b_data;
  const o0 = offp.v;
  const dot = new Denode(pmp, null);
  dot.de_Attributes = ATTR_DIRECTORY;
  dot.de_CDate = t.de_CDate;
  dot.de_CTime = t.de_CTime;
  dot.de_CHun = t.de_CHun;
  dot.de_ADate = t.de_ADate;
  dot.de_MDate = t.de_MDate;
  dot.de_MTime = t.de_MTime;
  dot.de_Name = new Uint8Array(11).fill(0x20);
  dot.de_Name[0] = 0x2e;
  dot.de_StartCluster = cn;
  de_externalize(dot, b, o0);
  dot.de_Name[1] = 0x2e;
  const up = ddep.isroot ? 0 : ddep.de_StartCluster;
  dot.de_StartCluster = up;
  de_externalize(dot, b, o0 + DIRENT_SIZE);
  bdwrite(bp);
  const ne: NewEntry = { off: 0, dirclust: 0, diroffset: 0 };
  error = createde(t, ddep, pmp.pm_units, nn.len, nn.long, ne);
  if (error !== 0) {
    freeclusterchain(pmp, cn);
    return error;
  }
  cache_purge(dvp);
  return vcache_get(dvp.v_mount!, msdosfs_dirkey(pmp, cn), vpp);
}

/** VOP_REMOVE: dvp and vp locked on entry, both put on return. */
export function msdosfs_remove(dvp: Vnode, vp: Vnode, cnp: ComponentName): number {
  const error = msdosfs_remove1(dvp, vp, cnp);
  vput(vp);
  if (dvp === vp) vrele(dvp);
  else vput(dvp);
  return error;
}

function msdosfs_remove1(dvp: Vnode, vp: Vnode, cnp: ComponentName): number {
  if (vp.v_type === VDIR) return EPERM;
  if (dvp.v_mount!.mnt_flag & MNT_RDONLY) return EROFS;
  const ddep = VTODE(dvp);
  const dep = VTODE(vp);
  const s = ddep.de_pmp.pm_scan;
  let error = msdosfs_findent(ddep, cnp, vp, s);
  if (error !== 0) return error;
  error = removede(ddep, s.off);
  if (error !== 0) return error;
  msdosfs_orphan(vp);
  dep.de_flag &= ~DE_MODIFIED;
  cache_purge(dvp);
  return 0;
}

/** VOP_RMDIR: dvp and vp locked on entry, both put on return. */
export function msdosfs_rmdir(dvp: Vnode, vp: Vnode, cnp: ComponentName): number {
  const error = msdosfs_rmdir1(dvp, vp, cnp);
  if (dvp === vp) {
    vrele(dvp);
    vput(vp);
  } else {
    vput(dvp);
    vput(vp);
  }
  return error;
}

function msdosfs_rmdir1(dvp: Vnode, vp: Vnode, cnp: ComponentName): number {
  if (dvp === vp) return EINVAL;
  if (vp.v_type !== VDIR) return ENOTDIR;
  if (dvp.v_mount!.mnt_flag & MNT_RDONLY) return EROFS;
  if (vp.v_vflag & VV_ROOT) return EBUSY;
  if (vp.v_mountedhere !== null) return EBUSY;
  const ddep = VTODE(dvp);
  const dep = VTODE(vp);
  const empty = { v: false };
  let error = dosdirempty(dep, empty);
  if (error !== 0) return error;
  if (!empty.v) return ENOTEMPTY;
  const s = ddep.de_pmp.pm_scan;
  error = msdosfs_findent(ddep, cnp, vp, s);
  if (error !== 0) return error;
  error = removede(ddep, s.off);
  if (error !== 0) return error;
  msdosfs_orphan(vp);
  msdosfs_index_free(dep);
  cache_purge(dvp);
  cache_purge(vp);
  // its clusters go now (NetBSD truncates at once)
  const scn = dep.de_StartCluster;
  dep.de_StartCluster = 0;
  dep.de_FileSize = 0;
  vp.v_size = 0;
  dep.unmap();
  return scn !== 0 ? freeclusterchain(dep.de_pmp, scn) : 0;
}

/** VOP_READLINK: there are no links. */
export function msdosfs_readlink(_vp: Vnode, _uio: Uio, _cred: Kauth_cred): number {
  return EINVAL;
}

/** VOP_PATHCONF */
export function msdosfs_pathconf(vp: Vnode, name: number, retval: Out<number>): number {
  const pmp = VTODE(vp).de_pmp;
  switch (name) {
    case _PC_LINK_MAX:
      retval.v = 1;
      return 0;
    case _PC_NAME_MAX:
      retval.v = pmp.pm_flags & MSDOSFSMNT_LONGNAME ? 255 : 12;
      return 0;
    case _PC_PATH_MAX:
      retval.v = MSDOSFS_MAXPATHLEN;
      return 0;
    case _PC_PIPE_BUF:
      retval.v = PIPE_BUF;
      return 0;
    case _PC_CHOWN_RESTRICTED:
    case _PC_SYNC_IO:
      retval.v = 1;
      return 0;
    case _PC_NO_TRUNC:
      retval.v = 0;
      return 0;
    case _PC_FILESIZEBITS:
      retval.v = 32;
      return 0;
    default:
      return EINVAL;
  }
}

/** VOP_ADVLOCK */
export function msdosfs_advlock(
  vp: Vnode,
  id: unknown,
  op: number,
  fl: Flock,
  flags: number,
): number {
  return lf_advlock(vp, id as object, op, fl, flags, vp.v_size);
}

/**
 * VOP_INACTIVE: entered locked, leaves unlocked. A file without a name
 * gives its clusters back and is recycled; else a changed entry is written.
 */
export function msdosfs_inactive(vp: Vnode, recycle: Out<boolean>): number {
  const dep = vp.v_data as Denode | null;
  recycle.v = false;
  if (dep !== null) {
    const pmp = dep.de_pmp;
    if (dep.de_refcnt <= 0) {
      if (!pmp.pm_ronly && dep.de_StartCluster !== 0 && !dep.isdir) {
        const scn = dep.de_StartCluster;
        dep.de_StartCluster = 0;
        dep.de_FileSize = 0;
        vp.v_size = 0;
        dep.unmap();
        freeclusterchain(pmp, scn);
      }
      recycle.v = true;
    } else if (dep.de_flag !== 0) {
      deupdat(dep, false);
    }
  }
  genfs_unlock(vp);
  return 0;
}

/** VOP_RECLAIM: write a changed entry back, forget the denode. */
export function msdosfs_reclaim(vp: Vnode): number {
  const dep = vp.v_data as Denode | null;
  if (dep !== null) {
    if (dep.de_refcnt > 0 && dep.de_flag !== 0) deupdat(dep, false);
    msdosfs_index_free(dep);
    dep.de_vnode = null;
  }
  vp.v_data = null;
  return 0;
}

/** VOP_REVOKE */
export function msdosfs_revoke(vp: Vnode, _flags: number): number {
  vgone(vp);
  return 0;
}

/** The vnode operations of msdosfs (one table for files and directories). */
export const msdosfs_vnodeop_entries: readonly VnodeOpvEntry[] = [
  [vop_default_desc, vn_default_error],
  [vop_bwrite_desc, genfs_eopnotsupp],
  [vop_lookup_desc, msdosfs_lookup],
  [vop_create_desc, msdosfs_create],
  [vop_mknod_desc, msdosfs_mknod],
  [vop_open_desc, msdosfs_open],
  [vop_close_desc, msdosfs_close],
  [vop_access_desc, msdosfs_access],
  [vop_getattr_desc, msdosfs_getattr],
  [vop_setattr_desc, msdosfs_setattr],
  [vop_read_desc, msdosfs_read],
  [vop_write_desc, msdosfs_write],
  [vop_fallocate_desc, genfs_eopnotsupp],
  [vop_fdiscard_desc, genfs_eopnotsupp],
  [vop_ioctl_desc, genfs_enoioctl],
  [vop_fcntl_desc, genfs_eopnotsupp],
  [vop_poll_desc, genfs_poll],
  [vop_kqfilter_desc, genfs_eopnotsupp],
  [vop_revoke_desc, msdosfs_revoke],
  [vop_mmap_desc, genfs_eopnotsupp],
  [vop_fsync_desc, msdosfs_fsync],
  [vop_seek_desc, genfs_seek],
  [vop_remove_desc, msdosfs_remove],
  [vop_link_desc, msdosfs_link],
  [vop_rename_desc, msdosfs_rename],
  [vop_mkdir_desc, msdosfs_mkdir],
  [vop_rmdir_desc, msdosfs_rmdir],
  [vop_symlink_desc, msdosfs_symlink],
  [vop_readdir_desc, msdosfs_readdir],
  [vop_readlink_desc, msdosfs_readlink],
  [vop_abortop_desc, genfs_abortop],
  [vop_inactive_desc, msdosfs_inactive],
  [vop_reclaim_desc, msdosfs_reclaim],
  [vop_lock_desc, genfs_lock],
  [vop_unlock_desc, genfs_unlock],
  [vop_bmap_desc, genfs_eopnotsupp],
  [vop_strategy_desc, genfs_eopnotsupp],
  [vop_print_desc, genfs_nullop],
  [vop_islocked_desc, genfs_islocked],
  [vop_pathconf_desc, msdosfs_pathconf],
  [vop_advlock_desc, msdosfs_advlock],
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
