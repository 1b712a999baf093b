export * from "./sys/out.js";
export * from "./sys/kauth.js";
export * from "./sys/uio.js";
export * from "./sys/time.js";
export * from "./sys/stat.js";
export * from "./sys/flock.js";
export * from "./sys/vnode.js";
export * from "./sys/vattr.js";
export * from "./sys/namei.js";
export * from "./sys/buf.js";
export * from "./sys/mount.js";
export * from "./sys/proc.js";
export * from "./kern/subr_prf.js";
export * from "./rump/scheduler.js";
export * from "./gen/vnode_if.js";
export { VSIZENOTSET } from "./kern/vnode_if_diag.js";
export * from "./sys/resource.js";
export * from "./sys/param.js";
export * from "./gen/constants.js";
export { LK_SHARED, LK_EXCLUSIVE, LK_NOWAIT, LK_RETRY } from "./sys/vnode.js";
export { MNT_WAIT, MNT_NOWAIT, MNT_LAZY } from "./sys/mount.js";
export * from "./gen/syscall.js";
export * from "./gen/sysent.js";
export * from "./sys/consts.js";
export * from "./rump/kernel.js";
export type { KernelParams } from "./kern/kernel.js";
export * from "./rump/rump.js";
export * from "./rump/lwproc.js";
export {
  RUMP_ETFS_REG,
  RUMP_ETFS_BLK,
  RUMP_ETFS_CHR,
  RUMP_ETFS_DIR,
  RUMP_ETFS_DIR_SUBDIRS,
  RUMP_ETFS_SIZE_ENDOFF,
} from "./rump/etfs.js";
export { RUMPCN_FREECRED } from "./rump/vfs_pub.js";
export * from "./rump/pub_default.js";
export * from "./dev/blockdev.js";
export * from "./dev/disk_partitions.js";
export { crc32, crc32c } from "./libkern/crc.js";
export { dirent_badname } from "./sys/dirent.js";
export { newfs_ffs, newfs_geometry, type NewfsOptions } from "./ufs/ffs/ffs_newfs.js";
export { fsck_ffs, type FsckResult, type FsckOptions } from "./ufs/ffs/ffs_fsck.js";
export {
  fsck_ffs_repair,
  type FsckRepairOptions,
  type FsckRepairResult,
} from "./ufs/ffs/ffs_fsck_fix.js";
export { makedev, major, minor } from "./dev/devsw.js";
export {
  newfs_ext2fs,
  newfs_ext2fs_geometry,
  type NewfsExt2Options,
} from "./ufs/ext2fs/ext2fs_newfs.js";
export { ext2fs_default_journal_blocks } from "./ufs/ext2fs/ext2fs_newfs_ext4.js";
export {
  newfs_msdos,
  newfs_msdos_layout,
  type NewfsMsdosOptions,
  type MsdosLayout,
} from "./fs/msdosfs/msdosfs_newfs.js";
export {
  MSDOSFSMNT_SHORTNAME,
  MSDOSFSMNT_LONGNAME,
  MSDOSFSMNT_NOWIN95,
  MSDOSFSMNT_GEMDOSFS,
  MSDOSFSMNT_VERSIONED,
  MSDOSFSMNT_UTF8,
  MSDOSFSMNT_VERSION,
  type MsdosfsArgs,
} from "./fs/msdosfs/msdosfsmount.js";
export {
  iso_sessions,
  iso_vd_parse,
  iso_vd_validate,
  IsoVd,
  ISO_DEFAULT_BLOCK_SIZE,
  type IsoReadFn,
  type IsoSession,
} from "./fs/cd9660/iso.js";
export {
  ISOFSMNT_NORRIP,
  ISOFSMNT_GENS,
  ISOFSMNT_EXTATT,
  ISOFSMNT_NOJOLIET,
  ISOFSMNT_NOCASETRANS,
  ISOFSMNT_RRCASEINS,
  type IsoArgs,
} from "./fs/cd9660/cd9660_mount.js";
