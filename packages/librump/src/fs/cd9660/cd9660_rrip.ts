/**
 * Rock Ridge (cd9660_rrip.c): one walk over a directory record's system
 * use entries and the continuation areas (CE) they chain to, gathering
 * what the caller wants: attributes (PX, PN, TF, ZF), the name and where
 * the entry really is (NM, CL, PL, RE), the target of a symbolic link (SL),
 * or, on the root's "." record at mount, whether Rock Ridge is there at
 * all (SP, ER).
 *
 * Hostile areas: an entry shorter than its header or running past its
 * area ends the area (as NetBSD's plausibility check does); a CE that
 * leaves the device or its block, or a chain of more than RR_MAXCE areas
 * (a loop), and a name or link target longer than NAME_MAX / MAXPATHLEN
 * are corruption: EIO and a console line.
 */
import { makedev, minor } from "../../dev/devsw.js";
import { brelse } from "../../kern/vfs_bio.js";
import type { Buf } from "../../sys/buf.js";
import {
  cd9660_corrupt,
  iso_bread,
  iso_chunkdblk,
  iso_inrange,
  type IsoMount,
} from "./cd9660_extern.js";
import {
  DR_EXTENT,
  DR_NAME,
  ISO_MAXNAMLEN,
  isonum_733,
  iso_tstamp17,
  iso_tstamp7,
  type IsoDirent,
} from "./iso.js";
import {
  RR_CFLAG_CONTINUE,
  RR_CFLAG_CURRENT,
  RR_CFLAG_HOST,
  RR_CFLAG_PARENT,
  RR_CFLAG_ROOT,
  RR_CFLAG_VOLROOT,
  RR_CL,
  RR_ER,
  RR_MAXCE,
  RR_MAXSYMLINK,
  RR_NM,
  RR_PL,
  RR_PN,
  RR_PX,
  RR_RE,
  RR_SL,
  RR_TF,
  RR_TF_LONG_FORM,
  RR_ZF,
  SIG_CE,
  SIG_CL,
  SIG_ER,
  SIG_NM,
  SIG_PL,
  SIG_PN,
  SIG_PX,
  SIG_RE,
  SIG_SL,
  SIG_ST,
  SIG_TF,
  SIG_ZF,
  type IsoRrip,
} from "./iso_rrip.js";

/** ER identifiers of Rock Ridge (NetBSD's list). */
const RR_IDS = ["IEEE_1282", "IEEE_P1282", "RRIP_1991A"];

/** Where the system use area of record `d` starts, past the skip SP asked for. */
function su_start(imp: IsoMount, rec: Uint8Array, d: IsoDirent): number {
  // the root's "." record obeys its own skip (rr_skip0), every other rr_skip
  const rootdot =
    d.namelen === 1 &&
    rec[d.off + DR_NAME] === 0 &&
    isonum_733(rec, d.off + DR_EXTENT) + d.ext_attr_length === imp.root_extent;
  return d.suoff + (rootdot ? imp.rr_skip0 : imp.rr_skip);
}

/**
 * cd9660_rrip_walk: scan the system use entries of record `d` (in `rec`)
 * for the RR_* fields in `want`, into `rr`. `held` is the busy buffer
 * `rec` is part of, or null: a continuation area inside it is read from
 * it. Returns 0, or EIO (with a console line) for corruption.
 */
export function cd9660_rrip_walk(
  imp: IsoMount,
  rec: Uint8Array,
  d: IsoDirent,
  held: Buf | null,
  want: number,
  rr: IsoRrip,
): number {
  rr.reset();
  let pending = want;
  let buf = rec;
  let p = su_start(imp, rec, d);
  let end = d.suend;
  let cebp: Buf | null = null;
  let hops = 0;
  let error = 0;
  for (;;) {
    let ceblk = -1;
    let ceoff = 0;
    let celen = 0;
    while (p + 4 <= end) {
      const len = buf[p + 2]!;
      if (len < 4 || p + len > end) break;
      const sig = (buf[p]! << 8) | buf[p + 1]!;
      if (sig === SIG_ST) break;
      if (sig === SIG_CE) {
        if (len >= 28) {
          ceblk = isonum_733(buf, p + 4);
          ceoff = isonum_733(buf, p + 12);
          celen = isonum_733(buf, p + 20);
        }
      } else if (buf[p + 3] === 1) {
        const r = rrip_entry(imp, buf, p, len, sig, pending, rr);
        if (r < 0) {
          error = cd9660_corrupt(imp, `Rock Ridge entries of ${where(imp, d, held)}: ${rr.why}`);
          break;
        }
        pending &= ~r;
        if (pending === 0) break;
      }
      p += len;
    }
    if (error !== 0 || pending === 0 || ceblk < 0) break;
    // the next continuation area
    if (++hops > RR_MAXCE) {
      error = cd9660_corrupt(
        imp,
        `Rock Ridge entries of ${where(imp, d, held)}: more than ${RR_MAXCE} continuation areas (a loop)`,
      );
      break;
    }
    const bs = imp.logical_block_size;
    if (!iso_inrange(imp, ceblk, 1) || ceoff >= bs || celen > bs - ceoff) {
      error = cd9660_corrupt(
        imp,
        `Rock Ridge entries of ${where(imp, d, held)}: continuation area at block ${ceblk} offset ${ceoff} (${celen} bytes) is outside the device or its block`,
      );
      break;
    }
    // the area's chunk: the record's own, the last area's, or read now
    const cdblk = iso_chunkdblk(imp, ceblk);
    const base = (ceblk % imp.im_bpc) * bs;
    if (held !== null && held.b_lblkno === cdblk && held.b_vp === imp.im_devvp) {
      if (cebp !== null) {
        brelse(cebp, 0);
        cebp = null;
      }
      buf = held.b_data;
    } else if (cebp === null || cebp.b_lblkno !== cdblk) {
      if (cebp !== null) brelse(cebp, 0);
      cebp = null;
      const bpp = imp.im_bpp;
      error = iso_bread(imp, ceblk, bpp);
      if (error !== 0) break;
      cebp = bpp.v!;
      bpp.v = null;
      buf = cebp.b_data;
    }
    p = base + ceoff;
    end = p + celen;
    if (end > buf.length) {
      // the device ends inside the area (a short last chunk)
      error = cd9660_corrupt(
        imp,
        `Rock Ridge entries of ${where(imp, d, held)}: continuation area beyond the device`,
      );
      break;
    }
  }
  if (cebp !== null) brelse(cebp, 0);
  return error;
}

/** "the record at byte N" for messages. */
function where(imp: IsoMount, d: IsoDirent, held: Buf | null): string {
  if (held === null) return "a directory record";
  return `the directory record at byte ${held.b_lblkno * 512 + d.off}`;
}

/**
 * One entry of signature `sig` at `b[p…p+len)`: gathers it into `rr` if
 * `pending` asks for it. Returns the RR_* bits now complete (0 when none),
 * or -1 for corruption (rr.why says).
 */
function rrip_entry(
  imp: IsoMount,
  b: Uint8Array,
  p: number,
  len: number,
  sig: number,
  pending: number,
  rr: IsoRrip,
): number {
  switch (sig) {
    case SIG_PX:
      if ((pending & RR_PX) === 0 || len < 36) return 0;
      rr.mode = isonum_733(b, p + 4);
      rr.links = isonum_733(b, p + 12);
      rr.uid = isonum_733(b, p + 20);
      rr.gid = isonum_733(b, p + 28);
      if (len >= 44) rr.serial = isonum_733(b, p + 36);
      rr.found |= RR_PX;
      return RR_PX;
    case SIG_PN:
      if ((pending & RR_PN) === 0 || len < 20) return 0;
      rr.dev_high = isonum_733(b, p + 4);
      rr.dev_low = isonum_733(b, p + 12);
      rr.found |= RR_PN;
      return RR_PN;
    case SIG_TF: {
      if ((pending & RR_TF) === 0 || len < 5) return 0;
      const flags = b[p + 4]!;
      const long = (flags & RR_TF_LONG_FORM) !== 0;
      const sz = long ? 17 : 7;
      let q = p + 5;
      for (let bit = 0; bit < 7; bit++) {
        if ((flags & (1 << bit)) === 0) continue;
        if (q + sz > p + len) break;
        const ts = rr.tf[bit]!;
        const ok = long ? iso_tstamp17(b, q, ts) : iso_tstamp7(b, q, ts);
        if (ok) rr.tfmask |= 1 << bit;
        q += sz;
      }
      rr.found |= RR_TF;
      return RR_TF;
    }
    case SIG_NM: {
      if ((pending & RR_NM) === 0 || len < 5) return 0;
      const flags = b[p + 4]!;
      let part: string;
      if (flags & RR_CFLAG_CURRENT) part = ".";
      else if (flags & RR_CFLAG_PARENT) part = "..";
      else if (flags & RR_CFLAG_HOST) part = imp.im_kernel.hostname;
      else {
        part = "";
        for (let i = p + 5; i < p + len; i++) part += String.fromCharCode(b[i]!);
      }
      rr.name += part;
      if (rr.name.length > ISO_MAXNAMLEN) {
        rr.why = `NM name longer than ${ISO_MAXNAMLEN} bytes`;
        return -1;
      }
      rr.found |= RR_NM;
      return flags & RR_CFLAG_CONTINUE ? 0 : RR_NM;
    }
    case SIG_SL: {
      if ((pending & RR_SL) === 0 || len < 5) return 0;
      const more = (b[p + 4]! & RR_CFLAG_CONTINUE) !== 0;
      let q = p + 5;
      while (q + 2 <= p + len) {
        const cflags = b[q]!;
        const clen = b[q + 1]!;
        if (q + 2 + clen > p + len) break;
        if (rr.sl_slash) {
          rr.symlink += "/";
          rr.sl_slash = false;
        }
        if (cflags & RR_CFLAG_ROOT) {
          rr.symlink = "/";
        } else if (cflags & RR_CFLAG_VOLROOT) {
          rr.symlink = imp.im_mountp.mnt_stat.f_mntonname;
          rr.sl_slash = true;
        } else {
          if (cflags & RR_CFLAG_CURRENT) rr.symlink += ".";
          else if (cflags & RR_CFLAG_PARENT) rr.symlink += "..";
          else if (cflags & RR_CFLAG_HOST) rr.symlink += imp.im_kernel.hostname;
          else for (let i = q + 2; i < q + 2 + clen; i++) rr.symlink += String.fromCharCode(b[i]!);
          // a continued component goes on in the next one, without a '/'
          if ((cflags & RR_CFLAG_CONTINUE) === 0) rr.sl_slash = true;
        }
        if (rr.symlink.length > RR_MAXSYMLINK) {
          rr.why = `SL target longer than ${RR_MAXSYMLINK} bytes`;
          return -1;
        }
        q += 2 + clen;
      }
      rr.found |= RR_SL;
      return more ? 0 : RR_SL;
    }
    case SIG_CL:
    case SIG_PL: {
      const bit = sig === SIG_CL ? RR_CL : RR_PL;
      if ((pending & bit) === 0 || len < 12) return 0;
      const loc = isonum_733(b, p + 4);
      if (sig === SIG_CL) rr.clink = loc;
      else rr.plink = loc;
      rr.found |= bit;
      return bit;
    }
    case SIG_RE:
      if ((pending & RR_RE) === 0) return 0;
      rr.found |= RR_RE;
      return RR_RE;
    case SIG_ZF:
      if ((pending & RR_ZF) === 0 || len < 16) return 0;
      rr.zf_algo = String.fromCharCode(b[p + 4]!, b[p + 5]!);
      rr.zf_size = isonum_733(b, p + 8);
      rr.found |= RR_ZF;
      return RR_ZF;
    case SIG_ER: {
      if ((pending & RR_ER) === 0 || len < 8) return 0;
      const lenId = b[p + 4]!;
      if (b[p + 7] !== 1 || 8 + lenId > len) return 0;
      let id = "";
      for (let i = 0; i < lenId; i++) id += String.fromCharCode(b[p + 8 + i]!);
      if (!RR_IDS.includes(id)) return 0;
      rr.found |= RR_ER;
      return RR_ER;
    }
    default:
      return 0;
  }
}

/**
 * cd9660_rrip_offset: does the root's "." record (`d` in `rec`) start
 * Rock Ridge? Its system use area must begin with SP (or, on a CD-ROM XA
 * disc, 15 bytes later) and, as NetBSD insists, an ER entry naming Rock
 * Ridge must follow (there or in a continuation area). Sets rr_skip0 and
 * returns SP's skip length, or -1 (no Rock Ridge) or -(errno + 2) for a
 * corrupt walk.
 */
export function cd9660_rrip_offset(
  imp: IsoMount,
  rec: Uint8Array,
  d: IsoDirent,
  held: Buf | null,
): number {
  const isSp = (at: number): boolean =>
    at + 7 <= d.suend &&
    rec[at] === 0x53 &&
    rec[at + 1] === 0x50 &&
    rec[at + 2] === 7 &&
    rec[at + 3] === 1 &&
    rec[at + 4] === 0xbe &&
    rec[at + 5] === 0xef;
  let skip0 = 0;
  if (!isSp(d.suoff)) {
    skip0 = 15;
    if (!isSp(d.suoff + 15)) return -1;
  }
  imp.rr_skip0 = skip0;
  const skip = rec[d.suoff + skip0 + 6]!;
  const rr = imp.im_rrip;
  const error = cd9660_rrip_walk(imp, rec, d, held, RR_ER, rr);
  if (error !== 0) return -(error + 2);
  return (rr.found & RR_ER) !== 0 ? skip : -1;
}

/**
 * The device number a PN entry gives, as NetBSD takes it: a high word of 0
 * means the low word is a whole dev_t; else the major is the high word and
 * the minor comes from the low one.
 */
export function rrip_rdev(high: number, low: number): number {
  return high === 0 ? low >>> 0 : makedev(high, minor(low));
}
