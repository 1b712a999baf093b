/**
 * constants.tsv → TypeScript:
 *
 * - packages/librump/src/gen/constants.ts: every row as `export const NAME = value;` (expressions such as
 *   `(int)0x80000000` or `(RUMP_F_FSIN | RUMP_F_FSOUT)` resolved to numbers), the sys/stat.h mode bits,
 *   errnoNames / errnoByName / strerror with NetBSD's messages, and constants grouped by header.
 * - packages/rump-syscalls/src/gen/constants.ts: the same names re-exported from @rump/librump.
 */
import { GenError, generatedHeader, type GenInput, type GenOutput } from "./common.js";

export const GENERATOR = "constants_gen";

export const OUT = {
  kernel: "packages/librump/src/gen/constants.ts",
  reexport: "packages/rump-syscalls/src/gen/constants.ts",
} as const;

/**
 * Names the rows refer to that constants.tsv does not define: machine
 * constants and the pseudo address families of sys/socket.h.
 */
export const EXTERNAL_VALUES: ReadonlyMap<string, bigint> = new Map([
  /** page size of the rump kernel (IOCPARM_MAX = NBPG) */
  ["NBPG", 4096n],
  /** offsetof(struct ktr_header, ktr_pid): int ktr_len; short ktr_type; short ktr_version; pid_t ktr_pid */
  ["offsetof(struct ktr_header, ktr_pid)", 8n],
  ["pseudo_AF_XTP", 19n],
  ["pseudo_AF_RTIP", 22n],
  ["pseudo_AF_PIP", 25n],
  ["pseudo_AF_KEY", 29n],
]);

/** sys/stat.h mode bits (NetBSD), hand-listed: constants.tsv does not carry them. */
export const STAT_MODE_BITS: ReadonlyArray<readonly [string, number, string]> = [
  ["S_IFMT", 0o170000, "type of file mask"],
  ["S_IFIFO", 0o010000, "named pipe (fifo)"],
  ["S_IFCHR", 0o020000, "character special"],
  ["S_IFDIR", 0o040000, "directory"],
  ["S_IFBLK", 0o060000, "block special"],
  ["S_IFREG", 0o100000, "regular"],
  ["S_IFLNK", 0o120000, "symbolic link"],
  ["S_IFSOCK", 0o140000, "socket"],
  ["S_IFWHT", 0o160000, "whiteout"],
  ["S_ISUID", 0o004000, "set user id on execution"],
  ["S_ISGID", 0o002000, "set group id on execution"],
  ["S_ISVTX", 0o001000, "save swapped text even after use (sticky)"],
  ["S_ISTXT", 0o001000, "sticky bit"],
  ["S_IRWXU", 0o000700, "RWX mask for owner"],
  ["S_IRUSR", 0o000400, "R for owner"],
  ["S_IWUSR", 0o000200, "W for owner"],
  ["S_IXUSR", 0o000100, "X for owner"],
  ["S_IREAD", 0o000400, "= S_IRUSR"],
  ["S_IWRITE", 0o000200, "= S_IWUSR"],
  ["S_IEXEC", 0o000100, "= S_IXUSR"],
  ["S_IRWXG", 0o000070, "RWX mask for group"],
  ["S_IRGRP", 0o000040, "R for group"],
  ["S_IWGRP", 0o000020, "W for group"],
  ["S_IXGRP", 0o000010, "X for group"],
  ["S_IRWXO", 0o000007, "RWX mask for other"],
  ["S_IROTH", 0o000004, "R for other"],
  ["S_IWOTH", 0o000002, "W for other"],
  ["S_IXOTH", 0o000001, "X for other"],
  ["S_ARCH1", 0o200000, "Archive state 1, ls -l shows 'a'"],
  ["S_ARCH2", 0o400000, "Archive state 2, ls -l shows 'A'"],
  ["ACCESSPERMS", 0o000777, "S_IRWXU | S_IRWXG | S_IRWXO"],
  ["ALLPERMS", 0o007777, "S_ISUID | S_ISGID | S_ISTXT | S_IRWXU | S_IRWXG | S_IRWXO"],
  ["DEFFILEMODE", 0o000666, "S_IRUSR | S_IWUSR | S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH"],
  ["S_BLKSIZE", 512, "block size used in the stat structure"],
];

/** S_ISxxx(mode) predicates of sys/stat.h: name → S_IF* type. */
export const STAT_PREDICATES: ReadonlyArray<readonly [string, string]> = [
  ["S_ISDIR", "S_IFDIR"],
  ["S_ISCHR", "S_IFCHR"],
  ["S_ISBLK", "S_IFBLK"],
  ["S_ISREG", "S_IFREG"],
  ["S_ISFIFO", "S_IFIFO"],
  ["S_ISLNK", "S_IFLNK"],
  ["S_ISSOCK", "S_IFSOCK"],
  ["S_ISWHT", "S_IFWHT"],
];

/** NetBSD's strerror texts (lib/libc/gen/errlist.c), index = errno. */
export const ERRNO_MESSAGES: readonly string[] = [
  "Undefined error: 0", // 0
  "Operation not permitted", // 1 EPERM
  "No such file or directory", // 2 ENOENT
  "No such process", // 3 ESRCH
  "Interrupted system call", // 4 EINTR
  "Input/output error", // 5 EIO
  "Device not configured", // 6 ENXIO
  "Argument list too long", // 7 E2BIG
  "Exec format error", // 8 ENOEXEC
  "Bad file descriptor", // 9 EBADF
  "No child processes", // 10 ECHILD
  "Resource deadlock avoided", // 11 EDEADLK
  "Cannot allocate memory", // 12 ENOMEM
  "Permission denied", // 13 EACCES
  "Bad address", // 14 EFAULT
  "Block device required", // 15 ENOTBLK
  "Device busy", // 16 EBUSY
  "File exists", // 17 EEXIST
  "Cross-device link", // 18 EXDEV
  "Operation not supported by device", // 19 ENODEV
  "Not a directory", // 20 ENOTDIR
  "Is a directory", // 21 EISDIR
  "Invalid argument", // 22 EINVAL
  "Too many open files in system", // 23 ENFILE
  "Too many open files", // 24 EMFILE
  "Inappropriate ioctl for device", // 25 ENOTTY
  "Text file busy", // 26 ETXTBSY
  "File too large", // 27 EFBIG
  "No space left on device", // 28 ENOSPC
  "Illegal seek", // 29 ESPIPE
  "Read-only file system", // 30 EROFS
  "Too many links", // 31 EMLINK
  "Broken pipe", // 32 EPIPE
  "Numerical argument out of domain", // 33 EDOM
  "Result too large or too small", // 34 ERANGE
  "Resource temporarily unavailable", // 35 EAGAIN
  "Operation now in progress", // 36 EINPROGRESS
  "Operation already in progress", // 37 EALREADY
  "Socket operation on non-socket", // 38 ENOTSOCK
  "Destination address required", // 39 EDESTADDRREQ
  "Message too long", // 40 EMSGSIZE
  "Protocol wrong type for socket", // 41 EPROTOTYPE
  "Protocol option not available", // 42 ENOPROTOOPT
  "Protocol not supported", // 43 EPROTONOSUPPORT
  "Socket type not supported", // 44 ESOCKTNOSUPPORT
  "Operation not supported", // 45 EOPNOTSUPP
  "Protocol family not supported", // 46 EPFNOSUPPORT
  "Address family not supported by protocol family", // 47 EAFNOSUPPORT
  "Address already in use", // 48 EADDRINUSE
  "Can't assign requested address", // 49 EADDRNOTAVAIL
  "Network is down", // 50 ENETDOWN
  "Network is unreachable", // 51 ENETUNREACH
  "Network dropped connection on reset", // 52 ENETRESET
  "Software caused connection abort", // 53 ECONNABORTED
  "Connection reset by peer", // 54 ECONNRESET
  "No buffer space available", // 55 ENOBUFS
  "Socket is already connected", // 56 EISCONN
  "Socket is not connected", // 57 ENOTCONN
  "Can't send after socket shutdown", // 58 ESHUTDOWN
  "Too many references: can't splice", // 59 ETOOMANYREFS
  "Connection timed out", // 60 ETIMEDOUT
  "Connection refused", // 61 ECONNREFUSED
  "Too many levels of symbolic links", // 62 ELOOP
  "File name too long", // 63 ENAMETOOLONG
  "Host is down", // 64 EHOSTDOWN
  "No route to host", // 65 EHOSTUNREACH
  "Directory not empty", // 66 ENOTEMPTY
  "Too many processes", // 67 EPROCLIM
  "Too many users", // 68 EUSERS
  "Disc quota exceeded", // 69 EDQUOT
  "Stale NFS file handle", // 70 ESTALE
  "Too many levels of remote in path", // 71 EREMOTE
  "RPC struct is bad", // 72 EBADRPC
  "RPC version wrong", // 73 ERPCMISMATCH
  "RPC prog. not avail", // 74 EPROGUNAVAIL
  "Program version wrong", // 75 EPROGMISMATCH
  "Bad procedure for program", // 76 EPROCUNAVAIL
  "No locks available", // 77 ENOLCK
  "Function not implemented", // 78 ENOSYS
  "Inappropriate file type or format", // 79 EFTYPE
  "Authentication error", // 80 EAUTH
  "Need authenticator", // 81 ENEEDAUTH
  "Identifier removed", // 82 EIDRM
  "No message of desired type", // 83 ENOMSG
  "Value too large to be stored in data type", // 84 EOVERFLOW
  "Illegal byte sequence", // 85 EILSEQ
  "Not supported", // 86 ENOTSUP
  "Operation Canceled", // 87 ECANCELED
  "Bad or Corrupt message", // 88 EBADMSG
  "No message available", // 89 ENODATA
  "No STREAM resources", // 90 ENOSR
  "Not a STREAM", // 91 ENOSTR
  "STREAM ioctl timeout", // 92 ETIME
  "Attribute not found", // 93 ENOATTR
  "Multihop attempted", // 94 EMULTIHOP
  "Link has been severed", // 95 ENOLINK
  "Protocol error", // 96 EPROTO
];

export interface ConstantRow {
  readonly header: string;
  readonly name: string;
  /** the value column as written */
  readonly expr: string;
  readonly line: number;
}

export type ConstValue =
  | { readonly kind: "number"; readonly value: number }
  | { readonly kind: "string"; readonly value: string };

/** Parse constants.tsv: a `header name value` title row, then tab-separated rows. */
export function parseConstantsTsv(text: string, file = "constants.tsv"): ConstantRow[] {
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  const title = lines[0]?.split("\t");
  if (title === undefined || title.join("|") !== "header|name|value")
    throw new GenError(file, 1, "expected the title row 'header<TAB>name<TAB>value'");
  const rows: ConstantRow[] = [];
  const seen = new Set<string>();
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i]!.replace(/\r$/, "");
    if (l.trim() === "") continue;
    const cols = l.split("\t");
    if (cols.length !== 3)
      throw new GenError(file, i + 1, `expected 3 tab-separated columns, got ${cols.length}`);
    const [header, name, expr] = cols as [string, string, string];
    if (!/^[A-Za-z_]\w*$/.test(name))
      throw new GenError(file, i + 1, `expected a C identifier as name, got '${name}'`);
    if (seen.has(name))
      throw new GenError(file, i + 1, `expected each name once, '${name}' repeats`);
    seen.add(name);
    rows.push({ header, name, expr: expr.trim(), line: i + 1 });
  }
  return rows;
}

/** Resolve every row's value (references `RUMP_X` → row X, casts, | + << and parentheses). */
export function resolveConstants(
  rows: readonly ConstantRow[],
  file = "constants.tsv",
): Map<string, ConstValue> {
  const byName = new Map(rows.map((r) => [r.name, r]));
  const done = new Map<string, ConstValue>();
  const active = new Set<string>();

  const resolveName = (name: string, from: ConstantRow): ConstValue => {
    const ext = EXTERNAL_VALUES.get(name);
    if (ext !== undefined) return { kind: "number", value: Number(ext) };
    const r = byName.get(name);
    if (r === undefined)
      throw new GenError(file, from.line, `expected a known constant, '${name}' is not defined`);
    return resolveRow(r);
  };

  const resolveRow = (r: ConstantRow): ConstValue => {
    const d = done.get(r.name);
    if (d !== undefined) return d;
    if (active.has(r.name))
      throw new GenError(file, r.line, `expected an acyclic definition of '${r.name}'`);
    active.add(r.name);
    const v = evalConst(r, resolveName, file);
    active.delete(r.name);
    done.set(r.name, v);
    return v;
  };

  for (const r of rows) resolveRow(r);
  return done;
}

function evalConst(
  r: ConstantRow,
  lookup: (name: string, from: ConstantRow) => ConstValue,
  file: string,
): ConstValue {
  const src = r.expr;
  const ext = EXTERNAL_VALUES.get(src);
  if (ext !== undefined) return { kind: "number", value: Number(ext) };
  const str = /^"([^"\\]*)"$/.exec(src);
  if (str !== null) return { kind: "string", value: str[1]! };
  const toks = src.match(/0[xX][0-9a-fA-F]+|\d+|[A-Za-z_]\w*|<<|>>|[()|&+\-~*]/g) ?? [];
  if (toks.join("") !== src.replace(/\s+/g, ""))
    throw new GenError(file, r.line, `expected a constant expression for ${r.name}, got '${src}'`);
  let i = 0;
  const fail = (what: string): never => {
    throw new GenError(file, r.line, `${what} in the value of ${r.name}: '${src}'`);
  };
  const peek = (): string | undefined => toks[i];
  const next = (): string => toks[i++] ?? fail("expected more tokens");

  // values are BigInt so that (int) and (unsigned long) casts keep C's signedness
  const primary = (): bigint => {
    const t = next();
    if (t === "(") {
      const c = peek();
      if (
        (c === "int" || c === "unsigned" || c === "long") &&
        (toks[i + 1] === ")" || toks[i + 1] === "long")
      ) {
        let ty = next();
        if (peek() === "long") ty += " " + next();
        if (next() !== ")") fail("expected ')' after a cast");
        const v = unary();
        return ty === "int" ? BigInt.asIntN(32, v) : BigInt.asUintN(64, v);
      }
      const v = or();
      if (next() !== ")") fail("expected ')'");
      return v;
    }
    if (/^0[xX]/.test(t)) return BigInt(t);
    if (/^\d+$/.test(t))
      return t.length > 1 && t.startsWith("0") ? BigInt(`0o${t.slice(1)}`) : BigInt(t);
    if (/^[A-Za-z_]/.test(t)) {
      const name = t.startsWith("RUMP_")
        ? t.slice(5)
        : t.startsWith("pseudo_RUMP_")
          ? `pseudo_${t.slice(12)}`
          : t;
      const v = lookup(name, r);
      if (v.kind !== "number") fail(`expected a number, '${name}' is a string`);
      return BigInt(v.value as number);
    }
    return fail(`unexpected '${t}'`);
  };
  const unary = (): bigint => {
    if (peek() === "-") {
      next();
      return -unary();
    }
    if (peek() === "~") {
      next();
      return ~unary();
    }
    return primary();
  };
  const mul = (): bigint => {
    let v = unary();
    while (peek() === "*") {
      next();
      v *= unary();
    }
    return v;
  };
  const add = (): bigint => {
    let v = mul();
    while (peek() === "+" || peek() === "-") {
      const op = next();
      const w = mul();
      v = op === "+" ? v + w : v - w;
    }
    return v;
  };
  const shift = (): bigint => {
    let v = add();
    while (peek() === "<<" || peek() === ">>") {
      const op = next();
      const w = add();
      v = op === "<<" ? v << w : v >> w;
    }
    return v;
  };
  const and = (): bigint => {
    let v = shift();
    while (peek() === "&") {
      next();
      v &= shift();
    }
    return v;
  };
  const or = (): bigint => {
    let v = and();
    while (peek() === "|") {
      next();
      v |= and();
    }
    return v;
  };
  // a lone reference to a string constant (MOUNT_UFS = RUMP_MOUNT_FFS)
  if (toks.length === 1 && /^(pseudo_)?RUMP_/.test(toks[0]!)) {
    const name = toks[0]!.startsWith("RUMP_") ? toks[0]!.slice(5) : `pseudo_${toks[0]!.slice(12)}`;
    return lookup(name, r);
  }
  const v = or();
  if (i !== toks.length) fail(`unexpected '${toks[i]}'`);
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < -BigInt(Number.MAX_SAFE_INTEGER))
    fail("value beyond 2^53");
  return { kind: "number", value: Number(v) };
}

function literal(row: ConstantRow, v: ConstValue, rows: ReadonlyMap<string, ConstantRow>): string {
  if (v.kind === "string") return JSON.stringify(v.value);
  if (/^0[xX][0-9a-fA-F]+$/.test(row.expr)) return `0x${row.expr.slice(2).toLowerCase()}`;
  if (/^-?\d+$/.test(row.expr)) return row.expr;
  const ref = /^(?:pseudo_)?RUMP_(\w+)$/.exec(row.expr);
  const target =
    ref === null
      ? undefined
      : rows.get(row.expr.startsWith("pseudo_") ? `pseudo_${ref[1]}` : ref[1]!);
  const hexish = target !== undefined ? /0[xX]/.test(target.expr) : /0[xX]|<<|\|/.test(row.expr);
  if (!hexish) return String(v.value);
  return v.value < 0 ? `-0x${(-v.value).toString(16)}` : `0x${v.value.toString(16)}`;
}

function genKernel(
  input: GenInput,
  rows: readonly ConstantRow[],
  values: Map<string, ConstValue>,
): string {
  const L: string[] = [generatedHeader(GENERATOR, input)];
  L.push(`/**`);
  L.push(
    ` * NetBSD's numeric constants (errno, fcntl, mount, dirent, socket, …) from constants.tsv, under NetBSD's`,
  );
  L.push(
    ` * names (without the RUMP_ prefix), plus the sys/stat.h mode bits and errno names and messages.`,
  );
  L.push(` */`);
  const byName = new Map(rows.map((r) => [r.name, r]));
  let header = "";
  for (const r of rows) {
    if (r.header !== header) {
      header = r.header;
      L.push("");
      L.push(`/* ${header} */`);
    }
    const v = values.get(r.name)!;
    const lit = literal(r, v, byName);
    const note = lit === r.expr ? "" : ` // ${r.expr}`;
    L.push(`export const ${r.name} = ${lit};${note}`);
  }
  L.push("");
  L.push(`/* sys/stat.h (mode bits; hand-listed in netbsd-src/gen/constants_gen.ts) */`);
  for (const [name, value, doc] of STAT_MODE_BITS)
    L.push(`/** ${doc} */\nexport const ${name} = 0o${value.toString(8).padStart(6, "0")};`);
  for (const [fn, type] of STAT_PREDICATES) {
    L.push(`export function ${fn}(mode: number): boolean {`);
    L.push(`  return (mode & S_IFMT) === ${type};`);
    L.push(`}`);
  }
  const errnos = rows.filter((r) => r.header === "errno.h");
  const names: string[] = [];
  const errnoPairs: [string, number][] = [];
  for (const r of errnos) {
    const v = values.get(r.name)!;
    if (v.kind !== "number" || v.value <= 0) continue;
    if (r.name === "ELAST") continue;
    errnoPairs.push([r.name, v.value]);
    if (names[v.value] === undefined) names[v.value] = r.name;
  }
  const maxErrno = names.length - 1;
  if (ERRNO_MESSAGES.length !== maxErrno + 1) {
    throw new Error(
      `errno messages cover 0…${ERRNO_MESSAGES.length - 1} but constants.tsv has errnos up to ${maxErrno}`,
    );
  }
  L.push("");
  L.push(`/** errnoNames[e]: the symbolic name of NetBSD errno e ("ENOENT"); "" for 0. */`);
  L.push(`export const errnoNames: readonly string[] = [`);
  for (let e = 0; e <= maxErrno; e++) L.push(`  ${JSON.stringify(names[e] ?? "")}, // ${e}`);
  L.push(`];`);
  L.push("");
  L.push(`/** Every positive errno name (aliases such as EWOULDBLOCK included) → its number. */`);
  L.push(`export const errnoByName: Readonly<Record<string, number>> = {`);
  for (const [n, v] of errnoPairs) L.push(`  ${n}: ${v},`);
  L.push(`};`);
  L.push("");
  L.push(`/** NetBSD's strerror texts (lib/libc/gen/errlist.c), index = errno. */`);
  L.push(`export const errnoMessages: readonly string[] = [`);
  ERRNO_MESSAGES.forEach((msg, e) =>
    L.push(`  ${JSON.stringify(msg)}, // ${e}${names[e] !== undefined ? ` ${names[e]}` : ""}`),
  );
  L.push(`];`);
  L.push("");
  L.push(`/** strerror(3) with NetBSD's texts: strerror(66) === "Directory not empty". */`);
  L.push(`export function strerror(errno: number): string {`);
  L.push(`  return errnoMessages[errno] ?? \`Unknown error: \${errno}\`;`);
  L.push(`}`);
  L.push("");
  L.push(
    `/** The constants of each header of constants.tsv, by header: constantsByHeader["fcntl.h"].O_CREAT. */`,
  );
  L.push(`export const constantsByHeader = {`);
  const headers = [...new Set(rows.map((r) => r.header))];
  for (const h of headers) {
    L.push(`  ${JSON.stringify(h)}: {`);
    for (const r of rows.filter((x) => x.header === h)) L.push(`    ${r.name},`);
    L.push(`  },`);
  }
  L.push(`} as const;`);
  return L.join("\n") + "\n";
}

/** Every name the kernel-side constants file exports. */
export function exportedNames(rows: readonly ConstantRow[]): string[] {
  return [
    ...rows.map((r) => r.name),
    ...STAT_MODE_BITS.map(([n]) => n),
    ...STAT_PREDICATES.map(([n]) => n),
    "errnoNames",
    "errnoByName",
    "errnoMessages",
    "strerror",
    "constantsByHeader",
  ];
}

function genReexport(input: GenInput, rows: readonly ConstantRow[]): string {
  const L: string[] = [generatedHeader(GENERATOR, input)];
  L.push(`/** NetBSD's constants, errno names and strerror, re-exported from @rump/librump. */`);
  L.push(`export {`);
  for (const n of exportedNames(rows)) L.push(`  ${n},`);
  L.push(`} from "@rump/librump";`);
  return L.join("\n") + "\n";
}

/** The generator: constants.tsv → the two files listed at the top. */
export function generate(input: GenInput): GenOutput[] {
  const file = input.file.split("/").pop()!;
  const rows = parseConstantsTsv(input.text, file);
  const values = resolveConstants(rows, file);
  return [
    { path: OUT.kernel, content: genKernel(input, rows, values) },
    { path: OUT.reexport, content: genReexport(input, rows) },
  ];
}
