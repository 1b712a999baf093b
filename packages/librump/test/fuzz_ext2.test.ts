/**
 * ext2 fuzzer: seeded damage to mke2fs images (revisions 0 and 1; 1, 2 and
 * 4 KiB blocks; several groups): superblock and its backups, group
 * descriptors, block and inode bitmaps, allocated inodes, directory blocks,
 * indirect blocks, truncations. Each case mounts read-only and walks the
 * tree, then tries a read-write mount and, once ext2fs accepts one, changes
 * things exactly as the FFS fuzzer does (helpers/fuzz_case.ts). No case may
 * throw anything but a RumpError, hang (10 s watchdog) or grow memory
 * without bound; EIO/EFTYPE from an operation comes with a console message.
 *
 * The journal fuzz (its own block below) damages ext3 images whose journal
 * needs recovery: the journal superblock, descriptor tags, commit and
 * revoke blocks and the superblock's journal fields; every mount replays
 * first, so each case runs the recovery on hostile input.
 *
 * Reproduce one failing seed (the failure message prints the command):
 *   RUMP_FUZZ_SEED=<seed> RUMP_FUZZ_CASES=1 pnpm exec vitest run packages/librump/test/fuzz_ext2.test.ts
 * Run more cases locally (RUMP_FUZZ_SEED = first seed, default 1):
 *   RUMP_FUZZ_CASES=20000 pnpm exec vitest run packages/librump/test/fuzz_ext2.test.ts
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildExt2Images, buildExt3RecoverImages, ext2Missing } from "./helpers/fuzz_images.js";
import { describeFailures, fuzzSeeds, runFuzz } from "./helpers/fuzz_runner.js";

const FILE = "packages/librump/test/fuzz_ext2.test.ts";
const missing = ext2Missing();
if (missing !== null) console.log(`fuzz_ext2.test.ts: skipped: ${missing}`);

/** cases per CI run (4 images) */
const CASES = 1000;
/**
 * Seeds that found bugs, run before the range: each panicked ("getblk:
 * block already busy") or was refused without a console message.
 */
const REGRESSIONS = [
  884, // unlink after a size of 2^32: an indirect pointer to a group's metadata block
  4048, // rev1 1K: an indirect chain looping back on a block held busy by truncate
  4192, // rev1 1K: the same through a double-indirect block
  2569, // rev1 4K: a pointer to the block bitmap freed by truncate
  5785, // rev1 4K: the same class through ext2fs_blkfree
  1102, // a group descriptor moving the inode table: the root did not load, nothing printed
];

describe.skipIf(missing !== null)("ext2fs fuzz", () => {
  it(`${CASES} seeded cases: no crash, hang or runaway memory`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "rump-fuzz-ext2-"));
    let images: { name: string; bytes: Uint8Array }[];
    try {
      images = buildExt2Images(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const seeds = [...REGRESSIONS, ...fuzzSeeds(1, CASES)];
    const r = await runFuzz({ type: "ext2fs", images, seeds });
    console.log(
      `fuzz_ext2: ${r.cases} cases in ${r.ms} ms: ${r.roMounted} mounted read-only, ${r.rwMounted} read-write, ${r.calls} calls`,
    );
    if (r.failures.length > 0) console.log(describeFailures(r, FILE));
    expect(r.failures.map((f) => f.seed)).toEqual([]);
    expect(r.cases).toBe(seeds.length);
    expect(r.roMounted * 2).toBeGreaterThanOrEqual(r.cases);
  }, 180_000);
});

/** journal cases per CI run (2 images) */
const JOURNAL_CASES = 200;

describe.skipIf(missing !== null)("ext2fs journal-recovery fuzz", () => {
  it(`${JOURNAL_CASES} seeded cases on pending journals: no crash, hang or runaway memory`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "rump-fuzz-ext3j-"));
    let images: { name: string; bytes: Uint8Array }[];
    try {
      images = buildExt3RecoverImages(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const seeds = fuzzSeeds(1, JOURNAL_CASES);
    const r = await runFuzz({ type: "ext2fs", images, seeds });
    console.log(
      `fuzz_ext2 (journal): ${r.cases} cases in ${r.ms} ms: ${r.roMounted} mounted read-only, ${r.rwMounted} read-write, ${r.calls} calls`,
    );
    if (r.failures.length > 0) console.log(describeFailures(r, FILE));
    expect(r.failures.map((f) => f.seed)).toEqual([]);
    expect(r.cases).toBe(seeds.length);
    // most damage leaves a journal that still replays (or is refused cleanly)
    expect(r.roMounted * 4).toBeGreaterThanOrEqual(r.cases);
  }, 180_000);
});
