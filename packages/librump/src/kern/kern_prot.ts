/**
 * Process identity system calls (kern_prot.c): getpid & co., and the set*id
 * rules of NetBSD's default security model. Credentials are shared between
 * processes and files, so a change makes a new credential (copy on write).
 */
import { EINVAL, EPERM, EFAULT } from "../gen/constants.js";
import type { Retval } from "../gen/sysent.js";
import type { Kauth_cred } from "../sys/kauth.js";
import type { Lwp } from "../sys/proc.js";
import { NGROUPS_MAX } from "../sys/consts.js";

const UID_MAX = 0xffffffff;

function isId(x: unknown): x is number {
  return typeof x === "number" && Number.isInteger(x) && x >= 0 && x <= UID_MAX;
}

/** Replace the process credential with a modified copy. */
function modcred(l: Lwp, fn: (c: Kauth_cred) => void): void {
  const p = l.l_proc;
  const ncred = p.p_cred.clone();
  fn(ncred);
  p.p_cred.cr_refcnt--;
  p.p_cred = ncred;
}

export function sys_getpid_with_ppid(l: Lwp, rv: Retval): number {
  const p = l.l_proc;
  rv[0] = p.p_pid;
  rv[1] = p.p_pptr === null ? 0 : p.p_pptr.p_pid;
  return 0;
}

export function sys_getppid(l: Lwp, rv: Retval): number {
  const pp = l.l_proc.p_pptr;
  rv[0] = pp === null ? 0 : pp.p_pid;
  return 0;
}

export function sys_getuid_with_euid(l: Lwp, rv: Retval): number {
  rv[0] = l.l_cred.cr_uid;
  rv[1] = l.l_cred.cr_euid;
  return 0;
}

export function sys_geteuid(l: Lwp, rv: Retval): number {
  rv[0] = l.l_cred.cr_euid;
  return 0;
}

export function sys_getgid_with_egid(l: Lwp, rv: Retval): number {
  rv[0] = l.l_cred.cr_gid;
  rv[1] = l.l_cred.cr_egid;
  return 0;
}

export function sys_getegid(l: Lwp, rv: Retval): number {
  rv[0] = l.l_cred.cr_egid;
  return 0;
}

/** setuid: root sets all three; others may set the effective id to the real or saved one. */
export function sys_setuid(l: Lwp, _rv: Retval, uid: number): number {
  if (!isId(uid)) return EINVAL;
  const c = l.l_cred;
  if (c.cr_euid === 0) {
    modcred(l, (n) => {
      n.cr_uid = n.cr_euid = n.cr_svuid = uid;
    });
    return 0;
  }
  if (uid !== c.cr_uid && uid !== c.cr_svuid) return EPERM;
  modcred(l, (n) => {
    n.cr_euid = uid;
  });
  return 0;
}

export function sys_seteuid(l: Lwp, _rv: Retval, euid: number): number {
  if (!isId(euid)) return EINVAL;
  const c = l.l_cred;
  if (c.cr_euid !== 0 && euid !== c.cr_uid && euid !== c.cr_svuid) return EPERM;
  modcred(l, (n) => {
    n.cr_euid = euid;
  });
  return 0;
}

export function sys_setgid(l: Lwp, _rv: Retval, gid: number): number {
  if (!isId(gid)) return EINVAL;
  const c = l.l_cred;
  if (c.cr_euid === 0) {
    modcred(l, (n) => {
      n.cr_gid = n.cr_egid = n.cr_svgid = gid;
    });
    return 0;
  }
  if (gid !== c.cr_gid && gid !== c.cr_svgid) return EPERM;
  modcred(l, (n) => {
    n.cr_egid = gid;
  });
  return 0;
}

export function sys_setegid(l: Lwp, _rv: Retval, egid: number): number {
  if (!isId(egid)) return EINVAL;
  const c = l.l_cred;
  if (c.cr_euid !== 0 && egid !== c.cr_gid && egid !== c.cr_svgid) return EPERM;
  modcred(l, (n) => {
    n.cr_egid = egid;
  });
  return 0;
}

export function sys_setreuid(l: Lwp, _rv: Retval, ruid: number, euid: number): number {
  const c = l.l_cred;
  const r = ruid === -1 || ruid === UID_MAX ? c.cr_uid : ruid;
  const e = euid === -1 || euid === UID_MAX ? c.cr_euid : euid;
  if (!isId(r) || !isId(e)) return EINVAL;
  if (c.cr_euid !== 0) {
    if (r !== c.cr_uid && r !== c.cr_euid) return EPERM;
    if (e !== c.cr_uid && e !== c.cr_euid && e !== c.cr_svuid) return EPERM;
  }
  modcred(l, (n) => {
    n.cr_uid = r;
    n.cr_euid = e;
    if (r !== c.cr_uid || e !== c.cr_uid) n.cr_svuid = e;
  });
  return 0;
}

export function sys_setregid(l: Lwp, _rv: Retval, rgid: number, egid: number): number {
  const c = l.l_cred;
  const r = rgid === -1 || rgid === UID_MAX ? c.cr_gid : rgid;
  const e = egid === -1 || egid === UID_MAX ? c.cr_egid : egid;
  if (!isId(r) || !isId(e)) return EINVAL;
  if (c.cr_euid !== 0) {
    if (r !== c.cr_gid && r !== c.cr_egid) return EPERM;
    if (e !== c.cr_gid && e !== c.cr_egid && e !== c.cr_svgid) return EPERM;
  }
  modcred(l, (n) => {
    n.cr_gid = r;
    n.cr_egid = e;
    if (r !== c.cr_gid || e !== c.cr_gid) n.cr_svgid = e;
  });
  return 0;
}

/** getgroups(gidsetsize, gidset): 0 asks for the count. */
export function sys_getgroups(
  l: Lwp,
  rv: Retval,
  gidsetsize: number,
  gidset: number[] | Uint32Array | null,
): number {
  const g = l.l_cred.cr_groups;
  if (gidsetsize === 0) {
    rv[0] = g.length;
    return 0;
  }
  if (gidsetsize < g.length) return EINVAL;
  if (gidset === null || gidset === undefined) return EFAULT;
  for (let i = 0; i < g.length; i++) gidset[i] = g[i]!;
  rv[0] = g.length;
  return 0;
}

export function sys_setgroups(
  l: Lwp,
  _rv: Retval,
  gidsetsize: number,
  gidset: readonly number[] | Uint32Array | null,
): number {
  if (l.l_cred.cr_euid !== 0) return EPERM;
  if (!Number.isInteger(gidsetsize) || gidsetsize < 0 || gidsetsize > NGROUPS_MAX) return EINVAL;
  if (gidsetsize > 0 && (gidset === null || gidset === undefined)) return EFAULT;
  const groups: number[] = [];
  for (let i = 0; i < gidsetsize; i++) {
    const gid = gidset![i];
    if (!isId(gid)) return EINVAL;
    groups.push(gid);
  }
  modcred(l, (n) => {
    n.cr_groups = groups;
  });
  return 0;
}

export function sys_getpgrp(l: Lwp, rv: Retval): number {
  rv[0] = l.l_proc.p_pid;
  return 0;
}

export function sys_getsid(l: Lwp, rv: Retval, pid: number): number {
  rv[0] = pid === 0 ? l.l_proc.p_pid : pid;
  return 0;
}
