/**
 * deadfs: the operations of a vnode whose file system let go of it (revoked,
 * reclaimed, its mount forcibly unmounted). Everything fails with EBADF,
 * except what the VFS itself needs to drop the remaining references.
 */
import { EBADF, ENOTDIR } from "../../gen/constants.js";
import { VNODE_OPS_COUNT } from "../../gen/vnode_if.js";
import type { VnodeOpVector } from "../../sys/vnode.js";
import { genfs_islocked, genfs_lock, genfs_unlock } from "../genfs/genfs_vnops.js";

const OFF_LOOKUP = 2;
const OFF_CLOSE = 6;
const OFF_INACTIVE = 31;
const OFF_RECLAIM = 32;
const OFF_LOCK = 33;
const OFF_UNLOCK = 34;
const OFF_ISLOCKED = 38;

function dead_ebadf(): number {
  return EBADF;
}
function dead_lookup(_dvp: unknown, vpp: { vp: unknown }): number {
  vpp.vp = null;
  return ENOTDIR;
}
function dead_ok(): number {
  return 0;
}

/**
 * The deadfs vector. Built from offsets rather than descriptors so that the
 * vnode cache can use it before anything else is initialised; the offsets are
 * checked against the generated descriptors by the tests.
 */
function build(): VnodeOpVector {
  const v = new Array<(...a: never[]) => number>(VNODE_OPS_COUNT).fill(dead_ebadf);
  v[OFF_LOOKUP] = dead_lookup as (...a: never[]) => number;
  v[OFF_CLOSE] = dead_ok;
  v[OFF_INACTIVE] = ((vp: Parameters<typeof genfs_unlock>[0]) => genfs_unlock(vp)) as (
    ...a: never[]
  ) => number;
  v[OFF_RECLAIM] = dead_ok;
  v[OFF_LOCK] = genfs_lock as (...a: never[]) => number;
  v[OFF_UNLOCK] = genfs_unlock as (...a: never[]) => number;
  v[OFF_ISLOCKED] = genfs_islocked as (...a: never[]) => number;
  return v;
}

/** Immutable, so sharing it between kernel instances is safe. */
export const dead_vnodeop_p: VnodeOpVector = Object.freeze(build());
