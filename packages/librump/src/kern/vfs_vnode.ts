/**
 * Vnode life cycle (vfs_vnode.c): the vnode cache keyed by (mount, key),
 * references (vref/vrele/vput), locking (vn_lock), inactivation, and
 * reclaim — of idle vnodes beyond kern.maxvnodes (LRU) or on revoke/unmount.
 * The lock itself (genfs_lock) is miscfs/genfs/genfs_vnops.ts's.
 */
import { EBUSY, EEXIST, ENOENT } from "../gen/constants.js";
import { VOP_INACTIVE, VOP_LOCK, VOP_RECLAIM, VOP_UNLOCK } from "../gen/vnode_if.js";
import type { Kauth_cred } from "../sys/kauth.js";
import type { Mount } from "../sys/mount.js";
import type { Vattr } from "../sys/vattr.js";
import {
  LK_EXCLUSIVE,
  LK_RETRY,
  VNON,
  VS_ACTIVE,
  VS_RECLAIMED,
  VS_RECLAIMING,
  Vnode,
  type VnodeOut,
} from "../sys/vnode.js";
import { panic } from "./subr_prf.js";
import { dead_vnodeop_p } from "../miscfs/deadfs/dead_vnops.js";
import type { VfsState } from "./vfs_state.js";

/** NetBSD's floor for the memory-sized vnode table, and rump's fixed size (1 << 10). */
export const NVNODE_MIN = 1024;
/** VNODE_COST (sys/param.h): bytes a vnode and its file system's node are assumed to cost. */
export const VNODE_COST = 2048;
/**
 * Ceiling of the default: the vnodes and their file systems' nodes live in
 * the JavaScript heap, which V8 bounds (≈ 4 GiB by default) whatever the
 * host's memory; a million of them at VNODE_COST is half of that.
 */
export const NVNODE_MAX = 1 << 20;

/**
 * The default kern.maxvnodes (desiredvnodes) for `mem` bytes of memory, as
 * a NetBSD kernel sizes it at boot (init_main.c): about 10 % of memory at
 * VNODE_COST bytes per vnode, at least NVNODE_MIN (rump's own default of
 * 1 << 10 cycles any working set of more than a thousand files through
 * reclaim and reload). `mem` unknown (0, NaN, Infinity): NVNODE_MIN.
 */
export function vfs_desiredvnodes(mem: number): number {
  if (!(mem > 0) || !Number.isFinite(mem)) return NVNODE_MIN;
  const n = Math.floor(mem / 10 / VNODE_COST);
  return n < NVNODE_MIN ? NVNODE_MIN : n > NVNODE_MAX ? NVNODE_MAX : n;
}

function cacheOf(mp: Mount): Map<number, Vnode> {
  return mp.mnt_vcache;
}

function vfsOf(mp: Mount): VfsState {
  return (mp.mnt_kernel as { vfs: VfsState }).vfs;
}

/** Every vnode of `mp` currently in the cache. */
export function vcache_vnodes(mp: Mount): Vnode[] {
  return [...cacheOf(mp).values()];
}

/**
 * vcache_get: the vnode for `key` of `mp`, referenced and unlocked; loads it
 * through VFS_LOADVNODE on a miss.
 */
export function vcache_get(mp: Mount, key: number, vpp: VnodeOut): number {
  const cache = cacheOf(mp);
  let vp = cache.get(key);
  if (vp !== undefined) {
    if (vp.v_state !== VS_ACTIVE) {
      // being reclaimed right now (we are inside its VOP_RECLAIM): treat as gone
      vpp.vp = null;
      return ENOENT;
    }
    vref(vp);
    vpp.vp = vp;
    return 0;
  }
  const vfs = vfsOf(mp);
  vp = new Vnode(mp, VNON, dead_vnodeop_p, null);
  vp.v_key = key;
  cache.set(key, vp);
  const error = mp.mnt_op.vfs_loadvnode(mp, vp, key);
  if (error !== 0) {
    cache.delete(key);
    vp.v_state = VS_RECLAIMED;
    vpp.vp = null;
    return error;
  }
  vp.v_state = VS_ACTIVE;
  mp.mnt_nvnodes++;
  vfs.numvnodes++;
  vfs.kernel.evcnt.vnodes_allocated++;
  vpp.vp = vp;
  vdrain(vfs);
  return 0;
}

/**
 * vcache_new: create a new file-system node and its vnode (for VOP_CREATE,
 * VOP_MKDIR, …); the vnode comes back referenced and unlocked.
 */
export function vcache_new(
  mp: Mount,
  dvp: Vnode,
  vap: Vattr,
  cred: Kauth_cred,
  vpp: VnodeOut,
): number {
  const vfs = vfsOf(mp);
  const vp = new Vnode(mp, VNON, dead_vnodeop_p, null);
  const newkey = { v: 0 };
  const error = mp.mnt_op.vfs_newvnode(mp, dvp, vp, vap, cred, newkey);
  if (error !== 0) {
    vpp.vp = null;
    return error;
  }
  const cache = cacheOf(mp);
  if (cache.has(newkey.v)) panic(`vcache_new: key ${newkey.v} already cached`);
  vp.v_key = newkey.v;
  cache.set(newkey.v, vp);
  vp.v_state = VS_ACTIVE;
  mp.mnt_nvnodes++;
  vfs.numvnodes++;
  vfs.kernel.evcnt.vnodes_allocated++;
  vpp.vp = vp;
  vdrain(vfs);
  return 0;
}

/**
 * vcache_rekey: `vp` of `mp` is known by `newkey` from now on (a file
 * system whose keys are places, msdosfs's directory entries, moved it).
 * EEXIST, changing nothing, when another vnode holds that key.
 */
export function vcache_rekey(mp: Mount, vp: Vnode, newkey: number): number {
  const cache = cacheOf(mp);
  if (DIAGNOSTIC && cache.get(vp.v_key) !== vp) panic(`vcache_rekey: key ${vp.v_key} not cached`);
  const other = cache.get(newkey);
  if (other !== undefined && other !== vp) return EEXIST;
  cache.delete(vp.v_key);
  vp.v_key = newkey;
  cache.set(newkey, vp);
  return 0;
}

/** vref: take another reference. */
export function vref(vp: Vnode): void {
  if (vp.v_usecount++ === 0) freelistRemove(vfsOf(vp.v_mount!), vp);
}

/** vrele: drop a reference; the last one inactivates the vnode. */
export function vrele(vp: Vnode): void {
  if (DIAGNOSTIC && vp.v_usecount <= 0) panic(`vrele: usecount ${vp.v_usecount}`);
  if (vp.v_usecount > 1) {
    vp.v_usecount--;
    return;
  }
  vrelel(vp);
}

/** vput: unlock and release. */
export function vput(vp: Vnode): void {
  VOP_UNLOCK(vp);
  vrele(vp);
}

function vrelel(vp: Vnode): void {
  if (vp.v_state !== VS_ACTIVE) {
    // a dead (revoked/reclaimed) vnode just goes away
    vp.v_usecount = 0;
    return;
  }
  // inactivate with the last reference still held, as NetBSD does
  const vfs = vfsOf(vp.v_mount!);
  vn_lock(vp, LK_EXCLUSIVE | LK_RETRY);
  // one out-slot for the outermost release (a fresh one per call would be
  // garbage per stat); an inactive that releases another vnode gets its own
  const recycle = vfs.inactiveDepth === 0 ? vfs.scratchRecycle : { v: false };
  recycle.v = false;
  vfs.inactiveDepth++;
  VOP_INACTIVE(vp, recycle);
  vfs.inactiveDepth--;
  const reclaim = recycle.v;
  if (vp.v_usecount > 1) {
    // gained a reference during inactive
    vp.v_usecount--;
    return;
  }
  vp.v_usecount = 0;
  if (reclaim) {
    vcache_reclaim(vp);
    return;
  }
  freelistAppend(vfs, vp);
  vdrain(vfs);
}

/**
 * vn_lock: lock a vnode through VOP_LOCK. LK_RETRY: lock even a dead vnode.
 */
export function vn_lock(vp: Vnode, flags: number): number {
  return VOP_LOCK(vp, flags);
}

/**
 * vcache_reclaim: disassociate the vnode from its file system (VOP_RECLAIM)
 * and turn it into a dead vnode. Holders of references keep a vnode whose
 * every operation fails (deadfs).
 */
export function vcache_reclaim(vp: Vnode): void {
  if (vp.v_state === VS_RECLAIMED || vp.v_state === VS_RECLAIMING) return;
  const mp = vp.v_mount!;
  const vfs = vfsOf(mp);
  if (vp.v_usecount === 0) freelistRemove(vfs, vp);
  vp.v_state = VS_RECLAIMING;
  const wasLocked = vp.v_lock;
  // an active vnode being revoked: make the fs forget it while it is unlocked
  if (wasLocked !== 0) vp.v_lock = 0;
  if (vp.v_usecount > 0) {
    // revoke of a vnode in use: inactivate first (its last close)
    const recycle = { v: false };
    vp.v_lock = -1;
    VOP_INACTIVE(vp, recycle);
    vp.v_lock = 0;
  }
  VOP_RECLAIM(vp);
  cacheOf(mp).delete(vp.v_key);
  mp.mnt_nvnodes--;
  vfs.numvnodes--;
  vfs.kernel.evcnt.vnodes_reclaimed++;
  vp.v_nc = null;
  vp.v_op = dead_vnodeop_p;
  vp.v_data = null;
  vp.v_mountedhere = null;
  vp.v_state = VS_RECLAIMED;
  vp.v_lock = wasLocked;
}

/** vgone / revoke: reclaim now even if referenced. */
export function vgone(vp: Vnode): void {
  vcache_reclaim(vp);
}

/** Reclaim idle vnodes (LRU first) while over kern.maxvnodes. */
export function vdrain(vfs: VfsState): void {
  if (vfs.reclaiming || vfs.numvnodes <= vfs.maxvnodes) return;
  vfs.reclaiming = true;
  try {
    let vp = vfs.freeHead;
    while (vp !== null && vfs.numvnodes > vfs.maxvnodes) {
      const next = vp.v_freenext;
      if (vp.v_usecount === 0 && vp.v_lock === 0 && vp.v_state === VS_ACTIVE) vcache_reclaim(vp);
      vp = next;
    }
  } finally {
    vfs.reclaiming = false;
  }
}

/**
 * vflush: reclaim every vnode of `mp` except `skipvp` (the root, held by the
 * mount). With force, vnodes still in use are revoked; without, any in use
 * makes it EBUSY.
 */
export function vflush(mp: Mount, skipvp: Vnode | null, force: boolean): number {
  const vnodes = vcache_vnodes(mp);
  if (!force) {
    for (const vp of vnodes) {
      if (vp === skipvp) continue;
      if (vp.v_usecount > 0) return EBUSY;
    }
  }
  for (const vp of vnodes) {
    if (vp === skipvp) continue;
    vcache_reclaim(vp);
  }
  return 0;
}

function freelistAppend(vfs: VfsState, vp: Vnode): void {
  vp.v_freenext = null;
  vp.v_freeprev = vfs.freeTail;
  if (vfs.freeTail !== null) vfs.freeTail.v_freenext = vp;
  else vfs.freeHead = vp;
  vfs.freeTail = vp;
  vfs.nfree++;
}

function freelistRemove(vfs: VfsState, vp: Vnode): void {
  const prev = vp.v_freeprev;
  const next = vp.v_freenext;
  if (prev === null && next === null && vfs.freeHead !== vp) return; // not on the list
  if (prev !== null) prev.v_freenext = next;
  else vfs.freeHead = next;
  if (next !== null) next.v_freeprev = prev;
  else vfs.freeTail = prev;
  vp.v_freeprev = vp.v_freenext = null;
  vfs.nfree--;
}
