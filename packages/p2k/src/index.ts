/**
 * @rump/p2k: serve a rump kernel's file system (FFS, ext2fs, tmpfs) to the
 * host through FUSE — NetBSD's p2k(3) under its C names, a promise-returning
 * mount() for Node programs, and the rump_ffs / rump_ext2fs / rump_tmpfs
 * commands. See README.md.
 */
export { checkMountpoint, mount, mountSync, P2K_MEMLIMIT } from "./mount.js";
export type { MountOptions } from "./mount.js";
export { P2kMount, P2kMountError } from "./serve.js";
export type { HostMountOptions, P2kSource } from "./serve.js";
export type { P2kEnd, P2kSettings } from "./p2k_server.js";
export {
  p2k_cancel,
  p2k_init,
  p2k_mainloop,
  p2k_run_diskfs,
  p2k_run_fs,
  p2k_setup_diskfs,
  p2k_setup_fs,
  P2kMountHandle,
  PUFFS_FLAG_OPDUMP,
  PUFFS_KFLAG_NOCACHE,
  PUFFS_KFLAG_NOCACHE_NAME,
  PUFFS_KFLAG_NOCACHE_PAGE,
  UID_MAX,
} from "./p2k.js";
export type { P2kHostOptions } from "./p2k.js";
export { P2kUnavailableError, p2kStatus } from "./native.js";
export { runMountCommand } from "./command.js";
export type { MountCommand } from "./command.js";
export { p2kUnmount, lockHolders } from "./umount.js";
export type { UnmountOptions } from "./umount.js";
export { findMount, readMountinfo, isP2kMount } from "./mountinfo.js";
export type { MountEntry } from "./mountinfo.js";
export { parseMountOptions, MOUNT_OPTION_HELP, MountOptionError } from "./cli/mntopts.js";
export type { ParsedMountOptions } from "./cli/mntopts.js";
export { RumpError } from "@rump/syscalls";
