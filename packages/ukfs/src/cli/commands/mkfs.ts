/**
 * mkfs (newfs_ffs, newfs_ext2fs or newfs_msdos, then optionally the tree of -d DIR; see
 * makefs.ts) and fsck (fsck_ffs: check, -y repair, -p preen). Both hold the
 * image's host lock while they work (exclusive for mkfs and a repair,
 * shared for a check), so an image a kernel elsewhere has open read-write
 * is refused, naming the image.
 */
import { closeSync, existsSync, ftruncateSync, openSync, statSync } from "node:fs";
import { fsck_ffs, fsck_ffs_repair } from "@rump/librump";
import { EEXIST, EFTYPE, EINVAL, ENOENT, EOPNOTSUPP } from "@rump/syscalls";
import { describeFs, probeImage } from "../../probe.js";
import { parseInt10, parseSize } from "../args.js";
import type { Command, Ctx } from "../context.js";
import { FsuError, IncompleteError } from "../errors.js";
import { fileDev, withImageLock } from "../../hostdev.js";
import { parseImageSpec, resolveWindow } from "../image.js";
import {
  autoSize,
  fillFromDir,
  measureTree,
  newfsWindow,
  sourceDateEpoch,
  type MakefsType,
  type NewfsParams,
} from "../../makefs.js";

export const mkfs: Command = {
  name: "mkfs",
  summary: "make a file system (newfs), optionally filled from a host directory (-d)",
  usage:
    "[-F] [-t ffs|ext2|ext4|msdos] [-s SIZE|auto] [-d DIR [--owner UID:GID] [--margin PCT]] [--timestamp SECS] [-O N] [-b BSIZE] [-f FSIZE] [-i BYTES] [-m PCT] [-L LABEL] [-B be|le] [-F 12|16|32] [-S SECSIZE] [-c SPC] [-I VOLID] IMAGE",
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
    {
      name: "t",
      value: true,
      arg: "TYPE",
      help: "ffs (default), ext2, ext4 (what Debian's mkfs.ext4 makes, with a journal) or msdos (FAT)",
    },
    {
      name: "s",
      value: true,
      arg: "SIZE",
      help: "file-system size (16m, 1g, …, or auto: what -d DIR needs plus --margin); a missing image file is created this big",
    },
    {
      name: "d",
      value: true,
      arg: "DIR",
      help: "fill the new file system from this host directory (modes, numeric owners, times, links, devices)",
    },
    { name: "owner", value: true, arg: "UID:GID", help: "with -d: every file owned by UID:GID" },
    {
      name: "margin",
      value: true,
      arg: "PCT",
      help: "with -s auto: room to spare, percent (default 25)",
    },
    {
      name: "timestamp",
      value: true,
      arg: "SECS",
      help: "reproducible image: every time stamp and id from this time (default $SOURCE_DATE_EPOCH)",
    },
    {
      name: "O",
      value: true,
      arg: "N",
      help: "FFS: UFS1 or UFS2 (1|2, default 2); ext2: revision (0|1, default 1); not ext4",
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
    ["fsu mkfs -t ext4 -s 1g -L data linux.img", "a 1 GiB ext4 image, as mkfs.ext4 makes it"],
    [
      "SOURCE_DATE_EPOCH=1700000000 fsu mkfs -t ext2 -d ./rootfs --owner 0:0 root.img",
      "an ext2 image of ./rootfs, sized to fit, byte-identical on every run",
    ],
    ["fsu mkfs -t msdos -F 32 -L EFI -s 64m esp.img", "a FAT32 EFI system partition image"],
  ],
  details:
    "An existing image is formatted in place (its whole size, or -s bytes of it); IMAGE%PART% formats one partition. " +
    "When the target already holds a file system (or, for a whole image, a partition table) mkfs names it and refuses, " +
    "unless -F is given or you answer y on a terminal. With -d and no -s a new image is sized to fit (-s auto). " +
    "msdos formats with newfs_msdos and NetBSD's defaults (the FAT width and cluster size by the size); " +
    "there -F followed by 12, 16 or 32 is the FAT width, --force the overwrite; -d copies files, directories, " +
    "times and the write bit (FAT has no owners, links or devices: hard links become copies, the rest is skipped). " +
    "With SOURCE_DATE_EPOCH (or --timestamp) the image is reproducible: file times later than it are clamped to it, " +
    "every time the file system stamps and every id (UUID, generation numbers) derive from it, entries go in name order; " +
    "without it ext4 takes its UUID and hash seed from the host's random source.",
  async run(ctx) {
    const spec = ctx.operands[0]!;
    const t = ctx.value("t") ?? "ffs";
    if (
      t !== "ffs" &&
      t !== "ext2" &&
      t !== "ext2fs" &&
      t !== "ext4" &&
      t !== "msdos" &&
      t !== "fat" &&
      t !== "vfat"
    )
      throw ctx.usage(`-t must be ffs, ext2, ext4 or msdos, not "${t}"`);
    const type: MakefsType =
      t === "ffs"
        ? "ffs"
        : t === "ext2" || t === "ext2fs"
          ? "ext2"
          : t === "ext4"
            ? "ext4"
            : "msdos";
    const fv = ctx.opts.get("F");
    const fatWidth = typeof fv === "string" ? (Number(fv) as 12 | 16 | 32) : undefined;
    if (fatWidth !== undefined && type !== "msdos")
      throw ctx.usage(`-F ${fv}: a FAT width is for -t msdos (to force, -F alone or --force)`);
    const force = fv === true || ctx.flag("force");
    if (type === "msdos") {
      for (const x of ["O", "b", "f", "i", "m", "B"])
        if (ctx.opts.has(x)) throw ctx.usage(`-${x} is not an msdos option`);
    } else {
      for (const x of ["S", "c", "I"])
        if (ctx.opts.has(x)) throw ctx.usage(`-${x} is an msdos option`);
    }
    const dir = ctx.value("d");
    const num = (o: string): number | undefined => {
      const v = ctx.value(o);
      return v === undefined ? undefined : parseInt10("mkfs", `-${o}`, v);
    };
    const owner = parseOwner(ctx, ctx.value("owner"));
    if (dir === undefined && (owner !== undefined || ctx.value("margin") !== undefined))
      throw ctx.usage("--owner and --margin go with -d DIR");
    const tsS = ctx.value("timestamp");
    const epoch = sourceDateEpoch(
      tsS === undefined ? undefined : parseInt10("mkfs", "--timestamp", tsS),
    );
    const s = parseImageSpec(spec);
    const whole = s.pathForOpen === spec && s.partName === null && !spec.includes("%");
    const sizeS =
      ctx.value("s") ?? (dir !== undefined && !existsSync(s.image) ? "auto" : undefined);
    let size: number | undefined;
    if (sizeS === "auto") {
      if (dir === undefined) throw ctx.usage("-s auto sizes for -d DIR");
      size = autoSize(measureTree(dir), type, num("margin") ?? 25);
    } else if (sizeS !== undefined) size = parseSize("mkfs", sizeS);
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
      const w = resolveWindow(spec);
      offset = w.offset;
      room = size === undefined ? w.size : Math.min(size, w.size);
    }
    if (room <= 0)
      throw new FsuError(EINVAL, "newfs", s.image, "the image is empty (give -s SIZE)");
    const version = num("O");
    if (type === "ffs" && version !== undefined && version !== 1 && version !== 2)
      throw ctx.usage("-O must be 1 or 2");
    if (type === "ext2" && version !== undefined && version !== 0 && version !== 1)
      throw ctx.usage("ext2: -O must be 0 or 1");
    if (type === "ext4" && version !== undefined)
      throw ctx.usage("ext4: -O does not apply (ext4 is revision 1)");
    const bo = ctx.value("B");
    if (bo !== undefined && bo !== "be" && bo !== "le") throw ctx.usage("-B must be be or le");
    const params: NewfsParams = { type };
    const put = <K extends keyof NewfsParams>(k: K, v: NewfsParams[K] | undefined): void => {
      if (v !== undefined) params[k] = v;
    };
    put("version", version);
    put("bsize", num("b"));
    if (type === "ffs") put("fsize", num("f"));
    put("density", num("i"));
    put("minfree", num("m"));
    put("label", ctx.value("L"));
    put("byteOrder", bo as "be" | "le" | undefined);
    put("time", epoch);
    if (type === "msdos") {
      put("fatType", fatWidth);
      put("sectorSize", num("S"));
      put("sectorsPerCluster", num("c"));
      const vid = ctx.value("I");
      if (vid !== undefined) {
        const n = /^0x[0-9a-f]{1,8}$/i.test(vid)
          ? parseInt(vid, 16)
          : /^\d+$/.test(vid)
            ? Number(vid)
            : NaN;
        if (!(n >= 0 && n <= 0xffffffff))
          throw ctx.usage(`-I must be a 32-bit number, not "${vid}"`);
        params.volumeId = n;
      }
    }
    newfsWindow(s.image, offset, room, params);
    if (dir !== undefined) {
      const st = await fillFromDir(s.image, offset, room, dir, {
        type,
        ...(epoch !== undefined ? { timestamp: epoch } : {}),
        ...(owner !== undefined ? { owner } : {}),
      });
      if (st.skipped > 0)
        throw new IncompleteError(
          `mkfs: ${st.skipped} ${st.skipped === 1 ? "entry was" : "entries were"} skipped (said above); the rest was copied`,
        );
    }
    const probe = probeImage(s.image);
    const fs =
      offset === 0 ? probe.fs : probe.partitionFs.find((x) => x.partition.offset === offset)?.fs;
    ctx.out(`${spec}: ${fs ? describeFs(fs) : `${type} file system`}\n`);
  },
};

/** --owner UID:GID (numeric). */
function parseOwner(ctx: Ctx, v: string | undefined): { uid: number; gid: number } | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+):(\d+)$/.exec(v);
  if (m === null) throw ctx.usage(`--owner wants UID:GID in numbers, not "${v}"`);
  return { uid: Number(m[1]), gid: Number(m[2]) };
}

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

export const fsck: Command = {
  name: "fsck",
  summary: "check the file system (FFS); -y repairs it, -p preens it",
  usage: "[-n | -p | -y] IMAGE",
  options: [
    { name: "n", help: "check only, change nothing (the default)" },
    {
      name: "p",
      help: "preen: fix what an unclean shutdown leaves (lost files, link counts too large, block counts, maps and summary counts), stop on anything else",
    },
    {
      name: "y",
      help: "repair everything, answering yes as fsck_ffs -y does (damaged inodes are cleared, lost files and directories go to /lost+found)",
    },
  ],
  operands: [1, 1],
  examples: [
    ["fsu fsck disk.img", "check disk.img; exit status 1 if it has problems"],
    ["fsu fsck -y disk.img", "repair disk.img (after a crash or a kill) and mark it clean"],
    ["fsu fsck -p disk.img", "fix only the expected leftovers of a crash; exit 1 if more is wrong"],
  ],
  details: [
    "Without options fsck only reads, and a cleared clean flag (the image was not unmounted",
    "cleanly) counts as a problem. With -y or -p it writes: each problem is listed with what was",
    "done about it, and when the file system is consistent it is marked clean, so that commands",
    "that write accept it again (an unclean image is refused read-write: EROFS). -y may lose",
    "data to make the file system consistent: files whose blocks are claimed twice or that point",
    "outside the file system are cleared, files and directories without a name are reconnected",
    "in /lost+found as #INODE. -p changes nothing when it finds more than an unclean shutdown",
    "leaves. ext2 and FAT images are not checked yet: use e2fsck -fn IMAGE (repair: e2fsck -fy",
    "IMAGE) or fsck.fat -n IMAGE (repair: fsck.fat -a IMAGE).",
  ].join("\n"),
  run(ctx: Ctx) {
    const yes = ctx.flag("y");
    const preen = ctx.flag("p");
    if ([yes, preen, ctx.flag("n")].filter(Boolean).length > 1)
      throw ctx.usage("-n, -p and -y exclude each other");
    const w = resolveWindow(ctx.operands[0]!);
    if (w.fs === null)
      throw new FsuError(
        EFTYPE,
        "fsck",
        w.image,
        "no file system recognised (FFS, ext2, msdos, cd9660)",
      );
    if (w.fs.type !== "ffs") {
      const e2 = yes ? "e2fsck -fy" : preen ? "e2fsck -p" : "e2fsck -fn";
      throw new FsuError(
        EOPNOTSUPP,
        "fsck",
        w.image,
        `no checker for ${w.fs.variant} yet${w.fs.type === "ext2fs" ? ` (use ${e2})` : w.fs.type === "msdos" ? ` (use ${yes || preen ? "fsck.fat -a" : "fsck.fat -n"})` : ""}`,
      );
    }
    const head = `${ctx.operands[0]!}: ${describeFs(w.fs)}`;
    if (yes || preen) {
      repair(ctx, w, head, preen);
      return;
    }
    const r = withImageLock(w.image, false, () => {
      const dev = fileDev(w.image, w.offset, w.size, false);
      try {
        return fsck_ffs(dev);
      } finally {
        dev.close();
      }
    });
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

const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? "" : "s"}`;

/** fsck -y / -p: repair under an exclusive lock; list what was done and what was not. */
function repair(ctx: Ctx, w: ReturnType<typeof resolveWindow>, head: string, preen: boolean): void {
  const r = withImageLock(w.image, true, () => {
    const dev = fileDev(w.image, w.offset, w.size, true);
    try {
      return fsck_ffs_repair(dev, {
        mode: preen ? "preen" : "yes",
        time: Math.floor(Date.now() / 1000),
      });
    } finally {
      dev.close();
    }
  });
  if (r.clean && r.fixed.length === 0) {
    ctx.out(`${head}: no problems found\n`);
    return;
  }
  const lines = [head];
  for (const f of r.fixed) lines.push(`  ${f}`);
  if (r.stopped) {
    for (const u of r.unfixed) lines.push(`  ${u}`);
    ctx.out(lines.join("\n") + "\n");
    throw new FsuError(
      EFTYPE,
      "fsck",
      w.image,
      `${plural(r.unfixed.length, "problem")} that preen does not fix${r.modified ? "" : " (nothing was changed)"}: run fsu fsck -y`,
    );
  }
  for (const u of r.unfixed) lines.push(`  not fixed: ${u}`);
  if (r.clean)
    lines.push(`${ctx.operands[0]!}: ${plural(r.fixed.length, "problem")} fixed; marked clean`);
  ctx.out(lines.join("\n") + "\n");
  if (!r.clean)
    throw new FsuError(
      EFTYPE,
      "fsck",
      w.image,
      `${plural(r.unfixed.length, "problem")} could not be fixed${r.modified ? " (the rest was)" : ""}; the image stays not clean`,
    );
}
