/**
 * Running the real fsu binary (the built dist/cli/fsu.cjs) in a child
 * process, and host trees to copy. `pnpm test` builds first.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";

export const BIN = resolve(import.meta.dirname, "../dist/cli/fsu.cjs");

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
): Promise<Run> {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: build first (pnpm build)`);
  // asynchronous: the test worker's event loop keeps running (and tests may overlap)
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, FSU_PROGRESS: "0", ...opts.env },
      cwd: opts.cwd,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", reject);
    child.on("close", (code) => {
      const raw = Buffer.concat(out);
      resolve({
        code: code ?? -1,
        stdout: raw.toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        raw,
      });
    });
    child.stdin.on("error", () => {}); // a command that does not read stdin may exit first
    child.stdin.end(opts.input ?? "");
  });
}

/** fsu that must succeed; returns stdout. */
export async function ok(args: string[], opts: Parameters<typeof fsu>[1] = {}): Promise<string> {
  const r = await fsu(args, opts);
  if (r.code !== 0)
    throw new Error(`fsu ${args.join(" ")} exited ${r.code}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** fsu that must fail with exit 1 and exactly one line on stderr; returns that line. */
export async function fails(args: string[], opts: Parameters<typeof fsu>[1] = {}): Promise<string> {
  const r = await fsu(args, opts);
  if (r.code !== 1)
    throw new Error(`fsu ${args.join(" ")}: exit ${r.code}, expected 1: ${r.stderr || r.stdout}`);
  const lines = r.stderr.split("\n").filter((l) => l !== "");
  if (lines.length !== 1) throw new Error(`expected one line on stderr, got:\n${r.stderr}`);
  return lines[0]!;
}
