/**
 * The VFS helpers of rumpvfs.ifspec for applications (rump_pub_namei,
 * vattr, uio, vfs_* on a mount, vp_* references) and the credential helpers
 * of rumpkern.ifspec. Each runs as one kernel entry.
 */
import { EINVAL, MNT_FORCE, MNT_NOWAIT, MNT_WAIT } from "../gen/constants.js";
import { Kauth_cred } from "../sys/kauth.js";
import type { Mount, Vfsops } from "../sys/mount.js";
import { ComponentName, LOCKLEAF, LOCKPARENT, MODMASK, PARAMASK, FOLLOW } from "../sys/namei.js";
import type { Statvfs } from "../sys/stat.js";
import { Uio } from "../sys/uio.js";
import { Vattr } from "../sys/vattr.js";
import { LK_EXCLUSIVE, type Vnode, type VnodeOut } from "../sys/vnode.js";
import { Nameidata, namei, pathToKernel } from "../kern/vfs_lookup.js";
import { vput, vref, vrele } from "../kern/vfs_vnode.js";
import { VOP_UNLOCK } from "../gen/vnode_if.js";
import { dounmount } from "../kern/vfs_mount.js";
import { dostatvfs } from "../kern/vfs_syscalls.js";
import { NGROUPS_MAX } from "../sys/consts.js";
import type { Kernel } from "./kernel.js";

/** RUMPCN_FREECRED for rump_pub_freecn */
export const RUMPCN_FREECRED = 0x02;

/**
 * rump_pub_namei: run namei for an application. Out slots receive the
 * parent (needs LOCKPARENT), the object, and a copy of the component name.
 */
export function pub_namei(
  k: Kernel,
  op: number,
  flags: number,
  path: string | Uint8Array,
  dvpp: VnodeOut | null,
  vpp: VnodeOut | null,
  cnpp: { v: ComponentName | null } | null,
): number {
  const p = pathToKernel(path);
  if (p === null) return EINVAL;
  if (dvpp !== null && !(flags & LOCKPARENT)) return EINVAL;
  const l = k.lwp;
  const nd = new Nameidata(p, op, flags & (MODMASK | PARAMASK | FOLLOW), l.l_cred);
  const error = namei(l, nd);
  if (error !== 0) return error;
  // "." with LOCKPARENT: ni_vp === ni_dvp, two references and one lock
  const dot = nd.ni_dvp !== null && nd.ni_dvp === nd.ni_vp;
  if (dvpp !== null) dvpp.vp = nd.ni_dvp;
  else if (nd.ni_dvp !== null) {
    if (dot) {
      // the one lock stays only for a leaf wanted locked
      if (!(flags & LOCKLEAF)) VOP_UNLOCK(nd.ni_dvp);
      vrele(nd.ni_dvp);
    } else vput(nd.ni_dvp);
  }
  if (vpp !== null) vpp.vp = nd.ni_vp;
  else if (nd.ni_vp !== null) {
    // the leaf holds a lock with LOCKLEAF, unless it is "." and the parent slot kept it
    if (flags & LOCKLEAF && !(dot && dvpp !== null)) vput(nd.ni_vp);
    else vrele(nd.ni_vp);
  }
  if (cnpp !== null) {
    const c = nd.ni_cnd;
    c.cn_cred.cr_refcnt++;
    cnpp.v = new ComponentName(c.cn_nameiop, c.cn_flags, c.cn_cred, c.cn_nameptr);
  }
  return 0;
}

/** rump_pub_makecn */
export function pub_makecn(
  nameiop: number,
  flags: number,
  name: string,
  namelen: number,
  cred: Kauth_cred,
): ComponentName {
  cred.cr_refcnt++;
  return new ComponentName(nameiop, flags & (MODMASK | PARAMASK), cred, name.slice(0, namelen));
}

/** rump_pub_freecn */
export function pub_freecn(cnp: ComponentName, flags: number): void {
  if (flags & RUMPCN_FREECRED) cnp.cn_cred.cr_refcnt--;
}

/** rump_pub_getvninfo */
export function pub_getvninfo(vp: Vnode): { type: number; size: number; rdev: number } {
  return {
    type: vp.v_type,
    size: vp.v_size,
    rdev: vp.v_type === 3 || vp.v_type === 4 ? vp.v_rdev : 0,
  };
}

/** rump_pub_vfs_getmp: the mount of the file system containing `path`. */
export function pub_vfs_getmp(
  k: Kernel,
  path: string | Uint8Array,
  mpp: { v: Mount | null },
): number {
  const out = { vp: null as Vnode | null };
  const error = pub_namei(k, 0, FOLLOW, path, null, out, null);
  if (error !== 0) return error;
  mpp.v = out.vp!.v_mount;
  vrele(out.vp!);
  return 0;
}

/** rump_pub_vfs_root: root comes back referenced, locked only if `lock`. */
export function pub_vfs_root(mp: Mount, vpp: VnodeOut, lock: boolean): number {
  // VFS_ROOT takes the lock type itself (0 = unlocked)
  return mp.mnt_op.vfs_root(mp, lock ? LK_EXCLUSIVE : 0, vpp);
}

export function pub_vfs_statvfs(mp: Mount, sb: Statvfs): number {
  return dostatvfs(mp, sb);
}

export function pub_vfs_sync(mp: Mount, wait: boolean, cred: Kauth_cred): number {
  return mp.mnt_op.vfs_sync(mp, wait ? MNT_WAIT : MNT_NOWAIT, cred);
}

/** rump_pub_vfs_unmount (the man page's rump_vfs_unmount) */
export function pub_vfs_unmount(k: Kernel, mp: Mount, mntflags: number): number {
  return dounmount(k, mp, mntflags & MNT_FORCE, k.lwp.l_cred);
}

export function pub_vfs_getopsbyname(k: Kernel, name: string): Vfsops | null {
  return k.vfs.vfslist.get(name) ?? null;
}

/** rump_pub_vfslist_iterate: null → first type, else the one after `prev`. */
export function pub_vfslist_iterate(k: Kernel, prev: Vfsops | null): Vfsops | null {
  const all = [...k.vfs.vfslist.values()];
  if (prev === null) return all[0] ?? null;
  const i = all.indexOf(prev);
  return i < 0 ? null : (all[i + 1] ?? null);
}

export function pub_vp_incref(vp: Vnode): void {
  vref(vp);
}
export function pub_vp_getref(vp: Vnode): number {
  return vp.v_usecount;
}
export function pub_vp_rele(vp: Vnode): void {
  vrele(vp);
}

export function pub_vattr_init(): Vattr {
  return new Vattr();
}

/** rump_pub_uio_setup: one-iovec uio over buf (RUMPUIO_READ 0, RUMPUIO_WRITE 1). */
export function pub_uio_setup(buf: Uint8Array, len: number, off: number, rw: number): Uio {
  return Uio.single(buf, len, off, rw);
}

/** rump_pub_cred_create: real/effective/saved ids set to uid, gid. */
export function pub_cred_create(
  uid: number,
  gid: number,
  ngroups: number,
  groups: readonly number[],
): Kauth_cred | number {
  if (ngroups < 0 || ngroups > NGROUPS_MAX || ngroups > groups.length) return EINVAL;
  return new Kauth_cred(uid, uid, uid, gid, gid, gid, groups.slice(0, ngroups));
}

export function pub_cred_put(cred: Kauth_cred): void {
  cred.cr_refcnt--;
}
