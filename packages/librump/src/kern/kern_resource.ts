/**
 * Resource limits (kern_resource.c): getrlimit/setrlimit. RLIMIT_NOFILE is
 * the one the kernel enforces (EMFILE).
 */
import { EFAULT, EINVAL, EPERM } from "../gen/constants.js";
import type { Retval } from "../gen/sysent.js";
import type { Lwp } from "../sys/proc.js";
import { RLIM_NLIMITS, type Rlimit } from "../sys/resource.js";
import { RLIMIT_NOFILE } from "../sys/consts.js";

export function sys_getrlimit(l: Lwp, _rv: Retval, which: number, rlp: Rlimit): number {
  if (!Number.isInteger(which) || which < 0 || which >= RLIM_NLIMITS) return EINVAL;
  if (rlp === null || typeof rlp !== "object") return EFAULT;
  rlp.rlim_cur = l.l_proc.p_rlimit_cur[which]!;
  rlp.rlim_max = l.l_proc.p_rlimit_max[which]!;
  return 0;
}

export function sys_setrlimit(l: Lwp, _rv: Retval, which: number, rlp: Rlimit): number {
  if (!Number.isInteger(which) || which < 0 || which >= RLIM_NLIMITS) return EINVAL;
  if (rlp === null || typeof rlp !== "object") return EFAULT;
  const { rlim_cur, rlim_max } = rlp;
  if (!(rlim_cur >= 0) || !(rlim_max >= 0) || rlim_cur > rlim_max) return EINVAL;
  const p = l.l_proc;
  if (rlim_max > p.p_rlimit_max[which]! && l.l_cred.cr_euid !== 0) return EPERM;
  let cur = rlim_cur;
  let max = rlim_max;
  if (which === RLIMIT_NOFILE) {
    // maxfiles bounds the descriptor table
    max = Math.min(max, 3404);
    cur = Math.min(cur, max);
  }
  p.p_rlimit_cur[which] = cur;
  p.p_rlimit_max[which] = max;
  return 0;
}
