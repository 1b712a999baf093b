/**
 * The FUSE addon (native/p2k.cc): libfuse3's low-level session on native
 * threads, mount(2)/fusermount3, and the numbers both sides agree on.
 *
 * Loaded lazily, on first use, from `build/Release/p2k.node`: built from
 * source at install by scripts/build-native.mjs where libfuse3's headers are
 * there, or later by `npm rebuild @rump/p2k` (an install with
 * --ignore-scripts builds nothing). Importing @rump/p2k never fails for want
 * of FUSE; `p2kAddon()` throws P2kUnavailableError naming what is missing,
 * what to install and which command builds it.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { rebuildHint } from "@rump/rumpuser";
import { ENXIO, RumpError } from "@rump/syscalls";

/** Must equal P2K_NATIVE_ABI in native/p2k.cc. */
const NATIVE_ABI = 2;
const ADDON = "build/Release/p2k.node";
const PACKAGES = "Debian/Ubuntu: apt install fuse3 libfuse3-dev pkg-config";

/** Which command builds the addon (for the package manager in use), and what it needs. */
const rebuild = (): string =>
  rebuildHint(
    process.env.npm_config_user_agent,
    "@rump/p2k",
    "libfuse3's headers, Python and a C++ compiler",
  );
/** What to install, and the command that builds the addon. */
const installHint = (): string => `install libfuse3 (${PACKAGES}) and ${rebuild()}`;

/** FUSE cannot be used here: the addon is missing or FUSE is not available. */
export class P2kUnavailableError extends RumpError {
  constructor(
    syscall: string,
    readonly reason: string,
    errno = ENXIO,
    path?: string,
  ) {
    super(errno, syscall, path);
  }
  override get message(): string {
    return `${super.message}: ${this.reason}`;
  }
}

/** Operation numbers of native/p2k.cc's enum Op. */
export const OP_LOOKUP = 1;
export const OP_FORGET = 2;
export const OP_GETATTR = 3;
export const OP_SETATTR = 4;
export const OP_READLINK = 5;
export const OP_MKNOD = 6;
export const OP_MKDIR = 7;
export const OP_UNLINK = 8;
export const OP_RMDIR = 9;
export const OP_SYMLINK = 10;
export const OP_RENAME = 11;
export const OP_LINK = 12;
export const OP_OPEN = 13;
export const OP_READ = 14;
export const OP_WRITE = 15;
export const OP_FLUSH = 16;
export const OP_RELEASE = 17;
export const OP_FSYNC = 18;
export const OP_OPENDIR = 19;
export const OP_READDIR = 20;
export const OP_RELEASEDIR = 21;
export const OP_FSYNCDIR = 22;
export const OP_STATFS = 23;
export const OP_SETXATTR = 24;
export const OP_GETXATTR = 25;
export const OP_LISTXATTR = 26;
export const OP_REMOVEXATTR = 27;
export const OP_ACCESS = 28;
export const OP_CREATE = 29;
export const OP_GETLK = 30;
export const OP_SETLK = 31;
export const OP_FLOCK = 32;
export const OP_FORGET_MULTI = 33;
export const OP_INTERRUPT = 41;
export const OP_END = 42;

/** Names of the operations, for P2K_DEBUG's operation dump. */
export const OP_NAMES: Readonly<Record<number, string>> = {
  1: "lookup",
  2: "forget",
  3: "getattr",
  4: "setattr",
  5: "readlink",
  6: "mknod",
  7: "mkdir",
  8: "unlink",
  9: "rmdir",
  10: "symlink",
  11: "rename",
  12: "link",
  13: "open",
  14: "read",
  15: "write",
  16: "flush",
  17: "release",
  18: "fsync",
  19: "opendir",
  20: "readdir",
  21: "releasedir",
  22: "fsyncdir",
  23: "statfs",
  24: "setxattr",
  25: "getxattr",
  26: "listxattr",
  27: "removexattr",
  28: "access",
  29: "create",
  30: "getlk",
  31: "setlk",
  32: "flock",
  33: "forget_multi",
  41: "interrupt",
  42: "end",
};

/**
 * Slots of the shared Float64Array: the request header (H_*, written by the
 * addon before each dispatch) and the reply (R_*, written before a reply*).
 */
export const H_OP = 0;
export const H_ID = 1;
export const H_INO = 2;
export const H_UID = 3;
export const H_GID = 4;
export const H_PID = 5;
export const H_UMASK = 6;
export const H_NGROUPS = 7;
export const H_FH = 8;
export const H_HASFH = 9;
export const H_OFF = 10;
export const H_SIZE = 11;
export const H_FLAGS = 12;
export const H_MODE = 13;
export const H_INO2 = 14;
export const H_ARG = 15;
/** op-specific: setattr mode uid gid size atime atimens mtime mtimens; locks type whence start len pid ownerlo ownerhi */
export const H_A0 = 16;
export const H_GROUPS = 32;
export const H_MAX_GROUPS = 32;
/** Reply slots (R_*), written before a reply*() call. */
export const R_NODEID = 64;
export const R_GEN = 65;
export const R_ATTR_TIMEOUT = 66;
export const R_ENTRY_TIMEOUT = 67;
/** ino mode nlink uid gid rdev size blksize blocks atime atimens mtime mtimens ctime ctimens */
export const R_ST = 68;
export const R_FH = 83;
export const R_OPENFLAGS = 84;
/** statfs: bsize frsize blocks bfree bavail files ffree favail fsid flag namemax; lock: type start len pid */
export const R_X = 85;
export const SHARED_SLOTS = 128;

/** R_OPENFLAGS bits */
export const OPEN_DIRECT_IO = 1;
export const OPEN_KEEP_CACHE = 2;

/** The dispatcher the addon calls on the JS thread: (op, id, name?, name2?). */
export type Dispatch = (
  op: number,
  id: number,
  a: string | undefined,
  b: string | undefined,
) => void;

/** A libfuse session (native/p2k.cc Session). Replies return 0 or -errno. */
export interface NativeSession {
  start(): number;
  stop(): void;
  close(): void;
  info(): { ok: boolean; maxWrite: number; maxRead: number };
  replyErr(id: number, hostErrno: number): number;
  replyEntry(id: number): number;
  replyCreate(id: number): number;
  replyAttr(id: number): number;
  replyOpen(id: number): number;
  replyWrite(id: number, count: number): number;
  replyBuf(id: number, len: number): number;
  replyReadlink(id: number, len: number): number;
  replyStatfs(id: number): number;
  replyLock(id: number): number;
  replyXattr(id: number, size: number): number;
  park(id: number): number;
  /** A POSIX lock was granted: flush (close) must reach the dispatcher from now on. */
  usePosixLocks(): void;
}

export interface P2kAddon {
  readonly abi: number;
  /** libfuse's version, e.g. 314 */
  readonly fuseVersion: number;
  Session: new (
    fd: number,
    dispatch: Dispatch,
    shared: Float64Array,
    scratch: Uint8Array,
    debug: boolean,
  ) => NativeSession;
  /** [fd, ""] or [-errno (host), message] */
  mount(
    mountpoint: string,
    fsname: string,
    type: string,
    msflags: number,
    kernelOpts: string,
    fusermountOpts: string,
  ): [number, string];
  /** [0, ""] or [-errno (host), message] */
  unmount(mountpoint: string, lazy: boolean): [number, string];
}

/** The package root: the nearest folder above this module with our package.json. */
function packageRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const pj = join(dir, "package.json");
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, "utf8")) as { name?: unknown }).name === "@rump/p2k")
          return dir;
      } catch {
        // not ours
      }
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

let loaded: { addon: P2kAddon | null; reason: string } | null = null;

function load(): { addon: P2kAddon | null; reason: string } {
  if (process.platform !== "linux")
    return {
      addon: null,
      reason: `FUSE through libfuse3 is supported on Linux only, not ${process.platform}`,
    };
  if (process.env.P2K_NATIVE === "0") return { addon: null, reason: "disabled by P2K_NATIVE=0" };
  const root = packageRoot();
  if (root === undefined) return { addon: null, reason: "package root of @rump/p2k not found" };
  const file = join(root, ADDON);
  if (!existsSync(file)) {
    const log = join(root, "build", "native-build.log");
    return {
      addon: null,
      reason: `the FUSE addon ${file} is missing${existsSync(log) ? ` (its build failed, see ${log})` : ""}: ${installHint()}`,
    };
  }
  let raw: P2kAddon;
  try {
    raw = createRequire(import.meta.url)(file) as P2kAddon;
  } catch (e) {
    const first = (e as Error).message.split("\n")[0]!;
    return {
      addon: null,
      reason: `the FUSE addon did not load (${first})${/libfuse3/.test(first) ? ": install fuse3 (Debian/Ubuntu: apt install fuse3), which brings libfuse3.so.3" : `: ${installHint()}`}`,
    };
  }
  if (raw.abi !== NATIVE_ABI)
    return {
      addon: null,
      reason: `${file} is a stale build (abi ${String(raw.abi)}, want ${NATIVE_ABI}): ${rebuild()}`,
    };
  return {
    addon: raw,
    reason: `loaded ${file} (libfuse ${Math.floor(raw.fuseVersion / 100)}.${raw.fuseVersion % 100})`,
  };
}

/** Whether the addon can be used, and why (or why not). Never throws. */
export function p2kStatus(): { available: boolean; reason: string } {
  loaded ??= load();
  return { available: loaded.addon !== null, reason: loaded.reason };
}

/** The addon, or P2kUnavailableError (ENXIO) saying what to install. */
export function p2kAddon(syscall = "p2k_init"): P2kAddon {
  loaded ??= load();
  if (loaded.addon === null) throw new P2kUnavailableError(syscall, loaded.reason);
  return loaded.addon;
}
