/**
 * RUMP_VOP_*: one per op of vnode_if.src; each schedules on the vnode's
 * kernel, calls VOP_*, and unschedules (also when the call panics).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Kauth_cred, Mount, RumpPanic, VNODE_OPS_COUNT, VREG, Vattr, Vnode } from "@rump/librump";
import type { Schedulable, Vfsops, VnodeOut } from "@rump/librump";
import * as vop from "../src/index.js";
import {
  RUMP_VOP_GETATTR,
  RUMP_VOP_SETATTR,
  vfs_op_descs,
  vop_getattr_desc,
} from "../src/index.js";
import type { VnodeopDesc } from "../src/index.js";
import {
  findInput,
  inputDirs,
  missingInputsMessage,
  REPO_ROOT,
} from "../../../netbsd-src/gen/common.js";

// NetBSD's vnode_if.src, found as the generators find it; a clone without it
// skips the one test that counts its blocks (netbsd-src/README.md says how to get it)
const VNODE_IF_SRC = findInput("sys/kern/vnode_if.src", inputDirs(REPO_ROOT));
const SKIP_NO_SRC =
  VNODE_IF_SRC === undefined &&
  "skipped: sys/kern/vnode_if.src not found (netbsd-src/README.md says how to get it)";
if (SKIP_NO_SRC !== false)
  process.stderr.write(
    `rumpvnode_if.test.ts: ${missingInputsMessage(["sys/kern/vnode_if.src"], inputDirs(REPO_ROOT))}\n`,
  );

type Fn = (...args: never[]) => number;
const exported = vop as unknown as Record<string, unknown>;

/** A stand-in kernel that logs schedule/unschedule. */
function fakeKernel(): Schedulable & { log: string[]; depth: number } {
  const k = {
    log: [] as string[],
    depth: 0,
    schedule(): void {
      k.depth++;
      k.log.push("schedule");
    },
    unschedule(): void {
      k.depth--;
      k.log.push("unschedule");
    },
    crash(e: unknown): Error {
      k.log.push("crash");
      return e as Error;
    },
  };
  return k;
}

function vnode(kernel: Schedulable, ops: Fn[], lock: number): Vnode {
  const vp = new Vnode(new Mount({} as Vfsops, kernel), VREG, ops, null);
  vp.v_lock = lock;
  return vp;
}

describe("RUMP_VOP_*", () => {
  const every =
    "there is a descriptor and a RUMP_VOP_ function for every vop block of vnode_if.src";
  it.skipIf(SKIP_NO_SRC)(SKIP_NO_SRC === false ? every : `${every} [${SKIP_NO_SRC}]`, () => {
    // Counted with a regex of its own, not with the generator's parser.
    const names = [...readFileSync(VNODE_IF_SRC!, "utf8").matchAll(/^vop_(\w+)\s*\{/gm)].map(
      (m) => m[1]!,
    );
    expect(names).toHaveLength(49);
    const rumpFns = Object.keys(exported).filter((k) => k.startsWith("RUMP_VOP_"));
    const descs = Object.keys(exported).filter((k) => /^vop_\w+_desc$/.test(k));
    expect(rumpFns.sort()).toEqual(names.map((n) => `RUMP_VOP_${n.toUpperCase()}`).sort());
    expect(descs.sort()).toEqual(["default", ...names].map((n) => `vop_${n}_desc`).sort());
    for (const n of names) {
      expect(typeof exported[`RUMP_VOP_${n.toUpperCase()}`]).toBe("function");
      expect((exported[`vop_${n}_desc`] as VnodeopDesc).vdesc_name).toBe(`vop_${n}`);
    }
    expect(vfs_op_descs.map((d) => d.vdesc_name)).toEqual([
      "default",
      ...names.map((n) => `vop_${n}`),
    ]);
  });

  it("RUMP_VOP_GETATTR schedules, dispatches to slot 8, unschedules", () => {
    const k = fakeKernel();
    const seen: unknown[] = [];
    const ops = new Array<Fn>(VNODE_OPS_COUNT).fill(() => 45);
    const getattr: vop.vop_getattr_t = (vp, vap, cred) => {
      seen.push(vp, vap, cred, k.depth);
      vap.va_size = 7;
      return 0;
    };
    ops[vop_getattr_desc.vdesc_offset] = getattr;
    const vp = vnode(k, ops, -1);
    const va = new Vattr();
    const cred = Kauth_cred.root();
    expect(RUMP_VOP_GETATTR(vp, va, cred)).toBe(0);
    expect(seen).toEqual([vp, va, cred, 1]);
    expect(va.va_size).toBe(7);
    expect(k.log).toEqual(["schedule", "unschedule"]);
  });

  it("reports the panic to the kernel and unschedules (DIAGNOSTIC lock check)", () => {
    const k = fakeKernel();
    const vp = vnode(
      k,
      new Array<Fn>(VNODE_OPS_COUNT).fill(() => 0),
      0,
    );
    expect(() => RUMP_VOP_SETATTR(vp, new Vattr(), Kauth_cred.root())).toThrow(RumpPanic);
    expect(k.log).toEqual(["schedule", "crash", "unschedule"]);
    expect(k.depth).toBe(0);
  });

  it("every RUMP_VOP_<NAME> runs its op on the CPU of the first vnode's kernel", () => {
    for (const d of vfs_op_descs.slice(1)) {
      const k = fakeKernel();
      const other = fakeKernel();
      let depth = -1;
      const impl = (...args: unknown[]): number => {
        depth = k.depth;
        for (const l of d.vdesc_locks) {
          const a = args[l.index];
          if (l.index === d.vdesc_vpp_offset) {
            if (l.success === "U") (a as VnodeOut).vp = vnode(other, [], 0);
          } else if (a instanceof Vnode && (l.success === "L" || l.success === "U")) {
            a.v_lock = l.success === "L" ? -1 : 0;
          }
        }
        return 0;
      };
      const ops = new Array<Fn>(VNODE_OPS_COUNT).fill(() => 45);
      ops[d.vdesc_offset] = impl;
      const args = d.vdesc_args.map((a, i) => {
        const l = d.vdesc_locks.find((x) => x.index === i);
        if (a.ctype === "struct vnode *") {
          // only the first vnode decides which kernel is entered
          return vnode(i === 0 ? k : other, ops, l?.entry === "L" || l?.entry === "X" ? -1 : 0);
        }
        if (a.ctype === "struct vnode **") return { vp: null };
        return null;
      });
      const fn = exported[`RUMP_VOP_${d.vdesc_name.slice(4).toUpperCase()}`] as (
        ...a: unknown[]
      ) => number;
      expect(fn(...args), d.vdesc_name).toBe(0);
      expect(depth, d.vdesc_name).toBe(1);
      expect(k.log, d.vdesc_name).toEqual(["schedule", "unschedule"]);
      expect(other.log, d.vdesc_name).toEqual([]);
    }
  });
});
