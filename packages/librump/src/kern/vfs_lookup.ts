/**
 * Path name lookup (vfs_lookup.c): namei. Walks a path one component at a
 * time through VOP_LOOKUP — from the root (absolute), the process's cwd or
 * an *at() directory (relative) — crossing mount points both ways, stopping
 * at the process root (chroot), following symbolic links (at most
 * MAXSYMLINKS), and leaves the result referenced and locked as the caller's
 * flags ask.
 *
 * Paths inside the kernel are byte strings: one JS char per byte.
 */
import {
  EEXIST,
  EBUSY,
  EINVAL,
  ELOOP,
  ENAMETOOLONG,
  ENOENT,
  ENOTDIR,
  EJUSTRETURN,
  EROFS,
} from "../gen/constants.js";
import { VOP_ACCESS, VOP_LOOKUP, VOP_READLINK, VOP_UNLOCK } from "../gen/vnode_if.js";
import type { Kauth_cred } from "../sys/kauth.js";
import {
  ComponentName,
  CREATE,
  DELETE,
  FOLLOW,
  ISDOTDOT,
  ISLASTCN,
  LOCKLEAF,
  LOCKPARENT,
  LOOKUP,
  NOCROSSMOUNT,
  OPMASK,
  RENAME,
  REQUIREDIR,
  CREATEDIR,
} from "../sys/namei.js";
import type { Lwp } from "../sys/proc.js";
import { Uio, UIO_READ } from "../sys/uio.js";
import { LK_EXCLUSIVE, LK_RETRY, VDIR, VLNK, VV_ROOT, type Vnode } from "../sys/vnode.js";
import { VEXEC } from "../miscfs/genfs/genfs_vnops.js";
import { vn_lock, vput, vref, vrele } from "./vfs_vnode.js";
import { MNT_RDONLY } from "../gen/constants.js";

export const MAXPATHLEN = 1024;
export const NAME_MAX = 255;
export const MAXSYMLINKS = 32;

/** A lookup request and its results (struct nameidata). */
export class Nameidata {
  /** results */
  ni_vp: Vnode | null = null;
  ni_dvp: Vnode | null = null;
  ni_cnd: ComponentName;
  /** symlinks followed so far */
  ni_loopcnt = 0;
  constructor(
    /** the path as a byte string */
    public ni_path: string,
    nameiop: number,
    flags: number,
    cred: Kauth_cred,
    /** starting directory of a relative path (*at calls); null = cwd */
    public ni_atdir: Vnode | null = null,
  ) {
    this.ni_cnd = new ComponentName(nameiop, flags, cred, "");
  }

  /** Reuse this object for a new lookup (per-kernel scratch; see ndAt). */
  reset(path: string, nameiop: number, flags: number, cred: Kauth_cred, atdir: Vnode | null): this {
    this.ni_path = path;
    this.ni_atdir = atdir;
    this.ni_vp = this.ni_dvp = null;
    this.ni_loopcnt = 0;
    const cnp = this.ni_cnd;
    cnp.cn_nameiop = nameiop;
    cnp.cn_flags = flags;
    cnp.cn_cred = cred;
    cnp.cn_nameptr = "";
    cnp.cn_path = "";
    cnp.cn_off = 0;
    cnp.cn_consume = 0;
    return this;
  }
}

/** Scratch buffer for reading symlink targets (one per call; links are ≤ 1024). */
function readlinkTarget(vp: Vnode, cred: Kauth_cred, out: { v: string }): number {
  const buf = new Uint8Array(MAXPATHLEN);
  const uio = new Uio([buf], 0, MAXPATHLEN, UIO_READ);
  const error = VOP_READLINK(vp, uio, cred);
  if (error !== 0) return error;
  const n = MAXPATHLEN - uio.uio_resid;
  let s = "";
  for (let i = 0; i < n; i++) s += String.fromCharCode(buf[i]!);
  out.v = s;
  return 0;
}

/**
 * namei: resolve ndp.ni_path for lwp `l`. On success:
 *  - ni_vp: the object, referenced (locked with LOCKLEAF), or null when it
 *    does not exist and the op is CREATE/RENAME (then ni_dvp is set);
 *  - ni_dvp: with LOCKPARENT, the parent directory, referenced and locked.
 *    When the object is the parent itself ("."), ni_vp === ni_dvp, referenced
 *    twice and locked once.
 *  - ni_cnd.cn_nameptr: the last component.
 */
export function namei(l: Lwp, ndp: Nameidata): number {
  const cnp = ndp.ni_cnd;
  const path = ndp.ni_path;
  const nameiop = cnp.cn_nameiop & OPMASK;
  const flags = cnp.cn_flags;
  const wantparent = (flags & LOCKPARENT) !== 0;
  if (path.length === 0) return ENOENT;
  if (path.length >= MAXPATHLEN) return ENAMETOOLONG;
  if (path.indexOf("\0") >= 0) return EINVAL;

  const p = l.l_proc;
  const k = p.p_kernel;
  const cwdi = p.p_cwdi;
  const rootvnode = k.vfs.rootvnode!;
  const rdir = cwdi.cwdi_rdir ?? rootvnode;

  // the path being walked and the position of the next component in it
  let rest = path;
  let pos = 0;
  let dp: Vnode; // current directory, referenced, unlocked
  if (rest.charCodeAt(0) === 47 /* / */) {
    dp = rdir;
  } else {
    dp = ndp.ni_atdir ?? cwdi.cwdi_cdir ?? rootvnode;
  }
  vref(dp);

  const vpp = k.scratchVpp;
  const target = k.scratchStr;
  for (;;) {
    // skip leading slashes
    let i = pos;
    while (i < rest.length && rest.charCodeAt(i) === 47) i++;
    if (i === rest.length) {
      // degenerate: "/", or a path ending in slashes after a symlink
      if (dp.v_type !== VDIR) {
        vrele(dp);
        return ENOTDIR;
      }
      if (nameiop !== LOOKUP && wantparent) {
        vrele(dp);
        return nameiop === CREATE ? EEXIST : dp.v_vflag & VV_ROOT ? EBUSY : EINVAL;
      }
      if (flags & LOCKLEAF) vn_lock(dp, LK_EXCLUSIVE | LK_RETRY);
      ndp.ni_vp = dp;
      ndp.ni_dvp = null;
      cnp.cn_nameptr = "";
      return 0;
    }
    let j = i;
    while (j < rest.length && rest.charCodeAt(j) !== 47) j++;
    const name = rest.slice(i, j);
    let k2 = j;
    while (k2 < rest.length && rest.charCodeAt(k2) === 47) k2++;
    let islast = k2 === rest.length;
    let trailingSlash = islast && j < rest.length;
    const wholeStart = i;
    const wholePath = rest;
    pos = k2;

    if (name.length > NAME_MAX) {
      vrele(dp);
      return ENAMETOOLONG;
    }
    cnp.cn_nameptr = name;
    const isdotdot = name === "..";
    let cnflags = flags & ~(ISLASTCN | ISDOTDOT | REQUIREDIR);
    if (islast) cnflags |= ISLASTCN;
    if (isdotdot) cnflags |= ISDOTDOT;
    if (trailingSlash) cnflags |= REQUIREDIR;
    cnp.cn_flags = cnflags;
    cnp.cn_nameiop = islast ? nameiop : LOOKUP;
    cnp.cn_path = wholePath;
    cnp.cn_off = wholeStart;
    cnp.cn_consume = 0;

    // ".." at the process root or the global root stays put; at the root of
    // another mount it continues in the covered directory.
    if (isdotdot) {
      for (;;) {
        if (dp === rdir || dp === rootvnode) break;
        if ((dp.v_vflag & VV_ROOT) === 0) break;
        const covered = dp.v_mount!.mnt_vnodecovered;
        if (covered === null) break;
        vref(covered);
        vrele(dp);
        dp = covered;
      }
    }

    if (dp.v_type !== VDIR) {
      vrele(dp);
      return ENOTDIR;
    }
    vn_lock(dp, LK_EXCLUSIVE | LK_RETRY);
    let error = VOP_ACCESS(dp, VEXEC, cnp.cn_cred);
    let vp: Vnode | null = null;
    if (error === 0) {
      if (isdotdot && (dp === rdir || dp === rootvnode)) {
        vref(dp);
        vp = dp;
      } else {
        vpp.vp = null;
        error = VOP_LOOKUP(dp, vpp, cnp);
        vp = vpp.vp;
      }
    }
    if (error !== 0) {
      if (
        (error === ENOENT || error === EJUSTRETURN) &&
        islast &&
        (nameiop === CREATE || nameiop === RENAME)
      ) {
        // the name may be created here
        if (trailingSlash && !(flags & CREATEDIR)) {
          vput(dp);
          return ENOENT;
        }
        if (dp.v_mount!.mnt_flag & MNT_RDONLY) {
          vput(dp);
          return EROFS;
        }
        ndp.ni_vp = null;
        if (wantparent) {
          ndp.ni_dvp = dp;
        } else {
          vput(dp);
          ndp.ni_dvp = null;
        }
        return 0;
      }
      vput(dp);
      return error;
    }
    vp = vp!;
    if (cnp.cn_consume > 0) {
      // the file system took more of the path than one component
      let c = wholeStart + name.length + cnp.cn_consume;
      while (c < wholePath.length && wholePath.charCodeAt(c) === 47) c++;
      trailingSlash = false;
      rest = wholePath;
      pos = c;
      islast = pos === rest.length;
      cnp.cn_consume = 0;
    }

    // cross into a file system mounted on vp
    if (!(flags & NOCROSSMOUNT) || !islast) {
      while (vp.v_type === VDIR && vp.v_mountedhere !== null) {
        const mp = vp.v_mountedhere;
        const rootOut = { vp: null as Vnode | null };
        const rerr = mp.mnt_op.vfs_root(mp, 0, rootOut);
        if (rerr !== 0) {
          vrele(vp);
          vput(dp);
          return rerr;
        }
        vrele(vp);
        vp = rootOut.vp!;
      }
    }

    // symbolic link: splice its target into the rest of the path
    if (vp.v_type === VLNK && (!islast || flags & FOLLOW || trailingSlash)) {
      if (++ndp.ni_loopcnt > MAXSYMLINKS) {
        vrele(vp);
        vput(dp);
        return ELOOP;
      }
      vn_lock(vp, LK_EXCLUSIVE | LK_RETRY);
      error = readlinkTarget(vp, cnp.cn_cred, target);
      vput(vp);
      if (error !== 0) {
        vput(dp);
        return error;
      }
      if (target.v.length === 0) {
        vput(dp);
        return ENOENT;
      }
      const tail = pos < rest.length ? rest.slice(pos) : "";
      const next = trailingSlash
        ? target.v + "/"
        : tail.length > 0
          ? target.v + "/" + tail
          : target.v;
      if (next.length >= MAXPATHLEN) {
        vput(dp);
        return ENAMETOOLONG;
      }
      rest = next;
      pos = 0;
      VOP_UNLOCK(dp);
      if (rest.charCodeAt(0) === 47) {
        vrele(dp);
        dp = rdir;
        vref(dp);
      }
      continue;
    }

    if (!islast) {
      VOP_UNLOCK(dp);
      vrele(dp);
      dp = vp;
      continue;
    }

    // last component found
    if (trailingSlash && vp.v_type !== VDIR) {
      vrele(vp);
      vput(dp);
      return ENOTDIR;
    }
    if (
      nameiop !== LOOKUP &&
      dp.v_mount!.mnt_flag & MNT_RDONLY &&
      (nameiop === DELETE || nameiop === RENAME)
    ) {
      vrele(vp);
      vput(dp);
      return EROFS;
    }
    if (wantparent) {
      ndp.ni_dvp = dp;
      if (flags & LOCKLEAF && vp !== dp) vn_lock(vp, LK_EXCLUSIVE | LK_RETRY);
    } else {
      ndp.ni_dvp = null;
      if (vp === dp) {
        // "." : keep the lock only if the leaf is wanted locked
        if (!(flags & LOCKLEAF)) VOP_UNLOCK(dp);
        vrele(dp);
      } else {
        vput(dp);
        if (flags & LOCKLEAF) vn_lock(vp, LK_EXCLUSIVE | LK_RETRY);
      }
    }
    ndp.ni_vp = vp;
    return 0;
  }
}

/** Release what a successful namei returned (the common cleanup). */
export function namei_release(ndp: Nameidata): void {
  const vp = ndp.ni_vp;
  const dvp = ndp.ni_dvp;
  const flags = ndp.ni_cnd.cn_flags;
  if (dvp !== null) {
    if (vp === dvp) {
      vrele(vp);
      vput(dvp);
    } else {
      if (vp !== null) {
        if (flags & LOCKLEAF) vput(vp);
        else vrele(vp);
      }
      vput(dvp);
    }
  } else if (vp !== null) {
    if (flags & LOCKLEAF) vput(vp);
    else vrele(vp);
  }
  ndp.ni_vp = ndp.ni_dvp = null;
}

/**
 * Turn a user path (string or bytes) into a kernel byte string. Strings are
 * encoded as UTF-8; pure ASCII passes through without copying.
 */
export function pathToKernel(path: unknown): string | null {
  if (typeof path === "string") {
    for (let i = 0; i < path.length; i++) {
      if (path.charCodeAt(i) > 0x7f) return utf8ToByteString(path);
    }
    return path;
  }
  if (path instanceof Uint8Array) {
    let s = "";
    const n = path.length;
    for (let i = 0; i < n; i++) {
      const c = path[i]!;
      if (c === 0) break; // a C string ends at its NUL
      s += String.fromCharCode(c);
    }
    return s;
  }
  return null;
}

const encoder = new TextEncoder();
function utf8ToByteString(s: string): string {
  const bytes = encoder.encode(s);
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += String.fromCharCode(bytes[i]!);
  return out;
}

/** Byte string back to a JS string (UTF-8 decode, lossy only for invalid UTF-8). */
export function byteStringToUtf8(s: string): string {
  let ascii = true;
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0x7f) {
      ascii = false;
      break;
    }
  }
  if (ascii) return s;
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return new TextDecoder().decode(b);
}
