/**
 * The rump_<fs> commands (spec p2k.md §4): mount_<fs>(8)'s command line,
 * the file system served by a rump kernel in this process through p2k.
 *
 *   rump_ffs    [-f] [-o options] special node     (special: image[%DISKLABEL:a%|%OFFSET:s,n%])
 *   rump_ext2fs [-f] [-o options] special node
 *   rump_tmpfs  [-f] [-o options] [-g gid] [-m mode] [-n nodes] [-s size] [-u uid] tmpfs node
 *
 * Like fuse2fs the command detaches once the mount is in place; -f stays in
 * the foreground (so do P2K_DEBUG and P2K_NODETACH, as p2k_init reads them).
 * Exit status: 0 mounted (or, in the foreground, served and unmounted
 * cleanly), 1 an error (one line on stderr), 2 bad usage.
 */
import { existsSync } from "node:fs";
import { resolve as hostResolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ENOENT, RumpError } from "@rump/syscalls";
import { ukfs_part_probe } from "@rump/ukfs";
import { runMountCommand } from "../command.js";
import { checkMountpoint } from "../mount.js";
import {
  p2k_cancel,
  p2k_init,
  p2k_mainloop,
  p2k_setup_diskfs,
  p2k_setup_fs,
  PUFFS_KFLAG_NOCACHE_PAGE,
  type P2kHostOptions,
  type P2kMountHandle,
} from "../p2k.js";
import { MOUNT_OPTION_HELP, MountOptionError, parseMountOptions } from "./mntopts.js";

class UsageError extends Error {}

interface Args {
  foreground: boolean;
  o: string[];
  tmpfs: { gid?: number; mode?: number; nodes?: number; size?: number; uid?: number };
  operands: string[];
  help: boolean;
}

function num(flag: string, v: string | undefined, base = 10): number {
  const n = v === undefined ? NaN : base === 8 ? parseInt(v, 8) : Number(v);
  if (!Number.isSafeInteger(n) || n < 0 || (base === 8 && !/^[0-7]+$/.test(v ?? "")))
    throw new UsageError(
      `-${flag} needs a ${base === 8 ? "octal mode" : "number"}, not "${v ?? ""}"`,
    );
  return n;
}

function size(v: string | undefined): number {
  const m = /^(\d+)([kmgt]?)$/i.exec(v ?? "");
  if (m === null) throw new UsageError(`-s needs a size (e.g. 64m), not "${v ?? ""}"`);
  const mult = { "": 1, k: 1 << 10, m: 1 << 20, g: 1 << 30, t: 2 ** 40 }[m[2]!.toLowerCase()]!;
  return Number(m[1]) * mult;
}

function parse(argv: readonly string[], tmpfs: boolean): Args {
  const a: Args = { foreground: false, o: [], tmpfs: {}, operands: [], help: false };
  for (let i = 0; i < argv.length; i++) {
    const s = argv[i]!;
    if (s === "--") {
      a.operands.push(...argv.slice(i + 1));
      break;
    }
    if (s === "-h" || s === "--help") {
      a.help = true;
      continue;
    }
    if (!s.startsWith("-") || s === "-") {
      a.operands.push(s);
      continue;
    }
    for (let j = 1; j < s.length; j++) {
      const c = s[j]!;
      if (c === "f") {
        a.foreground = true;
        continue;
      }
      const valued = c === "o" || (tmpfs && "gmnsu".includes(c));
      if (!valued) throw new UsageError(`unknown option -${c}`);
      const v = j + 1 < s.length ? s.slice(j + 1) : argv[++i];
      if (v === undefined) throw new UsageError(`-${c} needs a value`);
      if (c === "o") a.o.push(v);
      else if (c === "g") a.tmpfs.gid = num(c, v);
      else if (c === "u") a.tmpfs.uid = num(c, v);
      else if (c === "n") a.tmpfs.nodes = num(c, v);
      else if (c === "m") a.tmpfs.mode = num(c, v, 8);
      else a.tmpfs.size = size(v);
      break;
    }
  }
  return a;
}

function usage(prog: string, tmpfs: boolean): string {
  return tmpfs
    ? `usage: ${prog} [-f] [-o options] [-g gid] [-m mode] [-n nodes] [-s size] [-u uid] tmpfs node`
    : `usage: ${prog} [-f] [-o options] special[%DISKLABEL:x%|%OFFSET:start,size%] node`;
}

function help(prog: string, vfsname: string, tmpfs: boolean): string {
  const w = Math.max(...MOUNT_OPTION_HELP.map(([n]) => n.length));
  return [
    `${prog} — mount ${tmpfs ? "a memory file system (tmpfs)" : `an ${vfsname} image`} on the host through FUSE, served by a rump kernel in this process (NetBSD's rump_${vfsname}(8))`,
    "",
    usage(prog, tmpfs),
    "",
    "  -f            stay in the foreground (default: detach once mounted, like fuse2fs)",
    "  -o OPTIONS    comma-separated mount options:",
    ...MOUNT_OPTION_HELP.map(([n, h]) => `      ${n.padEnd(w)}  ${h}`),
    ...(tmpfs
      ? [
          "  -g GID, -u UID, -m MODE   owner and mode of the root directory (default 0, 0, 0777)",
          "  -n NODES, -s SIZE         most files / bytes (default: limited by RUMP_MEMLIMIT only)",
        ]
      : []),
    "",
    "Unmount with fusermount3 -u NODE, umount NODE (root) or Ctrl-C in the foreground; the",
    "image is left clean. Environment: P2K_DEBUG, P2K_NODETACH, P2K_NOCACHE, P2K_NOCACHE_NAME,",
    "P2K_NOCACHE_PAGE, P2K_WIZARDUID (see p2k(3)), RUMP_MEMLIMIT (kernel memory, default 64m).",
  ].join("\n");
}

/**
 * main of rump_<vfsname>: returns the exit status. `script` is the file to
 * run again in the foreground when detaching.
 */
export async function rumpFsMain(
  vfsname: string,
  argv: readonly string[],
  script: string,
): Promise<number> {
  const prog = `rump_${vfsname}`;
  const tmpfs = vfsname === "tmpfs";
  const err = (s: string): void => void process.stderr.write(s + "\n");
  let a: Args;
  let parsed;
  try {
    a = parse(argv, tmpfs);
    if (a.help) {
      process.stdout.write(help(prog, vfsname, tmpfs) + "\n");
      return 0;
    }
    if (a.operands.length !== 2)
      throw new UsageError(
        a.operands.length < 2 ? "special and node are required" : "too many arguments",
      );
    parsed = parseMountOptions(a.o);
  } catch (e) {
    if (e instanceof UsageError || e instanceof MountOptionError) {
      err(`${prog}: ${e.message}`);
      err(usage(prog, tmpfs));
      return 2;
    }
    throw e;
  }
  const [special, node] = a.operands as [string, string];
  const o = parsed.mount;
  const foreground =
    a.foreground ||
    o.debug === true ||
    o.fuseDebug === true ||
    process.env.P2K_DEBUG !== undefined ||
    process.env.P2K_NODETACH !== undefined;
  const extra: P2kHostOptions = {
    ...(o.allowOther !== undefined ? { allowOther: o.allowOther } : {}),
    ...(o.defaultPermissions !== undefined ? { defaultPermissions: o.defaultPermissions } : {}),
    ...(o.suid !== undefined ? { suid: o.suid } : {}),
    ...(o.dev !== undefined ? { dev: o.dev } : {}),
    ...(o.dirsync !== undefined ? { dirsync: o.dirsync } : {}),
    ...(o.fsname !== undefined ? { fsname: o.fsname } : {}),
    ...(o.attrTimeout !== undefined ? { attrTimeout: o.attrTimeout } : {}),
    ...(o.entryTimeout !== undefined ? { entryTimeout: o.entryTimeout } : {}),
    ...(o.fuseDebug !== undefined ? { fuseDebug: o.fuseDebug } : {}),
  };
  // -o debug and nocache* are p2k's environment variables on the command line
  if (o.debug) process.env.P2K_DEBUG = "1";
  let flags = 0;
  if (o.nocacheName) process.env.P2K_NOCACHE_NAME = "1";
  if (o.nocachePage) process.env.P2K_NOCACHE_PAGE = "1";
  // rump_tmpfs: no page cache in the host, the data lives in the kernel's memory
  if (tmpfs) flags |= PUFFS_KFLAG_NOCACHE_PAGE;
  let p2m: P2kMountHandle | null = null;
  try {
    await runMountCommand({
      prog,
      foreground,
      respawnArgs: [script, "-f", ...argv],
      check: () => {
        checkMountpoint(node);
        if (!tmpfs) {
          const image = ukfs_part_probe(special).devpath;
          if (!existsSync(image)) throw new RumpError(ENOENT, "open", hostResolve(image));
        }
      },
      start: () => {
        p2m = p2k_init(flags);
        try {
          if (tmpfs) {
            const t = a.tmpfs;
            p2k_setup_fs(
              p2m,
              "tmpfs",
              special,
              node,
              parsed.mntflags,
              {
                ta_version: 1,
                ta_nodes_max: t.nodes ?? 0,
                ta_size_max: t.size ?? 0,
                ta_root_uid: t.uid ?? 0,
                ta_root_gid: t.gid ?? 0,
                ta_root_mode: t.mode ?? 0o777,
              },
              0,
              { fsname: special, ...extra },
            );
          } else {
            // UKFS_DEVICE_ARGVPROBE: a %DISKLABEL:x% / %OFFSET:s,n% suffix picks the window
            const { devpath, part } = ukfs_part_probe(special);
            p2k_setup_diskfs(p2m, vfsname, devpath, part, node, parsed.mntflags, null, 0, extra);
          }
        } catch (e) {
          p2k_cancel(p2m, e instanceof RumpError ? e.errno : 5);
          throw e;
        }
        return p2m.mount!;
      },
      wait: () => p2k_mainloop(p2m!),
    });
    return 0;
  } catch (e) {
    err(`${prog}: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
}

/** Run rump_<vfsname> as a program (the bins). */
export function runRumpFs(vfsname: string, moduleUrl: string): void {
  rumpFsMain(vfsname, process.argv.slice(2), fileURLToPath(moduleUrl)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(
        `rump_${vfsname}: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
      );
      process.exitCode = 70;
    },
  );
}
