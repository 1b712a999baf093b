/**
 * `pnpm bench`: the kernel's tmpfs against memfs and Node's fs on /dev/shm,
 * then FFS and ext2fs on images against tmpfs, Node's fs and the npm ext2fs,
 * and the fsu tools against e2fsprogs, measured in the same run, as tables of
 * rates and ratios with the issues' targets. See bench/README.md.
 *
 *   pnpm bench                      everything at the issue's sizes (~3 min on 2 cores)
 *   pnpm bench -- --only W1,FFS     some sections (W1…W6, MEM, BOOT, FFS, EXT2, EXT4, FSU, P2K, CD9660, MSDOS)
 *   pnpm bench -- --quick           a tenth of the sizes (smoke run)
 *   pnpm bench -- --reps 5          measured runs per workload (median; default 3, --quick 1)
 *   pnpm bench -- --json out.json   also write every measured value
 *   pnpm bench -- --param RUMP_NVNODES=20000   boot parameters of the kernels (repeatable)
 */
import { writeFileSync } from "node:fs";
import * as os from "node:os";
import { TARGET_NAMES, type TargetName } from "./targets/target.js";
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
  only: (SectionId | DiskSectionId)[] | undefined;
  targets: TargetName[] | undefined;
  json: string | undefined;
  params: Record<string, string> | undefined;
}

const USAGE = `usage: pnpm bench [-- [--quick] [--only W1,W2,…,W6,MEM,BOOT,FFS,EXT2,EXT4,FSU,P2K,CD9660,MSDOS] [--targets tmpfs,memfs,node] [--reps N] [--json FILE] [--param NAME=VALUE]…]`;

function parseArgs(argv: string[]): Cli {
  const cli: Cli = {
    quick: false,
    reps: undefined,
    only: undefined,
    targets: undefined,
    json: undefined,
    params: undefined,
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
        cli.only = list(value(), [...SECTION_IDS, ...DISK_SECTION_IDS], "--only");
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
  out(`total ${(r.seconds + d.seconds).toFixed(1)} s`);

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
      disk: d.rows,
      diskNotes: d.notes,
    };
    writeFileSync(cli.json, JSON.stringify(obj, null, 2) + "\n");
    out(`wrote ${cli.json}`);
  }
}

void main();
