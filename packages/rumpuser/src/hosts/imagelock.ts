/**
 * Image locks: an advisory lock on every file a host opens for block I/O, so
 * that a second read-write opener of an image — another process, or another
 * kernel in this process — gets a clear error naming the image instead of
 * becoming a silent second writer. Read-only openers share; a shared lock and
 * an exclusive one conflict. A conflict is NetBSD EAGAIN (35) with `why.v`
 * set to a sentence naming the image and, where known, the holder's pid.
 *
 * Two layers, both always on:
 *
 * 1. In this process: a registry keyed by the file's dev:ino (several kernels
 *    in one process share it; this is host state of the process, not of a
 *    kernel). Exact for readers and writers, whatever path or link names
 *    the file.
 * 2. Across processes:
 *    - with the addon: flock(2) on the descriptor, shared or exclusive. Exact
 *      between processes for readers and writers; released by the kernel
 *      when the process dies. (On Linux flock belongs to the open file
 *      description, so two opens in one process conflict too; the registry
 *      does not depend on that.) A native opener also refuses an image whose
 *      `<image>.rumplock` names a live process (a writer without the addon).
 *    - without the addon (RUMPUSER_NATIVE=0, or no build), regular files
 *      only: a writer creates `<image>.rumplock` atomically (link(2), which
 *      fails if it exists) holding "<pid> <hostname>"; a lock file whose pid is dead (same host) is stale
 *      and taken over. A reader only checks that no live writer holds the
 *      lock file: it leaves no trace, so a writer in another process does not
 *      see it. On Linux both also read /proc/locks and refuse a flock(2) lock
 *      that conflicts, i.e. processes with the addon. If the lock file cannot
 *      be made (directory not writable, read-only file system), the image is
 *      locked in this process only, and `why.v` says so while the lock is
 *      still granted. A process killed with SIGKILL leaves its lock file
 *      behind, which the next opener finds stale. Two processes taking over
 *      the same stale lock file at the same instant can race.
 *
 * Non-regular files (block devices) without the addon are locked in this
 * process only (no lock files in /dev); `why.v` says so.
 */
import {
  fstatSync,
  linkSync,
  readFileSync,
  unlinkSync,
  writeFileSync,
  type BigIntStats,
} from "node:fs";
import { constants as osc, hostname } from "node:os";
import { EAGAIN } from "../errno.js";
import { errtrans, hostErrnoName } from "../errtrans.js";
import { native, type NativeBinding } from "../native.js";

export interface ImageLock {
  /** Drop the lock; idempotent. Call before closing the descriptor. */
  release(): void;
}

/** Readers and writers of one file (dev:ino) in this process. */
interface Holders {
  readers: number;
  writers: number;
}

const registry = new Map<string, Holders>();

/** Lock files this process made and has not yet removed (path → contents). */
const ownLockFiles = new Map<string, string>();
let exitHook = false;

const HOST_EWOULDBLOCK = osc.errno.EWOULDBLOCK ?? osc.errno.EAGAIN;
const HOST_EAGAIN = osc.errno.EAGAIN;

/**
 * Lock the image `path` open on `fd` (shared for read-only, exclusive for
 * read-write). Returns the lock, or a NetBSD errno with `why.v` set: EAGAIN
 * when someone else holds a conflicting lock, another errno for a host
 * failure. A granted lock that is weaker than asked (in this process only)
 * also sets `why.v`, as a note for the console.
 */
export function lockImage(
  path: string,
  fd: number,
  exclusive: boolean,
  why: { v: string },
): ImageLock | number {
  return lockImageUsing(native, path, fd, exclusive, why);
}

/** lockImage with the addon given explicitly; `null` forces the pure-JS path (tests, diagnostics). */
export function lockImageUsing(
  binding: NativeBinding | null,
  path: string,
  fd: number,
  exclusive: boolean,
  why: { v: string },
): ImageLock | number {
  let st: BigIntStats;
  try {
    st = fstatSync(fd, { bigint: true });
  } catch (e) {
    why.v = `${path}: cannot lock image: ${(e as NodeJS.ErrnoException).code ?? String(e)}`;
    return errtrans(e);
  }
  const key = `${st.dev}:${st.ino}`;

  // 1. this process
  const here = registry.get(key);
  if (here !== undefined && (here.writers > 0 || (exclusive && here.readers > 0))) {
    why.v =
      here.writers > 0
        ? `${path}: image is in use read-write by another rump kernel in this process`
        : `${path}: image is open read-only by another rump kernel in this process`;
    return EAGAIN;
  }

  // 2. other processes
  const lockFile = `${path}.rumplock`;
  let unlockCross: () => void;
  if (binding !== null) {
    const r = binding.flock(fd, exclusive);
    if (r === -HOST_EWOULDBLOCK || r === -HOST_EAGAIN) {
      why.v = describeFlockConflict(path, st, exclusive);
      return EAGAIN;
    }
    if (r < 0) {
      why.v = `${path}: cannot lock image: flock: ${hostErrnoName(r) ?? `errno ${-r}`}`;
      return errtrans(r);
    }
    const writer = liveLockFileWriter(lockFile);
    if (writer !== undefined) {
      binding.funlock(fd);
      why.v = `${path}: image is in use read-write by another rump kernel (${writer})`;
      return EAGAIN;
    }
    unlockCross = () => void binding.funlock(fd);
  } else {
    const r = fallbackLock(path, lockFile, st, exclusive, why);
    if (typeof r === "number") return r;
    unlockCross = r;
  }

  const h = here ?? { readers: 0, writers: 0 };
  if (exclusive) h.writers++;
  else h.readers++;
  registry.set(key, h);
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      if (exclusive) h.writers--;
      else h.readers--;
      if (h.readers === 0 && h.writers === 0) registry.delete(key);
      unlockCross();
    },
  };
}

/** The pure-JS cross-process layer: returns its unlock function, or a NetBSD errno with why.v set. */
function fallbackLock(
  path: string,
  lockFile: string,
  st: BigIntStats,
  exclusive: boolean,
  why: { v: string },
): (() => void) | number {
  const none = () => {};
  // holders with the addon: their flock(2) locks show in /proc/locks (Linux)
  for (const l of flockHolders(st)) {
    if (l.pid === process.pid) continue; // this process: the registry decides
    if (exclusive || l.write) {
      why.v = conflictText(path, l.write, `pid ${l.pid}`);
      return EAGAIN;
    }
  }
  if (!st.isFile()) {
    why.v = `${path}: locked in this process only (no native addon; lock files are made for regular files only)`;
    return none;
  }
  if (!exclusive) {
    const writer = liveLockFileWriter(lockFile);
    if (writer === undefined) return none;
    why.v = `${path}: image is in use read-write by another rump kernel (${writer})`;
    return EAGAIN;
  }
  // The lock file appears whole: written under a private name, then link(2)ed
  // into place, which fails if it exists (as O_EXCL would, but never empty).
  const token = `${process.pid} ${hostname()}\n`;
  const tmp = `${lockFile}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  try {
    writeFileSync(tmp, token, { flag: "wx", mode: 0o644 });
  } catch (e) {
    why.v = `${path}: locked in this process only (cannot create ${lockFile}: ${(e as NodeJS.ErrnoException).code ?? String(e)})`;
    return none;
  }
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(tmp, lockFile);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== "EEXIST") {
          why.v = `${path}: locked in this process only (cannot create ${lockFile}: ${code ?? String(e)})`;
          return none;
        }
        const seen = readLockFile(lockFile);
        if (seen === undefined) continue; // vanished meanwhile: try again
        const writer = lockFileHolder(seen);
        if (writer !== undefined) {
          why.v = `${path}: image is in use read-write by another rump kernel (${writer})`;
          return EAGAIN;
        }
        // stale: remove it if it is still the one we read, then try again
        if (readLockFile(lockFile) === seen) tryUnlink(lockFile);
        continue;
      }
      ownLockFiles.set(lockFile, token);
      if (!exitHook) {
        exitHook = true;
        process.once("exit", () => {
          for (const [f, t] of ownLockFiles) removeOwnLockFile(f, t);
        });
      }
      return () => removeOwnLockFile(lockFile, token);
    }
  } finally {
    tryUnlink(tmp);
  }
  why.v = `${path}: cannot lock image: ${lockFile} keeps changing`;
  return EAGAIN;
}

function tryUnlink(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

function removeOwnLockFile(lockFile: string, token: string): void {
  ownLockFiles.delete(lockFile);
  if (readLockFile(lockFile) === token) tryUnlink(lockFile); // else not ours any more
}

function readLockFile(lockFile: string): string | undefined {
  try {
    return readFileSync(lockFile, "utf8");
  } catch {
    return undefined;
  }
}

/** "pid N" (or "pid N on host H") when the lock file names a live writer; undefined when absent or stale. */
function liveLockFileWriter(lockFile: string): string | undefined {
  const seen = readLockFile(lockFile);
  return seen === undefined ? undefined : lockFileHolder(seen);
}

function lockFileHolder(contents: string): string | undefined {
  const m = /^(\d+)(?:[ \t]+(\S+))?/.exec(contents);
  if (m === null) return undefined; // not ours (garbage, or being written): treated as stale
  const pid = Number(m[1]);
  const host = m[2];
  if (host !== undefined && host !== hostname()) return `pid ${pid} on host ${host}`; // cannot check: assume live
  if (pid === process.pid) return undefined; // this process's writers are in the registry
  return pidAlive(pid) ? `pid ${pid}` : undefined;
}

function pidAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"; // exists, someone else's
  }
}

function conflictText(path: string, write: boolean, who: string): string {
  return write
    ? `${path}: image is in use read-write by another process (${who})`
    : `${path}: image is open read-only elsewhere (${who})`;
}

/** Why our flock failed: the conflicting holders from /proc/locks, when it can tell. */
function describeFlockConflict(path: string, st: BigIntStats, exclusive: boolean): string {
  const holders = flockHolders(st).filter((l) => exclusive || l.write);
  const writer = holders.find((l) => l.write);
  if (writer !== undefined) return conflictText(path, true, `pid ${writer.pid}`);
  if (holders.length > 0) {
    const pids = [...new Set(holders.map((l) => l.pid))].join(", ");
    return conflictText(path, false, `pid ${pids}`);
  }
  return exclusive
    ? `${path}: image is locked by another process`
    : `${path}: image is in use read-write by another process`;
}

interface FlockHolder {
  pid: number;
  write: boolean;
}

/** flock(2) locks held on this file, from Linux's /proc/locks; empty elsewhere or when unreadable. */
function flockHolders(st: BigIntStats): FlockHolder[] {
  if (process.platform !== "linux") return [];
  let text: string;
  try {
    text = readFileSync("/proc/locks", "utf8");
  } catch {
    return [];
  }
  // Linux's dev_t: 12-bit major and 20-bit minor split across the word (glibc makedev)
  const dev = st.dev;
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  const out: FlockHolder[] = [];
  // "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF"; blocked waiters have "->" and are skipped
  const re = /^\d+:\s+FLOCK\s+\S+\s+(READ|WRITE)\s+(\d+)\s+([0-9a-f]+):([0-9a-f]+):(\d+)\s/gm;
  for (const m of text.matchAll(re)) {
    if (BigInt(m[5]!) !== st.ino) continue;
    if (BigInt(`0x${m[3]!}`) !== major || BigInt(`0x${m[4]!}`) !== minor) continue;
    out.push({ pid: Number(m[2]), write: m[1] === "WRITE" });
  }
  return out;
}
