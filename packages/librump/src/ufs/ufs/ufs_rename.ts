/**
 * UFS rename (ufs_rename.c with the rules of genfs_rename.c).
 *
 * fdvp/fvp come referenced and unlocked, tdvp locked, tvp locked if the
 * target exists. On one CPU nothing changes under us: the source entry is
 * checked to be the one namei found, NetBSD's checks run in
 * genfs_sane_rename's order, then the directories are edited: the target
 * entry is written (new or rewritten), the source entry removed, and a
 * moved directory's ".." points at its new parent, with the link counts of
 * both parents kept.
 */
import {
  EBUSY,
  EEXIST,
  EINVAL,
  EISDIR,
  EMLINK,
  ENOENT,
  ENOTDIR,
  ENOTEMPTY,
  EPERM,
  S_ISTXT,
} from "../../gen/constants.js";
import { genfs_rename_release, genfs_rename_sanity } from "../../miscfs/genfs/genfs_rename.js";
import { cache_purge, cache_purge1 } from "../../kern/vfs_cache.js";
import { genfs_can_sticky, VWRITE } from "../../miscfs/genfs/genfs_vnops.js";
import { LINK_MAX } from "../../sys/consts.js";
import { DT_DIR, vtype2dt } from "../../sys/dirent.js";
import type { ComponentName } from "../../sys/namei.js";
import { VDIR, type Vnode } from "../../sys/vnode.js";
import { ffs_update_dirop } from "../ffs/ffs_inode.js";
import { UFS_MAXNAMLEN } from "./dir.js";
import { APPEND, IMMUTABLE, IN_CHANGE, VTOI, type Inode, ufs_access } from "./inode.js";
import {
  DirSlot,
  ufs_checkpath,
  ufs_dirempty,
  ufs_direnter,
  ufs_dirlookup,
  ufs_dirremove,
  ufs_dirrewrite,
} from "./ufs_lookup.js";

/** VOP_RENAME */
export function ufs_rename(
  fdvp: Vnode,
  fvp: Vnode,
  fcnp: ComponentName,
  tdvp: Vnode,
  tvp: Vnode | null,
  tcnp: ComponentName,
): number {
  const error = ufs_do_rename(fdvp, fvp, fcnp, tdvp, tvp, tcnp);
  genfs_rename_release(fdvp, fvp, tdvp, tvp);
  return error;
}

function sticky(cred: ComponentName["cn_cred"], dp: Inode, ip: Inode): number {
  if ((dp.i_din.di_mode & S_ISTXT) === 0) return 0;
  return genfs_can_sticky(cred, dp.i_din.di_uid, ip.i_din.di_uid);
}

function ufs_do_rename(
  fdvp: Vnode,
  fvp: Vnode,
  fcnp: ComponentName,
  tdvp: Vnode,
  tvp: Vnode | null,
  tcnp: ComponentName,
): number {
  const sane = genfs_rename_sanity(fdvp, fvp, fcnp, tdvp, tvp, tcnp, UFS_MAXNAMLEN);
  if (sane !== 0) return sane;
  const fname = fcnp.cn_nameptr;
  const tname = tcnp.cn_nameptr;

  const fdp = VTOI(fdvp);
  const fip = VTOI(fvp);
  const tdp = VTOI(tdvp);
  const tip = tvp === null ? null : VTOI(tvp);

  // the entries namei found must still be there
  const slot = new DirSlot();
  let error = ufs_dirlookup(fdp, fname, slot);
  if (error !== 0) return error;
  if (slot.ino !== fip.i_number) return ENOENT;
  if (tdp.i_din.di_nlink <= 0) return ENOENT;
  error = ufs_dirlookup(tdp, tname, slot);
  if (error !== 0) return error;
  if (tip === null) {
    if (slot.ino !== 0) return EEXIST;
  } else if (slot.ino !== tip.i_number) {
    return ENOENT;
  }

  // links to one file: nothing to do
  if (fip === tip) return 0;
  if (fip === fdp) return EINVAL;
  if (tip === tdp) return EISDIR;
  if (fvp.v_mountedhere !== null || (tvp !== null && tvp.v_mountedhere !== null)) return EBUSY;

  const isdir = fvp.v_type === VDIR;
  if (fdp !== tdp && isdir) {
    // a directory into its own subtree
    error = ufs_checkpath(fip, tdp);
    if (error !== 0) return error;
  }
  if (tip !== null) {
    if (isdir && tvp!.v_type === VDIR) {
      const empty = { v: false };
      error = ufs_dirempty(tip, empty);
      if (error !== 0) return error;
      if (!empty.v || tip.i_din.di_nlink > 2) return ENOTEMPTY;
    } else if (isdir) {
      return ENOTDIR;
    } else if (tvp!.v_type === VDIR) {
      return EISDIR;
    }
  }

  // possible
  if ((fdp.i_din.di_flags | fip.i_din.di_flags) & (IMMUTABLE | APPEND)) return EPERM;
  if (tdp.i_din.di_flags & (IMMUTABLE | (tip !== null ? APPEND : 0))) return EPERM;
  if (tip !== null && tip.i_din.di_flags & (IMMUTABLE | APPEND)) return EPERM;
  if (isdir && fdp !== tdp && tip === null && tdp.i_din.di_nlink >= LINK_MAX) return EMLINK;

  // permitted
  const cred = fcnp.cn_cred;
  error = ufs_access(fdvp, VWRITE, cred);
  if (error !== 0) return error;
  if (fdp !== tdp) {
    error = ufs_access(tdvp, VWRITE, cred);
    if (error !== 0) return error;
    if (isdir) {
      error = ufs_access(fvp, VWRITE, cred);
      if (error !== 0) return error;
    }
  }
  error = sticky(cred, fdp, fip);
  if (error !== 0) return error;
  if (tip !== null) {
    error = sticky(tcnp.cn_cred, tdp, tip);
    if (error !== 0) return error;
  }

  // 1. the target entry names the source inode
  const ftype = vtype2dt(fvp.v_type);
  if (tip !== null) {
    error = ufs_dirrewrite(tdp, tname, fip.i_number, ftype);
    if (error !== 0) return error;
    if (tvp!.v_type === VDIR) {
      // its "." and the entry; its ".." no longer counts in tdp
      tip.i_din.di_nlink = 0;
      tdp.i_din.di_nlink--;
      cache_purge(tvp!);
    } else {
      tip.i_din.di_nlink--;
    }
    tip.i_flag |= IN_CHANGE;
  } else {
    error = ufs_direnter(tdp, tname, fip.i_number, ftype, tcnp.cn_cred);
    if (error !== 0) return error;
  }
  if (isdir && fdp !== tdp) {
    tdp.i_din.di_nlink++;
    tdp.i_flag |= IN_CHANGE;
  }
  // 2. the source entry goes (looked up again: the directory may have changed)
  error = ufs_dirremove(fdp, fname, fip.i_number);
  if (error !== 0) return error;
  // 3. a moved directory's ".."
  if (isdir && fdp !== tdp) {
    error = ufs_dirrewrite(fip, "..", tdp.i_number, DT_DIR);
    if (error !== 0) return error;
    fdp.i_din.di_nlink--;
    fdp.i_flag |= IN_CHANGE;
  }
  fip.i_flag |= IN_CHANGE;
  cache_purge1(fdvp, fname);
  cache_purge1(tdvp, tname);
  if (isdir) cache_purge(fvp);
  ffs_update_dirop(fip);
  ffs_update_dirop(fdp);
  ffs_update_dirop(tdp);
  if (tip !== null) ffs_update_dirop(tip);
  return 0;
}
