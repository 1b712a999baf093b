/**
 * mount(8)-style options (`-o ro,allow_other,noatime`) for the rump_*
 * commands and `fsu mount`: the FUSE mount's options, the kernel mount's
 * flags (MNT_*), and p2k's own knobs. An unknown option is a usage error
 * naming it.
 */
import { MNT_ASYNC, MNT_NOATIME, MNT_RDONLY, MNT_SYNCHRONOUS } from "@rump/librump";
import type { MountOptions } from "../mount.js";

export interface ParsedMountOptions {
  /** host mount and p2k options */
  mount: MountOptions;
  /** MNT_* flags of the kernel's mount */
  mntflags: number;
}

/** The options, with what each does (for --help). */
export const MOUNT_OPTION_HELP: readonly [string, string][] = [
  ["ro / rw", "read-only (the image is opened read-only) / read-write (default)"],
  [
    "allow_other",
    "other users may use the mount (a user needs user_allow_other in /etc/fuse.conf)",
  ],
  [
    "default_permissions",
    "the host kernel checks permissions too (default: the rump kernel alone decides)",
  ],
  ["noatime", "no access-time updates"],
  [
    "async / sync",
    "the kernel writes metadata lazily (faster; MNT_ASYNC) / every write synchronously",
  ],
  ["noexec, suid, dev, dirsync", "as mount(8) (nosuid and nodev are the default)"],
  ["fsname=NAME", "the source mount(8) shows (default: the image)"],
  [
    "attr_timeout=S, entry_timeout=S",
    "seconds the host caches attributes / names (default 1; names 0 with allow_other)",
  ],
  [
    "nocache, nocache_name, nocache_page",
    "no name cache / no page cache in the host (P2K_NOCACHE*)",
  ],
  ["debug", "print every operation (P2K_DEBUG; implies -f)"],
  ["fuse_debug", "libfuse's protocol dump (implies -f)"],
];

export class MountOptionError extends Error {
  override readonly name = "MountOptionError";
}

function seconds(name: string, v: string | undefined): number {
  const n = v === undefined ? NaN : Number(v);
  if (!Number.isFinite(n) || n < 0)
    throw new MountOptionError(`${name} needs a number of seconds, not "${v ?? ""}"`);
  return n;
}

/** Parse the values of every -o (each a comma-separated list). */
export function parseMountOptions(lists: readonly string[]): ParsedMountOptions {
  const o: MountOptions = {};
  let mntflags = 0;
  for (const list of lists) {
    for (const item of list.split(",")) {
      if (item === "") continue;
      const eq = item.indexOf("=");
      const name = eq < 0 ? item : item.slice(0, eq);
      const value = eq < 0 ? undefined : item.slice(eq + 1);
      switch (name) {
        case "ro":
        case "rdonly":
          o.readonly = true;
          mntflags |= MNT_RDONLY;
          break;
        case "rw":
          o.readonly = false;
          mntflags &= ~MNT_RDONLY;
          break;
        case "allow_other":
          o.allowOther = true;
          break;
        case "default_permissions":
          o.defaultPermissions = true;
          break;
        case "noatime":
          o.noatime = true;
          mntflags |= MNT_NOATIME;
          break;
        case "atime":
        case "relatime":
          o.noatime = false;
          mntflags &= ~MNT_NOATIME;
          break;
        case "async":
          mntflags |= MNT_ASYNC;
          mntflags &= ~MNT_SYNCHRONOUS;
          o.sync = false;
          break;
        case "sync":
          mntflags |= MNT_SYNCHRONOUS;
          mntflags &= ~MNT_ASYNC;
          o.sync = true;
          break;
        case "dirsync":
          o.dirsync = true;
          break;
        case "noexec":
          o.noexec = true;
          break;
        case "exec":
          o.noexec = false;
          break;
        case "suid":
          o.suid = true;
          break;
        case "nosuid":
          o.suid = false;
          break;
        case "dev":
          o.dev = true;
          break;
        case "nodev":
          o.dev = false;
          break;
        case "fsname":
          if (value === undefined || value === "")
            throw new MountOptionError("fsname needs a value");
          o.fsname = value;
          break;
        case "attr_timeout":
          o.attrTimeout = seconds(name, value);
          break;
        case "entry_timeout":
          o.entryTimeout = seconds(name, value);
          break;
        case "nocache":
          o.nocacheName = o.nocachePage = true;
          break;
        case "nocache_name":
          o.nocacheName = true;
          break;
        case "nocache_page":
          o.nocachePage = true;
          break;
        case "debug":
          o.debug = true;
          break;
        case "fuse_debug":
          o.fuseDebug = true;
          break;
        // fstab's markers (NetBSD: -o rump) and mount(8)'s defaults: nothing to do
        case "rump":
        case "defaults":
        case "auto":
        case "noauto":
        case "user":
        case "nouser":
        case "_netdev":
          break;
        default:
          throw new MountOptionError(`unknown mount option "${item}" (--help lists them)`);
      }
    }
  }
  return { mount: o, mntflags };
}
