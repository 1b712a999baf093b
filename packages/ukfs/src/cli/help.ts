/** fsu --help, fsu help CMD, fsu CMD --help, and the usage line of a usage error. */
import type { Command } from "./context.js";
import { COMMANDS } from "./commands/index.js";

export function usageLine(c: Command): string {
  return `usage: fsu ${c.name} ${c.usage}`;
}

export function mainHelp(): string {
  const w = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "fsu — work in a disk image without mounting it (NetBSD's fs-utils on a rump kernel)",
    "",
    "usage: fsu <command> [options] IMAGE[%PART%] [args]",
    "       fsu help <command>   (or fsu <command> --help)",
    "",
    "IMAGE is a host file: an FFS (UFS1/UFS2) or ext2/3/4 image, or a disk with an MBR, GPT or",
    "disklabel; IMAGE%p1%, IMAGE%a%, IMAGE%DISKLABEL:a% or IMAGE%OFFSET:start,size% picks a",
    "partition. Paths inside the image are absolute. Images are opened read-only unless the",
    "command writes.",
    "",
    "commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
    "",
    "examples:",
    "  fsu mkfs -s 64m disk.img",
    "  fsu put -r disk.img ./docs /docs",
    "  fsu ls -l disk.img /docs",
    "",
    "exit status: 0 success, 1 an operation failed (one line on stderr), 2 bad usage",
  ].join("\n");
}

export function commandHelp(c: Command): string {
  const opts = c.options.filter((o) => o.help !== "");
  const flag = (n: string, arg?: string): string =>
    (n.length === 1 ? `-${n}` : `--${n}`) + (arg !== undefined ? ` ${arg}` : "");
  const w = Math.max(6, ...opts.map((o) => flag(o.name, o.arg).length));
  const lines = [`fsu ${c.name} — ${c.summary}`, "", usageLine(c)];
  if (c.details !== undefined) lines.push("", c.details);
  if (opts.length > 0) {
    lines.push("", "options:");
    for (const o of opts) lines.push(`  ${flag(o.name, o.arg).padEnd(w)}  ${o.help}`);
  }
  lines.push("", "examples:");
  for (const [cmd, what] of c.examples) lines.push(`  ${cmd}`, `      ${what}`);
  return lines.join("\n");
}
