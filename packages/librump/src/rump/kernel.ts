/**
 * One rump kernel instance. Everything a kernel owns hangs off this object —
 * processes, the syscall table, mounts, the vnode cache, devices, counters —
 * so several kernels live side by side in one process (DESIGN.md, execution
 * model). The kernel is synchronous: an entry (system call, rump_pub_* call,
 * RUMP_VOP_*) runs to completion on the single virtual CPU.
 */
import type { Rumpuser } from "@rump/rumpuser";
import { ENOSYS } from "../gen/constants.js";
import { sysent_init, type Retval, type Sysent, type SyCall } from "../gen/sysent.js";
import { Kauth_cred } from "../sys/kauth.js";
import { Cwdinfo, Lwp, Proc } from "../sys/proc.js";
import type { Timespec } from "../sys/time.js";
import { RumpPanic } from "../kern/subr_prf.js";
import { Filedesc } from "../kern/kern_descrip.js";
import { VfsState } from "../kern/vfs_state.js";
import { Evcnts } from "../kern/subr_evcnt.js";
import { RLIMIT_NOFILE } from "../sys/consts.js";
import { RLIM_INFINITY, RLIM_NLIMITS } from "../sys/resource.js";
import { Nameidata } from "../kern/vfs_lookup.js";
import { Devsw } from "../dev/devsw.js";
import { Etfs } from "./etfs.js";
import { BufCache, bufcache_flushall } from "../kern/vfs_bio.js";
import { Rumpblk } from "../dev/rumpblk.js";
import { MNT_LAZY, MNT_RDONLY } from "../gen/constants.js";
import { syscallHandlers } from "../kern/syscalls_table.js";
import {
  freeLwpImpl,
  lwproc_curlwp,
  lwproc_newlwp,
  lwproc_releaselwp,
  lwproc_rfork,
  lwproc_switch,
} from "./lwproc.js";
import { etfs_register_withsize, etfs_remove, RUMP_ETFS_SIZE_ENDOFF } from "./etfs.js";
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
import { shutdownKernel } from "./rump.js";
import type { ComponentName } from "../sys/namei.js";
import type { Mount, Vfsops } from "../sys/mount.js";
import type { Statvfs } from "../sys/stat.js";
import { Uio } from "../sys/uio.js";
import { Vattr } from "../sys/vattr.js";
import type { Vnode, VnodeOut } from "../sys/vnode.js";

const utf8 = new TextEncoder();

/** Boot parameters read through rumpuser_getparam (spec rumpuser.md §5). */
export interface KernelParams {
  verbose: boolean;
  /** bytes, or Infinity */
  memlimit: number;
  nvnodes: number;
  blkfail: number;
  blkfailSeed: number | null;
  blksectshift: number;
  hostname: string;
}

export class Kernel {
  /** set by a panic: every later entry throws it again */
  dead: RumpPanic | null = null;
  booted = false;
  boothowto = 0;
  /** retval[0], retval[1] of the last system call */
  readonly retval: Retval = new Float64Array(2);
  sysent: Sysent[];
  readonly evcnt = new Evcnts();
  params: KernelParams;
  hostname = "";
  /** boot time, wall clock */
  readonly boottime: Timespec = { tv_sec: 0, tv_nsec: 0 };

  /* processes */
  readonly procs = new Map<number, Proc>();
  nextpid = 2;
  proc0!: Proc;
  lwp0!: Lwp;
  /** pid 1, "rumplocal": the implicit context */
  proc1!: Proc;
  /** the lwp that runs entries made without a bound lwp */
  implicitLwp!: Lwp;
  /** lwp bound by rump_pub_lwproc_switch & co.; null = implicit context */
  curlwp: Lwp | null = null;

  readonly vfs: VfsState;
  readonly devsw = new Devsw();
  readonly etfs: Etfs;
  /** the buffer cache (kern/vfs_bio.ts), created at boot from RUMP_MEMLIMIT */
  bufcache!: BufCache;
  /** the block driver behind etfs BLK/CHR keys */
  rumpblk!: Rumpblk;

  /** scratch out-slots for host calls (reused; the kernel is single-threaded) */
  readonly scratchSec = { v: 0 };
  readonly scratchNsec = { v: 0 };
  /** scratch of vn_stat (never nests) */
  readonly scratchVattr = new Vattr();
  /** scratch uio of read/write/pread/pwrite (never nests) */
  readonly scratchUio = new Uio([new Uint8Array(0)], 0, 0, 0);
  /** scratch of vn_open's create */
  readonly scratchVattr2 = new Vattr();
  /** scratch lookups of the path system calls (rename needs two at once) */
  readonly scratchNd: readonly [Nameidata, Nameidata] = [
    new Nameidata("", 0, 0, Kauth_cred.root()),
    new Nameidata("", 0, 0, Kauth_cred.root()),
  ];
  /** scratch out-slots of namei (never nests) */
  readonly scratchVpp: VnodeOut = { vp: null };
  readonly scratchStr = { v: "" };

  constructor(readonly host: Rumpuser) {
    const enosys: SyCall = () => ENOSYS;
    this.sysent = sysent_init(syscallHandlers, enosys);
    this.params = {
      verbose: false,
      memlimit: Infinity,
      nvnodes: 1024,
      blkfail: 0,
      blkfailSeed: null,
      blksectshift: 9,
      hostname: "",
    };
    this.vfs = new VfsState(this);
    this.etfs = new Etfs(this);
  }

  /* ------------------------------------------------------------------ */
  /* entry and exit                                                      */

  /** rump_schedule: enter the kernel. */
  schedule(): void {
    if (this.dead !== null) throw this.dead;
    if (!this.booted) throw new RumpPanic("kernel not booted (call rump_init or boot())");
  }

  /**
   * rump_unschedule: leave it. Nothing is deferred to the exit: released
   * lwps are freed at once and idle work runs as host tasks.
   */
  unschedule(): void {}

  /** The lwp the current entry runs on (curlwp, or the implicit one). */
  get lwp(): Lwp {
    return this.curlwp ?? this.implicitLwp;
  }

  /**
   * rump_syscall: run system call `num` with its arguments; returns 0 or a
   * NetBSD errno, results in `retval`. This is the SyscallTransport the
   * generated rump_sys_* stubs call.
   */
  syscall(
    num: number,
    a0?: unknown,
    a1?: unknown,
    a2?: unknown,
    a3?: unknown,
    a4?: unknown,
    a5?: unknown,
    a6?: unknown,
    a7?: unknown,
  ): number {
    if (this.dead !== null) throw this.dead;
    const ent = this.sysent[num];
    if (ent === undefined || !this.booted) return ENOSYS;
    this.evcnt.syscalls++;
    const rv = this.retval;
    rv[0] = 0;
    rv[1] = 0;
    try {
      return ent.sy_call(this.curlwp ?? this.implicitLwp, rv, a0, a1, a2, a3, a4, a5, a6, a7);
    } catch (e) {
      throw this.crash(e);
    }
  }

  /**
   * Anything thrown inside the kernel is a panic: a RumpPanic as it is, any
   * other exception (a kernel bug) wrapped in one. The instance is dead after.
   */
  crash(e: unknown): RumpPanic {
    const p =
      e instanceof RumpPanic
        ? e
        : new RumpPanic(`kernel bug: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    if (this.dead === null) {
      this.dead = p;
      this.printf(p.message + "\n");
    }
    return p;
  }

  /** Run `fn` as a kernel entry (rump_pub_* wrappers). */
  enter<T>(fn: () => T): T {
    this.schedule();
    try {
      return fn();
    } catch (e) {
      throw this.crash(e);
    } finally {
      this.unschedule();
    }
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

  /** Shut this kernel down: sync and unmount everything, release the host. */
  shutdown(): void {
    shutdownKernel(this);
  }

  [Symbol.dispose](): void {
    this.shutdown();
  }

  /* ------------------------------------------------------------------ */
  /* services for the rest of the kernel                                 */

  /** bytes of kernel memory accounted against RUMP_MEMLIMIT */
  memused = 0;

  /**
   * Account `bytes` of kernel memory (tmpfs pages, buffer-cache blocks)
   * against RUMP_MEMLIMIT; false when that would exceed the limit.
   */
  memReserve(bytes: number): boolean {
    if (this.memused + bytes > this.params.memlimit) return false;
    this.memused += bytes;
    return true;
  }

  /** Give back memory taken with memReserve. */
  memRelease(bytes: number): void {
    this.memused -= bytes;
  }

  /** kernel printf: to the host console */
  printf(msg: string): void {
    const bytes = utf8.encode(msg);
    for (let i = 0; i < bytes.length; i++) this.host.putchar(bytes[i]!);
  }

  /** nanotime: wall-clock time into `ts` */
  nanotime(ts: Timespec): void {
    this.host.clock_gettime(0, this.scratchSec, this.scratchNsec);
    ts.tv_sec = this.scratchSec.v;
    ts.tv_nsec = this.scratchNsec.v;
  }

  /** monotonic time in nanoseconds (for timeouts) */
  monotime(): number {
    this.host.clock_gettime(1, this.scratchSec, this.scratchNsec);
    return this.scratchSec.v * 1e9 + this.scratchNsec.v;
  }

  /** seconds of wall-clock time (time_second) */
  time_second(): number {
    this.host.clock_gettime(0, this.scratchSec, this.scratchNsec);
    return this.scratchSec.v;
  }

  /* ------------------------------------------------------------------ */
  /* processes                                                           */

  /** Create the bootstrap processes (boot steps 4 and 11). */
  initProcs(): void {
    const rlimCur = new Array<number>(RLIM_NLIMITS).fill(RLIM_INFINITY);
    const rlimMax = rlimCur.slice();
    rlimCur[RLIMIT_NOFILE] = 1024;
    rlimMax[RLIMIT_NOFILE] = 3404;
    const cred = Kauth_cred.root();
    this.proc0 = new Proc(
      this,
      0,
      null,
      cred,
      new Filedesc(),
      new Cwdinfo(null, null, 0o022),
      "swapper",
      rlimCur,
      rlimMax,
    );
    this.lwp0 = this.newlwpIn(this.proc0);
    this.procs.set(0, this.proc0);
    cred.cr_refcnt++;
    this.proc1 = new Proc(
      this,
      1,
      this.proc0,
      cred,
      new Filedesc(),
      new Cwdinfo(null, null, 0o022),
      "rumplocal",
      rlimCur.slice(),
      rlimMax.slice(),
    );
    this.proc0.p_children.push(this.proc1);
    this.procs.set(1, this.proc1);
    this.implicitLwp = this.newlwpIn(this.proc1);
  }

  /** A new lwp in `p`. */
  newlwpIn(p: Proc): Lwp {
    const l = new Lwp(p, p.p_nlwpid++);
    p.p_lwps.push(l);
    return l;
  }

  /**
   * The syncer's pass (a host task when the kernel is idle): lazily sync
   * every writable file system, then write the remaining delayed blocks.
   */
  syncerRun(): void {
    this.enter(() => {
      const cred = this.proc0.p_cred;
      for (const mp of this.vfs.mountlist) {
        if ((mp.mnt_flag & MNT_RDONLY) === 0) mp.mnt_op.vfs_sync(mp, MNT_LAZY, cred);
      }
      bufcache_flushall(this.bufcache);
    });
  }

  /** Free an lwp (and its process with the last one). */
  freeLwp(l: Lwp): void {
    freeLwpImpl(this, l);
  }

  /** Next free pid (pids wrap at PID_MAX 30000, skipping ones in use). */
  allocPid(): number {
    for (let tries = 0; tries < 30000; tries++) {
      const pid = this.nextpid;
      this.nextpid = pid >= 30000 ? 2 : pid + 1;
      if (!this.procs.has(pid)) return pid;
    }
    return -1;
  }
}
