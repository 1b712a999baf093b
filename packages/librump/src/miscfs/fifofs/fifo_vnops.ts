/**
 * fifofs: named pipes. The node lives in some file system (which supplies
 * attributes); the data path is a PipeBuf shared by every opener.
 *
 * Opening one end blocks in NetBSD until the other end is opened. A
 * synchronous call cannot be woken, so a blocking open with no partner is
 * EDEADLK; with O_NONBLOCK a reader opens at once and a writer gets ENXIO,
 * as POSIX says.
 */
import { EDEADLK, ENXIO, ENOTDIR, ESPIPE, O_NONBLOCK } from "../../gen/constants.js";
import {
  vop_abortop_desc,
  vop_advlock_desc,
  vop_bmap_desc,
  vop_close_desc,
  vop_default_desc,
  vop_fsync_desc,
  vop_ioctl_desc,
  vop_islocked_desc,
  vop_kqfilter_desc,
  vop_lock_desc,
  vop_lookup_desc,
  vop_open_desc,
  vop_pathconf_desc,
  vop_poll_desc,
  vop_print_desc,
  vop_putpages_desc,
  vop_read_desc,
  vop_seek_desc,
  vop_strategy_desc,
  vop_unlock_desc,
  vop_write_desc,
} from "../../gen/vnode_if.js";
import type { Kernel } from "../../kern/kernel.js";
import type { VnodeOpvEntry } from "../../sys/mount.js";
import type { Uio } from "../../sys/uio.js";
import type { Vnode, VnodeOut } from "../../sys/vnode.js";
import { PipeBuf } from "../../kern/sys_pipe.js";
import { FREAD, FWRITE } from "../../kern/sys_file.js";
import { IO_NDELAY } from "../../kern/vfs_vnops.js";
import {
  genfs_abortop,
  genfs_eopnotsupp,
  genfs_enoioctl,
  genfs_nullop,
  genfs_poll,
  vn_default_error,
  genfs_islocked,
  genfs_lock,
  genfs_unlock,
} from "../genfs/genfs_vnops.js";
import { specfs_pathconf } from "../specfs/spec_pathconf.js";

function pipeOf(vp: Vnode): PipeBuf {
  let p = vp.v_fifoinfo as PipeBuf | null;
  if (p === null) {
    const k = vp.v_mount!.mnt_kernel as Kernel;
    p = new PipeBuf(vp.v_key);
    k.nanotime(p.atime);
    k.nanotime(p.mtime);
    vp.v_fifoinfo = p;
  }
  return p;
}

export function fifo_lookup(_dvp: Vnode, vpp: VnodeOut): number {
  vpp.vp = null;
  return ENOTDIR;
}

export function fifo_open(vp: Vnode, mode: number): number {
  const p = pipeOf(vp);
  const nonblock = (mode & O_NONBLOCK) !== 0;
  if (mode & FWRITE && p.readers === 0 && !(mode & FREAD)) {
    return nonblock ? ENXIO : EDEADLK;
  }
  if (mode & FREAD && p.writers === 0 && !(mode & FWRITE) && !nonblock) return EDEADLK;
  if (mode & FREAD) p.readers++;
  if (mode & FWRITE) p.writers++;
  return 0;
}

export function fifo_close(vp: Vnode, fflag: number): number {
  const p = vp.v_fifoinfo as PipeBuf | null;
  if (p === null) return 0;
  if (fflag & FREAD) p.readers--;
  if (fflag & FWRITE) p.writers--;
  if (p.readers <= 0 && p.writers <= 0) vp.v_fifoinfo = null;
  return 0;
}

export function fifo_read(vp: Vnode, uio: Uio, ioflag: number): number {
  return pipeOf(vp).read(uio, (ioflag & IO_NDELAY) !== 0);
}

export function fifo_write(vp: Vnode, uio: Uio, ioflag: number): number {
  return pipeOf(vp).write(uio, (ioflag & IO_NDELAY) !== 0);
}

function fifo_seek(): number {
  return ESPIPE;
}

/** The fifofs part of a fifo vnode's vector; file systems add getattr & co. */
export const fifo_vnodeop_entries: readonly VnodeOpvEntry[] = [
  [vop_default_desc, vn_default_error],
  [vop_lookup_desc, fifo_lookup],
  [vop_open_desc, fifo_open],
  [vop_close_desc, fifo_close],
  [vop_read_desc, fifo_read],
  [vop_write_desc, fifo_write],
  [vop_ioctl_desc, genfs_enoioctl],
  [vop_poll_desc, genfs_poll],
  [vop_kqfilter_desc, genfs_eopnotsupp],
  [vop_fsync_desc, genfs_nullop],
  [vop_seek_desc, fifo_seek],
  [vop_abortop_desc, genfs_abortop],
  [vop_lock_desc, genfs_lock],
  [vop_unlock_desc, genfs_unlock],
  [vop_islocked_desc, genfs_islocked],
  [vop_bmap_desc, genfs_eopnotsupp],
  [vop_strategy_desc, genfs_eopnotsupp],
  [vop_print_desc, genfs_nullop],
  [vop_pathconf_desc, specfs_pathconf],
  [vop_advlock_desc, genfs_eopnotsupp],
  [vop_putpages_desc, genfs_nullop],
] as unknown as readonly VnodeOpvEntry[];
