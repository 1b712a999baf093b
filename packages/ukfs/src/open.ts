/**
 * openImage / openTmpfs: a ukfs handle in a kernel of its own. The handle
 * owns that kernel: close() unmounts, shuts it down and so releases every
 * host descriptor and the image's lock. Several handles (several images, or
 * one image read-only several times) live side by side.
 */
import { resolve as hostResolve } from "node:path";
import { createKernel, type Kernel } from "@rump/librump";
import {
  MemoryHost,
  NodeHost,
  RUMPUSER_OPEN_ACCMODE,
  RUMPUSER_OPEN_BIO,
  RUMPUSER_OPEN_RDONLY,
  type ConsoleSink,
  type ConsoleStream,
  type NodeHostOptions,
  type Out,
  type VirtualClockOption,
} from "@rump/rumpuser";
import { EFTYPE, EOPNOTSUPP, ENOENT, MNT_FORCE, MNT_RDONLY, RumpError } from "@rump/syscalls";
import type { Ukfs } from "./api.js";
import { ukfs_part_probe, type UkfsPart } from "./part.js";
import { describeFs, fsTypeName, probeImage, type FsProbe, type FsType } from "./probe.js";
import { ukfs_mount, ukfs_mount_disk, ukfs_vfstypes } from "./ukfs.js";

/** A RumpError with the reason spelled out (an image ukfs cannot open). */
export class UkfsOpenError extends RumpError {
  constructor(
    errno: number,
    syscall: string,
    path: string,
    readonly reason: string,
  ) {
    super(errno, syscall, path);
  }
  override get message(): string {
    return `${super.message}: ${this.reason}`;
  }
}

/**
 * A NodeHost for one handle: when the handle is read-only, write opens of
 * its image are refused (EROFS), so the block driver opens it read-only and
 * the host takes a shared image lock (several read-only handles of one image
 * coexist; a writer elsewhere is still refused).
 */
class ImageHost extends NodeHost {
  constructor(
    private readonly readonlyImage: string | null,
    options: NodeHostOptions,
  ) {
    super(options);
  }
  override open(name: string, mode: number, fdp: Out<number>): number {
    if (
      this.readonlyImage !== null &&
      (mode & RUMPUSER_OPEN_BIO) !== 0 &&
      (mode & RUMPUSER_OPEN_ACCMODE) !== RUMPUSER_OPEN_RDONLY &&
      hostResolve(name) === this.readonlyImage
    )
      return 30; // EROFS
    return super.open(name, mode, fdp);
  }
}

export interface OpenImageOptions {
  /** file-system type ("ffs", …); probed when omitted */
  type?: string;
  /**
   * which part of the image: a disklabel letter ("a"), an MBR/GPT partition
   * name ("p1"), a UkfsPart, or omitted (a `%DISKLABEL:a%` / `%OFFSET:s,n%`
   * suffix of the path; else the file system at 0; else the first partition
   * holding a file system)
   */
  partition?: string | UkfsPart;
  /** default true */
  readonly?: boolean;
  /**
   * Mount read-write even an image that was not unmounted cleanly
   * (MNT_FORCE; FFS and ext2 refuse it with EROFS otherwise). The image
   * stays marked not clean: a repair (fsck) is what makes it clean.
   */
  force?: boolean;
  /** the kernel's console lines (default: stderr) */
  console?: ConsoleSink;
  /** boot parameters of the private kernel (RUMP_MEMLIMIT, …) */
  params?: Record<string, string | number>;
  /**
   * virtual time for the kernel (`{ fixed: SOURCE_DATE_EPOCH }`): every time
   * it stamps (inode changes, superblock writes) is that time — for
   * reproducible images
   */
  clock?: VirtualClockOption;
  /** seed the kernel's random source (generation numbers…) — for reproducible images */
  randomSeed?: number;
  /** more MNT_* flags of the kernel's mount (MNT_ASYNC, MNT_NOATIME, …) */
  mntflags?: number;
  /**
   * the file system's mount arguments besides the device (`fspec` is the
   * image): cd9660's `{ flags: ISOFSMNT_NORRIP | … }`, for instance
   */
  mountArgs?: Record<string, unknown>;
}

let vfsTypesCache: string[] | null = null;

/** The file-system types a kernel of this librump has (asked once, of a throwaway kernel). */
export function supportedFsTypes(): string[] {
  if (vfsTypesCache === null) {
    const k = createKernel({ host: new MemoryHost({ log: false }) });
    try {
      vfsTypesCache = ukfs_vfstypes(k).split(" ").filter(Boolean);
    } finally {
      k.shutdown();
    }
  }
  return vfsTypesCache;
}

function windowPart(offset: number, size: number): UkfsPart {
  return Object.freeze({ kind: "offset", letter: "", offset, size });
}

/**
 * Open the disk image at host path `path` in a private kernel and mount it
 * (read-only unless `readonly: false`). The type is probed when not given;
 * an image of a type this kernel lacks fails with a message naming it
 * ("ext2 file system: not supported yet").
 */
export function openImage(path: string, options: OpenImageOptions = {}): Ukfs {
  const readonly = options.readonly ?? true;
  const probed = ukfs_part_probe(path);
  let part = probed.part;
  const image = hostResolve(probed.devpath);
  let type = options.type;
  let found: FsProbe | null = null;
  if (options.partition !== undefined || type === undefined) {
    const probe = probeImage(image);
    if (typeof options.partition === "object") part = options.partition;
    else if (typeof options.partition === "string") {
      const name = options.partition;
      const found = probe.partitions.ok
        ? probe.partitionFs.find((x) => x.partition.name === name)
        : undefined;
      if (found === undefined) {
        const have = probe.partitions.ok
          ? probe.partitions.partitions.map((q) => q.name).join(", ") || "none"
          : `the partition table is damaged: ${probe.partitions.reason}`;
        throw new UkfsOpenError(
          ENOENT,
          "openImage",
          image,
          `no partition "${name}" (partitions: ${have})`,
        );
      }
      part = windowPart(found.partition.offset, found.partition.size);
      type ??= found.fs?.type;
    }
    if (type === undefined) {
      let fs = null;
      if (part.kind === "none") {
        fs = probe.fs;
        if (fs === null) {
          const first = probe.partitionFs.find((x) => x.fs !== null);
          if (first !== undefined) {
            fs = first.fs;
            part = windowPart(first.partition.offset, first.partition.size);
          }
        }
      } else {
        // a window given in the path: probe inside it
        const inside = probe.partitionFs.find((x) => x.partition.offset === part.offset);
        fs = inside?.fs ?? (part.offset === 0 ? probe.fs : null);
      }
      if (fs === null)
        throw new UkfsOpenError(
          EFTYPE,
          "openImage",
          image,
          "no file system recognised (FFS, ext2, msdos, cd9660)",
        );
      found = fs;
      type = fs.type;
    }
  }
  // console lines of the boot and mount are held back: a failed mount's
  // reason belongs in the error, not on stderr beside it
  const sink = new HeldConsole(options.console ?? stderrLine);
  const k = createKernel({
    host: new ImageHost(readonly ? image : null, {
      console: sink.line,
      ...(options.clock !== undefined ? { clock: options.clock } : {}),
      ...(options.randomSeed !== undefined ? { randomSeed: options.randomSeed } : {}),
    }),
    ...(options.params ? { params: options.params } : {}),
  });
  // a probed type this kernel lacks is named (asked of the kernel that mounts: no second boot)
  if (found !== null && !ukfs_vfstypes(k).split(" ").includes(found.type)) {
    k.shutdown();
    throw new UkfsOpenError(
      EOPNOTSUPP,
      "openImage",
      image,
      `${fsTypeName(found.type as FsType)}: not supported yet (${describeFs(found)})`,
    );
  }
  try {
    const flags =
      (options.mntflags ?? 0) | (readonly ? MNT_RDONLY : options.force === true ? MNT_FORCE : 0);
    const h = ukfs_mount_disk(type, image, part, null, flags, options.mountArgs, {
      kernel: k,
      ownsKernel: true,
    });
    sink.release();
    return h;
  } catch (e) {
    k.shutdown();
    const reason = sink.reason();
    if (e instanceof RumpError && reason !== "")
      throw new UkfsOpenError(e.errno, "openImage", image, reason);
    sink.release();
    throw e;
  }
}

const stderrLine: ConsoleSink = (line) => {
  process.stderr.write(line + "\n");
};

/** A console sink that holds lines until released (then passes them and the rest on). */
class HeldConsole {
  private held: [string, ConsoleStream][] | null = [];
  constructor(private readonly out: ConsoleSink) {}
  readonly line: ConsoleSink = (line, stream) => {
    if (this.held !== null) this.held.push([line, stream]);
    else this.out(line, stream);
  };
  release(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const [l, st] of held) this.out(l, st);
  }
  /** The held lines as one reason ("ext2fs /dev/…: mount refused: …"), dropping them. */
  reason(): string {
    const lines = (this.held ?? []).map(([l]) => l.trim()).filter((l) => l !== "");
    this.held = null;
    return lines.join("; ");
  }
}

export interface OpenTmpfsOptions {
  /** bytes (0: limited by RUMP_MEMLIMIT only) */
  size?: number;
  /** the kernel to mount in; default: a private one on a MemoryHost */
  kernel?: Kernel;
}

/** A fresh memory file system (tmpfs) as a ukfs handle. */
export function openTmpfs(options: OpenTmpfsOptions = {}): Ukfs {
  const own = options.kernel === undefined;
  const k = options.kernel ?? createKernel({ host: new MemoryHost({ log: false }) });
  try {
    return ukfs_mount(
      "tmpfs",
      "tmpfs",
      null,
      0,
      {
        ta_version: 1,
        ta_nodes_max: 0,
        ta_size_max: options.size ?? 0,
        ta_root_uid: 0,
        ta_root_gid: 0,
        ta_root_mode: 0o755,
      },
      { kernel: k, ownsKernel: own },
    );
  } catch (e) {
    if (own) k.shutdown();
    throw e;
  }
}
