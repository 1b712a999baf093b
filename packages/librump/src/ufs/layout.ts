/**
 * The on-disk layout of FFS (UFS1/UFS2, either byte order) for tools such
 * as newfs and the checker: superblock, cylinder groups, inodes, directory
 * entries and the byte-order helpers. Pure functions over Uint8Array and
 * DataView, free of kernel and host dependencies.
 */
export * from "./ufs/ufs_bswap.js";
export * from "./ufs/dinode.js";
export * from "./ufs/dir.js";
export * from "./ffs/fs.js";
export * from "./ffs/ffs_cg.js";
