/**
 * Rock Ridge (IEEE P1282, RRIP 1.12) and SUSP (IEEE P1281) as they appear
 * in a directory record's system use area (iso_rrip.h): the entry names,
 * their flag bits, and what one scan of a record's entries gathered.
 */
import type { Timespec } from "../../sys/time.js";

/** Two-letter entry signatures as 16-bit numbers. */
export function susp_sig(a: string): number {
  return (a.charCodeAt(0) << 8) | a.charCodeAt(1);
}
export const SIG_SP = susp_sig("SP");
export const SIG_CE = susp_sig("CE");
export const SIG_ST = susp_sig("ST");
export const SIG_ER = susp_sig("ER");
export const SIG_PX = susp_sig("PX");
export const SIG_PN = susp_sig("PN");
export const SIG_SL = susp_sig("SL");
export const SIG_NM = susp_sig("NM");
export const SIG_CL = susp_sig("CL");
export const SIG_PL = susp_sig("PL");
export const SIG_RE = susp_sig("RE");
export const SIG_TF = susp_sig("TF");
export const SIG_ZF = susp_sig("ZF");

/** What a scan gathers (ISO_SUSP_* of NetBSD, as a want/found mask). */
export const RR_PX = 0x0001;
export const RR_PN = 0x0002;
export const RR_SL = 0x0004;
export const RR_NM = 0x0008;
export const RR_CL = 0x0010;
export const RR_PL = 0x0020;
export const RR_RE = 0x0040;
export const RR_TF = 0x0080;
export const RR_ER = 0x0200;
export const RR_ZF = 0x0400;
/** Attributes of a file; its name and where it really is. */
export const RR_ATTR = RR_PX | RR_PN | RR_TF | RR_ZF;
export const RR_NAME = RR_NM | RR_CL | RR_PL | RR_RE;

/** NM and SL component flags (RRIP 4.1.4, 4.1.3.1). */
export const RR_CFLAG_CONTINUE = 0x01;
export const RR_CFLAG_CURRENT = 0x02;
export const RR_CFLAG_PARENT = 0x04;
export const RR_CFLAG_ROOT = 0x08;
export const RR_CFLAG_VOLROOT = 0x10;
export const RR_CFLAG_HOST = 0x20;

/** TF flags (RRIP 4.1.6): which stamps follow, in this order, and their form. */
export const RR_TF_CREATE = 0x01;
export const RR_TF_MODIFY = 0x02;
export const RR_TF_ACCESS = 0x04;
export const RR_TF_ATTRIBUTES = 0x08;
export const RR_TF_BACKUP = 0x10;
export const RR_TF_EXPIRATION = 0x20;
export const RR_TF_EFFECTIVE = 0x40;
export const RR_TF_LONG_FORM = 0x80;

/** Continuation areas followed for one record at most (a chain longer is a loop). */
export const RR_MAXCE = 32;
/** Longest symbolic link target (MAXPATHLEN - 1). */
export const RR_MAXSYMLINK = 1023;

/** What one scan of a record's system use entries found (ISO_RRIP_ANALYZE). */
export class IsoRrip {
  /** RR_* found */
  found = 0;
  /** PX */
  mode = 0;
  links = 0;
  uid = 0;
  gid = 0;
  /** PX file serial number (RRIP 1.12), -1 when not recorded */
  serial = -1;
  /** PN */
  dev_high = 0;
  dev_low = 0;
  /** TF: RR_TF_* present, and the stamps in flag order */
  tfmask = 0;
  readonly tf: Timespec[] = Array.from({ length: 7 }, () => ({ tv_sec: 0, tv_nsec: 0 }));
  /** NM: the name (kernel bytes) */
  name = "";
  /** SL: the target (kernel bytes) */
  symlink = "";
  /** SL: a '/' is due before the next component (the last one was not continued) */
  sl_slash = false;
  /** CL / PL: the logical block of the child / parent directory */
  clink = 0;
  plink = 0;
  /** ZF: the algorithm ("pz" for zisofs) and the uncompressed size */
  zf_algo = "";
  zf_size = 0;
  /** why the scan failed (for the console line) */
  why = "";

  reset(): void {
    this.found = 0;
    this.serial = -1;
    this.tfmask = 0;
    this.name = "";
    this.symlink = "";
    this.why = "";
    this.sl_slash = false;
    this.zf_algo = "";
  }
}
