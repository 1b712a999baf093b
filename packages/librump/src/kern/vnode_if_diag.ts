/**
 * DIAGNOSTIC checks of the vnode lock protocol, called by the generated
 * VOP_* functions (gen/vnode_if.ts) around each operation, from the `#%`
 * table of vnode_if.src (spec/vnodeops.md §2). Only reached when DIAGNOSTIC
 * is on; a violation is a kernel panic.
 *
 * Lock state is `vp.v_lock`: 0 unlocked, -1 exclusive, n > 0 shared. "L"
 * accepts either kind of lock. A vnode may appear under two arguments
 * (lookup's `*vpp` may be `dvp`, rename's `fdvp` may be `tdvp`, link's `vp`
 * may be `dvp`): the generated call passes, after the vnode to check for
 * "U", the other arguments that are allowed to be locked at that point, and
 * an unlocked check on one of them is skipped.
 */

import { panic } from "./subr_prf.js";
import type { Vnode, VnodeOut } from "../sys/vnode.js";
import { VS_RECLAIMED, VS_RECLAIMING } from "../sys/vnode.js";

/**
 * v_size of a vnode whose size was never set (VSIZENOTSET). Our Vnode starts
 * at 0, so the WILLMAKE check accepts any finite size ≥ 0 and rejects this
 * value, NaN, and negative sizes.
 */
export const VSIZENOTSET = -1;

/** The `#%` states the checks take (`-` is never checked, `=` has vop_exit_same). */
export type VopCheckedState = "L" | "U" | "X";

/** Is the vnode locked (shared or exclusive)? NULL counts as unlocked. */
export function vop_lock_held(vp: Vnode | null): boolean {
  return vp !== null && vp.v_lock !== 0;
}

/**
 * May the caller still look at a vnode whose reference the op dropped
 * (WILLRELE, WILLPUT)? Not once it is being reclaimed or was reclaimed: its
 * identity is gone and the object may be recycled.
 */
export function vop_vnode_live(vp: Vnode | null): boolean {
  return vp !== null && vp.v_state !== VS_RECLAIMING && vp.v_state !== VS_RECLAIMED;
}

/** Check argument `arg` of `op` against `want` before the call. */
export function vop_entry_lock(
  op: string,
  arg: string,
  vp: Vnode | null,
  want: VopCheckedState,
  ...mayAlias: (Vnode | null)[]
): void {
  check(op, arg, vp, want, "on entry", mayAlias);
}

/** Check argument `arg` of `op` against `want` after the call returned `error`. */
export function vop_exit_lock(
  op: string,
  arg: string,
  vp: Vnode | null,
  want: VopCheckedState,
  error: number,
  ...mayAlias: (Vnode | null)[]
): void {
  check(op, arg, vp, want, returned(error), mayAlias);
}

/** `=`: the lock state after the call is the one it had on entry. */
export function vop_exit_same(
  op: string,
  arg: string,
  vp: Vnode | null,
  lockedOnEntry: boolean,
  error: number,
): void {
  const now = vop_lock_held(vp);
  if (now !== lockedOnEntry) {
    panic(
      `${op}: ${arg} ${now ? "locked" : "unlocked"} ${returned(error)}, ` +
        `${lockedOnEntry ? "locked" : "unlocked"} on entry (expected =)`,
    );
  }
}

/**
 * WILLMAKE on success: `*vpp` is a vnode whose size is set
 * (vnode_if.c asserts v_size != VSIZENOTSET).
 */
export function vop_exit_made(op: string, arg: string, vpp: VnodeOut): void {
  const vp = vpp.vp;
  if (vp === null) panic(`${op}: *${arg} is NULL on success (WILLMAKE)`);
  const size = vp.v_size;
  if (!Number.isFinite(size) || size < 0) {
    panic(
      `${op}: *${arg} has no size on success (WILLMAKE; v_size ${size}, VSIZENOTSET ${VSIZENOTSET})`,
    );
  }
}

function returned(error: number): string {
  return error === 0 ? "on return" : `on error return (error ${error})`;
}

function check(
  op: string,
  arg: string,
  vp: Vnode | null,
  want: VopCheckedState,
  when: string,
  mayAlias: (Vnode | null)[],
): void {
  if (want === "L") {
    if (vp === null) panic(`${op}: ${arg} is NULL ${when} (expected L)`);
    if (vp.v_lock === 0) panic(`${op}: ${arg} not locked ${when} (expected L)`);
  } else if (want === "X") {
    if (vp !== null && vp.v_lock === 0) {
      panic(`${op}: ${arg} not locked ${when} (expected X: locked if not NULL)`);
    }
  } else if (vp !== null && vp.v_lock !== 0 && !mayAlias.includes(vp)) {
    const how = vp.v_lock < 0 ? "exclusively locked" : `share-locked (${vp.v_lock})`;
    panic(`${op}: ${arg} ${how} ${when} (expected U)`);
  }
}
