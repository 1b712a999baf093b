/**
 * The on-disk layout of ISO 9660 (ECMA-119; NetBSD's iso.h): volume
 * descriptors, directory records, recording dates, and where the last
 * session of a multi-session image starts. Pure functions over Uint8Array,
 * no kernel state, so the probe of @rump/ukfs uses them too.
 *
 * Numbers: ISO 9660 stores most of them twice ("both-endian", 7.2.3 and
 * 7.3.3); only the little-endian half is read, as NetBSD and Linux do.
 *
 * Distrust the disk: `iso_vd_validate` is the one gate a volume descriptor
 * passes before any use, `iso_dirent_parse` the one a directory record
 * passes.
 */

/* ------------------------------------------------------------------------ */
/* numbers                                                                  */

/** 7.1.1: u8 */
export function isonum_711(b: Uint8Array, off: number): number {
  return b[off]!;
}
/** 7.1.2: s8 */
export function isonum_712(b: Uint8Array, off: number): number {
  return (b[off]! << 24) >> 24;
}
/** 7.2.1: little-endian u16 */
export function isonum_721(b: Uint8Array, off: number): number {
  return b[off]! | (b[off + 1]! << 8);
}
/** 7.2.2: big-endian u16 */
export function isonum_722(b: Uint8Array, off: number): number {
  return (b[off]! << 8) | b[off + 1]!;
}
/** 7.2.3: both-endian u16 (the little-endian half) */
export const isonum_723 = isonum_721;
/** 7.3.1: little-endian u32 */
export function isonum_731(b: Uint8Array, off: number): number {
  return (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
}
/** 7.3.2: big-endian u32 */
export function isonum_732(b: Uint8Array, off: number): number {
  return ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0;
}
/** 7.3.3: both-endian u32 (the little-endian half) */
export const isonum_733 = isonum_731;

/* ------------------------------------------------------------------------ */
/* volume descriptors                                                       */

/** Volume descriptors are 2048 bytes each, from byte 32768 (block 16) of a session. */
export const ISO_DEFAULT_BLOCK_SIZE = 2048;
export const ISO_VD_FIRST = 16;
/** NetBSD looks at most this far for the set terminator. */
export const ISO_VD_LAST = 100;

export const ISO_VD_BOOT = 0;
export const ISO_VD_PRIMARY = 1;
export const ISO_VD_SUPPLEMENTARY = 2;
export const ISO_VD_PARTITION = 3;
export const ISO_VD_END = 255;

/** "CD001" */
const ISO_STANDARD_ID = [0x43, 0x44, 0x30, 0x30, 0x31];

/** Byte offsets in a primary/supplementary volume descriptor. */
export const VD_TYPE = 0;
export const VD_VERSION = 6;
export const VD_FLAGS = 7;
export const VD_SYSTEM_ID = 8;
export const VD_VOLUME_ID = 40;
export const VD_VOLUME_SPACE_SIZE = 80;
export const VD_ESCAPE = 88;
export const VD_LOGICAL_BLOCK_SIZE = 128;
export const VD_PATH_TABLE_SIZE = 132;
export const VD_L_PATH_TABLE = 140;
export const VD_ROOT_RECORD = 156;
export const VD_CREATION_DATE = 813;
export const VD_MODIFICATION_DATE = 830;
/** El Torito boot record: "EL TORITO SPECIFICATION" at 7, the catalog's block at 71. */
export const VD_BOOT_SYSTEM_ID = 7;
export const VD_BOOT_CATALOG = 71;

/** Does `b[off…]` start a volume descriptor ("CD001" at 1)? */
export function iso_vd_isvd(b: Uint8Array, off = 0): boolean {
  if (b.length < off + ISO_DEFAULT_BLOCK_SIZE) return false;
  for (let i = 0; i < 5; i++) if (b[off + 1 + i] !== ISO_STANDARD_ID[i]) return false;
  return true;
}

/** A primary or supplementary volume descriptor, parsed. */
export class IsoVd {
  type = 0;
  version = 0;
  /** supplementary: volume flags (bit 0: escape sequences not registered) */
  flags = 0;
  /** supplementary: the Joliet level its escape sequences name (0: not Joliet) */
  joliet_level = 0;
  logical_block_size = 0;
  volume_space_size = 0;
  path_table_size = 0;
  root_extent = 0;
  root_size = 0;
  root_ext_attr_length = 0;
  root_flags = 0;
  root_reclen = 0;
  root_namelen = 0;
  volume_id = "";
  /** seconds since the epoch (0: not recorded) */
  created = 0;
  modified = 0;
}

/**
 * Parse the primary or supplementary volume descriptor at `b[off…]`.
 * Nothing is checked here: iso_vd_validate is the gate.
 */
export function iso_vd_parse(b: Uint8Array, off: number, vd: IsoVd): void {
  vd.type = b[off + VD_TYPE]!;
  vd.version = b[off + VD_VERSION]!;
  vd.flags = b[off + VD_FLAGS]!;
  vd.joliet_level = 0;
  if (vd.type === ISO_VD_SUPPLEMENTARY && (vd.flags & 1) === 0) {
    // escape sequences %/@ %/C %/E: UCS-2 levels 1, 2, 3 (NetBSD's test)
    if (b[off + VD_ESCAPE] === 0x25 && b[off + VD_ESCAPE + 1] === 0x2f) {
      const c = b[off + VD_ESCAPE + 2];
      vd.joliet_level = c === 0x40 ? 1 : c === 0x43 ? 2 : c === 0x45 ? 3 : 0;
    }
  }
  vd.logical_block_size = isonum_723(b, off + VD_LOGICAL_BLOCK_SIZE);
  vd.volume_space_size = isonum_733(b, off + VD_VOLUME_SPACE_SIZE);
  vd.path_table_size = isonum_733(b, off + VD_PATH_TABLE_SIZE);
  const r = off + VD_ROOT_RECORD;
  vd.root_reclen = b[r]!;
  vd.root_ext_attr_length = b[r + 1]!;
  vd.root_extent = isonum_733(b, r + DR_EXTENT);
  vd.root_size = isonum_733(b, r + DR_SIZE);
  vd.root_flags = b[r + DR_FLAGS]!;
  vd.root_namelen = b[r + DR_NAME_LEN]!;
  let id = "";
  if (vd.joliet_level > 0) {
    for (let i = 0; i + 1 < 32; i += 2) {
      const c = (b[off + VD_VOLUME_ID + i]! << 8) | b[off + VD_VOLUME_ID + i + 1]!;
      if (c === 0) break;
      id += String.fromCharCode(c);
    }
  } else {
    for (let i = 0; i < 32; i++) {
      const c = b[off + VD_VOLUME_ID + i]!;
      if (c === 0) break;
      id += String.fromCharCode(c);
    }
  }
  vd.volume_id = id.trimEnd();
  vd.created = iso_vd_date(b, off + VD_CREATION_DATE);
  vd.modified = iso_vd_date(b, off + VD_MODIFICATION_DATE);
}

/** Largest logical block NetBSD accepts (MAXBSIZE). */
export const ISO_MAXBSIZE = 65536;

/**
 * The gate every primary or supplementary volume descriptor passes before
 * its numbers are used: null when sound, else why not. `devblocks` is the
 * device's size in 2048-byte blocks (0: unknown).
 */
export function iso_vd_validate(vd: IsoVd, devblocks: number): string | null {
  const bs = vd.logical_block_size;
  if (bs < 512 || bs > ISO_MAXBSIZE || (bs & (bs - 1)) !== 0)
    return `logical block size ${bs} is not a power of two from 512 to ${ISO_MAXBSIZE}`;
  if (vd.root_reclen < ISO_DIRECTORY_RECORD_SIZE + 1)
    return `root directory record of ${vd.root_reclen} bytes`;
  if ((vd.root_flags & ISO_FLAG_DIRECTORY) === 0) return "the root record is not a directory";
  if (vd.root_size === 0) return "the root directory is empty (no '.' record)";
  if (vd.volume_space_size === 0) return "volume space size 0";
  if (devblocks > 0) {
    const devlbs = Math.floor((devblocks * ISO_DEFAULT_BLOCK_SIZE) / bs);
    const start = vd.root_extent + vd.root_ext_attr_length;
    if (start >= devlbs || start + Math.ceil(vd.root_size / bs) > devlbs)
      return `root directory at block ${vd.root_extent} (${vd.root_size} bytes) lies beyond the end of the device`;
  }
  return null;
}

/**
 * A recording date of a volume descriptor (8.4.26.1: 16 digits and an
 * offset from GMT in 15-minute units) in seconds; 0 when not recorded.
 */
export function iso_vd_date(b: Uint8Array, off: number): number {
  const ts = { tv_sec: 0, tv_nsec: 0 };
  return iso_tstamp17(b, off, ts) ? ts.tv_sec : 0;
}

/* ------------------------------------------------------------------------ */
/* directory records                                                        */

/** Bytes of a directory record before its name (ISO_DIRECTORY_RECORD_SIZE). */
export const ISO_DIRECTORY_RECORD_SIZE = 33;
/** Longest name a directory entry returns (ISO_MAXNAMLEN = NAME_MAX). */
export const ISO_MAXNAMLEN = 255;

/** Offsets in a directory record. */
export const DR_LENGTH = 0;
export const DR_EXT_ATTR_LENGTH = 1;
export const DR_EXTENT = 2;
export const DR_SIZE = 10;
export const DR_DATE = 18;
export const DR_FLAGS = 25;
export const DR_NAME_LEN = 32;
export const DR_NAME = 33;

/** File flags (9.1.6). */
export const ISO_FLAG_HIDDEN = 0x01;
export const ISO_FLAG_DIRECTORY = 0x02;
export const ISO_FLAG_ASSOCIATED = 0x04;
export const ISO_FLAG_RECORD = 0x08;
export const ISO_FLAG_PROTECTION = 0x10;
export const ISO_FLAG_MULTIEXTENT = 0x80;

/** A directory record, parsed (positions relative to the buffer it was parsed from). */
export class IsoDirent {
  /** where the record starts in its buffer */
  off = 0;
  reclen = 0;
  ext_attr_length = 0;
  extent = 0;
  size = 0;
  flags = 0;
  namelen = 0;
  /** the system use area: [suoff, suend) of the buffer */
  suoff = 0;
  suend = 0;
}

/**
 * Parse the record at `b[off…]`, which must end by `limit` (records never
 * cross a logical block). Returns null when sound, else why not; a record
 * length of 0 (the rest of the block is padding) is for the caller to see
 * before calling this.
 */
export function iso_dirent_parse(
  b: Uint8Array,
  off: number,
  limit: number,
  d: IsoDirent,
): string | null {
  if (off + ISO_DIRECTORY_RECORD_SIZE > limit) return `record at ${off} crosses the block end`;
  const reclen = b[off]!;
  if (reclen < ISO_DIRECTORY_RECORD_SIZE) return `record length ${reclen}`;
  if (off + reclen > limit) return `record of ${reclen} bytes at ${off} crosses the block end`;
  const namelen = b[off + DR_NAME_LEN]!;
  if (namelen === 0) return "record without a name";
  if (ISO_DIRECTORY_RECORD_SIZE + namelen > reclen)
    return `name of ${namelen} bytes in a record of ${reclen}`;
  d.off = off;
  d.reclen = reclen;
  d.ext_attr_length = b[off + DR_EXT_ATTR_LENGTH]!;
  d.extent = isonum_733(b, off + DR_EXTENT);
  d.size = isonum_733(b, off + DR_SIZE);
  d.flags = b[off + DR_FLAGS]!;
  d.namelen = namelen;
  // the system use area follows the name, after a pad byte when the name's length is even
  const su = off + DR_NAME + namelen + ((namelen & 1) === 0 ? 1 : 0);
  d.suoff = Math.min(su, off + reclen);
  d.suend = off + reclen;
  return null;
}

/** Is the record at `b[off…]` (parsed as `d`) "." (\0) or ".." (\1)? 0, 1, or -1. */
export function iso_dirent_dot(b: Uint8Array, d: IsoDirent): number {
  if (d.namelen !== 1) return -1;
  const c = b[d.off + DR_NAME]!;
  return c === 0 ? 0 : c === 1 ? 1 : -1;
}

/* ------------------------------------------------------------------------ */
/* dates                                                                    */

/** Days from 1970-01-01 to y-m-d (proleptic Gregorian; m 1–12). */
function days_from_civil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const mp = (m + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/**
 * A date of fields, with its offset from GMT in 15-minute units; an
 * offset outside -48…52 is ignored ("unreliable on some disks", NetBSD).
 */
function iso_mktime(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  tz: number,
): number {
  let t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
  if (tz >= -48 && tz <= 52) t -= tz * 15 * 60;
  return t;
}

/**
 * The 7-byte date of a directory record (9.1.5: years since 1900, month,
 * day, hour, minute, second, GMT offset) into `ts`. False (and 0) when the
 * date is not recorded (all zero).
 */
export function iso_tstamp7(
  b: Uint8Array,
  off: number,
  ts: { tv_sec: number; tv_nsec: number },
): boolean {
  const mo = b[off + 1]!;
  const d = b[off + 2]!;
  if (mo === 0 || d === 0) {
    ts.tv_sec = 0;
    ts.tv_nsec = 0;
    return false;
  }
  ts.tv_sec = iso_mktime(
    1900 + b[off]!,
    mo,
    d,
    b[off + 3]!,
    b[off + 4]!,
    b[off + 5]!,
    isonum_712(b, off + 6),
  );
  ts.tv_nsec = 0;
  return true;
}

/** `n` decimal digits at `b[off…]`, or -1. */
function digits(b: Uint8Array, off: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) {
    const c = b[off + i]! - 0x30;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * The 17-byte date (8.4.26.1: "YYYYMMDDhhmmsscc" digits and a GMT offset)
 * into `ts`, hundredths as nanoseconds. False (and 0) when not recorded
 * (all digits zero) or not digits.
 */
export function iso_tstamp17(
  b: Uint8Array,
  off: number,
  ts: { tv_sec: number; tv_nsec: number },
): boolean {
  const y = digits(b, off, 4);
  const mo = digits(b, off + 4, 2);
  const d = digits(b, off + 6, 2);
  const h = digits(b, off + 8, 2);
  const mi = digits(b, off + 10, 2);
  const s = digits(b, off + 12, 2);
  const cs = digits(b, off + 14, 2);
  if (y <= 0 || mo <= 0 || mo > 12 || d <= 0 || h < 0 || mi < 0 || s < 0 || cs < 0) {
    ts.tv_sec = 0;
    ts.tv_nsec = 0;
    return false;
  }
  ts.tv_sec = iso_mktime(y, mo, d, h, mi, s, isonum_712(b, off + 16));
  ts.tv_nsec = cs * 10_000_000;
  return true;
}

/* ------------------------------------------------------------------------ */
/* sessions                                                                 */

/**
 * Reads 2048-byte block `blk` of the device into `buf`; false if it cannot
 * (beyond the end, an I/O error).
 */
export type IsoReadFn = (blk: number, buf: Uint8Array) => boolean;

/** The volume descriptor set of one session. */
export interface IsoSession {
  /** first block (2048 bytes) of the session: its descriptors start at start + 16 */
  start: number;
  /** block of its primary volume descriptor */
  pvd: number;
  /** block of its first Joliet supplementary descriptor (-1: none) */
  svd: number;
  /** block of its El Torito boot record (-1: none) */
  boot: number;
}

/** Sessions followed at most (a hostile chain cannot make the mount walk on). */
export const ISO_MAXSESSIONS = 64;

/**
 * The descriptor set of the session starting at block `start`: the first
 * primary, Joliet supplementary and boot record before the terminator
 * (blocks start+16 … start+99, as NetBSD scans). Null when there is no
 * primary, or a block in between is not a volume descriptor (`why` says).
 */
export function iso_vd_scan(
  read: IsoReadFn,
  start: number,
  buf: Uint8Array,
  why: { v: string } | null = null,
): IsoSession | null {
  const s: IsoSession = { start, pvd: -1, svd: -1, boot: -1 };
  for (let i = ISO_VD_FIRST; i < ISO_VD_LAST; i++) {
    const blk = start + i;
    if (!read(blk, buf)) {
      if (why !== null) why.v = `cannot read volume descriptor block ${blk}`;
      break;
    }
    if (!iso_vd_isvd(buf)) {
      if (why !== null && s.pvd < 0)
        why.v =
          i === ISO_VD_FIRST
            ? `no ISO 9660 volume descriptor ("CD001") at block ${blk}`
            : `block ${blk} in the volume descriptor set is not a volume descriptor`;
      break;
    }
    const type = buf[VD_TYPE]!;
    if (type === ISO_VD_END) break;
    if (type === ISO_VD_PRIMARY && s.pvd < 0) s.pvd = blk;
    else if (type === ISO_VD_SUPPLEMENTARY && s.svd < 0) {
      // the first supplementary descriptor that is Joliet (NetBSD takes the first of any kind)
      if ((buf[VD_FLAGS]! & 1) === 0 && buf[VD_ESCAPE] === 0x25 && buf[VD_ESCAPE + 1] === 0x2f) {
        const c = buf[VD_ESCAPE + 2];
        if (c === 0x40 || c === 0x43 || c === 0x45) s.svd = blk;
      }
    } else if (type === ISO_VD_BOOT && s.boot < 0) s.boot = blk;
  }
  if (s.pvd < 0) {
    if (why !== null && why.v === "")
      why.v = `no primary volume descriptor after block ${start + 16}`;
    return null;
  }
  return s;
}

/**
 * Every session of the image, first to last. The first starts at block 0;
 * a later one is found where a writer puts it after the end of the one
 * before (the end the primary descriptor gives, counted from the session
 * or from the disc's start; rounded up to 16 or 32 blocks as xorriso and
 * mkisofs -C do for files; after a CD's lead-out and lead-in gap of 6,900
 * or 11,400 blocks), and only if its primary descriptor is sound and lies
 * beyond it. NetBSD mounts the last session a CD drive reports; an image
 * file has no drive to ask, so its sessions are found this way. An image
 * grown in place (xorriso on a file) has one session with the newest
 * descriptors at block 16.
 */
export function iso_sessions(read: IsoReadFn, devblocks: number): IsoSession[] {
  const buf = new Uint8Array(ISO_DEFAULT_BLOCK_SIZE);
  const vd = new IsoVd();
  const first = iso_vd_scan(read, 0, buf);
  if (first === null) return [];
  const out: IsoSession[] = [first];
  let cur = first;
  while (out.length < ISO_MAXSESSIONS) {
    if (!read(cur.pvd, buf)) break;
    iso_vd_parse(buf, 0, vd);
    if (iso_vd_validate(vd, devblocks) !== null) break;
    const per = vd.logical_block_size / ISO_DEFAULT_BLOCK_SIZE;
    const vss = Math.ceil(vd.volume_space_size * per);
    const cands = new Set<number>();
    for (const end of [vss, cur.start + vss]) {
      for (const e of [end, end + 6900, end + 11400]) {
        cands.add(e);
        cands.add(Math.ceil(e / 16) * 16);
        cands.add(Math.ceil(e / 32) * 32);
      }
      cands.add(end + 150);
    }
    let next: IsoSession | null = null;
    for (const c of [...cands].sort((a, b) => a - b)) {
      if (c <= cur.start || (devblocks > 0 && c + ISO_VD_FIRST >= devblocks)) continue;
      if (!read(c + ISO_VD_FIRST, buf)) continue;
      if (!iso_vd_isvd(buf) || buf[VD_TYPE] !== ISO_VD_PRIMARY) continue;
      iso_vd_parse(buf, 0, vd);
      if (iso_vd_validate(vd, devblocks) !== null) continue;
      // its tree lies in it
      if ((vd.root_extent * vd.logical_block_size) / ISO_DEFAULT_BLOCK_SIZE < c + ISO_VD_FIRST)
        continue;
      next = iso_vd_scan(read, c, buf);
      if (next !== null) break;
    }
    if (next === null) break;
    out.push(next);
    cur = next;
  }
  return out;
}
