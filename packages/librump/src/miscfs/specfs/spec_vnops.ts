/**
 * specfs: device special files. Whatever file system holds the device node
 * supplies its attributes; open/read/write/ioctl go to the driver found by
 * v_rdev in the kernel's device switch.
 */
import { ENOTDIR, ENXIO } from "../../gen/constants.js";
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
import type { Kernel } from "../../rump/kernel.js";
import type { Kauth_cred } from "../../sys/kauth.js";
import type { VnodeOpvEntry } from "../../sys/mount.js";
import type { Uio } from "../../sys/uio.js";
import { VCHR, type Vnode, type VnodeOut } from "../../sys/vnode.js";
import { genfs_islocked, genfs_lock, genfs_unlock } from "../../kern/vfs_vnode.js";
import {
  genfs_abortop,
  genfs_eopnotsupp,
  genfs_nullop,
  genfs_poll,
  vn_default_error,
} from "../genfs/genfs_vnops.js";
import { specfs_pathconf } from "./spec_pathconf.js";

function kernelOf(vp: Vnode): Kernel {
  return vp.v_mount!.mnt_kernel as Kernel;
}

export function spec_lookup(_dvp: Vnode, vpp: VnodeOut): number {
  vpp.vp = null;
  return ENOTDIR;
}

export function spec_open(vp: Vnode, mode: number, cred: Kauth_cred): number {
  if (vp.v_type !== VCHR) return ENXIO; // block devices: disks, in the FFS issue
  const sw = kernelOf(vp).devsw.cdev(vp.v_rdev);
  if (sw === null) return ENXIO;
  return sw.d_open(vp.v_rdev, mode, cred);
}

export function spec_close(vp: Vnode, fflag: number): number {
  if (vp.v_type !== VCHR) return 0;
  const sw = kernelOf(vp).devsw.cdev(vp.v_rdev);
  return sw === null ? 0 : sw.d_close(vp.v_rdev, fflag);
}

export function spec_read(vp: Vnode, uio: Uio, ioflag: number): number {
  const sw = vp.v_type === VCHR ? kernelOf(vp).devsw.cdev(vp.v_rdev) : null;
  if (sw === null) return ENXIO;
  return sw.d_read(vp.v_rdev, uio, ioflag);
}

export function spec_write(vp: Vnode, uio: Uio, ioflag: number): number {
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
  [vop_fsync_desc, genfs_nullop],
  [vop_seek_desc, genfs_nullop],
  [vop_abortop_desc, genfs_abortop],
  [vop_lock_desc, genfs_lock],
  [vop_unlock_desc, genfs_unlock],
  [vop_islocked_desc, genfs_islocked],
  [vop_bmap_desc, genfs_eopnotsupp],
  [vop_strategy_desc, genfs_eopnotsupp],
  [vop_print_desc, genfs_nullop],
  [vop_pathconf_desc, specfs_pathconf],
  [vop_advlock_desc, genfs_eopnotsupp],
  [vop_bwrite_desc, genfs_eopnotsupp],
  [vop_getpages_desc, genfs_eopnotsupp],
  [vop_putpages_desc, genfs_nullop],
] as unknown as readonly VnodeOpvEntry[];
