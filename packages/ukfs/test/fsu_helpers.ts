/**
 * Running the real fsu binary (the built dist/cli/fsu.js) in a child
 * process, and host trees to copy. `pnpm test` builds first.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";

export const BIN = resolve(import.meta.dirname, "../dist/cli/fsu.js");

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout as bytes */
  raw: Buffer;
}

export function fsu(
  args: string[],
  opts: { input?: string | Buffer; env?: Record<string, string>; cwd?: string } = {},
): Run {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: build first (pnpm build)`);
  const r = spawnSync(process.execPath, [BIN, ...args], {
    input: opts.input ?? "",
    env: { ...process.env, FSU_PROGRESS: "0", ...opts.env },
    cwd: opts.cwd,
    maxBuffer: 64 << 20,
  });
  if (r.error) throw r.error;
  return {
    code: r.status ?? -1,
    stdout: r.stdout.toString("utf8"),
    stderr: r.stderr.toString("utf8"),
    raw: r.stdout,
  };
}

/** fsu that must succeed; returns stdout. */
export function ok(args: string[], opts: Parameters<typeof fsu>[1] = {}): string {
  const r = fsu(args, opts);
  if (r.code !== 0)
    throw new Error(`fsu ${args.join(" ")} exited ${r.code}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** fsu that must fail with exit 1 and exactly one line on stderr; returns that line. */
export function fails(args: string[], opts: Parameters<typeof fsu>[1] = {}): string {
  const r = fsu(args, opts);
  if (r.code !== 1)
    throw new Error(`fsu ${args.join(" ")}: exit ${r.code}, expected 1: ${r.stderr || r.stdout}`);
  const lines = r.stderr.split("\n").filter((l) => l !== "");
  if (lines.length !== 1) throw new Error(`expected one line on stderr, got:\n${r.stderr}`);
  return lines[0]!;
}
