import type { Kauth_cred } from "./kauth.js";
import type { Vnode } from "./vnode.js";
import type { Kernel } from "../kern/kernel.js";

/** cwd, root and umask of a process (struct cwdinfo). */
export class Cwdinfo {
  constructor(
    public cwdi_cdir: Vnode | null,
    public cwdi_rdir: Vnode | null,
    public cwdi_cmask: number,
  ) {}
}

/**
 * A process (struct proc). Descriptor table and cwdinfo are objects of
 * their own so that rfork can share or copy them.
 */
export class Proc {
  p_stat = 0;
  p_lwps: Lwp[] = [];
  p_nlwpid = 1;
  /** rlimits: RLIMIT_NOFILE soft/hard, … indexed by RLIMIT_* */
  p_rlimit_cur: number[];
  p_rlimit_max: number[];
  /** set by rump_lwproc_releaselwp on the last lwp */
  p_exiting = false;
  /** children (reparented to pid 1 when this process goes away) */
  p_children: Proc[] = [];
  constructor(
    /** the kernel instance this process lives in */
    public p_kernel: Kernel,
    public p_pid: number,
    public p_pptr: Proc | null,
    public p_cred: Kauth_cred,
    /** descriptor table (kern/kern_descrip.ts Filedesc) */
    public p_fd: unknown,
    public p_cwdi: Cwdinfo,
    public p_comm: string,
    rlimCur: number[],
    rlimMax: number[],
  ) {
    this.p_rlimit_cur = rlimCur;
    this.p_rlimit_max = rlimMax;
  }
}

/** A thread of a process (struct lwp). System calls run on an lwp. */
export class Lwp {
  /** marked by releaselwp; freed when the kernel is left */
  l_released = false;
  constructor(
    public l_proc: Proc,
    public l_lid: number,
  ) {}

  /** credentials in force (kauth_cred_get()) */
  get l_cred(): Kauth_cred {
    return this.l_proc.p_cred;
  }
}
