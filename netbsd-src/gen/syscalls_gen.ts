/**
 * syscalls.master → TypeScript:
 *
 * - packages/librump/src/gen/syscall.ts   SYS_* numbers, syscallnames[]
 * - packages/librump/src/gen/sysent.ts    SyscallHandlers, Sysent, sysent_init()
 * - packages/rump-syscalls/src/gen/rump_syscalls.ts  RumpSyscalls, createSyscalls()
 * - packages/rump-syscalls/src/gen/rump_sys.ts       plain rump_sys_* on the default kernel
 * - packages/rump-syscalls/src/gen/sysnum.ts         re-export of the SYS_* numbers
 * - packages/rump-syscalls/README.md, regions "typemap" and "raw-stubs"
 *
 * The kernel handler signatures and the public stubs come from the same
 * type table (typemap.ts), so both sides agree on every argument position.
 */
import { generatedHeader, type GenInput, type GenOutput } from "./common.js";
import {
  activeEntries,
  cPrototype,
  parseSyscallsMaster,
  rumpNames,
  SYCALL_ARG0_64,
  SYCALL_ARG_PTR,
  SYCALL_INDIRECT,
  SYCALL_NARGS64_MASK,
  SYCALL_NOSYS,
  SYCALL_RET_64,
  type SyscallEntry,
  type SyscallsMaster,
} from "./syscalls_parse.js";
import {
  planArgs,
  returnTsType,
  TYPE_RULES,
  tsIdent,
  uncompatType,
  type ArgPlan,
  type CArg,
} from "./typemap.js";

export const GENERATOR = "syscalls_gen";
export const SYS_NSYSENT = 512;
export const SYS_MAXSYSARGS = 8;

export const OUT = {
  syscall: "packages/librump/src/gen/syscall.ts",
  sysent: "packages/librump/src/gen/sysent.ts",
  stubs: "packages/rump-syscalls/src/gen/rump_syscalls.ts",
  plain: "packages/rump-syscalls/src/gen/rump_sys.ts",
  sysnum: "packages/rump-syscalls/src/gen/sysnum.ts",
  readme: "packages/rump-syscalls/README.md",
} as const;

/** Types of @rump/librump that generated signatures may mention, and their modules inside librump. */
const LIBRUMP_TYPES: ReadonlyArray<readonly [string, string]> = [
  ["Flock", "../sys/flock.js"],
  ["Out", "../sys/out.js"],
  ["Rlimit", "../sys/resource.js"],
  ["Stat", "../sys/stat.js"],
  ["Statvfs", "../sys/stat.js"],
  ["Timespec", "../sys/time.js"],
  ["Timeval", "../sys/time.js"],
];

/** A final public parameter. */
interface Param {
  readonly name: string;
  readonly type: string;
  readonly optional: boolean;
  readonly default: string | null;
}

/** Everything needed to print one stub. */
export interface Stub {
  readonly entry: SyscallEntry;
  /** exported name: rump_sys_stat, or rump___sysimpl_stat30 when the public name belongs to a newer entry */
  readonly fnName: string;
  readonly isPublic: boolean;
  /** syscall name in RumpError (the C realname: "stat", "getpid") */
  readonly errName: string;
  readonly params: readonly Param[];
  readonly returnType: string;
  readonly plans: readonly ArgPlan[];
  /** kernel handler parameters (name, type) in wire order */
  readonly kernelParams: readonly (readonly [string, string])[];
  readonly raw: boolean;
}

/** C arguments as the type table sees them: PAD dropped, compat types translated. */
export function cArgs(e: SyscallEntry): CArg[] {
  return e
    .proto!.args.filter((a) => !a.isPad)
    .map((a) => ({
      type: uncompatType(a.type),
      name: a.name,
      id: tsIdent(a.name),
      variadic: a.variadic,
    }));
}

function finalParams(plans: readonly ArgPlan[]): Param[] {
  const flat = plans.flatMap((p) => p.params);
  const out: Param[] = [];
  let trailing = true;
  for (let i = flat.length - 1; i >= 0; i--) {
    const p = flat[i]!;
    const canOmit = p.default !== undefined || p.optional === true;
    const optional = trailing && canOmit;
    if (!optional) trailing = false;
    out.unshift({
      name: p.name,
      type: p.type,
      optional,
      default: optional && p.default !== undefined ? p.default : null,
    });
  }
  return out;
}

/** Build the stub model for every RUMP entry. */
export function buildStubs(m: SyscallsMaster): Stub[] {
  const active = activeEntries(m);
  const rn = rumpNames(active);
  const stubs: Stub[] = [];
  for (const e of rn.rumpEntries) {
    const n = e.names!;
    const pub = rn.publicName.get(e.number);
    const args = cArgs(e);
    const plans = planArgs(e.proto!.basename, args);
    const results = plans.filter((p) => p.result !== undefined);
    if (results.length > 1)
      throw new Error(`${m.file}:${e.line}: two returned out-arguments in ${n.syscallName}`);
    let returnType: string;
    if (e.proto!.basename === "pipe") returnType = "[number, number]";
    else if (results[0] !== undefined) returnType = results[0].result!.type;
    else returnType = returnTsType(e.proto!.ret);
    const kernelParams: [string, string][] = [];
    let wi = 0;
    for (const p of plans) {
      for (const w of p.wire) {
        const a = args[wi++]!;
        kernelParams.push([a.id, w.kernelType]);
      }
    }
    for (const [name] of kernelParams)
      if (name === "l")
        throw new Error(`${m.file}:${e.line}: argument name 'l' clashes with the handler's lwp`);
    stubs.push({
      entry: e,
      fnName: pub ?? n.stubSymbol,
      isPublic: pub !== undefined,
      errName: n.realname,
      params: finalParams(plans),
      returnType,
      plans,
      kernelParams,
      raw: plans.some((p) => p.raw === true),
    });
  }
  return stubs;
}

/* ------------------------------------------------------------------------ */
/* printing helpers                                                          */

const hex = (n: number): string => (n === 0 ? "0" : `0x${n.toString(16)}`);

function flagsExpr(flags: number): string {
  const parts: string[] = [];
  if (flags & SYCALL_INDIRECT) parts.push("SYCALL_INDIRECT");
  if (flags & SYCALL_RET_64) parts.push("SYCALL_RET_64");
  for (let i = 0; i < 8; i++) if (flags & (SYCALL_ARG0_64 << i)) parts.push(`SYCALL_ARG${i}_64`);
  const n64 = (flags & SYCALL_NARGS64_MASK) >> 12;
  if (n64 !== 0) parts.push(`SYCALL_NARGS64_VAL(${n64})`);
  if (flags & SYCALL_ARG_PTR) parts.push("SYCALL_ARG_PTR");
  if (flags & SYCALL_NOSYS) parts.push("SYCALL_NOSYS");
  return parts.length === 0 ? "0" : parts.join(" | ");
}

function usedTypes(texts: readonly string[]): string[] {
  const joined = texts.join("\n");
  return LIBRUMP_TYPES.map(([t]) => t).filter((t) => new RegExp(`\\b${t}\\b`).test(joined));
}

function paramSig(p: Param): string {
  return `${p.name}${p.optional ? "?" : ""}: ${p.type}`;
}

function paramImpl(p: Param): string {
  if (p.default !== null) return `${p.name}: ${p.type} = ${p.default}`;
  return paramSig(p);
}

const WIDTH = 100;

/** `head(a, b): tail`, broken one item per line (prettier style) when longer than WIDTH. */
function wrapList(indent: string, head: string, items: readonly string[], tail: string): string[] {
  const one = `${indent}${head}(${items.join(", ")})${tail}`;
  if (one.length <= WIDTH || items.length === 0) return [one];
  return [`${indent}${head}(`, ...items.map((it) => `${indent}  ${it},`), `${indent})${tail}`];
}

/** `import { a, b } from "m";`, one name per line when long. */
function importLine(names: readonly string[], from: string, typeOnly = false): string[] {
  const kw = typeOnly ? "import type" : "import";
  const one = `${kw} { ${names.join(", ")} } from "${from}";`;
  if (one.length <= WIDTH) return [one];
  return [`${kw} {`, ...names.map((n) => `  ${n},`), `} from "${from}";`];
}

function stubDoc(s: Stub, rnPublicOf: Map<string, Stub>, indent: string): string[] {
  const e = s.entry;
  const n = e.names!;
  const lines: string[] = [];
  const notes = [`\`${n.sysConst}\``];
  if (e.type === "COMPAT" || e.type === "NOERR") notes.push(e.typeToken);
  if (e.modular) notes.push(`module ${e.modname}`);
  lines.push(`\`${cPrototype(e)}\` — syscall ${e.number} (${notes.join(", ")}).`);
  if (!s.isPublic) {
    const owner = rnPublicOf.get(e.proto!.basename);
    if (owner !== undefined)
      lines.push(
        `The public name \`${owner.fnName}\` calls the current ABI, syscall ${owner.entry.number}; this is \`${n.stubSymbol}\`.`,
      );
  }
  for (const p of s.plans) if (p.doc !== undefined) lines.push(p.doc);
  if (e.proto!.basename === "pipe")
    lines.push("Returns the read and write descriptors (retval[0], retval[1]).");
  if (e.type === "NOERR")
    lines.push(
      "Does not fail: returns retval[0] as the kernel left it (errors are values of the call, as in C).",
    );
  else lines.push("@throws RumpError with the NetBSD errno when the call fails.");
  const out = [`${indent}/**`];
  lines.forEach((l, i) => {
    if (i === 1) out.push(`${indent} *`);
    out.push(`${indent} * ${l}`);
  });
  out.push(`${indent} */`);
  return out;
}

function stubBody(s: Stub, indent: string): string[] {
  const e = s.entry;
  const out: string[] = [];
  for (const p of s.plans) for (const st of p.setup ?? []) out.push(`${indent}${st}`);
  const wire = s.plans.flatMap((p) => p.wire.map((w) => w.expr));
  const call = `t.syscall(${[e.names!.sysConst!, ...wire].join(", ")})`;
  const resultPlan = s.plans.find((p) => p.result !== undefined);
  let ret: string | null;
  if (e.proto!.basename === "pipe") ret = "[rv[0]!, rv[1]!]";
  else if (resultPlan !== undefined) ret = resultPlan.result!.expr;
  else if (s.returnType === "void") ret = null;
  else ret = "rv[0]!";
  if (e.type === "NOERR") {
    out.push(`${indent}${call};`);
  } else {
    const pathPlan = s.plans.find((p) => p.path !== undefined);
    const errArgs = [
      `error`,
      JSON.stringify(s.errName),
      ...(pathPlan !== undefined ? [pathPlan.path!] : []),
    ];
    out.push(`${indent}const error = ${call};`);
    out.push(`${indent}if (error !== 0) throw new RumpError(${errArgs.join(", ")});`);
  }
  if (ret !== null) out.push(`${indent}return ${ret};`);
  return out;
}

/** The createSyscalls() method text of one stub (used by the golden tests). */
export function stubMethod(s: Stub): string {
  return [
    ...wrapList("    ", s.fnName, s.params.map(paramImpl), `: ${s.returnType} {`),
    ...stubBody(s, "      "),
    "    },",
  ].join("\n");
}

/* ------------------------------------------------------------------------ */
/* outputs                                                                   */

function genSyscallTs(input: GenInput, m: SyscallsMaster, active: SyscallEntry[]): string {
  const L: string[] = [generatedHeader(GENERATOR, input)];
  L.push(`/**`);
  L.push(` * System call numbers and names (sys/syscall.h, kern/syscalls.c) from`);
  L.push(` * ${m.rcsid}`);
  L.push(
    ` * #if conditions evaluated for a 64-bit userland (_LP64 defined; _KERNEL_OPT, NTP undefined).`,
  );
  L.push(` */`);
  L.push("");
  L.push(`/** Maximum number of argument slots of a system call. */`);
  L.push(`export const SYS_MAXSYSARGS = ${SYS_MAXSYSARGS};`);
  L.push("");
  for (const e of active) {
    if (e.names !== null && e.names.sysConst !== null) {
      L.push(
        `/** ${e.number}: \`${cPrototype(e)}\`${e.type === "COMPAT" ? ` (${e.typeToken})` : ""} */`,
      );
      L.push(`export const ${e.names.sysConst} = ${e.number};`);
    } else if (e.proto === null && e.type !== "UNIMPL") {
      L.push(`// ${e.number} is ${commentOf(e)}`);
    }
  }
  L.push("");
  L.push(`/** Last system call number + 1. */`);
  L.push(`export const SYS_MAXSYSCALL = ${m.maxSyscall};`);
  L.push(`/** Size of the system call table. */`);
  L.push(`export const SYS_NSYSENT = ${SYS_NSYSENT};`);
  L.push("");
  L.push(
    `/** syscallnames[n]: the name of system call n ("#11 (obsolete execv)" for holes, "# filler" past the end). */`,
  );
  L.push(`export const syscallnames: readonly string[] = [`);
  for (let n = 0; n < SYS_NSYSENT; n++) L.push(`  ${JSON.stringify(nameOf(active[n]))}, // ${n}`);
  L.push(`];`);
  L.push("");
  L.push(
    `/** altsyscallnames[n]: the libc-style name where it differs from syscallnames[n] ("stat" for __stat50), else null. */`,
  );
  L.push(`export const altsyscallnames: readonly (string | null)[] = [`);
  for (let n = 0; n < SYS_NSYSENT; n++) {
    const e = active[n];
    const alt = e?.names?.altName ?? null;
    L.push(`  ${alt === null ? "null" : JSON.stringify(alt)}, // ${n}`);
  }
  L.push(`];`);
  return L.join("\n") + "\n";
}

function commentOf(e: SyscallEntry): string {
  const word = { OBSOL: "obsolete", EXCL: "excluded", IGNORED: "ignored", UNIMPL: "unimplemented" }[
    e.type as "OBSOL"
  ];
  return e.comment === null ? word : `${word} ${e.comment}`;
}

function nameOf(e: SyscallEntry | undefined): string {
  if (e === undefined) return "# filler";
  if (e.names === null) return `#${e.number} (${commentOf(e)})`;
  return e.names.namesEntry;
}

/** Is slot `e` a permanent ENOSYS in the rump table (spec §6)? */
function permanentNosys(e: SyscallEntry | undefined): boolean {
  if (e === undefined || e.proto === null) return true;
  return e.modular && !e.rump;
}

/** The table builder printed into sysent.ts (no generated parts). */
const SYSENT_INIT = `export function sysent_init(handlers: Partial<SyscallHandlers>, enosys: SyCall): Sysent[] {
  const table: Sysent[] = [];
  for (let n = 0; n < SYS_NSYSENT; n++) {
    const row = ROWS[n];
    const sy_name = syscallnames[n]!;
    if (row === undefined) {
      table.push({
        sy_num: n,
        sy_name,
        sy_narg: 0,
        sy_flags: SYCALL_NOSYS,
        sy_rump: false,
        sy_modname: null,
        sy_call: enosys,
      });
      continue;
    }
    // indexed, not destructured: this runs once per kernel in the interpreter,
    // where destructuring goes through the iterator protocol
    const key = row[3];
    const handler: SyCall | undefined = key === null ? undefined : handlers[key];
    table.push({
      sy_num: n,
      sy_name,
      sy_narg: row[0],
      sy_flags: row[1],
      sy_rump: key !== null,
      sy_modname: row[2],
      sy_call: handler ?? enosys,
    });
  }
  return table;
}`;

function genSysentTs(
  input: GenInput,
  m: SyscallsMaster,
  active: SyscallEntry[],
  stubs: Stub[],
): string {
  const byNum = new Map(stubs.map((s) => [s.entry.number, s]));
  const handlerTexts: string[] = [];
  for (const s of stubs) handlerTexts.push(s.kernelParams.map(([, t]) => t).join(", "));
  const types = usedTypes(handlerTexts);
  const L: string[] = [generatedHeader(GENERATOR, input)];
  L.push(`/* eslint-disable @typescript-eslint/no-explicit-any */`);
  L.push(`/**`);
  L.push(` * The kernel's system call table (init_sysent.c / rump_sysent) from`);
  L.push(` * ${m.rcsid}`);
  L.push(` *`);
  L.push(
    ` * A handler receives the lwp, the retval pair and the C arguments in order with the PAD slots dropped, typed`,
  );
  L.push(
    ` * by the same table as the rump_sys_* stubs (netbsd-src/gen/typemap.ts); it returns 0 or a NetBSD errno and`,
  );
  L.push(
    ` * leaves its results in rv[0] / rv[1]. SyscallHandlers is keyed by the C handler name: sys_<name> for`,
  );
  L.push(
    ` * current calls (sys_read, sys___stat50), compat_<xx>_sys_<name> for COMPAT_xx entries (compat_50_sys___stat30).`,
  );
  L.push(` */`);
  L.push(`import type { Lwp } from "../sys/proc.js";`);
  const mods = new Map<string, string[]>();
  for (const t of types) {
    const mod = LIBRUMP_TYPES.find(([n]) => n === t)![1];
    mods.set(mod, [...(mods.get(mod) ?? []), t]);
  }
  for (const [mod, names] of [...mods].sort(([a], [b]) => a.localeCompare(b)))
    L.push(...importLine(names, mod, true));
  L.push(`import { SYS_NSYSENT, syscallnames } from "./syscall.js";`);
  L.push("");
  L.push(`/** retval[0], retval[1]: NetBSD's register_t retval[2]. */`);
  L.push(`export type Retval = Float64Array;`);
  L.push("");
  L.push(`/** A table slot's entry point: returns 0 or a NetBSD errno. */`);
  L.push(
    ...wrapList(
      "",
      "export type SyCall = ",
      ["l: Lwp", "rv: Retval", ...Array.from({ length: SYS_MAXSYSARGS }, (_, i) => `a${i}?: any`)],
      " => number;",
    ),
  );
  L.push("");
  L.push(`/** sy_flags bits (sys/systm.h). */`);
  L.push(`export const SYCALL_INDIRECT = ${hex(SYCALL_INDIRECT)};`);
  L.push(`export const SYCALL_NARGS64_MASK = ${hex(SYCALL_NARGS64_MASK)};`);
  L.push(`export const SYCALL_RET_64 = ${hex(SYCALL_RET_64)};`);
  for (let i = 0; i < 8; i++)
    L.push(`export const SYCALL_ARG${i}_64 = ${hex(SYCALL_ARG0_64 << i)};`);
  L.push(`export const SYCALL_NOSYS = ${hex(SYCALL_NOSYS)};`);
  L.push(`export const SYCALL_ARG_PTR = ${hex(SYCALL_ARG_PTR)};`);
  L.push(`export function SYCALL_NARGS64_VAL(n: number): number {`);
  L.push(`  return n << 12;`);
  L.push(`}`);
  L.push("");
  L.push(`/** One handler per system call marked RUMP in syscalls.master. */`);
  L.push(`export interface SyscallHandlers {`);
  for (const s of stubs) {
    const e = s.entry;
    const params = ["l: Lwp", "rv: Retval", ...s.kernelParams.map(([n, t]) => `${n}: ${t}`)];
    L.push(
      `  /** ${e.number}: \`${cPrototype(e)}\`${e.type === "COMPAT" ? ` (${e.typeToken})` : ""}${e.modular ? ` — module ${e.modname}` : ""} */`,
    );
    L.push(...wrapList("  ", e.names!.handlerKey, params, ": number;"));
  }
  L.push(`}`);
  L.push("");
  L.push(`/** One slot of the system call table. */`);
  L.push(`export interface Sysent {`);
  L.push(`  readonly sy_num: number;`);
  L.push(`  readonly sy_name: string;`);
  L.push(`  /** argument slots (PAD included), as sizeof(args) / sizeof(register_t) on LP64 */`);
  L.push(`  readonly sy_narg: number;`);
  L.push(`  /** SYCALL_* flags; SYCALL_NOSYS marks slots that are ENOSYS for good */`);
  L.push(`  readonly sy_flags: number;`);
  L.push(`  /** a RUMP entry: a handler may be installed */`);
  L.push(`  readonly sy_rump: boolean;`);
  L.push(`  /** the module that provides it (MODULAR), or null */`);
  L.push(`  readonly sy_modname: string | null;`);
  L.push(`  sy_call: SyCall;`);
  L.push(`}`);
  L.push("");
  L.push(`/** The numbers of the system calls marked RUMP. */`);
  L.push(`export const SYSCALL_RUMP_NUMBERS: readonly number[] = [`);
  for (let i = 0; i < stubs.length; i += 16)
    L.push(
      `  ${stubs
        .slice(i, i + 16)
        .map((s) => s.entry.number)
        .join(", ")},`,
    );
  L.push(`];`);
  L.push("");
  L.push(
    `type Row = readonly [narg: number, flags: number, modname: string | null, handler: keyof SyscallHandlers | null];`,
  );
  L.push("");
  L.push(`/** Slots 0 … SYS_MAXSYSCALL-1; the rest are fillers. */`);
  L.push(`const ROWS: readonly Row[] = [`);
  for (let n = 0; n < m.maxSyscall; n++) {
    const e = active[n]!;
    const flags = e.flags | (permanentNosys(e) ? SYCALL_NOSYS : 0);
    const s = byNum.get(n);
    const key = s === undefined ? "null" : JSON.stringify(e.names!.handlerKey);
    const mod = e.modname === null ? "null" : JSON.stringify(e.modname);
    L.push(`  [${e.narg}, ${flagsExpr(flags)}, ${mod}, ${key}], // ${n} ${nameOf(e)}`);
  }
  L.push(`];`);
  L.push("");
  L.push(`/**`);
  L.push(
    ` * Build the ${SYS_NSYSENT}-slot table: every RUMP slot calls its handler from \`handlers\` if given, every`,
  );
  L.push(` * other slot (and a RUMP slot without a handler) calls \`enosys\`.`);
  L.push(` */`);
  L.push(SYSENT_INIT);
  return L.join("\n") + "\n";
}

function publicOwners(stubs: readonly Stub[]): Map<string, Stub> {
  const map = new Map<string, Stub>();
  for (const s of stubs) if (s.isPublic) map.set(s.entry.proto!.basename, s);
  return map;
}

function genStubsTs(input: GenInput, m: SyscallsMaster, stubs: Stub[]): string {
  const owners = publicOwners(stubs);
  const sigTexts = stubs.map((s) => [...s.params.map((p) => p.type), s.returnType].join(" "));
  const types = usedTypes(sigTexts);
  const bodies = stubs.map((s) => stubBody(s, "").join("\n")).join("\n");
  const values = ["newStat", "newStatvfs"].filter((v) => bodies.includes(`${v}()`));
  const sysConsts = stubs.map((s) => s.entry.names!.sysConst!);
  const L: string[] = [generatedHeader(GENERATOR, input)];
  L.push(`/**`);
  L.push(` * The rump_sys_* system call stubs, one per entry marked RUMP in`);
  L.push(` * ${m.rcsid}`);
  L.push(
    ` * Public names follow rump_syscalls.h (RUMP_SYS_RENAME: rump_sys_stat → __stat50); entries whose public name`,
  );
  L.push(
    ` * belongs to a newer ABI keep their stub symbol (rump___sysimpl_stat30). Marshalling: netbsd-src/gen/typemap.ts.`,
  );
  L.push(` */`);
  L.push(...importLine([...values, ...sysConsts], "@rump/librump"));
  if (types.length > 0) L.push(...importLine(types, "@rump/librump", true));
  L.push(`import { RumpError } from "../rump_error.js";`);
  L.push(`import type { SyscallTransport } from "../transport.js";`);
  L.push("");
  L.push(`/** Every rump_sys_* stub, bound to one kernel by createSyscalls(). */`);
  L.push(`export interface RumpSyscalls {`);
  stubs.forEach((s, i) => {
    if (i > 0) L.push("");
    L.push(...stubDoc(s, owners, "  "));
    L.push(...wrapList("  ", s.fnName, s.params.map(paramSig), `: ${s.returnType};`));
  });
  L.push(`}`);
  L.push("");
  L.push(`/**`);
  L.push(
    ` * Bind every stub to the transport \`t\` (a kernel, or a remote client). Each stub calls`,
  );
  L.push(
    ` * \`t.syscall(SYS_x, …)\` with the C arguments in order (PAD slots dropped), throws RumpError on a`,
  );
  L.push(
    ` * nonzero result and converts \`t.retval\` into the return value. The closures are created once.`,
  );
  L.push(` */`);
  L.push(`export function createSyscalls(t: SyscallTransport): RumpSyscalls {`);
  L.push(`  const rv = t.retval;`);
  L.push(`  return {`);
  for (const s of stubs) L.push(stubMethod(s));
  L.push(`  };`);
  L.push(`}`);
  L.push("");
  L.push(`/** Stub name → system call number, for every stub. */`);
  L.push(`export const RUMP_SYSCALL_STUBS: Readonly<Record<keyof RumpSyscalls, number>> = {`);
  for (const s of stubs) L.push(`  ${s.fnName}: ${s.entry.number},`);
  L.push(`};`);
  return L.join("\n") + "\n";
}

function genPlainTs(input: GenInput, m: SyscallsMaster, stubs: Stub[]): string {
  const owners = publicOwners(stubs);
  const types = usedTypes(
    stubs.map((s) => [...s.params.map((p) => p.type), s.returnType].join(" ")),
  );
  const L: string[] = [generatedHeader(GENERATOR, input)];
  L.push(`/**`);
  L.push(
    ` * rump_sys_* as plain functions on the default kernel (rump_default_kernel(), booted on first use), as in C.`,
  );
  L.push(` * From ${m.rcsid}`);
  L.push(` */`);
  if (types.length > 0) L.push(...importLine(types, "@rump/librump", true));
  L.push(`import { defaultSyscalls } from "../default.js";`);
  for (const s of stubs) {
    L.push("");
    L.push(...stubDoc(s, owners, ""));
    L.push(
      ...wrapList("", `export function ${s.fnName}`, s.params.map(paramSig), `: ${s.returnType} {`),
    );
    L.push(
      ...wrapList(
        "  ",
        `return defaultSyscalls().${s.fnName}`,
        s.params.map((p) => p.name),
        ";",
      ),
    );
    L.push(`}`);
  }
  return L.join("\n") + "\n";
}

function genSysnumTs(input: GenInput, active: SyscallEntry[]): string {
  const names = active.filter((e) => e.names?.sysConst != null).map((e) => e.names!.sysConst!);
  const all = [
    "SYS_MAXSYSARGS",
    ...names,
    "SYS_MAXSYSCALL",
    "SYS_NSYSENT",
    "syscallnames",
    "altsyscallnames",
  ];
  const L: string[] = [generatedHeader(GENERATOR, input)];
  L.push(`/** The SYS_* numbers and names, re-exported from @rump/librump. */`);
  L.push(`export {`);
  for (const n of all) L.push(`  ${n},`);
  L.push(`} from "@rump/librump";`);
  return L.join("\n") + "\n";
}

function genTypemapRegion(): string {
  const L: string[] = [];
  L.push(
    `<!-- generated by netbsd-src/gen/syscalls_gen.ts from netbsd-src/gen/typemap.ts; run \`pnpm codegen\` -->`,
  );
  L.push("");
  L.push(`| rule | C | TypeScript (public stub) | kernel handler receives |`);
  L.push(`|---|---|---|---|`);
  const cell = (text: string): string => text.replace(/\|/g, "\\|");
  for (const r of TYPE_RULES)
    L.push(`| \`${r.id}\` | ${cell(r.c)} | ${cell(r.ts)} | ${cell(r.kernel)} |`);
  L.push("");
  L.push(
    `Return values: integer results (\`int\`, \`ssize_t\`, \`off_t\`, \`pid_t\`, …) → \`number\` (retval[0]); \`void\` → \`undefined\`;`,
  );
  L.push(
    `a returned out-argument (\`struct stat *\`, pipe2's \`int *\`, …) replaces the integer result; \`pipe()\` → \`[retval[0], retval[1]]\`.`,
  );
  L.push(
    `Lengths with a default are optional only when every later parameter is optional too (\`read(fd, buf, nbyte?)\` but \`pread(fd, buf, nbyte, offset)\`).`,
  );
  return L.join("\n") + "\n";
}

function genRawRegion(stubs: Stub[]): string {
  const L: string[] = [];
  L.push(`<!-- generated by netbsd-src/gen/syscalls_gen.ts; run \`pnpm codegen\` -->`);
  L.push("");
  const raw = stubs.filter((s) => s.raw);
  L.push(
    `${raw.length} of ${stubs.length} stubs pass some argument through as \`unknown\` (no rule in the type table):`,
  );
  L.push("");
  L.push(`| stub | # | raw arguments |`);
  L.push(`|---|---|---|`);
  for (const s of raw) {
    const args = cArgs(s.entry);
    const rawArgs: string[] = [];
    let i = 0;
    for (const p of s.plans) {
      if (p.raw === true)
        rawArgs.push(
          `\`${args[i]!.type}${args[i]!.type.endsWith("*") ? "" : " "}${args[i]!.name}\``,
        );
      i += p.consumed;
    }
    L.push(`| \`${s.fnName}\` | ${s.entry.number} | ${rawArgs.join(", ")} |`);
  }
  return L.join("\n") + "\n";
}

/** The generator: syscalls.master → the files listed at the top. */
export function generate(input: GenInput): GenOutput[] {
  const m = parseSyscallsMaster(input.text, input.file.split("/").pop());
  const active = activeEntries(m);
  if (m.maxSyscall > SYS_NSYSENT)
    throw new Error(`${input.file}: too many syscalls [${m.maxSyscall} > ${SYS_NSYSENT}]`);
  const stubs = buildStubs(m);
  return [
    { path: OUT.syscall, content: genSyscallTs(input, m, active) },
    { path: OUT.sysent, content: genSysentTs(input, m, active, stubs) },
    { path: OUT.stubs, content: genStubsTs(input, m, stubs) },
    { path: OUT.plain, content: genPlainTs(input, m, stubs) },
    { path: OUT.sysnum, content: genSysnumTs(input, active) },
    { path: OUT.readme, region: "typemap", content: genTypemapRegion() },
    { path: OUT.readme, region: "raw-stubs", content: genRawRegion(stubs) },
  ];
}
