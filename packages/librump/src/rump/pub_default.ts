/**
 * The C-style API: every native routine of the default kernel as a plain
 * function (`rump_pub_lwproc_rfork(…)` acts on the kernel rump_init booted).
 * Each kernel object has the same routines as methods.
 */
import { rump_default_kernel } from "./rump.js";
import type { Kauth_cred } from "../sys/kauth.js";
import type { ComponentName } from "../sys/namei.js";
import type { Mount, Vfsops } from "../sys/mount.js";
import type { Lwp } from "../sys/proc.js";
import type { Statvfs } from "../sys/stat.js";
import type { Uio } from "../sys/uio.js";
import type { Vattr } from "../sys/vattr.js";
import type { Vnode, VnodeOut } from "../sys/vnode.js";

export function rump_pub_lwproc_rfork(flags: number): number {
  return rump_default_kernel().rump_pub_lwproc_rfork(flags);
}

export function rump_pub_lwproc_newlwp(pid: number): number {
  return rump_default_kernel().rump_pub_lwproc_newlwp(pid);
}

export function rump_pub_lwproc_switch(l: Lwp | null): void {
  rump_default_kernel().rump_pub_lwproc_switch(l);
}

export function rump_pub_lwproc_releaselwp(): void {
  rump_default_kernel().rump_pub_lwproc_releaselwp();
}

export function rump_pub_lwproc_curlwp(): Lwp | null {
  return rump_default_kernel().rump_pub_lwproc_curlwp();
}

export function rump_pub_cred_create(
  uid: number,
  gid: number,
  ngroups = 0,
  groups: readonly number[] = [],
): Kauth_cred {
  return rump_default_kernel().rump_pub_cred_create(uid, gid, ngroups, groups);
}

export function rump_pub_cred_put(cred: Kauth_cred): void {
  rump_default_kernel().rump_pub_cred_put(cred);
}

export function rump_pub_etfs_register(key: string, hostpath: string, type: number): number {
  return rump_default_kernel().rump_pub_etfs_register(key, hostpath, type);
}

export function rump_pub_etfs_register_withsize(
  key: string,
  hostpath: string,
  type: number,
  begin: number,
  size: number,
): number {
  return rump_default_kernel().rump_pub_etfs_register_withsize(key, hostpath, type, begin, size);
}

export function rump_pub_etfs_remove(key: string): number {
  return rump_default_kernel().rump_pub_etfs_remove(key);
}

/** Each partition of `hostpath` as a block device `key + "a"`… / `key + "p1"`… */
export function rump_pub_etfs_register_partitions(
  key: string,
  hostpath: string,
  keysp: { v: string[] } | null = null,
): number {
  return rump_default_kernel().rump_pub_etfs_register_partitions(key, hostpath, keysp);
}

/** NetBSD 5's name for registering a host file as a block device: `path` is both key and host path. */
export function rump_fakeblk_register(path: string): number {
  return rump_default_kernel().rump_pub_etfs_register(path, path, 1 /* RUMP_ETFS_BLK */);
}

export function rump_pub_namei(
  op: number,
  flags: number,
  path: string | Uint8Array,
  dvpp: VnodeOut | null,
  vpp: VnodeOut | null,
  cnpp: { v: ComponentName | null } | null,
): number {
  return rump_default_kernel().rump_pub_namei(op, flags, path, dvpp, vpp, cnpp);
}

export function rump_pub_makecn(
  nameiop: number,
  flags: number,
  name: string,
  namelen: number,
  cred: Kauth_cred,
): ComponentName {
  return rump_default_kernel().rump_pub_makecn(nameiop, flags, name, namelen, cred);
}

export function rump_pub_freecn(cnp: ComponentName, flags: number): void {
  rump_default_kernel().rump_pub_freecn(cnp, flags);
}

export function rump_pub_vp_incref(vp: Vnode): void {
  rump_default_kernel().rump_pub_vp_incref(vp);
}

export function rump_pub_vp_getref(vp: Vnode): number {
  return rump_default_kernel().rump_pub_vp_getref(vp);
}

export function rump_pub_vp_rele(vp: Vnode): void {
  rump_default_kernel().rump_pub_vp_rele(vp);
}

export function rump_pub_vp_interlock(_vp: Vnode): void {
  rump_default_kernel().rump_pub_vp_interlock(_vp);
}

export function rump_pub_vattr_init(): Vattr {
  return rump_default_kernel().rump_pub_vattr_init();
}

export function rump_pub_vattr_settype(vap: Vattr, type: number): void {
  rump_default_kernel().rump_pub_vattr_settype(vap, type);
}

export function rump_pub_vattr_setmode(vap: Vattr, mode: number): void {
  rump_default_kernel().rump_pub_vattr_setmode(vap, mode);
}

export function rump_pub_vattr_setrdev(vap: Vattr, rdev: number): void {
  rump_default_kernel().rump_pub_vattr_setrdev(vap, rdev);
}

export function rump_pub_vattr_free(_vap: Vattr): void {
  rump_default_kernel().rump_pub_vattr_free(_vap);
}

export function rump_pub_uio_setup(buf: Uint8Array, len: number, off: number, rw: number): Uio {
  return rump_default_kernel().rump_pub_uio_setup(buf, len, off, rw);
}

export function rump_pub_uio_getresid(uio: Uio): number {
  return rump_default_kernel().rump_pub_uio_getresid(uio);
}

export function rump_pub_uio_getoff(uio: Uio): number {
  return rump_default_kernel().rump_pub_uio_getoff(uio);
}

export function rump_pub_uio_free(uio: Uio): number {
  return rump_default_kernel().rump_pub_uio_free(uio);
}

export function rump_pub_vfs_getmp(path: string | Uint8Array, mpp: { v: Mount | null }): number {
  return rump_default_kernel().rump_pub_vfs_getmp(path, mpp);
}

export function rump_pub_vfs_root(mp: Mount, vpp: VnodeOut, lock: boolean): number {
  return rump_default_kernel().rump_pub_vfs_root(mp, vpp, lock);
}

export function rump_pub_vfs_statvfs(mp: Mount, sb: Statvfs): number {
  return rump_default_kernel().rump_pub_vfs_statvfs(mp, sb);
}

export function rump_pub_vfs_sync(mp: Mount, wait: boolean, cred: Kauth_cred): number {
  return rump_default_kernel().rump_pub_vfs_sync(mp, wait, cred);
}

export function rump_pub_vfs_unmount(mp: Mount, mntflags: number): number {
  return rump_default_kernel().rump_pub_vfs_unmount(mp, mntflags);
}

export function rump_pub_vfs_getopsbyname(name: string): Vfsops | null {
  return rump_default_kernel().rump_pub_vfs_getopsbyname(name);
}

export function rump_pub_vfslist_iterate(prev: Vfsops | null): Vfsops | null {
  return rump_default_kernel().rump_pub_vfslist_iterate(prev);
}

export function rump_boot_gethowto(): number {
  return rump_default_kernel().rump_boot_gethowto();
}

export function rump_boot_sethowto(howto: number): void {
  rump_default_kernel().rump_boot_sethowto(howto);
}

export function rump_printevcnts(): void {
  rump_default_kernel().rump_printevcnts();
}
