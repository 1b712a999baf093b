/**
 * mount(imageOrFs, mountpoint, options): the Node way to serve a kernel
 * file system at a host directory — an image (its file system probed as
 * ukfs's openImage does) or a ukfs handle you already have (openTmpfs(),
 * openImage()). Resolves once the host mount is in place; `unmount()` of
 * the result takes it down and resolves when the image is clean.
 */
import { statSync } from "node:fs";
import { resolve as hostResolve } from "node:path";
import { ENOENT, ENOTDIR, RumpError } from "@rump/syscalls";
import { openImage, type Ukfs } from "@rump/ukfs";
import type { ConsoleSink } from "@rump/rumpuser";
import { errtrans } from "@rump/rumpuser";
import type { P2kSettings } from "./p2k_server.js";
import { serve, type HostMountOptions, type P2kMount, type P2kSource } from "./serve.js";

export interface MountOptions {
  /** mount read-only (an image is then opened read-only: a shared lock) */
  readonly?: boolean;
  /** let other users use the mount (FUSE allow_other; as a user it needs user_allow_other in /etc/fuse.conf) */
  allowOther?: boolean;
  /** let the host kernel check permissions too (FUSE default_permissions); off: the rump kernel alone decides */
  defaultPermissions?: boolean;
  /** honour set-uid bits / device nodes on the mount (default: no, as fuse mounts do) */
  suid?: boolean;
  dev?: boolean;
  noexec?: boolean;
  noatime?: boolean;
  sync?: boolean;
  dirsync?: boolean;
  /** the mount's source in mount(8) (default: the image path, or "p2k") */
  fsname?: string;
  /** an image's file-system type ("ffs", "ext2fs"); probed when omitted */
  type?: string;
  /** an image's partition ("a", "p1"); default: as openImage chooses */
  partition?: string;
  /** seconds the host caches attributes (default 1) */
  attrTimeout?: number;
  /** seconds the host caches names (default 1; 0 with allowOther, so that each user's lookups reach the kernel) */
  entryTimeout?: number;
  /** no name cache in the host (P2K_NOCACHE_NAME) */
  nocacheName?: boolean;
  /** no page cache in the host: direct I/O, no shared mmap (P2K_NOCACHE_PAGE) */
  nocachePage?: boolean;
  /** run every request with this uid (P2K_WIZARDUID) */
  wizardUid?: number;
  /** print every operation (P2K_DEBUG) */
  debug?: boolean;
  /** libfuse's protocol dump on stderr */
  fuseDebug?: boolean;
  /** p2k's messages and the operation dump (default: stderr) */
  log?: (line: string) => void;
  /** an image's kernel console (default: stderr) */
  console?: ConsoleSink;
  /** boot parameters of an image's private kernel (default RUMP_MEMLIMIT 64 MiB unless set in the environment) */
  params?: Record<string, string | number>;
  /**
   * close the handle when the mount ends (default: true for an image path,
   * which mount() opened; false for a handle you passed)
   */
  closeOnUnmount?: boolean;
}

/**
 * The kernel memory of a served image. The host's page cache is the first
 * cache in front of a mount, so the kernel's own stays small: a streaming
 * reader or writer then recycles its buffers soon instead of filling fresh
 * memory (which costs more than the copy), as p2k.c drops the kernel's
 * cached pages when the host lets a vnode go.
 */
export const P2K_MEMLIMIT = 64 << 20;

const stderrLog = (line: string): void => {
  process.stderr.write(line + "\n");
};

/** P2kSettings from options (defaults as documented in MountOptions). */
export function settingsOf(o: MountOptions): P2kSettings {
  return {
    opdump: o.debug === true,
    fuseDebug: o.fuseDebug === true,
    nocacheName: o.nocacheName === true,
    nocachePage: o.nocachePage === true,
    wizardUid: o.wizardUid ?? null,
    attrTimeout: o.attrTimeout ?? 1,
    entryTimeout: o.entryTimeout ?? (o.allowOther ? 0 : 1),
    log: o.log ?? stderrLog,
  };
}

/** HostMountOptions from options. */
export function hostOptionsOf(o: MountOptions, fsname: string, subtype: string): HostMountOptions {
  return {
    fsname: o.fsname ?? fsname,
    subtype,
    readonly: o.readonly === true,
    allowOther: o.allowOther === true,
    defaultPermissions: o.defaultPermissions === true,
    nosuid: o.suid !== true,
    nodev: o.dev !== true,
    noexec: o.noexec === true,
    noatime: o.noatime === true,
    sync: o.sync === true,
    dirsync: o.dirsync === true,
  };
}

/** The mount point must be an existing directory: ENOENT / ENOTDIR otherwise. */
export function checkMountpoint(mountpoint: string): string {
  const mnt = hostResolve(mountpoint);
  let isDir: boolean;
  try {
    isDir = statSync(mnt).isDirectory();
  } catch (e) {
    throw new RumpError(errtrans(e) || ENOENT, "mount", mnt);
  }
  if (!isDir) throw new RumpError(ENOTDIR, "mount", mnt);
  return mnt;
}

/**
 * Serve a file system at `mountpoint`: a disk image (path; opened and
 * probed like ukfs's openImage, read-write unless `readonly`) or a ukfs
 * handle. The returned mount's `unmount()` resolves once the kernel's file
 * system is released (an image is then clean and its lock dropped).
 *
 * The file system is served on this thread: touch the mount from other
 * processes or with asynchronous calls, never with this thread's
 * synchronous ones (fs.readFileSync on the mount would wait forever for the
 * thread that has to answer it).
 */
export async function mount(
  imageOrFs: string | Ukfs,
  mountpoint: string,
  options: MountOptions = {},
): Promise<P2kMount> {
  return mountSync(imageOrFs, mountpoint, options);
}

/** mount(), returning once the host mount is in place (nothing in it waits). */
export function mountSync(
  imageOrFs: string | Ukfs,
  mountpoint: string,
  options: MountOptions = {},
): P2kMount {
  const mnt = checkMountpoint(mountpoint);
  let fs: Ukfs;
  let fsname: string;
  let owns: boolean;
  if (typeof imageOrFs === "string") {
    const memlimit: Record<string, number> =
      process.env.RUMP_MEMLIMIT === undefined ? { RUMP_MEMLIMIT: P2K_MEMLIMIT } : {};
    fs = openImage(imageOrFs, {
      readonly: options.readonly === true,
      params: { ...memlimit, ...options.params },
      ...(options.type !== undefined ? { type: options.type } : {}),
      ...(options.partition !== undefined ? { partition: options.partition } : {}),
      ...(options.console !== undefined ? { console: options.console } : {}),
    });
    fsname =
      hostResolve(imageOrFs) + (options.partition !== undefined ? `%${options.partition}%` : "");
    owns = options.closeOnUnmount ?? true;
  } else {
    fs = imageOrFs;
    fsname = "p2k";
    owns = options.closeOnUnmount ?? false;
  }
  try {
    return serve(fs as P2kSource, mnt, {
      host: hostOptionsOf(options, fsname, `p2k.${fs.vfsname}`),
      settings: settingsOf(options),
      release: (h, end) => {
        if (owns && end.panic === null && h.alive) h.close();
      },
    });
  } catch (e) {
    if (owns && fs.alive) fs.close();
    throw e;
  }
}
