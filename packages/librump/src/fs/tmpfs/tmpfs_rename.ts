/**
 * tmpfs rename (tmpfs_rename.c + the rules of genfs_rename.c).
 *
 * The VFS hands us fdvp/fvp referenced and unlocked, tdvp locked, tvp locked
 * if the target exists. On one CPU nothing can change under us, so instead
 * of genfs's unlock-relock-relookup dance we check the source entry is still
 * the one namei found, apply NetBSD's checks in genfs_sane_rename's order,
 * shuffle the entries and release everything as the protocol says
 * (fdvp, fvp vrele; tdvp, tvp vput).
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
} from "../../gen/constants.js";
import { genfs_rename_release, genfs_rename_sanity } from "../../miscfs/genfs/genfs_rename.js";
import { cache_purge, cache_purge1 } from "../../kern/vfs_cache.js";
import { VWRITE } from "../../miscfs/genfs/genfs_vnops.js";
import { LINK_MAX } from "../../sys/consts.js";
import type { ComponentName } from "../../sys/namei.js";
import { VDIR, type Vnode } from "../../sys/vnode.js";
import {
  APPEND,
  IMMUTABLE,
  TMPFS_MAXNAMLEN,
  TMPFS_UPDATE_CTIME,
  TMPFS_UPDATE_MTIME,
  VFS_TO_TMPFS,
  VP_TO_TMPFS_NODE,
} from "./tmpfs.js";
import {
  tmpfs_access,
  tmpfs_check_sticky,
  tmpfs_dir_attach,
  tmpfs_dir_detach,
  tmpfs_dir_isancestor,
  tmpfs_dir_rename,
  tmpfs_now,
  tmpfs_settimes,
} from "./tmpfs_subr.js";

/** VOP_RENAME */
export function tmpfs_rename(
  fdvp: Vnode,
  fvp: Vnode,
  fcnp: ComponentName,
  tdvp: Vnode,
  tvp: Vnode | null,
  tcnp: ComponentName,
): number {
  const error = tmpfs_do_rename(fdvp, fvp, fcnp, tdvp, tvp, tcnp);
  genfs_rename_release(fdvp, fvp, tdvp, tvp);
  return error;
}

function tmpfs_do_rename(
  fdvp: Vnode,
  fvp: Vnode,
  fcnp: ComponentName,
  tdvp: Vnode,
  tvp: Vnode | null,
  tcnp: ComponentName,
): number {
  const sane = genfs_rename_sanity(fdvp, fvp, fcnp, tdvp, tvp, tcnp, TMPFS_MAXNAMLEN);
  if (sane !== 0) return sane;
  const mp = tdvp.v_mount!;
  const fname = fcnp.cn_nameptr;
  const tname = tcnp.cn_nameptr;

  const tm = VFS_TO_TMPFS(mp);
  const fdnode = VP_TO_TMPFS_NODE(fdvp);
  const fnode = VP_TO_TMPFS_NODE(fvp);
  const tdnode = VP_TO_TMPFS_NODE(tdvp);
  const tnode = tvp === null ? null : VP_TO_TMPFS_NODE(tvp);

  // the entries namei found must still be there
  const fde = fdnode.tn_dir!.entries.get(fname);
  if (fde === undefined || fde.td_node !== fnode) return ENOENT;
  if (tdnode.tn_links === 0) return ENOENT;
  const tde = tdnode.tn_dir!.entries.get(tname);
  if (tnode === null) {
    if (tde !== undefined) return EEXIST;
  } else if (tde === undefined || tde.td_node !== tnode) {
    return ENOENT;
  }

  // links to one file (or one entry renamed onto itself): POSIX says do nothing
  if (fnode === tnode) return 0;
  // rename "." / rename over "."
  if (fnode === fdnode) return EINVAL;
  if (tnode === tdnode) return EISDIR;
  if (fvp.v_mountedhere !== null || (tvp !== null && tvp.v_mountedhere !== null)) return EBUSY;

  const isdir = fnode.tn_type === VDIR;
  if (fdnode !== tdnode) {
    // rename("a", "a/b/c"): a directory into its own subtree
    if (isdir && tmpfs_dir_isancestor(fnode, tdnode)) return EINVAL;
    // rename("a/b/c", "a"): the target contains the source
    if (tnode !== null && tnode.tn_type === VDIR && tmpfs_dir_isancestor(tnode, fdnode)) {
      return ENOTEMPTY;
    }
  }

  // type of the target
  if (tnode !== null) {
    if (isdir && tnode.tn_type === VDIR) {
      if (tnode.tn_dir!.entries.size > 0) return ENOTEMPTY;
    } else if (isdir) {
      return ENOTDIR;
    } else if (tnode.tn_type === VDIR) {
      return EISDIR;
    }
  }

  // possible (genfs_ufslike_rename_check_possible)
  if ((fdnode.tn_flags | fnode.tn_flags) & (IMMUTABLE | APPEND)) return EPERM;
  if (tdnode.tn_flags & (IMMUTABLE | (tnode !== null ? APPEND : 0))) return EPERM;
  if (tnode !== null && tnode.tn_flags & (IMMUTABLE | APPEND)) return EPERM;
  if (isdir && fdnode !== tdnode && tnode === null && tdnode.tn_links >= LINK_MAX) return EMLINK;

  // permitted (genfs_ufslike_rename_check_permitted)
  const cred = fcnp.cn_cred;
  let error = tmpfs_access(fdvp, VWRITE, cred);
  if (error !== 0) return error;
  if (fdnode !== tdnode) {
    error = tmpfs_access(tdvp, VWRITE, cred);
    if (error !== 0) return error;
    if (isdir) {
      // its ".." changes
      error = tmpfs_access(fvp, VWRITE, cred);
      if (error !== 0) return error;
    }
  }
  error = tmpfs_check_sticky(cred, fdnode, fnode);
  if (error !== 0) return error;
  if (tnode !== null) {
    error = tmpfs_check_sticky(tcnp.cn_cred, tdnode, tnode);
    if (error !== 0) return error;
  }

  // shuffle the entries
  if (tnode !== null) {
    if (tnode.tn_type === VDIR) tnode.tn_links--; // its "."
    tmpfs_dir_detach(tdnode, tde!);
    if (tnode.tn_type === VDIR) cache_purge(tvp!);
  }
  if (fdnode === tdnode) {
    tmpfs_dir_rename(fdnode, fde, tname);
  } else {
    tmpfs_dir_detach(fdnode, fde);
    tmpfs_dir_attach(tdnode, tname, fnode);
  }
  cache_purge1(fdvp, fname);
  cache_purge1(tdvp, tname);
  if (isdir) cache_purge(fvp);

  tmpfs_now(tm);
  tmpfs_settimes(tm, fdnode, TMPFS_UPDATE_MTIME | TMPFS_UPDATE_CTIME);
  tmpfs_settimes(tm, tdnode, TMPFS_UPDATE_MTIME | TMPFS_UPDATE_CTIME);
  tmpfs_settimes(tm, fnode, TMPFS_UPDATE_CTIME);
  if (tnode !== null && tnode.tn_links > 0) tmpfs_settimes(tm, tnode, TMPFS_UPDATE_CTIME);
  return 0;
}
