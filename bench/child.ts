/**
 * One measurement in a fresh process, started by cold.ts: what the cold and
 * scale rows time happens here, before this process has run any kernel code.
 * Prints one line of JSON on stdout.
 *
 *   child.ts cold W1 tmpfs SIZES   workload W1 run once on a fresh target;
 *                                  its rates, and the seconds from the
 *                                  target's creation (createKernel + mount,
 *                                  new Volume, mkdtemp) to its last operation
 *   child.ts scale N               W1 on N files on tmpfs after a 1,000-file
 *                                  warm-up: ns per operation, heap per file
 *
 * The packages are the built ones (dist/, as users get them): the parent
 * starts this without the @rump/source condition.
 */
import { TARGET_NAMES, type TargetName } from "./targets/target.js";
import {
  METRICS,
  WORKLOADS,
  fullGc,
  makeTarget,
  rate,
  w1Files,
  type Sample,
  type Sizes,
} from "./workloads.js";

const now = (): number => performance.now();

function cold(id: string, name: TargetName, z: Sizes): object {
  const w = WORKLOADS.find((x) => x.id === id);
  if (w === undefined) throw new Error(`no workload ${id}`);
  const t0 = now();
  const t = makeTarget(name);
  try {
    const state = w.setup?.(t, z) as never;
    const samples = w.run(t, z, state);
    w.teardown?.(t, z, state);
    const total = (now() - t0) / 1000;
    const rates: Record<string, number> = {};
    for (const [m, s] of Object.entries(samples))
      rates[m] = rate(s, METRICS.find((x) => x.id === m)!.unit);
    return { rates, total };
  } finally {
    t.dispose();
  }
}

function scale(n: number): object {
  const t = makeTarget("tmpfs");
  try {
    w1Files(t, 1000); // the code is compiled and warm: what is left is the cost at size n
    let h0 = 0;
    let h1 = 0;
    const samples: Record<string, Sample> = w1Files(t, n, {
      beforeCreate() {
        fullGc();
        h0 = process.memoryUsage().heapUsed;
      },
      afterCreate() {
        fullGc();
        h1 = process.memoryUsage().heapUsed;
      },
    });
    const nsPerOp: Record<string, number> = {};
    for (const [m, s] of Object.entries(samples)) nsPerOp[m] = (s.seconds * 1e9) / s.count;
    return { nsPerOp, heapPerFile: (h1 - h0) / n };
  } finally {
    t.dispose();
  }
}

const [mode, a, b, c] = process.argv.slice(2);
let out: object;
if (mode === "cold" && TARGET_NAMES.includes(b as TargetName) && c !== undefined)
  out = cold(a!, b as TargetName, JSON.parse(c) as Sizes);
else if (mode === "scale" && Number(a) > 0) out = scale(Number(a));
else
  throw new Error(
    `usage: child.ts cold W1 tmpfs SIZES | scale N (got ${process.argv.slice(2).join(" ")})`,
  );
process.stdout.write(JSON.stringify(out) + "\n");
