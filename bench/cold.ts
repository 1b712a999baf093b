/**
 * The cold and scale rows of `pnpm bench`, each measured in a fresh child
 * process (child.ts) so that no kernel code has run, been compiled or
 * optimised before the measured operations:
 *
 * - cold: every W1–W5 workload run once per process, on tmpfs, memfs and
 *   Node's fs alike; the rates of its rows and the seconds from the target's
 *   creation (createKernel + mount for tmpfs) to its last operation;
 * - scale: W1 on tmpfs at 1,000 … 1,000,000 files after a small warm-up:
 *   nanoseconds per operation and heap bytes per empty file at each size.
 *
 * The children load the built packages (dist/, what users run), so `pnpm
 * build` comes first; without it the rows say n/a.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { TARGET_NAMES, type TargetName } from "./targets/target.js";
import { median, type Sizes } from "./workloads.js";

const here = dirname(fileURLToPath(import.meta.url));

/** Why the children cannot run (the packages are not built), or null. */
export function childMissing(): string | null {
  for (const p of ["librump", "rumpuser", "rump-syscalls"])
    if (!existsSync(resolve(here, `../packages/${p}/dist/index.js`)))
      return `packages/${p} is not built (pnpm build)`;
  return null;
}

/** Run child.ts with `args` in a fresh node; its JSON answer. */
function child<T>(args: string[], heapMiB?: number): T {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
  const argv = ["--import", tsx, "--expose-gc"];
  if (heapMiB !== undefined) argv.push(`--max-old-space-size=${heapMiB}`);
  const r = spawnSync(process.execPath, [...argv, join(here, "child.ts"), ...args], {
    encoding: "utf8",
    maxBuffer: 1 << 20,
    // no @rump/source condition: the children import dist/
    env: { ...process.env, NODE_OPTIONS: "" },
  });
  if (r.status !== 0)
    throw new Error(
      `child ${args.slice(0, 3).join(" ")} exited ${r.status ?? r.signal}: ${(r.stderr || r.error?.message || "").trim().split("\n").slice(-3).join(" ")}`,
    );
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as T;
}

/* ------------------------------------------------------------------ */
/* cold                                                                */

export const COLD_WORKLOADS = ["W1", "W2", "W3", "W4", "W5"] as const;

export interface ColdOptions {
  sizes: Sizes;
  reps: number;
  workloads?: readonly string[];
  targets?: readonly TargetName[];
  log?: (msg: string) => void;
}

export interface ColdResult {
  /** median rate (the rows' units) or seconds ("W1 total"), by row and target */
  results: Map<string, Partial<Record<TargetName, number>>>;
  raw: Map<string, Partial<Record<TargetName, number[]>>>;
  na?: string;
  seconds: number;
}

interface ColdAnswer {
  rates: Record<string, number>;
  total: number;
}

export function runCold(o: ColdOptions): ColdResult {
  const start = performance.now();
  const raw: ColdResult["raw"] = new Map();
  const results: ColdResult["results"] = new Map();
  const missing = childMissing();
  if (missing !== null) return { results, raw, na: missing, seconds: 0 };
  const targets = o.targets ?? TARGET_NAMES;
  const sizes = JSON.stringify(o.sizes);
  const push = (id: string, t: TargetName, v: number): void => {
    let r = raw.get(id);
    if (!r) raw.set(id, (r = {}));
    (r[t] ??= []).push(v);
  };
  for (const w of o.workloads ?? COLD_WORKLOADS) {
    o.log?.(`${w} cold: ${o.reps} fresh process(es) per target (${targets.join(", ")})`);
    // rounds interleave the targets, in an order that rotates each round
    for (let r = 0; r < o.reps; r++) {
      for (let k = 0; k < targets.length; k++) {
        const t = targets[(r + k) % targets.length]!;
        const a = child<ColdAnswer>(["cold", w, t, sizes]);
        for (const [id, v] of Object.entries(a.rates)) push(id, t, v);
        push(`${w} total`, t, a.total);
      }
    }
  }
  for (const [id, byT] of raw) {
    const m: Partial<Record<TargetName, number>> = {};
    for (const [t, vs] of Object.entries(byT)) m[t as TargetName] = median(vs);
    results.set(id, m);
  }
  return { results, raw, seconds: (performance.now() - start) / 1000 };
}

/* ------------------------------------------------------------------ */
/* scale                                                               */

export const SCALE_SIZES = [1_000, 10_000, 100_000, 1_000_000] as const;

export interface ScaleRow {
  files: number;
  /** median ns per operation, by W1 row ("W1 create", …) */
  nsPerOp: Record<string, number>;
  /** median heap bytes per empty file */
  heapPerFile: number;
  runs: { nsPerOp: Record<string, number>; heapPerFile: number }[];
}

export function runScale(o: {
  sizes: readonly number[];
  reps: number;
  log?: (msg: string) => void;
}): { rows: ScaleRow[]; na?: string; seconds: number } {
  const start = performance.now();
  const missing = childMissing();
  if (missing !== null) return { rows: [], na: missing, seconds: 0 };
  const rows: ScaleRow[] = [];
  for (const n of o.sizes) {
    // a million files is slow to make: one run of it is enough to see the trend
    const reps = n >= 1_000_000 ? 1 : o.reps;
    o.log?.(`SCALE: W1 on ${n} files, ${reps} fresh process(es)`);
    const runs: ScaleRow["runs"] = [];
    for (let r = 0; r < reps; r++)
      runs.push(
        child<ScaleRow["runs"][number]>(["scale", String(n)], n >= 1_000_000 ? 8192 : undefined),
      );
    const nsPerOp: Record<string, number> = {};
    for (const id of Object.keys(runs[0]!.nsPerOp))
      nsPerOp[id] = median(runs.map((x) => x.nsPerOp[id]!));
    rows.push({ files: n, nsPerOp, heapPerFile: median(runs.map((x) => x.heapPerFile)), runs });
  }
  return { rows, seconds: (performance.now() - start) / 1000 };
}
