/**
 * The C type → TypeScript type table (DESIGN.md, "Code generation").
 *
 * One table decides, for the arguments of a syscalls.master prototype, both
 * the public signature of a rump_sys_* stub and the positional parameters the
 * kernel handler receives (the "wire"): the stub passes `wire[i].expr` as the
 * i-th argument of `t.syscall(num, …)` — C order, PAD slots dropped — and the
 * kernel's SyscallHandlers member declares `wire[i].kernelType` there.
 *
 * Rules are tried in order at each argument position; the first that matches
 * consumes one or more C arguments (a buffer and its length are one rule).
 * Arguments no rule knows become `unknown` ("raw"); the package README lists
 * those stubs.
 */

/** C types whose compat variants are translated first, as makesyscalls.sh does. */
export const UNCOMPAT_TYPES: ReadonlyArray<readonly [string, string]> = [
  ["struct timeval50", "struct timeval"],
  ["struct timespec50", "struct timespec"],
  ["struct stat30", "struct stat"],
];

export function uncompatType(type: string): string {
  for (const [from, to] of UNCOMPAT_TYPES) if (type.includes(from)) return type.replace(from, to);
  return type;
}

/** Integral C types: all become `number` (exact to 2^53, DESIGN.md hypercall answer 6). */
export const INTEGER_TYPES: ReadonlySet<string> = new Set([
  "int",
  "u_int",
  "unsigned int",
  "unsigned",
  "long",
  "u_long",
  "unsigned long",
  "short",
  "u_short",
  "char",
  "u_char",
  "int8_t",
  "uint8_t",
  "int16_t",
  "uint16_t",
  "int32_t",
  "uint32_t",
  "int64_t",
  "uint64_t",
  "quad_t",
  "u_quad_t",
  "intptr_t",
  "uintptr_t",
  "register_t",
  "size_t",
  "ssize_t",
  "off_t",
  "mode_t",
  "uid_t",
  "gid_t",
  "pid_t",
  "id_t",
  "idtype_t",
  "lwpid_t",
  "dev_t",
  "time_t",
  "clockid_t",
  "socklen_t",
  "timer_t",
  "key_t",
  "mqd_t",
  "psetid_t",
  "cpuid_t",
]);

/** C string arguments that name a file: the first one becomes RumpError.path. */
export const PATH_ARG_NAMES: ReadonlySet<string> = new Set([
  "path",
  "path1",
  "path2",
  "fname",
  "from",
  "to",
  "name1",
  "name2",
  "link",
]);

/** Words that cannot be parameter names in TypeScript. */
const RESERVED = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends false finally for function if " +
    "implements import in instanceof interface let new null package private protected public return static super switch this " +
    "throw true try typeof var void while with yield await arguments eval t rv error"
  ).split(" "),
);

/** A C argument name as a TypeScript identifier (`in` → `in_`, `args[N]` → `args`). */
export function tsIdent(name: string): string {
  const base = name.replace(/\[.*$/, "");
  return RESERVED.has(base) ? `${base}_` : base;
}

/** One C argument as the rules see it (PAD slots removed, compat types translated). */
export interface CArg {
  readonly type: string;
  readonly name: string;
  /** the TypeScript identifier used for it */
  readonly id: string;
  readonly variadic: boolean;
}

export interface RuleCtx {
  /** base name of the syscall (read, stat, mount, …) */
  readonly base: string;
  readonly args: readonly CArg[];
  readonly i: number;
}

/** A public parameter of a stub. */
export interface TsParam {
  readonly name: string;
  readonly type: string;
  /** default value expression: the parameter is optional when it is trailing */
  readonly default?: string;
  /** optional without a default (raw variadic arguments) */
  readonly optional?: boolean;
}

/** What a rule makes of the C arguments it consumes. */
export interface ArgPlan {
  readonly rule: string;
  /** how many C arguments this plan consumes */
  readonly consumed: number;
  readonly params: readonly TsParam[];
  /** one per consumed C argument, in order */
  readonly wire: readonly { readonly expr: string; readonly kernelType: string }[];
  /** statements before the call (allocating out-structures) */
  readonly setup?: readonly string[];
  /** returned instead of retval[0] */
  readonly result?: { readonly expr: string; readonly type: string };
  /** expression naming the file, for RumpError.path */
  readonly path?: string;
  /** a line of TSDoc explaining the marshalling */
  readonly doc?: string;
  readonly raw?: boolean;
}

export interface TypeRule {
  readonly id: string;
  /** C pattern (README) */
  readonly c: string;
  /** public TypeScript (README) */
  readonly ts: string;
  /** what the kernel handler receives (README) */
  readonly kernel: string;
  match(ctx: RuleCtx): ArgPlan | null;
}

const SIZE_TYPES = new Set(["size_t", "socklen_t"]);
const isInt = (t: string | undefined): boolean => t !== undefined && INTEGER_TYPES.has(t);
const isIntPtr = (t: string): boolean => {
  const m = /^(?:const )?(.+?) \*$/.exec(t);
  return m !== null && INTEGER_TYPES.has(m[1]!);
};

/** sizeof(struct statvfs) on LP64 (spec syscalls.md §8). */
export const SIZEOF_STATVFS = 2256;
/** NGROUPS_MAX (sys/syslimits.h). */
export const NGROUPS_MAX = 16;

/** The table. Order matters: multi-argument patterns first. */
export const TYPE_RULES: readonly TypeRule[] = [
  {
    id: "sysctl",
    c: "`__sysctl(const int *name, u_int namelen, void *oldv, size_t *oldlenp, const void *newv, size_t newlen)`",
    ts: "`name: readonly number[], oldv: Uint8Array | null, oldlenp: Out<number> | null, newv: Uint8Array | null, newlen = newv?.length ?? 0`",
    kernel:
      "`readonly number[], number, Uint8Array | null, Out<number> | null, Uint8Array | null, number`",
    match({ base, args, i }) {
      if (base !== "__sysctl" || i !== 0 || args.length !== 6) return null;
      const [name, namelen, oldv, oldlenp, newv, newlen] = args as [
        CArg,
        CArg,
        CArg,
        CArg,
        CArg,
        CArg,
      ];
      return {
        rule: "sysctl",
        consumed: 6,
        params: [
          { name: name.id, type: "readonly number[]" },
          { name: oldv.id, type: "Uint8Array | null" },
          { name: oldlenp.id, type: "Out<number> | null" },
          { name: newv.id, type: "Uint8Array | null" },
          {
            name: newlen.id,
            type: "number",
            default: `${newv.id} === null ? 0 : ${newv.id}.length`,
          },
        ],
        wire: [
          { expr: name.id, kernelType: "readonly number[]" },
          { expr: `${name.id}.length`, kernelType: "number" },
          { expr: oldv.id, kernelType: "Uint8Array | null" },
          { expr: oldlenp.id, kernelType: "Out<number> | null" },
          { expr: newv.id, kernelType: "Uint8Array | null" },
          { expr: newlen.id, kernelType: "number" },
        ],
        doc:
          `\`${name.id}\` is the MIB (\`${namelen.id}\` = its length); \`${oldlenp.id}.v\` holds the capacity of \`${oldv.id}\` on entry and the ` +
          `size of the value on return; \`${newlen.id}\` defaults to \`${newv.id}.length\`.`,
      };
    },
  },
  {
    id: "mount-data",
    c: "`void *data, size_t data_len` of mount",
    ts: "`data: object | null, data_len = -1` (-1: the size the file system expects)",
    kernel: "`object | null, number`",
    match({ base, args, i }) {
      const a = args[i]!;
      const b = args[i + 1];
      if (base !== "mount" || a.type !== "void *" || b === undefined || b.type !== "size_t")
        return null;
      return {
        rule: "mount-data",
        consumed: 2,
        params: [
          { name: a.id, type: "object | null" },
          { name: b.id, type: "number", default: "-1" },
        ],
        wire: [
          { expr: a.id, kernelType: "object | null" },
          { expr: b.id, kernelType: "number" },
        ],
        doc: `\`${a.id}\` is the file system's argument object (ufs_args, tmpfs_args, …); \`${b.id}\` = -1 means "the size the file system expects".`,
      };
    },
  },
  {
    id: "statvfs-array",
    c: "`struct statvfs *buf, size_t bufsize` (getvfsstat)",
    ts: `\`buf: Statvfs[] | null\` (bufsize = buf.length × ${SIZEOF_STATVFS})`,
    kernel: "`Statvfs[] | null, number` (bytes)",
    match({ args, i }) {
      const a = args[i]!;
      const b = args[i + 1];
      if (a.type !== "struct statvfs *" || b === undefined || b.type !== "size_t") return null;
      return {
        rule: "statvfs-array",
        consumed: 2,
        params: [{ name: a.id, type: "Statvfs[] | null" }],
        wire: [
          { expr: a.id, kernelType: "Statvfs[] | null" },
          {
            expr: `${a.id} === null ? 0 : ${a.id}.length * ${SIZEOF_STATVFS}`,
            kernelType: "number",
          },
        ],
        doc: `The kernel fills the caller's \`Statvfs\` objects (\`newStatvfs()\`); \`${b.id}\` is passed in bytes (${SIZEOF_STATVFS} per entry).`,
      };
    },
  },
  {
    id: "iovec",
    c: "`const struct iovec *iovp, int iovcnt`",
    ts: "`iov: readonly Uint8Array[]` (iovcnt = iov.length)",
    kernel: "`readonly Uint8Array[], number`",
    match({ args, i }) {
      const a = args[i]!;
      const b = args[i + 1];
      if (!/^(const )?struct iovec \*$/.test(a.type) || b === undefined || !isInt(b.type))
        return null;
      return {
        rule: "iovec",
        consumed: 2,
        params: [{ name: a.id, type: "readonly Uint8Array[]" }],
        wire: [
          { expr: a.id, kernelType: "readonly Uint8Array[]" },
          { expr: `${a.id}.length`, kernelType: "number" },
        ],
        doc: `\`${a.id}\`: the buffers of the scatter/gather list (\`${b.id}\` = their count).`,
      };
    },
  },
  {
    id: "gidset-out",
    c: "`int gidsetsize, gid_t *gidset` (getgroups)",
    ts: `\`gidsetsize = ${NGROUPS_MAX}\` → returns \`number[]\``,
    kernel: "`number, number[]` (the kernel pushes the groups)",
    match({ args, i }) {
      const a = args[i]!;
      const b = args[i + 1];
      if (!isInt(a.type) || b === undefined || b.type !== "gid_t *") return null;
      return {
        rule: "gidset-out",
        consumed: 2,
        params: [{ name: a.id, type: "number", default: String(NGROUPS_MAX) }],
        wire: [
          { expr: a.id, kernelType: "number" },
          { expr: b.id, kernelType: "number[]" },
        ],
        setup: [`const ${b.id}: number[] = [];`],
        result: { expr: b.id, type: "number[]" },
        doc: `Returns the supplementary groups (at most \`${a.id}\`, default NGROUPS_MAX ${NGROUPS_MAX}).`,
      };
    },
  },
  {
    id: "gidset-in",
    c: "`int gidsetsize, const gid_t *gidset` (setgroups)",
    ts: "`gidset: readonly number[]` (gidsetsize = gidset.length)",
    kernel: "`number, readonly number[]`",
    match({ args, i }) {
      const a = args[i]!;
      const b = args[i + 1];
      if (!isInt(a.type) || b === undefined || b.type !== "const gid_t *") return null;
      return {
        rule: "gidset-in",
        consumed: 2,
        params: [{ name: b.id, type: "readonly number[]" }],
        wire: [
          { expr: `${b.id}.length`, kernelType: "number" },
          { expr: b.id, kernelType: "readonly number[]" },
        ],
      };
    },
  },
  {
    id: "buf-in",
    c: "`const void *buf, size_t n`",
    ts: "`buf: Uint8Array, n = buf.length`",
    kernel: "`Uint8Array, number`",
    match({ args, i }) {
      const a = args[i]!;
      const b = args[i + 1];
      if (a.type !== "const void *" || b === undefined || !SIZE_TYPES.has(b.type)) return null;
      return {
        rule: "buf-in",
        consumed: 2,
        params: [
          { name: a.id, type: "Uint8Array" },
          { name: b.id, type: "number", default: `${a.id}.length` },
        ],
        wire: [
          { expr: a.id, kernelType: "Uint8Array" },
          { expr: b.id, kernelType: "number" },
        ],
      };
    },
  },
  {
    id: "buf-out",
    c: "`void *buf, size_t n` / `char *buf, size_t n`",
    ts: "`buf: Uint8Array, n = buf.length` (the kernel writes into buf)",
    kernel: "`Uint8Array, number`",
    match({ args, i }) {
      const a = args[i]!;
      const b = args[i + 1];
      if (
        (a.type !== "void *" && a.type !== "char *") ||
        b === undefined ||
        !SIZE_TYPES.has(b.type)
      )
        return null;
      return {
        rule: "buf-out",
        consumed: 2,
        params: [
          { name: a.id, type: "Uint8Array" },
          { name: b.id, type: "number", default: `${a.id}.length` },
        ],
        wire: [
          { expr: a.id, kernelType: "Uint8Array" },
          { expr: b.id, kernelType: "number" },
        ],
      };
    },
  },
  {
    id: "buf-lenp",
    c: "`void *buf, socklen_t *len` / `void *buf, size_t *len`",
    ts: "`buf: Uint8Array, len: Out<number>` (len.v: capacity in, size out)",
    kernel: "`Uint8Array, Out<number>`",
    match({ args, i }) {
      const a = args[i]!;
      const b = args[i + 1];
      if (
        a.type !== "void *" ||
        b === undefined ||
        (b.type !== "socklen_t *" && b.type !== "size_t *")
      )
        return null;
      return {
        rule: "buf-lenp",
        consumed: 2,
        params: [
          { name: a.id, type: "Uint8Array" },
          { name: b.id, type: "Out<number>" },
        ],
        wire: [
          { expr: a.id, kernelType: "Uint8Array" },
          { expr: b.id, kernelType: "Out<number>" },
        ],
      };
    },
  },
  {
    id: "sockaddr-in",
    c: "`const struct sockaddr *sa, socklen_t len`",
    ts: "`sa: Uint8Array, len = sa.length` (the sockaddr bytes)",
    kernel: "`Uint8Array, number`",
    match({ args, i }) {
      const a = args[i]!;
      const b = args[i + 1];
      if (a.type !== "const struct sockaddr *" || b === undefined || b.type !== "socklen_t")
        return null;
      return {
        rule: "sockaddr-in",
        consumed: 2,
        params: [
          { name: a.id, type: "Uint8Array" },
          { name: b.id, type: "number", default: `${a.id}.length` },
        ],
        wire: [
          { expr: a.id, kernelType: "Uint8Array" },
          { expr: b.id, kernelType: "number" },
        ],
      };
    },
  },
  {
    id: "sockaddr-out",
    c: "`struct sockaddr *sa, socklen_t *len`",
    ts: "`sa: Uint8Array | null, len: Out<number> | null`",
    kernel: "`Uint8Array | null, Out<number> | null`",
    match({ args, i }) {
      const a = args[i]!;
      const b = args[i + 1];
      if (a.type !== "struct sockaddr *" || b === undefined || b.type !== "socklen_t *")
        return null;
      return {
        rule: "sockaddr-out",
        consumed: 2,
        params: [
          { name: a.id, type: "Uint8Array | null" },
          { name: b.id, type: "Out<number> | null" },
        ],
        wire: [
          { expr: a.id, kernelType: "Uint8Array | null" },
          { expr: b.id, kernelType: "Out<number> | null" },
        ],
      };
    },
  },
  {
    id: "fd-pair",
    c: "`int *fildes` of pipe2, `int *rsv` of socketpair",
    ts: "returns `[number, number]`",
    kernel: "`[number, number]` (filled by the kernel)",
    match({ base, args, i }) {
      const a = args[i]!;
      if (a.type !== "int *" || (base !== "pipe2" && base !== "socketpair")) return null;
      return {
        rule: "fd-pair",
        consumed: 1,
        params: [],
        wire: [{ expr: a.id, kernelType: "[number, number]" }],
        setup: [`const ${a.id}: [number, number] = [-1, -1];`],
        result: { expr: a.id, type: "[number, number]" },
        doc: "Returns the two new descriptors.",
      };
    },
  },
  {
    id: "stat-out",
    c: "`struct stat *sb`",
    ts: "returns `Stat` (allocated with newStat())",
    kernel: "`Stat` (filled by the kernel)",
    match({ args, i }) {
      const a = args[i]!;
      if (a.type !== "struct stat *") return null;
      return {
        rule: "stat-out",
        consumed: 1,
        params: [],
        wire: [{ expr: a.id, kernelType: "Stat" }],
        setup: [`const ${a.id} = newStat();`],
        result: { expr: a.id, type: "Stat" },
        doc: "Returns the file's `struct stat`.",
      };
    },
  },
  {
    id: "statvfs-out",
    c: "`struct statvfs *buf`",
    ts: "returns `Statvfs` (allocated with newStatvfs())",
    kernel: "`Statvfs` (filled by the kernel)",
    match({ args, i }) {
      const a = args[i]!;
      if (a.type !== "struct statvfs *") return null;
      return {
        rule: "statvfs-out",
        consumed: 1,
        params: [],
        wire: [{ expr: a.id, kernelType: "Statvfs" }],
        setup: [`const ${a.id} = newStatvfs();`],
        result: { expr: a.id, type: "Statvfs" },
        doc: "Returns the file system's `struct statvfs`.",
      };
    },
  },
  {
    id: "times-pair",
    c: "`const struct timespec *tptr` / `const struct timeval *tptr` (utimensat, futimens, utimes, futimes, lutimes)",
    ts: "`tptr: readonly [Timespec, Timespec] | null` / `readonly [Timeval, Timeval] | null` (atime, mtime; null = now)",
    kernel: "same",
    match({ args, i }) {
      const a = args[i]!;
      if (a.name !== "tptr") return null;
      const t =
        a.type === "const struct timespec *"
          ? "Timespec"
          : a.type === "const struct timeval *"
            ? "Timeval"
            : null;
      if (t === null) return null;
      const type = `readonly [${t}, ${t}] | null`;
      return {
        rule: "times-pair",
        consumed: 1,
        params: [{ name: a.id, type }],
        wire: [{ expr: a.id, kernelType: type }],
        doc: `\`${a.id}\`: [access time, modification time], or null for "now".`,
      };
    },
  },
  {
    id: "timespec-ret",
    c: "`struct timespec *tp` of clock_gettime / clock_getres",
    ts: "returns `Timespec`",
    kernel: "`Timespec` (filled by the kernel)",
    match({ base, args, i }) {
      const a = args[i]!;
      if (a.type !== "struct timespec *" || (base !== "clock_gettime" && base !== "clock_getres"))
        return null;
      return {
        rule: "timespec-ret",
        consumed: 1,
        params: [],
        wire: [{ expr: a.id, kernelType: "Timespec" }],
        setup: [`const ${a.id}: Timespec = { tv_sec: 0, tv_nsec: 0 };`],
        result: { expr: a.id, type: "Timespec" },
      };
    },
  },
  {
    id: "timeval-ret",
    c: "`struct timeval *tp` of gettimeofday",
    ts: "returns `Timeval`",
    kernel: "`Timeval` (filled by the kernel)",
    match({ base, args, i }) {
      const a = args[i]!;
      if (a.type !== "struct timeval *" || base !== "gettimeofday") return null;
      return {
        rule: "timeval-ret",
        consumed: 1,
        params: [],
        wire: [{ expr: a.id, kernelType: "Timeval" }],
        setup: [`const ${a.id}: Timeval = { tv_sec: 0, tv_usec: 0 };`],
        result: { expr: a.id, type: "Timeval" },
      };
    },
  },
  {
    id: "tz-null",
    c: "`void *tzp` / `const void *tzp` (gettimeofday, settimeofday)",
    ts: "(not a parameter; the obsolete time zone is always NULL)",
    kernel: "`null`",
    match({ args, i }) {
      const a = args[i]!;
      if (a.name !== "tzp" || (a.type !== "void *" && a.type !== "const void *")) return null;
      return {
        rule: "tz-null",
        consumed: 1,
        params: [],
        wire: [{ expr: "null", kernelType: "null" }],
      };
    },
  },
  {
    id: "timespec-in",
    c: "`const struct timespec *ts` / `const struct timeval *tv`",
    ts: "`Timespec | null` / `Timeval | null`",
    kernel: "same",
    match({ args, i }) {
      const a = args[i]!;
      const t =
        a.type === "const struct timespec *"
          ? "Timespec"
          : a.type === "const struct timeval *"
            ? "Timeval"
            : null;
      if (t === null) return null;
      return {
        rule: "timespec-in",
        consumed: 1,
        params: [{ name: a.id, type: `${t} | null` }],
        wire: [{ expr: a.id, kernelType: `${t} | null` }],
      };
    },
  },
  {
    id: "timespec-inout",
    c: "`struct timespec *ts` / `struct timeval *tv` (other than the returned ones)",
    ts: "`Timespec | null` / `Timeval | null` (caller's object, the kernel may write it)",
    kernel: "same",
    match({ args, i }) {
      const a = args[i]!;
      const t =
        a.type === "struct timespec *"
          ? "Timespec"
          : a.type === "struct timeval *"
            ? "Timeval"
            : null;
      if (t === null) return null;
      return {
        rule: "timespec-inout",
        consumed: 1,
        params: [{ name: a.id, type: `${t} | null` }],
        wire: [{ expr: a.id, kernelType: `${t} | null` }],
      };
    },
  },
  {
    id: "rlimit",
    c: "`struct rlimit *rlp` (getrlimit) / `const struct rlimit *rlp` (setrlimit)",
    ts: "returns `Rlimit` / `rlp: Rlimit`",
    kernel: "`Rlimit`",
    match({ args, i }) {
      const a = args[i]!;
      if (a.type === "struct rlimit *") {
        return {
          rule: "rlimit",
          consumed: 1,
          params: [],
          wire: [{ expr: a.id, kernelType: "Rlimit" }],
          setup: [`const ${a.id}: Rlimit = { rlim_cur: 0, rlim_max: 0 };`],
          result: { expr: a.id, type: "Rlimit" },
        };
      }
      if (a.type === "const struct rlimit *") {
        return {
          rule: "rlimit",
          consumed: 1,
          params: [{ name: a.id, type: "Rlimit" }],
          wire: [{ expr: a.id, kernelType: "Rlimit" }],
        };
      }
      return null;
    },
  },
  {
    id: "fcntl-arg",
    c: "`... void *arg` of fcntl",
    ts: "`arg: number | Flock | null = 0`",
    kernel: "`number | Flock | null`",
    match({ base, args, i }) {
      const a = args[i]!;
      if (base !== "fcntl" || a.type !== "void *") return null;
      return {
        rule: "fcntl-arg",
        consumed: 1,
        params: [{ name: a.id, type: "number | Flock | null", default: "0" }],
        wire: [{ expr: a.id, kernelType: "number | Flock | null" }],
        doc: `\`${a.id}\`: an integer (F_SETFD, F_SETFL, …) or a \`Flock\` (F_GETLK, F_SETLK, F_SETLKW).`,
      };
    },
  },
  {
    id: "cstring",
    c: "`const char *s` (and `char *bootstr` of reboot, nullable)",
    ts: "`string | Uint8Array` (bytes are passed unchanged; strings as UTF-8)",
    kernel: "`string | Uint8Array` (copied in with copyinstr)",
    match({ base, args, i }) {
      const a = args[i]!;
      if (base === "reboot" && a.type === "char *") {
        return {
          rule: "cstring",
          consumed: 1,
          params: [{ name: a.id, type: "string | Uint8Array | null", default: "null" }],
          wire: [{ expr: a.id, kernelType: "string | Uint8Array | null" }],
        };
      }
      if (a.type !== "const char *") return null;
      const isPath = PATH_ARG_NAMES.has(a.name);
      return {
        rule: "cstring",
        consumed: 1,
        params: [{ name: a.id, type: "string | Uint8Array" }],
        wire: [{ expr: a.id, kernelType: "string | Uint8Array" }],
        ...(isPath ? { path: a.id } : {}),
      };
    },
  },
  {
    id: "int-out",
    c: "pointer to an integer type (`intptr_t *`, `unsigned int *`, `timer_t *`, `size_t *`, `socklen_t *`, …)",
    ts: "`Out<number>` (`{ v }`, read and written by the kernel)",
    kernel: "`Out<number>`",
    match({ args, i }) {
      const a = args[i]!;
      if (!isIntPtr(a.type) || a.type.startsWith("const ")) return null;
      return {
        rule: "int-out",
        consumed: 1,
        params: [{ name: a.id, type: "Out<number>" }],
        wire: [{ expr: a.id, kernelType: "Out<number>" }],
      };
    },
  },
  {
    id: "integer",
    c: "integers: int, u_int, long, u_long, size_t, ssize_t, off_t, mode_t, uid_t, gid_t, pid_t, dev_t, clockid_t, socklen_t, timer_t, intptr_t, …",
    ts: "`number` (a variadic one is optional, default 0)",
    kernel: "`number`",
    match({ args, i }) {
      const a = args[i]!;
      if (!isInt(a.type)) return null;
      return {
        rule: "integer",
        consumed: 1,
        params: [{ name: a.id, type: "number", ...(a.variadic ? { default: "0" } : {}) }],
        wire: [{ expr: a.id, kernelType: "number" }],
      };
    },
  },
  {
    id: "raw",
    c: "anything else (struct msghdr *, fd_set *, struct pollfd *, struct kevent *, sigset_t *, struct aiocb *, void *, …)",
    ts: "`unknown` (passed through unchanged)",
    kernel: "`unknown`",
    match({ args, i }) {
      const a = args[i]!;
      return {
        rule: "raw",
        consumed: 1,
        params: [{ name: a.id, type: "unknown", ...(a.variadic ? { optional: true } : {}) }],
        wire: [{ expr: a.id, kernelType: "unknown" }],
        raw: true,
      };
    },
  },
];

/** Integer C return types; everything else but void is returned as `unknown`. */
export function returnTsType(ret: string): "number" | "void" | "unknown" {
  if (ret === "void") return "void";
  return INTEGER_TYPES.has(ret) ? "number" : "unknown";
}

/** Plan the marshalling of a whole argument list. */
export function planArgs(base: string, args: readonly CArg[]): ArgPlan[] {
  const plans: ArgPlan[] = [];
  for (let i = 0; i < args.length;) {
    let plan: ArgPlan | null = null;
    for (const r of TYPE_RULES) {
      plan = r.match({ base, args, i });
      if (plan !== null) break;
    }
    if (plan === null) throw new Error(`no type rule for ${args[i]!.type} ${args[i]!.name}`);
    plans.push(plan);
    i += plan.consumed;
  }
  return plans;
}
