/**
 * The name cache (vfs_cache.c): directory vnode + component → vnode, with
 * negative entries for names known not to exist. Each directory keeps its
 * own map (v_nc); entries of reclaimed vnodes miss without a global purge.
 */
import type { Evcnts } from "./subr_evcnt.js";
import { VS_ACTIVE, type Vnode, type VnodeOut } from "../sys/vnode.js";
import { vref } from "./vfs_vnode.js";

/** Longest name the cache keeps (NCHNAMLEN in NetBSD is 31; we keep more). */
const NCHNAMLEN = 255;

/** Result of cache_lookup. */
export const CACHE_MISS = 0;
/** found: vpp.vp is the vnode, referenced */
export const CACHE_HIT = 1;
/** known not to exist */
export const CACHE_NEGATIVE = 2;

/**
 * An entry is the vnode itself (null: negative). A reclaimed vnode object is
 * never reused — a reload makes a new one — so an entry whose vnode is no
 * longer active is simply stale.
 */
function mapOf(dvp: Vnode): Map<string, Vnode | null> | null {
  return dvp.v_nc as Map<string, Vnode | null> | null;
}

/**
 * cache_lookup: look `name` up in directory `dvp`. A hit returns the vnode
 * referenced (unlocked) in vpp.
 */
export function cache_lookup(dvp: Vnode, name: string, vpp: VnodeOut, ev: Evcnts): number {
  const m = mapOf(dvp);
  const e = m === null ? undefined : m.get(name);
  if (e === undefined) {
    ev.namecache_misses++;
    return CACHE_MISS;
  }
  if (e === null) {
    ev.namecache_neghits++;
    return CACHE_NEGATIVE;
  }
  if (e.v_state !== VS_ACTIVE) {
    m!.delete(name);
    ev.namecache_misses++;
    return CACHE_MISS;
  }
  vref(e);
  vpp.vp = e;
  ev.namecache_hits++;
  return CACHE_HIT;
}

/** cache_enter: remember `name` in `dvp` → `vp` (null: negative entry). */
export function cache_enter(dvp: Vnode, vp: Vnode | null, name: string): void {
  if (name.length > NCHNAMLEN) return;
  let m = mapOf(dvp);
  if (m === null) {
    m = new Map();
    dvp.v_nc = m;
  }
  m.set(name, vp);
}

/** cache_purge1: forget one name of `dvp` (remove, rename, create). */
export function cache_purge1(dvp: Vnode, name: string): void {
  const m = mapOf(dvp);
  if (m !== null) m.delete(name);
}

/** cache_purge: forget everything `dvp` maps (its contents changed wholesale). */
export function cache_purge(dvp: Vnode): void {
  dvp.v_nc = null;
}
