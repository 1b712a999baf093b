/**
 * FAT entry values (fat.h): cluster numbers, the masks of the three FAT
 * widths, the end-of-chain and bad markers, and the clean-shutdown bits
 * FAT16 and FAT32 keep in entry 1.
 */

export const FAT12_MASK = 0x00000fff;
export const FAT16_MASK = 0x0000ffff;
export const FAT32_MASK = 0x0fffffff;

/** the first data cluster */
export const CLUST_FIRST = 2;
export const CLUST_FREE = 0;
/** reserved values start here (masked by the FAT width) */
export const CLUST_RSRVD = 0xfffffff6;
export const CLUST_BAD = 0xfffffff7;
/** end of chain: anything from here up */
export const CLUST_EOFS = 0xfffffff8;
/** the end-of-chain value written */
export const CLUST_EOFE = 0xffffffff;

/** FAT16 entry 1: the volume was unmounted cleanly / saw no I/O error (1 = yes). */
export const FAT16_CLEAN = 0x8000;
export const FAT16_NOERR = 0x4000;
/** FAT32 entry 1: the same two bits. */
export const FAT32_CLEAN = 0x08000000;
export const FAT32_NOERR = 0x04000000;

/** The largest cluster count of FAT12 and FAT16 (the FAT specification: fewer than 4085 / 65525). */
export const MAXCLS12 = 4084;
export const MAXCLS16 = 65524;
/** The highest cluster number FAT32 can address (0x0FFFFFF6 is reserved). */
export const MAXCLUSTER32 = 0x0ffffff5;

/** Files are at most 4 GiB − 1 bytes (the size field is 32 bits). */
export const MSDOSFS_FILESIZE_MAX = 0xffffffff;
