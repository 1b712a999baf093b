/** info: what an image holds, from its bytes alone (nothing is mounted). */
import { describeElTorito, describeFs, type FsProbe } from "../../probe.js";
import type { Command } from "../context.js";
import { resolveWindow } from "../image.js";

const fsJson = (fs: FsProbe | null): Record<string, unknown> | null =>
  fs === null
    ? null
    : {
        type: fs.type,
        variant: fs.variant,
        offset: fs.offset,
        size: fs.size,
        label: fs.label,
        clean: fs.clean,
        details: fs.details,
        ...(fs.boot !== undefined ? { boot: fs.boot } : {}),
      };

export const info: Command = {
  name: "info",
  summary:
    "describe an image: file system type, label, size, clean flag, partitions, El Torito boot images",
  usage: "[--json] IMAGE",
  options: [{ name: "json", help: "print JSON" }],
  operands: [1, 1],
  examples: [
    ["fsu info disk.img", "type, label, size, partitions and whether it is clean"],
    ["fsu info --json disk.img", "the same as JSON"],
    [
      "fsu info installer.iso",
      "an ISO's sessions, Rock Ridge and Joliet, its El Torito boot images",
    ],
  ],
  run(ctx) {
    const w = resolveWindow(ctx.operands[0]!);
    const p = w.probe;
    const parts = p.partitions.ok ? p.partitionFs : [];
    if (ctx.json) {
      ctx.out(
        JSON.stringify(
          {
            image: w.image,
            size: p.size,
            fs: fsJson(w.fs),
            partitionTable: p.partitions.ok
              ? { scheme: p.partitions.scheme, warnings: p.partitions.warnings }
              : { error: p.partitions.reason },
            partitions: parts.map(({ partition: q, fs }) => ({
              name: q.name,
              offset: q.offset,
              size: q.size,
              type: q.type,
              fs: fsJson(fs),
            })),
          },
          null,
          1,
        ) + "\n",
      );
      return;
    }
    const out = [
      `image: ${w.image}`,
      `size: ${p.size} bytes (${(p.size / (1 << 20)).toFixed(1)} MiB)`,
    ];
    if (w.fs !== null) {
      out.push(
        `file system: ${describeFs(w.fs)}`,
        `type: ${w.fs.type}`,
        `label: ${w.fs.label === "" ? "(none)" : w.fs.label}`,
        `offset: ${w.offset}`,
        `clean: ${w.fs.clean === null ? "not recorded" : w.fs.clean ? "yes" : "no"}`,
      );
      for (const [k, v] of Object.entries(w.fs.details)) out.push(`${k}: ${String(v)}`);
      if (w.fs.boot !== undefined) out.push(...describeElTorito(w.fs.boot));
    } else out.push("file system: none recognised (FFS, ext2, msdos, cd9660)");
    if (!p.partitions.ok) out.push(`partition table: damaged (${p.partitions.reason})`);
    else if (p.partitions.scheme === "none") out.push("partition table: none");
    else {
      out.push(`partition table: ${p.partitions.scheme}, ${parts.length} partitions`);
      for (const { partition: q, fs } of parts)
        out.push(
          `  ${q.name}: offset ${q.offset}, ${q.size} bytes, type ${q.type}: ${fs === null ? "no file system recognised" : describeFs(fs)}`,
        );
      for (const x of p.partitions.warnings) out.push(`  warning: ${x}`);
    }
    ctx.out(out.join("\n") + "\n");
  },
};
