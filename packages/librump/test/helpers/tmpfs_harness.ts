/**
 * VOP-level test harness for tmpfs: a booted kernel on a MemoryHost with a
 * stepping virtual clock, a fresh tmpfs Mount driven through its Vfsops,
 * and small helpers that call the generated VOP_* (so the DIAGNOSTIC lock
 * protocol checks run) with the locking a caller like namei would do.
 */
import { MemoryHost } from "@rump/rumpuser";
import { EJUSTRETURN } from "../../src/gen/constants.js";
import {
  VOP_CREATE,
  VOP_GETATTR,
  VOP_LINK,
  VOP_LOOKUP,
  VOP_MKDIR,
  VOP_MKNOD,
  VOP_READ,
  VOP_READDIR,
  VOP_READLINK,
  VOP_REMOVE,
  VOP_RENAME,
  VOP_RMDIR,
  VOP_SETATTR,
  VOP_SYMLINK,
  VOP_UNLOCK,
  VOP_WRITE,
} from "../../src/gen/vnode_if.js";
import { vn_lock, vref, vrele } from "../../src/kern/vfs_vnode.js";
import { makeTmpfsVfsops } from "../../src/fs/tmpfs/tmpfs_vfsops.js";
import type { TmpfsArgs } from "../../src/fs/tmpfs/tmpfs.js";
import type { Kernel } from "../../src/rump/kernel.js";
import { createKernel } from "../../src/rump/rump.js";
import { Kauth_cred } from "../../src/sys/kauth.js";
import { Mount, type Vfsops } from "../../src/sys/mount.js";
import {
  ComponentName,
  CREATE,
  DELETE,
  ISLASTCN,
  LOCKLEAF,
  LOCKPARENT,
  LOOKUP,
  RENAME,
} from "../../src/sys/namei.js";
import { Uio, UIO_READ, UIO_WRITE } from "../../src/sys/uio.js";
import { Vattr } from "../../src/sys/vattr.js";
import {
  LK_EXCLUSIVE,
  VBLK,
  VCHR,
  VDIR,
  VFIFO,
  VLNK,
  VREG,
  type Vnode,
} from "../../src/sys/vnode.js";

export const root = Kauth_cred.root();
export function user(uid: number, gid: number, groups: number[] = []): Kauth_cred {
  return new Kauth_cred(uid, uid, uid, gid, gid, gid, groups);
}

export interface Fs {
  k: Kernel;
  ops: Vfsops;
  mp: Mount;
  root: Vnode;
}

export function defaultArgs(over: Partial<TmpfsArgs> = {}): TmpfsArgs {
  return {
    ta_version: 1,
    ta_nodes_max: 0,
    ta_size_max: 0,
    ta_root_uid: 0,
    ta_root_gid: 0,
    ta_root_mode: 0o755,
    ...over,
  };
}

export function bootKernel(params: Record<string, string> = {}): Kernel {
  const host = new MemoryHost({ clock: { start: 1_600_000_000, stepNs: 1000 }, params });
  return createKernel({ host });
}

/** A new Mount of a fresh tmpfs type object (not attached), not yet mounted. */
export function newMount(k: Kernel): { ops: Vfsops; mp: Mount } {
  const ops = makeTmpfsVfsops("tmpfs");
  const mp = new Mount(ops, k);
  mp.mnt_id = k.vfs.nextMountId++;
  mp.mnt_stat.f_fsidx = [mp.mnt_id, 0];
  mp.mnt_stat.f_fstypename = "tmpfs";
  return { ops, mp };
}

/** Boot, mount a tmpfs, return its root (referenced, unlocked). */
export function mountTmpfs(args: Partial<TmpfsArgs> = {}, params: Record<string, string> = {}): Fs {
  const k = bootKernel(params);
  const { ops, mp } = newMount(k);
  const e = ops.vfs_mount(mp, "/mnt", defaultArgs(args), -1);
  if (e !== 0) throw new Error(`mount: ${e}`);
  const out = { vp: null as Vnode | null };
  const e2 = ops.vfs_root(mp, 0, out);
  if (e2 !== 0) throw new Error(`root: ${e2}`);
  return { k, ops, mp, root: out.vp! };
}

export function cn(name: string, op: number, cred: Kauth_cred = root, last = true): ComponentName {
  return new ComponentName(op, (last ? ISLASTCN : 0) | LOCKPARENT | LOCKLEAF, cred, name);
}

/** VOP_LOOKUP with dvp locked around it; returns [error, vp]. */
export function lookup(
  dvp: Vnode,
  name: string,
  op = LOOKUP,
  cred = root,
  last = true,
): [number, Vnode | null] {
  vn_lock(dvp, LK_EXCLUSIVE);
  const out = { vp: null as Vnode | null };
  const e = VOP_LOOKUP(dvp, out, cn(name, op, cred, last));
  VOP_UNLOCK(dvp);
  return [e, out.vp];
}

function va(type: number, mode: number, rdev = -1): Vattr {
  const v = new Vattr();
  v.va_type = type;
  v.va_mode = mode;
  if (rdev !== -1) v.va_rdev = rdev;
  return v;
}

function make(
  dvp: Vnode,
  name: string,
  cred: Kauth_cred,
  f: (out: { vp: Vnode | null }, c: ComponentName) => number,
): [number, Vnode | null] {
  vn_lock(dvp, LK_EXCLUSIVE);
  const out = { vp: null as Vnode | null };
  const e = f(out, cn(name, CREATE, cred));
  VOP_UNLOCK(dvp);
  return [e, out.vp];
}

export function create(
  dvp: Vnode,
  name: string,
  mode = 0o644,
  cred = root,
): [number, Vnode | null] {
  return make(dvp, name, cred, (o, c) => VOP_CREATE(dvp, o, c, va(VREG, mode)));
}
export function mkdir(dvp: Vnode, name: string, mode = 0o755, cred = root): [number, Vnode | null] {
  return make(dvp, name, cred, (o, c) => VOP_MKDIR(dvp, o, c, va(VDIR, mode)));
}
export function symlink(
  dvp: Vnode,
  name: string,
  target: string,
  cred = root,
): [number, Vnode | null] {
  return make(dvp, name, cred, (o, c) => VOP_SYMLINK(dvp, o, c, va(VLNK, 0o777), target));
}
export function mknod(
  dvp: Vnode,
  name: string,
  type: number,
  rdev: number,
  cred = root,
): [number, Vnode | null] {
  return make(dvp, name, cred, (o, c) =>
    VOP_MKNOD(dvp, o, c, va(type, 0o600, type === VBLK || type === VCHR ? rdev : -1)),
  );
}
export { VFIFO, VCHR, VBLK };

/** Create and release: for building trees. */
export function touch(dvp: Vnode, name: string, mode = 0o644, cred = root): void {
  const [e, vp] = create(dvp, name, mode, cred);
  if (e !== 0) throw new Error(`create ${name}: ${e}`);
  vrele(vp!);
}
export function mkdirv(dvp: Vnode, name: string, mode = 0o755, cred = root): Vnode {
  const [e, vp] = mkdir(dvp, name, mode, cred);
  if (e !== 0) throw new Error(`mkdir ${name}: ${e}`);
  return vp!;
}

export function write(vp: Vnode, off: number, data: Uint8Array, cred = root, ioflag = 0): number {
  vn_lock(vp, LK_EXCLUSIVE);
  const uio = Uio.single(data, data.length, off, UIO_WRITE);
  const e = VOP_WRITE(vp, uio, ioflag, cred);
  VOP_UNLOCK(vp);
  return e;
}

export function read(vp: Vnode, off: number, len: number, cred = root): [number, Uint8Array] {
  const buf = new Uint8Array(len).fill(0xee);
  vn_lock(vp, LK_EXCLUSIVE);
  const uio = Uio.single(buf, len, off, UIO_READ);
  const e = VOP_READ(vp, uio, 0, cred);
  VOP_UNLOCK(vp);
  return [e, buf.subarray(0, len - uio.uio_resid)];
}

export function getattr(vp: Vnode): Vattr {
  const v = new Vattr();
  vn_lock(vp, LK_EXCLUSIVE);
  const e = VOP_GETATTR(vp, v, root);
  VOP_UNLOCK(vp);
  if (e !== 0) throw new Error(`getattr: ${e}`);
  return v;
}

export function setattr(vp: Vnode, f: (v: Vattr) => void, cred = root): number {
  const v = new Vattr();
  v.null();
  f(v);
  vn_lock(vp, LK_EXCLUSIVE);
  const e = VOP_SETATTR(vp, v, cred);
  VOP_UNLOCK(vp);
  return e;
}

export function readlink(vp: Vnode): [number, string] {
  const buf = new Uint8Array(2048);
  vn_lock(vp, LK_EXCLUSIVE);
  const uio = Uio.single(buf, buf.length, 0, UIO_READ);
  const e = VOP_READLINK(vp, uio, root);
  VOP_UNLOCK(vp);
  let s = "";
  for (let i = 0; i < buf.length - uio.uio_resid; i++) s += String.fromCharCode(buf[i]!);
  return [e, s];
}

/** unlink(2) at VOP level: lookup DELETE, then VOP_REMOVE (puts both). */
export function remove(dvp: Vnode, name: string, cred = root): number {
  const [e, vp] = lookup(dvp, name, DELETE, cred);
  if (e !== 0) return e;
  vref(dvp); // VOP_REMOVE puts dvp: give it a reference of its own
  vn_lock(dvp, LK_EXCLUSIVE);
  if (vp !== dvp) vn_lock(vp!, LK_EXCLUSIVE);
  return VOP_REMOVE(dvp, vp!, cn(name, DELETE, cred));
}

/** rmdir(2) at VOP level. */
export function rmdir(dvp: Vnode, name: string, cred = root): number {
  const [e, vp] = lookup(dvp, name, DELETE, cred);
  if (e !== 0) return e;
  vref(dvp); // VOP_RMDIR puts dvp: give it a reference of its own
  vn_lock(dvp, LK_EXCLUSIVE);
  if (vp !== dvp) vn_lock(vp!, LK_EXCLUSIVE);
  return VOP_RMDIR(dvp, vp!, cn(name, DELETE, cred));
}

/** link(2) at VOP level: dvp locked, vp unlocked. */
export function link(dvp: Vnode, vp: Vnode, name: string, cred = root): number {
  vn_lock(dvp, LK_EXCLUSIVE);
  const e = VOP_LINK(dvp, vp, cn(name, CREATE, cred));
  VOP_UNLOCK(dvp);
  return e;
}

/** rename(2) at VOP level, as the VFS would do it. */
export function rename(
  fdvp: Vnode,
  fname: string,
  tdvp: Vnode,
  tname: string,
  cred = root,
): number {
  const [e1, fvp] = lookup(fdvp, fname, DELETE, cred);
  if (e1 !== 0) return e1;
  const [e2, tvp] = lookup(tdvp, tname, RENAME, cred);
  if (e2 !== 0 && e2 !== EJUSTRETURN) {
    vrele(fvp!);
    return e2;
  }
  vref(fdvp);
  vref(tdvp);
  vn_lock(tdvp, LK_EXCLUSIVE);
  if (tvp !== null && tvp !== tdvp) vn_lock(tvp, LK_EXCLUSIVE);
  return VOP_RENAME(fdvp, fvp!, cn(fname, DELETE, cred), tdvp, tvp, cn(tname, RENAME, cred));
}

export interface Dirent {
  fileno: number;
  type: number;
  name: string;
}

/** Decode getdents records. */
export function parseDirents(buf: Uint8Array): Dirent[] {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: Dirent[] = [];
  let off = 0;
  while (off < buf.length) {
    const fileno = dv.getUint32(off, true) + dv.getUint32(off + 4, true) * 2 ** 32;
    const reclen = dv.getUint16(off + 8, true);
    const namlen = dv.getUint16(off + 10, true);
    const type = buf[off + 12]!;
    let name = "";
    for (let i = 0; i < namlen; i++) name += String.fromCharCode(buf[off + 13 + i]!);
    out.push({ fileno, type, name });
    off += reclen;
  }
  return out;
}

/** One VOP_READDIR call from `off` with a `size`-byte buffer. */
export function readdir(
  vp: Vnode,
  off: number,
  size = 4096,
): { error: number; entries: Dirent[]; next: number; eof: boolean; cookies: number[] } {
  const buf = new Uint8Array(size);
  const uio = Uio.single(buf, size, off, UIO_READ);
  const eof = { v: 0 };
  const cookies = { v: null as number[] | null };
  const ncookies = { v: 0 };
  vn_lock(vp, LK_EXCLUSIVE);
  const error = VOP_READDIR(vp, uio, root, eof, cookies, ncookies);
  VOP_UNLOCK(vp);
  return {
    error,
    entries: parseDirents(buf.subarray(0, size - uio.uio_resid)),
    next: uio.uio_offset,
    eof: eof.v !== 0,
    cookies: cookies.v ?? [],
  };
}

/** Every name in a directory (reading in small chunks). */
export function listdir(vp: Vnode, size = 512): string[] {
  const names: string[] = [];
  let off = 0;
  for (;;) {
    const r = readdir(vp, off, size);
    if (r.error !== 0) throw new Error(`readdir: ${r.error}`);
    for (const d of r.entries) names.push(d.name);
    off = r.next;
    if (r.eof) return names;
  }
}

export function bytes(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i) & 0xff;
  return b;
}
