/**
 * Unmounting a p2k mount from outside the process that serves it (`fsu
 * umount`): the host unmount, then waiting until the serving process has
 * released the kernel's file system — visible as the image's lock going
 * away — so that the image is clean when this returns.
 */
import { readFileSync, realpathSync, statSync } from "node:fs";
import { resolve as hostResolve } from "node:path";
import { errtrans } from "@rump/rumpuser";
import { EINVAL, ETIMEDOUT } from "@rump/syscalls";
import { findMount, isP2kMount } from "./mountinfo.js";
import { p2kAddon } from "./native.js";
import { P2kMountError } from "./serve.js";

export interface UnmountOptions {
  /** detach now even if busy; the server finishes when the last user lets go (not waited for) */
  lazy?: boolean;
  /** how long to wait for the server to release the image (default 60 s) */
  timeoutMs?: number;
}

/** The image behind a p2k mount source ("/x/disk.img%p1%" → "/x/disk.img"). */
export function imageOfSource(source: string): string {
  const m = /^(.*?)%[^%]*%$/.exec(source);
  return m !== null ? m[1]! : source;
}

/** Pids holding a flock(2) lock on the file at `path` (from /proc/locks; empty if unknown). */
export function lockHolders(path: string): number[] {
  let dev: bigint;
  let ino: bigint;
  try {
    const st = statSync(path, { bigint: true });
    if (!st.isFile() && !st.isBlockDevice()) return [];
    dev = st.dev;
    ino = st.ino;
  } catch {
    return [];
  }
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  let text: string;
  try {
    text = readFileSync("/proc/locks", "utf8");
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const line of text.split("\n")) {
    // "1: FLOCK  ADVISORY  WRITE 4242 fd:01:1234567 0 EOF" (a "->" marks a waiter)
    const f = line.trim().split(/\s+/);
    if (f[1] !== "FLOCK" || f[2] === "->") continue;
    const id = f[5]?.split(":");
    if (id?.length !== 3) continue;
    if (BigInt(`0x${id[0]}`) === major && BigInt(`0x${id[1]}`) === minor && BigInt(id[2]!) === ino)
      pids.push(Number(f[4]));
  }
  return pids;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Unmount the p2k mount at `mountpoint` and wait until its server has
 * released the image. Throws RumpError: EINVAL for something that is not a
 * p2k mount, EBUSY when in use (unless lazy), ETIMEDOUT when the server
 * does not finish in time.
 */
export async function p2kUnmount(mountpoint: string, options: UnmountOptions = {}): Promise<void> {
  let mnt = hostResolve(mountpoint);
  try {
    mnt = realpathSync(mnt);
  } catch {
    // a dead mount does not stat: keep the path as given
  }
  const entry = findMount(mnt);
  if (entry === undefined) throw new P2kMountError(EINVAL, "unmount", mnt, "not a mount point");
  if (!isP2kMount(entry))
    throw new P2kMountError(
      EINVAL,
      "unmount",
      mnt,
      `not a p2k mount (type ${entry.fstype}); use umount(8) or fusermount3 -u`,
    );
  const image = imageOfSource(entry.source);
  const holders = lockHolders(image);
  const [rc, msg] = p2kAddon("unmount").unmount(mnt, options.lazy === true);
  if (rc < 0) throw new P2kMountError(errtrans(-rc), "unmount", mnt, msg);
  if (options.lazy === true || holders.length === 0) return;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    const still = lockHolders(image).filter((p) => holders.includes(p) && alive(p));
    if (still.length === 0) return;
    if (Date.now() > deadline)
      throw new P2kMountError(
        ETIMEDOUT,
        "unmount",
        mnt,
        `unmounted, but the server (pid ${still.join(", ")}) is still releasing ${image}`,
      );
    await new Promise((r) => setTimeout(r, 20));
  }
}
