/**
 * fsu's main: parse, run one command, report. Returns the exit status: 0
 * success, 1 an operation error (one line "fsu: …" on stderr), 2 a usage
 * error (the message and the command's usage line).
 */
import { RumpError } from "@rump/syscalls";
import { parseArgs } from "./args.js";
import { findCommand } from "./commands/index.js";
import { Ctx } from "./context.js";
import { IncompleteError, UsageError } from "./errors.js";
import { commandHelp, mainHelp, usageLine } from "./help.js";

const HELP = { name: "help", help: "" };

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
      err(`fsu: unknown command "${sub}" (fsu --help lists them)`);
      return 2;
    }
    process.stdout.write(commandHelp(c) + "\n");
    return 0;
  }
  const cmd = findCommand(name);
  if (cmd === undefined) {
    err(`fsu: unknown command "${name}"`);
    err("usage: fsu <command> [options] IMAGE[%PART%] [args]   (fsu --help lists the commands)");
    return 2;
  }
  let ctx: Ctx | null = null;
  try {
    const { opts, operands } = parseArgs(cmd.name, rest, [...cmd.options, HELP]);
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
    ctx = new Ctx(cmd, opts, operands);
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
