/**
 * @rump/ukfs: ukfs(3) — mount a disk image or a memory file system in a
 * rump kernel and work in it by path — under its C names, an object API
 * with Node's fs names, and detection of file systems and partition tables.
 * See README.md.
 */
export * from "./ukfs.js";
export * from "./part.js";
export { Ukfs, UkfsStats, UkfsDirent } from "./api.js";
export type {
  FileFlag,
  ReadStreamOptions,
  UkfsPromises,
  UkfsStatFs,
  WalkEntry,
  WriteStreamOptions,
} from "./api.js";
export { openImage, openTmpfs, supportedFsTypes, UkfsOpenError } from "./open.js";
export type { OpenImageOptions, OpenTmpfsOptions } from "./open.js";
export {
  describeElTorito,
  describeFs,
  describeImage,
  fsTypeName,
  probeDevice,
  probeFs,
  probeImage,
} from "./probe.js";
export type { ElTorito, ElToritoImage, FsProbe, FsType, ImageProbe, PartitionFs } from "./probe.js";
export { RumpError } from "@rump/syscalls";
export { autoSize, makefs, measureTree, newfsWindow } from "./makefs.js";
export type { MakefsOptions, MakefsType, NewfsParams, TreeSize } from "./makefs.js";
export type { CopyStats } from "./cli/copy.js";
export { mkdisk } from "./mkdisk.js";
export type { DiskPartRequest, MkdiskOptions, MkdiskResult } from "./mkdisk.js";
export {
  ISOFSMNT_EXTATT,
  ISOFSMNT_GENS,
  ISOFSMNT_NOCASETRANS,
  ISOFSMNT_NOJOLIET,
  ISOFSMNT_NORRIP,
  ISOFSMNT_RRCASEINS,
} from "@rump/librump";
