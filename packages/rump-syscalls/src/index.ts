/**
 * @rump/syscalls: the rump_sys_* system calls of a rump kernel, NetBSD's
 * constants and RumpError. See README.md.
 */
export type { SyscallTransport } from "./transport.js";
export { RumpError } from "./rump_error.js";
export * from "./dirent.js";
export { createSyscalls, RUMP_SYSCALL_STUBS, type RumpSyscalls } from "./gen/rump_syscalls.js";
export { defaultSyscalls } from "./default.js";
export * from "./gen/rump_sys.js";
export * from "./gen/sysnum.js";
export * from "./gen/constants.js";
export * from "./consts.js";
export { newStat, newStatvfs, out, UTIME_NOW, UTIME_OMIT } from "@rump/librump";
export type { Flock, Out, Rlimit, Stat, Statvfs, Timespec, Timeval } from "@rump/librump";
