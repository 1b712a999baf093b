import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../gen/common.js";
import { buildStubs, generate, OUT, stubMethod, type Stub } from "../gen/syscalls_gen.js";
import { parseSyscallsMaster } from "../gen/syscalls_parse.js";
import { needInputs } from "./inputs.js";

// every test here reads the real syscalls.master: without it they are skipped
const need = needInputs(import.meta.url, "sys/kern/syscalls.master");
const input = need.missing === false ? need.get("sys/kern/syscalls.master") : undefined;
const stubs = input === undefined ? [] : buildStubs(parseSyscallsMaster(input.text));
const outputs = input === undefined ? [] : generate(input);
const file = (path: string): string =>
  outputs.find((o) => o.path === path && o.region === undefined)?.content ?? "";
const stub = (name: string): Stub => {
  const s = stubs.find((x) => x.fnName === name);
  if (s === undefined) throw new Error(`no stub ${name}`);
  return s;
};

describe.skipIf(need.missing)(need.title("rump_sys_* stubs"), () => {
  it("makes every RUMP entry reachable by exactly one stub", () => {
    const rawRump = input!.text
      .replace(/\\\n/g, "")
      .split("\n")
      .filter((l) => /^\d+\s+[^{]*\bRUMP\b[^{]*\{/.test(l))
      .map((l) => Number(/^\d+/.exec(l)![0]));
    expect(stubs).toHaveLength(rawRump.length);
    expect(stubs.map((s) => s.entry.number).sort((a, b) => a - b)).toEqual(
      [...rawRump].sort((a, b) => a - b),
    );
    expect(new Set(stubs.map((s) => s.fnName)).size).toBe(stubs.length);
    expect(stubs.filter((s) => s.isPublic)).toHaveLength(206);
    expect(stubs.filter((s) => !s.isPublic).map((s) => s.fnName)).toEqual([
      "rump___sysimpl_mknod",
      "rump___sysimpl_select",
      "rump___sysimpl_utimes",
      "rump___sysimpl_futimes",
      "rump___sysimpl_lutimes",
      "rump___sysimpl_kevent",
      "rump___sysimpl_pselect",
      "rump___sysimpl_pollts",
      "rump___sysimpl_stat30",
      "rump___sysimpl_fstat30",
      "rump___sysimpl_lstat30",
      "rump___sysimpl_fhstat40",
    ]);
    const text = file(OUT.stubs);
    for (const s of stubs) expect(text).toContain(`\n    ${s.fnName}(`);
    expect(text.match(/^ {2}rump_\w+: \d+,$/gm)).toHaveLength(218);
  });

  it("read", () => {
    expect(stubMethod(stub("rump_sys_read"))).toBe(
      [
        "    rump_sys_read(fd: number, buf: Uint8Array, nbyte: number = buf.length): number {",
        "      const error = t.syscall(SYS_read, fd, buf, nbyte);",
        '      if (error !== 0) throw new RumpError(error, "read");',
        "      return rv[0]!;",
        "    },",
      ].join("\n"),
    );
  });

  it("write", () => {
    expect(stubMethod(stub("rump_sys_write"))).toBe(
      [
        "    rump_sys_write(fd: number, buf: Uint8Array, nbyte: number = buf.length): number {",
        "      const error = t.syscall(SYS_write, fd, buf, nbyte);",
        '      if (error !== 0) throw new RumpError(error, "write");',
        "      return rv[0]!;",
        "    },",
      ].join("\n"),
    );
  });

  it("open: the variadic mode is optional, default 0; the path goes into RumpError", () => {
    expect(stubMethod(stub("rump_sys_open"))).toBe(
      [
        "    rump_sys_open(path: string | Uint8Array, flags: number, mode: number = 0): number {",
        "      const error = t.syscall(SYS_open, path, flags, mode);",
        '      if (error !== 0) throw new RumpError(error, "open", path);',
        "      return rv[0]!;",
        "    },",
      ].join("\n"),
    );
  });

  it("stat → __stat50 (439), returning the Stat", () => {
    expect(stub("rump_sys_stat").entry.number).toBe(439);
    expect(stubMethod(stub("rump_sys_stat"))).toBe(
      [
        "    rump_sys_stat(path: string | Uint8Array): Stat {",
        "      const ub = newStat();",
        "      const error = t.syscall(SYS___stat50, path, ub);",
        '      if (error !== 0) throw new RumpError(error, "stat", path);',
        "      return ub;",
        "    },",
      ].join("\n"),
    );
    expect(stubMethod(stub("rump___sysimpl_stat30"))).toContain(
      "t.syscall(SYS_compat_50___stat30, path, ub)",
    );
  });

  it("getdents → __getdents30 (390)", () => {
    expect(stub("rump_sys_getdents").entry.number).toBe(390);
    expect(stubMethod(stub("rump_sys_getdents"))).toBe(
      [
        "    rump_sys_getdents(fd: number, buf: Uint8Array, count: number = buf.length): number {",
        "      const error = t.syscall(SYS___getdents30, fd, buf, count);",
        '      if (error !== 0) throw new RumpError(error, "getdents");',
        "      return rv[0]!;",
        "    },",
      ].join("\n"),
    );
  });

  it("mount → __mount50 (410): data object, data_len -1 by default", () => {
    expect(stub("rump_sys_mount").entry.number).toBe(410);
    expect(stubMethod(stub("rump_sys_mount"))).toBe(
      [
        "    rump_sys_mount(",
        "      type: string | Uint8Array,",
        "      path: string | Uint8Array,",
        "      flags: number,",
        "      data: object | null,",
        "      data_len: number = -1,",
        "    ): number {",
        "      const error = t.syscall(SYS___mount50, type, path, flags, data, data_len);",
        '      if (error !== 0) throw new RumpError(error, "mount", path);',
        "      return rv[0]!;",
        "    },",
      ].join("\n"),
    );
  });

  it("pipe: both retvals", () => {
    expect(stubMethod(stub("rump_sys_pipe"))).toBe(
      [
        "    rump_sys_pipe(): [number, number] {",
        "      const error = t.syscall(SYS_pipe);",
        '      if (error !== 0) throw new RumpError(error, "pipe");',
        "      return [rv[0]!, rv[1]!];",
        "    },",
      ].join("\n"),
    );
  });

  it("utimensat: a [atime, mtime] pair or null", () => {
    expect(stubMethod(stub("rump_sys_utimensat"))).toBe(
      [
        "    rump_sys_utimensat(",
        "      fd: number,",
        "      path: string | Uint8Array,",
        "      tptr: readonly [Timespec, Timespec] | null,",
        "      flag: number,",
        "    ): number {",
        "      const error = t.syscall(SYS_utimensat, fd, path, tptr, flag);",
        '      if (error !== 0) throw new RumpError(error, "utimensat", path);',
        "      return rv[0]!;",
        "    },",
      ].join("\n"),
    );
  });

  it("readv: an array of buffers, iovcnt = its length", () => {
    expect(stubMethod(stub("rump_sys_readv"))).toBe(
      [
        "    rump_sys_readv(fd: number, iovp: readonly Uint8Array[]): number {",
        "      const error = t.syscall(SYS_readv, fd, iovp, iovp.length);",
        '      if (error !== 0) throw new RumpError(error, "readv");',
        "      return rv[0]!;",
        "    },",
      ].join("\n"),
    );
  });

  it("getpid (NOERR): allocation-free, never throws", () => {
    expect(stubMethod(stub("rump_sys_getpid"))).toBe(
      [
        "    rump_sys_getpid(): number {",
        "      t.syscall(SYS_getpid);",
        "      return rv[0]!;",
        "    },",
      ].join("\n"),
    );
  });

  it("prints TSDoc with the C prototype and number on every stub, in the interface and the plain exports", () => {
    const text = file(OUT.stubs);
    expect(text).toContain(
      "  /**\n   * `int __stat50(const char *path, struct stat *ub)` — syscall 439 (`SYS___stat50`).\n   *\n   * Returns the file's `struct stat`.",
    );
    const plain = file(OUT.plain);
    expect(plain).toContain(
      "export function rump_sys_stat(path: string | Uint8Array): Stat {\n  return defaultSyscalls().rump_sys_stat(path);\n}",
    );
    expect(plain.match(/^export function /gm)).toHaveLength(218);
  });
});

describe.skipIf(need.missing)(need.title("the kernel side"), () => {
  const sysent = file(OUT.sysent);
  it("types SyscallHandlers from the same table, keyed by the C handler name", () => {
    expect(sysent).toContain(
      "  sys_read(l: Lwp, rv: Retval, fd: number, buf: Uint8Array, nbyte: number): number;",
    );
    expect(sysent).toContain(
      "  sys___stat50(l: Lwp, rv: Retval, path: string | Uint8Array, ub: Stat): number;",
    );
    expect(sysent).toContain(
      "  sys_open(l: Lwp, rv: Retval, path: string | Uint8Array, flags: number, mode: number): number;",
    );
    expect(sysent).toContain(
      "  compat_50_sys___stat30(l: Lwp, rv: Retval, path: string | Uint8Array, ub: Stat): number;",
    );
    expect(sysent).toContain(
      "  sys_lseek(l: Lwp, rv: Retval, fd: number, offset: number, whence: number): number;",
    ); // PAD dropped
    expect(sysent).toContain("  sys_pipe(l: Lwp, rv: Retval): number;");
    expect(sysent.match(/^ {2}(sys_|compat_)\w+\(/gm)).toHaveLength(218);
  });

  it("passes the same arguments the stub sends", () => {
    for (const s of stubs) {
      const wire = s.plans.flatMap((p) => p.wire);
      expect(wire.length).toBe(s.kernelParams.length);
      expect(wire.length).toBeLessThanOrEqual(8);
    }
  });

  it("numbers and names every slot", () => {
    const sc = file(OUT.syscall);
    expect(sc).toContain("export const SYS___stat50 = 439;");
    expect(sc).toContain("export const SYS_compat_50___stat30 = 387;");
    expect(sc).toContain("export const SYS_MAXSYSCALL = 483;");
    expect(sc).toContain("export const SYS_NSYSENT = 512;");
    expect(sc).toContain('  "#11 (obsolete execv)", // 11');
    expect(sc).toContain('  "#169 (excluded 1.0 semsys)", // 169');
    expect(sc).toContain('  "#391 (ignored old posix_fadvise)", // 391');
    expect(sc).toContain('  "#151 (unimplemented)", // 151');
    expect(sc).toContain('  "# filler", // 511');
    expect(sc).toContain('  "compat_43_ocreat", // 8');
  });
});

describe.skipIf(need.missing)(need.title("the package README"), () => {
  it("lists the type table and the raw stubs in its generated regions", () => {
    const regions = outputs.filter((o) => o.region !== undefined);
    expect(regions.map((r) => r.region)).toEqual(["typemap", "raw-stubs"]);
    expect(regions[0]!.content).toContain("| `buf-out` |");
    expect(regions[1]!.content).toContain("| `rump_sys_ioctl` | 54 | `void *data` |");
    const readme = readFileSync(join(REPO_ROOT, OUT.readme), "utf8");
    for (const r of regions) expect(readme).toContain(r.content);
  });
});
