/**
 * Run fuzz seeds in a worker thread with a watchdog: the worker posts a
 * message before each case; when none comes for `stallMs` the case is a
 * hang (a synchronous loop cannot be interrupted in its own thread), the
 * worker is terminated and a new one continues after that seed. A worker
 * that dies (heap limit reached: runaway memory) is reported the same way.
 *
 * The worker runs the TypeScript sources directly: it registers tsx's
 * loader and resolves packages with the "@rump/source" condition, so it
 * works from a clean clone without a build, inside or outside vitest.
 */
/// <reference types="node" />
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";

export interface FuzzJob {
  /** "selftest": cases that hang or exhaust the heap on purpose (the runner's test) */
  type: "ffs" | "ext2fs" | "ext4" | "msdos" | "cd9660" | "selftest";
  /** base images (ext2: made by mke2fs; ext4: by mkfs.ext4; FAT: mkfs.fat + mcopy; cd9660: by xorriso and makefs; FFS: by makefs, or none: the worker makes its own with newfs) */
  images: { name: string; bytes: Uint8Array }[];
  seeds: number[];
  /** the worker's heap limit (default 384 MiB) */
  heapMb?: number;
}

export type FuzzMessage =
  | { t: "start"; seed: number }
  | { t: "fail"; seed: number; image: string; message: string }
  | { t: "end"; seed: number; ro: boolean; rw: boolean; calls: number }
  | { t: "done" };

export interface FuzzFailureReport {
  seed: number;
  image: string;
  message: string;
}

export interface FuzzReport {
  cases: number;
  failures: FuzzFailureReport[];
  roMounted: number;
  rwMounted: number;
  calls: number;
  ms: number;
}

const WORKER = new URL("./fuzz_worker.ts", import.meta.url).href;

function bootCode(): string {
  // the ESM entry of tsx's API (its CommonJS one cannot register the loader in a worker)
  const pkg = createRequire(import.meta.url).resolve("tsx/package.json");
  const tsx = pathToFileURL(join(dirname(pkg), "dist/esm/api/index.mjs")).href;
  return [
    "globalThis.DIAGNOSTIC = true;",
    `import(${JSON.stringify(tsx)})`,
    `  .then((api) => { api.register(); return import(${JSON.stringify(WORKER)}); });`,
  ].join("\n");
}

/** Seeds `first … first+count-1`, or the env overrides RUMP_FUZZ_SEED / RUMP_FUZZ_CASES. */
export function fuzzSeeds(first: number, count: number): number[] {
  const env = globalThis.process.env;
  const f = env.RUMP_FUZZ_SEED !== undefined ? Number(env.RUMP_FUZZ_SEED) : first;
  const n = env.RUMP_FUZZ_CASES !== undefined ? Number(env.RUMP_FUZZ_CASES) : count;
  return Array.from({ length: n }, (_, i) => f + i);
}

/** Run `job` to the end (restarting after hangs and crashes of the worker). */
export async function runFuzz(job: FuzzJob, stallMs = 10_000): Promise<FuzzReport> {
  const t0 = Date.now();
  const report: FuzzReport = {
    cases: 0,
    failures: [],
    roMounted: 0,
    rwMounted: 0,
    calls: 0,
    ms: 0,
  };
  let seeds = job.seeds;
  while (seeds.length > 0) {
    const rest = await runWorker({ ...job, seeds }, stallMs, report);
    seeds = rest;
  }
  report.ms = Date.now() - t0;
  return report;
}

/** One worker over `job.seeds`; resolves to the seeds still to run. */
function runWorker(job: FuzzJob, stallMs: number, report: FuzzReport): Promise<number[]> {
  return new Promise((resolve) => {
    const w = new Worker(bootCode(), {
      eval: true,
      workerData: job,
      execArgv: ["--conditions=@rump/source"],
      resourceLimits: { maxOldGenerationSizeMb: job.heapMb ?? 384 },
      stdout: false,
      stderr: false,
    });
    let current = -1;
    let index = -1;
    let finished = false;
    // the first message waits for the worker's start-up (loading sources, making images)
    let timer = setTimeout(onStall, Math.max(stallMs * 3, 120_000));
    const finish = (rest: number[]): void => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      resolve(rest);
    };
    const restAfterCurrent = (): number[] => job.seeds.slice(index + 1);
    function onStall(): void {
      report.failures.push({
        seed: current,
        image: "",
        message: current < 0 ? "the worker did not start" : `no progress for ${stallMs} ms (hang)`,
      });
      void w.terminate();
      finish(current < 0 ? [] : restAfterCurrent());
    }
    w.on("message", (m: FuzzMessage) => {
      clearTimeout(timer);
      timer = setTimeout(onStall, stallMs);
      if (m.t === "start") {
        current = m.seed;
        index++;
        report.cases++;
      } else if (m.t === "fail") {
        report.failures.push({ seed: m.seed, image: m.image, message: m.message });
      } else if (m.t === "end") {
        if (m.ro) report.roMounted++;
        if (m.rw) report.rwMounted++;
        report.calls += m.calls;
      } else {
        void w.terminate();
        finish([]);
      }
    });
    w.on("error", (e: Error) => {
      report.failures.push({
        seed: current,
        image: "",
        message: `worker died: ${e.stack ?? e.message}`,
      });
      finish(current < 0 ? [] : restAfterCurrent());
    });
    w.on("exit", () => {
      if (finished) return;
      report.failures.push({ seed: current, image: "", message: "worker exited early" });
      finish(current < 0 ? [] : restAfterCurrent());
    });
  });
}

/** A failure list as text: one line to reproduce each. */
export function describeFailures(r: FuzzReport, testFile: string): string {
  return r.failures
    .map(
      (f) =>
        `seed ${f.seed} (${f.image}): ${f.message}\n  reproduce: RUMP_FUZZ_SEED=${f.seed} RUMP_FUZZ_CASES=1 pnpm exec vitest run ${testFile}`,
    )
    .join("\n");
}
