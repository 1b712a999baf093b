/**
 * Parser for NetBSD's sys/kern/syscalls.master (the grammar of
 * makesyscalls.sh; shared/spec/syscalls.md §1–2).
 *
 * The whole file is parsed into a rich model: every entry (with its
 * prototype, flags, derived names and the #if conditions it sits under), the
 * preamble and the RCS id. Generators pick what they need from the model.
 * Malformed input raises a GenError naming file, line and what was expected.
 */
import { GenError } from "./common.js";

/** Entry types of syscalls.master (COMPAT_xx is normalised to "COMPAT"). */
export type EntryType =
  | "STD"
  | "NOERR"
  | "NODEF"
  | "NOARGS"
  | "INDIR"
  | "EXTERN"
  | "COMPAT"
  | "OBSOL"
  | "UNIMPL"
  | "EXCL"
  | "IGNORED";

/** Compat options known to syscalls.conf (COMPAT_<xx>). */
export const COMPAT_OPTIONS: readonly string[] = [
  "43",
  "09",
  "10",
  "11",
  "12",
  "13",
  "14",
  "15",
  "16",
  "20",
  "30",
  "40",
  "50",
  "60",
  "70",
];

const PROTO_TYPES = new Set<string>(["STD", "NOERR", "NODEF", "NOARGS", "INDIR", "EXTERN"]);
const COMMENT_TYPES = new Set<string>(["OBSOL", "UNIMPL", "EXCL", "IGNORED"]);

/** sy_flags bits (sys/systm.h). */
export const SYCALL_INDIRECT = 0x0000002;
export const SYCALL_NARGS64_MASK = 0x000f000;
export const SYCALL_RET_64 = 0x0010000;
export const SYCALL_ARG0_64 = 0x0020000;
export const SYCALL_NOSYS = 0x2000000;
export const SYCALL_ARG_PTR = 0x4000000;

/** One argument slot of a prototype. */
export interface SyscallArg {
  /** C type, tokens joined as makesyscalls.sh does ("const struct timespec *") */
  readonly type: string;
  readonly name: string;
  /** a padding slot: in the argument structure, absent from the C interface */
  readonly isPad: boolean;
  /** after `...`: in the argument structure, shown as `...` in the C stub */
  readonly variadic: boolean;
}

/** The `{ ret|prefix|compat|basename(args); }` part of an entry. */
export interface Prototype {
  readonly ret: string;
  readonly prefix: string;
  /** compat version digits ("50" in `int|sys|50|stat`), "" if none */
  readonly compat: string;
  readonly basename: string;
  readonly args: readonly SyscallArg[];
  /** true when the argument list contains `...` */
  readonly isVarargs: boolean;
}

/** One open #if/#ifdef/#ifndef around an entry, and the branch it is in. */
export interface Condition {
  /** the directive line, e.g. "#if !defined(_LP64)" */
  readonly directive: string;
  readonly line: number;
  /** "if" = the entry is in the first branch, "else" = after #else */
  readonly branch: "if" | "else";
}

/** Names derived from an entry (spec §2, §5.3). */
export interface DerivedNames {
  /** C handler: sys_read, sys___stat50 */
  readonly funcname: string;
  /** "funcalias": the alias, or funcname without the leading …sys_ */
  readonly syscallName: string;
  /** "compat_50_" for COMPAT_50 entries, else "" */
  readonly compatWrap: string;
  /** SYS_<compatWrap><syscallName>, or null when the type defines no number */
  readonly sysConst: string | null;
  /** struct <compatWrap><funcname>_args */
  readonly argsStruct: string;
  /** alias if given, else basename */
  readonly realname: string;
  /** rump___sysimpl_<realname><compat> */
  readonly stubSymbol: string;
  /** RUMP_SYS_RENAME_<BASENAME> */
  readonly renameKey: string;
  /** name in syscallnames[]: <compatWrap><syscallName> */
  readonly namesEntry: string;
  /** altsyscallnames[] entry (libc-style name) or null */
  readonly altName: string | null;
  /** key in the kernel's SyscallHandlers: the C handler name (<compatWrap><funcname>) */
  readonly handlerKey: string;
}

export interface SyscallEntry {
  /** first physical line of the (possibly continued) entry, 1-based */
  readonly line: number;
  readonly number: number;
  readonly type: EntryType;
  /** the type as written: "STD", "COMPAT_50", … */
  readonly typeToken: string;
  /** "50" for COMPAT_50, else "" */
  readonly compatOption: string;
  /** INDIR given after the type ("NOARGS INDIR") or as the type */
  readonly indir: boolean;
  readonly modular: boolean;
  readonly modname: string | null;
  readonly rump: boolean;
  readonly alias: string | null;
  /** free text after OBSOL/UNIMPL/EXCL/IGNORED */
  readonly comment: string | null;
  readonly proto: Prototype | null;
  readonly names: DerivedNames | null;
  /** sy_flags as makesyscalls.sh computes them (without SYCALL_NOSYS) */
  readonly flags: number;
  /** number of argument slots (PAD included): sy_narg on LP64 */
  readonly narg: number;
  readonly conditions: readonly Condition[];
}

export interface SyscallsMaster {
  readonly file: string;
  /** the RCS id line ($NetBSD: syscalls.master,v 1.285 …) */
  readonly rcsid: string;
  /** `#` lines before %% (includes and options) */
  readonly preamble: readonly string[];
  /** every entry, both branches of #if/#else included, in file order */
  readonly entries: readonly SyscallEntry[];
  /** last number + 1 (SYS_MAXSYSCALL) */
  readonly maxSyscall: number;
}

interface LogicalLine {
  readonly text: string;
  readonly line: number;
}

/** Join `\`-continued lines (the backslash and newline vanish, as in the sed script). */
function logicalLines(text: string, file: string): LogicalLine[] {
  const phys = text.split("\n");
  if (phys.length > 0 && phys[phys.length - 1] === "") phys.pop();
  const out: LogicalLine[] = [];
  for (let i = 0; i < phys.length; i++) {
    const start = i + 1;
    let cur = phys[i]!.replace(/\r$/, "");
    while (cur.endsWith("\\")) {
      i++;
      if (i >= phys.length)
        throw new GenError(file, start, "expected a line after the continuation '\\' (file ends)");
      cur = cur.slice(0, -1) + phys[i]!.replace(/\r$/, "");
    }
    out.push({ text: cur, line: start });
  }
  return out;
}

/** Split an entry line into tokens: spaces around { } ( ) * , | as makesyscalls.sh's sed inserts. */
export function tokenize(line: string): string[] {
  return line
    .replace(/([{}()*,|])/g, " $1 ")
    .split(/\s+/)
    .filter((t) => t !== "");
}

/** Join type tokens: a space between tokens, none after "*" ("char *const *"). */
function joinType(tokens: readonly string[]): string {
  let s = "";
  let prev = "";
  for (const t of tokens) {
    if (s !== "" && prev !== "*") s += " ";
    s += t;
    prev = t;
  }
  return s;
}

const ALIAS_RE = /^[a-z0-9_]*$/;
const IDENT_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ARGNAME_RE = /^[A-Za-z_][A-Za-z0-9_]*(\[[A-Za-z0-9_]+\])?$/;
const TYPES_64 = new Set(["quad_t", "off_t", "dev_t", "time_t"]);
const ALIGNED_64 = new Set(["off_t", "dev_t", "time_t"]);

/** Parse the text of syscalls.master. `file` is used in error messages. */
export function parseSyscallsMaster(text: string, file = "syscalls.master"): SyscallsMaster {
  const lines = logicalLines(text, file);
  if (lines.length === 0) throw new GenError(file, 1, "expected the RCS id line (file is empty)");
  const rcsid = lines[0]!.text.replace(/\$/g, "").trim();
  const preamble: string[] = [];
  const entries: SyscallEntry[] = [];
  let inTable = false;
  let counter = 0;
  /** open conditionals: saved counter, directive, branch */
  const condStack: { saved: number; directive: string; line: number; branch: "if" | "else" }[] = [];

  for (let li = 1; li < lines.length; li++) {
    const { text: raw, line } = lines[li]!;
    const trimmed = raw.trim();
    if (trimmed === "" || trimmed.startsWith(";")) continue;
    if (trimmed === "%%") {
      if (inTable) throw new GenError(file, line, "expected a single '%%' (a second one found)");
      inTable = true;
      continue;
    }
    if (trimmed.startsWith("#")) {
      if (!inTable) {
        preamble.push(raw);
        continue;
      }
      if (/^#\s*include\b/.test(trimmed)) continue;
      if (/^#\s*if/.test(trimmed)) {
        condStack.push({ saved: counter, directive: trimmed, line, branch: "if" });
      } else if (/^#\s*else\b/.test(trimmed)) {
        const top = condStack[condStack.length - 1];
        if (top === undefined)
          throw new GenError(file, line, "expected #if before #else (unbalanced #else)");
        if (top.branch === "else")
          throw new GenError(file, line, "expected #endif (second #else for one #if)");
        top.branch = "else";
        counter = top.saved;
      } else if (/^#\s*endif\b/.test(trimmed)) {
        if (condStack.pop() === undefined)
          throw new GenError(file, line, "expected #if before #endif (unbalanced #endif)");
      } else if (/^#\s*(elif|define|undef|error|warning|pragma)\b/.test(trimmed)) {
        // copied to the C outputs by makesyscalls.sh; nothing to model
        if (/^#\s*elif\b/.test(trimmed))
          throw new GenError(file, line, "expected #else or #endif (#elif is not supported)");
      } else {
        throw new GenError(
          file,
          line,
          `expected a preprocessor directive, got '${trimmed.split(/\s+/)[0]}'`,
        );
      }
      continue;
    }
    if (!inTable) throw new GenError(file, line, "expected '%%' before the first entry");
    const conditions: Condition[] = condStack.map((c) => ({
      directive: c.directive,
      line: c.line,
      branch: c.branch,
    }));
    const entry = parseEntry(raw, line, file, conditions);
    if (entry.number !== counter) {
      throw new GenError(
        file,
        line,
        `syscall number out of sync: expected ${counter}, got ${entry.number}`,
      );
    }
    entries.push(entry);
    counter++;
  }
  const open = condStack[condStack.length - 1];
  if (open !== undefined)
    throw new GenError(file, open.line, `expected #endif for '${open.directive}' (file ends)`);
  if (!inTable) throw new GenError(file, lines.length, "expected '%%' (no syscall table found)");
  return { file, rcsid, preamble, entries, maxSyscall: counter };
}

function parseEntry(
  raw: string,
  line: number,
  file: string,
  conditions: Condition[],
): SyscallEntry {
  const fail = (what: string): never => {
    throw new GenError(file, line, what);
  };
  const head = raw.trim().split(/\s+/);
  const numTok = head[0]!;
  if (!/^\d+$/.test(numTok)) fail(`expected a syscall number, got '${numTok}'`);
  const number = Number(numTok);
  const typeToken = head[1];
  if (typeToken === undefined) fail("expected a syscall type after the number");
  const tt = typeToken!;

  if (COMMENT_TYPES.has(tt)) {
    const comment = raw.trim().split(/\s+/).slice(2).join(" ");
    return {
      line,
      number,
      type: tt as EntryType,
      typeToken: tt,
      compatOption: "",
      indir: false,
      modular: false,
      modname: null,
      rump: false,
      alias: null,
      comment: comment === "" ? null : comment,
      proto: null,
      names: null,
      flags: 0,
      narg: 0,
      conditions,
    };
  }

  let type: EntryType;
  let compatOption = "";
  const cm = /^COMPAT_(\w+)$/.exec(tt);
  if (cm !== null) {
    if (!COMPAT_OPTIONS.includes(cm[1]!))
      fail(`expected a known compat option (COMPAT_${COMPAT_OPTIONS.join("/")}), got '${tt}'`);
    type = "COMPAT";
    compatOption = cm[1]!;
  } else if (PROTO_TYPES.has(tt)) {
    type = tt as EntryType;
  } else {
    fail(
      `expected a syscall type (STD, NOERR, NODEF, NOARGS, INDIR, EXTERN, COMPAT_xx, OBSOL, UNIMPL, EXCL, IGNORED), got '${tt}'`,
    );
    throw new Error("unreachable");
  }

  const tok = tokenize(raw);
  let f = 2;
  let end = tok.length - 1;
  let alias: string | null = null;
  let indir = type === "INDIR";
  if (tok[end] !== "}") {
    const a = tok[end]!;
    if (!ALIAS_RE.test(a))
      fail(`expected '}' or an alias ([a-z0-9_]*) at the end of the entry, got '${a}'`);
    alias = a;
    end--;
  }
  if (tok[f] === "INDIR") {
    indir = true;
    f++;
  }
  let modular = false;
  let modname: string | null = null;
  if (tok[f] === "MODULAR") {
    modular = true;
    f++;
    const m = tok[f];
    if (m === undefined || m === "{" || !IDENT_RE.test(m))
      fail(`expected a module name after MODULAR, got '${m ?? "end of line"}'`);
    modname = m!;
    f++;
  }
  let rump = false;
  if (tok[f] === "RUMP") {
    rump = true;
    f++;
  }
  if (tok[f] !== undefined && tok[f] !== "{" && ALIAS_RE.test(tok[f]!)) {
    if (alias !== null)
      fail(`expected one alias, got '${tok[f]}' before '{' and '${alias}' after '}'`);
    alias = tok[f]!;
    f++;
  }
  if (tok[f] !== "{") fail(`expected '{', got '${tok[f] ?? "end of line"}'`);
  f++;
  if (tok[end] !== "}") fail(`expected '}' at the end of the prototype, got '${tok[end]}'`);
  end--;
  if (tok[end] !== ";") fail(`expected ';' before '}', got '${tok[end]}'`);
  end--;
  if (tok[end] !== ")") fail(`expected ')' before ';', got '${tok[end]}'`);
  // tok[f..end-1] = ret | prefix | compat | basename ( args   (end points at ")")

  const retToks: string[] = [];
  while (f < end && tok[f] !== "|" && tok[f] !== "(") retToks.push(tok[f++]!);
  if (retToks.length === 0) fail("expected a return type after '{'");
  if (tok[f] !== "|") fail(`expected '|' after return type, got '${tok[f]}'`);
  f++;
  const prefix = tok[f];
  if (prefix === undefined || !IDENT_RE.test(prefix))
    fail(`expected a prefix (e.g. 'sys') after '|', got '${prefix}'`);
  f++;
  if (tok[f] !== "|") fail(`expected '|' after prefix, got '${tok[f]}'`);
  f++;
  let compat = "";
  if (tok[f] !== "|") {
    compat = tok[f]!;
    if (!/^\d+$/.test(compat))
      fail(`expected '|' or a compat version (digits) after '${prefix}|', got '${compat}'`);
    f++;
  }
  if (tok[f] !== "|") fail(`expected '|' after compat version, got '${tok[f]}'`);
  f++;
  const basename = tok[f];
  if (basename === undefined || !IDENT_RE.test(basename))
    fail(`expected a syscall name after '|', got '${basename}'`);
  f++;
  if (tok[f] !== "(") fail(`expected '(' after syscall name '${basename}', got '${tok[f]}'`);
  f++;

  const argToks = tok.slice(f, end);
  const args: SyscallArg[] = [];
  let isVarargs = false;
  if (argToks.length === 0) fail("expected an argument list or 'void' between '(' and ')'");
  if (!(argToks.length === 1 && argToks[0] === "void")) {
    const groups: string[][] = [[]];
    for (const t of argToks) {
      if (t === ",") groups.push([]);
      else groups[groups.length - 1]!.push(t);
    }
    let variadic = false;
    for (const g of groups) {
      let gt = g;
      if (gt[0] === "...") {
        if (variadic) fail("expected one '...' per argument list");
        variadic = true;
        isVarargs = true;
        gt = gt.slice(1);
      }
      if (gt.length === 0)
        fail(
          variadic && g.length === 1
            ? "expected an argument after '...'"
            : "expected an argument between commas",
        );
      if (gt.length < 2) fail(`expected argument type and name, got '${gt.join(" ")}'`);
      const name = gt[gt.length - 1]!;
      if (!ARGNAME_RE.test(name)) fail(`expected an argument name, got '${name}'`);
      if (gt.includes("...")) fail("expected '...' only at the start of an argument");
      args.push({ type: joinType(gt.slice(0, -1)), name, isPad: name === "PAD", variadic });
    }
  }

  const ret = joinType(retToks);
  const funcname = compat !== "" ? `${prefix}___${basename}${compat}` : `${prefix}_${basename}`;

  // sy_flags and the alignment rule, as makesyscalls.sh computes them
  let flags = indir ? SYCALL_INDIRECT : 0;
  if (ret === "quad_t" || ret === "off_t") flags |= SYCALL_RET_64;
  let argalign = 0;
  let args64 = 0;
  let ptr = false;
  args.forEach((a, i) => {
    if (ALIGNED_64.has(a.type)) {
      if (argalign % 2 !== 0 && funcname !== "sys_posix_fadvise") {
        fail(
          `expected a padding argument before '${a.type} ${a.name}' (64-bit argument at an odd slot)`,
        );
      }
    } else {
      argalign++;
    }
    if (TYPES_64.has(a.type)) {
      flags |= SYCALL_ARG0_64 << i;
      args64++;
    }
    if (a.type.includes("*")) ptr = true;
  });
  if (ptr) flags |= SYCALL_ARG_PTR;
  flags |= args64 << 12;

  const proto: Prototype = { ret, prefix: prefix!, compat, basename: basename!, args, isVarargs };
  const names = deriveNames(type, compatOption, proto, alias, funcname);
  return {
    line,
    number,
    type,
    typeToken: tt,
    compatOption,
    indir,
    modular,
    modname,
    rump,
    alias,
    comment: null,
    proto,
    names,
    flags,
    narg: args.length,
    conditions,
  };
}

function deriveNames(
  type: EntryType,
  compatOption: string,
  p: Prototype,
  alias: string | null,
  funcname: string,
): DerivedNames {
  const syscallName = alias ?? funcname.replace(/^([^_]+_)*sys_/, "");
  const realname = alias ?? p.basename;
  const compatWrap = type === "COMPAT" ? `compat_${compatOption}_` : "";
  const hasConst =
    type === "STD" ||
    type === "NOERR" ||
    type === "NOARGS" ||
    type === "INDIR" ||
    type === "COMPAT" ||
    type === "EXTERN";
  return {
    funcname,
    syscallName,
    compatWrap,
    sysConst: hasConst ? `SYS_${compatWrap}${syscallName}` : null,
    argsStruct: `struct ${compatWrap}${funcname}_args`,
    realname,
    stubSymbol: `rump___sysimpl_${realname}${p.compat}`,
    renameKey: `RUMP_SYS_RENAME_${p.basename.toUpperCase()}`,
    namesEntry: `${compatWrap}${syscallName}`,
    altName: compatWrap !== "" || p.basename === syscallName ? null : p.basename,
    handlerKey: `${compatWrap}${funcname}`,
  };
}

/* ------------------------------------------------------------------------ */
/* Conditions                                                                */

/**
 * The configuration #if lines are evaluated against: a 64-bit userland view
 * (_LP64 defined; _KERNEL_OPT and NTP undefined), which is what rump clients
 * and the TypeScript kernel see.
 */
export const DEFAULT_DEFINES: ReadonlySet<string> = new Set(["_LP64"]);

/** Evaluate a #if/#ifdef/#ifndef directive line under `defines`. */
export function evalDirective(directive: string, defines: ReadonlySet<string>): boolean {
  const m = /^#\s*(ifdef|ifndef|if)\s+(.*)$/.exec(directive.trim());
  if (m === null) throw new Error(`not a conditional: ${directive}`);
  const kind = m[1]!;
  const rest = m[2]!.replace(/\/\*.*?\*\//g, "").trim();
  if (kind === "ifdef") return defines.has(rest);
  if (kind === "ifndef") return !defines.has(rest);
  return evalExpr(rest, defines) !== 0;
}

function evalExpr(src: string, defines: ReadonlySet<string>): number {
  const toks = src.match(/defined|\|\||&&|==|!=|[()!]|[A-Za-z_]\w*|\d+/g) ?? [];
  let i = 0;
  const peek = (): string | undefined => toks[i];
  const next = (): string => {
    const t = toks[i++];
    if (t === undefined) throw new Error(`unexpected end of #if expression '${src}'`);
    return t;
  };
  const primary = (): number => {
    const t = next();
    if (t === "!") return primary() === 0 ? 1 : 0;
    if (t === "(") {
      const v = or();
      if (next() !== ")") throw new Error(`expected ')' in '${src}'`);
      return v;
    }
    if (t === "defined") {
      let id = next();
      if (id === "(") {
        id = next();
        if (next() !== ")") throw new Error(`expected ')' in '${src}'`);
      }
      return defines.has(id) ? 1 : 0;
    }
    if (/^\d+$/.test(t)) return Number(t);
    return defines.has(t) ? 1 : 0;
  };
  const eq = (): number => {
    let v = primary();
    while (peek() === "==" || peek() === "!=") {
      const op = next();
      const r = primary();
      v = op === "==" ? Number(v === r) : Number(v !== r);
    }
    return v;
  };
  const and = (): number => {
    let v = eq();
    while (peek() === "&&") {
      next();
      const r = eq();
      v = v !== 0 && r !== 0 ? 1 : 0;
    }
    return v;
  };
  const or = (): number => {
    let v = and();
    while (peek() === "||") {
      next();
      const r = and();
      v = v !== 0 || r !== 0 ? 1 : 0;
    }
    return v;
  };
  const v = or();
  if (i !== toks.length) throw new Error(`trailing tokens in #if expression '${src}'`);
  return v;
}

/** Is `e` compiled in under `defines` (every enclosing condition holds for its branch)? */
export function isActive(e: SyscallEntry, defines: ReadonlySet<string> = DEFAULT_DEFINES): boolean {
  for (const c of e.conditions) {
    const v = evalDirective(c.directive, defines);
    if (v !== (c.branch === "if")) return false;
  }
  return true;
}

/** The entries compiled in under `defines`: exactly one per number 0 … maxSyscall-1. */
export function activeEntries(
  m: SyscallsMaster,
  defines: ReadonlySet<string> = DEFAULT_DEFINES,
): SyscallEntry[] {
  const out = m.entries.filter((e) => isActive(e, defines));
  out.forEach((e, i) => {
    if (e.number !== i)
      throw new GenError(
        m.file,
        e.line,
        `expected exactly one active entry for syscall ${i} under the configuration`,
      );
  });
  return out;
}

/* ------------------------------------------------------------------------ */
/* Public rump names (§5.3)                                                  */

/** The public-name assignment of the RUMP entries. */
export interface RumpNames {
  /** RUMP entries in number order (pipe included) */
  readonly rumpEntries: readonly SyscallEntry[];
  /** entry number → public C name (rump_sys_stat) for the entry RENAME points to */
  readonly publicName: ReadonlyMap<number, string>;
  /** entry number → the entry whose prototype the C header prints for that public name */
  readonly protoEntry: ReadonlyMap<number, SyscallEntry>;
  /** RENAME key → stub symbol of the last RUMP entry with that base name */
  readonly renames: ReadonlyMap<string, string>;
}

/**
 * Apply makesyscalls.sh's rules: per base name, RUMP_SYS_RENAME_<BASE> points
 * at the stub of the last RUMP entry with that base name; the prototype (and
 * so the public name rump_sys_<realname>) comes from the first such entry —
 * for mknod from the second. `pipe` is hand-made: rump_sys_pipe.
 */
export function rumpNames(active: readonly SyscallEntry[]): RumpNames {
  const rumpEntries = active.filter((e) => e.rump && e.proto !== null);
  const lastByBase = new Map<string, SyscallEntry>();
  const protoByBase = new Map<string, SyscallEntry>();
  const seen = new Map<string, number>();
  for (const e of rumpEntries) {
    const base = e.proto!.basename;
    if (base === "pipe") continue;
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    lastByBase.set(base, e);
    if ((n === 0 && base !== "mknod") || (n === 1 && base === "mknod")) protoByBase.set(base, e);
  }
  const publicName = new Map<number, string>();
  const protoEntry = new Map<number, SyscallEntry>();
  const renames = new Map<string, string>();
  for (const [base, last] of lastByBase) {
    renames.set(last.names!.renameKey, last.names!.stubSymbol);
    const pe = protoByBase.get(base) ?? last;
    publicName.set(last.number, `rump_sys_${pe.names!.realname}`);
    protoEntry.set(last.number, pe);
  }
  for (const e of rumpEntries) {
    if (e.proto!.basename === "pipe") {
      publicName.set(e.number, "rump_sys_pipe");
      protoEntry.set(e.number, e);
    }
  }
  return { rumpEntries, publicName, protoEntry, renames };
}

/** A C declaration `type name` ("void *buf", "int fd"). */
export function cDecl(type: string, name: string): string {
  return type.endsWith("*") ? `${type}${name}` : `${type} ${name}`;
}

/** The C prototype as syscalls.master writes it: `int open(const char *path, int flags, ... mode_t mode)`. */
export function cPrototype(e: SyscallEntry): string {
  const p = e.proto!;
  let sawVariadic = false;
  const parts = p.args.map((a) => {
    const dots = a.variadic && !sawVariadic ? "... " : "";
    if (a.variadic) sawVariadic = true;
    return dots + cDecl(a.type, a.name);
  });
  return `${cDecl(p.ret, e.names!.syscallName)}(${parts.length === 0 ? "void" : parts.join(", ")})`;
}
