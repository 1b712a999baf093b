/**
 * sysctl(3) (kern_sysctl.c), the nodes a rump kernel user asks for:
 * kern.ostype, kern.osrelease, kern.osrevision, kern.version, kern.hostname,
 * kern.maxvnodes and vfs.generic.fstypes. Values travel as NetBSD lays them
 * out: strings NUL-terminated, ints as 4 little-endian bytes.
 */
import { EFAULT, EINVAL, ENOENT, ENOMEM, ENOTDIR, EPERM } from "../gen/constants.js";
import type { Retval } from "../gen/sysent.js";
import type { Out } from "../sys/out.js";
import type { Lwp } from "../sys/proc.js";
import {
  CTL_KERN,
  CTL_VFS,
  KERN_HOSTNAME,
  KERN_MAXVNODES,
  KERN_OSRELEASE,
  KERN_OSREV,
  KERN_OSTYPE,
  KERN_VERSION,
  VFS_FSTYPES,
  VFS_GENERIC,
} from "../sys/consts.js";
import { NETBSD_VERSION, OSRELEASE, OSTYPE } from "../sys/param.js";
import { vdrain } from "./vfs_vnode.js";

const CTL_MAXNAME = 12;
const MAXHOSTNAMELEN = 256;

function putString(s: string, oldv: Uint8Array | null, oldlenp: Out<number> | null): number {
  const need = s.length + 1;
  if (oldlenp === null) return 0;
  if (oldv === null) {
    oldlenp.v = need;
    return 0;
  }
  const room = Math.min(oldlenp.v, oldv.length);
  const n = Math.min(room, need);
  for (let i = 0; i < n; i++) oldv[i] = i < s.length ? s.charCodeAt(i) & 0xff : 0;
  oldlenp.v = n;
  return n < need ? ENOMEM : 0;
}

function putInt(v: number, oldv: Uint8Array | null, oldlenp: Out<number> | null): number {
  if (oldlenp === null) return 0;
  if (oldv === null) {
    oldlenp.v = 4;
    return 0;
  }
  if (Math.min(oldlenp.v, oldv.length) < 4) return ENOMEM;
  new DataView(oldv.buffer, oldv.byteOffset, 4).setInt32(0, v, true);
  oldlenp.v = 4;
  return 0;
}

function getString(newv: Uint8Array, newlen: number): string {
  let s = "";
  for (let i = 0; i < newlen && newv[i] !== 0; i++) s += String.fromCharCode(newv[i]!);
  return s;
}

export function sys___sysctl(
  l: Lwp,
  _rv: Retval,
  name: readonly number[] | Int32Array,
  namelen: number,
  oldv: Uint8Array | null,
  oldlenp: Out<number> | null,
  newv: Uint8Array | null,
  newlen: number,
): number {
  if (name === null || name === undefined) return EFAULT;
  const n = namelen ?? name.length;
  if (!Number.isInteger(n) || n < 2 || n > CTL_MAXNAME || n > name.length) return EINVAL;
  const k = l.l_proc.p_kernel;
  const wantsSet = newv !== null && newv !== undefined;
  const nlen = wantsSet ? (newlen ?? newv.length) : 0;
  const top = name[0];
  const second = name[1];
  if (top === CTL_KERN && n === 2) {
    switch (second) {
      case KERN_OSTYPE:
        return wantsSet ? EPERM : putString(OSTYPE, oldv, oldlenp);
      case KERN_OSRELEASE:
        return wantsSet ? EPERM : putString(OSRELEASE, oldv, oldlenp);
      case KERN_OSREV:
        return wantsSet ? EPERM : putInt(NETBSD_VERSION, oldv, oldlenp);
      case KERN_VERSION:
        return wantsSet
          ? EPERM
          : putString(`${OSTYPE} ${OSRELEASE} (RUMP-ROAST) rump for TypeScript`, oldv, oldlenp);
      case KERN_HOSTNAME: {
        const e = putString(k.hostname, oldv, oldlenp);
        if (e !== 0 || !wantsSet) return e;
        if (l.l_cred.cr_euid !== 0) return EPERM;
        if (nlen >= MAXHOSTNAMELEN) return EINVAL;
        k.hostname = getString(newv, nlen);
        return 0;
      }
      case KERN_MAXVNODES: {
        const e = putInt(k.vfs.maxvnodes, oldv, oldlenp);
        if (e !== 0 || !wantsSet) return e;
        if (l.l_cred.cr_euid !== 0) return EPERM;
        if (nlen !== 4) return EINVAL;
        const v = new DataView(newv.buffer, newv.byteOffset, 4).getInt32(0, true);
        if (v < 1) return EINVAL;
        k.vfs.maxvnodes = v;
        vdrain(k.vfs);
        return 0;
      }
      default:
        // sysctl(3): a node that does not exist in the tree is ENOENT
        return ENOENT;
    }
  }
  if (top === CTL_VFS && n === 3 && second === VFS_GENERIC && name[2] === VFS_FSTYPES) {
    if (wantsSet) return EPERM;
    return putString([...k.vfs.vfslist.keys()].join(" "), oldv, oldlenp);
  }
  if (top === CTL_KERN || top === CTL_VFS) return n === 2 ? ENOENT : ENOTDIR;
  return ENOENT;
}
