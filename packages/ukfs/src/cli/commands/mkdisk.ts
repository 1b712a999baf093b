/** mkdisk: a partitioned disk image, each partition formatted and filled, in one command. */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { describeImage, probeImage } from "../../probe.js";
import { mkdisk as makeDisk, type DiskPartRequest, type MkdiskOptions } from "../../mkdisk.js";
import { parseInt10, parseSize } from "../args.js";
import type { Command, Ctx } from "../context.js";
import { IncompleteError } from "../errors.js";

const KEYS = ["name", "type", "size", "fs", "dir", "label", "bootable", "margin"] as const;

/** "name=esp,type=efi,size=64m,fs=msdos,dir=./esp" → a request (dirs relative to `base`). */
function parsePart(ctx: Ctx, spec: string, base: string): DiskPartRequest {
  const kv = new Map<string, string>();
  for (const item of spec.split(",")) {
    const eq = item.indexOf("=");
    const k = eq < 0 ? item : item.slice(0, eq);
    if (!(KEYS as readonly string[]).includes(k))
      throw ctx.usage(`--part: unknown key "${k}" (${KEYS.join(", ")})`);
    kv.set(k, eq < 0 ? "true" : item.slice(eq + 1));
  }
  return fromRecord(ctx, Object.fromEntries(kv), base);
}

function fromRecord(ctx: Ctx, r: Record<string, unknown>, base: string): DiskPartRequest {
  const str = (k: string): string | undefined => {
    const v = r[k];
    if (v === undefined) return undefined;
    if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean")
      throw ctx.usage(`partition ${k} must be a string`);
    return String(v);
  };
  const name = str("name");
  if (name === undefined || name === "") throw ctx.usage("every partition needs a name=");
  const p: DiskPartRequest = { name };
  const type = str("type");
  if (type !== undefined) p.type = type;
  const size = str("size");
  if (size !== undefined) p.size = size === "auto" ? "auto" : parseSize("mkdisk", size);
  const fs = str("fs");
  if (fs !== undefined) {
    if (fs !== "ffs" && fs !== "ext2" && fs !== "ext4" && fs !== "msdos" && fs !== "none")
      throw ctx.usage(
        `partition "${name}": fs must be ffs, ext2, ext4, msdos or none, not "${fs}"`,
      );
    p.fs = fs;
  }
  const dir = str("dir");
  if (dir !== undefined) p.dir = resolve(base, dir);
  const label = str("label");
  if (label !== undefined) p.label = label;
  const boot = str("bootable");
  if (boot !== undefined) p.bootable = boot === "true" || boot === "1" || boot === "yes";
  const margin = str("margin");
  if (margin !== undefined) p.margin = parseInt10("mkdisk", "margin", margin);
  return p;
}

export const mkdisk: Command = {
  name: "mkdisk",
  summary: "make a partitioned disk image, each partition formatted and filled from a directory",
  usage:
    "[-t gpt|mbr] [-s SIZE] [--timestamp SECS] [--owner UID:GID] (--part SPEC ... | --layout FILE) IMAGE",
  options: [
    { name: "t", value: true, arg: "SCHEME", help: "gpt (default) or mbr" },
    {
      name: "s",
      value: true,
      arg: "SIZE",
      help: "disk size (default: what the partitions need)",
    },
    {
      name: "part",
      value: true,
      arg: "SPEC",
      help: "a partition: name=N[,type=efi|linux|netbsd-ffs|fat|GUID|0xNN][,size=SIZE|auto][,fs=ffs|ext2|ext4|msdos|none][,dir=DIR][,label=L][,bootable]; repeat for each, in order; one may leave out size to take the rest",
    },
    {
      name: "layout",
      value: true,
      arg: "FILE",
      help: 'the same as JSON: {"scheme":"gpt","size":"1g","partitions":[{"name":"root","fs":"ext2","dir":"./root"}]} (dirs relative to the file)',
    },
    {
      name: "timestamp",
      value: true,
      arg: "SECS",
      help: "reproducible disk: ids and times from this (default $SOURCE_DATE_EPOCH)",
    },
    { name: "owner", value: true, arg: "UID:GID", help: "every file owned by UID:GID" },
  ],
  operands: [1, 1],
  examples: [
    [
      "fsu mkdisk --part name=boot,size=32m,fs=ffs,dir=./boot --part name=root,fs=ext2,dir=./root disk.img",
      "a GPT disk with an FFS and an ext2 partition, each sized to fit its tree",
    ],
    [
      "SOURCE_DATE_EPOCH=1700000000 fsu mkdisk --layout disk.json disk.img",
      "the same from a layout file, byte-identical on every run",
    ],
  ],
  details:
    "The image is made anew (an existing file is overwritten). Partitions start on 1 MiB boundaries; " +
    "a GPT gets its protective MBR and backup header. Each partition with fs= is formatted by the kernel's newfs " +
    "and, with dir=, filled as `fsu mkfs -d` fills (modes, numeric owners, times, links, devices). " +
    "Every fsu command then reaches a partition as IMAGE%p1%, IMAGE%p2%, … (`fsu info IMAGE` lists them).",
  async run(ctx) {
    const image = ctx.operands[0]!;
    const layout = ctx.value("layout");
    const specs = ctx.values("part");
    if ((layout === undefined) === (specs.length === 0))
      throw ctx.usage("give the partitions with --part (one or more) or with --layout, not both");
    let scheme = ctx.value("t");
    let sizeS = ctx.value("s");
    let parts: DiskPartRequest[];
    if (layout !== undefined) {
      let j: { scheme?: unknown; size?: unknown; partitions?: unknown };
      try {
        j = JSON.parse(readFileSync(layout, "utf8")) as typeof j;
      } catch (e) {
        throw ctx.usage(`--layout ${layout}: ${(e as Error).message}`);
      }
      if (!Array.isArray(j.partitions)) throw ctx.usage(`--layout ${layout}: no "partitions" list`);
      scheme ??= typeof j.scheme === "string" ? j.scheme : undefined;
      sizeS ??=
        typeof j.size === "string" || typeof j.size === "number" ? String(j.size) : undefined;
      const base = dirname(resolve(layout));
      parts = (j.partitions as Record<string, unknown>[]).map((r) => fromRecord(ctx, r, base));
    } else parts = specs.map((s) => parsePart(ctx, s, process.cwd()));
    if (scheme !== undefined && scheme !== "gpt" && scheme !== "mbr")
      throw ctx.usage(`-t must be gpt or mbr, not "${scheme}"`);
    const o: MkdiskOptions = { parts, scheme: (scheme ?? "gpt") as "gpt" | "mbr" };
    if (sizeS !== undefined) o.size = parseSize("mkdisk", sizeS);
    const ts = ctx.value("timestamp");
    if (ts !== undefined) o.timestamp = parseInt10("mkdisk", "--timestamp", ts);
    const own = ctx.value("owner");
    if (own !== undefined) {
      const m = /^(\d+):(\d+)$/.exec(own);
      if (m === null) throw ctx.usage(`--owner wants UID:GID in numbers, not "${own}"`);
      o.owner = { uid: Number(m[1]), gid: Number(m[2]) };
    }
    const r = await makeDisk(image, o);
    ctx.out(describeImage(probeImage(image)).join("\n") + "\n");
    const skipped = r.stats.reduce((a, s) => a + s.skipped, 0);
    if (skipped > 0)
      throw new IncompleteError(
        `mkdisk: ${skipped} ${skipped === 1 ? "entry was" : "entries were"} skipped (said above); the rest was copied`,
      );
  },
};
