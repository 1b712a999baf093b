/**
 * p2k(3) under its C names (spec p2k.md §1–§2): set a kernel file system up
 * with ukfs and serve it to the host until it is unmounted.
 *
 * Mapped as ukfs maps C: failures throw RumpError (errno, syscall, path)
 * instead of returning -1 with errno; `struct p2k_mount *` is a P2kMountHandle.
 * Functions that block in C until unmount (p2k_mainloop, p2k_run_*) return
 * a promise here, because requests are served on this thread's event loop.
 * Deliberate differences: p2k_init never detaches from the terminal (a
 * Node process cannot fork; the rump_* commands and `fsu mount` start a
 * detached copy of themselves instead, unless P2K_DEBUG / P2K_NODETACH /
 * -f); each p2k mount boots a kernel of its own (C: the process's kernel —
 * one per p2k process there too).
 */
import {
  createKernel,
  MNT_NOATIME,
  MNT_NODEV,
  MNT_NOEXEC,
  MNT_NOSUID,
  MNT_RDONLY,
  MNT_SYNCHRONOUS,
  type Kernel,
  type Mount,
} from "@rump/librump";
import { EINVAL, EBUSY, RumpError } from "@rump/syscalls";
import {
  ukfs_mount,
  ukfs_mount_disk,
  ukfs_part_tostring,
  type Ukfs,
  type UkfsPart,
} from "@rump/ukfs";
import { resolve as hostResolve } from "node:path";
import {
  checkMountpoint,
  hostOptionsOf,
  P2K_MEMLIMIT,
  settingsOf,
  type MountOptions,
} from "./mount.js";
import { p2kAddon } from "./native.js";
import type { P2kEnd } from "./p2k_server.js";
import { serve, type P2kMount, type P2kSource } from "./serve.js";

/** puffs kernel flags p2k honours (puffs_msgif.h) */
export const PUFFS_KFLAG_NOCACHE_NAME = 0x001;
export const PUFFS_KFLAG_NOCACHE_PAGE = 0x002;
export const PUFFS_KFLAG_NOCACHE = 0x003;
/** puffs library flag: dump every operation (P2K_DEBUG) */
export const PUFFS_FLAG_OPDUMP = 0x40000000;
/** the largest uid P2K_WIZARDUID accepts (NetBSD's UID_MAX) */
export const UID_MAX = 2147483647;

/** `struct p2k_mount`: one kernel, one file system, one host mount. */
export class P2kMountHandle {
  /** the file system once set up */
  fs: P2kSource | null = null;
  /** the host mount once set up */
  mount: P2kMount | null = null;
  /** p2k_cancel was called */
  cancelled = false;
  constructor(
    readonly kernel: Kernel,
    /** puffs flags (PUFFS_KFLAG_*, PUFFS_FLAG_OPDUMP) with the environment's added */
    readonly flags: number,
    /** P2K_WIZARDUID, when valid */
    readonly wizardUid: number | null,
    /** C would detach from the terminal (neither P2K_DEBUG nor P2K_NODETACH) */
    readonly detach: boolean,
  ) {}
}

/** Options beyond the C arguments (what the rump_* commands take from -o). */
export type P2kHostOptions = Pick<
  MountOptions,
  | "allowOther"
  | "defaultPermissions"
  | "suid"
  | "dev"
  | "dirsync"
  | "fsname"
  | "attrTimeout"
  | "entryTimeout"
  | "fuseDebug"
  | "log"
>;

function env(name: string): string | undefined {
  const v = process.env[name];
  return v === undefined ? undefined : v;
}

/**
 * p2k_init: read the environment (P2K_DEBUG, P2K_NODETACH, P2K_NOCACHE,
 * P2K_NOCACHE_PAGE, P2K_NOCACHE_NAME, P2K_WIZARDUID) into the flags and
 * boot a kernel. Throws P2kUnavailableError when FUSE cannot be used here.
 */
export function p2k_init(
  puffs_flags = 0,
  log: (line: string) => void = (l) => void process.stderr.write(l + "\n"),
): P2kMountHandle {
  p2kAddon("p2k_init");
  let flags = puffs_flags >>> 0;
  const debug = env("P2K_DEBUG") !== undefined;
  if (debug) flags |= PUFFS_FLAG_OPDUMP;
  if (env("P2K_NOCACHE_PAGE") !== undefined) flags |= PUFFS_KFLAG_NOCACHE_PAGE;
  if (env("P2K_NOCACHE_NAME") !== undefined) flags |= PUFFS_KFLAG_NOCACHE_NAME;
  if (env("P2K_NOCACHE") !== undefined) flags |= PUFFS_KFLAG_NOCACHE;
  let wizard: number | null = null;
  const w = env("P2K_WIZARDUID");
  if (w !== undefined) {
    // as p2k.c 1.66: a decimal number up to UID_MAX, else no wizard mode
    if (/^\d+$/.test(w) && Number(w) <= UID_MAX) {
      wizard = Number(w);
      log(`P2K WIZARD MODE: using uid ${wizard}`);
    } else log(`P2K_WIZARDUID: invalid uid "${w}", not using wizard mode`);
  }
  const detach = !debug && env("P2K_NODETACH") === undefined;
  const params =
    process.env.RUMP_MEMLIMIT === undefined ? { RUMP_MEMLIMIT: P2K_MEMLIMIT } : undefined;
  const kernel = createKernel(params !== undefined ? { params } : {});
  return new P2kMountHandle(kernel, flags, wizard, detach);
}

/** p2k_cancel: give up before mounting (releases the kernel). */
export function p2k_cancel(p2m: P2kMountHandle, error: number): void {
  void error;
  if (p2m.cancelled) return;
  p2m.cancelled = true;
  if (p2m.mount !== null) {
    p2m.mount.abandon();
    return;
  }
  try {
    if (p2m.fs !== null && p2m.fs.alive) p2m.fs.close();
  } finally {
    if (p2m.kernel.dead === null) p2m.kernel.shutdown();
  }
}

function hostOptions(p2m: P2kMountHandle, mntflags: number, extra: P2kHostOptions): MountOptions {
  return {
    ...extra,
    readonly: (mntflags & MNT_RDONLY) !== 0,
    noexec: (mntflags & MNT_NOEXEC) !== 0,
    noatime: (mntflags & MNT_NOATIME) !== 0,
    sync: (mntflags & MNT_SYNCHRONOUS) !== 0,
    ...((mntflags & MNT_NOSUID) !== 0 ? { suid: false } : {}),
    ...((mntflags & MNT_NODEV) !== 0 ? { dev: false } : {}),
    debug: (p2m.flags & PUFFS_FLAG_OPDUMP) !== 0,
    nocacheName: (p2m.flags & PUFFS_KFLAG_NOCACHE_NAME) !== 0,
    nocachePage: (p2m.flags & PUFFS_KFLAG_NOCACHE_PAGE) !== 0,
    ...(p2m.wizardUid !== null ? { wizardUid: p2m.wizardUid } : {}),
  };
}

function setup(
  p2m: P2kMountHandle,
  vfsname: string,
  fsname: string,
  mountpath: string,
  mntflags: number,
  extra: P2kHostOptions,
  mountFs: () => P2kSource,
): number {
  if (p2m.cancelled || p2m.fs !== null) throw new RumpError(EINVAL, "p2k_setup_fs", mountpath);
  const mnt = checkMountpoint(mountpath);
  const fs = mountFs();
  p2m.fs = fs;
  const o = hostOptions(p2m, mntflags, extra);
  p2m.mount = serve(fs, mnt, {
    host: hostOptionsOf(o, fsname, `p2k.${vfsname}`),
    settings: settingsOf(o),
    // p2k_mainloop: ukfs_release, forced if need be
    release: (h, end) => releaseFs(h, end),
  });
  return 0;
}

function releaseFs(h: P2kSource, end: P2kEnd): void {
  if (end.panic !== null || !h.alive) return;
  try {
    h.close();
  } catch {
    (h as Ukfs).release?.(0x02 /* UKFS_RELFLAG_FORCE */);
  }
}

/** The kernel's own root (vfsname "rumpfs"): nothing is mounted, "/" is served. */
function rumpfsRoot(k: Kernel): P2kSource {
  let alive = true;
  return {
    kernel: k,
    get alive() {
      return alive;
    },
    getmp(): Mount {
      const mpp: { v: Mount | null } = { v: null };
      const e = k.rump_pub_vfs_getmp("/", mpp);
      if (e !== 0) throw new RumpError(e, "vfs_getmp", "/");
      return mpp.v!;
    },
    close() {
      alive = false;
    },
  } as P2kSource;
}

/**
 * p2k_setup_fs: mount `vfsname` with ukfs_mount (no device; "rumpfs"
 * mounts nothing and serves the kernel's own root) and serve it at the host
 * directory `mountpath`.
 */
export function p2k_setup_fs(
  p2m: P2kMountHandle,
  vfsname: string,
  devpath: string,
  mountpath: string,
  mntflags: number,
  arg?: object | null,
  alen?: number,
  extra: P2kHostOptions = {},
): number {
  void alen;
  return setup(p2m, vfsname, devpath, mountpath, mntflags, extra, () =>
    vfsname === "rumpfs"
      ? rumpfsRoot(p2m.kernel)
      : ukfs_mount(vfsname, devpath, null, mntflags, arg, { kernel: p2m.kernel }),
  );
}

/**
 * p2k_setup_diskfs: mount the image `devpath` (within `part`) with
 * ukfs_mount_disk and serve it at `mountpath`. The image's lock is held
 * while mounted (exclusive when read-write).
 */
export function p2k_setup_diskfs(
  p2m: P2kMountHandle,
  vfsname: string,
  devpath: string,
  part: UkfsPart | null,
  mountpath: string,
  mntflags: number,
  arg?: object | null,
  alen?: number,
  extra: P2kHostOptions = {},
): number {
  void alen;
  const fsname = hostResolve(devpath) + (part !== null ? ukfs_part_tostring(part) : "");
  return setup(p2m, vfsname, fsname, mountpath, mntflags, extra, () =>
    ukfs_mount_disk(vfsname, devpath, part, null, mntflags, arg, { kernel: p2m.kernel }),
  );
}

/**
 * p2k_mainloop: serve until the host unmounts, then release the file
 * system (ukfs_release, forced if need be) and the kernel. Resolves 0;
 * rejects with the RumpPanic when the kernel panicked (the host mount was
 * taken down).
 */
export async function p2k_mainloop(p2m: P2kMountHandle): Promise<number> {
  const m = p2m.mount;
  if (m === null) throw new RumpError(EINVAL, "p2k_mainloop");
  const end = await m.closed;
  if (p2m.kernel.dead === null) p2m.kernel.shutdown();
  if (end.panic !== null) throw end.panic;
  return 0;
}

/** p2k_run_fs: p2k_init + p2k_setup_fs + p2k_mainloop. */
export async function p2k_run_fs(
  vfsname: string,
  devpath: string,
  mountpath: string,
  mntflags: number,
  arg: object | null,
  alen: number,
  puffs_flags: number,
  extra: P2kHostOptions = {},
): Promise<number> {
  const p2m = p2k_init(puffs_flags, extra.log);
  try {
    p2k_setup_fs(p2m, vfsname, devpath, mountpath, mntflags, arg, alen, extra);
  } catch (e) {
    p2k_cancel(p2m, e instanceof RumpError ? e.errno : EBUSY);
    throw e;
  }
  return p2k_mainloop(p2m);
}

/** p2k_run_diskfs: p2k_init + p2k_setup_diskfs + p2k_mainloop. */
export async function p2k_run_diskfs(
  vfsname: string,
  devpath: string,
  part: UkfsPart | null,
  mountpath: string,
  mntflags: number,
  arg: object | null,
  alen: number,
  puffs_flags: number,
  extra: P2kHostOptions = {},
): Promise<number> {
  const p2m = p2k_init(puffs_flags, extra.log);
  try {
    p2k_setup_diskfs(p2m, vfsname, devpath, part, mountpath, mntflags, arg, alen, extra);
  } catch (e) {
    p2k_cancel(p2m, e instanceof RumpError ? e.errno : EBUSY);
    throw e;
  }
  return p2k_mainloop(p2m);
}
