/**
 * The checks every file system's rename makes before it looks at its own
 * nodes (genfs_sane_rename's first part): one mount, no "." or ".." on
 * either side, a target name that fits, a writable mount, directories as
 * parents. tmpfs, ufs and ext2fs call this first and keep what is theirs
 * (sticky bits, flags, link counts, the entries themselves).
 */
import { EINVAL, ENAMETOOLONG, ENOTDIR, EROFS, EXDEV, MNT_RDONLY } from "../../gen/constants.js";
import { ISDOTDOT, type ComponentName } from "../../sys/namei.js";
import { VDIR, type Vnode } from "../../sys/vnode.js";
import { vput, vrele } from "../../kern/vfs_vnode.js";

/** 0, or the errno rename(2) answers; `maxnamlen` is the file system's. */
export function genfs_rename_sanity(
  fdvp: Vnode,
  fvp: Vnode,
  fcnp: ComponentName,
  tdvp: Vnode,
  tvp: Vnode | null,
  tcnp: ComponentName,
  maxnamlen: number,
): number {
  const mp = tdvp.v_mount!;
  if (fdvp.v_mount !== mp || fvp.v_mount !== mp || (tvp !== null && tvp.v_mount !== mp)) {
    return EXDEV;
  }
  const fname = fcnp.cn_nameptr;
  const tname = tcnp.cn_nameptr;
  // rename("x/.", …), rename("x/..", …) and the same as target
  if ((fcnp.cn_flags | tcnp.cn_flags) & ISDOTDOT) return EINVAL;
  if (fname === "." || fname === ".." || tname === "." || tname === "..") return EINVAL;
  if (tname.length > maxnamlen) return ENAMETOOLONG;
  if (mp.mnt_flag & MNT_RDONLY) return EROFS;
  if (fdvp.v_type !== VDIR || tdvp.v_type !== VDIR) return ENOTDIR;
  return 0;
}

/**
 * What VOP_RENAME gives back whatever happened: the locked target side is
 * put first (a last reference dropped below then finds it unlocked), the
 * source side released. `tvp` may be `tdvp` itself (one lock, two references).
 */
export function genfs_rename_release(
  fdvp: Vnode,
  fvp: Vnode,
  tdvp: Vnode,
  tvp: Vnode | null,
): void {
  vput(tdvp);
  if (tvp !== null) {
    if (tvp === tdvp) vrele(tvp);
    else vput(tvp);
  }
  vrele(fdvp);
  vrele(fvp);
}
