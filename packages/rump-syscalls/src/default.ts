import { rump_default_kernel } from "@rump/librump";
import { createSyscalls, type RumpSyscalls } from "./gen/rump_syscalls.js";

let bound: RumpSyscalls | null = null;

/**
 * The stubs bound to librump's default kernel (`rump_default_kernel()`,
 * which boots it on first use), created on first call. The plain
 * `rump_sys_*` exports go through this.
 */
export function defaultSyscalls(): RumpSyscalls {
  return (bound ??= createSyscalls(rump_default_kernel()));
}
