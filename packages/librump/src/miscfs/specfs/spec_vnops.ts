/**
 * specfs: device special files. Whatever file system holds the device node
 * supplies its attributes; open/read/write/ioctl go to the driver found by
 * v_rdev in the kernel's device switch.
 */
import { EINVAL, ENOMEM, ENOTDIR, ENXIO } from "../../gen/constants.js";
import {
  vop_advlock_desc,
  vop_close_desc,
  vop_default_desc,
  vop_fsync_desc,
  vop_ioctl_desc,
  vop_islocked_desc,
  vop_lock_desc,
  vop_lookup_desc,
  vop_open_desc,
  vop_pathconf_desc,
  vop_poll_desc,
  vop_read_desc,
  vop_seek_desc,
  vop_unlock_desc,
  vop_write_desc,
  vop_abortop_desc,
  vop_bwrite_desc,
  vop_strategy_desc,
  vop_bmap_desc,
  vop_print_desc,
  vop_mmap_desc,
  vop_kqfilter_desc,
  vop_revoke_desc,
  vop_getpages_desc,
  vop_putpages_desc,
} from "../../gen/vnode_if.js";
import type { Kernel } from "../../kern/kernel.js";
import type { Kauth_cred } from "../../sys/kauth.js";
import type { VnodeOpvEntry } from "../../sys/mount.js";
import type { Uio } from "../../sys/uio.js";
import { VBLK, VCHR, type Vnode, type VnodeOut } from "../../sys/vnode.js";
import type { Buf } from "../../sys/buf.js";
import { major, RUMPBLK_MAJOR } from "../../dev/devsw.js";
import { bdwrite, bread, brelse, getblk, vflushbuf } from "../../kern/vfs_bio.js";
import { uiomove } from "../../sys/uio.js";
import {
  genfs_abortop,
  genfs_eopnotsupp,
  genfs_nullop,
  genfs_poll,
  vn_default_error,
  genfs_islocked,
  genfs_lock,
  genfs_unlock,
} from "../genfs/genfs_vnops.js";
import { specfs_pathconf } from "./spec_pathconf.js";

function kernelOf(vp: Vnode): Kernel {
  return vp.v_mount!.mnt_kernel as Kernel;
}

export function spec_lookup(_dvp: Vnode, vpp: VnodeOut): number {
  vpp.vp = null;
  return ENOTDIR;
}

/** Block devices: the one block driver is rumpblk (major 197). */
function isRumpblk(vp: Vnode): boolean {
  return vp.v_type === VBLK && major(vp.v_rdev) === RUMPBLK_MAJOR;
}

export function spec_open(vp: Vnode, mode: number, cred: Kauth_cred): number {
  if (vp.v_type === VBLK) {
    if (!isRumpblk(vp)) return ENXIO;
    return kernelOf(vp).rumpblk.open(vp.v_rdev, mode);
  }
  if (vp.v_type !== VCHR) return ENXIO;
  const sw = kernelOf(vp).devsw.cdev(vp.v_rdev);
  if (sw === null) return ENXIO;
  return sw.d_open(vp.v_rdev, mode, cred);
}

export function spec_close(vp: Vnode, fflag: number): number {
  if (vp.v_type === VBLK) {
    if (!isRumpblk(vp)) return 0;
    // the last close of a disk writes its delayed blocks first
    vflushbuf(vp);
    return kernelOf(vp).rumpblk.close(vp.v_rdev);
  }
  if (vp.v_type !== VCHR) return 0;
  const sw = kernelOf(vp).devsw.cdev(vp.v_rdev);
  return sw === null ? 0 : sw.d_close(vp.v_rdev, fflag);
}

/** VOP_STRATEGY of a block device: hand the buffer to its driver. */
export function spec_strategy(vp: Vnode, bp: Buf): number {
  if (!isRumpblk(vp)) {
    bp.b_error = ENXIO;
    return ENXIO;
  }
  kernelOf(vp).rumpblk.strategy(vp.v_rdev, bp, false);
  return bp.b_error;
}

/** VOP_FSYNC of a block device: write its delayed blocks, then sync the host. */
export function spec_fsync(vp: Vnode): number {
  if (!isRumpblk(vp)) return 0;
  const error = vflushbuf(vp);
  if (error !== 0) return error;
  return kernelOf(vp).rumpblk.sync(vp.v_rdev);
}

/** Block size of buffered I/O on a block device (BLKDEV_IOSIZE-like). */
const BLKDEV_IOSIZE = 4096;

/** read(2)/write(2) on a block device go through the buffer cache. */
function blkrw(vp: Vnode, uio: Uio, write: boolean): number {
  const size = kernelOf(vp).rumpblk.mediasize(vp.v_rdev);
  if (size < 0) return ENXIO;
  if (uio.uio_offset < 0) return EINVAL;
  const bpp = { v: null as Buf | null };
  while (uio.uio_resid > 0 && uio.uio_offset < size) {
    const bn = Math.floor(uio.uio_offset / BLKDEV_IOSIZE) * (BLKDEV_IOSIZE / 512);
    const on = uio.uio_offset % BLKDEV_IOSIZE;
    const bsize = Math.min(BLKDEV_IOSIZE, size - bn * 512);
    const n = Math.min(bsize - on, uio.uio_resid);
    if (n <= 0) break;
    let error: number;
    if (write && on === 0 && n === bsize) {
      const bp = getblk(vp, bn, bsize);
      if (bp === null) return ENOMEM;
      bpp.v = bp;
      error = 0;
    } else {
      error = bread(vp, bn, bsize, bpp);
    }
    if (error !== 0) return error;
    const bp = bpp.v!;
    uiomove(bp.b_data, on, n, uio);
    if (write) bdwrite(bp);
    else brelse(bp, 0);
  }
  return 0;
}

export function spec_read(vp: Vnode, uio: Uio, ioflag: number): number {
  if (isRumpblk(vp)) return blkrw(vp, uio, false);
  const sw = vp.v_type === VCHR ? kernelOf(vp).devsw.cdev(vp.v_rdev) : null;
  if (sw === null) return ENXIO;
  return sw.d_read(vp.v_rdev, uio, ioflag);
}

export function spec_write(vp: Vnode, uio: Uio, ioflag: number): number {
  if (isRumpblk(vp)) return blkrw(vp, uio, true);
  const sw = vp.v_type === VCHR ? kernelOf(vp).devsw.cdev(vp.v_rdev) : null;
  if (sw === null) return ENXIO;
  return sw.d_write(vp.v_rdev, uio, ioflag);
}

export function spec_ioctl(vp: Vnode, command: number, data: unknown, fflag: number): number {
  const sw = vp.v_type === VCHR ? kernelOf(vp).devsw.cdev(vp.v_rdev) : null;
  if (sw === null) return ENXIO;
  return sw.d_ioctl(vp.v_rdev, command, data, fflag);
}

/** The specfs part of a device vnode's vector; file systems add their own
 * getattr/setattr/access/inactive/reclaim after these entries. */
export const spec_vnodeop_entries: readonly VnodeOpvEntry[] = [
  [vop_default_desc, vn_default_error],
  [vop_lookup_desc, spec_lookup],
  [vop_open_desc, spec_open],
  [vop_close_desc, spec_close],
  [vop_read_desc, spec_read],
  [vop_write_desc, spec_write],
  [vop_ioctl_desc, spec_ioctl],
  [vop_poll_desc, genfs_poll],
  [vop_kqfilter_desc, genfs_eopnotsupp],
  [vop_revoke_desc, genfs_eopnotsupp],
  [vop_mmap_desc, genfs_eopnotsupp],
  [vop_fsync_desc, spec_fsync],
  [vop_seek_desc, genfs_nullop],
  [vop_abortop_desc, genfs_abortop],
  [vop_lock_desc, genfs_lock],
  [vop_unlock_desc, genfs_unlock],
  [vop_islocked_desc, genfs_islocked],
  [vop_bmap_desc, genfs_eopnotsupp],
  [vop_strategy_desc, spec_strategy],
  [vop_print_desc, genfs_nullop],
  [vop_pathconf_desc, specfs_pathconf],
  [vop_advlock_desc, genfs_eopnotsupp],
  [vop_bwrite_desc, genfs_eopnotsupp],
  [vop_getpages_desc, genfs_eopnotsupp],
  [vop_putpages_desc, genfs_nullop],
] as unknown as readonly VnodeOpvEntry[];
