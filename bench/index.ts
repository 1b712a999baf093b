/**
 * `pnpm bench`: the kernel's tmpfs against memfs and Node's fs on /dev/shm,
 * then FFS and ext2fs on images against tmpfs, Node's fs and the npm ext2fs,
 * and the fsu tools against e2fsprogs, measured in the same run, as tables of
 * rates and ratios with the issues' targets. See bench/README.md.
 *
 *   pnpm bench                      everything at the issue's sizes (~6 min on 2 cores)
 *   pnpm bench -- --only W1,FFS     some sections (W1…W6, MEM, BOOT, COLD, SCALE, START, FFS, EXT2, EXT4, FSU, P2K, CD9660, MSDOS)
 *   pnpm bench -- --quick           a tenth of the sizes (smoke run)
 *   pnpm bench -- --reps 5          measured runs per workload (median; default 3, --quick 1)
 *   pnpm bench -- --json out.json   also write every measured value
 *   pnpm bench -- --param RUMP_NVNODES=20000   boot parameters of the kernels (repeatable)
 *   pnpm bench -- --scale 1000,1000000          the file counts of the SCALE rows
 */
import { writeFileSync } from "node:fs";
import * as os from "node:os";
import { TARGET_NAMES, type TargetName } from "./targets/target.js";
import { COLD_WORKLOADS, SCALE_SIZES, runCold, runScale } from "./cold.js";
import {
  DISK_FULL,
  DISK_QUICK,
  DISK_SECTION_IDS,
  goalOf,
  judgeRow,
  runDisk,
  type DiskSectionId,
} from "./disk.js";
import {
  FULL_SIZES,
  METRICS,
  QUICK_SIZES,
  SECTION_IDS,
  fmt,
  goalText,
  judge,
  runBench,
  type SectionId,
} from "./workloads.js";

interface Cli {
  quick: boolean;
  reps: number | undefined;
  only: AnySectionId[] | undefined;
  targets: TargetName[] | undefined;
  json: string | undefined;
  params: Record<string, string> | undefined;
  scale: number[];
}

/** The sections measured in fresh child processes (cold.ts). */
const CHILD_SECTION_IDS = ["COLD", "SCALE"] as const;
type ChildSectionId = (typeof CHILD_SECTION_IDS)[number];
type AnySectionId = SectionId | ChildSectionId | DiskSectionId;

/** Cold W1–W5 rows: tmpfs at least this many times Node's fs (the issue's target). */
const COLD_FACTOR = 1.5;
/** Scale rows: ns per operation within this factor of the 10,000-file row, heap per file at most this. */
const SCALE_FACTOR = 1.5;
const SCALE_HEAP = 400;

const USAGE = `usage: pnpm bench [-- [--quick] [--only W1,W2,…,W6,MEM,BOOT,COLD,SCALE,START,FFS,EXT2,EXT4,FSU,P2K,CD9660,MSDOS] [--targets tmpfs,memfs,node] [--reps N] [--json FILE] [--param NAME=VALUE]… [--scale N,N,…]]`;

function parseArgs(argv: string[]): Cli {
  const cli: Cli = {
    quick: false,
    reps: undefined,
    only: undefined,
    targets: undefined,
    json: undefined,
    params: undefined,
    scale: SCALE_SIZES.filter((n) => n <= 100_000),
  };
  const list = <T extends string>(
    v: string | undefined,
    allowed: readonly T[],
    what: string,
  ): T[] => {
    if (v === undefined) fail(`${what}: a list is needed`);
    return v.split(",").map((s) => {
      const x = allowed.find((a) => a.toLowerCase() === s.trim().toLowerCase());
      if (x === undefined) fail(`${what}: unknown "${s}" (one of ${allowed.join(", ")})`);
      return x;
    });
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const [flag, inline] =
      a.startsWith("--") && a.includes("=")
        ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]
        : [a, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case "--": // pnpm passes it through
        break;
      case "--quick":
        cli.quick = true;
        break;
      case "--only":
        cli.only = list(
          value(),
          [...SECTION_IDS, ...CHILD_SECTION_IDS, ...DISK_SECTION_IDS],
          "--only",
        );
        break;
      case "--targets":
        cli.targets = list(value(), TARGET_NAMES, "--targets");
        break;
      case "--reps": {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 1) fail("--reps: a positive integer is needed");
        cli.reps = n;
        break;
      }
      case "--json":
        cli.json = value();
        if (cli.json === undefined) fail("--json: a file name is needed");
        break;
      case "--scale": {
        const ns = (value() ?? "").split(",").map(Number);
        if (ns.some((n) => !Number.isInteger(n) || n < 1))
          fail("--scale: a list of file counts is needed");
        cli.scale = ns;
        break;
      }
      case "--param": {
        const v = value() ?? "";
        const eq = v.indexOf("=");
        if (eq <= 0) fail("--param: NAME=VALUE is needed");
        (cli.params ??= {})[v.slice(0, eq)] = v.slice(eq + 1);
        break;
      }
      case "-h":
      case "--help":
        process.stdout.write(USAGE + "\n");
        process.exit(0);
        break;
      default:
        fail(`unknown argument "${a}"`);
    }
  }
  return cli;
}

function fail(msg: string): never {
  process.stderr.write(`bench: ${msg}\n${USAGE}\n`);
  process.exit(2);
}

function table(rows: string[][], right: (col: number) => boolean): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]): string =>
    "| " +
    r
      .map((cell, c) => (right(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join(" | ") +
    " |";
  const sep =
    "|" +
    widths.map((w, c) => (right(c) ? "-".repeat(w + 1) + ":" : "-".repeat(w + 2))).join("|") +
    "|";
  return [line(rows[0]!), sep, ...rows.slice(1).map(line)].join("\n");
}

async function main(): Promise<void> {
  const cli = parseArgs(process.argv.slice(2));
  const sizes = cli.quick ? QUICK_SIZES : FULL_SIZES;
  const reps = cli.reps ?? (cli.quick ? 1 : 5);
  const out = (s: string): boolean => process.stdout.write(s + "\n");
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  out(
    `rump for TypeScript — benchmark${cli.quick ? " (--quick: a tenth of the sizes, indicative only)" : ""}`,
  );
  out(
    `node ${process.version}, ${cpu}, ${os.availableParallelism()} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
  );
  const load = os.loadavg()[0]!;
  const busy = load > os.availableParallelism() * 0.75;
  out(
    `load average ${load.toFixed(2)}${busy ? " — the machine is busy: expect noisy, low numbers" : ""}`,
  );
  out(
    `median of ${reps} run(s) after one warm-up; big files ${sizes.w3Bytes / 2 ** 20} MiB; MB = 10^6 bytes`,
  );
  const params = cli.params
    ? Object.entries(cli.params)
        .map(([k, v]) => `${k}=${v}`)
        .join(" ")
    : "";
  out(`kernel boot parameters: ${params || "the defaults"}`);
  if ((globalThis as { gc?: unknown }).gc === undefined)
    out("note: run without --expose-gc; gc obtained through v8 flags");
  out("");

  const coreOnly = cli.only?.filter((s): s is SectionId =>
    (SECTION_IDS as readonly string[]).includes(s),
  );
  const diskOnly = cli.only?.filter((s): s is DiskSectionId =>
    (DISK_SECTION_IDS as readonly string[]).includes(s),
  );
  const r = runBench({
    sizes,
    reps,
    only: coreOnly,
    targets: cli.targets,
    params: cli.params,
    log: (m) => process.stderr.write(`  … ${m}\n`),
  });

  const cell = (x: number | undefined): string => (x === undefined ? "—" : fmt(x));
  const ratio = (x: number | undefined): string => (x === undefined ? "—" : `${x.toFixed(2)}×`);
  const rows: string[][] = [
    ["workload", "unit", "tmpfs", "memfs", "node", "tmpfs/node", "tmpfs/memfs", "target", "result"],
  ];
  const misses: string[] = [];
  for (const m of METRICS) {
    const v = r.results.get(m.id);
    if (v === undefined) continue;
    const j = judge(m, v);
    const lowerIsBetter = m.unit === "MiB" || m.unit === "× size" || m.unit === "ms";
    rows.push([
      m.id,
      m.unit,
      cell(v.tmpfs),
      cell(v.memfs),
      cell(v.node),
      lowerIsBetter ? "—" : ratio(j.vsNode),
      lowerIsBetter ? "—" : ratio(j.vsMemfs),
      goalText(m) || "—",
      j.result || "—",
    ]);
    if (j.result === "MISS") misses.push(`${m.id}: ${j.misses.join("; ")}`);
  }
  if (rows.length > 1) {
    out(table(rows, (c) => c >= 2 && c <= 6));
    out("");
  }

  // cold: each run a fresh process; scale: W1 at growing sizes, also in fresh processes
  const wants = (sec: ChildSectionId): boolean => cli.only === undefined || cli.only.includes(sec);
  const coldTargets = cli.targets ?? TARGET_NAMES;
  let childSeconds = 0;
  const childNotes: string[] = [];
  const childJson: Record<string, unknown> = {};
  if (wants("COLD")) {
    const c = runCold({
      sizes,
      reps,
      targets: coldTargets,
      log: (m) => process.stderr.write(`  … ${m}\n`),
    });
    childSeconds += c.seconds;
    childJson.cold = { results: Object.fromEntries(c.results), runs: Object.fromEntries(c.raw) };
    const t: string[][] = [
      [
        "cold (fresh process)",
        "unit",
        "tmpfs",
        "memfs",
        "node",
        "tmpfs/node",
        "tmpfs/memfs",
        "target",
        "result",
      ],
    ];
    const ids = METRICS.filter((m) => COLD_WORKLOADS.some((w) => m.id.startsWith(`${w} `)));
    for (const m of ids) {
      const v = c.results.get(m.id);
      const vsNode = v?.tmpfs !== undefined && v.node !== undefined ? v.tmpfs / v.node : undefined;
      const vsMemfs =
        v?.tmpfs !== undefined && v.memfs !== undefined ? v.tmpfs / v.memfs : undefined;
      const result =
        vsNode === undefined ? (c.na ? "n/a" : "—") : vsNode >= COLD_FACTOR ? "PASS" : "MISS";
      if (result === "MISS")
        misses.push(`${m.id} cold: ${vsNode!.toFixed(2)}× node (want ≥ ${COLD_FACTOR}×)`);
      t.push([
        m.id,
        m.unit,
        cell(v?.tmpfs),
        cell(v?.memfs),
        cell(v?.node),
        ratio(vsNode),
        ratio(vsMemfs),
        `≥ ${COLD_FACTOR}× node`,
        result,
      ]);
    }
    for (const w of COLD_WORKLOADS) {
      const v = c.results.get(`${w} total`);
      // seconds: the ratios are baseline ÷ tmpfs, so higher is better here too
      const inv = (b: number | undefined): number | undefined =>
        v?.tmpfs !== undefined && b !== undefined ? b / v.tmpfs : undefined;
      t.push([
        `${w} total`,
        "s",
        cell(v?.tmpfs),
        cell(v?.memfs),
        cell(v?.node),
        ratio(inv(v?.node)),
        ratio(inv(v?.memfs)),
        "—",
        "—",
      ]);
    }
    out(table(t, (col) => col >= 2 && col <= 6));
    if (c.na) out(`  n/a: ${c.na}`);
    out("");
    childNotes.push(
      `cold: a fresh node process per run (built packages, dist/); each workload once, no warm-up; Wn total: seconds from the target's creation (tmpfs: createKernel + mount) to its last operation; median of ${reps}`,
    );
  }
  if (wants("SCALE")) {
    const s = runScale({ sizes: cli.scale, reps, log: (m) => process.stderr.write(`  … ${m}\n`) });
    childSeconds += s.seconds;
    childJson.scale = s.rows;
    const ops = ["W1 create", "W1 stat", "W1 readdir", "W1 unlink"];
    const ref = s.rows.find((r) => r.files === 10_000);
    const t: string[][] = [
      [
        "scale (tmpfs W1)",
        "create ns",
        "stat ns",
        "readdir ns",
        "unlink ns",
        "heap B/file",
        "worst ÷ 10k",
        "target",
        "result",
      ],
    ];
    for (const r of s.rows) {
      const worst =
        ref === undefined || r === ref
          ? undefined
          : Math.max(...ops.map((id) => r.nsPerOp[id]! / ref.nsPerOp[id]!));
      const why: string[] = [];
      if (worst !== undefined && r.files > 10_000 && worst > SCALE_FACTOR)
        why.push(`${worst.toFixed(2)}× the cost at 10,000 (want ≤ ${SCALE_FACTOR}×)`);
      if (r.files >= 10_000 && r.heapPerFile > SCALE_HEAP)
        why.push(`${r.heapPerFile.toFixed(0)} B per file (want ≤ ${SCALE_HEAP})`);
      const judged = r.files >= 10_000;
      if (why.length > 0) misses.push(`SCALE ${r.files} files: ${why.join("; ")}`);
      t.push([
        `${r.files.toLocaleString("en-US")} files`,
        ...ops.map((id) => cell(r.nsPerOp[id])),
        r.heapPerFile.toFixed(0),
        worst === undefined ? "—" : `${worst.toFixed(2)}×`,
        r.files > 10_000
          ? `≤ ${SCALE_FACTOR}×, ≤ ${SCALE_HEAP} B`
          : r.files === 10_000
            ? `≤ ${SCALE_HEAP} B`
            : "—",
        judged ? (why.length > 0 ? "MISS" : "PASS") : "—",
      ]);
    }
    out(table(t, (col) => col >= 1 && col <= 6));
    if (s.na) out(`  n/a: ${s.na}`);
    out("");
    childNotes.push(
      "scale: W1 on tmpfs in a fresh process per run after a 1,000-file warm-up; ns per operation (readdir: per entry); heap: heapUsed growth over the creates ÷ files (full gc before and after); 1,000,000 files run once",
    );
  }

  // the disk sections: FFS, ext2fs, fsu, p2k (big files are the only 256 MiB runs: at most 3 rounds)
  const d =
    diskOnly === undefined || diskOnly.length > 0
      ? await runDisk({
          sizes: cli.quick ? DISK_QUICK : DISK_FULL,
          reps: Math.min(reps, 3),
          only: diskOnly,
          log: (m) => process.stderr.write(`  … ${m}\n`),
        })
      : { rows: [], notes: [], seconds: 0 };
  for (const sec of DISK_SECTION_IDS) {
    const secRows = d.rows.filter((x) => x.section === sec);
    if (secRows.length === 0) continue;
    const t: string[][] = [
      ["workload", "unit", "ours", "baseline", "base", "ratio", "target", "result"],
    ];
    for (const x of secRows) {
      const j = judgeRow(x);
      if (j.miss !== undefined) misses.push(`${x.id}: ${j.miss}`);
      t.push([
        x.id,
        x.unit,
        x.na !== undefined ? "n/a" : cell(x.value),
        x.baseline || "—",
        cell(x.base),
        ratio(j.ratio),
        goalOf(x),
        j.result || "—",
      ]);
    }
    out(`${sec}:`);
    out(table(t, (c) => c === 2 || c === 4 || c === 5));
    // one line per reason, naming the rows it holds for
    const why = new Map<string, string[]>();
    for (const x of secRows)
      if (x.na !== undefined) why.set(x.na, [...(why.get(x.na) ?? []), x.id]);
    for (const [w, ids] of why) out(`  ${ids.join(", ")}: n/a: ${w}`);
    out("");
  }

  out(misses.length === 0 ? "all measured targets met" : `missed targets (${misses.length}):`);
  for (const s of misses) out(`  ${s}`);
  out("");
  out("what each row measures:");
  for (const m of METRICS) if (r.results.has(m.id)) out(`  ${m.id.padEnd(13)} ${m.what}`);
  for (const x of d.rows)
    out(`  ${x.id.padEnd(18)} ${x.what}${x.baseline ? ` (against ${x.baseline})` : ""}`);
  out("where:");
  for (const n of r.notes) out(`  ${n}`);
  for (const n of d.notes) out(`  ${n}`);
  for (const n of childNotes) out(`  ${n}`);
  out(`total ${(r.seconds + childSeconds + d.seconds).toFixed(1)} s`);

  if (cli.json !== undefined) {
    const obj = {
      node: process.version,
      loadavg: os.loadavg(),
      cpu,
      quick: cli.quick,
      reps,
      params: cli.params ?? {},
      sizes,
      results: Object.fromEntries(r.results),
      runs: Object.fromEntries(r.raw),
      notes: r.notes,
      ...childJson,
      disk: d.rows,
      diskNotes: d.notes,
    };
    writeFileSync(cli.json, JSON.stringify(obj, null, 2) + "\n");
    out(`wrote ${cli.json}`);
  }
}

void main();
