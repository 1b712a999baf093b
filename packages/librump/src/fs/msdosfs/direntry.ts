/**
 * The on-disk directory entry of FAT (direntry.h): the 32-byte short (8.3)
 * entry and the Windows 95 long-name entry that precedes it. Pure layout:
 * offsets, flag values and little-endian accessors over Uint8Array, shared
 * by the kernel and newfs_msdos.
 */

/** Bytes of one directory entry (short or long). */
export const DIRENT_SIZE = 32;

/* short entry (struct direntry) */
export const DE_NAME = 0; // 8 bytes, blank padded
export const DE_EXT = 8; // 3 bytes, blank padded
export const DE_ATTR = 11;
/** NT's case flags (deLowerCase): base / extension stored upper case, shown lower case */
export const DE_LCASE = 12;
/** create time, hundredths of a second (0…199: includes the odd second) */
export const DE_CHUN = 13;
export const DE_CTIME = 14;
export const DE_CDATE = 16;
export const DE_ADATE = 18;
/** high 16 bits of the start cluster (FAT32) */
export const DE_HIGHCLUST = 20;
export const DE_MTIME = 22;
export const DE_MDATE = 24;
export const DE_STARTCLUST = 26;
export const DE_FILESIZE = 28;

/** first byte of deName */
export const SLOT_EMPTY = 0x00; // never used: the directory ends here
export const SLOT_E5 = 0x05; // the name really starts with 0xe5
export const SLOT_DELETED = 0xe5;

/** deAttributes */
export const ATTR_NORMAL = 0x00;
export const ATTR_READONLY = 0x01;
export const ATTR_HIDDEN = 0x02;
export const ATTR_SYSTEM = 0x04;
export const ATTR_VOLUME = 0x08;
export const ATTR_DIRECTORY = 0x10;
export const ATTR_ARCHIVE = 0x20;
/** a long-name entry: READONLY | HIDDEN | SYSTEM | VOLUME */
export const ATTR_WIN95 = 0x0f;

/** deLowerCase */
export const LCASE_BASE = 0x08;
export const LCASE_EXT = 0x10;

/* long-name entry (struct winentry) */
export const WE_CNT = 0; // sequence number, WIN_LAST on the first entry stored
export const WE_PART1 = 1; // 5 UTF-16 units
export const WE_ATTR = 11; // ATTR_WIN95
export const WE_RESERVED1 = 12;
export const WE_CHKSUM = 13;
export const WE_PART2 = 14; // 6 units
export const WE_RESERVED2 = 26; // u16, must be 0 (a start cluster in a short entry)
export const WE_PART3 = 28; // 2 units
export const WIN_LAST = 0x40;
export const WIN_CNT = 0x3f;
/** UTF-16 units per long-name entry */
export const WIN_CHARS = 13;
/** the longest long name, in UTF-16 units */
export const WIN_MAXLEN = 255;
/** long-name entries of the longest name */
export const WIN_MAXSLOTS = 20;

/** Byte offsets, in a long-name entry, of its 13 UTF-16 units. */
export const WIN_UNIT_OFF: readonly number[] = [1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30];

/* time and date fields */
export const DT_2SECONDS_MASK = 0x1f;
export const DT_MINUTES_SHIFT = 5;
export const DT_MINUTES_MASK = 0x7e0;
export const DT_HOURS_SHIFT = 11;
export const DD_DAY_MASK = 0x1f;
export const DD_MONTH_SHIFT = 5;
export const DD_MONTH_MASK = 0x1e0;
export const DD_YEAR_SHIFT = 9;

/** The largest directory: 65,536 entries (the FAT specification's limit). */
export const DIR_MAXBYTES = 65536 * DIRENT_SIZE;

export function rd16(b: Uint8Array, off: number): number {
  return b[off]! | (b[off + 1]! << 8);
}
export function rd32(b: Uint8Array, off: number): number {
  return (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
}
export function wr16(b: Uint8Array, off: number, v: number): void {
  b[off] = v & 0xff;
  b[off + 1] = (v >>> 8) & 0xff;
}
export function wr32(b: Uint8Array, off: number, v: number): void {
  b[off] = v & 0xff;
  b[off + 1] = (v >>> 8) & 0xff;
  b[off + 2] = (v >>> 16) & 0xff;
  b[off + 3] = (v >>> 24) & 0xff;
}

/** The start cluster of the short entry at `off` (the high half only on FAT32). */
export function de_startcluster(b: Uint8Array, off: number, fat32: boolean): number {
  const lo = rd16(b, off + DE_STARTCLUST);
  return fat32 ? (lo + rd16(b, off + DE_HIGHCLUST) * 65536) >>> 0 : lo;
}

/** Is the 11-byte name at `off` "." or ".." (blank padded)? 1 or 2, else 0. */
export function de_isdot(b: Uint8Array, off: number): number {
  if (b[off] !== 0x2e) return 0;
  const two = b[off + 1] === 0x2e;
  for (let i = two ? 2 : 1; i < 11; i++) if (b[off + i] !== 0x20) return 0;
  return two ? 2 : 1;
}
