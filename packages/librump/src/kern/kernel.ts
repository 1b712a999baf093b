/**
 * The kernel's state: one rump kernel instance. Everything a kernel owns
 * hangs off this object — processes, the syscall table, mounts, the vnode
 * cache, devices, counters — so several kernels live side by side in one
 * process (DESIGN.md, execution model), and the services the rest of the
 * kernel calls (memory accounting, printf, clocks) are its methods. The
 * kernel is synchronous: an entry (system call, rump_pub_* call,
 * RUMP_VOP_*) runs to completion on the single virtual CPU.
 *
 * File systems, kern/, miscfs/ and dev/ see this class. The kernel as
 * rump/ assembles it (rump/kernel.ts) extends it with the etfs registry and
 * the rump_pub_* routines, and knows how to shut down; a kernel is only
 * ever created there.
 */
import type { Rumpuser } from "@rump/rumpuser";
import { ENOSYS } from "../gen/constants.js";
import { sysent_init, type Retval, type Sysent, type SyCall } from "../gen/sysent.js";
import { Kauth_cred } from "../sys/kauth.js";
import { Cwdinfo, Lwp, Proc } from "../sys/proc.js";
import type { Timespec } from "../sys/time.js";
import { RumpPanic } from "./subr_prf.js";
import { Filedesc } from "./kern_descrip.js";
import { VfsState } from "./vfs_state.js";
import { Evcnts } from "./subr_evcnt.js";
import { RLIMIT_NOFILE } from "../sys/consts.js";
import { RLIM_INFINITY, RLIM_NLIMITS } from "../sys/resource.js";
import { Nameidata } from "./vfs_lookup.js";
import { Devsw } from "../dev/devsw.js";
import { BufCache, bufcache_flushall } from "./vfs_bio.js";
import type { Rumpblk } from "../dev/rumpblk.js";
import { MNT_LAZY, MNT_RDONLY } from "../gen/constants.js";
import { syscallHandlers } from "./syscalls_table.js";
import { Uio } from "../sys/uio.js";
import { Vattr } from "../sys/vattr.js";
import type { VnodeOut } from "../sys/vnode.js";

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

export abstract class Kernel {
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

  /**
   * Shut this kernel down: sync and unmount everything, release the host
   * (reboot(2) comes here). Implemented where the kernel is assembled.
   */
  abstract shutdown(): void;

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
