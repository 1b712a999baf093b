/**
 * The root file system's initial contents (rump_vfs.c, rumpfs.c): /dev
 * (0755) with null, zero, random and urandom, and /tmp (01777). The root
 * itself is a tmpfs mounted under the name "rumpfs".
 */
import { VOP_MKDIR, VOP_MKNOD, VOP_UNLOCK } from "../gen/vnode_if.js";
import { Kauth_cred } from "../sys/kauth.js";
import { ComponentName, CREATE, ISLASTCN, LOCKPARENT } from "../sys/namei.js";
import { Vattr } from "../sys/vattr.js";
import { LK_EXCLUSIVE, LK_RETRY, VCHR, VDIR, type Vnode } from "../sys/vnode.js";
import { vn_lock, vrele } from "../kern/vfs_vnode.js";
import { panic } from "../kern/subr_prf.js";
import {
  makedev,
  MEM_MAJOR,
  MEM_MINOR_NULL,
  MEM_MINOR_ZERO,
  RND_MAJOR,
  RND_MINOR_RANDOM,
  RND_MINOR_URANDOM,
} from "../dev/devsw.js";
import type { Kernel } from "./kernel.js";

function mk(
  dvp: Vnode,
  name: string,
  type: number,
  mode: number,
  rdev: number,
  cred: Kauth_cred,
): Vnode {
  const va = new Vattr();
  va.va_type = type;
  va.va_mode = mode;
  if (type === VCHR) va.va_rdev = rdev;
  const cn = new ComponentName(CREATE, LOCKPARENT | ISLASTCN, cred, name);
  const vpp = { vp: null as Vnode | null };
  const error = type === VDIR ? VOP_MKDIR(dvp, vpp, cn, va) : VOP_MKNOD(dvp, vpp, cn, va);
  if (error !== 0) panic(`rumpfs: cannot create /${name}: error ${error}`);
  return vpp.vp!;
}

export function rootfs_populate(k: Kernel): void {
  const cred = Kauth_cred.root();
  const root = k.vfs.rootvnode!;
  vn_lock(root, LK_EXCLUSIVE | LK_RETRY);
  const dev = mk(root, "dev", VDIR, 0o755, 0, cred);
  vrele(mk(root, "tmp", VDIR, 0o1777, 0, cred));
  VOP_UNLOCK(root);
  vn_lock(dev, LK_EXCLUSIVE | LK_RETRY);
  vrele(mk(dev, "null", VCHR, 0o666, makedev(MEM_MAJOR, MEM_MINOR_NULL), cred));
  vrele(mk(dev, "zero", VCHR, 0o666, makedev(MEM_MAJOR, MEM_MINOR_ZERO), cred));
  vrele(mk(dev, "random", VCHR, 0o444, makedev(RND_MAJOR, RND_MINOR_RANDOM), cred));
  vrele(mk(dev, "urandom", VCHR, 0o644, makedev(RND_MAJOR, RND_MINOR_URANDOM), cred));
  VOP_UNLOCK(dev);
  vrele(dev);
}
