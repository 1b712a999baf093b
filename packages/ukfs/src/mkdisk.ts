/**
 * A whole partitioned disk image in one step (`fsu mkdisk`, `mkdisk()`):
 * the partition table (GPT or MBR, partitions aligned to 1 MiB), then each
 * partition formatted with the kernel's own file systems and filled from a
 * host directory. Under SOURCE_DATE_EPOCH (or `timestamp`) the disk and
 * partition GUIDs and the MBR signature derive from it too, so the whole
 * disk is reproducible.
 */
import { closeSync, existsSync, ftruncateSync, openSync } from "node:fs";
import { EINVAL } from "@rump/syscalls";
import { emptyStats, type CopyStats } from "./cli/copy.js";
import { FsuError } from "./cli/errors.js";
import {
  ALIGN,
  gptUsable,
  guidFromBytes,
  SECTOR,
  writeGpt,
  writeMbr,
  type PartSpec,
} from "./disk_write.js";
import {
  autoSize,
  fillFromDir,
  measureTree,
  newfsWindow,
  sourceDateEpoch,
  type MakefsType,
  type NewfsParams,
} from "./makefs.js";
import { hostCrypto } from "./crypto.js";

/** One partition as asked for. */
export interface DiskPartRequest {
  /** GPT name (at most 36 characters); also the default label */
  name: string;
  /** efi, linux, netbsd-ffs, fat, linux-swap, a GPT type GUID or an MBR byte (0x83); default from `fs` */
  type?: string;
  /** bytes, "auto" (what `dir` needs), or omitted for the rest of the disk (one partition at most) */
  size?: number | "auto";
  /** the file system to make in it (none: leave it empty) */
  fs?: MakefsType | "none";
  /** host directory to fill it from */
  dir?: string;
  /** volume label (default: the name) */
  label?: string;
  /** MBR active flag */
  bootable?: boolean;
  /** percent to spare when the size is auto (default 25) */
  margin?: number;
}

export interface MkdiskOptions {
  scheme?: "gpt" | "mbr";
  /** bytes of the whole disk; default: just what the partitions need */
  size?: number;
  /** reproducible disk (default $SOURCE_DATE_EPOCH) */
  timestamp?: number;
  /** every file of every partition owned by uid:gid */
  owner?: { uid: number; gid: number };
  parts: DiskPartRequest[];
}

export interface MkdiskResult {
  scheme: "gpt" | "mbr";
  size: number;
  parts: (PartSpec & { fs: MakefsType | "none" })[];
  /** what was copied into each partition */
  stats: CopyStats[];
}

const alignUp = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;

const DEFAULT_TYPE: Record<string, string> = {
  ffs: "netbsd-ffs",
  ext2: "linux",
  ext4: "linux",
  // FAT: a basic data partition (0x0c in an MBR); an EFI system partition says type=efi
  msdos: "fat",
  none: "linux",
};

/** 16 bytes for an id: from the inputs when reproducible, else random. */
function idBytes(epoch: number | undefined, what: unknown[]): Buffer {
  if (epoch === undefined) return hostCrypto().randomBytes(16);
  return hostCrypto()
    .createHash("sha256")
    .update(JSON.stringify([epoch, ...what]))
    .digest();
}

/** Lay out, write the table, format and fill. `image` is created or resized to the disk's size. */
export async function mkdisk(image: string, o: MkdiskOptions): Promise<MkdiskResult> {
  const scheme = o.scheme ?? "gpt";
  const epoch = sourceDateEpoch(o.timestamp);
  const bad = (why: string): FsuError => new FsuError(EINVAL, "mkdisk", image, why);
  if (o.parts.length === 0) throw bad("no partitions asked for");
  const names = new Set<string>();
  const fsOf = (p: DiskPartRequest): MakefsType | "none" => p.fs ?? "none";
  // sizes: given, measured, or the rest
  const sizes: (number | null)[] = o.parts.map((p) => {
    if (names.has(p.name)) throw bad(`two partitions named "${p.name}"`);
    names.add(p.name);
    if (p.dir !== undefined && fsOf(p) === "none")
      throw bad(`partition "${p.name}": dir= needs fs= (ffs, ext2, ext4 or msdos)`);
    if (
      p.size === "auto" ||
      (p.size === undefined && p.dir !== undefined && o.size === undefined)
    ) {
      if (p.dir === undefined) throw bad(`partition "${p.name}": size=auto needs dir=`);
      const f = fsOf(p);
      return autoSize(measureTree(p.dir), f === "none" ? "ffs" : f, p.margin ?? 25);
    }
    if (p.size === undefined) return null;
    if (p.size % SECTOR !== 0) throw bad(`partition "${p.name}": size must be whole sectors`);
    return p.size;
  });
  if (sizes.filter((s) => s === null).length > 1)
    throw bad("only one partition can take the rest of the disk (give the others a size)");
  const front = ALIGN; // the table, and alignment
  const back = scheme === "gpt" ? ALIGN : 0; // the backup GPT, kept aligned
  const fixed = sizes.reduce<number>((a, s) => a + (s === null ? 0 : alignUp(s)), 0);
  if (o.size === undefined && sizes.includes(null))
    throw bad("a partition without a size takes the rest of the disk: give the disk a size (-s)");
  let diskBytes = o.size ?? front + fixed + back;
  if (diskBytes % SECTOR !== 0) diskBytes += SECTOR - (diskBytes % SECTOR);
  const endByte = scheme === "gpt" ? (gptUsable(diskBytes).last + 1) * SECTOR : diskBytes;
  const parts: (PartSpec & { fs: MakefsType | "none" })[] = [];
  let at = front;
  for (let i = 0; i < o.parts.length; i++) {
    const p = o.parts[i]!;
    const size = sizes[i] ?? Math.floor((endByte - at - fixedAfter(sizes, i)) / ALIGN) * ALIGN;
    if (size <= 0 || at + size > endByte)
      throw bad(
        `the partitions need ${Math.ceil((front + fixed + back) / ALIGN)} MiB; the disk has ${Math.floor(diskBytes / ALIGN)} MiB`,
      );
    parts.push({
      name: p.name,
      type: p.type ?? DEFAULT_TYPE[fsOf(p)]!,
      offset: at,
      size,
      guid: guidFromBytes(idBytes(epoch, ["part", diskBytes, i, p.name])),
      ...(p.bootable !== undefined ? { bootable: p.bootable } : {}),
      fs: fsOf(p),
    });
    at = alignUp(at + size);
  }

  if (!existsSync(image)) closeSync(openSync(image, "wx"));
  const fd = openSync(image, "r+");
  try {
    // a fresh disk: the old bytes (old tables, old file systems) go
    ftruncateSync(fd, 0);
    ftruncateSync(fd, diskBytes);
  } finally {
    closeSync(fd);
  }
  try {
    if (scheme === "gpt")
      writeGpt(image, diskBytes, guidFromBytes(idBytes(epoch, ["disk", diskBytes])), parts);
    else writeMbr(image, diskBytes, idBytes(epoch, ["mbr", diskBytes]).readUInt32LE(0), parts);
  } catch (e) {
    throw bad((e as Error).message);
  }

  const stats: CopyStats[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    const req = o.parts[i]!;
    if (p.fs === "none") {
      stats.push(emptyStats());
      continue;
    }
    const label = req.label ?? labelFromName(p.fs, req.name);
    const params: NewfsParams = {
      type: p.fs,
      ...(label !== "" ? { label } : {}),
      ...(epoch !== undefined ? { time: epoch } : {}),
    };
    newfsWindow(image, p.offset, p.size, params);
    stats.push(
      req.dir === undefined
        ? emptyStats()
        : await fillFromDir(image, p.offset, p.size, req.dir, {
            type: p.fs,
            command: "mkdisk",
            ...(epoch !== undefined ? { timestamp: epoch } : {}),
            ...(o.owner !== undefined ? { owner: o.owner } : {}),
          }),
    );
  }
  return { scheme, size: diskBytes, parts, stats };
}

/**
 * The default label, the partition's name: for FAT what a volume label can
 * hold of it (11 characters, none of newfs_msdos's refused ones; "" for none).
 */
function labelFromName(fs: MakefsType, name: string): string {
  if (fs !== "msdos") return name;
  return name.replace(/[^\x21-\x7e]|["*+,./:;<=>?[\\\]|]/g, "").slice(0, 11);
}

/** Bytes the fixed-size partitions after index `i` need. */
function fixedAfter(sizes: readonly (number | null)[], i: number): number {
  let n = 0;
  for (let k = i + 1; k < sizes.length; k++) if (sizes[k] !== null) n += alignUp(sizes[k]!);
  return n;
}
