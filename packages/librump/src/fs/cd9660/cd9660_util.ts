/**
 * ISO 9660 and Joliet names (cd9660_util.c): the translation of a
 * directory record's name into the name a directory entry shows
 * (isofntrans), and the comparison of a looked-up name with a record's
 * name (isofncmp).
 *
 * Names in the kernel are byte strings (one JS char per byte). ISO 9660
 * names are bytes; Joliet names are UCS-2, big-endian, and come out as
 * UTF-8 (NetBSD's vfs.cd9660.utf8_joliet, on by default); a valid UTF-16
 * surrogate pair becomes one 4-byte UTF-8 sequence, any other 16-bit unit
 * three bytes at most. A name that no longer fits NAME_MAX ends in '?', as
 * NetBSD cuts it.
 *
 * Neither routine refuses '/' or NUL in a name: NetBSD copies them through
 * (isofntrans maps nothing); the callers refuse such a name (EIO and a
 * console line) before a directory entry carries it.
 */
import { DR_NAME, ISO_MAXNAMLEN } from "./iso.js";

/** ASSOCCHAR: associated files are shown with a leading '='. */
export const ASSOCCHAR = 0x3d;

/**
 * UTF-8 bytes of 16-bit unit `c` (a high surrogate `c` followed by low
 * surrogate `lo` ≥ 0 is one code point) appended to `out`.
 */
function utf8(out: string, c: number): string {
  if (c < 0x80) return out + String.fromCharCode(c);
  if (c < 0x800) return out + String.fromCharCode(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
  if (c < 0x10000)
    return out + String.fromCharCode(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  return (
    out +
    String.fromCharCode(
      0xf0 | (c >> 18),
      0x80 | ((c >> 12) & 0x3f),
      0x80 | ((c >> 6) & 0x3f),
      0x80 | (c & 0x3f),
    )
  );
}

/**
 * isofntrans: the name of the record at `b[roff…]` (`namelen` bytes at
 * DR_NAME) as a directory entry shows it:
 * - `original` (GENS, or a Rock Ridge record without NM): as recorded,
 *   ";version" included; else cut at ';', dropping a '.' just before it;
 * - `casetrans` (not NOCASETRANS; never for Joliet): A–Z become a–z;
 * - `assoc`: an associated file, shown with a leading '='.
 */
export function isofntrans(
  b: Uint8Array,
  roff: number,
  namelen: number,
  original: boolean,
  casetrans: boolean,
  assoc: boolean,
  joliet: number,
): string {
  let out = assoc ? "=" : "";
  let p = roff + DR_NAME;
  const end = p + namelen;
  while (p < end) {
    let c: number;
    if (joliet === 0 || p + 1 === end) {
      c = b[p]!;
      p += 1;
    } else {
      c = (b[p]! << 8) | b[p + 1]!;
      p += 2;
      // a surrogate pair is one character
      if (c >= 0xd800 && c < 0xdc00 && p + 1 < end) {
        const lo = (b[p]! << 8) | b[p + 1]!;
        if (lo >= 0xdc00 && lo < 0xe000) {
          c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
          p += 2;
        }
      }
    }
    if (casetrans && joliet === 0 && c >= 0x41 && c <= 0x5a) c += 0x20;
    else if (!original && c === 0x3b) {
      if (out.length > (assoc ? 1 : 0) && out.charCodeAt(out.length - 1) === 0x2e)
        out = out.slice(0, -1);
      break;
    }
    const next = joliet === 0 ? out + String.fromCharCode(c & 0xff) : utf8(out, c);
    if (next.length > ISO_MAXNAMLEN) {
      // no room for the character: NetBSD ends the name with '?'
      if (out.length < ISO_MAXNAMLEN) out += "?";
      break;
    }
    out = next;
  }
  return out;
}

/**
 * A looked-up name (kernel bytes) as 16-bit units for comparing with a
 * Joliet name: UTF-8 decoded (a byte that is not part of a valid sequence
 * stays itself, and so matches nothing outside Latin-1).
 */
function utf16units(fn: string, out: number[]): void {
  out.length = 0;
  const n = fn.length;
  let i = 0;
  while (i < n) {
    const c = fn.charCodeAt(i);
    let cp = -1;
    let len = 1;
    if (c < 0x80) cp = c;
    else if (c >= 0xc2 && c < 0xe0 && i + 1 < n) {
      const c1 = fn.charCodeAt(i + 1);
      if ((c1 & 0xc0) === 0x80) {
        cp = ((c & 0x1f) << 6) | (c1 & 0x3f);
        len = 2;
      }
    } else if (c >= 0xe0 && c < 0xf0 && i + 2 < n) {
      const c1 = fn.charCodeAt(i + 1);
      const c2 = fn.charCodeAt(i + 2);
      if ((c1 & 0xc0) === 0x80 && (c2 & 0xc0) === 0x80) {
        cp = ((c & 0x0f) << 12) | ((c1 & 0x3f) << 6) | (c2 & 0x3f);
        len = 3;
        if (cp < 0x800) cp = -1;
      }
    } else if (c >= 0xf0 && c < 0xf5 && i + 3 < n) {
      const c1 = fn.charCodeAt(i + 1);
      const c2 = fn.charCodeAt(i + 2);
      const c3 = fn.charCodeAt(i + 3);
      if ((c1 & 0xc0) === 0x80 && (c2 & 0xc0) === 0x80 && (c3 & 0xc0) === 0x80) {
        cp = ((c & 0x07) << 18) | ((c1 & 0x3f) << 12) | ((c2 & 0x3f) << 6) | (c3 & 0x3f);
        len = 4;
        if (cp < 0x10000 || cp > 0x10ffff) cp = -1;
      }
    }
    if (cp < 0) {
      out.push(c);
      i += 1;
    } else if (cp >= 0x10000) {
      out.push(0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff));
      i += len;
    } else {
      out.push(cp);
      i += len;
    }
  }
}

/** Character `p` of an ISO name ending at `end`: one byte, or (Joliet) a UCS-2 unit. */
function isochar(b: Uint8Array, p: number, end: number, joliet: number): number {
  return joliet === 0 || p + 1 === end ? b[p]! : (b[p]! << 8) | b[p + 1]!;
}
function isocharlen(p: number, end: number, joliet: number): number {
  return joliet === 0 || p + 1 === end ? 1 : 2;
}

/**
 * isofncmp: does looked-up name `fn` name the record at `b[roff…]`? 0 when
 * it does. The rules are NetBSD's: a record's A–Z also match a–z (not the
 * other way round), the ";version" may be left out (or given, and then
 * compared as a number), and a '.' just before ';' may be left out.
 * `units` is scratch for a Joliet comparison (the name as UTF-16 units).
 */
export function isofncmp(
  fn: string,
  units: number[],
  b: Uint8Array,
  roff: number,
  namelen: number,
  joliet: number,
): number {
  let fl = fn.length;
  if (joliet > 0) {
    utf16units(fn, units);
    fl = units.length;
  }
  let i = 0;
  let p = roff + DR_NAME;
  const end = p + namelen;
  while (i < fl) {
    let fc = joliet > 0 ? units[i]! : fn.charCodeAt(i);
    i++;
    if (p === end) return fc;
    const ic = isochar(b, p, end, joliet);
    p += isocharlen(p, end, joliet);
    if (ic === 0x3b) {
      if (fc !== 0x3b) return fc;
      // both give a version: compare them as numbers
      let vf = 0;
      for (; i < fl; i++) {
        const d = joliet > 0 ? units[i]! : fn.charCodeAt(i);
        if (d < 0x30 || d > 0x39) return -1;
        vf = vf * 10 + (d - 0x30);
      }
      let vi = 0;
      while (p < end) {
        vi = vi * 10 + (isochar(b, p, end, joliet) - 0x30);
        p += isocharlen(p, end, joliet);
      }
      return vf - vi;
    }
    if (ic !== fc) {
      if (ic >= 0x41 && ic <= 0x5a) {
        if (ic + 0x20 !== fc) {
          if (fc >= 0x61 && fc <= 0x7a) fc -= 0x20;
          return fc - ic || 1;
        }
      } else return fc - ic || 1;
    }
  }
  if (p < end) {
    const ic = isochar(b, p, end, joliet);
    p += isocharlen(p, end, joliet);
    if (ic === 0x3b) return 0;
    if (ic === 0x2e && p < end) return isochar(b, p, end, joliet) === 0x3b ? 0 : -1;
    return -1;
  }
  return 0;
}
