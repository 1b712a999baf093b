/**
 * The benchmark harness (bench/, `pnpm bench`) still runs: every workload on
 * every target at tiny sizes completes and yields positive rates (memory
 * growth only has to be a number: at these sizes it is lost in the heap's noise), and the
 * disk sections (FFS, ext2, fsu, msdos, cd9660) give every row a value or a reason why not. No speed
 * is asserted here; `pnpm bench` is where speed is measured.
 */
import { expect, it } from "vitest";
import { METRICS, QUICK_SIZES, judge, runBench, type Sizes } from "../bench/workloads.js";
import { judgeRow, runDisk, type DiskSizes } from "../bench/disk.js";
import { runCold, runScale } from "../bench/cold.js";

const TINY: Sizes = {
  ...QUICK_SIZES,
  w1Files: 40,
  w2Files: 20,
  w3Bytes: 256 * 1024,
  w4Reads: 50,
  w4FileBytes: 256 * 1024,
  w5Dirs: 4,
  w5FilesPerDir: 3,
  w6Calls: 1000,
  memFiles: 40,
  memFileBytes: 256 * 1024,
  boots: 2,
};

it("runs every workload on tmpfs, memfs and node with positive results", () => {
  const { results } = runBench({ sizes: TINY, reps: 1, warmup: false });
  for (const m of METRICS) {
    const r = results.get(m.id);
    expect(r, m.id).toBeDefined();
    // memory growth at tiny sizes is within the heap's noise: only a number is asked of it
    if (m.unit === "MiB" || m.unit === "× size") expect(Number.isFinite(r!.tmpfs), m.id).toBe(true);
    else expect(r!.tmpfs, `${m.id} tmpfs`).toBeGreaterThan(0);
    if (m.id.startsWith("W") && m.id !== "W6 getpid") {
      expect(r!.memfs, `${m.id} memfs`).toBeGreaterThan(0);
      expect(r!.node, `${m.id} node`).toBeGreaterThan(0);
    }
    // the verdict is computable (PASS or MISS is not asserted)
    expect(["PASS", "MISS", ""]).toContain(judge(m, r).result);
  }
}, 60_000);

const DISK_TINY: DiskSizes = {
  bigBytes: 256 * 1024,
  chunk: 64 * 1024,
  files: 20,
  preads: 50,
  readSize: 4096,
  imageBytes: 16 * 1024 * 1024,
  npmFiles: 10,
  fsuBytes: 64 * 1024,
  fsuFiles: 8,
  fsuLsEntries: 20,
  startRuns: 1,
  p2kFiles: 20,
  p2kBytes: 1024 * 1024,
  p2kTreeFiles: 8,
  p2kTreeBytes: 64 * 1024,
};

it("runs the FFS, ext2, fsu, msdos and cd9660 sections at tiny sizes: every row measured or n/a with a reason", async () => {
  const { rows } = await runDisk({ sizes: DISK_TINY, reps: 1, warmup: false });
  const ids = rows.map((r) => r.id);
  for (const id of [
    "START fsu ls -l",
    "START librump",
    "FFS write",
    "FFS read warm",
    "FFS read cold",
    "FFS pread",
    "FFS W1 create",
  ])
    expect(ids, id).toContain(id);
  expect(
    ids.some((id) => id.startsWith("EXT2")),
    "an ext2 row",
  ).toBe(true);
  expect(
    ids.some((id) => id.startsWith("FSU")),
    "an fsu row",
  ).toBe(true);
  expect(
    ids.some((id) => id.startsWith("MSDOS")),
    "an msdos row",
  ).toBe(true);
  expect(ids, "the cd9660 row").toContain("CD9660 get -r");
  for (const r of rows) {
    // FFS is read-write here: every FFS row is measured, on both sides
    if (r.section === "FFS") {
      expect(r.na, r.id).toBeUndefined();
      expect(r.value, r.id).toBeGreaterThan(0);
      expect(r.base, `${r.id} baseline`).toBeGreaterThan(0);
    } else if (r.na === undefined) {
      expect(r.value, r.id).toBeGreaterThan(0);
    } else {
      expect(r.na.length, `${r.id}: a reason`).toBeGreaterThan(0);
    }
    expect(["PASS", "MISS", "n/a", ""]).toContain(judgeRow(r).result);
  }
}, 60_000);

it("runs the cold rows (a fresh process per run) and a scale row at tiny sizes", () => {
  const cold = runCold({ sizes: TINY, reps: 1, workloads: ["W1"], targets: ["tmpfs", "node"] });
  if (cold.na !== undefined) {
    // the children import the built packages
    expect(cold.na).toMatch(/not built/);
    return;
  }
  for (const id of ["W1 create", "W1 readdir", "W1 unlink", "W1 total"])
    for (const t of ["tmpfs", "node"] as const)
      expect(cold.results.get(id)?.[t], `${id} ${t}`).toBeGreaterThan(0);
  const scale = runScale({ sizes: [200], reps: 1 });
  expect(scale.rows).toHaveLength(1);
  expect(scale.rows[0]!.nsPerOp["W1 stat"]).toBeGreaterThan(0);
  expect(Number.isFinite(scale.rows[0]!.heapPerFile)).toBe(true);
}, 60_000);
