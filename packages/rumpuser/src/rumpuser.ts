/**
 * The hypercall interface: what a rump kernel asks of its host.
 *
 * Basis: NetBSD's sys/rump/include/rump/rumpuser.h (RUMPUSER_VERSION 17) and
 * rumpuser(3), adapted to one single-threaded JavaScript host per kernel
 * (DESIGN.md, "Answers to the hypercall questions"):
 *
 * - every call that can fail returns 0 or a NetBSD errno and writes its
 *   results into caller-owned out slots (`Out<T>`), which hot paths reuse;
 * - offsets and sizes are `number` (exact to 2^53); data is `Uint8Array`;
 * - `bio` completes before it returns: `biodone` runs inside the call;
 * - there are no host threads: kernel threads become host tasks
 *   (`task_schedule`), locks are owner-tracking counters and a wait that
 *   nothing could ever end throws `RumpuserDeadlock` instead of hanging;
 * - one host object serves one kernel and owns all host state (descriptor
 *   table, image locks, parameters, console buffer, pending tasks).
 *
 * Implementations: `NodeHost` (hosts/node.ts) and `MemoryHost`
 * (hosts/memory.ts). Names keep NetBSD's spelling (`rumpuser_bio` → `bio`).
 */

/** Version of this interface; `init` refuses any other. */
export const RUMPUSER_VERSION = 17;

/** `T *` out-parameter: the callee writes `v`, the caller owns the slot. */
export interface Out<T> {
  v: T;
}

/* open modes (rumpuser_open) */
export const RUMPUSER_OPEN_RDONLY = 0x0000;
export const RUMPUSER_OPEN_WRONLY = 0x0001;
export const RUMPUSER_OPEN_RDWR = 0x0002;
/** mask of the access mode; the value 3 is invalid (EINVAL) */
export const RUMPUSER_OPEN_ACCMODE = 0x0003;
export const RUMPUSER_OPEN_CREATE = 0x0004;
export const RUMPUSER_OPEN_EXCL = 0x0008;
/** the descriptor will be used with `bio`; takes the image lock */
export const RUMPUSER_OPEN_BIO = 0x0010;

/* file types (rumpuser_getfileinfo) */
export const RUMPUSER_FT_OTHER = 0;
export const RUMPUSER_FT_DIR = 1;
export const RUMPUSER_FT_REG = 2;
export const RUMPUSER_FT_BLK = 3;
export const RUMPUSER_FT_CHR = 4;

/* block I/O (rumpuser_bio) */
export const RUMPUSER_BIO_READ = 0x01;
export const RUMPUSER_BIO_WRITE = 0x02;
export const RUMPUSER_BIO_SYNC = 0x04;

/** iovread/iovwrite offset meaning "use the descriptor's own position" */
export const RUMPUSER_IOV_NOSEEK = -1;

/* syncfd flags */
export const RUMPUSER_SYNCFD_READ = 0x01;
export const RUMPUSER_SYNCFD_WRITE = 0x02;
export const RUMPUSER_SYNCFD_BOTH = RUMPUSER_SYNCFD_READ | RUMPUSER_SYNCFD_WRITE;
export const RUMPUSER_SYNCFD_BARRIER = 0x04;
export const RUMPUSER_SYNCFD_SYNC = 0x08;

/* clocks (enum rumpclock) */
export const RUMPUSER_CLOCK_RELWALL = 0;
export const RUMPUSER_CLOCK_ABSMONO = 1;

/* getrandom flags */
export const RUMPUSER_RANDOM_HARD = 0x01;
export const RUMPUSER_RANDOM_NOWAIT = 0x02;

/* mutex flags */
export const RUMPUSER_MTX_SPIN = 0x01;
export const RUMPUSER_MTX_KMUTEX = 0x02;

/* rwlock kinds (enum rumprwlock) */
export const RUMPUSER_RW_READER = 0;
export const RUMPUSER_RW_WRITER = 1;

/* curlwpop operations (enum rumplwpop) */
export const RUMPUSER_LWP_CREATE = 0;
export const RUMPUSER_LWP_DESTROY = 1;
export const RUMPUSER_LWP_SET = 2;
export const RUMPUSER_LWP_CLEAR = 3;

/** `exit` status meaning "panic" */
export const RUMPUSER_PANIC = -1;
/** `kill` pid meaning "no hint: the process containing the kernel" */
export const RUMPUSER_PID_SELF = -1;

/* mandatory parameters (rumpuser_getparam) */
export const RUMPUSER_PARAM_NCPU = "_RUMPUSER_NCPU";
export const RUMPUSER_PARAM_HOSTNAME = "_RUMPUSER_HOSTNAME";

/** A kernel lwp: opaque to the host, compared by identity only. */
export type RumpuserLwp = object;

/**
 * Completion of a `bio`: called exactly once, before `bio` returns, with the
 * bytes transferred (0 on error) and a NetBSD errno (0 = ok). The kernel
 * passes one static function and its buf as `donearg`, so no closure is made
 * per block.
 */
export type RumpuserBiodone<A> = (donearg: A, count: number, error: number) => void;

/**
 * The kernel's side of the contract (struct rumpuser_hyperup). With one
 * virtual CPU and no host threads most are no-ops, but the host still calls
 * `hyp_backend_unschedule`/`hyp_backend_schedule` around a real sleep
 * (`clock_sleep`, `cv_timedwait`), as the reference host does.
 */
export interface RumpuserUpcalls {
  /** rump_schedule: take a CPU before the host calls into the kernel */
  hyp_schedule(): void;
  /** rump_unschedule: give it back */
  hyp_unschedule(): void;
  /** release the CPU inside a blocking hypercall; `countp` gets the big-lock holds dropped */
  hyp_backend_unschedule(nlocks: number, countp: Out<number>, interlock: RumpuserMtx | null): void;
  /** retake the CPU and `nlocks` big-lock holds */
  hyp_backend_schedule(nlocks: number, interlock: RumpuserMtx | null): void;
  hyp_lwproc_switch(l: RumpuserLwp | null): void;
  hyp_lwproc_release(): void;
  /** returns 0 or an errno */
  hyp_lwproc_newlwp(pid: number): number;
  hyp_lwproc_curlwp(): RumpuserLwp | null;
  hyp_getpid(): number;
  /**
   * The host process is ending (Node's "exit" event): sync and unmount
   * everything, as a shutdown would. Optional; a host that outlives nothing
   * (MemoryHost) never calls it.
   */
  hyp_shutdown?(): void;
}

/** Upcalls that do nothing: what a host uses until `init` hands it the kernel's. */
export const NOOP_UPCALLS: RumpuserUpcalls = Object.freeze({
  hyp_schedule(): void {},
  hyp_unschedule(): void {},
  hyp_backend_unschedule(_nlocks: number, countp: Out<number>): void {
    countp.v = 0;
  },
  hyp_backend_schedule(): void {},
  hyp_lwproc_switch(): void {},
  hyp_lwproc_release(): void {},
  hyp_lwproc_newlwp(): number {
    return 0;
  },
  hyp_lwproc_curlwp(): RumpuserLwp | null {
    return null;
  },
  hyp_getpid(): number {
    return 0;
  },
});

/** A scheduled kernel task (a host timer that never keeps the process alive). */
export interface TaskHandle {
  /** true until the task ran or was cancelled */
  readonly pending: boolean;
  /** whether the underlying host timer keeps the event loop alive (always false) */
  hasRef(): boolean;
}

/** Mutex (struct rumpuser_mtx): opaque to the kernel. */
export interface RumpuserMtx {
  readonly flags: number;
}
/** Reader/writer lock (struct rumpuser_rw): opaque to the kernel. */
export interface RumpuserRw {
  readonly readers: number;
}
/** Condition variable (struct rumpuser_cv): opaque to the kernel. */
export interface RumpuserCv {
  readonly waiters: number;
}

/**
 * The hypercall interface, version 17, for a single-threaded host.
 * Method names follow rumpuser(3) without the `rumpuser_` prefix.
 */
export interface Rumpuser {
  readonly version: typeof RUMPUSER_VERSION;

  /**
   * Accept the kernel's upcalls. Any version but 17 prints
   * `rumpuser mismatch, kern: N, hypervisor 17` and returns EINVAL;
   * a second successful init returns EBUSY (one host serves one kernel).
   */
  init(version: number, upcalls: RumpuserUpcalls): number;

  /**
   * A parameter as a string. `_RUMPUSER_NCPU` → "1", `_RUMPUSER_HOSTNAME` →
   * `rump-<pid %05d>.<host name>`, other `_…` → EINVAL; any other name comes
   * from the host options' `params`, then (NodeHost) the environment; unset →
   * ENOENT; longer than `buflen - 1` UTF-8 bytes → ERANGE. A `RUMP_MEMLIMIT`
   * percentage ("25%") is resolved to bytes of host memory.
   */
  getparam(name: string, buf: Out<string>, buflen: number): number;

  /**
   * Bytes of memory the host has (0 when unknown): what RUMP_MEMLIMIT
   * percentages are of, and what the kernel sizes kern.maxvnodes from when
   * no limit is set. Optional: a host without it is a host that does not know.
   */
  hostTotalMemory?(): number;

  /** RELWALL: wall time; ABSMONO: monotonic time from an arbitrary origin. EINVAL for another clock. */
  clock_gettime(clk: number, sec: Out<number>, nsec: Out<number>): number;
  /**
   * RELWALL: sleep at least (sec, nsec); ABSMONO: sleep until the monotonic
   * clock reaches (sec, nsec). A real sleep (Atomics.wait), never a busy wait;
   * with a virtual clock it advances virtual time instead.
   */
  clock_sleep(clk: number, sec: number, nsec: number): number;

  /** Fill all of `buf`; `retp` = buf.length. Flags: HARD, NOWAIT; another bit → EINVAL. */
  getrandom(buf: Uint8Array, flags: number, retp: Out<number>): number;

  /** One console character; the console is line-buffered (flushed at '\n'). */
  putchar(ch: number): void;
  /** Debug output bypassing the kernel (line-buffered as well). */
  dprintf(msg: string): void;
  /** End the kernel: throws RumpuserExit (RumpuserPanic for RUMPUSER_PANIC); never exits the process. */
  exit(value: number): never;
  /** Record a signal for the process containing the kernel; never raises a real one. Returns 0. */
  kill(pid: number, sig: number): number;

  /** Open `name` with RUMPUSER_OPEN_* `mode`; `fdp` gets a small integer of the host's table. */
  open(name: string, mode: number, fdp: Out<number>): number;
  /** Close; fsyncs first when written since the last sync. Unknown fd → EBADF. */
  close(fd: number): number;
  /** Size and RUMPUSER_FT_* type of `name`; either slot may be null. Missing → ENOENT. */
  getfileinfo(name: string, size: Out<number> | null, type: Out<number> | null): number;
  /**
   * Synchronous block I/O of `data[0, dlen)` at byte `off`: `biodone` runs
   * exactly once before this returns. EINVAL (via biodone) unless the fd was
   * opened with BIO, `dlen` is a multiple of 512 and `off` a non-negative integer.
   */
  bio<A>(
    fd: number,
    op: number,
    data: Uint8Array,
    dlen: number,
    off: number,
    biodone: RumpuserBiodone<A>,
    donearg: A,
  ): void;
  /** Scatter read at `off` (≥ 0) or, with RUMPUSER_IOV_NOSEEK, at the descriptor's position. */
  iovread(fd: number, iov: readonly Uint8Array[], off: number, retv: Out<number>): number;
  /** Gather write, offsets as for iovread. */
  iovwrite(fd: number, iov: readonly Uint8Array[], off: number, retv: Out<number>): number;
  /** Needs READ or WRITE (else EINVAL); WRITE|SYNC reaches stable storage; `len` 0 = to the end. */
  syncfd(fd: number, flags: number, start: number, len: number): number;

  /** Run `fn` after `delayMs` on the host event loop, on an unref'd timer. */
  task_schedule(fn: () => void, delayMs: number): TaskHandle;
  /** Cancel a pending task (no effect once it ran). */
  task_cancel(h: TaskHandle): void;
  /** No host threads: EOPNOTSUPP ("threads not available"). */
  thread_create(
    fn: (arg: unknown) => void,
    arg: unknown,
    name: string,
    mustjoin: boolean,
    priority: number,
    cpuidx: number,
    cookie: Out<unknown> | null,
  ): number;
  /** No thread can exist: EINVAL. */
  thread_join(cookie: unknown): number;
  /** Maintain the current lwp; a violated rule (SET while set, CLEAR of another) throws RumpuserBug. */
  curlwpop(op: number, l: RumpuserLwp): void;
  /** The lwp SET installed, or null. */
  curlwp(): RumpuserLwp | null;

  /** A mutex; `flags` must contain SPIN or KMUTEX. */
  mutex_init(flags: number): RumpuserMtx;
  /** Take it; held by another lwp → throws RumpuserDeadlock; by the caller → RumpuserBug. */
  mutex_enter(mtx: RumpuserMtx): void;
  /** mutex_enter for SPIN mutexes only. */
  mutex_enter_nowrap(mtx: RumpuserMtx): void;
  /** 0, or EBUSY when held. */
  mutex_tryenter(mtx: RumpuserMtx): number;
  mutex_exit(mtx: RumpuserMtx): void;
  mutex_destroy(mtx: RumpuserMtx): void;
  /** The owning lwp (KMUTEX mutexes), null when free. */
  mutex_owner(mtx: RumpuserMtx): RumpuserLwp | null;

  rw_init(): RumpuserRw;
  /** Take it as READER or WRITER; a conflict throws RumpuserDeadlock. */
  rw_enter(lk: number, rw: RumpuserRw): void;
  /** 0, or EBUSY on a conflict. */
  rw_tryenter(lk: number, rw: RumpuserRw): number;
  /** Sole reader → writer: 0, or EBUSY. */
  rw_tryupgrade(rw: RumpuserRw): number;
  /** Writer → reader, with no window for another writer. */
  rw_downgrade(rw: RumpuserRw): void;
  rw_exit(rw: RumpuserRw): void;
  rw_destroy(rw: RumpuserRw): void;
  /** WRITER: the caller is the writer; READER: the lock has readers. */
  rw_held(lk: number, rw: RumpuserRw): boolean;

  cv_init(): RumpuserCv;
  cv_destroy(cv: RumpuserCv): void;
  /** Nobody could ever signal: throws RumpuserDeadlock (the interlock stays held). */
  cv_wait(cv: RumpuserCv, mtx: RumpuserMtx): void;
  cv_wait_nowrap(cv: RumpuserCv, mtx: RumpuserMtx): void;
  /** Really sleeps the relative timeout, then returns ETIMEDOUT (60). */
  cv_timedwait(cv: RumpuserCv, mtx: RumpuserMtx, sec: number, nsec: number): number;
  cv_signal(cv: RumpuserCv): void;
  cv_broadcast(cv: RumpuserCv): void;
  /** Number of waiters: always 0 on a single-threaded host. */
  cv_has_waiters(cv: RumpuserCv): number;

  /**
   * Kernel shutdown (DESIGN.md answer 7): close every host descriptor (fsync
   * where written), drop the image locks, cancel pending tasks, flush the
   * console. Idempotent.
   */
  shutdown(): void;
}
