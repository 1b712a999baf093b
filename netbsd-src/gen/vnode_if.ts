/**
 * vnode_if.src → the kernel's vop descriptors and VOP_* calls
 * (packages/librump/src/gen/vnode_if.ts) and the application wrappers
 * RUMP_VOP_* (packages/rump-vop/src/gen/rumpvnode_if.ts). spec/vnodeops.md.
 *
 * Calling convention: an op's implementation takes the C arguments
 * positionally (no args struct, no a_desc) and returns 0 or a NetBSD errno:
 * `tmpfs_lookup(dvp: Vnode, vpp: VnodeOut, cnp: ComponentName): number`.
 * VOP_<NAME> dispatches through the first argument's vnode,
 * `vp.v_op[offset](…)`: one indexed load, one call.
 *
 * C type → TypeScript (TYPE_TABLE below; an unknown type is an error):
 *
 *   struct vnode *            Vnode  (Vnode | null when the entry lock state is X,
 *                                     "locked if not NULL": rename's tvp)
 *   struct vnode **           VnodeOut ({ vp })
 *   struct componentname *    ComponentName
 *   struct vattr *            Vattr
 *   kauth_cred_t              Kauth_cred
 *   struct uio *              Uio
 *   struct buf *              Buf
 *   struct flock *            Flock
 *   int, u_int, u_long, off_t, voff_t, daddr_t, vm_prot_t      number
 *   int *, size_t *, register_t *, daddr_t *                   Out<number>
 *   bool *                    Out<boolean>
 *   off_t **                  Out<number[] | null> | null   (readdir cookies; NULL = not wanted)
 *   int *ncookies of readdir  Out<number> | null            (spec/vnodeops.md §5)
 *   void *                    unknown
 *   const char *, char *      string (kernel byte strings, one char per byte)
 *   struct knote *, struct vm_page **                     unknown
 *
 * With DIAGNOSTIC (global.d.ts) each VOP_<NAME> checks the `#%` lock table
 * around the call through kern/vnode_if_diag.ts; the checks sit in one
 * `if (DIAGNOSTIC) { … }` block, so a build with DIAGNOSTIC=false keeps only
 * the dispatch.
 */

import type { LockState, Vop, VopArg } from "./vnode_if_parse.js";
import {
  CNP_TYPE,
  CRED_TYPE,
  VNODEPP_TYPE,
  VNODE_TYPE,
  VnodeIfError,
  parseVnodeIf,
} from "./vnode_if_parse.js";

export { VnodeIfError, parseVnodeIf } from "./vnode_if_parse.js";
export type { VnodeIfSource, Vop, VopArg, VopLock, VopNamei } from "./vnode_if_parse.js";

export const KERNEL_OUT = "packages/librump/src/gen/vnode_if.ts";
export const RUMP_OUT = "packages/rump-vop/src/gen/rumpvnode_if.ts";

/** TS type of each C argument type, and the kernel module that declares it. */
export const TYPE_TABLE: Readonly<Record<string, { ts: string; from: readonly string[] }>> = {
  "struct vnode *": { ts: "Vnode", from: ["Vnode"] },
  "struct vnode **": { ts: "VnodeOut", from: ["VnodeOut"] },
  "struct componentname *": { ts: "ComponentName", from: ["ComponentName"] },
  "struct vattr *": { ts: "Vattr", from: ["Vattr"] },
  kauth_cred_t: { ts: "Kauth_cred", from: ["Kauth_cred"] },
  "struct uio *": { ts: "Uio", from: ["Uio"] },
  "struct buf *": { ts: "Buf", from: ["Buf"] },
  "struct flock *": { ts: "Flock", from: ["Flock"] },
  int: { ts: "number", from: [] },
  u_int: { ts: "number", from: [] },
  u_long: { ts: "number", from: [] },
  off_t: { ts: "number", from: [] },
  voff_t: { ts: "number", from: [] },
  daddr_t: { ts: "number", from: [] },
  vm_prot_t: { ts: "number", from: [] },
  "int *": { ts: "Out<number>", from: ["Out"] },
  "size_t *": { ts: "Out<number>", from: ["Out"] },
  "register_t *": { ts: "Out<number>", from: ["Out"] },
  "daddr_t *": { ts: "Out<number>", from: ["Out"] },
  "bool *": { ts: "Out<boolean>", from: ["Out"] },
  "off_t **": { ts: "Out<number[] | null> | null", from: ["Out"] },
  "void *": { ts: "unknown", from: [] },
  "const char *": { ts: "string", from: [] },
  "char *": { ts: "string", from: [] },
  "struct knote *": { ts: "unknown", from: [] },
  "struct vm_page **": { ts: "unknown", from: [] },
};

/** Arguments whose C type alone does not say they may be NULL (spec/vnodeops.md §5). */
const ARG_OVERRIDES: Readonly<Record<string, { ts: string; from: readonly string[] }>> = {
  "readdir.ncookies": { ts: "Out<number> | null", from: ["Out"] },
};

/** Kernel module (relative to librump/src/gen/) of each type name used above. */
const TYPE_MODULE: Readonly<Record<string, string>> = {
  Vnode: "../sys/vnode.js",
  VnodeOut: "../sys/vnode.js",
  ComponentName: "../sys/namei.js",
  Vattr: "../sys/vattr.js",
  Kauth_cred: "../sys/kauth.js",
  Uio: "../sys/uio.js",
  Buf: "../sys/buf.js",
  Flock: "../sys/flock.js",
  Out: "../sys/out.js",
};

const DIAG_MODULE = "../kern/vnode_if_diag.js";
const WIDTH = 100;

interface Param {
  arg: VopArg;
  ts: string;
  from: readonly string[];
}

interface Op {
  vop: Vop;
  params: Param[];
}

/** The driver's entry point: every output, or an exception (never a partial file). */
export function generate(input: {
  text: string;
  file: string;
  sha256: string;
}): Array<{ path: string; content: string }> {
  const src = parseVnodeIf(input.text, input.file);
  const ops = src.ops.map((vop) => typeOp(vop, input.file));
  const header =
    `// @generated by netbsd-src/gen/vnode_if.ts from sys/kern/vnode_if.src ` +
    `sha256=${input.sha256} (pnpm codegen). Do not edit.\n` +
    (src.rcsid === null ? "" : `// Input: ${src.rcsid.replace(/^\$|\s*\$$/g, "")}\n`);
  return [
    { path: KERNEL_OUT, content: header + emitKernel(ops) },
    { path: RUMP_OUT, content: header + emitRump(ops) },
  ];
}

function typeOp(vop: Vop, file: string): Op {
  const params = vop.args.map((arg): Param => {
    const t = ARG_OVERRIDES[`${vop.name}.${arg.name}`] ?? TYPE_TABLE[arg.ctype];
    if (t === undefined) {
      throw new VnodeIfError(
        file,
        arg.line,
        `unknown argument type '${arg.ctype}': expected one of ${Object.keys(TYPE_TABLE)
          .map((k) => `'${k}'`)
          .join(", ")}`,
      );
    }
    const lock = vop.locks.find((l) => l.arg === arg.name);
    if (arg.ctype === VNODE_TYPE && lock?.entry === "X")
      return { arg, ts: "Vnode | null", from: t.from };
    return { arg, ts: t.ts, from: t.from };
  });
  return { vop, params };
}

// ---------------------------------------------------------------------------
// Formatting helpers (the output follows prettier's layout at width 100).

/** `head(a, b, c)tail` on one line if it fits, else one item per line. */
function list(indent: string, head: string, items: string[], tail: string): string {
  const one = `${indent}${head}${items.join(", ")}${tail}`;
  if (one.length <= WIDTH) return one;
  const inner = indent + "  ";
  const items2 = items.map((i) => `${inner}${i},\n`).join("");
  return `${indent}${head.trimEnd()}\n${items2}${indent}${tail.trimStart()}`;
}

function sig(params: Param[]): string[] {
  return params.map((p) => `${p.arg.name}: ${p.ts}`);
}

function argNames(params: Param[]): string[] {
  return params.map((p) => p.arg.name);
}

/** A local name that no argument uses. */
function fresh(base: string, params: Param[]): string {
  let n = base;
  while (params.some((p) => p.arg.name === n)) n = `_${n}`;
  return n;
}

function upper(vop: Vop): string {
  return vop.name.toUpperCase();
}

function argsName(vop: Vop): string {
  return vop.version === null ? `vop_${vop.name}_args` : `vop_${vop.name}_v${vop.version}_args`;
}

function lockSummary(vop: Vop): string {
  if (vop.locks.length === 0) return "none given";
  return vop.locks
    .map((l) => {
      const a = vop.args[l.index]!;
      const who = a.ctype === VNODEPP_TYPE ? `*${l.arg}` : l.arg;
      return `${who} ${l.entry}/${l.success}/${l.error}`;
    })
    .join(", ");
}

function argFlags(a: VopArg): string {
  const f: string[] = [];
  if (a.locked === true) f.push("VOPARG_LOCKED");
  if (a.locked === false) f.push("VOPARG_UNLOCKED");
  if (a.will !== null) f.push(`VOPARG_WILL${a.will}`);
  if (a.willmake) f.push("VOPARG_WILLMAKE");
  return f.length === 0 ? "0" : f.join(" | ");
}

function descFlags(vop: Vop): string {
  const f: string[] = [];
  let n = 0;
  for (const a of vop.args) {
    if (a.will === null) continue;
    f.push(`VDESC_VP${n}_WILL${a.will}`);
    n++;
  }
  return f.length === 0 ? "0" : f.join(" | ");
}

function offsetOf(vop: Vop, ctype: string): string {
  const i = vop.args.findIndex((a) => a.ctype === ctype);
  return i < 0 ? "VDESC_NO_OFFSET" : String(i);
}

// ---------------------------------------------------------------------------
// Kernel side.

const PRELUDE = `
/** Lock states of the \`#%\` table: Locked, Unlocked, - not applicable, = unchanged, X locked if not NULL. */
export type VopLockState = "L" | "U" | "-" | "=" | "X";

/** Data direction of an argument (documentation only). */
export type VopArgDir = "IN" | "OUT" | "INOUT";

/** One argument of an op, in C order. */
export interface VopArgDesc {
  readonly name: string;
  /** the C type in vnode_if.src */
  readonly ctype: string;
  /** the TypeScript type of the positional parameter */
  readonly tstype: string;
  readonly dir: VopArgDir;
  /** VOPARG_* bits */
  readonly flags: number;
}

/** A \`#%\` line: lock state of vnode argument \`index\` on entry, on success, on error. */
export interface VopLockDesc {
  readonly arg: string;
  readonly index: number;
  readonly entry: VopLockState;
  readonly success: VopLockState;
  readonly error: VopLockState;
}

/** A \`#!\` line: the namei flags the caller must have used for componentname \`index\`. */
export interface VopNameiDesc {
  readonly arg: string;
  readonly index: number;
  readonly flags: string;
}

/**
 * A vnode operation (struct vnodeop_desc). Offsets are argument indices of
 * the positional call (VDESC_NO_OFFSET = none).
 */
export interface VnodeopDesc {
  /** index into every operation vector (v_op) */
  readonly vdesc_offset: number;
  readonly vdesc_name: string;
  /** VDESC_VPn_WILLRELE / _WILLUNLOCK / _WILLPUT */
  readonly vdesc_flags: number;
  /** indices of the \`struct vnode *\` arguments */
  readonly vdesc_vp_offsets: readonly number[];
  readonly vdesc_vpp_offset: number;
  readonly vdesc_cred_offset: number;
  readonly vdesc_componentname_offset: number;
  readonly vdesc_args: readonly VopArgDesc[];
  readonly vdesc_locks: readonly VopLockDesc[];
  readonly vdesc_namei: readonly VopNameiDesc[];
}

export const VDESC_MAX_VPS = 8;
export const VDESC_NO_OFFSET = -1;
export const VDESC_VP0_WILLRELE = 0x0001;
export const VDESC_VP1_WILLRELE = 0x0002;
export const VDESC_VP2_WILLRELE = 0x0004;
export const VDESC_VP3_WILLRELE = 0x0008;
export const VDESC_VP0_WILLUNLOCK = 0x0100;
export const VDESC_VP1_WILLUNLOCK = 0x0200;
export const VDESC_VP2_WILLUNLOCK = 0x0400;
export const VDESC_VP3_WILLUNLOCK = 0x0800;
export const VDESC_VP0_WILLPUT = 0x0101;
export const VDESC_VP1_WILLPUT = 0x0202;
export const VDESC_VP2_WILLPUT = 0x0404;
export const VDESC_VP3_WILLPUT = 0x0808;

/** VopArgDesc.flags: the argument keywords of vnode_if.src. */
export const VOPARG_LOCKED = 0x01;
export const VOPARG_UNLOCKED = 0x02;
export const VOPARG_WILLRELE = 0x04;
export const VOPARG_WILLUNLOCK = 0x08;
export const VOPARG_WILLPUT = 0x0c;
export const VOPARG_WILLMAKE = 0x10;

/** Offset 0 of every vector: the file system's default routine. */
export const vop_default_desc: VnodeopDesc = {
  vdesc_offset: 0,
  vdesc_name: "default",
  vdesc_flags: 0,
  vdesc_vp_offsets: [],
  vdesc_vpp_offset: VDESC_NO_OFFSET,
  vdesc_cred_offset: VDESC_NO_OFFSET,
  vdesc_componentname_offset: VDESC_NO_OFFSET,
  vdesc_args: [],
  vdesc_locks: [],
  vdesc_namei: [],
};
`;

function emitKernel(ops: Op[]): string {
  const types = new Map<string, Set<string>>();
  const diag = new Set<string>();
  for (const { params } of ops) {
    for (const p of params) {
      for (const t of p.from) {
        const mod = TYPE_MODULE[t]!;
        if (!types.has(mod)) types.set(mod, new Set());
        types.get(mod)!.add(t);
      }
    }
  }
  const bodies = ops.map((op) => emitKernelOp(op, diag));
  const imports: string[] = [];
  for (const [mod, names] of [...types].sort((a, b) => a[0].localeCompare(b[0]))) {
    imports.push(list("", "import type { ", [...names].sort(), ` } from "${mod}";`));
  }
  if (diag.size > 0) {
    imports.push(list("", "import { ", [...diag].sort(), ` } from "${DIAG_MODULE}";`));
  }
  const descs = ["vop_default_desc", ...ops.map((o) => `vop_${o.vop.name}_desc`)];
  return (
    "\n" +
    imports.join("\n") +
    "\n" +
    PRELUDE +
    bodies.join("") +
    "\n/** Every descriptor; index = vdesc_offset. */\n" +
    "export const vfs_op_descs: readonly VnodeopDesc[] = [\n" +
    descs.map((d) => `  ${d},\n`).join("") +
    "];\n" +
    "\n/** Length of every operation vector. */\n" +
    `export const VNODE_OPS_COUNT = ${ops.length + 1};\n`
  );
}

function emitKernelOp({ vop, params }: Op, diag: Set<string>): string {
  const U = `VOP_${upper(vop)}`;
  const name = `vop_${vop.name}`;
  const out: string[] = [];
  out.push("");
  out.push(`// ${"-".repeat(WIDTH - 3)}`);
  out.push(`// ${name} (${argsName(vop)}), offset ${vop.offset}`);
  out.push("");
  out.push(`export const ${U}_DESCOFFSET = ${vop.offset};`);
  out.push("");
  out.push(list("", `export type ${name}_t = (`, sig(params), ") => number;"));
  out.push("");
  out.push(`export const ${name}_desc: VnodeopDesc = {`);
  out.push(`  vdesc_offset: ${vop.offset},`);
  out.push(`  vdesc_name: "${name}",`);
  out.push(`  vdesc_flags: ${descFlags(vop)},`);
  const vps = vop.args.flatMap((a, i) => (a.ctype === VNODE_TYPE ? [String(i)] : []));
  out.push(`  vdesc_vp_offsets: [${vps.join(", ")}],`);
  out.push(`  vdesc_vpp_offset: ${offsetOf(vop, VNODEPP_TYPE)},`);
  out.push(`  vdesc_cred_offset: ${offsetOf(vop, CRED_TYPE)},`);
  out.push(`  vdesc_componentname_offset: ${offsetOf(vop, CNP_TYPE)},`);
  const argObjs = params.map((p) => {
    const a = p.arg;
    const fields = [
      `name: "${a.name}"`,
      `ctype: "${a.ctype}"`,
      `tstype: "${p.ts}"`,
      `dir: "${a.dir}"`,
      `flags: ${argFlags(a)}`,
    ];
    const one = `{ ${fields.join(", ")} }`;
    return one.length + 5 <= WIDTH ? one : `{\n${fields.map((f) => `  ${f},\n`).join("")}}`;
  });
  out.push(arrayField("vdesc_args", argObjs));
  out.push(
    arrayField(
      "vdesc_locks",
      vop.locks.map(
        (l) =>
          `{ arg: "${l.arg}", index: ${l.index}, entry: "${l.entry}", ` +
          `success: "${l.success}", error: "${l.error}" }`,
      ),
    ),
  );
  out.push(
    arrayField(
      "vdesc_namei",
      vop.namei.map((n) => `{ arg: "${n.arg}", index: ${n.index}, flags: "${n.flags}" }`),
    ),
  );
  out.push("};");
  out.push("");

  const first = params[0]!.arg.name;
  const call = (indent: string, prefix: string): string =>
    list(indent, `${prefix}(${first}.v_op[${vop.offset}] as ${name}_t)(`, argNames(params), ");");
  out.push("/**");
  out.push(` * ${U}: dispatch through ${first}.v_op[${U}_DESCOFFSET].`);
  out.push(` * Locks (entry/success/error): ${lockSummary(vop)}.`);
  for (const n of vop.namei) out.push(` * namei for ${n.arg}: ${n.flags}`);
  out.push(" */");
  out.push(list("", `export function ${U}(`, sig(params), "): number {"));
  out.push(...emitDiag(vop, params, call, diag));
  out.push(call("  ", "return "));
  out.push("}");
  return out.join("\n") + "\n";
}

/** `  key: [a, b],` in a descriptor literal; one item per line when it does not fit. */
function arrayField(key: string, items: string[]): string {
  const one = `  ${key}: [${items.join(", ")}],`;
  if (!one.includes("\n") && one.length <= WIDTH) return one;
  return `  ${key}: [\n${items.map((i) => indentBlock(`${i},`, "    ") + "\n").join("")}  ],`;
}

function indentBlock(text: string, indent: string): string {
  return text
    .split("\n")
    .map((l) => (l === "" ? l : indent + l))
    .join("\n");
}

/** The subject of a lock check: the vnode itself, or `*vpp` for a `struct vnode **`. */
interface Subject {
  label: string;
  expr: string;
  arg: VopArg;
  entry: LockState;
  success: LockState;
  error: LockState;
}

/**
 * The `if (DIAGNOSTIC) { … }` block of one op (nothing when the op has no
 * lock table and no WILLMAKE argument): entry checks, the call, exit checks,
 * `return error`. Lines come fully indented.
 */
function emitDiag(
  vop: Vop,
  params: Param[],
  call: (indent: string, prefix: string) => string,
  diag: Set<string>,
): string[] {
  const name = `"vop_${vop.name}"`;
  const subjects: Subject[] = vop.locks.map((l) => {
    const arg = vop.args[l.index]!;
    const pp = arg.ctype === VNODEPP_TYPE;
    return {
      label: pp ? `*${l.arg}` : l.arg,
      expr: pp ? `${l.arg}.vp` : l.arg,
      arg,
      entry: l.entry,
      success: l.success,
      error: l.error,
    };
  });
  const makes = vop.args.filter((a) => a.willmake);
  if (subjects.length === 0 && makes.length === 0) return [];

  const err = fresh("error", params);
  const lk = (s: Subject): string => fresh(`${s.arg.name}_locked`, params);
  const stmt = (depth: number, fn: string, items: string[]): string => {
    diag.add(fn);
    return list("  ".repeat(depth), `${fn}(`, items, ");");
  };
  /** Other subjects that may legitimately be this very vnode, locked (L, X or =). */
  const exempt = (s: Subject, col: "entry" | "success" | "error"): string[] =>
    subjects
      .filter((o) => o !== s && (o[col] === "L" || o[col] === "X" || o[col] === "="))
      .map((o) => o.expr);

  const lines: string[] = ["  if (DIAGNOSTIC) {"];
  for (const s of subjects) {
    if (s.entry === "L" || s.entry === "U" || s.entry === "X") {
      const extra = s.entry === "U" ? exempt(s, "entry") : [];
      lines.push(
        stmt(2, "vop_entry_lock", [name, `"${s.label}"`, s.expr, `"${s.entry}"`, ...extra]),
      );
    }
    if (s.success === "=" || s.error === "=") {
      diag.add("vop_lock_held");
      lines.push(`    const ${lk(s)} = vop_lock_held(${s.expr});`);
    }
  }
  lines.push(call("    ", `const ${err} = `));

  const exitCol = (col: "success" | "error", depth: number): string[] => {
    const res: string[] = [];
    for (const s of subjects) {
      const st = s[col];
      // The op may have dropped the caller's reference: the vnode may be
      // reclaimed (and recycled) by now, so look only while it is not.
      const guarded = s.arg.will === "RELE" || s.arg.will === "PUT";
      const d = guarded ? depth + 1 : depth;
      let line: string | null = null;
      if (st === "L" || st === "U" || st === "X") {
        const extra = st === "U" ? exempt(s, col) : [];
        line = stmt(d, "vop_exit_lock", [name, `"${s.label}"`, s.expr, `"${st}"`, err, ...extra]);
      } else if (st === "=") {
        line = stmt(d, "vop_exit_same", [name, `"${s.label}"`, s.expr, lk(s), err]);
      }
      if (line === null) continue;
      if (guarded) {
        diag.add("vop_vnode_live");
        const ind = "  ".repeat(depth);
        res.push(`${ind}if (vop_vnode_live(${s.expr})) {`, line, `${ind}}`);
      } else {
        res.push(line);
      }
    }
    if (col === "success") {
      for (const a of makes) res.push(stmt(depth, "vop_exit_made", [name, `"${a.name}"`, a.name]));
    }
    return res;
  };
  const okFlat = exitCol("success", 2);
  const badFlat = exitCol("error", 2);
  if (okFlat.join("\n") === badFlat.join("\n")) {
    lines.push(...okFlat);
  } else {
    const ok = exitCol("success", 3);
    const bad = exitCol("error", 3);
    lines.push(`    if (${err} === 0) {`, ...ok);
    if (bad.length > 0) lines.push("    } else {", ...bad);
    lines.push("    }");
  }
  lines.push(`    return ${err};`, "  }");
  return lines;
}

// ---------------------------------------------------------------------------
// @rump/vop side.

function emitRump(ops: Op[]): string {
  const types = new Set<string>();
  for (const { params } of ops) for (const p of params) for (const t of p.from) types.add(t);
  const vops = ops.map((o) => `VOP_${upper(o.vop)}`);
  const out: string[] = [""];
  out.push(list("", "import type { ", [...types].sort(), ' } from "@rump/librump";'));
  out.push(list("", "import { ", [...vops, "vnodeKernel"], ' } from "@rump/librump";'));
  out.push("");
  out.push("// The kernel's descriptors and implementation types, for applications.");
  out.push(
    list(
      "",
      "export type { ",
      [
        "VnodeopDesc",
        "VopArgDesc",
        "VopArgDir",
        "VopLockDesc",
        "VopLockState",
        "VopNameiDesc",
        ...ops.map((o) => `vop_${o.vop.name}_t`),
      ],
      ' } from "@rump/librump";',
    ),
  );
  out.push(
    list(
      "",
      "export { ",
      [
        "VDESC_NO_OFFSET",
        "VNODE_OPS_COUNT",
        "vfs_op_descs",
        "vop_default_desc",
        ...ops.map((o) => `vop_${o.vop.name}_desc`),
      ],
      ' } from "@rump/librump";',
    ),
  );
  for (const { vop, params } of ops) {
    const U = upper(vop);
    const k = fresh("k", params);
    const first = params[0]!.arg.name;
    out.push("");
    out.push(
      `/** VOP_${U} on a virtual CPU of ${first}'s kernel (rump_schedule … rump_unschedule). */`,
    );
    out.push(list("", `export function RUMP_VOP_${U}(`, sig(params), "): number {"));
    out.push(`  const ${k} = vnodeKernel(${first});`);
    out.push(`  ${k}.schedule();`);
    out.push("  try {");
    out.push(list("    ", `return VOP_${U}(`, argNames(params), ");"));
    out.push("  } catch (e) {");
    out.push(`    // a panic inside the kernel kills this instance (DESIGN.md)`);
    out.push(`    throw ${k}.crash(e);`);
    out.push("  } finally {");
    out.push(`    ${k}.unschedule();`);
    out.push("  }");
    out.push("}");
  }
  return out.join("\n") + "\n";
}
