/**
 * Names and times of FAT (msdosfs_conv.c).
 *
 * Names. A kernel name is a byte string (one JS char per byte); with
 * MSDOSFSMNT_UTF8 its bytes are UTF-8 (WTF-8: a lone surrogate of a long
 * name round-trips), otherwise each byte is one ISO 8859-1 character, as
 * NetBSD's 8-bit mode has it. Either way a name becomes UTF-16 units first
 * (`msdosfs_name_units`); everything after works on units:
 *
 * - trailing dots and blanks are dropped (Windows, Linux and NetBSD's long
 *   names drop them): "a." names "a"; a name of only dots and blanks, and
 *   one with a character Windows forbids (`" * / : < > ? \ |`, controls), is
 *   EINVAL; more than 255 units is ENAMETOOLONG;
 * - the 8.3 name and its alias are NetBSD's unix2dosfn: the extension after
 *   the last dot, characters a short name cannot hold dropped (the name is
 *   then "lossy" and gets "~N" from generation N = 1, 2, …), letters upper
 *   cased; short-name bytes are code page 850 (mtools' and Windows'
 *   default);
 * - a name whose 8.3 form differs only in the case of its letters, each
 *   part in one case ("readme.txt", "README.txt"), gets no long name but
 *   NT's lower-case flags, as Windows, Linux and mtools write it (NetBSD
 *   would write a long name);
 * - reading, the long name wins when its entries are intact (sequence,
 *   checksum); a long name with '/' (or "." / "..") is ignored and the 8.3
 *   name shown, as NetBSD's win2unixfn does; an 8.3 name is shown with the
 *   NT lower-case flags applied (all lower case on a SHORTNAME mount);
 * - names compare without case: long names by Unicode upper case of each
 *   unit, 8.3 names byte for byte.
 *
 * Times are local time on disk; `gmtoff` (seconds east of UTC, the
 * msdosfs_args field) converts. Modification times have 2-second
 * resolution, creation times 10 ms, access times a date; dates run from
 * 1980 to 2107 (outside: the field is 0, read back as the epoch).
 */
import {
  DD_DAY_MASK,
  DD_MONTH_MASK,
  DD_MONTH_SHIFT,
  DD_YEAR_SHIFT,
  DT_2SECONDS_MASK,
  DT_HOURS_SHIFT,
  DT_MINUTES_MASK,
  DT_MINUTES_SHIFT,
  LCASE_BASE,
  LCASE_EXT,
  SLOT_DELETED,
  SLOT_E5,
  WE_ATTR,
  WE_CHKSUM,
  WE_CNT,
  WE_RESERVED1,
  WE_RESERVED2,
  WIN_CHARS,
  WIN_LAST,
  WIN_MAXLEN,
  WIN_UNIT_OFF,
  ATTR_WIN95,
} from "./direntry.js";

/* ------------------------------------------------------------------------ */
/* code page 850                                                             */

/** Unicode of CP850 bytes 0x80…0xFF. */
const CP850_HIGH = [
  0xc7, 0xfc, 0xe9, 0xe2, 0xe4, 0xe0, 0xe5, 0xe7, 0xea, 0xeb, 0xe8, 0xef, 0xee, 0xec, 0xc4, 0xc5,
  0xc9, 0xe6, 0xc6, 0xf4, 0xf6, 0xf2, 0xfb, 0xf9, 0xff, 0xd6, 0xdc, 0xf8, 0xa3, 0xd8, 0xd7, 0x192,
  0xe1, 0xed, 0xf3, 0xfa, 0xf1, 0xd1, 0xaa, 0xba, 0xbf, 0xae, 0xac, 0xbd, 0xbc, 0xa1, 0xab, 0xbb,
  0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0xc1, 0xc2, 0xc0, 0xa9, 0x2563, 0x2551, 0x2557, 0x255d,
  0xa2, 0xa5, 0x2510, 0x2514, 0x2534, 0x252c, 0x251c, 0x2500, 0x253c, 0xe3, 0xc3, 0x255a, 0x2554,
  0x2569, 0x2566, 0x2560, 0x2550, 0x256c, 0xa4, 0xf0, 0xd0, 0xca, 0xcb, 0xc8, 0x131, 0xcd, 0xce,
  0xcf, 0x2518, 0x250c, 0x2588, 0x2584, 0xa6, 0xcc, 0x2580, 0xd3, 0xdf, 0xd4, 0xd2, 0xf5, 0xd5,
  0xb5, 0xfe, 0xde, 0xda, 0xdb, 0xd9, 0xfd, 0xdd, 0xaf, 0xb4, 0xad, 0xb1, 0x2017, 0xbe, 0xb6, 0xa7,
  0xf7, 0xb8, 0xb0, 0xa8, 0xb7, 0xb9, 0xb3, 0xb2, 0x25a0, 0xa0,
];

/** Unicode → CP850 byte (high half only). */
const CP850_ENC = new Map<number, number>(CP850_HIGH.map((u, i) => [u, 0x80 + i]));

/** The Unicode unit of short-name byte `b` (controls and a leading 0x05 handled by callers). */
function cp850_decode(b: number): number {
  return b < 0x80 ? b : CP850_HIGH[b - 0x80]!;
}

/**
 * Short-name bytes for ASCII (unix2dos of msdosfs_conv.c): upper case, and
 * 0 for the characters an 8.3 name cannot hold (blank, `" * + , . / : ; < = > ? [ \ ] |`,
 * controls, DEL).
 */
const ASCII_SHORT = new Uint8Array(128);
for (let c = 0x21; c < 0x7f; c++) ASCII_SHORT[c] = c >= 0x61 && c <= 0x7a ? c - 0x20 : c;
for (const c of '"*+,./:;<=>?[\\]|') ASCII_SHORT[c.charCodeAt(0)] = 0;

/* ------------------------------------------------------------------------ */
/* case                                                                      */

let upperTable: Uint16Array | null = null;
let lowerTable: Uint16Array | null = null;

/** Upper case of one UTF-16 unit (itself when Unicode maps it to more than one unit). */
export function msdosfs_upper(u: number): number {
  if (u < 0x80) return u >= 0x61 && u <= 0x7a ? u - 0x20 : u;
  if (upperTable === null) {
    const t = new Uint16Array(65536);
    for (let i = 0; i < 65536; i++) {
      const s = String.fromCharCode(i).toUpperCase();
      t[i] = s.length === 1 ? s.charCodeAt(0) : i;
    }
    upperTable = t;
  }
  return upperTable[u]!;
}

function lower(u: number): number {
  if (u < 0x80) return u >= 0x41 && u <= 0x5a ? u + 0x20 : u;
  if (lowerTable === null) {
    const t = new Uint16Array(65536);
    for (let i = 0; i < 65536; i++) {
      const s = String.fromCharCode(i).toLowerCase();
      t[i] = s.length === 1 ? s.charCodeAt(0) : i;
    }
    lowerTable = t;
  }
  return lowerTable[u]!;
}

/**
 * The short-name byte of unit `u` (upper cased, CP850), 0 if an 8.3 name
 * cannot hold it.
 */
function shortByte(u: number): number {
  if (u < 0x80) return ASCII_SHORT[u]!;
  if (u <= 0xa0) return 0;
  return CP850_ENC.get(msdosfs_upper(u)) ?? CP850_ENC.get(u) ?? 0;
}

/* ------------------------------------------------------------------------ */
/* kernel names ↔ UTF-16 units                                              */

/** Characters a long name cannot hold (besides controls below 0x20). */
function badLongChar(u: number): boolean {
  return (
    u < 0x20 ||
    u === 0x22 || // "
    u === 0x2a || // *
    u === 0x2f || // /
    u === 0x3a || // :
    u === 0x3c || // <
    u === 0x3e || // >
    u === 0x3f || // ?
    u === 0x5c || // \
    u === 0x7c // |
  );
}

/** Result of msdosfs_name_units beyond a length. */
export const NAME_INVALID = -1;
export const NAME_TOOLONG = -2;

/**
 * Kernel name `name` → UTF-16 units in `out` (at least 1024 long), trailing
 * dots and blanks dropped. Returns the length, NAME_INVALID (bad UTF-8, only
 * dots and blanks, a character a FAT name cannot hold) or NAME_TOOLONG (more
 * than 255 units). "." and ".." come back as themselves.
 */
export function msdosfs_name_units(name: string, utf8: boolean, out: Uint16Array): number {
  const n = name.length;
  let len = 0;
  if (!utf8) {
    if (n > 1020) return NAME_TOOLONG;
    for (let i = 0; i < n; i++) out[len++] = name.charCodeAt(i) & 0xff;
  } else {
    let i = 0;
    while (i < n) {
      if (len >= 1020) return NAME_TOOLONG;
      const b0 = name.charCodeAt(i) & 0xff;
      if (b0 < 0x80) {
        out[len++] = b0;
        i++;
        continue;
      }
      let cp: number;
      let need: number;
      if (b0 >= 0xc2 && b0 <= 0xdf) {
        cp = b0 & 0x1f;
        need = 1;
      } else if (b0 >= 0xe0 && b0 <= 0xef) {
        cp = b0 & 0x0f;
        need = 2;
      } else if (b0 >= 0xf0 && b0 <= 0xf4) {
        cp = b0 & 0x07;
        need = 3;
      } else return NAME_INVALID;
      if (i + need >= n) return NAME_INVALID;
      for (let k = 1; k <= need; k++) {
        const b = name.charCodeAt(i + k) & 0xff;
        if ((b & 0xc0) !== 0x80) return NAME_INVALID;
        cp = (cp << 6) | (b & 0x3f);
      }
      // shortest form only (surrogates pass: WTF-8)
      if ((need === 2 && cp < 0x800) || (need === 3 && (cp < 0x10000 || cp > 0x10ffff)))
        return NAME_INVALID;
      i += need + 1;
      if (cp >= 0x10000) {
        cp -= 0x10000;
        out[len++] = 0xd800 + (cp >> 10);
        out[len++] = 0xdc00 + (cp & 0x3ff);
      } else out[len++] = cp;
    }
  }
  if (len === 1 && out[0] === 0x2e) return 1;
  if (len === 2 && out[0] === 0x2e && out[1] === 0x2e) return 2;
  while (len > 0 && (out[len - 1] === 0x2e || out[len - 1] === 0x20)) len--;
  if (len === 0) return NAME_INVALID;
  if (len > WIN_MAXLEN) return NAME_TOOLONG;
  for (let i = 0; i < len; i++) if (badLongChar(out[i]!)) return NAME_INVALID;
  return len;
}

/**
 * UTF-16 units → kernel name. UTF-8 (WTF-8 for lone surrogates), or in 8-bit
 * mode one byte per unit ('?' for a unit above 0xFF).
 */
export function msdosfs_units_name(u: Uint16Array, len: number, utf8: boolean): string {
  let s = "";
  if (!utf8) {
    for (let i = 0; i < len; i++) {
      const c = u[i]!;
      s += String.fromCharCode(c > 0xff ? 0x3f : c);
    }
    return s;
  }
  for (let i = 0; i < len; i++) {
    let c = u[i]!;
    if (c < 0x80) {
      s += String.fromCharCode(c);
      continue;
    }
    if (c < 0x800) {
      s += String.fromCharCode(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
      continue;
    }
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < len) {
      const d = u[i + 1]!;
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
        s += String.fromCharCode(
          0xf0 | (c >> 18),
          0x80 | ((c >> 12) & 0x3f),
          0x80 | ((c >> 6) & 0x3f),
          0x80 | (c & 0x3f),
        );
        continue;
      }
    }
    s += String.fromCharCode(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return s;
}

/** The comparison key of a name: each unit upper cased, trailing dots and blanks dropped. */
export function msdosfs_fold(u: Uint16Array, len: number): string {
  while (len > 0 && (u[len - 1] === 0x2e || u[len - 1] === 0x20)) len--;
  let s = "";
  for (let i = 0; i < len; i++) s += String.fromCharCode(msdosfs_upper(u[i]!));
  return s;
}

/* ------------------------------------------------------------------------ */
/* 8.3 names                                                                 */

/** unix2dosfn results */
export const CONV_INVALID = 0;
/** the name is its own 8.3 name: no long name needed */
export const CONV_SAME = 1;
/** the 8.3 name holds the name (case and code page aside): a long name keeps it exactly */
export const CONV_CHANGED = 2;
/** characters were dropped: a long name is needed and the alias carries "~gen" */
export const CONV_LOSSY = 3;

/**
 * NetBSD's unix2dosfn over units: the 8.3 name of `u[0…len)` into `dn`
 * (11 bytes, blank padded), with generation `gen` ("~gen") inserted when
 * the name is lossy. Returns CONV_*; CONV_INVALID also when `gen` > 1 and
 * there is no room for a generation (the name is not lossy).
 */
export function msdosfs_unix2dosfn(
  u: Uint16Array,
  len: number,
  dn: Uint8Array,
  gen: number,
): number {
  dn.fill(0x20, 0, 11);
  if (len === 1 && u[0] === 0x2e) {
    dn[0] = 0x2e;
    return gen <= 1 ? CONV_SAME : CONV_INVALID;
  }
  if (len === 2 && u[0] === 0x2e && u[1] === 0x2e) {
    dn[0] = dn[1] = 0x2e;
    return gen <= 1 ? CONV_SAME : CONV_INVALID;
  }
  let only = true;
  for (let i = 0; i < len; i++) {
    if (u[i] !== 0x20 && u[i] !== 0x2e) {
      only = false;
      break;
    }
  }
  if (only) return CONV_INVALID;
  // the extension: after the last dot past the first character
  let dot = -1;
  for (let i = len - 1; i >= 1; i--) {
    if (u[i] === 0x2e) {
      dot = i;
      break;
    }
  }
  let conv = CONV_SAME;
  let baseEnd = len;
  if (dot >= 0) {
    baseEnd = dot;
    let j = 8;
    let i = dot + 1;
    for (; i < len && j < 11; i++, j++) {
      const c = u[i]!;
      const b = shortByte(c);
      dn[j] = b;
      if (b === 0) {
        conv = CONV_LOSSY;
        dn[j] = 0x20;
        j--;
      } else if (conv !== CONV_LOSSY && cp850_decode(b) !== c) conv = CONV_CHANGED;
    }
    if (i < len) conv = CONV_LOSSY;
  } else {
    while (baseEnd > 0 && (u[baseEnd - 1] === 0x20 || u[baseEnd - 1] === 0x2e)) baseEnd--;
  }
  const shortlen = baseEnd <= 8;
  let i = 0;
  let j = 0;
  for (; i < baseEnd && j < 8; i++, j++) {
    const c = u[i]!;
    const b = c === 0x20 && shortlen ? 0x20 : shortByte(c);
    dn[j] = b;
    if (b === 0) {
      conv = CONV_LOSSY;
      dn[j] = 0x20;
      j--;
    } else if (conv !== CONV_LOSSY && cp850_decode(b) !== c) conv = CONV_CHANGED;
  }
  if (i < baseEnd) conv = CONV_LOSSY;
  if (j === 0) dn[0] = 0x5f; // '_'
  if (dn[0] === SLOT_DELETED) dn[0] = SLOT_E5;
  if (conv !== CONV_LOSSY) return gen > 1 ? CONV_INVALID : conv;
  // "~gen" at the end of the base name, moved left when it does not fit
  if (gen >= 1000000) return CONV_INVALID;
  const digits = String(gen);
  let k = 8;
  while (k > 0 && dn[k - 1] === 0x20) k--;
  if (digits.length + 1 > 8 - k) k = 8 - (digits.length + 1);
  dn[k++] = 0x7e; // '~'
  for (let d = 0; d < digits.length; d++) dn[k++] = digits.charCodeAt(d);
  return CONV_LOSSY;
}

/**
 * For a CONV_CHANGED name: the NT lower-case flags that make its 8.3 name
 * show it exactly (each part all lower or all upper case, nothing else
 * changed), or -1 when only a long name can keep it.
 */
export function msdosfs_lcase_flags(u: Uint16Array, len: number): number {
  let dot = -1;
  for (let i = len - 1; i >= 1; i--) {
    if (u[i] === 0x2e) {
      dot = i;
      break;
    }
  }
  let flags = 0;
  let lowerSeen = false;
  let upperSeen = false;
  for (let i = 0; i <= len; i++) {
    if (i === dot || i === len) {
      if (lowerSeen && upperSeen) return -1;
      if (lowerSeen) flags |= i === dot ? LCASE_BASE : dot >= 0 ? LCASE_EXT : LCASE_BASE;
      lowerSeen = upperSeen = false;
      continue;
    }
    const c = u[i]!;
    if (c >= 0x61 && c <= 0x7a) lowerSeen = true;
    else if (c >= 0x41 && c <= 0x5a) upperSeen = true;
    else if (c >= 0x80 && cp850_decode(shortByte(c)) !== c) return -1; // not only the case
  }
  return flags;
}

/** The checksum of an 8.3 name that its long-name entries carry (winChksum). */
export function msdosfs_winchksum(b: Uint8Array, off: number): number {
  let s = 0;
  for (let i = 0; i < 11; i++) s = ((((s & 1) << 7) | (s >> 1)) + b[off + i]!) & 0xff;
  return s;
}

/**
 * The 8.3 name at `b[off…off+11)` as units into `out` (dos2unixfn): a
 * leading 0x05 is 0xE5, the base without trailing blanks, "." and the
 * extension if there is one; NT's lower-case flags `lcase` (or all, on a
 * SHORTNAME mount: `lowerAll`) lower the parts. Controls read as '?'.
 * Returns the length.
 */
export function msdosfs_dos2unixfn(
  b: Uint8Array,
  off: number,
  lcase: number,
  lowerAll: boolean,
  out: Uint16Array,
): number {
  let len = 0;
  let end = 7;
  while (end > 0 && b[off + end] === 0x20) end--;
  const lowBase = lowerAll || (lcase & LCASE_BASE) !== 0;
  const lowExt = lowerAll || (lcase & LCASE_EXT) !== 0;
  for (let i = 0; i <= end; i++) {
    let c = b[off + i]!;
    if (i === 0 && c === SLOT_E5) c = SLOT_DELETED;
    let u = c < 0x20 ? 0x3f : cp850_decode(c);
    if (lowBase) u = lower(u);
    out[len++] = u;
  }
  if (b[off + 8] !== 0x20) {
    out[len++] = 0x2e;
    for (let i = 8; i < 11 && b[off + i] !== 0x20; i++) {
      const c = b[off + i]!;
      let u = c < 0x20 ? 0x3f : cp850_decode(c);
      if (lowExt) u = lower(u);
      out[len++] = u;
    }
  }
  return len;
}

/* ------------------------------------------------------------------------ */
/* long-name entries                                                         */

/** Long-name entries that `len` units need. */
export function msdosfs_winslotcnt(len: number): number {
  return Math.ceil(len / WIN_CHARS);
}

/**
 * Write long-name entry number `cnt` (1 = the part nearest the 8.3 entry)
 * of name `u[0…len)` at `b[off…off+32)` (unix2winfn): 13 units, a NUL after
 * the name and 0xFFFF padding, WIN_LAST on the final part.
 */
export function msdosfs_unix2winfn(
  u: Uint16Array,
  len: number,
  b: Uint8Array,
  off: number,
  cnt: number,
  chksum: number,
): void {
  const base = (cnt - 1) * WIN_CHARS;
  b.fill(0xff, off, off + 32);
  b[off + WE_CNT] = cnt | (base + WIN_CHARS >= len ? WIN_LAST : 0);
  b[off + WE_ATTR] = ATTR_WIN95;
  b[off + WE_RESERVED1] = 0;
  b[off + WE_CHKSUM] = chksum;
  b[off + WE_RESERVED2] = 0;
  b[off + WE_RESERVED2 + 1] = 0;
  for (let k = 0; k < WIN_CHARS; k++) {
    const i = base + k;
    const v = i < len ? u[i]! : i === len ? 0 : 0xffff;
    const p = off + WIN_UNIT_OFF[k]!;
    b[p] = v & 0xff;
    b[p + 1] = v >>> 8;
  }
}

/**
 * Read the 13 units of the long-name entry at `b[off…]` into
 * `out[(cnt-1)*13…]`. Returns the number of units up to the first NUL (13
 * when none), or -1 when a unit is '/' (NetBSD discards such names).
 */
export function msdosfs_win2units(b: Uint8Array, off: number, out: Uint16Array): number {
  const cnt = b[off + WE_CNT]! & 0x3f;
  const base = (cnt - 1) * WIN_CHARS;
  let n = WIN_CHARS;
  for (let k = 0; k < WIN_CHARS; k++) {
    const p = off + WIN_UNIT_OFF[k]!;
    const v = b[p]! | (b[p + 1]! << 8);
    if (v === 0 && n === WIN_CHARS) n = k;
    if (n === WIN_CHARS && v === 0x2f) return -1;
    out[base + k] = v;
  }
  return n;
}

/* ------------------------------------------------------------------------ */
/* times                                                                     */

/** Seconds from 1970 to 1980 (DOS's epoch). */
const SECONDSTO1980 = 315532800;

/** Days since 1970-01-01 of a civil date (proleptic Gregorian). */
function daysFromCivil(y: number, m: number, d: number): number {
  if (m <= 2) y--;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** A DOS date and time of day (what unix2dostime fills). */
export interface DosTime {
  date: number;
  time: number;
  /** hundredths of a second past the even second: 0…199 */
  hun: number;
}

/**
 * unix2dostime: `sec.nsec` (UTC) as a local DOS date, time (2-second
 * steps) and hundredths. Before 1980 or after 2107: all zero.
 */
export function msdosfs_unix2dostime(
  sec: number,
  nsec: number,
  gmtoff: number,
  out: DosTime,
): void {
  let t = sec + gmtoff;
  if (!(t >= SECONDSTO1980)) {
    out.date = out.time = out.hun = 0;
    return;
  }
  t -= t % 2;
  let z = Math.floor(t / 86400);
  const sod = t - z * 86400;
  z += 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  if (y > 2107) {
    out.date = out.time = out.hun = 0;
    return;
  }
  out.date = (d | (m << DD_MONTH_SHIFT) | ((y - 1980) << DD_YEAR_SHIFT)) & 0xffff;
  out.time =
    (((sod % 60) >> 1) |
      ((Math.floor(sod / 60) % 60) << DT_MINUTES_SHIFT) |
      (Math.floor(sod / 3600) << DT_HOURS_SHIFT)) &
    0xffff;
  out.hun = (Math.abs(sec) % 2) * 100 + Math.floor(nsec / 10000000);
}

/**
 * dos2unixtime: a DOS date, time and hundredths (local) as UTC seconds and
 * nanoseconds into `ts`. Date 0 is the epoch; out-of-range fields of a
 * damaged entry are clamped, never trusted.
 */
export function msdosfs_dos2unixtime(
  dd: number,
  dt: number,
  dh: number,
  gmtoff: number,
  ts: { tv_sec: number; tv_nsec: number },
): void {
  if (dd === 0) {
    ts.tv_sec = 0;
    ts.tv_nsec = 0;
    return;
  }
  const y = (dd >>> DD_YEAR_SHIFT) + 1980;
  const m = Math.min(12, Math.max(1, (dd & DD_MONTH_MASK) >>> DD_MONTH_SHIFT));
  const d = Math.max(1, dd & DD_DAY_MASK);
  const hh = dt >>> DT_HOURS_SHIFT;
  const mm = (dt & DT_MINUTES_MASK) >>> DT_MINUTES_SHIFT;
  const ss = (dt & DT_2SECONDS_MASK) * 2;
  const h = dh > 199 ? 0 : dh;
  ts.tv_sec =
    daysFromCivil(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss + Math.floor(h / 100) - gmtoff;
  ts.tv_nsec = (h % 100) * 10000000;
}
