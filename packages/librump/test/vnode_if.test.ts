/**
 * Generated VOP_* dispatch and its DIAGNOSTIC lock-protocol checks
 * (gen/vnode_if.ts, kern/vnode_if_diag.ts). DIAGNOSTIC is on under vitest.
 */
import { describe, expect, it } from "vitest";
import * as vif from "../src/gen/vnode_if.js";
import {
  VDESC_NO_OFFSET,
  VDESC_VP0_WILLPUT,
  VDESC_VP0_WILLRELE,
  VDESC_VP0_WILLUNLOCK,
  VDESC_VP1_WILLPUT,
  VDESC_VP1_WILLRELE,
  VDESC_VP2_WILLPUT,
  VDESC_VP3_WILLPUT,
  VNODE_OPS_COUNT,
  VOP_BWRITE,
  VOP_CREATE,
  VOP_GETATTR,
  VOP_INACTIVE,
  VOP_LINK,
  VOP_LOCK,
  VOP_LOOKUP,
  VOP_REMOVE,
  VOP_RENAME,
  VOP_SEEK,
  VOP_SETATTR,
  VOP_UNLOCK,
  vfs_op_descs,
  vop_getattr_desc,
  vop_inactive_desc,
  vop_lookup_desc,
  vop_remove_desc,
  vop_rename_desc,
} from "../src/gen/vnode_if.js";
import type { VnodeopDesc } from "../src/gen/vnode_if.js";
import { VSIZENOTSET } from "../src/kern/vnode_if_diag.js";
import { RumpPanic } from "../src/kern/subr_prf.js";
import { Kauth_cred } from "../src/sys/kauth.js";
import { ComponentName, LOOKUP } from "../src/sys/namei.js";
import { Vattr } from "../src/sys/vattr.js";
import { VDIR, VREG, VS_ACTIVE, VS_RECLAIMED, Vnode } from "../src/sys/vnode.js";
import type { VnodeOut } from "../src/sys/vnode.js";

const EOPNOTSUPP = 45;
const ENOENT = 2;
type Fn = (...args: never[]) => number;

/** An operation vector: every slot EOPNOTSUPP, `impl` on top. */
function vector(impl: Array<[VnodeopDesc, Fn]>): Fn[] {
  const v = new Array<Fn>(VNODE_OPS_COUNT).fill(() => EOPNOTSUPP);
  for (const [d, f] of impl) v[d.vdesc_offset] = f;
  return v;
}

function vnode(ops: Fn[], lock = 0, type = VREG): Vnode {
  const vp = new Vnode(null, type, ops, null);
  vp.v_state = VS_ACTIVE;
  vp.v_lock = lock;
  return vp;
}

const cred = Kauth_cred.root();
const cn = (name: string): ComponentName => new ComponentName(LOOKUP, 0, cred, name);

/** Run `f`, return the panic message (or null). */
function panicOf(f: () => unknown): string | null {
  try {
    f();
  } catch (e) {
    if (e instanceof RumpPanic) return e.message;
    throw e;
  }
  return null;
}

describe("descriptors", () => {
  it("vfs_op_descs is indexed by vdesc_offset", () => {
    expect(VNODE_OPS_COUNT).toBe(50);
    expect(vfs_op_descs).toHaveLength(50);
    vfs_op_descs.forEach((d, i) => expect(d.vdesc_offset).toBe(i));
    expect(vfs_op_descs[0]!.vdesc_name).toBe("default");
    expect(vfs_op_descs[8]).toBe(vop_getattr_desc);
  });

  it("flags and offsets match spec/vnodeops.md §6", () => {
    expect(vop_remove_desc.vdesc_flags).toBe(VDESC_VP0_WILLPUT | VDESC_VP1_WILLPUT);
    expect(vop_rename_desc.vdesc_flags).toBe(
      VDESC_VP0_WILLRELE | VDESC_VP1_WILLRELE | VDESC_VP2_WILLPUT | VDESC_VP3_WILLPUT,
    );
    expect(vop_rename_desc.vdesc_flags).toBe(0x0c0f);
    expect(vop_inactive_desc.vdesc_flags).toBe(VDESC_VP0_WILLUNLOCK);
    expect(vop_rename_desc.vdesc_vp_offsets).toEqual([0, 1, 3, 4]);
    expect(vop_rename_desc.vdesc_componentname_offset).toBe(2);
    expect(vop_lookup_desc.vdesc_vpp_offset).toBe(1);
    expect(vop_lookup_desc.vdesc_cred_offset).toBe(VDESC_NO_OFFSET);
    expect(vop_getattr_desc.vdesc_cred_offset).toBe(2);
    expect(vop_rename_desc.vdesc_namei.map((n) => n.flags)).toEqual([
      "DELETE, LOCKPARENT",
      "RENAME, LOCKPARENT | LOCKLEAF | NOCACHE",
    ]);
  });
});

describe("dispatch", () => {
  it("VOP_GETATTR calls slot 8 with the positional arguments and returns its errno", () => {
    const calls: unknown[][] = [];
    const getattr: vif.vop_getattr_t = (vp, vap, c) => {
      calls.push([vp, vap, c]);
      vap.va_size = 42;
      return 0;
    };
    const ops = vector([[vop_getattr_desc, getattr]]);
    expect(ops[8]).toBe(getattr);
    const vp = vnode(ops, -1);
    const va = new Vattr();
    expect(VOP_GETATTR(vp, va, cred)).toBe(0);
    expect(calls).toEqual([[vp, va, cred]]);
    expect(calls[0]![0]).toBe(vp);
    expect(va.va_size).toBe(42);
    // another slot: the vector's default
    expect(VOP_SETATTR(vp, va, cred)).toBe(EOPNOTSUPP);
  });

  it("every VOP_<NAME> dispatches through its own slot, on success and on error", () => {
    for (const d of vfs_op_descs.slice(1)) {
      const fn = (vif as unknown as Record<string, unknown>)[
        d.vdesc_name.replace("vop_", "VOP_").toUpperCase()
      ];
      expect(typeof fn, d.vdesc_name).toBe("function");
      for (const ret of [0, ENOENT]) {
        const seen: unknown[] = [];
        const impl = (...args: unknown[]): number => {
          seen.push(...args);
          // leave every vnode as the table says (= stays as it is)
          for (const l of d.vdesc_locks) {
            const st = ret === 0 ? l.success : l.error;
            const a = args[l.index];
            if (d.vdesc_vpp_offset === l.index) {
              if (st === "U") (a as VnodeOut).vp = vnode([], 0);
            } else if (a instanceof Vnode && (st === "L" || st === "U")) {
              a.v_lock = st === "L" ? -1 : 0;
            }
          }
          for (const a of d.vdesc_args) {
            if (a.flags & vif.VOPARG_WILLMAKE && ret === 0) {
              const out = args[d.vdesc_args.indexOf(a)] as VnodeOut;
              out.vp ??= vnode([], 0);
            }
          }
          return ret;
        };
        const ops = vector([[d, impl]]);
        const args = d.vdesc_args.map((a, i) => {
          if (a.ctype === "struct vnode *") {
            const l = d.vdesc_locks.find((x) => x.index === i);
            return vnode(ops, l?.entry === "L" || l?.entry === "X" ? -1 : 0);
          }
          if (a.ctype === "struct vnode **") return { vp: null };
          return { arg: a.name };
        });
        const got = (fn as (...a: unknown[]) => number)(...args);
        expect(got, d.vdesc_name).toBe(ret);
        expect(seen, d.vdesc_name).toEqual(args);
        seen.forEach((s, i) => expect(s).toBe(args[i]));
      }
    }
  });
});

describe("DIAGNOSTIC lock checks", () => {
  it("VOP_SETATTR on an unlocked vnode panics before the call", () => {
    let called = false;
    const setattr: vif.vop_setattr_t = () => {
      called = true;
      return 0;
    };
    const vp = vnode(vector([[vif.vop_setattr_desc, setattr]]), 0);
    const msg = panicOf(() => VOP_SETATTR(vp, new Vattr(), cred));
    expect(msg).toBe("panic: vop_setattr: vp not locked on entry (expected L)");
    expect(called).toBe(false);
    expect(() => VOP_SETATTR(vp, new Vattr(), cred)).toThrow(RumpPanic);
    vp.v_lock = 2; // shared counts as locked
    expect(VOP_SETATTR(vp, new Vattr(), cred)).toBe(0);
  });

  it("VOP_LOOKUP: *vpp may be dvp (locked); another locked result panics", () => {
    let result: Vnode | null = null;
    const lookup: vif.vop_lookup_t = (dvp, vpp, cnp) => {
      if (cnp.cn_nameptr === ".") vpp.vp = dvp;
      else vpp.vp = result;
      return vpp.vp === null ? ENOENT : 0;
    };
    const ops = vector([[vop_lookup_desc, lookup]]);
    const dvp = vnode(ops, -1, VDIR);
    const vpp: VnodeOut = { vp: null };
    expect(VOP_LOOKUP(dvp, vpp, cn("."))).toBe(0);
    expect(vpp.vp).toBe(dvp);

    result = vnode(ops, 0);
    expect(VOP_LOOKUP(dvp, vpp, cn("a"))).toBe(0);
    result.v_lock = -1;
    expect(panicOf(() => VOP_LOOKUP(dvp, vpp, cn("a")))).toBe(
      "panic: vop_lookup: *vpp exclusively locked on return (expected U)",
    );
    result = null;
    expect(VOP_LOOKUP(dvp, vpp, cn("missing"))).toBe(ENOENT);
    dvp.v_lock = 0;
    expect(panicOf(() => VOP_LOOKUP(dvp, vpp, cn(".")))).toBe(
      "panic: vop_lookup: dvp not locked on entry (expected L)",
    );
  });

  it("VOP_LOOKUP: dvp must stay locked, also on error", () => {
    const lookup: vif.vop_lookup_t = (dvp) => {
      dvp.v_lock = 0;
      return ENOENT;
    };
    const ops = vector([[vop_lookup_desc, lookup]]);
    const dvp = vnode(ops, -1, VDIR);
    expect(panicOf(() => VOP_LOOKUP(dvp, { vp: null }, cn("x")))).toBe(
      "panic: vop_lookup: dvp not locked on error return (error 2) (expected L)",
    );
  });

  it("VOP_REMOVE leaves both vnodes unlocked, or panics", () => {
    let unlockVp = true;
    const remove: vif.vop_remove_t = (dvp, vp) => {
      dvp.v_lock = 0;
      if (unlockVp) vp.v_lock = 0;
      return 0;
    };
    const ops = vector([[vop_remove_desc, remove]]);
    const dvp = vnode(ops, -1, VDIR);
    const vp = vnode(ops, -1);
    expect(VOP_REMOVE(dvp, vp, cn("f"))).toBe(0);

    dvp.v_lock = vp.v_lock = -1;
    unlockVp = false;
    expect(panicOf(() => VOP_REMOVE(dvp, vp, cn("f")))).toBe(
      "panic: vop_remove: vp exclusively locked on return (expected U)",
    );
    // WILLPUT: a vnode the op released and that was reclaimed is not looked at
    dvp.v_lock = vp.v_lock = -1;
    vp.v_state = VS_RECLAIMED;
    expect(VOP_REMOVE(dvp, vp, cn("f"))).toBe(0);
    // entry: both locked
    vp.v_state = VS_ACTIVE;
    dvp.v_lock = -1;
    vp.v_lock = 0;
    expect(panicOf(() => VOP_REMOVE(dvp, vp, cn("f")))).toBe(
      "panic: vop_remove: vp not locked on entry (expected L)",
    );
  });

  it("VOP_INACTIVE must return with the vnode unlocked (WILLUNLOCK)", () => {
    let unlock = true;
    const inactive: vif.vop_inactive_t = (vp, recycle) => {
      recycle.v = true;
      if (unlock) vp.v_lock = 0;
      return 0;
    };
    const vp = vnode(vector([[vop_inactive_desc, inactive]]), -1);
    const recycle = { v: false };
    expect(VOP_INACTIVE(vp, recycle)).toBe(0);
    expect(recycle.v).toBe(true);
    vp.v_lock = -1;
    unlock = false;
    expect(panicOf(() => VOP_INACTIVE(vp, recycle))).toBe(
      "panic: vop_inactive: vp exclusively locked on return (expected U)",
    );
  });

  it("WILLMAKE: *vpp must be set and have a size on success", () => {
    let made: Vnode | null = null;
    const create: vif.vop_create_t = (_dvp, vpp) => {
      vpp.vp = made;
      return 0;
    };
    const ops = vector([[vif.vop_create_desc, create]]);
    const dvp = vnode(ops, -1, VDIR);
    made = vnode(ops, 0);
    expect(VOP_CREATE(dvp, { vp: null }, cn("n"), new Vattr())).toBe(0);
    made.v_size = VSIZENOTSET;
    expect(panicOf(() => VOP_CREATE(dvp, { vp: null }, cn("n"), new Vattr()))).toMatch(
      /^panic: vop_create: \*vpp has no size on success \(WILLMAKE; v_size -1/,
    );
    made.v_size = Number.NaN;
    expect(() => VOP_CREATE(dvp, { vp: null }, cn("n"), new Vattr())).toThrow(RumpPanic);
    made = null;
    expect(panicOf(() => VOP_CREATE(dvp, { vp: null }, cn("n"), new Vattr()))).toBe(
      "panic: vop_create: *vpp is NULL on success (WILLMAKE)",
    );
  });

  it("VOP_RENAME: fdvp may be tdvp, tvp may be NULL; all unlocked after", () => {
    const rename: vif.vop_rename_t = (_fdvp, _fvp, _fcnp, tdvp, tvp) => {
      tdvp.v_lock = 0;
      if (tvp !== null) tvp.v_lock = 0;
      return 0;
    };
    const ops = vector([[vop_rename_desc, rename]]);
    const dir = vnode(ops, -1, VDIR);
    const f = vnode(ops, 0);
    expect(VOP_RENAME(dir, f, cn("a"), dir, null, cn("b"))).toBe(0);
    dir.v_lock = -1;
    const t = vnode(ops, -1);
    expect(VOP_RENAME(dir, f, cn("a"), dir, t, cn("b"))).toBe(0);
    // fvp must come unlocked
    dir.v_lock = -1;
    f.v_lock = -1;
    expect(panicOf(() => VOP_RENAME(dir, f, cn("a"), dir, null, cn("b")))).toBe(
      "panic: vop_rename: fvp exclusively locked on entry (expected U)",
    );
    // tvp, when given, must be locked (X)
    f.v_lock = 0;
    t.v_lock = 0;
    expect(panicOf(() => VOP_RENAME(dir, f, cn("a"), dir, t, cn("b")))).toBe(
      "panic: vop_rename: tvp not locked on entry (expected X: locked if not NULL)",
    );
  });

  it("VOP_LINK: vp may be dvp", () => {
    const dir = vnode(vector([[vif.vop_link_desc, () => 0]]), -1, VDIR);
    expect(VOP_LINK(dir, dir, cn("x"))).toBe(0);
  });

  it("VOP_LOCK / VOP_UNLOCK follow their success and error columns", () => {
    let fail = false;
    const lock: vif.vop_lock_t = (vp) => {
      if (fail) return EOPNOTSUPP;
      vp.v_lock = -1;
      return 0;
    };
    const unlock: vif.vop_unlock_t = (vp) => {
      if (fail) return EOPNOTSUPP;
      vp.v_lock = 0;
      return 0;
    };
    const ops = vector([
      [vif.vop_lock_desc, lock],
      [vif.vop_unlock_desc, unlock],
    ]);
    const vp = vnode(ops, 0);
    expect(VOP_LOCK(vp, 2)).toBe(0);
    expect(vp.v_lock).toBe(-1);
    expect(panicOf(() => VOP_LOCK(vp, 2))).toBe(
      "panic: vop_lock: vp exclusively locked on entry (expected U)",
    );
    expect(VOP_UNLOCK(vp)).toBe(0);
    fail = true;
    expect(VOP_LOCK(vp, 2)).toBe(EOPNOTSUPP); // error: stays unlocked
    vp.v_lock = -1;
    expect(VOP_UNLOCK(vp)).toBe(EOPNOTSUPP); // error: stays locked
  });

  it("'=' means unchanged; no table means no check", () => {
    let flip = false;
    const bwrite: vif.vop_bwrite_t = (vp) => {
      if (flip) vp.v_lock = vp.v_lock === 0 ? -1 : 0;
      return 0;
    };
    const seek: vif.vop_seek_t = (vp) => {
      vp.v_lock = -1;
      return 0;
    };
    const ops = vector([
      [vif.vop_bwrite_desc, bwrite],
      [vif.vop_seek_desc, seek],
    ]);
    const vp = vnode(ops, 0);
    expect(VOP_BWRITE(vp, null as never)).toBe(0);
    vp.v_lock = -1;
    expect(VOP_BWRITE(vp, null as never)).toBe(0);
    flip = true;
    expect(panicOf(() => VOP_BWRITE(vp, null as never))).toBe(
      "panic: vop_bwrite: vp unlocked on return, locked on entry (expected =)",
    );
    vp.v_lock = 0;
    expect(VOP_SEEK(vp, 0, 1, cred)).toBe(0);
  });
});
