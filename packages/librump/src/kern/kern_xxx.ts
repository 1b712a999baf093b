/**
 * reboot(2) (kern_xxx.c): in a rump kernel, halting means shutting this
 * kernel instance down — sync, unmount, release the host — not the process.
 */
import { EPERM } from "../gen/constants.js";
import type { Retval } from "../gen/sysent.js";
import type { Lwp } from "../sys/proc.js";

export function sys_reboot(l: Lwp, _rv: Retval, _opt: number, _bootstr: unknown): number {
  if (l.l_cred.cr_euid !== 0) return EPERM;
  l.l_proc.p_kernel.shutdown();
  return 0;
}
