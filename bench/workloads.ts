/**
 * The workloads (W1–W6) and memory/boot measurements, each written once
 * against FsTarget, and the runner that measures them: a fresh target per
 * workload, one untimed-for-the-result warm-up run, then `reps` measured runs
 * whose median is reported. Only the loops that do the measured operations are
 * timed; paths and buffers are made beforehand, identically for every target.
 */
import * as v8 from "node:v8";
import * as vm from "node:vm";
import { MemoryHost } from "@rump/rumpuser";
import { createKernel } from "@rump/librump";
import { MemfsTarget } from "./targets/memfs.js";
import { NodeTarget } from "./targets/nodefs.js";
import { TmpfsTarget, bootTmpfs } from "./targets/tmpfs.js";
import { TARGET_NAMES, type FsTarget, type TargetName } from "./targets/target.js";

/* ------------------------------------------------------------------ */
/* sizes                                                               */

export interface Sizes {
  /** W1: empty files in one directory */
  w1Files: number;
  /** W2: files of w2FileSize bytes */
  w2Files: number;
  w2FileSize: number;
  /** W3: one file of w3Bytes written and read in w3Chunk pieces */
  w3Bytes: number;
  w3Chunk: number;
  /** W4: w4Reads random preads of w4ReadSize from a w4FileBytes file */
  w4Reads: number;
  w4ReadSize: number;
  w4FileBytes: number;
  /** W5: w5Dirs directories of w5FilesPerDir files */
  w5Dirs: number;
  w5FilesPerDir: number;
  /** W6: getpid calls per run */
  w6Calls: number;
  /** MEM: empty files whose heap cost is measured, and the big file */
  memFiles: number;
  memFileBytes: number;
  /** BOOT: createKernel() calls */
  boots: number;
}

const KiB = 1024;
const MiB = 1024 * KiB;

/** The issue's sizes. */
export const FULL_SIZES: Sizes = {
  w1Files: 10_000,
  w2Files: 10_000,
  w2FileSize: 4 * KiB,
  w3Bytes: 256 * MiB,
  w3Chunk: 64 * KiB,
  w4Reads: 20_000,
  w4ReadSize: 4 * KiB,
  w4FileBytes: 256 * MiB,
  w5Dirs: 1_000,
  w5FilesPerDir: 10,
  w6Calls: 5_000_000,
  memFiles: 10_000,
  memFileBytes: 256 * MiB,
  boots: 20,
};

/** --quick: a tenth of the work (a smoke run, numbers are indicative only). */
export const QUICK_SIZES: Sizes = {
  w1Files: 1_000,
  w2Files: 1_000,
  w2FileSize: 4 * KiB,
  w3Bytes: 16 * MiB,
  w3Chunk: 64 * KiB,
  w4Reads: 2_000,
  w4ReadSize: 4 * KiB,
  w4FileBytes: 16 * MiB,
  w5Dirs: 100,
  w5FilesPerDir: 10,
  w6Calls: 500_000,
  memFiles: 1_000,
  memFileBytes: 16 * MiB,
  boots: 5,
};

/* ------------------------------------------------------------------ */
/* metrics, targets of the issue                                       */

export type Unit = "ops/s" | "MB/s" | "MiB" | "× size" | "ms";

/** A rule of the issue: tmpfs ≥ k× a baseline, or an absolute bound on tmpfs's value. */
export type Goal =
  | { kind: "vs"; baseline: "node" | "memfs"; factor: number }
  | { kind: "min"; value: number }
  | { kind: "max"; value: number };

export interface MetricDef {
  /** row label, e.g. "W1 create" */
  id: string;
  /** what one op is */
  what: string;
  unit: Unit;
  goals: Goal[];
}

export const METRICS: readonly MetricDef[] = [
  {
    id: "W1 create",
    what: "open(O_CREAT)+close of an empty file",
    unit: "ops/s",
    goals: vs(2, 10),
  },
  { id: "W1 stat", what: "stat by path", unit: "ops/s", goals: vs(2, 10) },
  { id: "W1 readdir", what: "entries of one 10k-entry directory read", unit: "ops/s", goals: [] },
  { id: "W1 unlink", what: "unlink", unit: "ops/s", goals: vs(2, 10) },
  { id: "W2 write", what: "4 KiB file: open+write+close", unit: "ops/s", goals: vs(2) },
  { id: "W2 read", what: "4 KiB file: open+read+close", unit: "ops/s", goals: vs(2) },
  {
    id: "W3 write",
    what: "one big file, 64 KiB writes",
    unit: "MB/s",
    goals: [{ kind: "vs", baseline: "memfs", factor: 3 }],
  },
  { id: "W3 read", what: "one big file, 64 KiB reads", unit: "MB/s", goals: vs(2) },
  { id: "W4 pread", what: "random 4 KiB pread", unit: "ops/s", goals: vs(2) },
  { id: "W5 build", what: "mkdir + create of the tree", unit: "ops/s", goals: vs(2) },
  { id: "W5 walk", what: "entries visited by readdir+stat recursion", unit: "ops/s", goals: vs(2) },
  {
    id: "W6 getpid",
    what: "rump_sys_getpid()",
    unit: "ops/s",
    goals: [{ kind: "min", value: 10e6 }],
  },
  {
    id: "MEM 10k files",
    what: "heapUsed growth for the empty files",
    unit: "MiB",
    goals: [{ kind: "max", value: 10 }],
  },
  {
    id: "MEM big file",
    what: "heapUsed+arrayBuffers growth / file size",
    unit: "× size",
    goals: [{ kind: "max", value: 1.1 }],
  },
  {
    id: "BOOT",
    what: "createKernel() on a MemoryHost, median",
    unit: "ms",
    goals: [{ kind: "max", value: 5 }],
  },
];

function vs(node: number, memfs?: number): Goal[] {
  const g: Goal[] = [{ kind: "vs", baseline: "node", factor: node }];
  if (memfs !== undefined) g.push({ kind: "vs", baseline: "memfs", factor: memfs });
  return g;
}

/** One measurement: `count` operations (or bytes, for MB/s) in `seconds`. */
export interface Sample {
  count: number;
  seconds: number;
}

/** A measured value, by metric id and target (missing: not measured on that target). */
export type Results = Map<string, Partial<Record<TargetName, number>>>;

/* ------------------------------------------------------------------ */
/* helpers                                                             */

/** A garbage collector: global.gc under --expose-gc, else one obtained through v8 flags. */
export const gc: () => void = (() => {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  v8.setFlagsFromString("--expose-gc");
  return vm.runInNewContext("gc") as () => void;
})();

export function fullGc(): void {
  gc();
  gc();
}

const now = (): number => performance.now();

export function rate(s: Sample, unit: Unit): number {
  return unit === "MB/s" ? s.count / 1e6 / s.seconds : s.count / s.seconds;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** A buffer of `n` bytes with a non-zero pattern (no target can treat it as a hole). */
export function patterned(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + 7) & 0xff || 1;
  return b;
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`bench: ${what}`);
}

const S_IFMT = 0o170000; // the same in NetBSD and on Linux
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;

/** Write `bytes` bytes to `path` in `chunk` writes (open, writes, close). Returns the seconds the writes took. */
function writeBig(t: FsTarget, path: string, bytes: number, buf: Uint8Array): number {
  const chunk = buf.length;
  const fd = t.openWrite(path);
  const t0 = now();
  for (let done = 0; done < bytes; done += chunk) {
    check(
      t.write(fd, buf, Math.min(chunk, bytes - done)) === Math.min(chunk, bytes - done),
      "short write",
    );
  }
  const dt = (now() - t0) / 1000;
  t.close(fd);
  return dt;
}

/* ------------------------------------------------------------------ */
/* the workloads                                                       */

export interface Workload<S = unknown> {
  id: string;
  title: string;
  targets: readonly TargetName[];
  /** untimed preparation, once per target (before the warm-up) */
  setup?(t: FsTarget, z: Sizes): S;
  /** one run: the samples of its metrics */
  run(t: FsTarget, z: Sizes, state: S): Record<string, Sample>;
  teardown?(t: FsTarget, z: Sizes, state: S): void;
}

/** Untimed calls around W1's creates (the scale rows measure the heap growth between them). */
export interface W1Hooks {
  beforeCreate?(): void;
  afterCreate?(): void;
}

/** W1 on `n` files: create, stat, readdir, unlink of empty files in one directory. */
export function w1Files(t: FsTarget, n: number, hooks: W1Hooks = {}): Record<string, Sample> {
  const dir = `${t.root}/w1`;
  const paths = Array.from({ length: n }, (_, i) => `${dir}/f${i}`);
  t.mkdir(dir);
  hooks.beforeCreate?.();
  let t0 = now();
  for (let i = 0; i < n; i++) t.close(t.openWrite(paths[i]!));
  const create = (now() - t0) / 1000;
  hooks.afterCreate?.();
  let regs = 0;
  t0 = now();
  for (let i = 0; i < n; i++) if ((t.stat(paths[i]!) & S_IFMT) === S_IFREG) regs++;
  const stat = (now() - t0) / 1000;
  check(regs === n, "W1 stat: not all regular files");
  t0 = now();
  const names = t.readdir(dir);
  const readdir = (now() - t0) / 1000;
  check(names.length === n, `W1 readdir: ${names.length} names, expected ${n}`);
  t0 = now();
  for (let i = 0; i < n; i++) t.unlink(paths[i]!);
  const unlink = (now() - t0) / 1000;
  t.rmdir(dir);
  return {
    "W1 create": { count: n, seconds: create },
    "W1 stat": { count: n, seconds: stat },
    "W1 readdir": { count: n, seconds: readdir },
    "W1 unlink": { count: n, seconds: unlink },
  };
}

export const W1: Workload = {
  id: "W1",
  title: "10,000 empty files in one directory: create, stat, readdir, unlink",
  targets: TARGET_NAMES,
  run: (t, z) => w1Files(t, z.w1Files),
};

export const W2: Workload<Uint8Array> = {
  id: "W2",
  title: "10,000 files of 4 KiB: write, read back",
  targets: TARGET_NAMES,
  setup: (_t, z) => patterned(z.w2FileSize),
  run(t, z, data) {
    const n = z.w2Files;
    const size = z.w2FileSize;
    const dir = `${t.root}/w2`;
    const paths = Array.from({ length: n }, (_, i) => `${dir}/f${i}`);
    const rbuf = new Uint8Array(size);
    t.mkdir(dir);
    let t0 = now();
    for (let i = 0; i < n; i++) {
      const fd = t.openWrite(paths[i]!);
      t.write(fd, data, size);
      t.close(fd);
    }
    const write = (now() - t0) / 1000;
    let bytes = 0;
    t0 = now();
    for (let i = 0; i < n; i++) {
      const fd = t.openRead(paths[i]!);
      bytes += t.read(fd, rbuf, size);
      t.close(fd);
    }
    const read = (now() - t0) / 1000;
    check(bytes === n * size, "W2: short read");
    check(rbuf[size - 1] === data[size - 1], "W2: wrong data");
    for (let i = 0; i < n; i++) t.unlink(paths[i]!);
    t.rmdir(dir);
    return {
      "W2 write": { count: n, seconds: write },
      "W2 read": { count: n, seconds: read },
    };
  },
};

export const W3: Workload<Uint8Array> = {
  id: "W3",
  title: "one 256 MiB file in 64 KiB writes, read back",
  targets: TARGET_NAMES,
  setup: (_t, z) => patterned(z.w3Chunk),
  run(t, z, buf) {
    const bytes = z.w3Bytes;
    const chunk = z.w3Chunk;
    const path = `${t.root}/w3`;
    const write = writeBig(t, path, bytes, buf);
    const rbuf = new Uint8Array(chunk);
    const fd = t.openRead(path);
    let got = 0;
    const t0 = now();
    for (;;) {
      const r = t.read(fd, rbuf, chunk);
      if (r === 0) break;
      got += r;
    }
    const read = (now() - t0) / 1000;
    t.close(fd);
    check(got === bytes, `W3: read ${got} bytes of ${bytes}`);
    t.unlink(path);
    return {
      "W3 write": { count: bytes, seconds: write },
      "W3 read": { count: bytes, seconds: read },
    };
  },
};

interface W4State {
  fd: number;
  path: string;
  offsets: Float64Array;
  buf: Uint8Array;
}

export const W4: Workload<W4State> = {
  id: "W4",
  title: "20,000 random 4 KiB preads of a 256 MiB file",
  targets: TARGET_NAMES,
  setup(t, z) {
    const path = `${t.root}/w4`;
    writeBig(t, path, z.w4FileBytes, patterned(z.w3Chunk));
    // the same offsets for every target: xorshift32 from a fixed seed, 4 KiB aligned
    const blocks = Math.floor(z.w4FileBytes / z.w4ReadSize);
    const offsets = new Float64Array(z.w4Reads);
    let x = 0x9e3779b9;
    for (let i = 0; i < offsets.length; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      offsets[i] = ((x >>> 0) % blocks) * z.w4ReadSize;
    }
    return { fd: t.openRead(path), path, offsets, buf: new Uint8Array(z.w4ReadSize) };
  },
  run(t, z, s) {
    const { fd, offsets, buf } = s;
    const n = offsets.length;
    const size = z.w4ReadSize;
    let bytes = 0;
    const t0 = now();
    for (let i = 0; i < n; i++) bytes += t.pread(fd, buf, size, offsets[i]!);
    const dt = (now() - t0) / 1000;
    check(bytes === n * size, "W4: short pread");
    return { "W4 pread": { count: n, seconds: dt } };
  },
  teardown(t, _z, s) {
    t.close(s.fd);
    t.unlink(s.path);
  },
};

export const W5: Workload = {
  id: "W5",
  title: "1,000 directories of 10 files: build, walk (readdir + stat recursion)",
  targets: TARGET_NAMES,
  run(t, z) {
    const top = `${t.root}/w5`;
    const dirs = Array.from({ length: z.w5Dirs }, (_, d) => `${top}/d${d}`);
    const files = dirs.map((d) => Array.from({ length: z.w5FilesPerDir }, (_, f) => `${d}/f${f}`));
    t.mkdir(top);
    let t0 = now();
    for (let d = 0; d < dirs.length; d++) {
      t.mkdir(dirs[d]!);
      const fs = files[d]!;
      for (let f = 0; f < fs.length; f++) t.close(t.openWrite(fs[f]!));
    }
    const build = (now() - t0) / 1000;
    let visited = 0;
    const walk = (dir: string): void => {
      const names = t.readdir(dir);
      for (let i = 0; i < names.length; i++) {
        const p = `${dir}/${names[i]!}`;
        visited++;
        if ((t.stat(p) & S_IFMT) === S_IFDIR) walk(p);
      }
    };
    t0 = now();
    walk(top);
    const walked = (now() - t0) / 1000;
    const entries = z.w5Dirs * (1 + z.w5FilesPerDir);
    check(visited === entries, `W5 walk: visited ${visited} entries, expected ${entries}`);
    for (let d = 0; d < dirs.length; d++) {
      for (const f of files[d]!) t.unlink(f);
      t.rmdir(dirs[d]!);
    }
    t.rmdir(top);
    return {
      "W5 build": { count: entries, seconds: build },
      "W5 walk": { count: entries, seconds: walked },
    };
  },
};

const W6: Workload = {
  id: "W6",
  title: "rump_sys_getpid() in a tight loop",
  targets: ["tmpfs"],
  run(t, z) {
    const sys = (t as TmpfsTarget).sys;
    const n = z.w6Calls;
    let acc = 0;
    const t0 = now();
    for (let i = 0; i < n; i++) acc += sys.rump_sys_getpid();
    const dt = (now() - t0) / 1000;
    check(acc > 0, "W6: getpid returned 0");
    return { "W6 getpid": { count: n, seconds: dt } };
  },
};

export const WORKLOADS: readonly Workload<never>[] = [W1, W2, W3, W4, W5, W6] as Workload<never>[];

/* ------------------------------------------------------------------ */
/* memory and boot                                                     */

/** heapUsed growth (MiB) for `n` empty files in one directory of a fresh target. */
function memFiles(t: FsTarget, n: number): number {
  const dir = `${t.root}/m`;
  const paths = Array.from({ length: n }, (_, i) => `${dir}/f${i}`);
  t.mkdir(dir);
  fullGc();
  const h0 = process.memoryUsage().heapUsed;
  for (let i = 0; i < n; i++) t.close(t.openWrite(paths[i]!));
  fullGc();
  const h1 = process.memoryUsage().heapUsed;
  return (h1 - h0) / MiB;
}

/** (heapUsed + arrayBuffers) growth for one file of `bytes`, as a multiple of `bytes`. */
function memBigFile(t: FsTarget, bytes: number, chunk: number): number {
  const buf = patterned(chunk);
  fullGc();
  const m0 = process.memoryUsage();
  writeBig(t, `${t.root}/big`, bytes, buf);
  fullGc();
  const m1 = process.memoryUsage();
  return (m1.heapUsed + m1.arrayBuffers - (m0.heapUsed + m0.arrayBuffers)) / bytes;
}

/** Milliseconds of each of `n` createKernel() calls (a fresh MemoryHost each; shutdown untimed). */
function bootTimes(n: number, params?: KernelParams): number[] {
  const ms: number[] = [];
  bootTmpfs(params).kernel.shutdown(); // warm-up
  for (let i = 0; i < n; i++) {
    const host = new MemoryHost({ log: false });
    const t0 = now();
    const k = createKernel({ host, params });
    ms.push(now() - t0);
    k.shutdown();
  }
  return ms;
}

/* ------------------------------------------------------------------ */
/* the runner                                                          */

export const SECTION_IDS = ["W1", "W2", "W3", "W4", "W5", "W6", "MEM", "BOOT"] as const;
export type SectionId = (typeof SECTION_IDS)[number];

export interface RunOptions {
  sizes: Sizes;
  /** measured runs per workload and target (median reported) */
  reps: number;
  /** run each workload once before measuring (default true) */
  warmup?: boolean;
  /** sections to run (default: all) */
  only?: readonly SectionId[];
  /** targets to run the file-system workloads on (default: all three) */
  targets?: readonly TargetName[];
  /** boot parameters of every kernel (RUMP_NVNODES, …); default: the kernel's defaults */
  params?: KernelParams;
  /** progress messages */
  log?: (msg: string) => void;
}

export type KernelParams = Record<string, string | number>;

export interface BenchResult {
  results: Results;
  /** every measured value, for --json */
  raw: Map<string, Partial<Record<TargetName, number[]>>>;
  notes: string[];
  seconds: number;
}

/** A fresh target; `params` are boot parameters for the tmpfs kernel. */
export function makeTarget(name: TargetName, params?: KernelParams): FsTarget {
  switch (name) {
    case "tmpfs":
      return new TmpfsTarget(params);
    case "memfs":
      return new MemfsTarget();
    case "node":
      return new NodeTarget();
  }
}

export function runBench(o: RunOptions): BenchResult {
  const start = now();
  const only = new Set<SectionId>(o.only ?? SECTION_IDS);
  const targets = o.targets ?? TARGET_NAMES;
  const log = o.log ?? ((): void => {});
  const warmup = o.warmup ?? true;
  const z = o.sizes;
  const results: Results = new Map();
  const raw: BenchResult["raw"] = new Map();
  const notes = new Set<string>();
  const put = (id: string, target: TargetName, values: number[]): void => {
    const unit = METRICS.find((m) => m.id === id)?.unit;
    check(unit !== undefined, `unknown metric ${id}`);
    let r = results.get(id);
    if (!r) results.set(id, (r = {}));
    r[target] = median(values);
    let w = raw.get(id);
    if (!w) raw.set(id, (w = {}));
    w[target] = values;
  };

  for (const w of WORKLOADS) {
    if (!only.has(w.id as SectionId)) continue;
    const names = w.targets.filter((n) => targets.includes(n));
    if (names.length === 0) continue;
    log(`${w.id} (${names.join(", ")}): ${w.title}`);
    // All targets of a workload live side by side and their runs interleave (in an order
    // that rotates each round), so that whatever else the machine does at the time weighs
    // on every column alike: the ratios are what the report is about.
    const ts: FsTarget[] = [];
    try {
      for (const name of names) {
        const t = makeTarget(name, o.params);
        ts.push(t);
        notes.add(`${name}: ${t.note}`);
      }
      const states = ts.map((t) => w.setup?.(t, z) as never);
      if (warmup) ts.forEach((t, i) => w.run(t, z, states[i]!));
      const runs = ts.map((): Record<string, number[]> => ({}));
      for (let r = 0; r < o.reps; r++) {
        for (let k = 0; k < ts.length; k++) {
          const i = (r + k) % ts.length;
          fullGc();
          for (const [id, s] of Object.entries(w.run(ts[i]!, z, states[i]!))) {
            const unit = METRICS.find((m) => m.id === id)!.unit;
            (runs[i]![id] ??= []).push(rate(s, unit));
          }
        }
      }
      ts.forEach((t, i) => {
        for (const [id, v] of Object.entries(runs[i]!)) put(id, t.name, v);
        w.teardown?.(t, z, states[i]!);
      });
    } finally {
      for (const t of ts) t.dispose();
    }
    fullGc();
  }

  if (only.has("MEM")) {
    for (const name of ["tmpfs", "memfs"] as const) {
      if (!targets.includes(name)) continue;
      log(
        `MEM ${name}: heap of ${z.memFiles} empty files, memory of a ${z.memFileBytes / MiB} MiB file`,
      );
      const files: number[] = [];
      for (let r = 0; r < Math.max(1, o.reps); r++) {
        const t = makeTarget(name, o.params);
        try {
          files.push(memFiles(t, z.memFiles));
        } finally {
          t.dispose();
        }
      }
      put("MEM 10k files", name, files);
      const t = makeTarget(name, o.params);
      try {
        put("MEM big file", name, [memBigFile(t, z.memFileBytes, z.w3Chunk)]);
      } finally {
        t.dispose();
      }
      fullGc();
    }
  }

  if (only.has("BOOT") && targets.includes("tmpfs")) {
    log(`BOOT: ${z.boots} × createKernel()`);
    put("BOOT", "tmpfs", bootTimes(z.boots, o.params));
  }

  return { results, raw, notes: [...notes], seconds: (now() - start) / 1000 };
}

/* ------------------------------------------------------------------ */
/* judging                                                             */

export interface Verdict {
  /** tmpfs/node and tmpfs/memfs (higher is better), undefined where not measured */
  vsNode?: number;
  vsMemfs?: number;
  /** "PASS", "MISS" or "" (no goal, or not measured) */
  result: "PASS" | "MISS" | "";
  /** how far each missed goal is: e.g. "1.4× node (want 2×)" */
  misses: string[];
}

export function judge(m: MetricDef, r: Partial<Record<TargetName, number>> | undefined): Verdict {
  const tm = r?.tmpfs;
  const vsNode = tm !== undefined && r?.node !== undefined ? tm / r.node : undefined;
  const vsMemfs = tm !== undefined && r?.memfs !== undefined ? tm / r.memfs : undefined;
  const v: Verdict = { vsNode, vsMemfs, result: "", misses: [] };
  if (tm === undefined || m.goals.length === 0) return v;
  let judged = 0;
  for (const g of m.goals) {
    if (g.kind === "vs") {
      const ratio = g.baseline === "node" ? vsNode : vsMemfs;
      if (ratio === undefined) continue;
      judged++;
      if (ratio < g.factor)
        v.misses.push(`${ratio.toFixed(2)}× ${g.baseline} (want ≥ ${g.factor}×)`);
    } else if (g.kind === "min") {
      judged++;
      if (tm < g.value) v.misses.push(`${fmt(tm)} (want ≥ ${fmt(g.value)})`);
    } else {
      judged++;
      if (tm > g.value) v.misses.push(`${fmt(tm)} (want ≤ ${fmt(g.value)})`);
    }
  }
  if (judged > 0) v.result = v.misses.length > 0 ? "MISS" : "PASS";
  return v;
}

export function goalText(m: MetricDef): string {
  return m.goals
    .map((g) =>
      g.kind === "vs"
        ? `≥ ${g.factor}× ${g.baseline}`
        : `${g.kind === "min" ? "≥" : "≤"} ${fmt(g.value)}${m.unit === "ops/s" ? "/s" : ` ${m.unit}`}`,
    )
    .join(", ");
}

/** A number for a table: 3 significant digits, k/M suffixes for big ones. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1e9) return `${(x / 1e9).toPrecision(3)}G`;
  if (a >= 1e6) return `${(x / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${(x / 1e3).toPrecision(3)}k`;
  if (a >= 100) return x.toFixed(0);
  return x.toPrecision(3);
}
