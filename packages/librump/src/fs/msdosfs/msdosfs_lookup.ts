/**
 * Directories (msdosfs_lookup.c): reading entries (long names assembled
 * and checked), the name index, lookup, making an entry (createde, with
 * NetBSD's alias generation in uniqdosname), removing one (removede),
 * emptiness (dosdirempty), the ".." walk of rename (doscheckpath), and
 * readdir.
 *
 * Every entry is checked before use: long-name entries count only when
 * their sequence and checksum fit the 8.3 entry after them; a name holding
 * '/' is refused (a long one falls back to its 8.3 name, as NetBSD does;
 * an 8.3 name with '/' makes the directory unreadable: EIO and a console
 * line); "." and ".." appear only where a directory has them, and readdir
 * makes those two itself.
 */
import {
  E2BIG,
  EEXIST,
  EINVAL,
  EJUSTRETURN,
  ENAMETOOLONG,
  ENOENT,
  ENOSPC,
  ENOTDIR,
  EROFS,
  MNT_RDONLY,
} from "../../gen/constants.js";
import { bdwrite, brelse } from "../../kern/vfs_bio.js";
import { cache_enter, cache_lookup, CACHE_HIT } from "../../kern/vfs_cache.js";
import { vcache_get, vcache_rekey, vref, vrele } from "../../kern/vfs_vnode.js";
import { VEXEC, VWRITE } from "../../miscfs/genfs/genfs_vnops.js";
import type { Buf } from "../../sys/buf.js";
import { DT_DIR, DT_REG, dirent_append } from "../../sys/dirent.js";
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
import type { Out } from "../../sys/out.js";
import type { Uio } from "../../sys/uio.js";
import { VDIR, type Vnode, type VnodeOut } from "../../sys/vnode.js";
import {
  ATTR_DIRECTORY,
  ATTR_VOLUME,
  ATTR_WIN95,
  DE_ATTR,
  DE_LCASE,
  DIR_MAXBYTES,
  DIRENT_SIZE,
  SLOT_DELETED,
  SLOT_EMPTY,
  WE_CHKSUM,
  WIN_CNT,
  WIN_LAST,
  WIN_MAXSLOTS,
  de_isdot,
  de_startcluster,
} from "./direntry.js";
import { type Denode, VTODE } from "./denode.js";
import {
  CONV_CHANGED,
  CONV_INVALID,
  CONV_LOSSY,
  CONV_SAME,
  msdosfs_lcase_flags,
  NAME_TOOLONG,
  msdosfs_dos2unixfn,
  msdosfs_fold,
  msdosfs_name_units,
  msdosfs_unix2dosfn,
  msdosfs_units_name,
  msdosfs_unix2winfn,
  msdosfs_win2units,
  msdosfs_winchksum,
} from "./msdosfs_conv.js";
import {
  de_dirblk,
  de_externalize,
  msdosfs_access,
  msdosfs_dirkey,
  msdosfs_orphankey,
  readep,
} from "./msdosfs_denode.js";
import { clearcluster, extendfile, fat_iscluster, pcbmap } from "./msdosfs_fat.js";
import {
  DirEntryScan,
  DirIndex,
  MSDOSFSMNT_NOWIN95,
  MSDOSFSMNT_SHORTNAME,
  MSDOSFS_ROOT_KEY,
  de_filekey,
  type MsdosfsMount,
} from "./msdosfsmount.js";

/* ------------------------------------------------------------------------ */
/* scanning                                                                  */

export { DirEntryScan };

/**
 * Visit the entries of directory `dep` from byte `from` on; `visit`
 * returns true to stop (`s` then describes the entry it stopped at).
 * Returns 0, an I/O error, or EIO for a name that cannot be shown.
 */
export function msdosfs_dirscan(
  dep: Denode,
  from: number,
  s: DirEntryScan,
  visit: (s: DirEntryScan) => boolean,
): number {
  const pmp = dep.de_pmp;
  const longnames = (pmp.pm_flags & (MSDOSFSMNT_SHORTNAME | MSDOSFSMNT_NOWIN95)) === 0;
  const nowin95 = (pmp.pm_flags & MSDOSFSMNT_NOWIN95) !== 0;
  const lowerAll = (pmp.pm_flags & MSDOSFSMNT_SHORTNAME) !== 0;
  const utf8 = pmp.utf8;
  const bpp = { v: null as Buf | null };
  const clp = { v: 0 };
  const offp = { v: 0 };
  const size = dep.de_FileSize;
  const lfn = pmp.pm_units2;
  let lfnChk = -1;
  let lfnNext = 0;
  let lfnStart = 0;
  let lfnLen = 0;
  let lfnBad = false;
  s.end = -1;
  s.deleted = 0;
  let off = from;
  while (off < size) {
    const error = de_dirblk(dep, off, bpp, clp, offp);
    if (error !== 0) return error === E2BIG ? 0 : error;
    const bp = bpp.v!;
    const b = bp.b_data;
    let o = offp.v;
    const blen = pmp.pm_blkend;
    for (; o + DIRENT_SIZE <= blen && off < size; o += DIRENT_SIZE, off += DIRENT_SIZE) {
      const c0 = b[o]!;
      if (c0 === SLOT_EMPTY) {
        s.end = off;
        brelse(bp, 0);
        return 0;
      }
      if (c0 === SLOT_DELETED) {
        s.deleted++;
        lfnChk = -1;
        continue;
      }
      const attr = b[o + DE_ATTR]!;
      if (attr === ATTR_WIN95) {
        if (nowin95) continue;
        const cnt = c0 & WIN_CNT;
        const chk = b[o + WE_CHKSUM]!;
        if (c0 & WIN_LAST) {
          lfnChk = cnt >= 1 && cnt <= WIN_MAXSLOTS ? chk : -1;
          if (lfnChk < 0) continue;
          lfnNext = cnt - 1;
          lfnStart = off;
          lfnBad = false;
          const n = msdosfs_win2units(b, o, lfn);
          if (n < 0) lfnBad = true;
          lfnLen = (cnt - 1) * 13 + Math.max(0, n);
        } else if (lfnChk >= 0 && cnt === lfnNext && chk === lfnChk && cnt >= 1) {
          lfnNext--;
          if (msdosfs_win2units(b, o, lfn) !== 13) lfnBad = true; // '/' or a NUL inside
        } else {
          lfnChk = -1;
        }
        continue;
      }
      if (attr & ATTR_VOLUME) {
        lfnChk = -1;
        continue;
      }
      // an 8.3 entry
      const hasLong =
        longnames &&
        lfnChk >= 0 &&
        lfnNext === 0 &&
        !lfnBad &&
        lfnLen > 0 &&
        msdosfs_winchksum(b, o) === lfnChk;
      lfnChk = -1;
      s.off = off;
      s.dirclust = clp.v;
      s.diroffset = clp.v === 0 ? off : off % pmp.pm_geom.bpcluster;
      s.attr = attr;
      s.startcluster = de_startcluster(b, o, pmp.fat32);
      s.short.set(b.subarray(o, o + 11));
      s.dot = de_isdot(b, o);
      s.long = false;
      if (hasLong && !(lfnLen <= 2 && lfn[0] === 0x2e && (lfnLen === 1 || lfn[1] === 0x2e))) {
        let ok = true;
        if (!utf8) for (let i = 0; i < lfnLen; i++) if (lfn[i]! > 0xff) ok = false;
        if (ok) {
          s.units.set(lfn.subarray(0, lfnLen));
          s.len = lfnLen;
          s.long = true;
        }
      }
      s.lfnoff = s.long ? lfnStart : off;
      if (!s.long) {
        s.len = msdosfs_dos2unixfn(b, o, b[o + DE_LCASE]!, lowerAll, s.units);
        for (let i = 0; i < s.len; i++) {
          if (s.units[i] === 0x2f) {
            brelse(bp, 0);
            return pmp.corrupt(
              `directory at cluster ${dep.de_StartCluster}: entry ${off / DIRENT_SIZE} has '/' in its name`,
            );
          }
        }
      }
      if (visit(s)) {
        brelse(bp, 0);
        return 0;
      }
    }
    brelse(bp, 0);
  }
  s.end = size;
  return 0;
}

/* ------------------------------------------------------------------------ */
/* the name index                                                            */

/** Bytes an index entry is charged (two map entries, their strings). */
const INDEX_ENTRY_BYTES = 160;

function shortkey(b: Uint8Array): string {
  let k = "";
  for (let i = 0; i < 11; i++) k += String.fromCharCode(b[i]!);
  return k;
}

/** Forget `dep`'s index and give its memory back. */
export function msdosfs_index_free(dep: Denode): void {
  const idx = dep.de_index;
  if (idx === null) return;
  dep.de_pmp.pm_kernel.memRelease(idx.charged);
  dep.de_index = null;
}

function indexAdd(dep: Denode, idx: DirIndex, name: string, sk: string, off: number): boolean {
  if (!idx.names.has(name)) idx.names.set(name, off);
  if (!idx.shorts.has(sk)) idx.shorts.set(sk, off);
  idx.byOff.set(off, [name, sk]);
  if (!dep.de_pmp.pm_kernel.memReserve(INDEX_ENTRY_BYTES)) return false;
  idx.charged += INDEX_ENTRY_BYTES;
  return true;
}

/**
 * The index of directory `dep`, built by one scan when it has none. null
 * when memory is short (callers scan instead).
 */
function msdosfs_index(dep: Denode): DirIndex | null {
  if (dep.de_index !== null) return dep.de_index;
  const idx = new DirIndex();
  dep.de_index = idx;
  const s = new DirEntryScan();
  let ok = true;
  const error = msdosfs_dirscan(dep, 0, s, (e) => {
    if (e.dot !== 0) return false;
    ok = indexAdd(dep, idx, msdosfs_fold(e.units, e.len), shortkey(e.short), e.off);
    return !ok;
  });
  if (error !== 0 || !ok) {
    msdosfs_index_free(dep);
    return null;
  }
  idx.end = s.end < 0 ? dep.de_FileSize : s.end;
  idx.deleted = s.deleted;
  return idx;
}

/* ------------------------------------------------------------------------ */
/* finding a name                                                            */

/**
 * Find name `u[0…len)` in directory `dep`: its long name or shown name
 * without case, or its 8.3 name byte for byte (`dn`, when `olddos`). The
 * entry is described in `s`; returns 0 (found), ENOENT, or an error.
 */
export function msdosfs_dirlookup(
  dep: Denode,
  u: Uint16Array,
  len: number,
  dn: Uint8Array,
  olddos: boolean,
  s: DirEntryScan,
): number {
  const key = msdosfs_fold(u, len);
  const idx = msdosfs_index(dep);
  if (idx !== null) {
    let off = idx.names.get(key);
    if (off === undefined && olddos) off = idx.shorts.get(shortkey(dn));
    if (off === undefined) return ENOENT;
    const error = de_entryat(dep, off, s);
    if (error !== 0) return error;
    if (s.off === off) return 0;
    // the index no longer describes the directory: forget it and scan
    msdosfs_index_free(dep);
  }
  let found = false;
  const error = msdosfs_dirscan(dep, 0, s, (e) => {
    if (e.dot !== 0) return false;
    if (olddos) {
      let same = true;
      for (let i = 0; i < 11; i++) if (e.short[i] !== dn[i]) same = false;
      if (same) return (found = true);
    }
    if (e.len >= len && msdosfs_fold(e.units, e.len) === key) return (found = true);
    return false;
  });
  if (error !== 0) return error;
  return found ? 0 : ENOENT;
}

/**
 * The 8.3 entry at byte `off` of `dep` into `s` (no long name: `s.off` is
 * set to −1 when there is no entry in use there).
 */
function de_entryat(dep: Denode, off: number, s: DirEntryScan): number {
  const pmp = dep.de_pmp;
  const bpp = pmp.pm_bpp;
  const clp = pmp.pm_clp;
  const offp = pmp.pm_offp;
  const error = de_dirblk(dep, off, bpp, clp, offp);
  s.off = -1;
  if (error !== 0) return error === E2BIG ? 0 : error;
  const b = bpp.v!.b_data;
  const o = offp.v;
  const c0 = b[o]!;
  const attr = b[o + DE_ATTR]!;
  if (
    c0 !== SLOT_EMPTY &&
    c0 !== SLOT_DELETED &&
    attr !== ATTR_WIN95 &&
    (attr & ATTR_VOLUME) === 0
  ) {
    s.off = off;
    s.lfnoff = off;
    s.dirclust = clp.v;
    s.diroffset = clp.v === 0 ? off : off % pmp.pm_geom.bpcluster;
    s.attr = attr;
    s.startcluster = de_startcluster(b, o, pmp.fat32);
    s.short.set(b.subarray(o, o + 11));
    s.dot = de_isdot(b, o);
    s.long = false;
    s.len = 0;
  }
  brelse(bpp.v!, 0);
  bpp.v = null;
  return 0;
}

/** The vnode key of the entry `s` describes. */
export function msdosfs_entrykey(pmp: MsdosfsMount, s: DirEntryScan): number {
  return s.attr & ATTR_DIRECTORY
    ? msdosfs_dirkey(pmp, s.startcluster)
    : de_filekey(s.dirclust, s.diroffset);
}

/** The result of converting a name for lookup or creation. */
export interface NameConv {
  len: number;
  conv: number;
}

/**
 * A kernel name as units (pmp.pm_units) and its 8.3 form (pmp.pm_dn,
 * generation 0). Returns 0, ENAMETOOLONG or EINVAL.
 */
export function msdosfs_nameconv(pmp: MsdosfsMount, name: string, out: NameConv): number {
  const len = msdosfs_name_units(name, pmp.utf8, pmp.pm_units);
  if (len === NAME_TOOLONG) return ENAMETOOLONG;
  if (len < 0) return EINVAL;
  out.len = len;
  out.conv = msdosfs_unix2dosfn(pmp.pm_units, len, pmp.pm_dn, 0);
  return out.conv === CONV_INVALID ? EINVAL : 0;
}

/**
 * The ".." of directory `dep` (not the root): the first cluster it names
 * (0 for the root), into `scnp`. EIO when the entry is not there.
 */
export function msdosfs_dotdot(dep: Denode, scnp: Out<number>): number {
  const pmp = dep.de_pmp;
  const bpp = pmp.pm_bpp;
  const offp = { v: 0 };
  const error = readep(pmp, dep.de_StartCluster, DIRENT_SIZE, bpp, offp);
  if (error !== 0) return error;
  const b = bpp.v!.b_data;
  const o = offp.v;
  const ok = de_isdot(b, o) === 2 && (b[o + DE_ATTR]! & ATTR_DIRECTORY) !== 0;
  scnp.v = ok ? de_startcluster(b, o, pmp.fat32) : 0;
  brelse(bpp.v!, 0);
  bpp.v = null;
  if (!ok) return pmp.corrupt(`directory at cluster ${dep.de_StartCluster}: no ".." entry`);
  if (scnp.v !== 0 && !fat_iscluster(pmp, scnp.v))
    return pmp.corrupt(`directory at cluster ${dep.de_StartCluster}: ".." names cluster ${scnp.v}`);
  return 0;
}

/* ------------------------------------------------------------------------ */
/* lookup                                                                    */

/**
 * VOP_LOOKUP: `cnp`'s name in directory `dvp`; the vnode comes back
 * referenced and unlocked. For a create or rename target that is not
 * there, EJUSTRETURN. Names compare without case, so no negative entries
 * go into the name cache (a later "FOO" would not purge "foo").
 */
export function msdosfs_lookup(dvp: Vnode, vpp: VnodeOut, cnp: ComponentName): number {
  vpp.vp = null;
  if (dvp.v_type !== VDIR) return ENOTDIR;
  const mp = dvp.v_mount!;
  const dp = VTODE(dvp);
  const pmp = dp.de_pmp;
  const name = cnp.cn_nameptr;
  const op = cnp.cn_nameiop & OPMASK;
  const lastcn = (cnp.cn_flags & ISLASTCN) !== 0;
  const cred = cnp.cn_cred;
  const rdonly = (mp.mnt_flag & MNT_RDONLY) !== 0;
  let error = msdosfs_access(dvp, VEXEC, cred);
  if (error !== 0) return error;
  if (lastcn && rdonly && (op === DELETE || op === RENAME)) return EROFS;
  const modifying = lastcn && op !== LOOKUP;
  if (!(lastcn && (op === DELETE || op === RENAME))) {
    if (cache_lookup(dvp, name, vpp, pmp.pm_kernel.evcnt) === CACHE_HIT) return 0;
  }
  if (name === ".") {
    if (lastcn && op === RENAME) return EINVAL;
    vref(dvp);
    vpp.vp = dvp;
    return 0;
  }
  if (name === "..") {
    if (lastcn && op === RENAME) return EINVAL;
    if (dvp.v_vflag & 0x1 /* VV_ROOT */) {
      vref(dvp);
      vpp.vp = dvp;
      return 0;
    }
    const scnp = { v: 0 };
    error = msdosfs_dotdot(dp, scnp);
    if (error !== 0) return error;
    const key = msdosfs_dirkey(pmp, scnp.v);
    if (key === dvp.v_key)
      return pmp.corrupt(`directory at cluster ${dp.de_StartCluster}: ".." names itself`);
    error = vcache_get(mp, key, vpp);
    if (error === ENOENT)
      return pmp.corrupt(
        `directory at cluster ${dp.de_StartCluster}: ".." names cluster ${scnp.v}, not a directory`,
      );
    return error;
  }
  if (dp.de_refcnt <= 0) return ENOENT;
  const nc: NameConv = { len: 0, conv: 0 };
  error = msdosfs_nameconv(pmp, name, nc);
  if (error !== 0) {
    if (error === ENAMETOOLONG) return error;
    return lastcn && (op === CREATE || op === RENAME) ? EINVAL : ENOENT;
  }
  const s = pmp.pm_scan;
  error = msdosfs_dirlookup(dp, pmp.pm_units, nc.len, pmp.pm_dn, nc.conv !== CONV_LOSSY, s);
  if (error === ENOENT) {
    if (lastcn && (op === CREATE || op === RENAME)) {
      if (rdonly) return EROFS;
      error = msdosfs_access(dvp, VWRITE, cred);
      return error !== 0 ? error : EJUSTRETURN;
    }
    return ENOENT;
  }
  if (error !== 0) return error;
  if (lastcn && (op === DELETE || op === RENAME)) {
    error = msdosfs_access(dvp, VWRITE, cred);
    if (error !== 0) return error;
  }
  const isdir = (s.attr & ATTR_DIRECTORY) !== 0;
  if (s.startcluster !== 0 && !fat_iscluster(pmp, s.startcluster))
    return pmp.corrupt(
      `directory at cluster ${dp.de_StartCluster}: entry ${s.off / DIRENT_SIZE} starts at cluster ${s.startcluster}, outside the volume`,
    );
  const key = msdosfs_entrykey(pmp, s);
  if (key === dvp.v_key)
    return pmp.corrupt(
      `directory at cluster ${dp.de_StartCluster}: entry ${s.off / DIRENT_SIZE} names the directory itself`,
    );
  error = vcache_get(mp, key, vpp);
  if (error !== 0) {
    vpp.vp = null;
    if (error !== ENOENT) return error;
    return pmp.corrupt(
      `directory at cluster ${dp.de_StartCluster}: entry ${s.off / DIRENT_SIZE} cannot be loaded`,
    );
  }
  const vp = vpp.vp!;
  if ((vp.v_type === VDIR) !== isdir) {
    vpp.vp = null;
    vrele(vp);
    return pmp.corrupt(
      `directory at cluster ${dp.de_StartCluster}: entry ${s.off / DIRENT_SIZE} shares its place with another`,
    );
  }
  if (!lastcn && !isdir) {
    vpp.vp = null;
    vrele(vp);
    return ENOTDIR;
  }
  if (!modifying) cache_enter(dvp, vp, name);
  return 0;
}

/* ------------------------------------------------------------------------ */
/* making and removing entries                                               */

/** Is 8.3 name `dn` taken in `dep` (by an entry other than the one at `ignore`)? */
function shortTaken(dep: Denode, dn: Uint8Array, ignore: number): boolean | number {
  const idx = msdosfs_index(dep);
  if (idx !== null) {
    const off = idx.shorts.get(shortkey(dn));
    if (off === undefined || (off === ignore && ignore >= 0)) return false;
    if (ignore < 0) return true;
  }
  let taken = false;
  const s = dep.de_pmp.pm_scan2;
  const error = msdosfs_dirscan(dep, 0, s, (e) => {
    if (e.off === ignore) return false;
    for (let i = 0; i < 11; i++) if (e.short[i] !== dn[i]) return false;
    return (taken = true);
  });
  return error !== 0 ? error : taken;
}

/**
 * uniqdosname: an 8.3 name for `u[0…len)` no entry of `dep` has, into `dn`:
 * the name itself when it fits, else the lossy form with "~1", "~2", …
 * (NetBSD's generations). EEXIST when a name that fits is taken, or no
 * generation is left; EINVAL for a name with no 8.3 form. On a SHORTNAME
 * mount the name's 8.3 form, taken or not (lookup saw it was not). The
 * entry at offset `ignore` does not count (a rename within a directory).
 */
export function uniqdosname(
  dep: Denode,
  u: Uint16Array,
  len: number,
  dn: Uint8Array,
  ignore = -1,
): number {
  const pmp = dep.de_pmp;
  if (pmp.pm_flags & MSDOSFSMNT_SHORTNAME)
    return msdosfs_unix2dosfn(u, len, dn, 0) === CONV_INVALID ? EINVAL : 0;
  const idx = msdosfs_index(dep);
  // where the last search for this lossy name ended (reset by any removal)
  let hintKey = "";
  let gen = 1;
  if (idx !== null && msdosfs_unix2dosfn(u, len, dn, 1) === CONV_LOSSY) {
    hintKey = shortkey(dn);
    gen = idx.aliasHint.get(hintKey) ?? 1;
  }
  for (; ; gen++) {
    const conv = msdosfs_unix2dosfn(u, len, dn, gen);
    if (conv === CONV_INVALID) return gen === 1 ? EINVAL : EEXIST;
    const taken = shortTaken(dep, dn, ignore);
    if (typeof taken === "number") return taken;
    if (!taken) {
      if (hintKey !== "" && idx !== null) idx.aliasHint.set(hintKey, gen + 1);
      return 0;
    }
    if (conv !== CONV_LOSSY) return EEXIST;
  }
}

/**
 * Find `need` consecutive free slots in `dep` (deleted, or never used),
 * growing the directory by zeroed clusters when the run at its end is too
 * short. The first slot's offset goes into `offp`, the old end of the
 * entries in use into `endp`. ENOSPC when the FAT12/16 root directory is
 * full, a directory would pass 65,536 entries, or the FAT is full.
 */
function findslots(dep: Denode, need: number, offp: Out<number>, endp: Out<number>): number {
  const pmp = dep.de_pmp;
  const bytes = need * DIRENT_SIZE;
  const size = dep.de_FileSize;
  const idx = msdosfs_index(dep);
  let found = -1;
  let end = size;
  if (idx !== null && idx.deleted < need) {
    // no hole can hold it: after the last entry
    found = idx.end;
    end = idx.end;
  } else {
    const bpp = pmp.pm_bpp;
    const clp = { v: 0 };
    const bo = { v: 0 };
    let run = 0;
    let runStart = 0;
    let off = 0;
    scan: while (off < size) {
      const error = de_dirblk(dep, off, bpp, clp, bo);
      if (error !== 0) return error;
      const bp = bpp.v!;
      bpp.v = null;
      const b = bp.b_data;
      const blen = pmp.pm_blkend;
      for (
        let o = bo.v;
        o + DIRENT_SIZE <= blen && off < size;
        o += DIRENT_SIZE, off += DIRENT_SIZE
      ) {
        const c0 = b[o]!;
        if (c0 === SLOT_EMPTY) {
          end = off;
          if (run === 0) runStart = off;
          found = runStart;
          brelse(bp, 0);
          break scan;
        }
        if (c0 === SLOT_DELETED) {
          if (run++ === 0) runStart = off;
          if (run >= need) {
            found = runStart;
            brelse(bp, 0);
            break scan;
          }
        } else run = 0;
      }
      brelse(bp, 0);
    }
    if (found < 0) found = run > 0 ? runStart : size;
  }
  if (found + bytes > size) {
    // grow by whole zeroed clusters
    if (dep.de_StartCluster === 0) return ENOSPC;
    const bpc = pmp.pm_geom.bpcluster;
    const more = Math.ceil((found + bytes - size) / bpc);
    if (size + more * bpc > DIR_MAXBYTES) return ENOSPC;
    const firstp = { v: 0 };
    const gotp = { v: 0 };
    const error = extendfile(dep, more, firstp, gotp);
    if (error !== 0) return error;
    const cnp = pmp.pm_cn;
    for (let i = 0; i < more; i++) {
      const e = pcbmap(dep, size / bpc + i, cnp, null, 1);
      if (e !== 0) return e;
      const e2 = clearcluster(pmp, cnp.v);
      if (e2 !== 0) return e2;
    }
    dep.de_FileSize = size + more * bpc;
    dep.de_vnode!.v_size = dep.de_FileSize;
  }
  offp.v = found;
  endp.v = end;
  return 0;
}

/** Where createde put the new 8.3 entry. */
export interface NewEntry {
  off: number;
  dirclust: number;
  diroffset: number;
}

/**
 * createde: write entry `tmpl` (its name in tmpl.de_Name, attributes,
 * times, cluster and size) into directory `ddep`, preceded by the long
 * name `u[0…len)` when `long`. The place is reported in `out`.
 */
export function createde(
  tmpl: Denode,
  ddep: Denode,
  u: Uint16Array,
  len: number,
  long: boolean,
  out: NewEntry,
): number {
  const pmp = ddep.de_pmp;
  const nlfn = long ? Math.ceil(len / 13) : 0;
  const need = nlfn + 1;
  const offp = { v: 0 };
  const endp = { v: 0 };
  let error = findslots(ddep, need, offp, endp);
  if (error !== 0) return error;
  const start = offp.v;
  const chksum = msdosfs_winchksum(tmpl.de_Name!, 0);
  const bpp = pmp.pm_bpp;
  const clp = { v: 0 };
  const bo = { v: 0 };
  let bp: Buf | null = null;
  let bufStart = -1;
  let validStart = -1;
  let bufEnd = -1;
  for (let k = 0; k < need; k++) {
    const off = start + k * DIRENT_SIZE;
    if (bp === null || off < validStart || off >= bufEnd) {
      if (bp !== null) bdwrite(bp);
      error = de_dirblk(ddep, off, bpp, clp, bo);
      if (error !== 0) return error;
      bp = bpp.v!;
      bpp.v = null;
      // directory offsets of the buffer's byte 0 and of its valid part (one cluster)
      bufStart = off - bo.v;
      validStart = bufStart + pmp.pm_blkstart;
      bufEnd = bufStart + pmp.pm_blkend;
    }
    const o = off - bufStart;
    if (k < nlfn) {
      // long-name parts, the last part first
      msdosfs_unix2winfn(u, len, bp.b_data, o, nlfn - k, chksum);
    } else {
      bp.b_data.fill(0, o, o + DIRENT_SIZE);
      de_externalize(tmpl, bp.b_data, o);
      out.off = off;
      out.dirclust = clp.v;
      out.diroffset = clp.v === 0 ? off : off % pmp.pm_geom.bpcluster;
    }
  }
  // writing over the old end: what follows must read as the end again
  const after = start + need * DIRENT_SIZE;
  if (after > endp.v && after < ddep.de_FileSize) {
    if (after >= bufEnd) {
      bdwrite(bp!);
      error = de_dirblk(ddep, after, bpp, clp, bo);
      if (error !== 0) return error;
      bp = bpp.v!;
      bpp.v = null;
      bufStart = after - bo.v;
    }
    bp!.b_data[after - bufStart] = SLOT_EMPTY;
  }
  bdwrite(bp!);
  const idx = ddep.de_index;
  if (idx !== null) {
    let reused = 0;
    for (let off = start; off < Math.min(after, idx.end); off += DIRENT_SIZE) reused++;
    idx.deleted = Math.max(0, idx.deleted - reused);
    if (after > idx.end) idx.end = after;
    const key = msdosfs_fold(u, len);
    if (!indexAdd(ddep, idx, key, shortkey(tmpl.de_Name!), out.off)) msdosfs_index_free(ddep);
  }
  return 0;
}

/**
 * removede: mark the 8.3 entry at byte `off` of `ddep` and its long-name
 * entries (those just before it that carry its checksum, in sequence)
 * deleted.
 */
export function removede(ddep: Denode, off: number): number {
  const pmp = ddep.de_pmp;
  const bpp = pmp.pm_bpp;
  const clp = { v: 0 };
  const bo = { v: 0 };
  let error = de_dirblk(ddep, off, bpp, clp, bo);
  if (error !== 0) return error;
  let bp = bpp.v!;
  bpp.v = null;
  const chksum = msdosfs_winchksum(bp.b_data, bo.v);
  bp.b_data[bo.v] = SLOT_DELETED;
  let removed = 1;
  // its long-name entries, walking back
  const nowin95 = (pmp.pm_flags & MSDOSFSMNT_NOWIN95) !== 0;
  let p = off - DIRENT_SIZE;
  // directory offsets of the buffer's byte 0 and of the start of its valid part (one cluster)
  let bufStart = off - bo.v;
  let validStart = bufStart + pmp.pm_blkstart;
  let want = 1;
  while (!nowin95 && p >= 0 && want <= WIN_MAXSLOTS) {
    if (p < validStart) {
      bdwrite(bp);
      error = de_dirblk(ddep, p, bpp, clp, bo);
      if (error !== 0) return error;
      bp = bpp.v!;
      bpp.v = null;
      bufStart = p - bo.v;
      validStart = bufStart + pmp.pm_blkstart;
    }
    const o = p - bufStart;
    const b = bp.b_data;
    if (
      b[o] === SLOT_DELETED ||
      b[o + DE_ATTR] !== ATTR_WIN95 ||
      b[o + WE_CHKSUM] !== chksum ||
      (b[o]! & WIN_CNT) !== want
    )
      break;
    const last = (b[o]! & WIN_LAST) !== 0;
    b[o] = SLOT_DELETED;
    removed++;
    if (last) break;
    want++;
    p -= DIRENT_SIZE;
  }
  bdwrite(bp);
  const idx = ddep.de_index;
  if (idx !== null) {
    const keys = idx.byOff.get(off);
    if (keys !== undefined) {
      if (idx.names.get(keys[0]) === off) idx.names.delete(keys[0]);
      if (idx.shorts.get(keys[1]) === off) idx.shorts.delete(keys[1]);
      idx.byOff.delete(off);
      pmp.pm_kernel.memRelease(INDEX_ENTRY_BYTES);
      idx.charged -= INDEX_ENTRY_BYTES;
    }
    idx.deleted += removed;
    idx.aliasHint.clear();
    // a name that lost its place in the maps may still be held by a duplicate: rebuild lazily
    if (keys !== undefined && (idx.names.size < idx.byOff.size || idx.shorts.size < idx.byOff.size))
      msdosfs_index_free(ddep);
  }
  return 0;
}

/**
 * Rewrite the 8.3 entry of directory `ddep` at byte `off` with `tmpl`'s
 * fields (a moved directory's "..", a renamed file's new attributes).
 */
export function rewritede(
  ddep: Denode,
  off: number,
  fill: (b: Uint8Array, o: number) => void,
): number {
  const pmp = ddep.de_pmp;
  const bpp = pmp.pm_bpp;
  const clp = { v: 0 };
  const bo = { v: 0 };
  const error = de_dirblk(ddep, off, bpp, clp, bo);
  if (error !== 0) return error;
  fill(bpp.v!.b_data, bo.v);
  bdwrite(bpp.v!);
  bpp.v = null;
  return 0;
}

/** dosdirempty: does directory `dep` hold nothing but "." and ".."? */
export function dosdirempty(dep: Denode, emptyp: Out<boolean>): number {
  let empty = true;
  const s = dep.de_pmp.pm_scan2;
  const error = msdosfs_dirscan(dep, 0, s, (e) => {
    if (e.dot !== 0 && (e.attr & ATTR_DIRECTORY) !== 0) return false;
    empty = false;
    return true;
  });
  emptyp.v = empty;
  return error;
}

/**
 * doscheckpath: is directory `target` inside directory `source`'s tree
 * (renaming source there would cut it off)? Walks ".." entries up to the
 * root, at most as many steps as there are clusters (a ".." cycle is EIO).
 * EINVAL when it is inside; 0 when not.
 */
export function doscheckpath(source: Denode, target: Denode): number {
  const pmp = source.de_pmp;
  const rootscn = pmp.fat32 ? pmp.pm_geom.rootclust : 0;
  if (source.de_StartCluster === rootscn) return EINVAL;
  let scn = target.de_StartCluster;
  const bpp = pmp.pm_bpp;
  const offp = { v: 0 };
  for (let steps = 0; ; steps++) {
    if (scn === source.de_StartCluster) return EINVAL;
    if (scn === 0 || scn === rootscn) return 0;
    if (steps > pmp.pm_geom.nclusters || !fat_iscluster(pmp, scn))
      return pmp.corrupt(`the ".." entries above cluster ${target.de_StartCluster} form a cycle`);
    const error = readep(pmp, scn, DIRENT_SIZE, bpp, offp);
    if (error !== 0) return error;
    const b = bpp.v!.b_data;
    const o = offp.v;
    const ok = de_isdot(b, o) === 2 && (b[o + DE_ATTR]! & ATTR_DIRECTORY) !== 0;
    const up = de_startcluster(b, o, pmp.fat32);
    brelse(bpp.v!, 0);
    bpp.v = null;
    if (!ok) return pmp.corrupt(`directory at cluster ${scn}: no ".." entry`);
    scn = up;
  }
}

/* ------------------------------------------------------------------------ */
/* names of new entries                                                      */

/** What a new entry's name is: units in pmp.pm_units, the 8.3 name in pmp.pm_dn. */
export interface NewName {
  len: number;
  /** a long name goes before the 8.3 entry */
  long: boolean;
  /** NT lower-case flags of the 8.3 entry */
  lcase: number;
}

/**
 * The 8.3 name (unique in `ddep`) and long-name need of `name` for a new
 * entry: an 8.3 name as it is, or with NT's case flags, needs no long
 * name; anything else gets one and NetBSD's "~N" alias. `ignore` is an
 * entry offset whose 8.3 name counts as free (a rename within a directory).
 */
export function msdosfs_newname(ddep: Denode, name: string, out: NewName, ignore = -1): number {
  const pmp = ddep.de_pmp;
  const nc: NameConv = { len: 0, conv: 0 };
  let error = msdosfs_nameconv(pmp, name, nc);
  if (error !== 0) return error;
  out.len = nc.len;
  out.lcase = 0;
  out.long = false;
  if ((pmp.pm_flags & MSDOSFSMNT_SHORTNAME) === 0) {
    // a blank inside an 8.3 name is legal, but tools (mtools, DOS) end the name there
    let blank = false;
    for (let i = 0; i < nc.len; i++) if (pmp.pm_units[i] === 0x20) blank = true;
    if (blank) out.long = true;
    else if (nc.conv === CONV_CHANGED) {
      const f = msdosfs_lcase_flags(pmp.pm_units, nc.len);
      if (f >= 0) out.lcase = f;
      else out.long = true;
    } else if (nc.conv !== CONV_SAME) out.long = true;
  }
  error = uniqdosname(ddep, pmp.pm_units, nc.len, pmp.pm_dn, ignore);
  return error;
}

/**
 * The directory byte offset of the 8.3 entry at (dirclust, diroffset) in
 * directory `ddep` (whose chain is mapped), or −1.
 */
export function msdosfs_entryoff(ddep: Denode, dirclust: number, diroffset: number): number {
  if (dirclust === 0) return diroffset;
  const r = ddep.de_runs;
  const bpc = ddep.de_pmp.pm_geom.bpcluster;
  for (let k = 0; k < r.length; k += 3) {
    const cn = r[k + 1]!;
    if (dirclust >= cn && dirclust < cn + r[k + 2]!)
      return (r[k]! + dirclust - cn) * bpc + diroffset;
  }
  return -1;
}

/** Find the entry named by `cnp` in `ddep` and check it is `vp`'s. */
export function msdosfs_findent(
  ddep: Denode,
  cnp: ComponentName,
  vp: Vnode,
  s: DirEntryScan,
): number {
  const pmp = ddep.de_pmp;
  const nc: NameConv = { len: 0, conv: 0 };
  let error = msdosfs_nameconv(pmp, cnp.cn_nameptr, nc);
  if (error !== 0) return ENOENT;
  error = msdosfs_dirlookup(ddep, pmp.pm_units, nc.len, pmp.pm_dn, nc.conv !== 3, s);
  if (error !== 0) return error;
  return msdosfs_entrykey(pmp, s) === vp.v_key ? 0 : ENOENT;
}

/** Give a nameless vnode a key of its own (its old place may be taken by a new entry). */
export function msdosfs_orphan(vp: Vnode): void {
  const dep = VTODE(vp);
  dep.de_refcnt = 0;
  vcache_rekey(vp.v_mount!, vp, msdosfs_orphankey(dep.de_pmp));
}

/* ------------------------------------------------------------------------ */
/* readdir                                                                   */

/** st_ino of a directory with first cluster `scn` (NetBSD's formula: its "." entry's index). */
export function msdosfs_dirfileno(pmp: MsdosfsMount, scn: number): number {
  if (msdosfs_dirkey(pmp, scn) === MSDOSFS_ROOT_KEY) return 1;
  const g = pmp.pm_geom;
  return (g.firstdata + (scn - 2) * g.spc) * (g.bps / DIRENT_SIZE);
}

/** st_ino of a file whose 8.3 entry is at (dirclust, diroffset). */
export function msdosfs_filefileno(pmp: MsdosfsMount, dirclust: number, diroffset: number): number {
  const g = pmp.pm_geom;
  const sec = dirclust === 0 ? g.rootdirblk : g.firstdata + (dirclust - 2) * g.spc;
  return sec * (g.bps / DIRENT_SIZE) + diroffset / DIRENT_SIZE;
}

/**
 * VOP_READDIR: "." and "..", then every entry. The offset is 0 for ".",
 * 32 for "..", and 64 + the byte offset of an entry in the directory.
 */
export function msdosfs_readdir(
  vp: Vnode,
  uio: Uio,
  _cred: Kauth_cred,
  eofflag: Out<number>,
  cookies: Out<number[] | null> | null,
  ncookies: Out<number> | null,
): number {
  eofflag.v = 0;
  if (vp.v_type !== VDIR) return ENOTDIR;
  const dep = VTODE(vp);
  const pmp = dep.de_pmp;
  let pos = uio.uio_offset;
  if (pos < 0 || (pos > 32 && (pos - 64) % DIRENT_SIZE !== 0) || (pos > 0 && pos < 32))
    return EINVAL;
  const cks: number[] | null = cookies !== null && ncookies !== null ? [] : null;
  const utf8 = pmp.utf8;
  let count = 0;
  let full = false;
  const own = msdosfs_dirfileno(pmp, dep.de_StartCluster);
  if (pos === 0) {
    if (!dirent_append(uio, own, DT_DIR, ".")) return EINVAL;
    count++;
    pos = 32;
    uio.uio_offset = pos;
    if (cks !== null) cks.push(pos);
  }
  if (pos === 32) {
    let up = 1;
    if (!(vp.v_vflag & 0x1 /* VV_ROOT */)) {
      const scnp = { v: 0 };
      const error = msdosfs_dotdot(dep, scnp);
      if (error !== 0) return error;
      up = msdosfs_dirfileno(pmp, scnp.v);
    }
    if (!dirent_append(uio, up, DT_DIR, "..")) full = true;
    else {
      count++;
      pos = 64;
      uio.uio_offset = pos;
      if (cks !== null) cks.push(pos);
    }
  }
  if (!full) {
    const s = pmp.pm_scan;
    const error = msdosfs_dirscan(dep, pos - 64, s, (e) => {
      if (e.dot !== 0) return false; // made above
      const isdir = (e.attr & ATTR_DIRECTORY) !== 0;
      const fileno = isdir
        ? msdosfs_dirfileno(pmp, e.startcluster)
        : msdosfs_filefileno(pmp, e.dirclust, e.diroffset);
      if (
        !dirent_append(
          uio,
          fileno,
          isdir ? DT_DIR : DT_REG,
          msdosfs_units_name(e.units, e.len, utf8),
        )
      ) {
        full = true;
        return true;
      }
      count++;
      pos = 64 + e.off + DIRENT_SIZE;
      uio.uio_offset = pos;
      if (cks !== null) cks.push(pos);
      return false;
    });
    if (error !== 0) return error;
    if (!full) pos = 64 + dep.de_FileSize;
  }
  if (full && count === 0) return EINVAL;
  uio.uio_offset = pos;
  eofflag.v = pos >= 64 + dep.de_FileSize ? 1 : 0;
  if (cks !== null) {
    cookies!.v = cks;
    ncookies!.v = cks.length;
  }
  return 0;
}
