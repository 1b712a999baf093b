/**
 * ext4 fuzzer: the ext2 fuzzer's seeded damage and mount/walk/write cases
 * (helpers/fuzz_case.ts) over mkfs.ext4 images (metadata_csum + 64bit at
 * 1 KiB blocks, gdt_csum at 4 KiB, inline_data), aimed also at extent
 * tree blocks, hash-index blocks and whole inodes; two cases in three over
 * a metadata_csum image recompute the checksums of what they damaged, so
 * the damage gets past the checksum checks to the parsers behind them.
 * No case may throw anything but a RumpError, hang (10 s watchdog) or
 * grow memory without bound; EIO/EFTYPE comes with a console message.
 *
 * The journal block below does the same to default mkfs.ext4 images whose
 * journal needs recovery (checksums v3, 64-bit tags): the journal
 * superblock, descriptor, commit and revoke blocks, resealed two times in
 * three so the damage reaches the replay behind the checksums.
 *
 * Reproduce one failing seed (the failure message prints the command):
 *   RUMP_FUZZ_SEED=<seed> RUMP_FUZZ_CASES=1 pnpm exec vitest run packages/librump/test/fuzz_ext4.test.ts
 * Run more cases locally (RUMP_FUZZ_SEED = first seed, default 1):
 *   RUMP_FUZZ_CASES=20000 pnpm exec vitest run packages/librump/test/fuzz_ext4.test.ts
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  buildExt4Images,
  buildExt4RecoverImages,
  MKFS_EXT4_FUZZ,
} from "./helpers/fuzz_ext4_images.js";
import { describeFailures, fuzzSeeds, runFuzz } from "./helpers/fuzz_runner.js";

const FILE = "packages/librump/test/fuzz_ext4.test.ts";
const missing = existsSync(MKFS_EXT4_FUZZ) ? null : `${MKFS_EXT4_FUZZ} is not installed`;
if (missing !== null) console.log(`fuzz_ext4.test.ts: skipped: ${missing}`);

/** cases per CI run (3 images) */
const CASES = 240;
/** Seeds that found bugs, run before the range. */
const REGRESSIONS: number[] = [];

describe.skipIf(missing !== null)("ext4 fuzz", () => {
  it(
    `${CASES} seeded cases: no crash, hang or runaway memory`,
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "rump-fuzz-ext4-"));
      let images: { name: string; bytes: Uint8Array }[];
      try {
        images = buildExt4Images(dir);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      const seeds = [...REGRESSIONS, ...fuzzSeeds(1, CASES)];
      const r = await runFuzz({ type: "ext4", images, seeds });
      console.log(
        `fuzz_ext4: ${r.cases} cases in ${r.ms} ms: ${r.roMounted} mounted read-only, ${r.rwMounted} read-write, ${r.calls} calls`,
      );
      if (r.failures.length > 0) console.log(describeFailures(r, FILE));
      expect(r.failures.map((f) => f.seed)).toEqual([]);
      expect(r.cases).toBe(seeds.length);
      expect(r.roMounted * 2).toBeGreaterThanOrEqual(r.cases);
    },
    Math.max(180_000, fuzzSeeds(1, CASES).length * 200),
  );
});

/** journal cases per CI run (2 images) */
const JOURNAL_CASES = 100;

describe.skipIf(missing !== null)("ext4 journal-recovery fuzz", () => {
  it(`${JOURNAL_CASES} seeded cases on pending journals: no crash, hang or runaway memory`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "rump-fuzz-ext4j-"));
    let images: { name: string; bytes: Uint8Array }[];
    try {
      images = buildExt4RecoverImages(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const seeds = fuzzSeeds(1, JOURNAL_CASES);
    const r = await runFuzz({ type: "ext4", images, seeds });
    console.log(
      `fuzz_ext4 (journal): ${r.cases} cases in ${r.ms} ms: ${r.roMounted} mounted read-only, ${r.rwMounted} read-write, ${r.calls} calls`,
    );
    if (r.failures.length > 0) console.log(describeFailures(r, FILE));
    expect(r.failures.map((f) => f.seed)).toEqual([]);
    expect(r.cases).toBe(seeds.length);
    expect(r.roMounted * 4).toBeGreaterThanOrEqual(r.cases);
  }, 180_000);
});
