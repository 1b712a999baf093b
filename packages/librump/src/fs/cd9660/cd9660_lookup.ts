/**
 * Directories (cd9660_lookup.c): walking a directory's records with every
 * record checked, the name and node each record stands for (ISO 9660,
 * Joliet or Rock Ridge, relocated directories, multi-extent files), and
 * VOP_LOOKUP with the name cache.
 *
 * Node numbers are NetBSD's: a directory is the byte address of its
 * extent (where its "." record is), anything else the byte address of its
 * directory record (the first one of a multi-extent file), a Rock Ridge
 * relocated directory the address its CL (or, for "..", PL) names. The
 * vnode cache is keyed by them and VFS_LOADVNODE reads the record there.
 */
import { EINVAL, ENAMETOOLONG, ENOENT, ENOTDIR, EROFS } from "../../gen/constants.js";
import { cache_enter, cache_lookup, CACHE_HIT, CACHE_NEGATIVE } from "../../kern/vfs_cache.js";
import { vcache_get, vref, vrele } from "../../kern/vfs_vnode.js";
import { genfs_can_access, VEXEC, VWRITE } from "../../miscfs/genfs/genfs_vnops.js";
import { MAXPHYS } from "../../kern/vfs_bio.js";
import { DEV_BSIZE } from "../../sys/buf.js";
import { DT_DIR, DT_REG, IFTODT } from "../../sys/dirent.js";
import type { Kauth_cred } from "../../sys/kauth.js";
import {
  CREATE,
  DELETE,
  ISLASTCN,
  LOOKUP,
  OPMASK,
  RENAME,
  type ComponentName,
} from "../../sys/namei.js";
import { ALLPERMS, MNT_RDONLY } from "../../gen/constants.js";
import { VDIR, VLNK, VREG, type Vnode, type VnodeOut } from "../../sys/vnode.js";
import {
  cd9660_corrupt,
  iso_breadcluster,
  iso_chunkdblk,
  ISO_FTYPE_9660,
  ISO_FTYPE_RRIP,
  VFSTOISOFS,
  type IsoDirCursor,
  type IsoEntry,
  type IsoMount,
} from "./cd9660_extern.js";
import { ISOFSMNT_NOCASETRANS, ISOFSMNT_RRCASEINS } from "./cd9660_mount.js";
import { VTOI, type IsoNode } from "./cd9660_node.js";
import { cd9660_rrip_walk } from "./cd9660_rrip.js";
import { ASSOCCHAR, isofncmp, isofntrans } from "./cd9660_util.js";
import {
  DR_NAME,
  ISO_FLAG_ASSOCIATED,
  ISO_FLAG_DIRECTORY,
  ISO_FLAG_MULTIEXTENT,
  ISO_MAXNAMLEN,
  iso_dirent_dot,
  iso_dirent_parse,
  type IsoDirent,
} from "./iso.js";
import { RR_CL, RR_NM, RR_PL, RR_PX, RR_RE } from "./iso_rrip.js";

/* ------------------------------------------------------------------------ */
/* walking a directory's records                                            */

/**
 * The record of directory `ip` at directory offset `off`, or past the
 * padding that ends a block, the next one: 0 with it in `cur` (its block
 * held), -1 at the end of the directory (nothing held), or EIO for a
 * record that does not parse (with a console line). A directory's blocks
 * are read ahead in clusters.
 */
export function cd9660_dirnext(ip: IsoNode, off: number, cur: IsoDirCursor): number {
  const imp = ip.i_mnt;
  const bs = imp.logical_block_size;
  const size = ip.i_size;
  for (;;) {
    if (off >= size) {
      cur.release();
      return -1;
    }
    const lbn = Math.floor(off / bs);
    const boff = off - lbn * bs;
    const blk = ip.iso_start + lbn;
    if (cur.blk !== blk) {
      if (cur.bp !== null && iso_chunkdblk(imp, blk) === cur.bp.b_lblkno) {
        // another block of the chunk held
        cur.base = (blk % imp.im_bpc) * bs;
      } else {
        cur.release();
        const left = Math.ceil(size / bs) - lbn;
        const bpp = imp.im_bpp;
        const error = iso_breadcluster(imp, blk, Math.min(left, Math.floor(MAXPHYS / bs)), bpp);
        if (error !== 0) return error;
        cur.bp = bpp.v!;
        bpp.v = null;
        cur.base = imp.im_cbase;
      }
      cur.blk = blk;
    }
    const b = cur.bp!.b_data;
    const at = cur.base + boff;
    if (b[at] === 0) {
      // the rest of the block is padding
      off = (lbn + 1) * bs;
      continue;
    }
    const why = iso_dirent_parse(b, at, cur.base + bs, cur.d);
    if (why !== null) {
      cur.release();
      return cd9660_corrupt(imp, `directory ${ip.i_number}, offset ${off}: ${why}`);
    }
    cur.pos = off;
    return 0;
  }
}

/**
 * A walk that starts at `off`: it starts at the first record at or after
 * `off` (an offset from a user's lseek need not be a record's). The
 * records before it, from the start of the block before (a multi-extent
 * file may continue across a block), go through cd9660_dircont, so that a
 * record continuing a file is known as such; the one returned has not.
 */
export function cd9660_dirseek(ip: IsoNode, off: number, cur: IsoDirCursor): number {
  const bs = ip.i_mnt.logical_block_size;
  const blkstart = off - (off % bs);
  let pos = blkstart >= bs ? blkstart - bs : 0;
  for (;;) {
    const e = cd9660_dirnext(ip, pos, cur);
    if (e !== 0) return e;
    if (cur.pos >= off) return 0;
    const next = cur.pos + cur.d.reclen;
    cd9660_dircont(cur);
    if (next > off) {
      // `off` was inside this record: the next one
      return cd9660_dirnext(ip, next, cur);
    }
    pos = next;
  }
}

/**
 * Is the record in `cur` the continuation of a multi-extent file whose
 * first record came before? (Then it is not an entry of its own.) Keeps
 * the state for the next record.
 */
export function cd9660_dircont(cur: IsoDirCursor): boolean {
  const b = cur.bp!.b_data;
  const d = cur.d;
  const at = d.off + DR_NAME;
  if (cur.multi && d.namelen === cur.mlen && (d.flags & ISO_FLAG_DIRECTORY) === 0) {
    let same = true;
    for (let i = 0; i < d.namelen; i++)
      if (b[at + i] !== cur.mname[i]) {
        same = false;
        break;
      }
    if (same) {
      cur.multi = (d.flags & ISO_FLAG_MULTIEXTENT) !== 0;
      return true;
    }
  }
  cur.multi = (d.flags & (ISO_FLAG_MULTIEXTENT | ISO_FLAG_DIRECTORY)) === ISO_FLAG_MULTIEXTENT;
  if (cur.multi) {
    cur.mname.set(b.subarray(at, at + d.namelen));
    cur.mlen = d.namelen;
  }
  return false;
}

/** isodirino: the node number of a directory whose record is `d`. */
export function isodirino(imp: IsoMount, d: IsoDirent): number {
  return (d.extent + d.ext_attr_length) * imp.logical_block_size;
}

/**
 * The name, node and type of the record in `cur` (a directory record of
 * `dp`), as a directory entry shows it. Rock Ridge: NM (else the ISO name
 * as recorded), CL's directory, PL for "..", RE hides the record. Else the
 * ISO 9660 or Joliet name translated as the mount says. 0 or EIO.
 */
export function cd9660_dirname(dp: IsoNode, cur: IsoDirCursor, e: IsoEntry): number {
  const imp = dp.i_mnt;
  const b = cur.bp!.b_data;
  const d = cur.d;
  const isdir = (d.flags & ISO_FLAG_DIRECTORY) !== 0;
  const dot = iso_dirent_dot(b, d);
  e.dot = dot;
  e.hidden = false;
  // d.off is the record's place in the chunk buffer, whose first byte is at b_lblkno * DEV_BSIZE
  e.ino = isdir ? isodirino(imp, d) : cur.bp!.b_lblkno * DEV_BSIZE + d.off;
  e.type = isdir ? DT_DIR : DT_REG;
  if (dot >= 0) {
    e.name = dot === 0 ? "." : "..";
    if (dot === 1 && imp.iso_ftype === ISO_FTYPE_RRIP) {
      // a relocated directory's ".." is its logical parent (PL)
      const rr = imp.im_rrip;
      const error = cd9660_rrip_walk(imp, b, d, cur.bp, RR_PL, rr);
      if (error !== 0) return error;
      if (rr.found & RR_PL) e.ino = rr.plink * imp.logical_block_size;
    }
    return 0;
  }
  if (imp.iso_ftype === ISO_FTYPE_RRIP) {
    const rr = imp.im_rrip;
    const error = cd9660_rrip_walk(imp, b, d, cur.bp, RR_NM | RR_CL | RR_RE | RR_PX, rr);
    if (error !== 0) return error;
    if (rr.found & RR_RE) {
      // relocated: it is shown where its CL placeholder is
      e.name = "";
      e.hidden = true;
      return 0;
    }
    e.name =
      rr.found & RR_NM
        ? rr.name
        : isofntrans(b, d.off, d.namelen, true, false, (d.flags & ISO_FLAG_ASSOCIATED) !== 0, 0);
    if (rr.found & RR_CL) {
      e.ino = rr.clink * imp.logical_block_size;
      e.type = DT_DIR;
    } else if (rr.found & RR_PX) e.type = IFTODT(rr.mode);
    return 0;
  }
  e.name = isofntrans(
    b,
    d.off,
    d.namelen,
    imp.iso_ftype === ISO_FTYPE_9660,
    (imp.im_flags & ISOFSMNT_NOCASETRANS) === 0,
    (d.flags & ISO_FLAG_ASSOCIATED) !== 0,
    imp.im_joliet_level,
  );
  return 0;
}

/**
 * A name that a directory entry must not carry: empty, not one path
 * component ('/' or NUL in it), or a second "." or "..". Null when sound.
 */
export function cd9660_badname(name: string): string | null {
  if (name === "") return "an empty name";
  if (name === "." || name === "..") return `a second "${name}"`;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0x2f) return `the name ${JSON.stringify(name)} holds '/'`;
    if (c === 0) return `the name ${JSON.stringify(name)} holds NUL`;
  }
  return null;
}

/* ------------------------------------------------------------------------ */
/* VOP_LOOKUP                                                               */

/**
 * VOP_ACCESS, here below the vnode operations because lookup calls it
 * directly: no writing files, directories or links of a read-only medium
 * (devices, fifos and sockets on it are another matter).
 */
export function cd9660_access(vp: Vnode, mode: number, cred: Kauth_cred): number {
  if (mode & VWRITE && (vp.v_type === VREG || vp.v_type === VDIR || vp.v_type === VLNK))
    return EROFS;
  const ip = VTOI(vp);
  return genfs_can_access(vp.v_type, ip.iso_mode & ALLPERMS, ip.iso_uid, ip.iso_gid, mode, cred);
}

/** ASCII case-insensitive equality (RRCASEINS). */
function strcaseeq(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x >= 0x41 && x <= 0x5a) x += 0x20;
    if (y >= 0x41 && y <= 0x5a) y += 0x20;
    if (x !== y) return false;
  }
  return true;
}

/**
 * Find `name` in directory `dp`: 0 with the node in e.ino (e.ino 0: not
 * found), or an errno. A lookup starts where the last one found its name
 * (i_diroff) and wraps around, as NetBSD's does: names looked up in
 * directory order cost one record each.
 */
function cd9660_dirlookup(
  dp: IsoNode,
  name: string,
  wantDotdot: boolean,
  cur: IsoDirCursor,
  e: IsoEntry,
): number {
  const imp = dp.i_mnt;
  const rrip = imp.iso_ftype === ISO_FTYPE_RRIP;
  let fname = name;
  // a leading '=' names an associated file (not with Rock Ridge)
  const assoc = !rrip && !wantDotdot && name.length > 1 && name.charCodeAt(0) === ASSOCCHAR;
  if (assoc) fname = name.slice(1);
  const caseins = rrip && (imp.im_flags & ISOFSMNT_RRCASEINS) !== 0;
  const start = dp.i_diroff > 0 && dp.i_diroff < dp.i_size ? dp.i_diroff : 0;
  // a record whose Rock Ridge name cannot be read (a continuation loop, an
  // overflow) matches nothing; if the name is not found elsewhere, that
  // record might have been it: EIO rather than ENOENT
  let unreadable = 0;
  e.ino = 0;
  for (let pass = start === 0 ? 1 : 0; pass < 2; pass++) {
    const from = pass === 0 ? start : 0;
    const until = pass === 0 || start === 0 ? dp.i_size : start;
    cur.reset();
    let error = from === 0 ? cd9660_dirnext(dp, 0, cur) : cd9660_dirseek(dp, from, cur);
    while (error === 0 && cur.pos < until) {
      const d = cur.d;
      const b = cur.bp!.b_data;
      const next = cur.pos + d.reclen;
      if (!cd9660_dircont(cur)) {
        let match = false;
        if (wantDotdot) {
          match = iso_dirent_dot(b, d) === 1;
        } else if (rrip) {
          if (iso_dirent_dot(b, d) < 0) {
            const e2 = cd9660_dirname(dp, cur, e);
            if (e2 !== 0) unreadable = e2;
            else match = !e.hidden && (caseins ? strcaseeq(e.name, name) : e.name === name);
          }
        } else if (
          iso_dirent_dot(b, d) < 0 &&
          ((d.flags & ISO_FLAG_ASSOCIATED) !== 0) === assoc &&
          isofncmp(fname, imp.im_units, b, d.off, d.namelen, imp.im_joliet_level) === 0
        ) {
          match = true;
        }
        if (match) {
          if (!rrip || wantDotdot) {
            error = cd9660_dirname(dp, cur, e);
            if (error !== 0) break;
          }
          dp.i_diroff = cur.pos;
          cur.release();
          return 0;
        }
      }
      error = cd9660_dirnext(dp, next, cur);
    }
    cur.release();
    if (error > 0) return error;
  }
  e.ino = 0;
  return unreadable;
}

/**
 * VOP_LOOKUP: dvp locked; on success *vpp referenced and unlocked (dvp
 * itself for "."). The file system is read-only: a last component to be
 * created, removed or renamed is EROFS.
 */
export function cd9660_lookup(dvp: Vnode, vpp: VnodeOut, cnp: ComponentName): number {
  vpp.vp = null;
  if (dvp.v_type !== VDIR) return ENOTDIR;
  const mp = dvp.v_mount!;
  const dp = VTOI(dvp);
  const imp = VFSTOISOFS(mp);
  const name = cnp.cn_nameptr;
  const op = cnp.cn_nameiop & OPMASK;
  const lastcn = (cnp.cn_flags & ISLASTCN) !== 0;
  let error = cd9660_access(dvp, VEXEC, cnp.cn_cred);
  if (error !== 0) return error;
  if (lastcn && (mp.mnt_flag & MNT_RDONLY) !== 0 && (op === DELETE || op === RENAME)) return EROFS;
  if (name.length > ISO_MAXNAMLEN) return ENAMETOOLONG;
  if (!(lastcn && (op === DELETE || op === RENAME))) {
    const c = cache_lookup(dvp, name, vpp, imp.im_kernel.evcnt);
    if (c === CACHE_HIT) return 0;
    if (c === CACHE_NEGATIVE) return lastcn && (op === CREATE || op === RENAME) ? EROFS : ENOENT;
  }
  if (name === ".") {
    if (lastcn && op === RENAME) return EINVAL;
    vref(dvp);
    vpp.vp = dvp;
    return 0;
  }
  const dotdot = name === "..";
  const cur = imp.im_cursor;
  const e = imp.im_entry;
  error = cd9660_dirlookup(dp, name, dotdot, cur, e);
  if (error !== 0) return error;
  if (e.ino === 0) {
    if (lastcn && (op === CREATE || op === RENAME)) return EROFS;
    if (op === LOOKUP || !lastcn) cache_enter(dvp, null, name);
    return ENOENT;
  }
  if (e.ino === dp.i_number && !dotdot)
    return cd9660_corrupt(
      imp,
      `directory ${dp.i_number}: the entry "${name}" is the directory itself`,
    );
  error = vcache_get(mp, e.ino, vpp);
  if (error !== 0) {
    vpp.vp = null;
    return error;
  }
  const vp = vpp.vp!;
  if (dotdot && vp.v_type !== VDIR) {
    vpp.vp = null;
    vrele(vp);
    return cd9660_corrupt(imp, `directory ${dp.i_number}: ".." is not a directory`);
  }
  if (!lastcn && vp.v_type !== VDIR && vp.v_type !== VLNK) {
    vpp.vp = null;
    vrele(vp);
    return ENOTDIR;
  }
  cache_enter(dvp, vp, name);
  return 0;
}
