/**
 * cd9660 fuzzer: seeded damage to ISO 9660 images made by xorriso (Rock
 * Ridge and Joliet; deep directories relocated; Joliet only) and makefs
 * (Rock Ridge): volume descriptors and their root records, path tables,
 * directory blocks and records, names, system use areas and their
 * continuation areas (CE), truncations, and one case in sixteen a name
 * with '/' or NUL. Each case mounts read-only (Rock Ridge, Joliet or plain
 * names, by the seed) and walks the tree, reading files; a read-write
 * mount must then be refused. No case may throw anything but a RumpError,
 * hang (10 s watchdog) or grow memory without bound; a failed mount and
 * every EIO/EFTYPE come with a console message, and getdents never returns
 * a name that is not one path component (helpers/fuzz_case.ts).
 *
 * Reproduce one failing seed (the failure message prints the command):
 *   RUMP_FUZZ_SEED=<seed> RUMP_FUZZ_CASES=1 pnpm exec vitest run packages/librump/test/fuzz_cd9660.test.ts
 * Run more cases locally (RUMP_FUZZ_SEED = first seed, default 1):
 *   RUMP_FUZZ_CASES=20000 pnpm exec vitest run packages/librump/test/fuzz_cd9660.test.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cd9660Missing } from "./helpers/cd9660_images.js";
import { buildCd9660Images } from "./helpers/fuzz_cd9660.js";
import { describeFailures, fuzzSeeds, runFuzz } from "./helpers/fuzz_runner.js";

const FILE = "packages/librump/test/fuzz_cd9660.test.ts";
const missing = cd9660Missing();
if (missing !== null) console.log(`fuzz_cd9660.test.ts: skipped: ${missing}`);

/** cases per CI run (4 images) */
const CASES = 600;
/** Seeds that found bugs (fixed): each stays in the run. */
const REGRESSIONS: number[] = [];

describe.skipIf(missing !== null)("cd9660 fuzz", () => {
  it(`${CASES} seeded cases: no crash, hang or runaway memory`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "rump-fuzz-cd9660-"));
    let images: { name: string; bytes: Uint8Array }[];
    try {
      images = buildCd9660Images(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const seeds = [...REGRESSIONS, ...fuzzSeeds(1, CASES)];
    const r = await runFuzz({ type: "cd9660", images, seeds });
    console.log(
      `fuzz_cd9660: ${r.cases} cases in ${r.ms} ms: ${r.roMounted} mounted read-only, ${r.calls} calls`,
    );
    if (r.failures.length > 0) console.log(describeFailures(r, FILE));
    expect(r.failures.map((f) => f.seed)).toEqual([]);
    expect(r.cases).toBe(seeds.length);
    expect(r.roMounted * 2).toBeGreaterThanOrEqual(r.cases);
    expect(r.rwMounted).toBe(0);
  }, 180_000);
});
