/**
 * What the disk file systems (ffs, ext2fs) share when mounting: the device
 * named by mount arguments `{ fspec }`, and whether a device opened
 * read-only at mount time can take writes for a read-only → read-write
 * MNT_UPDATE.
 */
import { EACCES, EROFS } from "../../gen/constants.js";
import { VOP_CLOSE, VOP_OPEN, VOP_UNLOCK } from "../../gen/vnode_if.js";
import { FREAD, FWRITE } from "../../kern/sys_file.js";
import { vn_lock } from "../../kern/vfs_vnode.js";
import type { Kernel } from "../../kern/kernel.js";
import { LK_EXCLUSIVE, LK_RETRY, type Vnode } from "../../sys/vnode.js";

/** The `fspec` of mount arguments: a string, or NUL-terminated bytes; null if absent. */
export function genfs_mount_fspec(data: unknown): string | null {
  if (data === null || typeof data !== "object") return null;
  const f = (data as { fspec?: unknown }).fspec;
  if (typeof f === "string") return f;
  if (f instanceof Uint8Array) {
    let s = "";
    for (let i = 0; i < f.length && f[i] !== 0; i++) s += String.fromCharCode(f[i]!);
    return s;
  }
  return null;
}

/**
 * Can device `devvp` be opened for writing? 0, or the errno (EROFS for a
 * device the host only lets us read), with a console line naming the
 * file system `tag` and `fspec`.
 */
export function genfs_dev_writable(k: Kernel, devvp: Vnode, tag: string, fspec: string): number {
  const cred = k.lwp.l_cred;
  vn_lock(devvp, LK_EXCLUSIVE | LK_RETRY);
  const error = VOP_OPEN(devvp, FREAD | FWRITE, cred);
  if (error === 0) VOP_CLOSE(devvp, FREAD | FWRITE, cred);
  VOP_UNLOCK(devvp);
  if (error === 0) return 0;
  k.printf(`${tag} ${fspec}: device cannot be reopened for writing (error ${error})\n`);
  return error === EACCES ? EROFS : error;
}
