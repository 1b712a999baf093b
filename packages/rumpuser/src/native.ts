/**
 * The native addon (native/rumpuser.cc): the few host calls node:fs lacks —
 * flock(2) for image locks, block-device sizes, a ranged data sync, and
 * utimensat(2) with whole nanoseconds (for tools that copy trees out).
 *
 * Loaded once, at import, from the first of these that loads and has our ABI:
 * `build/Release/rumpuser.node` (built from source: at install where no
 * prebuilt binary fits, or by `build:native`), then the prebuilt binaries the
 * package ships, `prebuilds/<platform>-<arch>/*.node` (linux-x64 with glibc;
 * scripts/prebuild.mjs makes them). No install script is needed for those, so
 * they also load after `npm install --ignore-scripts`. When none loads, or
 * RUMPUSER_NATIVE=0 disables the addon, `native` is null and the hosts take
 * their pure-JS paths; a failure (not the deliberate RUMPUSER_NATIVE=0) prints
 * one line on stderr saying what is lost and how to build it.
 * `nativeStatus()` tells why, for diagnostics and tests.
 *
 * Every binding returns 0 (or a size) or -errno in the host's numbering; only
 * integers cross. The arguments are checked here, not in C++ (STYLE.md §6.3):
 * a wrong one is a programming error and throws a TypeError naming it.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export interface NativeBinding {
  /** Non-blocking flock(fd, LOCK_SH or LOCK_EX | LOCK_NB): 0, or -EWOULDBLOCK on a conflict, or -errno. */
  flock(fd: number, exclusive: boolean): number;
  /** flock(fd, LOCK_UN): 0 or -errno. */
  funlock(fd: number): number;
  /** fdatasync(2) (F_FULLFSYNC on macOS): 0 or -errno. */
  fdatasync(fd: number): number;
  /**
   * Bytes [off, off+len) (len 0 = to the end) on stable storage: fsync_range
   * on NetBSD; elsewhere fdatasync of the whole file, since Linux has no
   * durable ranged sync (sync_file_range flushes neither the drive's cache nor
   * metadata). 0 or -errno.
   */
  syncRange(fd: number, off: number, len: number): number;
  /** BLKGETSIZE64: the size in bytes of the block device on fd; -ENOTTY for anything else; -ENOTSUP off Linux. */
  blkSize(fd: number): number;
  /** BLKSSZGET: the logical sector size of the block device on fd, or -errno as blkSize. */
  blkSectorSize(fd: number): number;
  /**
   * utimensat(AT_FDCWD, path, [atime, mtime], nofollow ? AT_SYMLINK_NOFOLLOW : 0):
   * times to the nanosecond (node:fs rounds them through a double). 0 or -errno.
   */
  utimens(
    path: string,
    atimeSec: number,
    atimeNsec: number,
    mtimeSec: number,
    mtimeNsec: number,
    nofollow: boolean,
  ): number;
}

/** Must equal RUMPUSER_NATIVE_ABI in native/rumpuser.cc. */
const NATIVE_ABI = 2;
const ADDON = "build/Release/rumpuser.node";
const LOST =
  "image locks across processes use <image>.rumplock files, block-device sizes are unknown, syncs flush whole files";

/**
 * How to build a package's addon from source (`pkg`, @rump/rumpuser's by
 * default), for the package manager that installed it when it says so
 * (npm_config_user_agent, set in scripts it runs), else for npm and pnpm both.
 */
export function rebuildHint(
  userAgent: string | undefined,
  pkg = "@rump/rumpuser",
  needs = "Python and a C++ compiler",
): string {
  const pm = /^(npm|pnpm|yarn|bun)\//.exec(userAgent ?? "")?.[1];
  const cmd = (m: string): string => `\`${m} rebuild ${pkg}\``;
  const how =
    pm === undefined
      ? `${cmd("npm")} (pnpm: ${cmd("pnpm")})`
      : pm === "bun"
        ? `\`bun pm trust ${pkg}\``
        : cmd(pm);
  return `build it with ${how}; that needs ${needs}`;
}

interface RawBinding extends NativeBinding {
  readonly abi: number;
}

/**
 * The package root: the nearest folder above this module with our
 * package.json (src/ in tests, dist/ when built); or, when this module is
 * bundled into another package's file (the fsu bin), the
 * node_modules/@rump/rumpuser that file would resolve (looked up by hand:
 * require.resolve through "exports" costs milliseconds of start-up).
 */
function packageRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const pj = join(dir, "package.json");
    if (i < 4 && existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, "utf8")) as { name?: unknown }).name === "@rump/rumpuser")
          return dir;
      } catch {
        // not ours; keep looking
      }
    }
    // as Node looks: <dir>/node_modules/@rump/rumpuser, or <dir>/@rump/rumpuser in a node_modules (pnpm's layout)
    const dep = join(
      dir,
      ...(basename(dir) === "node_modules" ? [] : ["node_modules"]),
      "@rump",
      "rumpuser",
    );
    if (existsSync(join(dep, "package.json"))) return dep;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

function invalid(fn: string, name: string, expected: string, actual: unknown): TypeError {
  return new TypeError(
    `native.${fn}: expected ${name} to be ${expected} but received ${String(actual)}`,
  );
}

function checkFd(fn: string, fd: number): void {
  if (!Number.isInteger(fd) || fd < 0 || fd > 0x7fffffff)
    throw invalid(fn, "fd", "a descriptor (integer >= 0)", fd);
}

function checkSize(fn: string, name: string, v: number): void {
  if (!Number.isSafeInteger(v) || v < 0) throw invalid(fn, name, "an integer in [0, 2^53)", v);
}

/** The raw functions behind argument checks. */
function wrap(raw: RawBinding): NativeBinding {
  return {
    flock(fd, exclusive) {
      checkFd("flock", fd);
      if (typeof exclusive !== "boolean")
        throw invalid("flock", "exclusive", "a boolean", exclusive);
      return raw.flock(fd, exclusive);
    },
    funlock(fd) {
      checkFd("funlock", fd);
      return raw.funlock(fd);
    },
    fdatasync(fd) {
      checkFd("fdatasync", fd);
      return raw.fdatasync(fd);
    },
    syncRange(fd, off, len) {
      checkFd("syncRange", fd);
      checkSize("syncRange", "off", off);
      checkSize("syncRange", "len", len);
      return raw.syncRange(fd, off, len);
    },
    blkSize(fd) {
      checkFd("blkSize", fd);
      return raw.blkSize(fd);
    },
    blkSectorSize(fd) {
      checkFd("blkSectorSize", fd);
      return raw.blkSectorSize(fd);
    },
    utimens(path, asec, ansec, msec, mnsec, nofollow) {
      if (typeof path !== "string" || path.includes("\0"))
        throw invalid("utimens", "path", "a string without NUL", path);
      for (const [name, v] of [
        ["atimeSec", asec],
        ["mtimeSec", msec],
      ] as const)
        if (!Number.isSafeInteger(v)) throw invalid("utimens", name, "an integer", v);
      for (const [name, v] of [
        ["atimeNsec", ansec],
        ["mtimeNsec", mnsec],
      ] as const)
        if (!Number.isInteger(v) || v < 0 || v > 999_999_999)
          throw invalid("utimens", name, "an integer in [0, 1e9)", v);
      return raw.utimens(path, asec, ansec, msec, mnsec, nofollow === true);
    },
  };
}

/** The addon files to try, in order: a build from source, then the prebuilt ones for this platform. */
function candidates(root: string): string[] {
  const files = [join(root, ADDON)];
  const dir = join(root, "prebuilds", `${process.platform}-${process.arch}`);
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    // no prebuilt binary for this platform
  }
  // glibc before musl: the one that does not fit this libc fails to load and the next is tried
  for (const n of names.filter((n) => n.endsWith(".node")).sort()) files.push(join(dir, n));
  return files;
}

function load(): { binding: NativeBinding | null; reason: string } {
  if (process.env.RUMPUSER_NATIVE === "0")
    return { binding: null, reason: "disabled by RUMPUSER_NATIVE=0" };
  const root = packageRoot();
  if (root === undefined)
    return { binding: null, reason: "package root of @rump/rumpuser not found" };
  const failed: string[] = [];
  const req = createRequire(import.meta.url);
  const files = candidates(root);
  for (const file of files) {
    if (!existsSync(file)) continue;
    let raw: RawBinding;
    try {
      raw = req(file) as RawBinding;
    } catch (e) {
      failed.push(`${file} did not load: ${(e as Error).message.split("\n")[0]}`);
      continue;
    }
    if (raw.abi !== NATIVE_ABI) {
      failed.push(`${file} is a stale build (abi ${String(raw.abi)}, want ${NATIVE_ABI})`);
      continue;
    }
    return { binding: wrap(raw), reason: `loaded ${file}` };
  }
  const log = join(root, "build", "native-build.log");
  const hint = existsSync(log)
    ? `the build at install failed, see ${log}`
    : rebuildHint(process.env.npm_config_user_agent);
  const what =
    failed.length > 0
      ? failed.join("; ")
      : `${files[0]} is missing and there is no prebuilt binary for ${process.platform}-${process.arch}`;
  return { binding: null, reason: `${what}: ${hint}` };
}

const loaded = load();

/** The addon, or null: the hosts then use their pure-JS paths. */
export const native: NativeBinding | null = loaded.binding;

/** Once per process, even if both src/ and dist/ copies of this module load. */
const WARNED = Symbol.for("@rump/rumpuser:native-warned");
const g = globalThis as { [WARNED]?: true };
if (native === null && process.env.RUMPUSER_NATIVE !== "0" && g[WARNED] !== true) {
  g[WARNED] = true;
  process.stderr.write(`@rump/rumpuser: native addon unavailable (${loaded.reason}); ${LOST}\n`);
}

/** Whether the addon is in use, and why (or why not). */
export function nativeStatus(): { loaded: boolean; reason: string } {
  return { loaded: native !== null, reason: loaded.reason };
}
