import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GenError, REPO_ROOT } from "../gen/common.js";
import {
  activeEntries,
  cPrototype,
  evalDirective,
  parseSyscallsMaster,
  rumpNames,
  SYCALL_ARG0_64,
  SYCALL_ARG_PTR,
  SYCALL_RET_64,
  tokenize,
  type SyscallEntry,
} from "../gen/syscalls_parse.js";
import { needInputs } from "./inputs.js";

// the tests of the real file are skipped without it; the grammar's run anyway
const need = needInputs(import.meta.url, "sys/kern/syscalls.master");
const input = need.missing === false ? need.get("sys/kern/syscalls.master") : undefined;
const real = input === undefined ? undefined : parseSyscallsMaster(input.text);
const active = real === undefined ? [] : activeEntries(real);
const byNum = (n: number): SyscallEntry => active[n]!;

/** A syscalls.master with `body` after %%. */
const mk = (body: string): string =>
  `\t$NetBSD: test,v 1.0 $\n\n#include <sys/param.h>\n\n%%\n\n${body}\n`;
/** Header lines of mk(): the first body line is line 7. */
const FIRST = 7;

describe.skipIf(need.missing)(need.title("syscalls.master: the real file"), () => {
  it("parses every line: 488 entries, numbers 0…482, counts by type as in the spec", () => {
    expect(real!.rcsid).toBe("NetBSD: syscalls.master,v 1.285 2016/07/03 14:24:59 christos Exp");
    expect(real!.entries).toHaveLength(488);
    expect(real!.maxSyscall).toBe(483);
    const counts: Record<string, number> = {};
    for (const e of real!.entries) counts[e.type] = (counts[e.type] ?? 0) + 1;
    expect(counts).toEqual({
      STD: 299,
      NOERR: 12,
      INDIR: 2,
      EXTERN: 1,
      IGNORED: 1,
      EXCL: 5,
      OBSOL: 11,
      UNIMPL: 41,
      COMPAT: 116,
    });
    expect(real!.preamble.filter((l) => l.startsWith("#include"))).toHaveLength(11);
  });

  it("agrees with counts taken from the raw text by a few regexes", () => {
    const logical = input!.text.replace(/\\\n/g, "").split("\n");
    const entries = logical.filter((l) => /^\d+\s/.test(l));
    expect(real!.entries).toHaveLength(entries.length);
    const rump = entries.filter((l) => /^\d+\s+[^{]*\bRUMP\b[^{]*\{/.test(l));
    expect(rump).toHaveLength(218);
    expect(real!.entries.filter((e) => e.rump)).toHaveLength(rump.length);
    // entries that get a SYS_ constant, outside the `#if !defined(_LP64)` blocks we do not compile
    let skip = false;
    let withConst = 0;
    for (const l of logical) {
      if (/^#if !defined\(_LP64\)/.test(l)) skip = true;
      else if (/^#(else|endif)/.test(l)) skip = false;
      else if (!skip && /^\d+\s+(STD|NOERR|NOARGS|INDIR|EXTERN|COMPAT_\d+)\b/.test(l)) withConst++;
    }
    const consts = active.filter((e) => e.names?.sysConst != null).map((e) => e.names!.sysConst);
    expect(consts).toHaveLength(withConst);
    expect(new Set(consts).size).toBe(consts.length);
  });

  it("selects one branch of each #if for a 64-bit userland", () => {
    expect(active).toHaveLength(483);
    expect(byNum(169).type).toBe("EXCL");
    expect(byNum(169).comment).toBe("1.0 semsys");
    expect(byNum(169).conditions).toEqual([
      { directive: "#if !defined(_LP64)", line: expect.any(Number), branch: "else" },
    ]);
    expect(byNum(176).type).toBe("STD");
    expect(byNum(176).names!.syscallName).toBe("ntp_adjtime");
    expect(real!.entries.filter((e) => e.number === 170).map((e) => e.type)).toEqual([
      "COMPAT",
      "EXCL",
    ]);
  });

  it("derives names, flags and arguments", () => {
    const read = byNum(3);
    expect(read.names).toMatchObject({
      funcname: "sys_read",
      syscallName: "read",
      sysConst: "SYS_read",
      handlerKey: "sys_read",
      stubSymbol: "rump___sysimpl_read",
    });
    expect(read.proto!.args).toEqual([
      { type: "int", name: "fd", isPad: false, variadic: false },
      { type: "void *", name: "buf", isPad: false, variadic: false },
      { type: "size_t", name: "nbyte", isPad: false, variadic: false },
    ]);
    expect(read.flags).toBe(SYCALL_ARG_PTR);
    const stat = byNum(439);
    expect(stat.names).toMatchObject({
      funcname: "sys___stat50",
      syscallName: "__stat50",
      sysConst: "SYS___stat50",
      realname: "stat",
      stubSymbol: "rump___sysimpl_stat50",
      altName: "stat",
      renameKey: "RUMP_SYS_RENAME_STAT",
    });
    const stat30 = byNum(387);
    expect(stat30.names).toMatchObject({
      sysConst: "SYS_compat_50___stat30",
      namesEntry: "compat_50___stat30",
      handlerKey: "compat_50_sys___stat30",
      stubSymbol: "rump___sysimpl_stat30",
    });
    expect(stat30.modname).toBe("compat");
    const getpid = byNum(20);
    expect(getpid.alias).toBe("getpid");
    expect(getpid.names).toMatchObject({
      funcname: "sys_getpid_with_ppid",
      syscallName: "getpid",
      renameKey: "RUMP_SYS_RENAME_GETPID_WITH_PPID",
    });
    expect(cPrototype(byNum(5))).toBe("int open(const char *path, int flags, ... mode_t mode)");
    expect(byNum(5).proto!.args[2]).toEqual({
      type: "mode_t",
      name: "mode",
      isPad: false,
      variadic: true,
    });
    const lseek = byNum(199);
    expect(lseek.proto!.args[1]!.isPad).toBe(true);
    expect(lseek.flags).toBe(SYCALL_RET_64 | (SYCALL_ARG0_64 << 2) | (1 << 12));
    expect(byNum(0).flags & 2).toBe(2); // SYCALL_INDIRECT
    expect(byNum(0).proto!.args[1]).toEqual({
      type: "register_t",
      name: "args[SYS_MAXSYSARGS]",
      isPad: false,
      variadic: true,
    });
    expect(byNum(197).proto!.ret).toBe("void *");
    expect(byNum(392).proto!.args[0]!.type).toBe("const struct compat_30_fhandle *"); // type split by a continuation
    expect(byNum(465).proto!.args[1]!.type).toBe("char *const *");
  });

  it("maps RUMP entries to public names as rump_syscalls.h does", () => {
    const rn = rumpNames(active);
    expect(rn.rumpEntries).toHaveLength(218);
    expect(rn.publicName.get(439)).toBe("rump_sys_stat");
    expect(rn.publicName.get(387)).toBeUndefined();
    expect(rn.publicName.get(390)).toBe("rump_sys_getdents");
    expect(rn.publicName.get(410)).toBe("rump_sys_mount");
    expect(rn.publicName.get(450)).toBe("rump_sys_mknod");
    expect(rn.protoEntry.get(450)!.number).toBe(450); // mknod: prototype from the second entry
    expect(rn.protoEntry.get(439)!.number).toBe(387); // others: from the first
    expect(rn.publicName.get(14)).toBeUndefined();
    expect(rn.publicName.get(42)).toBe("rump_sys_pipe");
    expect(rn.publicName.get(20)).toBe("rump_sys_getpid");
    expect(rn.renames.get("RUMP_SYS_RENAME_STAT")).toBe("rump___sysimpl_stat50");
    expect(rn.renames.get("RUMP_SYS_RENAME_MKNOD")).toBe("rump___sysimpl_mknod50");
    expect(rn.renames.has("RUMP_SYS_RENAME_PIPE")).toBe(false);
  });

  const spec = join(REPO_ROOT, "..", "shared", "spec", "syscalls.md");
  it.skipIf(!existsSync(spec))(
    "matches every row of the spec's table of RUMP syscalls (§9)",
    () => {
      const rn = rumpNames(active);
      let rows = 0;
      for (const line of readFileSync(spec, "utf8").split("\n")) {
        const c =
          /^\| (\d+) \| [^|]+ \| `([^`]+)` \| ([^|]+) \| ([^|]+) \| `[^`]+` \| [^|]+ \|$/.exec(
            line,
          );
        if (c === null) continue;
        rows++;
        const e = byNum(Number(c[1]));
        expect(e.rump).toBe(true);
        expect(e.names!.sysConst).toBe(c[2]);
        const pub = c[3]!.trim().startsWith("`") ? c[3]!.trim().replace(/`/g, "") : undefined;
        expect(rn.publicName.get(e.number)).toBe(pub);
        const sym = c[4]!.trim();
        if (!sym.startsWith("(")) expect(e.names!.stubSymbol).toBe(sym.replace(/`/g, ""));
      }
      expect(rows).toBe(218);
    },
  );
});

describe("syscalls.master grammar", () => {
  it("tokenizes like makesyscalls.sh's sed", () => {
    expect(tokenize("3\tSTD RUMP\t{ ssize_t|sys||read(int fd, void *buf); }")).toEqual([
      "3",
      "STD",
      "RUMP",
      "{",
      "ssize_t",
      "|",
      "sys",
      "|",
      "|",
      "read",
      "(",
      "int",
      "fd",
      ",",
      "void",
      "*",
      "buf",
      ")",
      ";",
      "}",
    ]);
  });

  it("joins continuation lines and reports the first line of an entry", () => {
    const m = parseSyscallsMaster(
      mk("0\tSTD\t{ int|sys||a(int x, \\\n\t\t    int y); }\n1\tSTD\t{ int|sys||b(void); }"),
    );
    expect(m.entries.map((e) => [e.number, e.line, e.proto!.args.length])).toEqual([
      [0, FIRST, 2],
      [1, FIRST + 2, 0],
    ]);
  });

  it("takes an alias before '{' or after '}'", () => {
    const m = parseSyscallsMaster(
      mk(
        "0\tSTD\tRUMP getpid { pid_t|sys||getpid_with_ppid(void); }\n1\tCOMPAT_43 MODULAR compat\t\\\n\t{ int|sys||creat(const char *path, mode_t mode); } ocreat",
      ),
    );
    expect(m.entries[0]!.alias).toBe("getpid");
    expect(m.entries[0]!.rump).toBe(true);
    expect(m.entries[0]!.names!.realname).toBe("getpid");
    expect(m.entries[1]!.alias).toBe("ocreat");
    expect(m.entries[1]!.names!.sysConst).toBe("SYS_compat_43_ocreat");
    expect(m.entries[1]!.modname).toBe("compat");
  });

  it("resets the counter at #else to its value at the matching #if (nesting allowed)", () => {
    const m = parseSyscallsMaster(
      mk(
        [
          "0\tSTD\t{ int|sys||a(void); }",
          "#if defined(X)",
          "1\tSTD\t{ int|sys||b(void); }",
          "#ifdef Y",
          "2\tSTD\t{ int|sys||c(void); }",
          "#else",
          "2\tUNIMPL\t\tc",
          "#endif",
          "#else",
          "1\tEXCL\t\tb",
          "2\tEXCL\t\tc",
          "#endif",
          "3\tOBSOL\t\td",
        ].join("\n"),
      ),
    );
    expect(m.entries.map((e) => e.number)).toEqual([0, 1, 2, 2, 1, 2, 3]);
    expect(m.maxSyscall).toBe(4);
    expect(m.entries[3]!.conditions.map((c) => c.branch)).toEqual(["if", "else"]);
    expect(activeEntries(m, new Set(["X"])).map((e) => e.type)).toEqual([
      "STD",
      "STD",
      "UNIMPL",
      "OBSOL",
    ]);
    expect(activeEntries(m, new Set()).map((e) => e.type)).toEqual([
      "STD",
      "EXCL",
      "EXCL",
      "OBSOL",
    ]);
  });

  it("evaluates #if expressions", () => {
    const d = new Set(["_LP64"]);
    expect(evalDirective("#if !defined(_LP64)", d)).toBe(false);
    expect(evalDirective("#if defined(NTP) || !defined(_KERNEL_OPT)", d)).toBe(true);
    expect(evalDirective("#if defined(_LP64) && (defined(A) || 1)", d)).toBe(true);
    expect(evalDirective("#ifndef _LP64", d)).toBe(false);
  });

  const bad: [string, string, number][] = [
    ["0\tSTD\t{ int a(void); }", "expected '|' after return type, got '('", FIRST],
    ["0\tSTD\t{ int sys||a(void); }", "expected a prefix (e.g. 'sys') after '|', got '|'", FIRST],
    [
      "0\tSTD\t{ int|sys|a(void); }",
      "expected '|' or a compat version (digits) after 'sys|', got 'a'",
      FIRST,
    ],
    ["0\tSTD\t{ int|sys|50 a(void); }", "expected '|' after compat version, got 'a'", FIRST],
    ["0\tSTD\t{ int|sys||a(void) }", "expected ';' before '}'", FIRST],
    ["0\tSTD\t{ int|sys||a(void); ", "expected '}' or an alias", FIRST],
    ["0\tSTD\tint|sys||a(void); }", "expected '{', got '|'", FIRST],
    ["0\tSTD\t{ int|sys||a(void ; }", "expected ')' before ';', got 'void'", FIRST],
    ["0\tSTD\t{ int|sys||a(void); }}", "expected ';' before '}', got '}'", FIRST],
    ["0\tSTD\t{ int|sys||a int x); }", "expected '(' after syscall name 'a'", FIRST],
    ["0\tSTD\t{ int|sys||a(); }", "expected an argument list or 'void'", FIRST],
    ["0\tSTD\t{ int|sys||a(int); }", "expected argument type and name, got 'int'", FIRST],
    ["0\tSTD\t{ int|sys||a(int x, ...); }", "expected an argument after '...'", FIRST],
    ["0\tSTD\t{ int|sys||a(int x,, int y); }", "expected an argument between commas", FIRST],
    [
      "0\tSTD\t{ off_t|sys||lseek(int fd, off_t offset); }",
      "expected a padding argument before 'off_t offset'",
      FIRST,
    ],
    ["0\tSTD\t{ |sys||a(void); }", "expected a return type", FIRST],
    [
      "0\tSTD\t{ int|sys|5x|a(void); }",
      "expected '|' or a compat version (digits) after 'sys|', got '5x'",
      FIRST,
    ],
    ["0\tFOO\t{ int|sys||a(void); }", "expected a syscall type (STD, NOERR", FIRST],
    ["0\tCOMPAT_99\t{ int|sys||a(void); }", "expected a known compat option", FIRST],
    [
      "0\tSTD MODULAR { int|sys||a(void); }",
      "expected a module name after MODULAR, got '{'",
      FIRST,
    ],
    ["0\tSTD RUMP MODULAR x { int|sys||a(void); }", "expected '{', got 'MODULAR'", FIRST],
    [
      "0\tSTD\t{ int|sys||a(void); } BAD",
      "expected '}' or an alias ([a-z0-9_]*) at the end of the entry, got 'BAD'",
      FIRST,
    ],
    ["x\tSTD\t{ int|sys||a(void); }", "expected a syscall number, got 'x'", FIRST],
    [
      "0\tSTD\t{ int|sys||a(void); }\n2\tSTD\t{ int|sys||b(void); }",
      "syscall number out of sync: expected 1, got 2",
      FIRST + 1,
    ],
    ["0\tSTD\t{ int|sys||a(void); }\n#else", "expected #if before #else", FIRST + 1],
    ["#endif", "expected #if before #endif", FIRST],
    [
      "#if defined(X)\n0\tSTD\t{ int|sys||a(void); }",
      "expected #endif for '#if defined(X)'",
      FIRST,
    ],
    ["0\tSTD\t{ int|sys||a(int x, \\", "expected a line after the continuation", FIRST],
  ];
  it.each(bad)("rejects %j with file:line and what was expected", (body, what, line) => {
    let err: unknown;
    try {
      parseSyscallsMaster(mk(body), "syscalls.master");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GenError);
    const g = err as GenError;
    expect(g.message.startsWith(`syscalls.master:${line}: `)).toBe(true);
    expect(g.message).toContain(what);
  });

  it("rejects entries before %% and a file without %%", () => {
    expect(() => parseSyscallsMaster("\t$NetBSD$\n0\tSTD\t{ int|sys||a(void); }\n", "s.m")).toThrow(
      "s.m:2: expected '%%' before the first entry",
    );
    expect(() => parseSyscallsMaster("\t$NetBSD$\n#include <x>\n", "s.m")).toThrow("expected '%%'");
  });
});
