/**
 * FFS vnode operations (ffs_vnops.c): read, write and fsync are FFS's own;
 * everything else comes from ufs_vnops. Three tables, as NetBSD has:
 * regular nodes, device nodes (specfs + ufs node ops), fifos (fifofs + ufs).
 */
import {
  EFBIG,
  EINVAL,
  EISDIR,
  EPERM,
  EROFS,
  MNT_NOATIME,
  MNT_RDONLY,
} from "../../gen/constants.js";
import { VOP_FSYNC, VOP_UNLOCK } from "../../gen/vnode_if.js";
import { IO_APPEND, IO_DIRECT, IO_SYNC } from "../../kern/vfs_vnops.js";
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
  bdwrite,
  bread,
  breadcluster,
  brelse,
  bwrite,
  MAXPHYS,
  vflushbuf,
  vwritebehind,
} from "../../kern/vfs_bio.js";
import { vn_lock } from "../../kern/vfs_vnode.js";
import { fifo_vnodeop_entries } from "../../miscfs/fifofs/fifo_vnops.js";
import {
  genfs_abortop,
  genfs_enoioctl,
  genfs_eopnotsupp,
  genfs_nullop,
  genfs_poll,
  genfs_seek,
  genfs_write_clear_suid,
  vn_default_error,
  genfs_islocked,
  genfs_lock,
  genfs_unlock,
} from "../../miscfs/genfs/genfs_vnops.js";
import { genfs_directread } from "../../miscfs/genfs/genfs_io.js";
import { spec_vnodeop_entries } from "../../miscfs/specfs/spec_vnops.js";
import { BC_NOCACHE } from "../../sys/buf.js";
import type { Kauth_cred } from "../../sys/kauth.js";
import type { VnodeOpvEntry } from "../../sys/mount.js";
import { uiomove, uiozero, type Uio } from "../../sys/uio.js";
import { LK_EXCLUSIVE, LK_RETRY, VDIR, VLNK, VREG, type Vnode } from "../../sys/vnode.js";
import { IFMT } from "../ufs/dinode.js";
import {
  APPEND,
  IMMUTABLE,
  IN_ACCESS,
  IN_CHANGE,
  IN_UPDATE,
  VTOI,
  type Inode,
  ufs_access,
} from "../ufs/inode.js";
import { ffs_balloc } from "./ffs_balloc.js";
import { ffs_update } from "./ffs_inode.js";
import { ufs_bmap } from "../ufs/ufs_bmap.js";
import { ufs_lookup } from "../ufs/ufs_lookup.js";
import {
  ufs_advlock,
  ufs_close,
  ufs_create,
  ufs_getattr,
  ufs_inactive,
  ufs_link,
  ufs_mkdir,
  ufs_mknod,
  ufs_open,
  ufs_pathconf,
  ufs_readdir,
  ufs_readlink,
  ufs_reclaim,
  ufs_remove,
  ufs_revoke,
  ufs_rmdir,
  ufs_setattr,
  ufs_symlink,
} from "../ufs/ufs_vnops.js";
import { ufs_rename } from "../ufs/ufs_rename.js";
import { fsbtodb, sblksize } from "./fs.js";

/** Longest run of blocks looked up (and read as one cluster) at a time. */
const MAXRUN = 64;

/**
 * VOP_READ: file data through the device's buffer cache, a block at a
 * time; holes read as zeros. A sequential reader (or one read spanning
 * blocks) gets the blocks that follow contiguously on disk in the same
 * transfer (breadcluster, up to MAXPHYS). The run of contiguous blocks is
 * looked up once per run, not per block. Directories and links may be read
 * too (the kernel does for long symlinks); directories answer EISDIR to
 * callers other than the kernel itself only through vn_read.
 */
export function ffs_read(vp: Vnode, uio: Uio, ioflag: number, _cred: Kauth_cred): number {
  const type = vp.v_type;
  if (type !== VREG && type !== VLNK) return type === VDIR ? EISDIR : EINVAL;
  if (uio.uio_offset < 0) return EINVAL;
  if (uio.uio_resid === 0) return 0;
  const ip = VTOI(vp);
  const ump = ip.i_ump;
  const fs = ump.um_fs;
  const size = ip.i_din.di_size;
  if (uio.uio_offset >= size) return 0;
  if (uio.uio_offset > ump.um_maxfilesize) return EFBIG;
  const bsize = fs.fs_bsize;
  const frag = fs.fs_frag;
  const bnp = ump.um_bn;
  const nbn = { v: 0 };
  const bpp = ump.um_bpp;
  const devvp = ump.um_devvp;
  const endlbn = Math.ceil(size / bsize);
  let error = 0;
  while (uio.uio_resid > 0 && uio.uio_offset < size) {
    const off = uio.uio_offset;
    const lbn = Math.floor(off / bsize);
    const on = off - lbn * bsize;
    const bsz = sblksize(fs, size, lbn);
    let n = bsz - on;
    if (n > uio.uio_resid) n = uio.uio_resid;
    if (n > size - off) n = size - off;
    // sequential: this block follows the last one read, or this read goes on past it
    const seq = lbn === ip.i_nextr || uio.uio_resid > n;
    let bn: number;
    if (lbn >= ip.i_runlbn && lbn < ip.i_runlbn + ip.i_runlen) {
      bn = ip.i_runbn === 0 ? 0 : ip.i_runbn + (lbn - ip.i_runlbn) * frag;
    } else {
      error = ufs_bmap(ip, lbn, bnp);
      if (error !== 0) break;
      bn = bnp.v;
      let len = 1;
      // a sequential reader: extend over the full-size blocks that follow contiguously
      if (seq && bn !== 0 && bsz === bsize) {
        const last = Math.min(endlbn, lbn + MAXRUN);
        for (let l = lbn + 1; l < last; l++) {
          if (sblksize(fs, size, l) !== bsize) break;
          if (ufs_bmap(ip, l, nbn) !== 0 || nbn.v !== bn + (l - lbn) * frag) break;
          len++;
        }
      }
      ip.i_runlbn = lbn;
      ip.i_runbn = bn;
      ip.i_runlen = len;
    }
    if (bn === 0) {
      uiozero(n, uio);
      continue;
    }
    const ahead = ip.i_runlbn + ip.i_runlen - lbn;
    if (ioflag & IO_DIRECT && on === 0 && n === bsize) {
      // O_DIRECT: whole blocks the cache does not hold go straight into the caller's
      // buffer (the run holds full-size blocks only; none past the file's end)
      const most = Math.min(ahead, Math.floor((size - off) / bsize));
      const got = genfs_directread(uio, devvp, fsbtodb(fs, bn), bsize, most);
      if (got < 0) {
        error = -got;
        break;
      }
      if (got > 0) {
        ip.i_nextr = lbn + got;
        continue;
      }
    }
    if (ahead > 1 && seq) error = breadcluster(devvp, fsbtodb(fs, bn), bsz, ahead, bpp);
    else error = bread(devvp, fsbtodb(fs, bn), bsz, bpp);
    if (error !== 0) break;
    ip.i_nextr = lbn + 1;
    const bp = bpp.v!;
    uiomove(bp.b_data, on, n, uio);
    // O_DIRECT's partial blocks are not kept once read to their end (or the file's)
    const done = on + n === bsz || off + n === size;
    brelse(bp, ioflag & IO_DIRECT && done ? BC_NOCACHE : 0);
  }
  const mp = vp.v_mount!;
  if ((mp.mnt_flag & (MNT_NOATIME | MNT_RDONLY)) === 0) ip.i_flag |= IN_ACCESS;
  return error;
}

/**
 * VOP_WRITE: a block at a time through ffs_balloc and the device's buffer
 * cache (write-behind; IO_SYNC writes through). IO_APPEND writes at the
 * end; EFBIG beyond the largest file; non-root writers clear setuid/setgid.
 */
export function ffs_write(vp: Vnode, uio: Uio, ioflag: number, cred: Kauth_cred): number {
  const type = vp.v_type;
  if (type !== VREG && type !== VLNK) return type === VDIR ? EISDIR : EINVAL;
  const mp = vp.v_mount!;
  if (mp.mnt_flag & MNT_RDONLY) return EROFS;
  const ip = VTOI(vp);
  const din = ip.i_din;
  if (din.di_flags & IMMUTABLE) return EPERM;
  if (din.di_flags & APPEND && (ioflag & IO_APPEND) === 0) return EPERM;
  if (ioflag & IO_APPEND) uio.uio_offset = din.di_size;
  if (uio.uio_offset < 0) return EINVAL;
  if (uio.uio_resid === 0) return 0;
  const ump = ip.i_ump;
  const fs = ump.um_fs;
  if (uio.uio_offset + uio.uio_resid > ump.um_maxfilesize) return EFBIG;
  const bsize = fs.fs_bsize;
  const bpp = ump.um_wbpp;
  const resid = uio.uio_resid;
  const clblocks = Math.floor(MAXPHYS / bsize);
  ip.i_runlen = 0; // ffs_balloc may change the block map
  let error = 0;
  while (uio.uio_resid > 0) {
    const off = uio.uio_offset;
    const on = off % bsize;
    let n = bsize - on;
    if (n > uio.uio_resid) n = uio.uio_resid;
    error = ffs_balloc(ip, off, n, cred, bpp);
    if (error !== 0) break;
    const bp = bpp.v!;
    bpp.v = null;
    uiomove(bp.b_data, on, n, uio);
    if (off + n > din.di_size) {
      din.di_size = off + n;
      vp.v_size = off + n;
    }
    if (ioflag & IO_SYNC) {
      bwrite(bp);
    } else {
      bdwrite(bp);
      // a full cluster of blocks written in order: write it behind now
      const lbn = Math.floor(off / bsize);
      if (on + n === bsize && (lbn + 1) % clblocks === 0 && lbn + 1 >= clblocks)
        ffs_writebehind(ip, lbn + 1 - clblocks, clblocks);
    }
  }
  if (uio.uio_resid < resid) {
    din.di_mode = (din.di_mode & IFMT) | genfs_write_clear_suid(din.di_mode & ~IFMT, cred);
    ip.i_flag |= IN_CHANGE | IN_UPDATE;
    error = 0;
  }
  if (ioflag & IO_SYNC) {
    const e = ffs_update(ip);
    const e2 = vflushbuf(ump.um_devvp);
    if (error === 0) error = e !== 0 ? e : e2;
  }
  return error;
}

/**
 * Write-behind of logical blocks [lbn, lbn + n) of `ip` when they lie
 * contiguously on disk (vwritebehind: one transfer, then out of the cache).
 * A failure is not the writer's: the blocks stay dirty for fsync to report.
 */
function ffs_writebehind(ip: Inode, lbn: number, n: number): void {
  const ump = ip.i_ump;
  const fs = ump.um_fs;
  const first = ump.um_bn;
  if (ufs_bmap(ip, lbn, first) !== 0 || first.v === 0) return;
  const b0 = first.v;
  if (ufs_bmap(ip, lbn + n - 1, first) !== 0 || first.v !== b0 + (n - 1) * fs.fs_frag) return;
  vwritebehind(ump.um_devvp, fsbtodb(fs, b0), fs.fs_bsize, n);
}

/** VOP_FSYNC: the inode, every dirty block of the device, then the device itself. */
export function ffs_fsync(
  vp: Vnode,
  cred: Kauth_cred,
  flags: number,
  offlo: number,
  offhi: number,
): number {
  const ip = VTOI(vp);
  const ump = ip.i_ump;
  if (ump.um_ronly) return 0;
  let error = ffs_update(ip);
  const e = vflushbuf(ump.um_devvp);
  if (error === 0) error = e;
  const devvp = ump.um_devvp;
  vn_lock(devvp, LK_EXCLUSIVE | LK_RETRY);
  const e2 = VOP_FSYNC(devvp, cred, flags, offlo, offhi);
  VOP_UNLOCK(devvp);
  return error !== 0 ? error : e2;
}

/** Regular files, directories, symlinks and sockets. */
export const ffs_vnodeop_entries: readonly VnodeOpvEntry[] = [
  [vop_default_desc, vn_default_error],
  [vop_bwrite_desc, genfs_eopnotsupp],
  [vop_lookup_desc, ufs_lookup],
  [vop_create_desc, ufs_create],
  [vop_mknod_desc, ufs_mknod],
  [vop_open_desc, ufs_open],
  [vop_close_desc, ufs_close],
  [vop_access_desc, ufs_access],
  [vop_getattr_desc, ufs_getattr],
  [vop_setattr_desc, ufs_setattr],
  [vop_read_desc, ffs_read],
  [vop_write_desc, ffs_write],
  [vop_fallocate_desc, genfs_eopnotsupp],
  [vop_fdiscard_desc, genfs_eopnotsupp],
  [vop_ioctl_desc, genfs_enoioctl],
  [vop_fcntl_desc, genfs_eopnotsupp],
  [vop_poll_desc, genfs_poll],
  [vop_kqfilter_desc, genfs_eopnotsupp],
  [vop_revoke_desc, ufs_revoke],
  [vop_mmap_desc, genfs_eopnotsupp],
  [vop_fsync_desc, ffs_fsync],
  [vop_seek_desc, genfs_seek],
  [vop_remove_desc, ufs_remove],
  [vop_link_desc, ufs_link],
  [vop_rename_desc, ufs_rename],
  [vop_mkdir_desc, ufs_mkdir],
  [vop_rmdir_desc, ufs_rmdir],
  [vop_symlink_desc, ufs_symlink],
  [vop_readdir_desc, ufs_readdir],
  [vop_readlink_desc, ufs_readlink],
  [vop_abortop_desc, genfs_abortop],
  [vop_inactive_desc, ufs_inactive],
  [vop_reclaim_desc, ufs_reclaim],
  [vop_lock_desc, genfs_lock],
  [vop_unlock_desc, genfs_unlock],
  [vop_bmap_desc, genfs_eopnotsupp],
  [vop_strategy_desc, genfs_eopnotsupp],
  [vop_print_desc, genfs_nullop],
  [vop_islocked_desc, genfs_islocked],
  [vop_pathconf_desc, ufs_pathconf],
  [vop_advlock_desc, ufs_advlock],
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

/** What an FFS inode supplies on top of specfs or fifofs. */
const ffs_node_entries = [
  [vop_access_desc, ufs_access],
  [vop_getattr_desc, ufs_getattr],
  [vop_setattr_desc, ufs_setattr],
  [vop_inactive_desc, ufs_inactive],
  [vop_reclaim_desc, ufs_reclaim],
  [vop_lock_desc, genfs_lock],
  [vop_unlock_desc, genfs_unlock],
  [vop_islocked_desc, genfs_islocked],
] as unknown as readonly VnodeOpvEntry[];

/** Device nodes: specfs for the device, ufs for the inode. */
export const ffs_specop_entries: readonly VnodeOpvEntry[] = [
  [vop_default_desc, vn_default_error] as unknown as VnodeOpvEntry,
  ...spec_vnodeop_entries,
  ...ffs_node_entries,
];

/** Fifos: fifofs for the data path, ufs for the inode. */
export const ffs_fifoop_entries: readonly VnodeOpvEntry[] = [
  [vop_default_desc, vn_default_error] as unknown as VnodeOpvEntry,
  ...fifo_vnodeop_entries,
  ...ffs_node_entries,
];
