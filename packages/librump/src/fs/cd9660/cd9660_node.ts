/**
 * The in-core cd9660 node (cd9660_node.h: struct iso_node) and its
 * attributes from a directory record (cd9660_node.c): the ISO 9660
 * defaults (cd9660_defattr, cd9660_deftstamp, with extended attribute
 * records when ISOFSMNT_EXTATT asks), or Rock Ridge's PX, PN, TF and ZF.
 */
import { S_IFDIR, S_IFREG } from "../../gen/constants.js";
import { brelse } from "../../kern/vfs_bio.js";
import type { Timespec } from "../../sys/time.js";
import { VNOVAL } from "../../sys/vattr.js";
import type { Vnode } from "../../sys/vnode.js";
import { iso_bread, iso_inrange, type IsoMount } from "./cd9660_extern.js";
import { ISOFSMNT_EXTATT } from "./cd9660_mount.js";
import { rrip_rdev } from "./cd9660_rrip.js";
import {
  DR_DATE,
  ISO_FLAG_DIRECTORY,
  iso_tstamp17,
  iso_tstamp7,
  isonum_723,
  type IsoDirent,
} from "./iso.js";
import {
  RR_PN,
  RR_PX,
  RR_TF,
  RR_TF_ACCESS,
  RR_TF_ATTRIBUTES,
  RR_TF_CREATE,
  RR_TF_MODIFY,
  RR_ZF,
  type IsoRrip,
} from "./iso_rrip.js";

/** The in-core node (struct iso_node). */
export class IsoNode {
  /** the data's first logical block (the extent after its extended attribute blocks) */
  iso_start = 0;
  /** bytes of the file */
  i_size = 0;
  /**
   * The file's extents as (first block, bytes) pairs in file order: one
   * pair, or several for a multi-extent file.
   */
  i_exts: number[] = [];
  iso_mode = 0;
  iso_links = 1;
  iso_uid = 0;
  iso_gid = 0;
  iso_rdev = 0;
  readonly iso_atime: Timespec = { tv_sec: 0, tv_nsec: 0 };
  readonly iso_mtime: Timespec = { tv_sec: 0, tv_nsec: 0 };
  readonly iso_ctime: Timespec = { tv_sec: 0, tv_nsec: 0 };
  /** Rock Ridge TF's creation time (tv_sec VNOVAL when not recorded) */
  readonly iso_birthtime: Timespec = { tv_sec: VNOVAL, tv_nsec: VNOVAL };
  /** va_fileid: i_number, or the data's address for the names of a hard-linked file */
  i_fileid = 0;
  /** a symbolic link's target (Rock Ridge SL), gathered at load */
  i_symlink: string | null = null;
  /** ZF: the compression of a zisofs file ("pz"), "" when plain; its data cannot be read */
  i_zf = "";
  /** the console has been told about this node's ZF */
  i_zfwarned = false;
  /** lookup: where the last name was found (the next search starts there) */
  i_diroff = 0;
  /** read: the logical block a sequential reader reads next */
  i_nextr = 0;
  constructor(
    readonly i_mnt: IsoMount,
    readonly i_number: number,
    public i_vnode: Vnode | null,
  ) {}
}

/** VTOI */
export function VTOI(vp: Vnode): IsoNode {
  return vp.v_data as IsoNode;
}

/** Extended attribute record fields (9.5). */
const EA_OWNER = 0;
const EA_GROUP = 4;
const EA_PERM = 8;
const EA_CTIME = 10;
const EA_MTIME = 27;
const EA_FTIME = 61;
const EA_VERSION = 180;

/**
 * The extended attribute record of the file whose record is `d`, when
 * ISOFSMNT_EXTATT asks for it and there is one: its block's bytes (the
 * record is at offset 0), or null.
 */
function cd9660_extattr(imp: IsoMount, d: IsoDirent): Uint8Array | null {
  if ((imp.im_flags & ISOFSMNT_EXTATT) === 0 || d.ext_attr_length === 0) return null;
  if (!iso_inrange(imp, d.extent, 1)) return null;
  const bpp = imp.im_bpp;
  if (iso_bread(imp, d.extent, bpp) !== 0) return null;
  const b = bpp.v!.b_data.slice(imp.im_cbase, imp.im_cbase + 256);
  brelse(bpp.v!, 0);
  bpp.v = null;
  return b[EA_VERSION] === 1 ? b : null;
}

/**
 * cd9660_defattr + cd9660_deftstamp: attributes without Rock Ridge.
 * Directories and files are r-x for everyone and owned by root (one link:
 * fts must not think a directory has no subdirectories), or take their
 * owner, group and permissions from an extended attribute record. The
 * times are the record's date, or the extended attribute record's.
 */
export function cd9660_defattr(ip: IsoNode, rec: Uint8Array, d: IsoDirent): void {
  const imp = ip.i_mnt;
  ip.iso_mode = d.flags & ISO_FLAG_DIRECTORY ? S_IFDIR : S_IFREG;
  ip.iso_links = 1;
  const ea = cd9660_extattr(imp, d);
  if (ea !== null) {
    // a set bit in the permission field denies (9.5.3)
    const p0 = ea[EA_PERM]!;
    const p1 = ea[EA_PERM + 1]!;
    if (!(p1 & 0x10)) ip.iso_mode |= 0o400;
    if (!(p1 & 0x40)) ip.iso_mode |= 0o100;
    if (!(p0 & 0x01)) ip.iso_mode |= 0o040;
    if (!(p0 & 0x04)) ip.iso_mode |= 0o010;
    if (!(p0 & 0x10)) ip.iso_mode |= 0o004;
    if (!(p0 & 0x40)) ip.iso_mode |= 0o001;
    ip.iso_uid = isonum_723(ea, EA_OWNER);
    ip.iso_gid = isonum_723(ea, EA_GROUP);
    if (!iso_tstamp17(ea, EA_FTIME, ip.iso_atime)) iso_tstamp17(ea, EA_CTIME, ip.iso_atime);
    if (!iso_tstamp17(ea, EA_CTIME, ip.iso_ctime)) copyts(ip.iso_ctime, ip.iso_atime);
    if (!iso_tstamp17(ea, EA_MTIME, ip.iso_mtime)) copyts(ip.iso_mtime, ip.iso_ctime);
    return;
  }
  ip.iso_mode |= 0o555;
  ip.iso_uid = 0;
  ip.iso_gid = 0;
  iso_tstamp7(rec, d.off + DR_DATE, ip.iso_ctime);
  copyts(ip.iso_atime, ip.iso_ctime);
  copyts(ip.iso_mtime, ip.iso_ctime);
}

function copyts(to: Timespec, from: Timespec): void {
  to.tv_sec = from.tv_sec;
  to.tv_nsec = from.tv_nsec;
}

/**
 * cd9660_rrip_analyze's result applied: PX's mode, links and owners (its
 * absence falls back to the ISO 9660 defaults, as NetBSD does), PN's
 * device, TF's times (a missing modification time is the record's date;
 * access and change default to it, as NetBSD has them), ZF's size.
 */
export function cd9660_rrip_apply(ip: IsoNode, rr: IsoRrip, rec: Uint8Array, d: IsoDirent): void {
  if (rr.found & RR_PX) {
    ip.iso_mode = rr.mode & 0xffff;
    ip.iso_links = rr.links;
    ip.iso_uid = rr.uid;
    ip.iso_gid = rr.gid;
    iso_tstamp7(rec, d.off + DR_DATE, ip.iso_mtime);
  } else {
    cd9660_defattr(ip, rec, d);
  }
  if (rr.found & RR_PN) ip.iso_rdev = rrip_rdev(rr.dev_high, rr.dev_low);
  if (rr.found & RR_TF) {
    const m = rr.tfmask;
    if (m & RR_TF_MODIFY) copyts(ip.iso_mtime, rr.tf[1]!);
    copyts(ip.iso_atime, m & RR_TF_ACCESS ? rr.tf[2]! : ip.iso_mtime);
    copyts(ip.iso_ctime, m & RR_TF_ATTRIBUTES ? rr.tf[3]! : ip.iso_mtime);
    if (m & RR_TF_CREATE) copyts(ip.iso_birthtime, rr.tf[0]!);
  } else if (rr.found & RR_PX) {
    copyts(ip.iso_atime, ip.iso_mtime);
    copyts(ip.iso_ctime, ip.iso_mtime);
  }
  if (rr.found & RR_ZF) {
    ip.i_zf = rr.zf_algo;
    ip.i_size = rr.zf_size;
  }
}
