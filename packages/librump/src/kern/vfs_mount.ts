/**
 * Mounting and unmounting (vfs_mount.c): mount(2) on a directory, which the
 * new file system covers; unmount(2), EBUSY while the file system is in use
 * unless MNT_FORCE; and the helpers that find the mount of a vnode.
 */
import {
  EBUSY,
  EINVAL,
  ENODEV,
  ENOTDIR,
  EPERM,
  MNT_FORCE,
  MNT_GETARGS,
  MNT_LOCAL,
  MNT_RDONLY,
  MNT_RELOAD,
  MNT_ROOTFS,
  MNT_UPDATE,
  MNT_WAIT,
} from "../gen/constants.js";
import { VOP_UNLOCK } from "../gen/vnode_if.js";
import type { Kernel } from "./kernel.js";
import type { Kauth_cred } from "../sys/kauth.js";
import { Mount, type Vfsops } from "../sys/mount.js";
import { FOLLOW, LOCKLEAF, LOOKUP } from "../sys/namei.js";
import type { Lwp } from "../sys/proc.js";
import { LK_EXCLUSIVE, LK_RETRY, VDIR, VV_ROOT, type Vnode } from "../sys/vnode.js";
import { Nameidata, namei } from "./vfs_lookup.js";
import { vflush, vn_lock, vput, vrele, vcache_vnodes } from "./vfs_vnode.js";
import { cache_purge } from "./vfs_cache.js";

/** Flags a mount(2) caller may set (MNT_VISFLAGMASK-ish + update ops). */
const MNT_SETTABLE = 0x0fffffff & ~(MNT_ROOTFS | MNT_LOCAL);

/**
 * Create and mount a file system of type `ops` on `covered` (null for the
 * root). Returns errno; on success `out.v` is the new mount.
 */
export function vfs_domount(
  k: Kernel,
  ops: Vfsops,
  covered: Vnode | null,
  path: string,
  flags: number,
  data: unknown,
  dataLen: number,
  out: { v: Mount | null },
): number {
  const mp = new Mount(ops, k);
  mp.mnt_flag = flags & MNT_SETTABLE & ~(MNT_UPDATE | MNT_FORCE | MNT_RELOAD | MNT_GETARGS);
  mp.mnt_id = k.vfs.nextMountId++;
  mp.mnt_vnodecovered = covered;
  const st = mp.mnt_stat;
  st.f_fstypename = ops.vfs_name;
  st.f_mntonname = path;
  // what was mounted: the device of a disk file system, else the type's name
  const fspec = (data as { fspec?: unknown } | null)?.fspec;
  st.f_mntfromname = typeof fspec === "string" ? fspec : ops.vfs_name;
  st.f_fsidx = [mp.mnt_id, 0];
  st.f_fsid = mp.mnt_id;
  st.f_namemax = 255;
  if (ops.vfs_min_mount_data > 0 && dataLen !== -1 && dataLen < ops.vfs_min_mount_data)
    return EINVAL;
  // the file system sees MNT_FORCE for the call (ffs: mount a dirty image)
  mp.mnt_flag |= flags & MNT_FORCE;
  let error = ops.vfs_mount(mp, path, data, dataLen);
  mp.mnt_flag &= ~MNT_FORCE;
  if (error !== 0) return error;
  error = ops.vfs_start(mp, 0);
  if (error !== 0) {
    ops.vfs_unmount(mp, MNT_FORCE);
    return error;
  }
  st.f_flag = mp.mnt_flag;
  if (covered !== null) covered.v_mountedhere = mp;
  else mp.mnt_flag |= MNT_ROOTFS;
  k.vfs.mountlist.push(mp);
  out.v = mp;
  return 0;
}

/** The file system type by its MOUNT_* name. */
function typeByName(k: Kernel, type: unknown): Vfsops | number {
  if (typeof type !== "string" && !(type instanceof Uint8Array)) return EINVAL;
  const name = typeof type === "string" ? type : new TextDecoder().decode(type);
  const ops = k.vfs.vfslist.get(name);
  return ops === undefined ? ENODEV : ops;
}

/**
 * mount(2) = __mount50(type, path, flags, data, data_len). Root only
 * (NetBSD's default secmodel: kauth denies others).
 */
export function do_sys_mount(
  l: Lwp,
  type: unknown,
  path: string,
  flags: number,
  data: unknown,
  dataLen: number,
): number {
  const k = l.l_proc.p_kernel;
  const cred = l.l_cred;
  if (cred.cr_euid !== 0) return EPERM;
  const nd = new Nameidata(path, LOOKUP, FOLLOW | LOCKLEAF, cred);
  let error = namei(l, nd);
  if (error !== 0) return error;
  const vp = nd.ni_vp!;

  if (flags & (MNT_UPDATE | MNT_GETARGS)) {
    // operate on the file system mounted at vp (vp is its root)
    if ((vp.v_vflag & VV_ROOT) === 0) {
      vput(vp);
      return EINVAL;
    }
    const mp = vp.v_mount!;
    VOP_UNLOCK(vp);
    if (flags & MNT_GETARGS) {
      // the file system sees the request in mnt_flag for the call only
      mp.mnt_flag |= MNT_GETARGS;
      error = mp.mnt_op.vfs_mount(mp, path, data, dataLen === undefined ? -1 : dataLen);
      mp.mnt_flag &= ~MNT_GETARGS;
      vrele(vp);
      return error;
    }
    const saved = mp.mnt_flag;
    mp.mnt_flag = (mp.mnt_flag & (MNT_ROOTFS | MNT_LOCAL)) | (flags & MNT_SETTABLE) | MNT_UPDATE;
    error = mp.mnt_op.vfs_mount(mp, path, data, dataLen === undefined ? -1 : dataLen);
    if (error !== 0) mp.mnt_flag = saved;
    mp.mnt_flag &= ~(MNT_UPDATE | MNT_RELOAD | MNT_FORCE | MNT_GETARGS);
    mp.mnt_stat.f_flag = mp.mnt_flag;
    vrele(vp);
    return error;
  }

  const ops = typeByName(k, type);
  if (typeof ops === "number") {
    vput(vp);
    return ops;
  }
  if (vp.v_type !== VDIR) {
    vput(vp);
    return ENOTDIR;
  }
  if (vp.v_mountedhere !== null) {
    vput(vp);
    return EBUSY;
  }
  // the covered directory must not be busy as a cwd/root elsewhere? NetBSD allows it.
  cache_purge(vp);
  VOP_UNLOCK(vp);
  const out = { v: null as Mount | null };
  error = vfs_domount(k, ops, vp, path, flags, data, dataLen === undefined ? -1 : dataLen, out);
  if (error !== 0) {
    vrele(vp);
    return error;
  }
  // the covered vnode stays referenced by the mount (mnt_vnodecovered)
  return 0;
}

/** Is any vnode of `mp` other than its root in use (or a mount below it)? */
function mountBusy(k: Kernel, mp: Mount): boolean {
  for (const other of k.vfs.mountlist) {
    if (other !== mp && other.mnt_vnodecovered !== null && other.mnt_vnodecovered.v_mount === mp)
      return true;
  }
  // the mount holds no reference of its own, not even on its root
  for (const vp of vcache_vnodes(mp)) if (vp.v_usecount > 0) return true;
  return false;
}

/** dounmount: unmount `mp` (sync, flush vnodes, VFS_UNMOUNT, uncover). */
export function dounmount(k: Kernel, mp: Mount, flags: number, cred: Kauth_cred): number {
  const force = (flags & MNT_FORCE) !== 0;
  if (!force && mountBusy(k, mp)) return EBUSY;
  if (force) {
    // mounts below this one go first
    for (const other of [...k.vfs.mountlist].reverse()) {
      if (
        other !== mp &&
        other.mnt_vnodecovered !== null &&
        other.mnt_vnodecovered.v_mount === mp
      ) {
        const e = dounmount(k, other, flags, cred);
        if (e !== 0) return e;
      }
    }
  }
  if ((mp.mnt_flag & MNT_RDONLY) === 0) mp.mnt_op.vfs_sync(mp, MNT_WAIT, cred);
  let error = vflush(mp, null, force);
  if (error !== 0) return error;
  error = mp.mnt_op.vfs_unmount(mp, flags);
  if (error !== 0 && !force) return error;
  const i = k.vfs.mountlist.indexOf(mp);
  if (i >= 0) k.vfs.mountlist.splice(i, 1);
  const covered = mp.mnt_vnodecovered;
  if (covered !== null) {
    covered.v_mountedhere = null;
    mp.mnt_vnodecovered = null;
    vrele(covered);
  }
  return 0;
}

/** unmount(2) */
export function do_sys_unmount(l: Lwp, path: string, flags: number): number {
  const k = l.l_proc.p_kernel;
  const cred = l.l_cred;
  if (cred.cr_euid !== 0) return EPERM;
  const nd = new Nameidata(path, LOOKUP, FOLLOW | LOCKLEAF, cred);
  const error = namei(l, nd);
  if (error !== 0) return error;
  const vp = nd.ni_vp!;
  const mp = vp.v_mount!;
  if ((vp.v_vflag & VV_ROOT) === 0) {
    vput(vp);
    return EINVAL;
  }
  if (mp.mnt_flag & MNT_ROOTFS) {
    vput(vp);
    return EBUSY;
  }
  vput(vp);
  return dounmount(k, mp, flags, cred);
}

/** Lock a vnode for a caller that holds a reference (helper). */
export function vn_lock_retry(vp: Vnode): void {
  vn_lock(vp, LK_EXCLUSIVE | LK_RETRY);
}
