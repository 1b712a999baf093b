/**
 * Generic vnode operations shared by file systems (genfs_vnops.c): the
 * default answers for operations a file system does not implement, and the
 * permission decisions every file system makes the same way.
 */
import {
  EACCES,
  EBADF,
  EBUSY,
  EFTYPE,
  EINVAL,
  ENOTTY,
  EOPNOTSUPP,
  EPERM,
  S_ISGID,
  S_ISTXT,
  S_ISUID,
  S_IFMT,
} from "../../gen/constants.js";
import type { Kauth_cred } from "../../sys/kauth.js";
import { LK_EXCLUSIVE, LK_NOWAIT, LK_SHARED, VDIR, type Vnode } from "../../sys/vnode.js";
import { panic } from "../../kern/subr_prf.js";

/** VOP_ACCESS modes (VREAD …), as NetBSD's sys/vnode.h numbers them. */
export const VEXEC = 0o100;
export const VWRITE = 0o200;
export const VREAD = 0o400;
/** VOP_ACCESS mode bits also used by kauth: append-only write, admin */
export const VAPPEND = 0x2000;
export const VADMIN = 0x1000;

/** Unsupported operation: EOPNOTSUPP. */
export function genfs_eopnotsupp(): number {
  return EOPNOTSUPP;
}

/** Operation that makes no sense for this vnode type. */
export function genfs_einval(): number {
  return EINVAL;
}

/** The default entry of every vector: an op nobody supplied. */
export function vn_default_error(): number {
  return EOPNOTSUPP;
}

export function genfs_ebadf(): number {
  return EBADF;
}

export function genfs_enoioctl(): number {
  return ENOTTY;
}

/** Nothing to do, success. */
export function genfs_nullop(): number {
  return 0;
}

/** VOP_ABORTOP: nothing to free in a garbage-collected kernel. */
export function genfs_abortop(): number {
  return 0;
}

/** VOP_SEEK: any non-negative offset is fine for ordinary files. */
export function genfs_seek(_vp: Vnode, _oldoff: number, newoff: number): number {
  return newoff < 0 ? EINVAL : 0;
}

/** VOP_POLL: ordinary files are always ready. */
export function genfs_poll(_vp: Vnode, events: number): number {
  // POLLIN|POLLOUT|POLLRDNORM|POLLWRNORM
  return events & (0x0001 | 0x0004 | 0x0040 | 0x0100);
}

/**
 * genfs_can_access: may `cred` access a file of (type, mode, uid, gid) with
 * `acc_mode` (VREAD|VWRITE|VEXEC)? Owner bits for the owner, group bits for
 * members, other bits for the rest; root may do anything except execute a
 * non-directory that has no x bit at all.
 */
export function genfs_can_access(
  type: number,
  file_mode: number,
  uid: number,
  gid: number,
  acc_mode: number,
  cred: Kauth_cred,
): number {
  if (cred.cr_euid === 0) {
    if (acc_mode & VEXEC && type !== VDIR && (file_mode & 0o111) === 0) return EACCES;
    return 0;
  }
  let mask = 0;
  if (cred.cr_euid === uid) {
    if (acc_mode & VEXEC) mask |= 0o100;
    if (acc_mode & VREAD) mask |= 0o400;
    if (acc_mode & (VWRITE | VAPPEND)) mask |= 0o200;
    return (file_mode & mask) === mask ? 0 : EACCES;
  }
  if (cred.ismember_gid(gid)) {
    if (acc_mode & VEXEC) mask |= 0o010;
    if (acc_mode & VREAD) mask |= 0o040;
    if (acc_mode & (VWRITE | VAPPEND)) mask |= 0o020;
    return (file_mode & mask) === mask ? 0 : EACCES;
  }
  if (acc_mode & VEXEC) mask |= 0o001;
  if (acc_mode & VREAD) mask |= 0o004;
  if (acc_mode & (VWRITE | VAPPEND)) mask |= 0o002;
  return (file_mode & mask) === mask ? 0 : EACCES;
}

/**
 * genfs_can_chmod: only the owner or root may chmod. A non-root owner may
 * not set the sticky bit on a non-directory (EFTYPE in NetBSD) nor setgid on
 * a file whose group they are not in (EPERM).
 * Returns errno; `out.v` gets the mode to store.
 */
export function genfs_can_chmod(
  type: number,
  cred: Kauth_cred,
  cur_uid: number,
  cur_gid: number,
  new_mode: number,
  out: { v: number },
): number {
  out.v = new_mode;
  if (cred.cr_euid === 0) return 0;
  if (cred.cr_euid !== cur_uid) return EPERM;
  if (type !== VDIR && new_mode & S_ISTXT) return EFTYPE;
  // setgid on a file of a group the caller is not in: NetBSD refuses
  if (!cred.ismember_gid(cur_gid) && new_mode & S_ISGID) return EPERM;
  return 0;
}

/**
 * genfs_can_chown: root may change anything; the owner may change the
 * group to one they belong to, never the owner. Unchanged values (VNOVAL
 * already resolved by the caller to the current ones) are always fine.
 */
export function genfs_can_chown(
  cred: Kauth_cred,
  cur_uid: number,
  cur_gid: number,
  new_uid: number,
  new_gid: number,
): number {
  if (cred.cr_euid === 0) return 0;
  if (cred.cr_euid !== cur_uid) return EPERM;
  if (new_uid !== cur_uid) return EPERM;
  if (new_gid !== cur_gid && !cred.ismember_gid(new_gid)) return EPERM;
  return 0;
}

/**
 * After a chown by non-root, or by root (NetBSD clears them unless the caller
 * is root and keeps ids) — the setuid/setgid bits are cleared when the owner
 * or group changes and the caller is not root.
 */
export function genfs_chown_clear_suid(
  mode: number,
  cred: Kauth_cred,
  idsChanged: boolean,
): number {
  if (idsChanged && cred.cr_euid !== 0) return mode & ~(S_ISUID | S_ISGID);
  return mode;
}

/** genfs_can_chtimes: setting explicit times needs ownership (or root). */
export function genfs_can_chtimes(
  vaflags_utimes_null: boolean,
  cur_uid: number,
  cred: Kauth_cred,
  writeAccess: () => number,
): number {
  if (cred.cr_euid === 0 || cred.cr_euid === cur_uid) return 0;
  // "touch" (both times now) is allowed with write permission
  if (vaflags_utimes_null) return writeAccess() === 0 ? 0 : EACCES;
  return EPERM;
}

/**
 * genfs_can_sticky: in a sticky directory only the file's owner, the
 * directory's owner or root may remove or rename an entry.
 */
export function genfs_can_sticky(cred: Kauth_cred, dir_uid: number, file_uid: number): number {
  if (cred.cr_euid === 0 || cred.cr_euid === dir_uid || cred.cr_euid === file_uid) return 0;
  return EPERM;
}

/** Writes by non-root clear setuid/setgid (NetBSD's ufs_write/tmpfs_write). */
export function genfs_write_clear_suid(mode: number, cred: Kauth_cred): number {
  if (cred.cr_euid !== 0 && mode & (S_ISUID | S_ISGID)) return mode & ~(S_ISUID | S_ISGID);
  return mode;
}

/** Type bits helper. */
export function IFTOVT_mode(mode: number): number {
  return mode & S_IFMT;
}

/*
 * Vnode locks. Single CPU: a lock is never contended by another thread, so
 * taking one that is already held can only be a kernel bug ("locking against
 * myself") and panics, unless LK_NOWAIT asks for EBUSY.
 */

/** genfs_lock: the lock state machine shared by every file system. */
export function genfs_lock(vp: Vnode, flags: number): number {
  if (flags & LK_EXCLUSIVE) {
    if (vp.v_lock !== 0) {
      if (flags & LK_NOWAIT) return EBUSY;
      panic(`vn_lock: locking against myself (vnode key ${vp.v_key}, lock ${vp.v_lock})`);
    }
    vp.v_lock = -1;
    return 0;
  }
  if (flags & LK_SHARED) {
    if (vp.v_lock < 0) {
      if (flags & LK_NOWAIT) return EBUSY;
      panic(`vn_lock: shared lock of an exclusively locked vnode (key ${vp.v_key})`);
    }
    vp.v_lock++;
    return 0;
  }
  panic(`vn_lock: bad flags 0x${flags.toString(16)}`);
}

/** genfs_unlock */
export function genfs_unlock(vp: Vnode): number {
  if (vp.v_lock < 0) vp.v_lock = 0;
  else if (vp.v_lock > 0) vp.v_lock--;
  else panic(`vn_unlock: vnode not locked (key ${vp.v_key})`);
  return 0;
}

/** genfs_islocked: LK_EXCLUSIVE, LK_SHARED or 0 */
export function genfs_islocked(vp: Vnode): number {
  return vp.v_lock < 0 ? LK_EXCLUSIVE : vp.v_lock > 0 ? LK_SHARED : 0;
}
