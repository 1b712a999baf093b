/**
 * The core of a ukfs handle (C's `struct ukfs`): which kernel, where the file
 * system is mounted, the handle's cwd, the etfs key of its image, and the
 * per-call process model of ukfs.md §1.
 */
import { RUMP_RFCFDG, type Kernel, type Lwp, type Mount } from "@rump/librump";
import { createSyscalls, MNT_FORCE, RumpError, type RumpSyscalls } from "@rump/syscalls";

/** ukfs_release flags */
export const UKFS_RELFLAG_NOUNMOUNT = 0x01;
export const UKFS_RELFLAG_FORCE = 0x02;

/** Kernels ukfs has bound rump_sys_* stubs to (one closure set per kernel). */
const sysByKernel = new WeakMap<Kernel, RumpSyscalls>();

export function syscallsOf(k: Kernel): RumpSyscalls {
  let sys = sysByKernel.get(k);
  if (sys === undefined) {
    sys = createSyscalls(k);
    sysByKernel.set(k, sys);
  }
  return sys;
}

/** Throw RumpError for a nonzero errno of a rump_pub_* routine. */
export function check(errno: number, syscall: string, path?: string): void {
  if (errno !== 0) throw new RumpError(errno, syscall, path);
}

/**
 * Run `fn` in the kernel's implicit context (pid 1, root, the kernel's
 * root directory), then return to whatever lwp the caller had bound.
 */
export function inImplicitContext<T>(k: Kernel, fn: () => T): T {
  const prev = k.rump_pub_lwproc_curlwp();
  if (prev !== null) k.rump_pub_lwproc_switch(null);
  try {
    return fn();
  } finally {
    if (prev !== null && k.dead === null) k.rump_pub_lwproc_switch(prev);
  }
}

export interface HandleInit {
  kernel: Kernel;
  /** the kernel was created for this handle: release shuts it down */
  ownsKernel: boolean;
  vfsname: string;
  mountpath: string;
  /** etfs key (= absolute host path) of the image, null for ukfs_part_na */
  devkey: string | null;
  mntflags: number;
}

export class UkfsCore {
  readonly kernel: Kernel;
  readonly ownsKernel: boolean;
  readonly vfsname: string;
  /** mount point inside the rump kernel */
  readonly mountpath: string;
  readonly devkey: string | null;
  readonly mntflags: number;
  /** the handle's cwd, inside the file system ("/" = its root) */
  cwd = "/";
  /** ukfs_setspecific / ukfs_getspecific */
  specific: unknown = null;
  /** false once released */
  alive = true;
  /** rump_sys_* bound to the handle's kernel */
  readonly sys: RumpSyscalls;
  /** the persistent process of ukfs_open and of streams (chrooted), made on first use */
  private fdlwp: Lwp | null = null;

  constructor(init: HandleInit) {
    this.kernel = init.kernel;
    this.ownsKernel = init.ownsKernel;
    this.vfsname = init.vfsname;
    this.mountpath = init.mountpath;
    this.devkey = init.devkey;
    this.mntflags = init.mntflags;
    this.sys = syscallsOf(init.kernel);
  }

  /** Throw EBADF for a released handle. */
  protected live(syscall: string): void {
    if (!this.alive) throw new RumpError(9 /* EBADF */, syscall);
  }

  /**
   * The per-call model (ukfs.md §1): a fresh process with an empty
   * descriptor table, chrooted to the mount point and in the handle's cwd,
   * runs `fn`, then disappears (closing whatever `fn` left open). The
   * caller's bound lwp, if any, is current again afterwards.
   */
  run<T>(syscall: string, fn: (sys: RumpSyscalls) => T): T {
    this.live(syscall);
    const k = this.kernel;
    const sys = this.sys;
    const prev = k.rump_pub_lwproc_curlwp();
    if (prev !== null) k.rump_pub_lwproc_switch(null);
    const error = k.rump_pub_lwproc_rfork(RUMP_RFCFDG);
    if (error !== 0) {
      if (prev !== null) k.rump_pub_lwproc_switch(prev);
      throw new RumpError(error, "rfork");
    }
    try {
      sys.rump_sys_chroot(this.mountpath);
      sys.rump_sys_chdir(this.cwd);
      return fn(sys);
    } finally {
      if (k.dead === null) {
        k.rump_pub_lwproc_releaselwp();
        if (prev !== null) k.rump_pub_lwproc_switch(prev);
      }
    }
  }

  /**
   * Run `fn` in the handle's persistent descriptor process (chrooted to the
   * mount point like the per-call ones), so descriptors survive between
   * calls: ukfs_open and the _fd calls, streams. Deliberately unlike C, whose
   * ukfs_open loses its descriptor with the per-call process (ukfs.md §5).
   */
  inFdProc<T>(syscall: string, fn: (sys: RumpSyscalls) => T): T {
    this.live(syscall);
    const k = this.kernel;
    const prev = k.rump_pub_lwproc_curlwp();
    if (this.fdlwp === null) {
      if (prev !== null) k.rump_pub_lwproc_switch(null);
      const error = k.rump_pub_lwproc_rfork(RUMP_RFCFDG);
      if (error !== 0) {
        if (prev !== null) k.rump_pub_lwproc_switch(prev);
        throw new RumpError(error, "rfork");
      }
      try {
        this.sys.rump_sys_chroot(this.mountpath);
        this.sys.rump_sys_chdir("/");
      } catch (e) {
        k.rump_pub_lwproc_releaselwp();
        if (prev !== null) k.rump_pub_lwproc_switch(prev);
        throw e;
      }
      this.fdlwp = k.rump_pub_lwproc_curlwp();
    } else k.rump_pub_lwproc_switch(this.fdlwp);
    try {
      return fn(this.sys);
    } finally {
      if (k.dead === null) k.rump_pub_lwproc_switch(prev);
    }
  }

  /** End the descriptor process (closing its descriptors). */
  protected endFdProc(): void {
    const l = this.fdlwp;
    if (l === null) return;
    this.fdlwp = null;
    const k = this.kernel;
    if (k.dead !== null) return;
    const prev = k.rump_pub_lwproc_curlwp();
    k.rump_pub_lwproc_switch(l);
    k.rump_pub_lwproc_releaselwp();
    if (prev !== null && prev !== l) k.rump_pub_lwproc_switch(prev);
  }

  /** ukfs_getmp: the kernel's mount structure of this file system. */
  getmp(): Mount {
    this.live("ukfs_getmp");
    const mpp: { v: Mount | null } = { v: null };
    inImplicitContext(this.kernel, () =>
      check(this.kernel.rump_pub_vfs_getmp(this.mountpath, mpp), "ukfs_getmp", this.mountpath),
    );
    return mpp.v!;
  }

  /**
   * ukfs_release (ukfs.md §3): unmount (unless NOUNMOUNT; FORCE →
   * MNT_FORCE), remove the etfs key, and shut a private kernel down (which
   * drops the image's host lock). The descriptor process goes first (its
   * descriptors would keep the file system busy). An unmount failure throws
   * and leaves the handle valid. With NOUNMOUNT the file system stays
   * mounted, its key registered and a private kernel running (reachable as
   * `handle.kernel`; shut it down yourself).
   */
  release(flags = 0): void {
    this.live("ukfs_release");
    const k = this.kernel;
    this.endFdProc();
    if ((flags & UKFS_RELFLAG_NOUNMOUNT) === 0) {
      const mntflags = flags & UKFS_RELFLAG_FORCE ? MNT_FORCE : 0;
      inImplicitContext(k, () => this.sys.rump_sys_unmount(this.mountpath, mntflags));
      if (this.devkey !== null) k.rump_pub_etfs_remove(this.devkey);
      this.alive = false;
      if (this.ownsKernel) k.shutdown();
    } else {
      // the C code removes the key regardless; with the disk still mounted that is EBUSY
      if (this.devkey !== null) k.rump_pub_etfs_remove(this.devkey);
      this.alive = false;
    }
  }
}
