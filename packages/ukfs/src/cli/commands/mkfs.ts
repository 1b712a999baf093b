/**
 * mkfs (newfs_ffs, newfs_ext2fs or newfs_msdos) and fsck (fsck_ffs).
 * Both hold the image's host lock while they work (exclusive for mkfs,
 * shared for fsck), so an image a kernel elsewhere has open read-write is
 * refused, naming the image.
 */
import { closeSync, existsSync, ftruncateSync, openSync, statSync } from "node:fs";
import {
  fsck_ffs,
  newfs_ext2fs,
  newfs_ffs,
  newfs_msdos,
  type NewfsExt2Options,
  type NewfsMsdosOptions,
  type NewfsOptions,
} from "@rump/librump";
import {
  NodeHost,
  RUMPUSER_OPEN_BIO,
  RUMPUSER_OPEN_RDONLY,
  RUMPUSER_OPEN_RDWR,
} from "@rump/rumpuser";
import { EAGAIN, EEXIST, EFTYPE, EINVAL, ENOENT, EOPNOTSUPP } from "@rump/syscalls";
import { describeFs, probeImage } from "../../probe.js";
import { parseInt10, parseSize } from "../args.js";
import type { Command, Ctx } from "../context.js";
import { FsuError } from "../errors.js";
import { fileDev, parseImageSpec, resolveWindow } from "../image.js";

/** Hold the image lock of `image` while `fn` runs (a NodeHost block-I/O open, as a kernel's). */
function withImageLock<T>(image: string, exclusive: boolean, fn: () => T): T {
  const lines: string[] = [];
  const host = new NodeHost({ console: (l) => lines.push(l) });
  const fdp = { v: -1 };
  const e = host.open(
    image,
    (exclusive ? RUMPUSER_OPEN_RDWR : RUMPUSER_OPEN_RDONLY) | RUMPUSER_OPEN_BIO,
    fdp,
  );
  if (e !== 0) {
    const line = lines.find((l) => l.trim() !== "") ?? "";
    const why = line.startsWith(image + ": ") ? line.slice(image.length + 2) : line;
    throw new FsuError(
      e,
      "open",
      image,
      why !== "" ? why : e === EAGAIN ? "the image is in use by another process" : "cannot open",
    );
  }
  try {
    return fn();
  } finally {
    host.close(fdp.v);
  }
}

export const mkfs: Command = {
  name: "mkfs",
  summary: "make a file system (newfs), creating the image file with -s",
  usage:
    "[-F] [-t ffs|ext2|msdos] [-s SIZE] [-O N] [-b BSIZE] [-f FSIZE] [-i BYTES] [-m PCT] [-L LABEL] [-B be|le] [-F 12|16|32] [-S SECSIZE] [-c SPC] [-I VOLID] IMAGE",
  options: [
    {
      name: "F",
      optional: /^(12|16|32)$/,
      arg: "[12|16|32]",
      help: "format even when IMAGE already holds a file system or partition table (as mke2fs -F); msdos: -F 12|16|32 is the FAT width (as newfs_msdos -F)",
    },
    {
      name: "force",
      help: "format even over a file system or partition table (-F's first meaning)",
    },
    { name: "t", value: true, arg: "TYPE", help: "ffs (default), ext2 or msdos (FAT)" },
    {
      name: "s",
      value: true,
      arg: "SIZE",
      help: "file-system size (16m, 1g, …); a missing image file is created this big",
    },
    {
      name: "O",
      value: true,
      arg: "N",
      help: "FFS: UFS1 or UFS2 (1|2, default 2); ext2: revision (0|1, default 1)",
    },
    { name: "b", value: true, arg: "BSIZE", help: "block size" },
    { name: "f", value: true, arg: "FSIZE", help: "FFS: fragment size" },
    { name: "i", value: true, arg: "BYTES", help: "bytes of data per inode" },
    { name: "m", value: true, arg: "PCT", help: "space reserved for root, percent" },
    { name: "L", value: true, arg: "LABEL", help: "volume label" },
    { name: "B", value: true, arg: "be|le", help: "FFS: byte order (default le)" },
    {
      name: "S",
      value: true,
      arg: "SECSIZE",
      help: "msdos: bytes per sector (512, 1024, 2048, 4096)",
    },
    {
      name: "c",
      value: true,
      arg: "SPC",
      help: "msdos: sectors per cluster (a power of 2 up to 128)",
    },
    {
      name: "I",
      value: true,
      arg: "VOLID",
      help: "msdos: volume ID (decimal or 0x hex; default from the time)",
    },
  ],
  operands: [1, 1],
  examples: [
    ["fsu mkfs -s 64m disk.img", "create a 64 MiB image file with an FFS (UFS2) on it"],
    ["fsu mkfs -O 1 -b 8192 -f 1024 -L boot disk.img%a%", "UFS1 in partition a"],
    ["fsu mkfs -t msdos -F 32 -L EFI -s 64m esp.img", "a FAT32 EFI system partition image"],
  ],
  details:
    "An existing image is formatted in place (its whole size, or -s bytes of it); IMAGE%PART% formats one partition. " +
    "When the target already holds a file system (or, for a whole image, a partition table) mkfs names it and refuses, " +
    "unless -F (--force) is given or you answer y on a terminal. " +
    "msdos formats with newfs_msdos and NetBSD's defaults (the FAT width and cluster size by the size); " +
    "there -F followed by 12, 16 or 32 is the FAT width, --force the overwrite. " +
    "Times and the FAT volume ID come from SOURCE_DATE_EPOCH when it is set (reproducible images).",
  async run(ctx) {
    const spec = ctx.operands[0]!;
    const t0 = ctx.value("t") ?? "ffs";
    const type = t0 === "fat" || t0 === "vfat" ? "msdos" : t0;
    if (type !== "ffs" && type !== "ext2" && type !== "ext2fs" && type !== "msdos")
      throw ctx.usage(`-t must be ffs, ext2 or msdos, not "${t0}"`);
    const fv = ctx.opts.get("F");
    const fatWidth = typeof fv === "string" ? Number(fv) : undefined;
    if (fatWidth !== undefined && type !== "msdos")
      throw ctx.usage(`-F ${fv}: a FAT width is for -t msdos (to force, -F alone or --force)`);
    const force = fv === true || ctx.flag("force");
    const sizeS = ctx.value("s");
    const size = sizeS === undefined ? undefined : parseSize("mkfs", sizeS);
    const s = parseImageSpec(spec);
    const whole = s.pathForOpen === spec && s.partName === null && !spec.includes("%");
    if (!existsSync(s.image)) {
      if (size === undefined || !whole)
        throw new FsuError(ENOENT, "open", s.image, "no such image (give -s SIZE to create one)");
      closeSync(openSync(s.image, "wx"));
    } else if (!force) {
      const there = whatIsThere(spec, whole);
      if (there !== null) await confirmOverwrite(spec, there);
    }
    let offset = 0;
    let room: number;
    if (whole) {
      room = size ?? statSync(s.image).size;
      if (statSync(s.image).size < room) {
        const fd = openSync(s.image, "r+");
        try {
          ftruncateSync(fd, room);
        } finally {
          closeSync(fd);
        }
      }
    } else {
      const w = resolveWindowForMkfs(spec);
      offset = w.offset;
      room = size === undefined ? w.size : Math.min(size, w.size);
    }
    if (room <= 0)
      throw new FsuError(EINVAL, "newfs", s.image, "the image is empty (give -s SIZE)");
    const num = (o: string): number | undefined => {
      const v = ctx.value(o);
      return v === undefined ? undefined : parseInt10("mkfs", `-${o}`, v);
    };
    const why = { v: "" };
    const sde = process.env.SOURCE_DATE_EPOCH;
    const now =
      sde !== undefined && /^\d+$/.test(sde) ? Number(sde) : Math.floor(Date.now() / 1000);
    withImageLock(s.image, true, () => {
      const dev = fileDev(s.image, offset, room, true);
      try {
        let e: number;
        if (type === "ffs") {
          const version = num("O") ?? 2;
          if (version !== 1 && version !== 2) throw ctx.usage("-O must be 1 or 2");
          const bo = ctx.value("B");
          if (bo !== undefined && bo !== "be" && bo !== "le")
            throw ctx.usage("-B must be be or le");
          const o: NewfsOptions = { version };
          const set = <K extends keyof NewfsOptions>(
            k: K,
            v: NewfsOptions[K] | undefined,
          ): void => {
            if (v !== undefined) o[k] = v;
          };
          set("bsize", num("b"));
          set("fsize", num("f"));
          set("density", num("i"));
          set("minfree", num("m"));
          set("volname", ctx.value("L"));
          set("byteOrder", bo as "be" | "le" | undefined);
          set("time", now);
          e = newfs_ffs(dev, o, why);
        } else if (type === "msdos") {
          const o: NewfsMsdosOptions = { time: now };
          if (fatWidth !== undefined) o.fatType = fatWidth as 12 | 16 | 32;
          const ss = num("S");
          const c = num("c");
          const label = ctx.value("L");
          const vid = ctx.value("I");
          if (ss !== undefined) o.bytesPerSector = ss;
          if (c !== undefined) o.sectorsPerCluster = c;
          if (label !== undefined) o.label = label;
          if (vid !== undefined) {
            const n = /^0x[0-9a-f]{1,8}$/i.test(vid)
              ? parseInt(vid, 16)
              : /^\d+$/.test(vid)
                ? Number(vid)
                : NaN;
            if (!(n >= 0 && n <= 0xffffffff))
              throw ctx.usage(`-I must be a 32-bit number, not "${vid}"`);
            o.volumeId = n;
          }
          for (const x of ["O", "b", "f", "i", "m", "B"])
            if (ctx.opts.has(x)) throw ctx.usage(`-${x} is not an msdos option`);
          e = newfs_msdos(dev, o, why);
        } else {
          const o: NewfsExt2Options = {};
          const rev = num("O");
          if (rev !== undefined && rev !== 0 && rev !== 1)
            throw ctx.usage("ext2: -O must be 0 or 1");
          if (rev !== undefined) o.rev = rev as 0 | 1;
          const b = num("b");
          const i = num("i");
          const m = num("m");
          const label = ctx.value("L");
          if (b !== undefined) o.bsize = b;
          if (i !== undefined) o.density = i;
          if (m !== undefined) o.minfree = m;
          if (label !== undefined) o.volname = label;
          o.time = now;
          e = newfs_ext2fs(dev, o, why);
        }
        if (e !== 0) throw new FsuError(e, "newfs", s.image, why.v || "newfs failed");
      } finally {
        dev.close();
      }
    });
    const probe = probeImage(s.image);
    const fs =
      offset === 0 ? probe.fs : probe.partitionFs.find((x) => x.partition.offset === offset)?.fs;
    ctx.out(`${spec}: ${fs ? describeFs(fs) : `${type} file system`}\n`);
  },
};

/** What mkfs would destroy at `spec`: "an ext2 file system (label …)", a partition table, or null. */
function whatIsThere(spec: string, whole: boolean): string | null {
  if (whole) {
    const p = probeImage(parseImageSpec(spec).image);
    if (p.fs !== null) return `a file system (${describeFs(p.fs)})`;
    if (p.partitions.ok && p.partitions.scheme !== "none") {
      const n = p.partitions.partitions.length;
      const scheme =
        p.partitions.scheme === "disklabel"
          ? "NetBSD disklabel"
          : p.partitions.scheme.toUpperCase();
      return `a partition table (${scheme}, ${n} partition${n === 1 ? "" : "s"})`;
    }
    return null;
  }
  const w = resolveWindow(spec);
  return w.fs === null ? null : `a file system (${describeFs(w.fs)})`;
}

/**
 * Refuse to format over `there`, as mke2fs does: on a terminal ask
 * ("Proceed anyway? (y,N)"), otherwise fail naming what is there.
 */
async function confirmOverwrite(spec: string, there: string): Promise<void> {
  const question = `${spec} contains ${there}`;
  if (process.stdin.isTTY === true && process.stderr.isTTY === true) {
    process.stderr.write(`${question}\nProceed anyway? (y,N) `);
    const answer = await readLine();
    if (/^y(es)?$/i.test(answer.trim())) return;
  }
  throw new FsuError(
    EEXIST,
    "newfs",
    spec,
    `${question.slice(spec.length + 1)}; give -F to format it anyway`,
  );
}

function readLine(): Promise<string> {
  return new Promise((resolve) => {
    let got = "";
    const onData = (b: Buffer): void => {
      got += b.toString("utf8");
      if (got.includes("\n")) done();
    };
    const done = (): void => {
      process.stdin.off("data", onData);
      process.stdin.off("end", done);
      process.stdin.pause();
      resolve(got.split("\n")[0] ?? "");
    };
    process.stdin.on("data", onData);
    process.stdin.on("end", done);
    process.stdin.resume();
  });
}

function resolveWindowForMkfs(spec: string): { offset: number; size: number } {
  const w = resolveWindow(spec);
  return { offset: w.offset, size: w.size };
}

export const fsck: Command = {
  name: "fsck",
  summary: "check the file system (read-only; FFS)",
  usage: "IMAGE",
  options: [],
  operands: [1, 1],
  examples: [["fsu fsck disk.img", "check disk.img; exit status 1 if it has problems"]],
  details: "ext2 and FAT images are not checked yet: use e2fsck -fn IMAGE or fsck.fat -n IMAGE.",
  run(ctx: Ctx) {
    const w = resolveWindow(ctx.operands[0]!);
    if (w.fs === null)
      throw new FsuError(
        EFTYPE,
        "fsck",
        w.image,
        "no file system recognised (FFS, ext2, msdos, cd9660)",
      );
    if (w.fs.type !== "ffs")
      throw new FsuError(
        EOPNOTSUPP,
        "fsck",
        w.image,
        `no checker for ${w.fs.variant} yet${w.fs.type === "ext2fs" ? " (use e2fsck -fn)" : w.fs.type === "msdos" ? " (use fsck.fat -n)" : ""}`,
      );
    const r = withImageLock(w.image, false, () => {
      const dev = fileDev(w.image, w.offset, w.size, false);
      try {
        return fsck_ffs(dev);
      } finally {
        dev.close();
      }
    });
    const head = `${ctx.operands[0]!}: ${describeFs(w.fs)}`;
    if (r.clean && w.fs.clean !== false) {
      ctx.out(`${head}: no problems found\n`);
      return;
    }
    const problems = [...r.problems];
    if (w.fs.clean === false) problems.push("the clean flag is not set (not unmounted cleanly)");
    ctx.out(`${head}\n${problems.map((p) => `  ${p}`).join("\n")}\n`);
    throw new FsuError(
      EFTYPE,
      "fsck",
      w.image,
      `${problems.length} problem${problems.length === 1 ? "" : "s"} found`,
    );
  },
};
