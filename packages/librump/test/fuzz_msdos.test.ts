/**
 * FAT fuzzer: seeded damage to mkfs.fat + mcopy images (FAT12, FAT16 on
 * 4 KiB sectors, FAT32): the BPB, FSInfo, FAT entries (chains that loop,
 * point past the end, into free, reserved or bad values, cross-links),
 * directory clusters, 8.3 entries (start clusters, sizes, attributes) and
 * long-name entries (sequence, checksum), truncations, hostile names. Each
 * case mounts read-only and walks the tree, then mounts read-write and
 * changes things (helpers/fuzz_case.ts). No case may throw anything but a
 * RumpError, hang (10 s watchdog) or grow memory without bound; EIO/EFTYPE
 * from an operation comes with a console message, and no name getdents
 * returns holds '/' or NUL.
 *
 * Reproduce one failing seed (the failure message prints the command):
 *   RUMP_FUZZ_SEED=<seed> RUMP_FUZZ_CASES=1 pnpm exec vitest run packages/librump/test/fuzz_msdos.test.ts
 * Run more cases locally (RUMP_FUZZ_SEED = first seed, default 1):
 *   RUMP_FUZZ_CASES=20000 pnpm exec vitest run packages/librump/test/fuzz_msdos.test.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildFatImages, fatMissing } from "./helpers/fuzz_fat_images.js";
import { describeFailures, fuzzSeeds, runFuzz } from "./helpers/fuzz_runner.js";

const FILE = "packages/librump/test/fuzz_msdos.test.ts";
const missing = fatMissing();
if (missing !== null) console.log(`fuzz_msdos.test.ts: skipped: ${missing}`);

/** cases per CI run (3 images) */
const CASES = 500;
/** Seeds that found bugs, run before the range. */
const REGRESSIONS: number[] = [];

describe.skipIf(missing !== null)("msdosfs fuzz", () => {
  it(`${CASES} seeded cases: no crash, hang or runaway memory`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "rump-fuzz-fat-"));
    let images: { name: string; bytes: Uint8Array }[];
    try {
      images = buildFatImages(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const seeds = [...REGRESSIONS, ...fuzzSeeds(1, CASES)];
    const r = await runFuzz({ type: "msdos", images, seeds });
    console.log(
      `fuzz_msdos: ${r.cases} cases in ${r.ms} ms: ${r.roMounted} mounted read-only, ${r.rwMounted} read-write, ${r.calls} calls`,
    );
    if (r.failures.length > 0) console.log(describeFailures(r, FILE));
    expect(r.failures.map((f) => f.seed)).toEqual([]);
    expect(r.cases).toBe(seeds.length);
    expect(r.roMounted * 2).toBeGreaterThanOrEqual(r.cases);
  }, 180_000);
});
