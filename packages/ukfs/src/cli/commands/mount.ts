/**
 * mount, umount: serve an image's file system at a host directory through
 * FUSE, with @rump/p2k — an optional peer of this package, loaded only
 * here. Without it both commands say how to install it.
 */
import { existsSync } from "node:fs";
import { resolve as hostResolve } from "node:path";
import { ENOENT, EOPNOTSUPP } from "@rump/syscalls";
import type { Ukfs } from "../../api.js";
import type { Command, Ctx } from "../context.js";
import { FsuError } from "../errors.js";
import { openFsuImage, parseImageSpec } from "../image.js";

/** The part of @rump/p2k's API fsu uses (declared here: p2k sits above ukfs). */
interface P2kApi {
  P2K_MEMLIMIT: number;
  MOUNT_OPTION_HELP: readonly [string, string][];
  parseMountOptions(lists: readonly string[]): {
    mount: { readonly?: boolean; debug?: boolean; fuseDebug?: boolean; fsname?: string };
    mntflags: number;
  };
  mountSync(fs: Ukfs, mountpoint: string, options: object): unknown;
  runMountCommand(c: {
    prog: string;
    foreground: boolean;
    respawnArgs: readonly string[];
    check?(): void;
    start(): unknown;
  }): Promise<void>;
  checkMountpoint(mountpoint: string): string;
  p2kUnmount(mountpoint: string, options: { lazy?: boolean }): Promise<void>;
  p2kStatus(): { available: boolean; reason: string };
}

const P2K = "@rump/p2k";
const INSTALL =
  "it needs @rump/p2k, which is not installed (npm install @rump/p2k; FUSE itself: apt install fuse3 libfuse3-dev)";

async function loadP2k(syscall: string, path: string): Promise<P2kApi> {
  let m: P2kApi;
  try {
    // a variable, so that nothing resolves the optional peer before it is wanted
    m = (await import(P2K)) as P2kApi;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (
      (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") &&
      String((e as Error).message).includes(P2K)
    )
      throw new FsuError(EOPNOTSUPP, syscall, path, INSTALL);
    throw e;
  }
  return m;
}

const MNT_RDONLY = 0x1;

export const mount: Command = {
  name: "mount",
  summary: "serve an image's file system at a host directory through FUSE (needs @rump/p2k)",
  usage: "[-f] [-o OPTIONS] IMAGE[%PART%] MOUNTPOINT",
  options: [
    { name: "f", help: "stay in the foreground (default: detach once mounted, like fuse2fs)" },
    {
      name: "o",
      value: true,
      arg: "OPTIONS",
      help: "mount options, comma-separated (below); may repeat",
    },
  ],
  operands: [2, 2],
  examples: [
    ["fsu mount disk.img /mnt/disk", "mount read-write; programs use /mnt/disk as any directory"],
    ["fsu mount -o ro,allow_other disk.img%p1% /mnt/p1", "partition p1, read-only, for every user"],
    ["fsu mount -f disk.img /mnt/disk", "serve in the foreground until Ctrl-C (which unmounts)"],
    ["fsu umount /mnt/disk", "unmount; returns once the image is clean"],
  ],
  details: [
    "The file system (FFS or ext2, detected as fsu does elsewhere) is served by a rump kernel in",
    "the fsu process through FUSE, and that kernel decides every permission with the caller's",
    "uid and groups. The image is locked while mounted. SIGINT/SIGTERM, `fsu umount` and",
    "`fusermount3 -u` unmount cleanly; a kernel panic unmounts and says why.",
    "",
    "options (-o): ro, rw, allow_other, default_permissions, noatime, async, sync, noexec, suid,",
    "dev, dirsync, fsname=NAME, attr_timeout=S, entry_timeout=S, nocache, nocache_name,",
    "nocache_page, debug (print every operation; stays in the foreground), fuse_debug.",
  ].join("\n"),
  async run(ctx: Ctx) {
    const [spec, mountpoint] = ctx.operands as [string, string];
    const p2k = await loadP2k("mount", hostResolve(mountpoint));
    const olist = ctx.values("o");
    let parsed;
    try {
      parsed = p2k.parseMountOptions(olist);
    } catch (e) {
      throw ctx.usage((e as Error).message);
    }
    const o = parsed.mount;
    const readonly = (parsed.mntflags & MNT_RDONLY) !== 0;
    const s = parseImageSpec(spec);
    const foreground = ctx.flag("f") || o.debug === true || o.fuseDebug === true;
    await p2k.runMountCommand({
      prog: "fsu mount",
      foreground,
      respawnArgs: [
        process.argv[1]!,
        "mount",
        "-f",
        ...olist.flatMap((o) => ["-o", o]),
        "--",
        spec,
        mountpoint,
      ],
      check() {
        if (!existsSync(s.image)) throw new FsuError(ENOENT, "open", s.image, "no such image");
        p2k.checkMountpoint(mountpoint);
      },
      start() {
        const lines: string[] = [];
        const h = openFsuImage(spec, !readonly, lines, {
          memlimit: p2k.P2K_MEMLIMIT,
          mntflags: parsed.mntflags & ~MNT_RDONLY,
        });
        // from now on the kernel's console lines go to stderr as they come
        for (const l of lines.splice(0)) process.stderr.write(`fsu: kernel: ${l}\n`);
        lines.push = (...l: string[]): number => {
          for (const x of l) process.stderr.write(`fsu: kernel: ${x}\n`);
          return 0;
        };
        try {
          return p2k.mountSync(h, mountpoint, {
            ...o,
            fsname:
              o.fsname ?? (s.partName !== null ? `${s.image}%${s.partName}%` : hostResolve(spec)),
            closeOnUnmount: true,
          });
        } catch (e) {
          if (h.alive) h.close();
          throw e;
        }
      },
    });
  },
};

export const umount: Command = {
  name: "umount",
  summary: "unmount what `fsu mount` mounted; returns once the image is clean",
  usage: "[-l] MOUNTPOINT",
  options: [
    {
      name: "l",
      help: "lazy: detach now even if busy; the server finishes when its last user lets go",
    },
  ],
  operands: [1, 1],
  examples: [
    ["fsu umount /mnt/disk", "unmount and wait until the image is released (clean)"],
    ["fsu umount -l /mnt/disk", "detach a busy mount"],
  ],
  async run(ctx: Ctx) {
    const mnt = hostResolve(ctx.operands[0]!);
    const p2k = await loadP2k("unmount", mnt);
    await p2k.p2kUnmount(mnt, { lazy: ctx.flag("l") });
  },
};
