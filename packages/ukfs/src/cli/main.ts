/**
 * fsu's main: parse, run one command, report. Returns the exit status: 0
 * success, 1 an operation error (one line "fsu: …" on stderr), 2 a usage
 * error (the message and the command's usage line).
 */
import { readFileSync } from "node:fs";
import { RumpError } from "@rump/syscalls";
import { parseArgs } from "./args.js";
import { COMMANDS, findCommand } from "./commands/index.js";
import { Ctx } from "./context.js";
import { IncompleteError, UsageError } from "./errors.js";
import { commandHelp, mainHelp, usageLine } from "./help.js";

const HELP = { name: "help", help: "" };

/** The package's version, read from its package.json (dist/cli → ../../package.json) when asked for. */
function version(): string {
  try {
    const pj = new URL("../../package.json", import.meta.url);
    return (JSON.parse(readFileSync(pj, "utf8")) as { version?: string }).version ?? "unknown";
  } catch {
    return "unknown";
  }
}

/** Edit distance (insertions, deletions, substitutions, adjacent swaps). */
function distance(a: string, b: string): number {
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) d.push([i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  return d[a.length]![b.length]!;
}

/** The command closest to a mistyped one, if close enough to suggest. */
function nearest(name: string): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const c of COMMANDS) {
    const dd = distance(name.toLowerCase(), c.name);
    if (dd < bestD) {
      bestD = dd;
      best = c.name;
    }
  }
  return bestD <= Math.max(1, Math.floor(name.length / 3)) ? best : null;
}

function errorLine(e: unknown): string {
  if (e instanceof RumpError || e instanceof IncompleteError) return e.message;
  const ne = e as NodeJS.ErrnoException;
  // a host error (node:fs): "ENOENT: no such file or directory, open 'x'"
  if (e instanceof Error && typeof ne.code === "string" && typeof ne.syscall === "string")
    return e.message;
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

export async function main(argv: string[]): Promise<number> {
  const err = (s: string): void => {
    process.stderr.write(s + "\n");
  };
  const [name, ...rest] = argv;
  if (name === undefined) {
    err(mainHelp());
    return 2;
  }
  if (name === "--help" || name === "-h" || name === "help") {
    const sub = name === "help" ? rest[0] : undefined;
    if (sub === undefined) {
      process.stdout.write(mainHelp() + "\n");
      return 0;
    }
    const c = findCommand(sub);
    if (c === undefined) {
      const near = nearest(sub);
      err(
        `fsu: unknown command "${sub}"${near !== null ? `; did you mean "${near}"?` : ""} (fsu --help lists them)`,
      );
      return 2;
    }
    process.stdout.write(commandHelp(c) + "\n");
    return 0;
  }
  if (name === "--version" || name === "-V" || name === "version") {
    process.stdout.write(`fsu (@rump/ukfs) ${version()}\n`);
    return 0;
  }
  const cmd = findCommand(name);
  if (cmd === undefined) {
    const near = nearest(name);
    err(`fsu: unknown command "${name}"${near !== null ? `; did you mean "${near}"?` : ""}`);
    err("usage: fsu <command> [options] IMAGE[%PART%] [args]   (fsu --help lists the commands)");
    return 2;
  }
  let ctx: Ctx | null = null;
  try {
    const { opts, all, operands } = parseArgs(cmd.name, rest, [...cmd.options, HELP]);
    if (opts.has("help")) {
      process.stdout.write(commandHelp(cmd) + "\n");
      return 0;
    }
    const [min, max] = cmd.operands;
    if (operands.length < min)
      throw new UsageError(
        operands.length === 0 ? "no IMAGE given" : "too few arguments",
        cmd.name,
      );
    if (operands.length > max) throw new UsageError("too many arguments", cmd.name);
    ctx = new Ctx(cmd, opts, operands, all);
    try {
      await cmd.run(ctx);
    } finally {
      ctx.close();
    }
    for (const line of ctx.console) err(`fsu: kernel: ${line}`);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      err(`fsu ${cmd.name}: ${e.message}`);
      err(usageLine(cmd));
      return 2;
    }
    err(`fsu: ${errorLine(e)}`);
    return 1;
  }
}
