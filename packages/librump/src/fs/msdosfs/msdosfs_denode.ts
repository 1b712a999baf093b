/**
 * Denodes (msdosfs_denode.c): loading one from its directory entry (the
 * vnode cache's VFS_LOADVNODE), writing it back (deupdat), the times of
 * DETIMES, truncating and extending (detrunc, deextend), and reading the
 * block that holds a directory entry (readep).
 */
import {
  E2BIG,
  EINVAL,
  EISDIR,
  ENOENT,
  ENOMEM,
  ENOSPC,
  EROFS,
  MNT_RDONLY,
} from "../../gen/constants.js";
import { genfs_can_access, VWRITE } from "../../miscfs/genfs/genfs_vnops.js";
import type { Kauth_cred } from "../../sys/kauth.js";
import { bread, brelse, bdwrite, bwrite, getblk } from "../../kern/vfs_bio.js";
import type { Mount } from "../../sys/mount.js";
import type { Out } from "../../sys/out.js";
import type { Buf } from "../../sys/buf.js";
import { VDIR, VREG, VV_ROOT, type Vnode } from "../../sys/vnode.js";
import {
  ATTR_DIRECTORY,
  ATTR_VOLUME,
  ATTR_WIN95,
  ATTR_ARCHIVE,
  DE_ADATE,
  DE_ATTR,
  DE_CDATE,
  DE_CHUN,
  DE_CTIME,
  DE_FILESIZE,
  DE_HIGHCLUST,
  DE_LCASE,
  DE_MDATE,
  DE_MTIME,
  DE_STARTCLUST,
  DIR_MAXBYTES,
  DIRENT_SIZE,
  SLOT_DELETED,
  SLOT_EMPTY,
  de_isdot,
  de_startcluster,
  rd16,
  rd32,
  wr16,
  wr32,
} from "./direntry.js";
import { Denode, DE_ACCESS, DE_CREATE, DE_MODIFIED, DE_UPDATE } from "./denode.js";
import {
  MSDOSFSMNT_NOWIN95,
  MSDOSFS_ORPHAN_BASE,
  MSDOSFS_ROOT_KEY,
  de_dirkey,
  type MsdosfsMount,
} from "./msdosfsmount.js";
import { msdosfs_unix2dostime } from "./msdosfs_conv.js";
import {
  de_mapto,
  de_maptrunc,
  extendfile,
  fat_get,
  fat_iscluster,
  fat_iseof,
  fat_set,
  freeclusterchain,
  pcbmap,
} from "./msdosfs_fat.js";
import { CLUST_EOFE } from "./fat.js";

/** The key of the directory whose first cluster is `scn` (0, or FAT32's root cluster: the root). */
export function msdosfs_dirkey(pmp: MsdosfsMount, scn: number): number {
  if (scn === 0 || (pmp.fat32 && scn === pmp.pm_geom.rootclust)) return MSDOSFS_ROOT_KEY;
  return de_dirkey(scn);
}

/** Clusters that `bytes` occupy (de_clcount). */
export function de_clcount(pmp: MsdosfsMount, bytes: number): number {
  return Math.ceil(bytes / pmp.pm_geom.bpcluster);
}

/**
 * The permissions of a denode: everything, less the write bits when the
 * entry is read-only, under the mount's mask (files) or dirmask
 * (directories); owner and group are the mount's.
 */
export function msdosfs_mode(dep: Denode): number {
  const pmp = dep.de_pmp;
  const mode = dep.de_Attributes & 0x01 /* ATTR_READONLY */ ? 0o555 : 0o777;
  return mode & (dep.isdir ? pmp.pm_dirmask : pmp.pm_mask);
}

/** VOP_ACCESS (msdosfs_access): EROFS for writes on a read-only mount, then the mode above. */
export function msdosfs_access(vp: Vnode, mode: number, cred: Kauth_cred): number {
  const dep = vp.v_data as Denode;
  if (mode & VWRITE && vp.v_mount!.mnt_flag & MNT_RDONLY) return EROFS;
  const pmp = dep.de_pmp;
  return genfs_can_access(vp.v_type, msdosfs_mode(dep), pmp.pm_uid, pmp.pm_gid, mode, cred);
}

/* ------------------------------------------------------------------------ */
/* entries ↔ denodes                                                         */

/** DE_INTERNALIZE: the fields of the 8.3 entry at `b[off…]` into `dep` (not the name). */
export function de_internalize(dep: Denode, b: Uint8Array, off: number): void {
  dep.de_Attributes = b[off + DE_ATTR]!;
  dep.de_LowerCase = b[off + DE_LCASE]!;
  dep.de_CHun = b[off + DE_CHUN]!;
  dep.de_CTime = rd16(b, off + DE_CTIME);
  dep.de_CDate = rd16(b, off + DE_CDATE);
  dep.de_ADate = rd16(b, off + DE_ADATE);
  dep.de_MTime = rd16(b, off + DE_MTIME);
  dep.de_MDate = rd16(b, off + DE_MDATE);
  dep.de_StartCluster = de_startcluster(b, off, dep.de_pmp.fat32);
  dep.de_FileSize = rd32(b, off + DE_FILESIZE);
}

/** DE_EXTERNALIZE: `dep`'s fields into the 8.3 entry at `b[off…]` (its name when it has one). */
export function de_externalize(dep: Denode, b: Uint8Array, off: number): void {
  if (dep.de_Name !== null) b.set(dep.de_Name, off);
  b[off + DE_ATTR] = dep.de_Attributes;
  b[off + DE_LCASE] = dep.de_LowerCase;
  b[off + DE_CHUN] = dep.de_CHun;
  wr16(b, off + DE_CTIME, dep.de_CTime);
  wr16(b, off + DE_CDATE, dep.de_CDate);
  wr16(b, off + DE_ADATE, dep.de_ADate);
  wr16(b, off + DE_MTIME, dep.de_MTime);
  wr16(b, off + DE_MDATE, dep.de_MDate);
  wr16(b, off + DE_STARTCLUST, dep.de_StartCluster & 0xffff);
  // FAT12/16 keep other things in the high half (OS/2's EA handle): left alone there
  if (dep.de_pmp.fat32) wr16(b, off + DE_HIGHCLUST, dep.de_StartCluster >>> 16);
  wr32(b, off + DE_FILESIZE, dep.isdir ? 0 : dep.de_FileSize);
}

/**
 * DETIMES: the times flagged in de_flag become now (or the given ones):
 * the modification time (and the archive bit), and unless NOWIN95 the
 * access date and the creation time. DE_MODIFIED marks the entry for
 * writing when something changed.
 */
export function msdosfs_detimes(dep: Denode): void {
  const f = dep.de_flag;
  if ((f & (DE_UPDATE | DE_CREATE | DE_ACCESS)) === 0) return;
  const pmp = dep.de_pmp;
  const ts = pmp.pm_ts;
  pmp.pm_kernel.nanotime(ts);
  const dt = pmp.pm_dostime;
  msdosfs_unix2dostime(ts.tv_sec, ts.tv_nsec, pmp.pm_gmtoff, dt);
  let changed = false;
  if (f & DE_UPDATE) {
    dep.de_MDate = dt.date;
    dep.de_MTime = dt.time;
    dep.de_Attributes |= ATTR_ARCHIVE;
    changed = true;
  }
  if ((pmp.pm_flags & MSDOSFSMNT_NOWIN95) === 0) {
    if (f & DE_ACCESS && dep.de_ADate !== dt.date) {
      dep.de_ADate = dt.date;
      changed = true;
    }
    if (f & DE_CREATE) {
      dep.de_CDate = dt.date;
      dep.de_CTime = dt.time;
      dep.de_CHun = dt.hun;
      changed = true;
    }
  }
  dep.de_flag &= ~(DE_UPDATE | DE_CREATE | DE_ACCESS);
  if (changed) dep.de_flag |= DE_MODIFIED;
}

/**
 * readep: the buffer holding the entry at (`dirclust`, `diroffset`) into
 * `bpp`, the entry's offset in it into `offp`, and where the cluster (or
 * root-region piece) ends in the buffer into pmp.pm_blkend: a data block
 * may hold other clusters after it. Cluster 0 is the FAT12/16 root region.
 */
export function readep(
  pmp: MsdosfsMount,
  dirclust: number,
  diroffset: number,
  bpp: Out<Buf | null>,
  offp: Out<number>,
): number {
  const g = pmp.pm_geom;
  if (dirclust === 0) {
    // the FAT12/16 root region, in data-block-sized pieces
    const rootbytes = g.rootdirsecs * g.bps;
    if (pmp.fat32 || diroffset >= rootbytes) return EINVAL;
    const db = pmp.pm_dblk;
    const chunk = Math.floor(diroffset / db);
    const len = Math.min(db, rootbytes - chunk * db);
    offp.v = diroffset - chunk * db;
    pmp.pm_blkstart = 0;
    pmp.pm_blkend = len;
    return bread(pmp.pm_devvp, pmp.secblk(g.rootdirblk) + chunk * (db >> 9), len, bpp);
  }
  if (!fat_iscluster(pmp, dirclust) || diroffset >= g.bpcluster) return EINVAL;
  pmp.dblk(dirclust);
  offp.v = pmp.pm_db_off + diroffset;
  pmp.pm_blkstart = pmp.pm_db_off;
  pmp.pm_blkend = pmp.pm_db_off + g.bpcluster;
  return bread(pmp.pm_devvp, pmp.pm_db_blk, pmp.pm_db_size, bpp);
}

/**
 * The buffer of directory `dep` holding byte `off` of it, into `bpp`; the
 * place of the entry into `clp` (its cluster, 0 in the FAT12/16 root
 * region) and `offp` (in the buffer). E2BIG past the end.
 */
export function de_dirblk(
  dep: Denode,
  off: number,
  bpp: Out<Buf | null>,
  clp: Out<number>,
  offp: Out<number>,
): number {
  const pmp = dep.de_pmp;
  if (off >= dep.de_FileSize) return E2BIG;
  if (dep.de_StartCluster === 0) {
    clp.v = 0;
    return readep(pmp, 0, off, bpp, offp);
  }
  const bpc = pmp.pm_geom.bpcluster;
  const fcn = Math.floor(off / bpc);
  const cnp = pmp.pm_cn;
  const error = pcbmap(dep, fcn, cnp, null, 1);
  if (error !== 0) return error;
  clp.v = cnp.v;
  return readep(pmp, cnp.v, off - fcn * bpc, bpp, offp);
}

/**
 * deupdat: write `dep`'s entry if it changed (times first). Directories
 * are not written (NetBSD keeps their "." entry as made), nor is a removed
 * file's.
 */
export function deupdat(dep: Denode, sync: boolean): number {
  const pmp = dep.de_pmp;
  if (pmp.pm_ronly) {
    dep.de_flag &= ~(DE_UPDATE | DE_CREATE | DE_ACCESS | DE_MODIFIED);
    return 0;
  }
  msdosfs_detimes(dep);
  if ((dep.de_flag & DE_MODIFIED) === 0) return 0;
  dep.de_flag &= ~DE_MODIFIED;
  if (dep.isdir || dep.de_refcnt <= 0) return 0;
  const bpp = pmp.pm_bpp;
  const offp = { v: 0 };
  const error = readep(pmp, dep.de_dirclust, dep.de_diroffset, bpp, offp);
  if (error !== 0) return error;
  de_externalize(dep, bpp.v!.b_data, offp.v);
  const bp = bpp.v!;
  bpp.v = null;
  if (sync) return bwrite(bp);
  bdwrite(bp);
  return 0;
}

/* ------------------------------------------------------------------------ */
/* loading                                                                   */

/**
 * VFS_LOADVNODE: the denode of `key` into `vp`. The root is made up (it
 * has no entry); a directory comes from its "." entry; a file from its
 * 8.3 entry, which must still be a file's (else ENOENT: the key is stale).
 * Damaged entries answer EIO with a console line.
 */
export function msdosfs_loadvnode(mp: Mount, vp: Vnode, key: number): number {
  const pmp = mp.mnt_data as MsdosfsMount;
  const g = pmp.pm_geom;
  const dep = new Denode(pmp, vp);
  const bpp = pmp.pm_bpp;
  const offp = { v: 0 };
  if (key >= MSDOSFS_ORPHAN_BASE || !Number.isInteger(key)) return ENOENT;
  if (key === MSDOSFS_ROOT_KEY) {
    vp.v_vflag |= VV_ROOT;
    dep.de_Attributes = ATTR_DIRECTORY;
    dep.de_CDate = dep.de_ADate = dep.de_MDate = (1 << 5) | 1; // 1980-01-01, as NetBSD
    if (pmp.fat32) {
      dep.de_StartCluster = g.rootclust;
      dep.de_dirclust = g.rootclust;
    } else {
      dep.de_StartCluster = 0;
      dep.de_FileSize = g.rootdirsecs * g.bps;
    }
  } else if (key < MSDOSFS_ROOT_KEY) {
    const scn = -key - 16;
    if (!fat_iscluster(pmp, scn)) return ENOENT;
    dep.de_dirclust = scn;
    dep.de_diroffset = 0;
    const error = readep(pmp, scn, 0, bpp, offp);
    if (error !== 0) return error;
    const b = bpp.v!.b_data;
    // the "." entry carries the directory's attributes; a damaged one is not needed
    if (de_isdot(b, 0) === 1 && b[DE_ATTR]! & ATTR_DIRECTORY) de_internalize(dep, b, 0);
    brelse(bpp.v!, 0);
    bpp.v = null;
    dep.de_Attributes = (dep.de_Attributes | ATTR_DIRECTORY) & ~ATTR_VOLUME;
    dep.de_StartCluster = scn;
    dep.de_FileSize = 0;
  } else {
    const dirclust = Math.floor(key / 65536);
    const diroffset = (key - dirclust * 65536) * DIRENT_SIZE;
    dep.de_dirclust = dirclust;
    dep.de_diroffset = diroffset;
    const error = readep(pmp, dirclust, diroffset, bpp, offp);
    if (error !== 0) return error === EINVAL ? ENOENT : error;
    const b = bpp.v!.b_data;
    const o = offp.v;
    const c0 = b[o]!;
    const attr = b[o + DE_ATTR]!;
    const usable =
      c0 !== SLOT_EMPTY &&
      c0 !== SLOT_DELETED &&
      attr !== ATTR_WIN95 &&
      (attr & (ATTR_VOLUME | ATTR_DIRECTORY)) === 0;
    if (usable) de_internalize(dep, b, o);
    brelse(bpp.v!, 0);
    bpp.v = null;
    if (!usable) return ENOENT;
    const scn = dep.de_StartCluster;
    if (scn !== 0 && !fat_iscluster(pmp, scn))
      return pmp.corrupt(
        `file entry at cluster ${dirclust} offset ${diroffset}: start cluster ${scn}`,
      );
    if (scn === 0 && dep.de_FileSize > 0)
      return pmp.corrupt(
        `file entry at cluster ${dirclust} offset ${diroffset}: ${dep.de_FileSize} bytes but no clusters`,
      );
  }
  if (dep.isdir) {
    vp.v_type = VDIR;
    if (dep.de_StartCluster !== 0) {
      // the size of a directory is its chain's (its entry says 0)
      const maxcl = Math.ceil(DIR_MAXBYTES / g.bpcluster);
      const error = de_mapto(dep, maxcl);
      if (error !== 0) return error;
      if (dep.de_nclust > maxcl)
        return pmp.corrupt(
          `directory at cluster ${dep.de_StartCluster}: more than 65536 entries (the cluster chain may loop)`,
        );
      dep.de_FileSize = dep.de_nclust * g.bpcluster;
    }
  } else {
    vp.v_type = VREG;
  }
  vp.v_data = dep;
  vp.v_op = pmp.pm_vnodeop_p;
  vp.v_size = dep.de_FileSize;
  return 0;
}

/* ------------------------------------------------------------------------ */
/* truncate and extend                                                       */

/** Zero bytes [from, to) of data cluster `cn` through the cache. */
export function zerocluster(pmp: MsdosfsMount, cn: number, from: number, to: number): number {
  const bpp = pmp.pm_bpp;
  pmp.dblk(cn);
  const o = pmp.pm_db_off;
  let bp: Buf | null;
  if (from === 0 && o === 0 && to === pmp.pm_db_size) {
    bp = getblk(pmp.pm_devvp, pmp.pm_db_blk, pmp.pm_db_size);
    if (bp === null) return ENOMEM;
  } else {
    const error = bread(pmp.pm_devvp, pmp.pm_db_blk, pmp.pm_db_size, bpp);
    if (error !== 0) return error;
    bp = bpp.v!;
    bpp.v = null;
  }
  bp.b_data.fill(0, o + from, o + to);
  bdwrite(bp);
  return 0;
}

/**
 * detrunc: make `dep` `length` bytes long. Shorter: the chain is cut after
 * the last cluster still needed (the rest freed) and that cluster's tail
 * zeroed; longer: deextend. The root directory of FAT12/16 cannot change.
 */
export function detrunc(dep: Denode, length: number): number {
  const pmp = dep.de_pmp;
  const vp = dep.de_vnode!;
  if (vp.v_vflag & VV_ROOT && !pmp.fat32) return EINVAL;
  if (length > dep.de_FileSize) return deextend(dep, length);
  const bpc = pmp.pm_geom.bpcluster;
  const keep = de_clcount(pmp, length);
  let chaintofree = 0;
  let eofentry = 0;
  const cnp = pmp.pm_cn;
  if (length === 0) {
    chaintofree = dep.de_StartCluster;
    dep.de_StartCluster = 0;
    dep.unmap();
    dep.de_eoc = true;
  } else {
    const error = pcbmap(dep, keep - 1, cnp, null, 1);
    if (error === E2BIG)
      return pmp.corrupt(`file at cluster ${dep.de_StartCluster}: chain shorter than its size`);
    if (error !== 0) return error;
    eofentry = cnp.v;
    const boff = length % bpc;
    if (boff !== 0 && !dep.isdir) {
      const e = zerocluster(pmp, eofentry, boff, bpc);
      if (e !== 0) return e;
    }
  }
  dep.de_FileSize = length;
  vp.v_size = length;
  if (!dep.isdir) dep.de_flag |= DE_UPDATE | DE_MODIFIED;
  dep.de_flag |= DE_MODIFIED;
  const allerror = deupdat(dep, false);
  if (eofentry !== 0) {
    const next = { v: 0 };
    let error = fat_get(pmp, eofentry, next);
    if (error !== 0) return error;
    if (!fat_iseof(pmp, next.v)) {
      error = fat_set(pmp, eofentry, CLUST_EOFE);
      if (error !== 0) return error;
      chaintofree = next.v;
    }
    de_maptrunc(dep, keep);
  }
  if (chaintofree !== 0 && fat_iscluster(pmp, chaintofree)) {
    const error = freeclusterchain(pmp, chaintofree);
    if (error !== 0) return error;
  }
  return allerror;
}

/**
 * deextend: grow file `dep` to `length` bytes of zeros (FAT has no holes):
 * the tail of its last cluster is zeroed, new clusters are zeroed.
 * ENOSPC (nothing changed) when the clusters are not there.
 */
export function deextend(dep: Denode, length: number): number {
  const pmp = dep.de_pmp;
  const vp = dep.de_vnode!;
  if (vp.v_vflag & VV_ROOT && !pmp.fat32) return EINVAL;
  if (dep.isdir) return EISDIR;
  const bpc = pmp.pm_geom.bpcluster;
  const osize = dep.de_FileSize;
  const have = de_clcount(pmp, osize);
  const count = de_clcount(pmp, length) - have;
  if (count > pmp.pm_freeclustercount) return ENOSPC;
  const cnp = pmp.pm_cn;
  if (osize % bpc !== 0) {
    let error = pcbmap(dep, have - 1, cnp, null, 1);
    if (error === E2BIG)
      return pmp.corrupt(`file at cluster ${dep.de_StartCluster}: chain shorter than its size`);
    if (error !== 0) return error;
    error = zerocluster(pmp, cnp.v, osize % bpc, bpc);
    if (error !== 0) return error;
  }
  if (count > 0) {
    const firstp = { v: 0 };
    const gotp = { v: 0 };
    const error = extendfile(dep, count, firstp, gotp);
    if (error !== 0) {
      if (gotp.v > 0) detrunc(dep, osize);
      return error;
    }
    for (let i = have; i < have + count; i++) {
      const e = pcbmap(dep, i, cnp, null, 1);
      if (e !== 0) return e;
      const e2 = zerocluster(pmp, cnp.v, 0, bpc);
      if (e2 !== 0) return e2;
    }
  }
  dep.de_FileSize = length;
  vp.v_size = length;
  dep.de_flag |= DE_UPDATE | DE_MODIFIED;
  return deupdat(dep, false);
}

/** A key no directory entry has, for a file that lost its name while open. */
export function msdosfs_orphankey(pmp: MsdosfsMount): number {
  return pmp.pm_orphan++;
}
