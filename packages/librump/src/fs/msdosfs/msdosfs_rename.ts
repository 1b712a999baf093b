/**
 * rename for msdosfs (msdosfs_rename.c): genfs_rename's checks in their
 * order, then the target's entry goes, a copy of the source's 8.3 entry is
 * made under the new name (a long name and a fresh alias as the name
 * needs), the source's entries go, and the vnode follows: a file is known
 * by the place of its entry and is re-keyed, a moved directory's ".."
 * names its new parent. A rename to another spelling of the same name
 * ("a" to "A": FAT compares without case, so both name one file) does
 * nothing, as rename(2) of a file to itself — NetBSD's rule.
 */
import { EBUSY, EINVAL, EISDIR, ENOENT, ENOTDIR, ENOTEMPTY } from "../../gen/constants.js";
import { bdwrite, brelse } from "../../kern/vfs_bio.js";
import { cache_purge } from "../../kern/vfs_cache.js";
import { vcache_rekey } from "../../kern/vfs_vnode.js";
import { genfs_rename_release, genfs_rename_sanity } from "../../miscfs/genfs/genfs_rename.js";
import { VWRITE } from "../../miscfs/genfs/genfs_vnops.js";
import type { ComponentName } from "../../sys/namei.js";
import { VDIR, type Vnode } from "../../sys/vnode.js";
import {
  ATTR_DIRECTORY,
  DE_ATTR,
  DE_HIGHCLUST,
  DE_STARTCLUST,
  DIRENT_SIZE,
  de_isdot,
  wr16,
} from "./direntry.js";
import { Denode, VTODE } from "./denode.js";
import { de_dirblk, de_internalize, deupdat, msdosfs_access, readep } from "./msdosfs_denode.js";
import { freeclusterchain } from "./msdosfs_fat.js";
import {
  DirEntryScan,
  createde,
  doscheckpath,
  dosdirempty,
  msdosfs_findent,
  msdosfs_index_free,
  msdosfs_newname,
  msdosfs_orphan,
  removede,
  type NewEntry,
  type NewName,
} from "./msdosfs_lookup.js";
import { de_filekey } from "./msdosfsmount.js";

/** VOP_RENAME: fdvp, fvp released; tdvp, tvp put. */
export function msdosfs_rename(
  fdvp: Vnode,
  fvp: Vnode,
  fcnp: ComponentName,
  tdvp: Vnode,
  tvp: Vnode | null,
  tcnp: ComponentName,
): number {
  const error = do_rename(fdvp, fvp, fcnp, tdvp, tvp, tcnp);
  genfs_rename_release(fdvp, fvp, tdvp, tvp);
  return error;
}

function do_rename(
  fdvp: Vnode,
  fvp: Vnode,
  fcnp: ComponentName,
  tdvp: Vnode,
  tvp: Vnode | null,
  tcnp: ComponentName,
): number {
  let error = genfs_rename_sanity(fdvp, fvp, fcnp, tdvp, tvp, tcnp, 255);
  if (error !== 0) return error;
  const fdp = VTODE(fdvp);
  const fip = VTODE(fvp);
  const tdp = VTODE(tdvp);
  const tip = tvp === null ? null : VTODE(tvp);
  const pmp = fdp.de_pmp;
  if (fdp.de_refcnt <= 0 || tdp.de_refcnt <= 0) return ENOENT;
  // the entries namei found must still be there
  const fs = new DirEntryScan();
  error = msdosfs_findent(fdp, fcnp, fvp, fs);
  if (error !== 0) return error;
  const ts = new DirEntryScan();
  if (tip !== null) {
    // two spellings of one name (names compare without case): nothing to do
    if (tip === fip) return 0;
    error = msdosfs_findent(tdp, tcnp, tvp!, ts);
    if (error !== 0) return error;
  }
  if (fip === fdp) return EINVAL;
  if (tip === tdp) return EISDIR;
  if (fvp.v_mountedhere !== null || (tvp !== null && tvp.v_mountedhere !== null)) return EBUSY;
  const isdir = fvp.v_type === VDIR;
  if (isdir && fdp !== tdp) {
    error = doscheckpath(fip, tdp);
    if (error !== 0) return error;
  }
  if (tip !== null) {
    if (isdir && tvp!.v_type === VDIR) {
      const empty = { v: false };
      error = dosdirempty(tip, empty);
      if (error !== 0) return error;
      if (!empty.v) return ENOTEMPTY;
    } else if (isdir) return ENOTDIR;
    else if (tvp!.v_type === VDIR) return EISDIR;
  }
  const cred = fcnp.cn_cred;
  error = msdosfs_access(fdvp, VWRITE, cred);
  if (error !== 0) return error;
  if (fdp !== tdp) {
    error = msdosfs_access(tdvp, VWRITE, cred);
    if (error !== 0) return error;
    if (isdir) {
      error = msdosfs_access(fvp, VWRITE, cred);
      if (error !== 0) return error;
    }
  }
  // the source's entry is copied: what is pending goes into it first
  if (!isdir) {
    error = deupdat(fip, false);
    if (error !== 0) return error;
  }
  const raw = new Uint8Array(DIRENT_SIZE);
  const bpp = pmp.pm_bpp;
  const clp = { v: 0 };
  const bo = { v: 0 };
  error = de_dirblk(fdp, fs.off, bpp, clp, bo);
  if (error !== 0) return error;
  raw.set(bpp.v!.b_data.subarray(bo.v, bo.v + DIRENT_SIZE));
  brelse(bpp.v!, 0);
  bpp.v = null;

  // 1. the target's entry goes (a directory's clusters with it)
  if (tip !== null) {
    error = removede(tdp, ts.off);
    if (error !== 0) return error;
    msdosfs_orphan(tvp!);
    cache_purge(tvp!);
    if (tvp!.v_type === VDIR) {
      msdosfs_index_free(tip);
      const scn = tip.de_StartCluster;
      tip.de_StartCluster = 0;
      tip.de_FileSize = 0;
      tvp!.v_size = 0;
      tip.unmap();
      if (scn !== 0) freeclusterchain(pmp, scn);
    }
  }
  // 2. the new entry: the source's, renamed
  const nn: NewName = { len: 0, long: false, lcase: 0 };
  error = msdosfs_newname(tdp, tcnp.cn_nameptr, nn, fdp === tdp ? fs.off : -1);
  if (error !== 0) return error;
  const t = new Denode(pmp, null);
  de_internalize(t, raw, 0);
  t.de_Name = pmp.pm_dn.slice(0, 11);
  t.de_LowerCase = nn.lcase;
  if (raw[DE_ATTR]! & ATTR_DIRECTORY) t.de_Attributes |= ATTR_DIRECTORY;
  const ne: NewEntry = { off: 0, dirclust: 0, diroffset: 0 };
  error = createde(t, tdp, pmp.pm_units, nn.len, nn.long, ne);
  if (error !== 0) return error;
  // 3. the source's entries go (entries never move: its offset still holds)
  error = removede(fdp, fs.off);
  if (error !== 0) return error;
  // 4. the vnode follows
  fip.de_LowerCase = t.de_LowerCase;
  if (!isdir) {
    fip.de_dirclust = ne.dirclust;
    fip.de_diroffset = ne.diroffset;
    if (vcache_rekey(fvp.v_mount!, fvp, de_filekey(ne.dirclust, ne.diroffset)) !== 0)
      return pmp.corrupt(`rename: the new entry's place is taken by a live file`);
  } else if (fdp !== tdp) {
    // the moved directory's ".." names its new parent (0 for the root)
    const up = tdp.isroot ? 0 : tdp.de_StartCluster;
    const offp = { v: 0 };
    error = readep(pmp, fip.de_StartCluster, DIRENT_SIZE, bpp, offp);
    if (error !== 0) return error;
    const b = bpp.v!.b_data;
    const o = offp.v;
    if (de_isdot(b, o) !== 2) {
      brelse(bpp.v!, 0);
      bpp.v = null;
      return pmp.corrupt(`directory at cluster ${fip.de_StartCluster}: no ".." entry to rewrite`);
    }
    wr16(b, o + DE_STARTCLUST, up & 0xffff);
    if (pmp.fat32) wr16(b, o + DE_HIGHCLUST, up >>> 16);
    bdwrite(bpp.v!);
    bpp.v = null;
  }
  cache_purge(fdvp);
  cache_purge(tdvp);
  if (isdir) cache_purge(fvp);
  return 0;
}
