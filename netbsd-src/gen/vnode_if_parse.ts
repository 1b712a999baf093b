/**
 * Parser of NetBSD's sys/kern/vnode_if.src (spec/vnodeops.md §1–§2).
 *
 * Grammar, one construct per line:
 *
 *   # text                                     comment
 *   #% <op> <arg> <entry> <success> <error>    lock protocol; states L U - = X
 *   #! <op> <cnparg> <namei flags text>        flags the caller's namei must use
 *   vop_<name> {                               opens an operation
 *   VERSION <n>                                optional, first line of the block
 *   <IN|OUT|INOUT> [LOCKED=YES|LOCKED=NO] [WILLRELE|WILLUNLOCK|WILLPUT] [WILLMAKE] <type> <name>;
 *   };                                         closes the operation
 *
 * The whole file is parsed and cross-checked before anything is returned:
 * every problem is a VnodeIfError naming the file, the line and what was
 * expected there. `#%` and `#!` lines are matched to their op after the parse
 * (they stand above the block in the file). A `#%` line for an argument that
 * is not a vnode (vop_whiteout's `cnp` and `flag`) carries no protocol; it is
 * accepted when all three states are `-` and dropped.
 */

export type LockState = "L" | "U" | "-" | "=" | "X";
export type ArgDir = "IN" | "OUT" | "INOUT";

export interface VopArg {
  readonly name: string;
  /** the C type, normalised: `struct vnode **`, `kauth_cred_t`, `const char *` */
  readonly ctype: string;
  readonly dir: ArgDir;
  /** LOCKED=YES → true, LOCKED=NO → false, absent → null */
  readonly locked: boolean | null;
  readonly will: "RELE" | "UNLOCK" | "PUT" | null;
  readonly willmake: boolean;
  readonly line: number;
}

export interface VopLock {
  readonly arg: string;
  readonly index: number;
  readonly entry: LockState;
  readonly success: LockState;
  readonly error: LockState;
  readonly line: number;
}

export interface VopNamei {
  readonly arg: string;
  readonly index: number;
  /** the flags text with its whitespace collapsed: `RENAME, LOCKPARENT | LOCKLEAF` */
  readonly flags: string;
  readonly line: number;
}

export interface Vop {
  /** without the `vop_` prefix: `lookup` */
  readonly name: string;
  /** descriptor offset: 1, 2, … in file order (0 is the default descriptor) */
  readonly offset: number;
  /** VERSION n, or null when the block has none */
  readonly version: number | null;
  readonly args: readonly VopArg[];
  /** `#%` lines of vnode arguments, in argument order */
  readonly locks: readonly VopLock[];
  /** `#!` lines, in argument order */
  readonly namei: readonly VopNamei[];
  readonly line: number;
}

export interface VnodeIfSource {
  /** the `$NetBSD: …$` id of the input, if it has one */
  readonly rcsid: string | null;
  readonly ops: readonly Vop[];
}

/** A malformed vnode_if.src: `<file>:<line>: <message>`. */
export class VnodeIfError extends Error {
  override readonly name = "VnodeIfError";
  constructor(
    readonly file: string,
    readonly line: number,
    readonly detail: string,
  ) {
    super(`${file}:${line}: ${detail}`);
  }
}

export const VNODE_TYPE = "struct vnode *";
export const VNODEPP_TYPE = "struct vnode **";
export const CNP_TYPE = "struct componentname *";
export const CRED_TYPE = "kauth_cred_t";

const ARG_SHAPE =
  "<IN|OUT|INOUT> [LOCKED=YES|LOCKED=NO] [WILLRELE|WILLUNLOCK|WILLPUT] [WILLMAKE] <type> <name>;";
const LOCK_SHAPE = "'#% <op> <arg> <entry> <success> <error>' with states L, U, -, =, X";
const STATES = new Set<string>(["L", "U", "-", "=", "X"]);
const IDENT = /^[A-Za-z_]\w*$/;

/** Names a generated TypeScript parameter cannot have. */
const RESERVED = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends " +
    "false finally for function if import in instanceof new null return super switch this throw " +
    "true try typeof var void while with yield let static implements interface package private " +
    "protected public await arguments eval"
  ).split(" "),
);

interface PendingLock {
  op: string;
  arg: string;
  states: [LockState, LockState, LockState];
  line: number;
}

interface PendingNamei {
  op: string;
  arg: string;
  flags: string;
  line: number;
}

interface OpenOp {
  name: string;
  line: number;
  version: number | null;
  args: VopArg[];
}

/** Parse the whole of vnode_if.src. Throws VnodeIfError on the first problem. */
export function parseVnodeIf(text: string, file: string): VnodeIfSource {
  const fail = (line: number, detail: string): never => {
    throw new VnodeIfError(file, line, detail);
  };
  const lines = text.split(/\r?\n/);
  const ops: OpenOp[] = [];
  const seen = new Map<string, number>();
  const locks: PendingLock[] = [];
  const nameis: PendingNamei[] = [];
  let rcsid: string | null = null;
  let cur: OpenOp | null = null;

  for (let i = 0; i < lines.length; i++) {
    const no = i + 1;
    const raw = lines[i]!;
    const line = raw.trim();
    if (line === "") continue;

    if (line.startsWith("#%")) {
      const f = line.slice(2).trim().split(/\s+/);
      if (f.length !== 5 || !IDENT.test(f[0]!) || !IDENT.test(f[1]!)) {
        fail(no, `expected ${LOCK_SHAPE}, got '${line}'`);
      }
      for (const s of f.slice(2)) {
        if (!STATES.has(s)) fail(no, `unknown lock state '${s}': expected ${LOCK_SHAPE}`);
      }
      locks.push({
        op: f[0]!,
        arg: f[1]!,
        states: [f[2] as LockState, f[3] as LockState, f[4] as LockState],
        line: no,
      });
      continue;
    }
    if (line.startsWith("#!")) {
      const m = /^#!\s*([A-Za-z_]\w*)\s+([A-Za-z_]\w*)\s+(\S.*)$/.exec(line);
      if (m === null) fail(no, `expected '#! <op> <cnparg> <namei flags>', got '${line}'`);
      nameis.push({ op: m![1]!, arg: m![2]!, flags: m![3]!.trim().replace(/\s+/g, " "), line: no });
      continue;
    }
    if (line.startsWith("#")) {
      if (rcsid === null) {
        const m = /\$NetBSD:[^$]*\$/.exec(line);
        if (m !== null) rcsid = m[0];
      }
      continue;
    }

    if (cur === null) {
      const m = /^vop_(\w+)\s*\{$/.exec(line);
      if (m === null) {
        fail(no, `expected a comment, a '#%' or '#!' line, or 'vop_<name> {', got '${line}'`);
      }
      const name = m![1]!;
      if (!IDENT.test(name)) fail(no, `expected an identifier after 'vop_', got '${name}'`);
      if (name === "default") {
        fail(no, "vop_default is reserved (offset 0 is the default descriptor)");
      }
      const prev = seen.get(name);
      if (prev !== undefined) fail(no, `vop_${name} is already defined at line ${prev}`);
      seen.set(name, no);
      cur = { name, line: no, version: null, args: [] };
      continue;
    }

    // Inside vop_<name> { … }.
    if (line === "};") {
      closeOp(cur, no, fail);
      ops.push(cur);
      cur = null;
      continue;
    }
    if (/^vop_\w+\s*\{$/.test(line)) {
      fail(
        no,
        `expected '};' to close vop_${cur.name} (opened at line ${cur.line}), got '${line}'`,
      );
    }
    const ver = /^VERSION\b\s*(.*)$/.exec(line);
    if (ver !== null) {
      if (!/^[1-9]\d*$/.test(ver[1]!)) {
        fail(no, `expected 'VERSION <n>' with a positive integer, got '${line}'`);
      }
      if (cur.args.length > 0 || cur.version !== null) {
        fail(no, `VERSION must be the first line inside vop_${cur.name} { (line ${cur.line})`);
      }
      cur.version = Number(ver[1]);
      continue;
    }
    cur.args.push(parseArg(line, no, cur, fail));
  }

  if (cur !== null) {
    fail(
      lines.length,
      `unexpected end of file: expected '};' to close vop_${cur.name} (opened at line ${cur.line})`,
    );
  }
  if (ops.length === 0) fail(lines.length, "expected at least one 'vop_<name> { … };' block");

  return { rcsid, ops: attach(ops, locks, nameis, fail) };
}

function parseArg(
  line: string,
  no: number,
  op: OpenOp,
  fail: (line: number, detail: string) => never,
): VopArg {
  const toks = line.split(/\s+/);
  let k = 0;
  const dir = toks[k];
  if (dir !== "IN" && dir !== "OUT" && dir !== "INOUT") {
    fail(no, `expected an argument '${ARG_SHAPE}' or '};' in vop_${op.name}, got '${line}'`);
  }
  k++;
  let locked: boolean | null = null;
  if (toks[k]?.startsWith("LOCKED")) {
    if (toks[k] === "LOCKED=YES") locked = true;
    else if (toks[k] === "LOCKED=NO") locked = false;
    else fail(no, `expected LOCKED=YES or LOCKED=NO, got '${toks[k]}'`);
    k++;
  }
  let will: VopArg["will"] = null;
  if (toks[k] === "WILLRELE") will = "RELE";
  else if (toks[k] === "WILLUNLOCK") will = "UNLOCK";
  else if (toks[k] === "WILLPUT") will = "PUT";
  if (will !== null) k++;
  let willmake = false;
  if (toks[k] === "WILLMAKE") {
    willmake = true;
    k++;
  }
  const rest = toks.slice(k);
  const stray = rest.find((t) => /^[A-Z][A-Z=]+$/.test(t));
  if (stray !== undefined) {
    fail(no, `keyword '${stray}' unknown or out of order: expected ${ARG_SHAPE}`);
  }
  const decl = rest.join(" ");
  if (!decl.endsWith(";")) fail(no, `expected ';' at the end of the argument, got '${line}'`);
  const m = /^(.*?)\s*(\**)\s*([A-Za-z_]\w*)\s*;$/.exec(decl);
  if (m === null || m[1] === "") {
    fail(no, `expected '<type> <name>;' after the keywords: ${ARG_SHAPE}, got '${line}'`);
  }
  const base = m![1]!.replace(/\s*\*\s*/g, " *").trim();
  const stars = m![2]!;
  const name = m![3]!;
  const ctype = stars === "" ? base : `${base} ${stars}`.replace(/\* \*/g, "**");
  if (RESERVED.has(name)) fail(no, `argument name '${name}' is a reserved word in TypeScript`);
  if (op.args.some((a) => a.name === name)) {
    fail(no, `argument '${name}' appears twice in vop_${op.name}`);
  }
  if ((locked !== null || will !== null) && ctype !== VNODE_TYPE) {
    fail(no, `LOCKED=/WILLRELE/WILLUNLOCK/WILLPUT apply only to '${VNODE_TYPE}', not '${ctype}'`);
  }
  if (willmake && ctype !== VNODEPP_TYPE) {
    fail(no, `WILLMAKE applies only to '${VNODEPP_TYPE}', not '${ctype}'`);
  }
  return { name, ctype, dir: dir!, locked, will, willmake, line: no };
}

function closeOp(op: OpenOp, no: number, fail: (line: number, detail: string) => never): void {
  const first = op.args[0];
  if (first === undefined) {
    fail(no, `vop_${op.name} has no arguments: expected at least 'IN ${VNODE_TYPE}<name>;'`);
  }
  if (first!.ctype !== VNODE_TYPE) {
    fail(
      first!.line,
      `the first argument of vop_${op.name} must be '${VNODE_TYPE}' (dispatch goes through ` +
        `its operation vector), got '${first!.ctype}'`,
    );
  }
  const flagged = op.args.filter((a) => a.will !== null);
  if (flagged.length > 4) {
    fail(flagged[4]!.line, `at most 4 WILLRELE/WILLUNLOCK/WILLPUT arguments per op (VDESC_VP0…3)`);
  }
}

function attach(
  open: OpenOp[],
  locks: PendingLock[],
  nameis: PendingNamei[],
  fail: (line: number, detail: string) => never,
): Vop[] {
  const byName = new Map(open.map((o) => [o.name, o]));
  const opLocks = new Map<string, VopLock[]>();
  const opNamei = new Map<string, VopNamei[]>();
  for (const l of locks) {
    const op = byName.get(l.op);
    if (op === undefined) fail(l.line, `'#% ${l.op}' names no op: expected a vop_${l.op} block`);
    const index = op!.args.findIndex((a) => a.name === l.arg);
    const arg = op!.args[index];
    const [entry, success, error] = l.states;
    if (arg === undefined || (arg.ctype !== VNODE_TYPE && arg.ctype !== VNODEPP_TYPE)) {
      if (entry === "-" && success === "-" && error === "-") continue;
      fail(
        l.line,
        `'#% ${l.op} ${l.arg}': expected a '${VNODE_TYPE}' or '${VNODEPP_TYPE}' argument of ` +
          `vop_${l.op} (lock states of anything else must be '- - -')`,
      );
    }
    if (arg!.ctype === VNODEPP_TYPE && entry !== "-") {
      fail(l.line, `'#% ${l.op} ${l.arg}': expected entry state '-' (*${l.arg} is made by the op)`);
    }
    if (index === 0 && entry === "X") {
      fail(l.line, `'#% ${l.op} ${l.arg}': the dispatch vnode cannot be NULL (state X)`);
    }
    const list = opLocks.get(l.op) ?? [];
    if (list.some((x) => x.arg === l.arg)) {
      fail(l.line, `second '#% ${l.op} ${l.arg}' line: expected one per argument`);
    }
    list.push({ arg: l.arg, index, entry, success, error, line: l.line });
    opLocks.set(l.op, list);
  }
  for (const n of nameis) {
    const op = byName.get(n.op);
    if (op === undefined) fail(n.line, `'#! ${n.op}' names no op: expected a vop_${n.op} block`);
    const index = op!.args.findIndex((a) => a.name === n.arg);
    if (index < 0 || op!.args[index]!.ctype !== CNP_TYPE) {
      fail(n.line, `'#! ${n.op} ${n.arg}': expected a '${CNP_TYPE}' argument of vop_${n.op}`);
    }
    const list = opNamei.get(n.op) ?? [];
    if (list.some((x) => x.arg === n.arg)) {
      fail(n.line, `second '#! ${n.op} ${n.arg}' line: expected one per argument`);
    }
    list.push({ arg: n.arg, index, flags: n.flags, line: n.line });
    opNamei.set(n.op, list);
  }
  return open.map((o, i) => ({
    name: o.name,
    offset: i + 1,
    version: o.version,
    args: o.args,
    locks: (opLocks.get(o.name) ?? []).sort((a, b) => a.index - b.index),
    namei: (opNamei.get(o.name) ?? []).sort((a, b) => a.index - b.index),
    line: o.line,
  }));
}
