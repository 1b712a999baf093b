/**
 * Test helpers: every test boots its own kernel on an in-memory host, so
 * tests are independent and need no files on the host.
 */
import { createKernel, type Kernel, type Lwp } from "@rump/librump";
import { MemoryHost } from "@rump/rumpuser";
import {
  createSyscalls,
  errnoNames,
  O_CREAT,
  O_RDONLY,
  O_TRUNC,
  O_WRONLY,
  RumpError,
  type RumpSyscalls,
} from "@rump/syscalls";
import { expect, onTestFinished } from "vitest";

export interface TestKernel {
  k: Kernel;
  sys: RumpSyscalls;
  host: MemoryHost;
}

/**
 * Boot a kernel. Inside a test, the kernel is shut down when the test
 * finishes (whatever it left open or mounted).
 */
export function bootKernel(params?: Record<string, string | number>): TestKernel {
  const host = new MemoryHost({ log: false });
  const k = createKernel({ host, params });
  const t = { k, sys: createSyscalls(k), host };
  try {
    onTestFinished(() => {
      // back to the implicit context, whatever the test left current
      if (k.rump_pub_lwproc_curlwp() !== null) k.rump_pub_lwproc_switch(null);
      k.shutdown();
    });
  } catch {
    // not inside a test (e.g. a script): the caller shuts down
  }
  return t;
}

/** Boot a kernel with a tmpfs mounted on /mnt and cwd there. */
export function bootTmpfs(args: Partial<TmpfsArgs> = {}): TestKernel {
  const t = bootKernel();
  t.sys.rump_sys_mkdir("/mnt", 0o755);
  t.sys.rump_sys_mount("tmpfs", "/mnt", 0, { ...TMPFS_DEFAULT, ...args });
  t.sys.rump_sys_chdir("/mnt");
  return t;
}

export interface TmpfsArgs {
  ta_version: number;
  ta_nodes_max: number;
  ta_size_max: number;
  ta_root_uid: number;
  ta_root_gid: number;
  ta_root_mode: number;
}

export const TMPFS_DEFAULT: TmpfsArgs = {
  ta_version: 1,
  ta_nodes_max: 0,
  ta_size_max: 0,
  ta_root_uid: 0,
  ta_root_gid: 0,
  ta_root_mode: 0o777,
};

/**
 * The file systems the POSIX suite runs over (STYLE §2, h_fsmacros.h):
 * each entry boots a kernel with the file system mounted on /mnt and the
 * cwd there, and states its capabilities as predicates so that tests skip
 * what a file system cannot do rather than asserting less.
 */
export interface FileSystem {
  name: string;
  /** boot a kernel, mount the file system on /mnt, chdir there */
  mount(): TestKernel;
  hardLinks: boolean;
  symlinks: boolean;
  /** uid/gid/mode are stored (false for msdosfs) */
  owners: boolean;
  fifos: boolean;
  /** chflags(2) user and system flags */
  fileFlags: boolean;
  /** NAME_MAX */
  nameMax: number;
  timeResolutionNs: number;
}

export const FILE_SYSTEMS: FileSystem[] = [
  {
    name: "tmpfs",
    mount: () => bootTmpfs(),
    hardLinks: true,
    symlinks: true,
    owners: true,
    fifos: true,
    fileFlags: true,
    nameMax: 255,
    timeResolutionNs: 1,
  },
];

/** The errno a call fails with (and fail the test if it succeeds). */
export function errnoOf(fn: () => unknown): number {
  try {
    fn();
  } catch (e) {
    if (e instanceof RumpError) return e.errno;
    throw e;
  }
  throw new Error("expected the call to fail, it succeeded");
}

/** Expect `fn` to fail with `errno`; compares names, so a failure reads "ENOENT" vs "EACCES". */
export function expectErrno(fn: () => unknown, errno: number): void {
  let got: number;
  try {
    fn();
    got = 0;
  } catch (e) {
    if (!(e instanceof RumpError)) throw e;
    got = e.errno;
  }
  expect(got === 0 ? "success" : (errnoNames[got] ?? String(got))).toBe(
    errnoNames[errno] ?? String(errno),
  );
}

/** Run `fn` as a non-root process (uid/gid), then return to the implicit context. */
export function asUser<T>(
  t: TestKernel,
  uid: number,
  gid: number,
  fn: () => T,
  groups: number[] = [],
): T {
  const { k, sys } = t;
  const prev = k.rump_pub_lwproc_curlwp();
  k.rump_pub_lwproc_rfork(0x01);
  try {
    sys.rump_sys_setgroups(groups);
    sys.rump_sys_setgid(gid);
    sys.rump_sys_setuid(uid);
    return fn();
  } finally {
    k.rump_pub_lwproc_releaselwp();
    if (prev !== null) k.rump_pub_lwproc_switch(prev);
  }
}

/** Run `fn` in a new process (rfork with `flags`), then release it. */
export function inProcess<T>(t: TestKernel, fn: () => T, flags = 0x01): T {
  const { k } = t;
  const prev = k.rump_pub_lwproc_curlwp();
  k.rump_pub_lwproc_rfork(flags);
  try {
    return fn();
  } finally {
    k.rump_pub_lwproc_releaselwp();
    if (prev !== null) k.rump_pub_lwproc_switch(prev);
  }
}

/** A process kept alive across calls, to make two processes interact (locks, pipes). */
export interface TestProc {
  lwp: Lwp;
  pid: number;
  /** run `fn` as this process, then switch back to whoever was current */
  run<T>(fn: () => T): T;
  /** release the process (its descriptors are closed, its locks dropped) */
  release(): void;
}

/**
 * rfork a process with `flags` (default RUMP_RFCFDG: an empty descriptor
 * table), optionally with non-root credentials, and come back to the
 * caller's context.
 */
export function spawn(
  t: TestKernel,
  flags = 0x02,
  creds?: { uid: number; gid: number; groups?: number[] },
): TestProc {
  const { k, sys } = t;
  const prev = k.rump_pub_lwproc_curlwp();
  const error = k.rump_pub_lwproc_rfork(flags);
  if (error !== 0) throw new Error(`rfork: errno ${error}`);
  const lwp = k.rump_pub_lwproc_curlwp()!;
  const pid = sys.rump_sys_getpid();
  if (creds !== undefined) {
    sys.rump_sys_setgroups(creds.groups ?? []);
    sys.rump_sys_setgid(creds.gid);
    sys.rump_sys_setuid(creds.uid);
  }
  k.rump_pub_lwproc_switch(prev);
  let released = false;
  return {
    lwp,
    pid,
    run<T>(fn: () => T): T {
      const back = k.rump_pub_lwproc_curlwp();
      k.rump_pub_lwproc_switch(lwp);
      try {
        return fn();
      } finally {
        k.rump_pub_lwproc_switch(back);
      }
    },
    release(): void {
      if (released) return;
      released = true;
      const back = k.rump_pub_lwproc_curlwp();
      k.rump_pub_lwproc_switch(lwp);
      k.rump_pub_lwproc_releaselwp();
      if (back !== null && back !== lwp) k.rump_pub_lwproc_switch(back);
    },
  };
}

export const enc = new TextEncoder();
export const dec = new TextDecoder();

/** Create (or truncate) `path` with `data`; the mode is set exactly (no umask). */
export function writeFile(
  sys: RumpSyscalls,
  path: string,
  data: string | Uint8Array = "",
  mode = 0o644,
): void {
  const fd = sys.rump_sys_open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
  try {
    sys.rump_sys_fchmod(fd, mode);
    const b = typeof data === "string" ? enc.encode(data) : data;
    if (b.length > 0) expect(sys.rump_sys_write(fd, b)).toBe(b.length);
  } finally {
    sys.rump_sys_close(fd);
  }
}

/** The whole content of `path`, as a string. */
export function readFile(sys: RumpSyscalls, path: string): string {
  return dec.decode(readBytes(sys, path));
}

/** The whole content of `path`. */
export function readBytes(sys: RumpSyscalls, path: string): Uint8Array {
  const fd = sys.rump_sys_open(path, O_RDONLY);
  try {
    const chunks: Uint8Array[] = [];
    let total = 0;
    for (;;) {
      const b = new Uint8Array(8192);
      const n = sys.rump_sys_read(fd, b);
      if (n === 0) break;
      chunks.push(b.subarray(0, n));
      total += n;
    }
    const out = new Uint8Array(total);
    let off = 0;
    for (const c of chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  } finally {
    sys.rump_sys_close(fd);
  }
}

/** mkdir with the mode set exactly (no umask). */
export function mkdirMode(sys: RumpSyscalls, path: string, mode: number): void {
  sys.rump_sys_mkdir(path, mode);
  sys.rump_sys_chmod(path, mode);
}

/** True if `path` exists (lstat succeeds). */
export function exists(sys: RumpSyscalls, path: string): boolean {
  try {
    sys.rump_sys_lstat(path);
    return true;
  } catch (e) {
    if (e instanceof RumpError) return false;
    throw e;
  }
}

/** A name of `n` bytes. */
export function nameOf(n: number, c = "x"): string {
  return c.repeat(n);
}

/** Compare two timespecs: <0, 0, >0. */
export function tsCmp(
  a: { tv_sec: number; tv_nsec: number },
  b: { tv_sec: number; tv_nsec: number },
): number {
  return a.tv_sec !== b.tv_sec ? a.tv_sec - b.tv_sec : a.tv_nsec - b.tv_nsec;
}

/** Ids used by the non-root tests. */
export const UID = 1000;
export const GID = 1000;
export const UID2 = 2000;
export const GID2 = 2000;
