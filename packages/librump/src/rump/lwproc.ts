/**
 * Processes and lwps as applications create them (rump_lwproc(3)):
 * rfork, newlwp, switch, releaselwp, curlwp.
 */
import { EBUSY, EINVAL, ESRCH, EAGAIN } from "../gen/constants.js";
import { Cwdinfo, Proc, type Lwp } from "../sys/proc.js";
import { Filedesc, fd_free } from "../kern/kern_descrip.js";
import { panic } from "../kern/subr_prf.js";
import { vref, vrele } from "../kern/vfs_vnode.js";
import type { Kernel } from "./kernel.js";

/** rfork flags (rump.h) */
export const RUMP_RFFD_SHARE = 0x00;
export const RUMP_RFFDG = 0x01;
export const RUMP_RFFD_COPY = RUMP_RFFDG;
export const RUMP_RFCFDG = 0x02;
export const RUMP_RFFD_CLEAR = RUMP_RFCFDG;

/** The process new processes descend from: the current one, or pid 1. */
function curproc(k: Kernel): Proc {
  return (k.curlwp ?? k.implicitLwp).l_proc;
}

export function lwproc_rfork(k: Kernel, flags: number): number {
  if (
    flags & ~(RUMP_RFFDG | RUMP_RFCFDG) ||
    (flags & (RUMP_RFFDG | RUMP_RFCFDG)) === (RUMP_RFFDG | RUMP_RFCFDG)
  ) {
    return EINVAL;
  }
  const parent = curproc(k);
  const pid = k.allocPid();
  if (pid < 0) return EAGAIN;
  let fdp: Filedesc;
  if (flags & RUMP_RFFDG) fdp = (parent.p_fd as Filedesc).copy();
  else if (flags & RUMP_RFCFDG) fdp = new Filedesc();
  else {
    fdp = parent.p_fd as Filedesc;
    fdp.fd_refcnt++;
  }
  const pc = parent.p_cwdi;
  if (pc.cwdi_cdir !== null) vref(pc.cwdi_cdir);
  if (pc.cwdi_rdir !== null) vref(pc.cwdi_rdir);
  const cwdi = new Cwdinfo(pc.cwdi_cdir, pc.cwdi_rdir, pc.cwdi_cmask);
  parent.p_cred.cr_refcnt++;
  const p = new Proc(
    k,
    pid,
    parent,
    parent.p_cred,
    fdp,
    cwdi,
    parent.p_comm === "" ? "rumproc" : parent.p_comm,
    parent.p_rlimit_cur.slice(),
    parent.p_rlimit_max.slice(),
  );
  parent.p_children.push(p);
  k.procs.set(pid, p);
  const l = k.newlwpIn(p);
  switchTo(k, l);
  return 0;
}

export function lwproc_newlwp(k: Kernel, pid: number): number {
  const p = k.procs.get(pid);
  if (p === undefined) return ESRCH;
  if (p.p_exiting) return EBUSY;
  switchTo(k, k.newlwpIn(p));
  return 0;
}

function switchTo(k: Kernel, l: Lwp | null): void {
  const prev = k.curlwp;
  k.curlwp = l;
  if (prev !== null && prev.l_released && prev !== l) k.freeLwp(prev);
}

export function lwproc_switch(k: Kernel, l: Lwp | null): void {
  if (l !== null && l.l_proc.p_kernel !== k) panic("lwproc_switch: lwp of another kernel");
  if (l !== null && l.l_released) panic("lwproc_switch: switch to a released lwp");
  switchTo(k, l);
}

export function lwproc_releaselwp(k: Kernel): void {
  const l = k.curlwp;
  if (l === null) panic("rump_lwproc_releaselwp: releasing implicit context");
  l.l_released = true;
  k.curlwp = null;
  k.freeLwp(l);
}

export function lwproc_curlwp(k: Kernel): Lwp | null {
  const l = k.curlwp;
  return l === null || l.l_released ? null : l;
}

/**
 * Free an lwp; the last lwp of a process takes the process with it: its
 * descriptors are closed, cwd and root released, children go to pid 1.
 */
export function freeLwpImpl(k: Kernel, l: Lwp): void {
  const p = l.l_proc;
  const i = p.p_lwps.indexOf(l);
  if (i < 0) return;
  p.p_lwps.splice(i, 1);
  if (p.p_lwps.length > 0 || p.p_pid <= 1) return;
  p.p_exiting = true;
  fd_free(l, p.p_fd as Filedesc);
  const cwdi = p.p_cwdi;
  if (cwdi.cwdi_cdir !== null) vrele(cwdi.cwdi_cdir);
  if (cwdi.cwdi_rdir !== null) vrele(cwdi.cwdi_rdir);
  cwdi.cwdi_cdir = cwdi.cwdi_rdir = null;
  p.p_cred.cr_refcnt--;
  for (const c of p.p_children) {
    c.p_pptr = k.proc1;
    k.proc1.p_children.push(c);
  }
  p.p_children.length = 0;
  if (p.p_pptr !== null) {
    const j = p.p_pptr.p_children.indexOf(p);
    if (j >= 0) p.p_pptr.p_children.splice(j, 1);
  }
  k.procs.delete(p.p_pid);
}
