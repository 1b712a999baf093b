/**
 * The vnode_if.src generator: the parser on the real file (spot-checked
 * against spec/vnodeops.md §6), malformed inputs, and the shape of the output.
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { KERNEL_OUT, RUMP_OUT, VnodeIfError, generate, parseVnodeIf } from "../gen/vnode_if.js";
import type { Vop } from "../gen/vnode_if.js";
import { needInputs } from "./inputs.js";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

// the tests of the real file are skipped without it; the malformed-input ones run anyway
const need = needInputs(import.meta.url, "sys/kern/vnode_if.src");
const IN = need.missing === false ? need.get("sys/kern/vnode_if.src") : undefined;
const SRC = IN === undefined ? undefined : parseVnodeIf(IN.text, IN.file);
const op = (name: string): Vop => {
  const o = SRC!.ops.find((x) => x.name === name);
  if (o === undefined) throw new Error(`no vop_${name}`);
  return o;
};

describe.skipIf(need.missing)(need.title("parseVnodeIf on sys/kern/vnode_if.src"), () => {
  it("finds every vop block, in file order", () => {
    // Counted independently of the parser.
    const blocks = [...IN!.text.matchAll(/^vop_(\w+) \{/gm)].map((m) => m[1]);
    expect(blocks).toHaveLength(49);
    expect(SRC!.ops.map((o) => o.name)).toEqual(blocks);
    expect(SRC!.ops.map((o) => o.offset)).toEqual(blocks.map((_, i) => i + 1));
    expect(SRC!.rcsid).toMatch(/^\$NetBSD: vnode_if\.src,v 1\.69 /);
  });

  it("reads VERSION", () => {
    const versions = Object.fromEntries(
      SRC!.ops.filter((o) => o.version !== null).map((o) => [o.name, o.version]),
    );
    expect(versions).toEqual({ lookup: 2, create: 3, mknod: 3, link: 2, mkdir: 3, symlink: 3 });
  });

  it("lookup: arguments, WILLMAKE and locks (§6 row 2)", () => {
    const o = op("lookup");
    expect(o.args.map((a) => [a.dir, a.ctype, a.name, a.willmake])).toEqual([
      ["IN", "struct vnode *", "dvp", false],
      ["OUT", "struct vnode **", "vpp", true],
      ["IN", "struct componentname *", "cnp", false],
    ]);
    expect(o.locks.map((l) => [l.arg, l.index, l.entry, l.success, l.error])).toEqual([
      ["dvp", 0, "L", "L", "L"],
      ["vpp", 1, "-", "U", "-"],
    ]);
    expect(o.namei).toEqual([]);
  });

  it("rename: WILLRELE/WILLPUT, LOCKED=, X and two #! lines (§6 row 24)", () => {
    const o = op("rename");
    expect(o.args.map((a) => [a.name, a.locked, a.will])).toEqual([
      ["fdvp", false, "RELE"],
      ["fvp", false, "RELE"],
      ["fcnp", null, null],
      ["tdvp", true, "PUT"],
      ["tvp", null, "PUT"],
      ["tcnp", null, null],
    ]);
    expect(o.locks.map((l) => `${l.arg} ${l.entry}${l.success}${l.error}`)).toEqual([
      "fdvp UUU",
      "fvp UUU",
      "tdvp LUU",
      "tvp XUU",
    ]);
    expect(o.namei.map((n) => [n.arg, n.index, n.flags])).toEqual([
      ["fcnp", 2, "DELETE, LOCKPARENT"],
      ["tcnp", 5, "RENAME, LOCKPARENT | LOCKLEAF | NOCACHE"],
    ]);
  });

  it("remove, inactive, readdir, whiteout, seek (§6 rows 22, 31, 28, 41, 21)", () => {
    const rm = op("remove");
    expect(rm.args.map((a) => [a.name, a.locked, a.will])).toEqual([
      ["dvp", true, "PUT"],
      ["vp", true, "PUT"],
      ["cnp", null, null],
    ]);
    expect(rm.locks.map((l) => `${l.arg} ${l.entry}${l.success}${l.error}`)).toEqual([
      "dvp LUU",
      "vp LUU",
    ]);
    expect(rm.namei.map((n) => n.flags)).toEqual(["DELETE, LOCKPARENT | LOCKLEAF"]);

    const ina = op("inactive");
    expect(ina.args.map((a) => [a.dir, a.ctype, a.name, a.will])).toEqual([
      ["IN", "struct vnode *", "vp", "UNLOCK"],
      ["INOUT", "bool *", "recycle", null],
    ]);
    expect(ina.locks.map((l) => `${l.arg} ${l.entry}${l.success}${l.error}`)).toEqual(["vp LUU"]);

    const rd = op("readdir");
    expect(rd.args.map((a) => `${a.dir} ${a.ctype} ${a.name}`)).toEqual([
      "IN struct vnode * vp",
      "INOUT struct uio * uio",
      "IN kauth_cred_t cred",
      "OUT int * eofflag",
      "OUT off_t ** cookies",
      "IN int * ncookies",
    ]);
    expect(rd.locks.map((l) => `${l.arg} ${l.entry}${l.success}${l.error}`)).toEqual(["vp LLL"]);

    // whiteout's "#% whiteout cnp - - -" and "flag - - -" carry no protocol
    expect(op("whiteout").locks.map((l) => l.arg)).toEqual(["dvp"]);
    expect(op("whiteout").namei.map((n) => n.flags)).toEqual(["CREATE, LOCKPARENT"]);
    expect(op("seek").locks).toEqual([]);
    expect(op("abortop").namei.map((n) => n.flags)).toEqual(["as appropriate."]);
  });
});

describe("parseVnodeIf rejects malformed input with file:line and the expectation", () => {
  const reject = (text: string, line: number, what: RegExp): void => {
    let err: unknown = null;
    try {
      parseVnodeIf(text, "bad.src");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VnodeIfError);
    const e = err as VnodeIfError;
    expect(e.file).toBe("bad.src");
    expect(e.line).toBe(line);
    expect(e.message.startsWith(`bad.src:${line}: `)).toBe(true);
    expect(e.message).toMatch(what);
  };
  const ok = "vop_a {\n\tIN struct vnode *vp;\n};\n";

  it("accepts the minimal op", () => {
    expect(parseVnodeIf(ok, "ok.src").ops).toHaveLength(1);
  });
  it("unclosed block at end of file", () => {
    reject("# c\nvop_a {\n\tIN struct vnode *vp;\n", 4, /expected '\};' to close vop_a/);
  });
  it("a new block inside a block", () => {
    reject("vop_a {\n\tIN struct vnode *vp;\nvop_b {\n", 3, /expected '\};' to close vop_a/);
  });
  it("garbage outside a block", () => {
    reject(ok + "frobnicate\n", 4, /expected a comment, a '#%' or '#!' line, or 'vop_<name> \{'/);
  });
  it("missing direction", () => {
    reject("vop_a {\n\tstruct vnode *vp;\n};\n", 2, /expected an argument '<IN\|OUT\|INOUT>/);
  });
  it("missing semicolon", () => {
    reject("vop_a {\n\tIN struct vnode *vp\n};\n", 2, /expected ';'/);
  });
  it("bad LOCKED= value", () => {
    reject("vop_a {\n\tIN LOCKED=MAYBE struct vnode *vp;\n};\n", 2, /LOCKED=YES or LOCKED=NO/);
  });
  it("keywords out of order", () => {
    reject("vop_a {\n\tIN WILLPUT LOCKED=YES struct vnode *vp;\n};\n", 2, /out of order/);
  });
  it("VERSION not first, or not a number", () => {
    reject("vop_a {\n\tIN struct vnode *vp;\n\tVERSION 2\n};\n", 3, /VERSION must be the first/);
    reject("vop_a {\n\tVERSION two\n\tIN struct vnode *vp;\n};\n", 2, /positive integer/);
  });
  it("first argument not a vnode; empty op; duplicates", () => {
    reject("vop_a {\n\tIN int x;\n};\n", 2, /first argument of vop_a must be 'struct vnode \*'/);
    reject("vop_a {\n};\n", 2, /has no arguments/);
    reject(ok + ok, 4, /vop_a is already defined at line 1/);
    reject("vop_a {\n\tIN struct vnode *vp;\n\tIN int vp;\n};\n", 3, /'vp' appears twice/);
  });
  it("WILLMAKE / WILLPUT on the wrong type", () => {
    reject("vop_a {\n\tIN struct vnode *vp;\n\tOUT WILLMAKE int *x;\n};\n", 3, /WILLMAKE applies/);
    reject("vop_a {\n\tIN struct vnode *vp;\n\tIN WILLPUT int x;\n};\n", 3, /apply only/);
  });
  it("bad lock lines", () => {
    reject("#% a vp L L\n" + ok, 1, /expected '#% <op> <arg> <entry> <success> <error>'/);
    reject("#% a vp L Q L\n" + ok, 1, /unknown lock state 'Q'/);
    reject("#% b vp L L L\n" + ok, 1, /names no op/);
    reject("#% a vq L L L\n" + ok, 1, /expected a 'struct vnode \*'/);
    reject("#% a vp L L L\n#% a vp L L L\n" + ok, 2, /second '#% a vp'/);
  });
  it("bad namei lines", () => {
    reject("#! a\n" + ok, 1, /expected '#! <op> <cnparg> <namei flags>'/);
    reject("#! a vp CREATE\n" + ok, 1, /expected a 'struct componentname \*'/);
  });
  it("unknown C type (reported by generate)", () => {
    const text = "vop_a {\n\tIN struct vnode *vp;\n\tIN struct frob *f;\n};\n";
    expect(() => generate({ text, file: "bad.src", sha256: "0" })).toThrow(
      /^bad\.src:3: unknown argument type 'struct frob \*': expected one of/,
    );
  });
});

describe.skipIf(need.missing)(need.title("generate"), () => {
  const outs = IN === undefined ? [] : generate(IN);
  const kernel = outs.find((o) => o.path === KERNEL_OUT)?.content ?? "";
  const rump = outs.find((o) => o.path === RUMP_OUT)?.content ?? "";

  it("writes the two files with the header", () => {
    expect(outs.map((o) => o.path)).toEqual([KERNEL_OUT, RUMP_OUT]);
    for (const o of outs) {
      expect(o.content.split("\n")[0]).toBe(
        `// @generated by netbsd-src/gen/vnode_if.ts from sys/kern/vnode_if.src sha256=${IN!.sha256} (pnpm codegen). Do not edit.`,
      );
    }
  });

  it("the committed files are up to date (pnpm codegen)", () => {
    for (const o of outs) expect(readFileSync(join(REPO, o.path), "utf8")).toBe(o.content);
  });

  it("VOP_LOOKUP has the pinned shape", () => {
    const start = kernel.indexOf("export type vop_lookup_t");
    const end = kernel.indexOf("\n}\n", kernel.indexOf("export function VOP_LOOKUP(")) + 3;
    expect(kernel.slice(start, end))
      .toBe(`export type vop_lookup_t = (dvp: Vnode, vpp: VnodeOut, cnp: ComponentName) => number;

export const vop_lookup_desc: VnodeopDesc = {
  vdesc_offset: 2,
  vdesc_name: "vop_lookup",
  vdesc_flags: 0,
  vdesc_vp_offsets: [0],
  vdesc_vpp_offset: 1,
  vdesc_cred_offset: VDESC_NO_OFFSET,
  vdesc_componentname_offset: 2,
  vdesc_args: [
    { name: "dvp", ctype: "struct vnode *", tstype: "Vnode", dir: "IN", flags: 0 },
    {
      name: "vpp",
      ctype: "struct vnode **",
      tstype: "VnodeOut",
      dir: "OUT",
      flags: VOPARG_WILLMAKE,
    },
    { name: "cnp", ctype: "struct componentname *", tstype: "ComponentName", dir: "IN", flags: 0 },
  ],
  vdesc_locks: [
    { arg: "dvp", index: 0, entry: "L", success: "L", error: "L" },
    { arg: "vpp", index: 1, entry: "-", success: "U", error: "-" },
  ],
  vdesc_namei: [],
};

/**
 * VOP_LOOKUP: dispatch through dvp.v_op[VOP_LOOKUP_DESCOFFSET].
 * Locks (entry/success/error): dvp L/L/L, *vpp -/U/-.
 */
export function VOP_LOOKUP(dvp: Vnode, vpp: VnodeOut, cnp: ComponentName): number {
  if (DIAGNOSTIC) {
    vop_entry_lock("vop_lookup", "dvp", dvp, "L");
    const error = (dvp.v_op[2] as vop_lookup_t)(dvp, vpp, cnp);
    if (error === 0) {
      vop_exit_lock("vop_lookup", "dvp", dvp, "L", error);
      vop_exit_lock("vop_lookup", "*vpp", vpp.vp, "U", error, dvp);
      vop_exit_made("vop_lookup", "vpp", vpp);
    } else {
      vop_exit_lock("vop_lookup", "dvp", dvp, "L", error);
    }
    return error;
  }
  return (dvp.v_op[2] as vop_lookup_t)(dvp, vpp, cnp);
}
`);
  });

  it("outside DIAGNOSTIC every VOP_* is one indexed load and one call", () => {
    const fns = [...kernel.matchAll(/^export function (VOP_\w+)\([\s\S]*?\n}\n/gm)];
    expect(fns).toHaveLength(49);
    for (const [text, name] of fns) {
      const body = text
        .slice(text.indexOf(": number {\n") + 11)
        .replace(/^ {2}if \(DIAGNOSTIC\) \{\n[\s\S]*?\n {2}\}\n/, "");
      expect(body, name).toMatch(/^ {2}return \(\w+\.v_op\[\d+\] as vop_\w+_t\)\([^;]*\);\n}\n$/);
    }
  });

  it("RUMP_VOP_LOOKUP schedules around VOP_LOOKUP", () => {
    expect(rump)
      .toContain(`export function RUMP_VOP_LOOKUP(dvp: Vnode, vpp: VnodeOut, cnp: ComponentName): number {
  const k = vnodeKernel(dvp);
  k.schedule();
  try {
    return VOP_LOOKUP(dvp, vpp, cnp);
  } catch (e) {
    // a panic inside the kernel kills this instance (DESIGN.md)
    throw k.crash(e);
  } finally {
    k.unschedule();
  }
}`);
  });

  it("rename's tvp may be NULL (entry state X)", () => {
    expect(kernel).toMatch(/export type vop_rename_t = \([^)]*tvp: Vnode \| null,/);
  });

  it("returns nothing for input that fails late (no partial output)", () => {
    // Parses fine until the cross-check of a #% line at the end.
    const text = IN!.text + "\n#% nosuchop vp L L L\n";
    expect(() => generate({ ...IN!, text })).toThrow(VnodeIfError);
  });
});
