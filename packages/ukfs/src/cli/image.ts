/**
 * Images as fsu names them: IMAGE, IMAGE%DISKLABEL:a%, IMAGE%OFFSET:s,n%, or
 * IMAGE%NAME% with a partition name of the image's table ("a", "p1").
 * Opening one mounts it read-only unless the command writes; the kernel's
 * console lines are kept and become the reason of a failed open (an image
 * locked by another process names its holder there).
 */
import { statSync } from "node:fs";
import { resolve as hostResolve } from "node:path";
import { EAGAIN, EINVAL, EISDIR, ENOENT, EROFS, RumpError } from "@rump/syscalls";
import type { Ukfs } from "../api.js";
import { openImage, UkfsOpenError } from "../open.js";
import { ukfs_part_probe } from "../part.js";
import { probeImage, type FsProbe, type ImageProbe } from "../probe.js";
import { FsuError } from "./errors.js";

export interface ImageSpec {
  /** absolute host path of the image file */
  image: string;
  /** what the user wrote */
  spec: string;
  /** a partition name ("a", "p1") from IMAGE%NAME%, or null */
  partName: string | null;
  /** the path with a %DISKLABEL:…% / %OFFSET:…% suffix kept, for openImage */
  pathForOpen: string;
}

export function parseImageSpec(spec: string): ImageSpec {
  const m = /^(.*)%([^%:]+)%$/.exec(spec);
  if (m !== null && m[1] !== "")
    return { image: hostResolve(m[1]!), spec, partName: m[2]!, pathForOpen: m[1]! };
  let probed;
  try {
    probed = ukfs_part_probe(spec);
  } catch (e) {
    if (!(e instanceof RumpError)) throw e;
    const at = spec.lastIndexOf("%", spec.length - 2);
    const image = hostResolve(at > 0 ? spec.slice(0, at) : spec);
    throw new FsuError(e.errno, "open", image, `partition ${spec.slice(at)}: ${partWhy(e.errno)}`);
  }
  return { image: hostResolve(probed.devpath), spec, partName: null, pathForOpen: spec };
}

function partWhy(errno: number): string {
  if (errno === ENOENT) return "no such partition (or no disklabel)";
  if (errno === EINVAL) return "malformed (%DISKLABEL:a% … %DISKLABEL:v%, %OFFSET:start,size%)";
  return "cannot be used";
}

function requireImage(s: ImageSpec): void {
  const st = statSync(s.image, { throwIfNoEntry: false });
  if (st === undefined) throw new FsuError(ENOENT, "open", s.image, "no such image");
  if (st.isDirectory())
    throw new FsuError(
      EISDIR,
      "open",
      s.image,
      "is a directory, not an image (the image comes first: fsu ls IMAGE /PATH)",
    );
}

/**
 * The kernel memory of an fsu run (half of it is the buffer cache). Commands
 * that only read get less: each block is read once, and filling a large
 * cache with fresh memory costs more than the host reads it saves.
 */
export const FSU_MEMLIMIT = 128 << 20;
export const FSU_MEMLIMIT_READONLY = 32 << 20;

/** What a command wants of the kernel beyond read-only or not. */
export interface FsuOpenOptions {
  /** mount an image that was not unmounted cleanly read-write anyway (a warning on stderr) */
  force?: boolean;
  /** RUMP_MEMLIMIT unless the environment sets it (fsu mount) */
  memlimit?: number;
  /** more MNT_* flags (MNT_ASYNC, MNT_NOATIME) */
  mntflags?: number;
}

/** Mount the image: read-only unless `writable`. */
export function openFsuImage(
  spec: string,
  writable: boolean,
  console: string[],
  more: FsuOpenOptions = {},
): Ukfs {
  const s = parseImageSpec(spec);
  requireImage(s);
  try {
    const h = openImage(s.pathForOpen, {
      readonly: !writable,
      force: writable && more.force === true,
      // a bounded buffer cache keeps big copies in bounded memory (and faster); the
      // environment's RUMP_MEMLIMIT, if set, decides instead
      ...(process.env.RUMP_MEMLIMIT === undefined
        ? {
            params: {
              RUMP_MEMLIMIT: more.memlimit ?? (writable ? FSU_MEMLIMIT : FSU_MEMLIMIT_READONLY),
            },
          }
        : {}),
      ...(more.mntflags !== undefined ? { mntflags: more.mntflags } : {}),
      ...(s.partName !== null ? { partition: s.partName } : {}),
      console: (line) => {
        console.push(line);
      },
    });
    // the kernel's "forced read-write mount" becomes one warning line, now
    const at = console.findIndex((l) => l.includes("forced read-write mount"));
    if (at >= 0) {
      console.splice(at, 1);
      process.stderr.write(
        `fsu: warning: ${s.image} was not unmounted cleanly; writing to it anyway (--force). ` +
          `It stays marked not clean: run fsu fsck -y on it\n`,
      );
    }
    return h;
  } catch (e) {
    // an unclean image refused read-write: say what fsu offers
    if (e instanceof UkfsOpenError && e.errno === EROFS && /not clean/.test(e.reason)) {
      const at = e.reason.indexOf(s.image + ": ");
      const why = at >= 0 ? e.reason.slice(at + s.image.length + 2) : e.reason;
      throw new FsuError(
        EROFS,
        "mount",
        s.image,
        `${why.replace(/; run .*$/, "")}: repair it with fsu fsck -y (or write anyway with --force)`,
      );
    }
    // the kernel's console says why (a lock holder, a damaged superblock): make it the reason
    if (e instanceof RumpError && !(e instanceof UkfsOpenError) && console.length > 0) {
      const line =
        (e.errno === EAGAIN ? console.find((l) => l.includes("in use")) : undefined) ??
        console[console.length - 1]!;
      const at = line.indexOf(s.image + ": ");
      let why = at >= 0 ? line.slice(at + s.image.length + 2) : line;
      // an unclean image refused read-write: say what fsu offers
      if (e.errno === EROFS && /not clean/.test(why))
        why = `${why.replace(/; run .*$/, "")}: repair it with fsu fsck -y (or write anyway with --force)`;
      console.length = 0;
      throw new FsuError(e.errno, e.errno === EAGAIN ? "open" : e.syscall, s.image, why);
    }
    if (e instanceof RumpError && e.errno === EAGAIN)
      throw new FsuError(EAGAIN, "open", s.image, "the image is in use by another process");
    throw e;
  }
}

/** Where a file system lives in an image: the image, its byte window, and what the probe found. */
export interface Window {
  image: string;
  offset: number;
  /** bytes (to the end of the image when the partition says so) */
  size: number;
  fs: FsProbe | null;
  probe: ImageProbe;
}

export function resolveWindow(spec: string): Window {
  const s = parseImageSpec(spec);
  requireImage(s);
  const probe = probeImage(s.image);
  if (s.partName !== null) {
    const found = probe.partitions.ok
      ? probe.partitionFs.find((x) => x.partition.name === s.partName)
      : undefined;
    if (found === undefined) {
      const have = probe.partitions.ok
        ? probe.partitions.partitions.map((q) => q.name).join(", ") || "none"
        : `the partition table is damaged: ${probe.partitions.reason}`;
      throw new FsuError(
        ENOENT,
        "open",
        s.image,
        `no partition "${s.partName}" (partitions: ${have})`,
      );
    }
    const p = found.partition;
    return { image: s.image, offset: p.offset, size: p.size, fs: found.fs, probe };
  }
  const part = ukfs_part_probe(spec).part;
  if (part.kind === "none") {
    if (probe.fs !== null)
      return { image: s.image, offset: 0, size: probe.size, fs: probe.fs, probe };
    const first = probe.partitionFs.find((x) => x.fs !== null);
    if (first !== undefined)
      return {
        image: s.image,
        offset: first.partition.offset,
        size: first.partition.size,
        fs: first.fs,
        probe,
      };
    return { image: s.image, offset: 0, size: probe.size, fs: null, probe };
  }
  const size = part.size === 0 ? probe.size - part.offset : part.size;
  if (part.offset + size > probe.size || size <= 0)
    throw new FsuError(EINVAL, "open", s.image, "the partition lies beyond the end of the image");
  const inside = probe.partitionFs.find((x) => x.partition.offset === part.offset);
  return {
    image: s.image,
    offset: part.offset,
    size,
    fs: inside?.fs ?? (part.offset === 0 ? probe.fs : null),
    probe,
  };
}

export { fileDev } from "../hostdev.js";
