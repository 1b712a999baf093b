/**
 * The kernel as rump/ assembles it: the kernel's state (kern/kernel.ts)
 * plus the etfs registry and the native routines of an instance
 * (rump_pub_*, librump.md), which reach up into lwproc, etfs and the
 * public VFS helpers. This is the `Kernel` that createKernel and rump_init
 * return and @rump/librump exports.
 */
import type { Rumpuser } from "@rump/rumpuser";
import { Kernel as KernelState } from "../kern/kernel.js";
import { Kauth_cred } from "../sys/kauth.js";
import { MNT_FORCE } from "../gen/constants.js";
import { RumpPanic } from "../kern/subr_prf.js";
import { bufcache_flushall } from "../kern/vfs_bio.js";
import { dounmount } from "../kern/vfs_mount.js";
import type { Lwp } from "../sys/proc.js";
import {
  freeLwpImpl,
  lwproc_curlwp,
  lwproc_newlwp,
  lwproc_releaselwp,
  lwproc_rfork,
  lwproc_switch,
} from "./lwproc.js";
import {
  Etfs,
  etfs_register_withsize,
  etfs_remove,
  etfs_shutdown,
  RUMP_ETFS_SIZE_ENDOFF,
} from "./etfs.js";
import { etfs_register_partitions } from "./disk_pub.js";
import {
  pub_cred_create,
  pub_cred_put,
  pub_freecn,
  pub_getvninfo,
  pub_makecn,
  pub_namei,
  pub_uio_setup,
  pub_vattr_init,
  pub_vfs_getmp,
  pub_vfs_getopsbyname,
  pub_vfslist_iterate,
  pub_vfs_root,
  pub_vfs_statvfs,
  pub_vfs_sync,
  pub_vfs_unmount,
  pub_vp_getref,
  pub_vp_incref,
  pub_vp_rele,
} from "./vfs_pub.js";
import type { ComponentName } from "../sys/namei.js";
import type { Mount, Vfsops } from "../sys/mount.js";
import type { Statvfs } from "../sys/stat.js";
import type { Uio } from "../sys/uio.js";
import type { Vattr } from "../sys/vattr.js";
import type { Vnode, VnodeOut } from "../sys/vnode.js";

export class Kernel extends KernelState {
  readonly etfs: Etfs;

  constructor(host: Rumpuser) {
    super(host);
    this.etfs = new Etfs(this);
  }

  /* ------------------------------------------------------------------ */
  /* the native routines of this instance (rump_pub_*, librump.md)       */

  /** rump_pub_lwproc_rfork: new process, curlwp := its lwp. */
  rump_pub_lwproc_rfork(flags: number): number {
    return this.enter(() => lwproc_rfork(this, flags));
  }
  /** rump_pub_lwproc_newlwp: new lwp in process `pid`, curlwp := it. */
  rump_pub_lwproc_newlwp(pid: number): number {
    return this.enter(() => lwproc_newlwp(this, pid));
  }
  /** rump_pub_lwproc_switch: null = the implicit context. */
  rump_pub_lwproc_switch(l: Lwp | null): void {
    this.enter(() => lwproc_switch(this, l));
  }
  /** rump_pub_lwproc_releaselwp: release curlwp (and its process with the last lwp). */
  rump_pub_lwproc_releaselwp(): void {
    this.enter(() => lwproc_releaselwp(this));
  }
  /** rump_pub_lwproc_curlwp: null in the implicit context. */
  rump_pub_lwproc_curlwp(): Lwp | null {
    return lwproc_curlwp(this);
  }

  rump_pub_cred_create(
    uid: number,
    gid: number,
    ngroups = 0,
    groups: readonly number[] = [],
  ): Kauth_cred {
    const c = pub_cred_create(uid, gid, ngroups, groups);
    if (typeof c === "number")
      throw new RangeError(`rump_pub_cred_create: ngroups ${ngroups} out of range`);
    return c;
  }
  rump_pub_cred_put(cred: Kauth_cred): void {
    pub_cred_put(cred);
  }

  rump_pub_etfs_register(key: string, hostpath: string, type: number): number {
    return this.enter(() =>
      etfs_register_withsize(this, key, hostpath, type, 0, RUMP_ETFS_SIZE_ENDOFF),
    );
  }
  rump_pub_etfs_register_withsize(
    key: string,
    hostpath: string,
    type: number,
    begin: number,
    size: number,
  ): number {
    return this.enter(() => etfs_register_withsize(this, key, hostpath, type, begin, size));
  }
  rump_pub_etfs_remove(key: string): number {
    return this.enter(() => etfs_remove(this, key));
  }
  /**
   * Register each partition of the disk image `hostpath` (MBR, GPT or
   * disklabel) as a block device `key + suffix`: "a", "b", … for disklabel
   * partitions, "p1", "p2", … for MBR/GPT ones, logical MBR ones from "p5"
   * (rump/disk_pub.ts). `keysp` gets the keys registered.
   */
  rump_pub_etfs_register_partitions(
    key: string,
    hostpath: string,
    keysp: { v: string[] } | null = null,
  ): number {
    return this.enter(() => etfs_register_partitions(this, key, hostpath, keysp));
  }

  rump_pub_namei(
    op: number,
    flags: number,
    path: string | Uint8Array,
    dvpp: VnodeOut | null,
    vpp: VnodeOut | null,
    cnpp: { v: ComponentName | null } | null,
  ): number {
    return this.enter(() => pub_namei(this, op, flags, path, dvpp, vpp, cnpp));
  }
  rump_pub_makecn(
    nameiop: number,
    flags: number,
    name: string,
    namelen: number,
    cred: Kauth_cred,
  ): ComponentName {
    return pub_makecn(nameiop, flags, name, namelen, cred);
  }
  rump_pub_freecn(cnp: ComponentName, flags: number): void {
    pub_freecn(cnp, flags);
  }
  rump_pub_getvninfo(vp: Vnode): { type: number; size: number; rdev: number } {
    return pub_getvninfo(vp);
  }
  rump_pub_vp_incref(vp: Vnode): void {
    this.enter(() => pub_vp_incref(vp));
  }
  rump_pub_vp_getref(vp: Vnode): number {
    return pub_vp_getref(vp);
  }
  rump_pub_vp_rele(vp: Vnode): void {
    this.enter(() => pub_vp_rele(vp));
  }
  /** The interlock is implicit on one virtual CPU: nothing to take. */
  rump_pub_vp_interlock(_vp: Vnode): void {}
  rump_pub_vattr_init(): Vattr {
    return pub_vattr_init();
  }
  rump_pub_vattr_settype(vap: Vattr, type: number): void {
    vap.va_type = type;
  }
  rump_pub_vattr_setmode(vap: Vattr, mode: number): void {
    vap.va_mode = mode;
  }
  rump_pub_vattr_setrdev(vap: Vattr, rdev: number): void {
    vap.va_rdev = rdev;
  }
  rump_pub_vattr_free(_vap: Vattr): void {}
  rump_pub_uio_setup(buf: Uint8Array, len: number, off: number, rw: number): Uio {
    return pub_uio_setup(buf, len, off, rw);
  }
  rump_pub_uio_getresid(uio: Uio): number {
    return uio.uio_resid;
  }
  rump_pub_uio_getoff(uio: Uio): number {
    return uio.uio_offset;
  }
  rump_pub_uio_free(uio: Uio): number {
    return uio.uio_resid;
  }
  rump_pub_vfs_getmp(path: string | Uint8Array, mpp: { v: Mount | null }): number {
    return this.enter(() => pub_vfs_getmp(this, path, mpp));
  }
  rump_pub_vfs_root(mp: Mount, vpp: VnodeOut, lock: boolean): number {
    return this.enter(() => pub_vfs_root(mp, vpp, lock));
  }
  rump_pub_vfs_statvfs(mp: Mount, sb: Statvfs): number {
    return this.enter(() => pub_vfs_statvfs(mp, sb));
  }
  rump_pub_vfs_sync(mp: Mount, wait: boolean, cred: Kauth_cred): number {
    return this.enter(() => pub_vfs_sync(mp, wait, cred));
  }
  /** rump_pub_vfs_unmount (the man page's rump_vfs_unmount). */
  rump_pub_vfs_unmount(mp: Mount, mntflags: number): number {
    return this.enter(() => pub_vfs_unmount(this, mp, mntflags));
  }
  rump_pub_vfs_getopsbyname(name: string): Vfsops | null {
    return pub_vfs_getopsbyname(this, name);
  }
  rump_pub_vfslist_iterate(prev: Vfsops | null): Vfsops | null {
    return pub_vfslist_iterate(this, prev);
  }

  rump_boot_gethowto(): number {
    return this.boothowto;
  }
  rump_boot_sethowto(howto: number): void {
    this.boothowto = howto;
  }

  /** rump_printevcnts: the event counters, through rumpuser_dprintf. */
  rump_printevcnts(): void {
    this.host.dprintf("evcnt group           name                       count\n");
    for (const [group, name, value] of this.evcnt.rows()) {
      this.host.dprintf(`${group.padEnd(20)} ${name.padEnd(26)} ${String(value).padStart(10)}\n`);
    }
  }

  /**
   * Shut this kernel down: sync and unmount every file system (newest
   * first, forcibly), close every host descriptor, drop image locks. Later
   * calls into the kernel throw.
   */
  override shutdown(): void {
    if (this.dead !== null) return;
    const cred = Kauth_cred.root();
    this.schedule();
    try {
      const mounts = [...this.vfs.mountlist].reverse();
      for (const mp of mounts) {
        if (mp === this.vfs.mountlist[0]) continue; // the root goes with the kernel
        dounmount(this, mp, MNT_FORCE, cred);
      }
    } finally {
      this.unschedule();
    }
    this.schedule();
    try {
      bufcache_flushall(this.bufcache);
      etfs_shutdown(this);
    } finally {
      this.unschedule();
    }
    this.host.shutdown();
    this.dead = new RumpPanic("rump kernel halted");
    this.booted = false;
  }

  [Symbol.dispose](): void {
    this.shutdown();
  }

  /** Free an lwp (and its process with the last one). */
  freeLwp(l: Lwp): void {
    freeLwpImpl(this, l);
  }
}
