/**
 * JBD2 journal recovery at mount (ext2fs_recovery.ts): images whose journal
 * needs recovery, made by debugfs (journal_open/write/close) and by a
 * writer to the JBD2 spec (every format variant), replayed by a read-write
 * mount into the image and by a read-only mount into memory only.
 *
 * Oracles: the image the transactions were made from (`after`: every
 * block outside the journal and the superblock must equal it), e2fsprogs'
 * own replay (`debugfs -R journal_run`) of the same journal (the journal
 * superblock it leaves must be byte-identical to ours), `e2fsck -fn`
 * clean, and the tree read back. Corrupt journals fail the mount with a
 * console line and leave the image untouched.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { NodeHost } from "@rump/rumpuser";
import {
  createSyscalls,
  EFTYPE,
  EINVAL,
  EIO,
  EOPNOTSUPP,
  MNT_RDONLY,
  MNT_UPDATE,
  O_RDONLY,
  RumpError,
  type RumpSyscalls,
} from "@rump/syscalls";
import { createKernel } from "../src/rump/rump.js";
import type { Kernel } from "../src/rump/kernel.js";
import { RUMP_ETFS_BLK } from "../src/rump/etfs.js";
import { release } from "./helpers/kernel.js";
import { e2fsck, mke2fsMissing } from "./helpers/ext2fs_images.js";
import {
  JMAGIC,
  KEEP,
  MAGICFILE,
  NEWFILE,
  debugfsJournal,
  debugfsReplay,
  makeJournalPair,
  pairTxns,
  writeJournal,
  type JournalFormat,
  type JournalPair,
} from "./helpers/ext2fs_journal_images.js";

const missing = mke2fsMissing();
if (missing !== null) console.log(`ext2fs_journal.test.ts: skipped: ${missing}`);

let dir = "";
const pairs = new Map<string, JournalPair>();
/** ext3-style images today's ext2fs mounts read-write (1 and 4 KiB blocks). */
const PAIRS: [string, string[]][] = [
  ["ext3-1k", ["-t", "ext3", "-b", "1024"]],
  ["ext3-4k", ["-t", "ext3", "-b", "4096"]],
];

beforeAll(() => {
  if (missing !== null) return;
  dir = mkdtempSync(join(tmpdir(), "ext2fs-journal-"));
  for (const [name, args] of PAIRS) pairs.set(name, makeJournalPair(dir, name, args));
}, 60_000);

afterAll(() => {
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

interface T {
  k: Kernel;
  sys: RumpSyscalls;
  console: string[];
}

function boot(image: string): T {
  const lines: string[] = [];
  const k = createKernel({
    host: new NodeHost({ env: false, console: (s: string) => void lines.push(s) }),
  });
  onTestFinished(() => release(k));
  const sys = createSyscalls(k);
  k.rump_pub_etfs_register("/dev/e2", image, RUMP_ETFS_BLK);
  sys.rump_sys_mkdir("/mnt", 0o755);
  return { k, sys, console: lines };
}

function mount(t: T, flags: number): number {
  try {
    t.sys.rump_sys_mount("ext2fs", "/mnt", flags, { fspec: "/dev/e2" });
    return 0;
  } catch (e) {
    if (e instanceof RumpError) return e.errno;
    throw e;
  }
}

let serial = 0;
function save(bytes: Uint8Array, tag: string): string {
  const p = join(dir, `${tag}-${serial++}.img`);
  writeFileSync(p, bytes);
  onTestFinished(() => rmSync(p, { force: true }));
  return p;
}

function readFile(sys: RumpSyscalls, path: string): Uint8Array {
  const st = sys.rump_sys_stat(path);
  const fd = sys.rump_sys_open(path, O_RDONLY);
  const buf = new Uint8Array(st.st_size);
  let off = 0;
  while (off < buf.length) {
    const n = sys.rump_sys_read(fd, buf.subarray(off));
    if (n === 0) break;
    off += n;
  }
  sys.rump_sys_close(fd);
  return buf.subarray(0, off);
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/** The files the transactions made read back, and the decoy was revoked. */
function expectRecoveredTree(sys: RumpSyscalls): void {
  expect(same(readFile(sys, "/mnt/newfile"), NEWFILE)).toBe(true);
  const magic = readFile(sys, "/mnt/newdir/magic");
  // an escaped block: its first word is the JBD2 magic again
  expect(new DataView(magic.buffer, magic.byteOffset).getUint32(0, false)).toBe(JMAGIC);
  expect(same(magic, MAGICFILE)).toBe(true);
  expect(same(readFile(sys, "/mnt/keep"), KEEP)).toBe(true);
}

/** Blocks (outside the journal and the primary superblock's block) where `img` differs from `after`. */
function diffOutsideJournal(p: JournalPair, img: Uint8Array, skipSbAreas = false): number[] {
  const skip = new Set(p.jblocks);
  skip.add(p.bsize === 1024 ? 1 : 0);
  const bad: number[] = [];
  const d = new DataView(p.after.buffer, p.after.byteOffset);
  const bpg = d.getUint32(1024 + 32, true);
  const first = d.getUint32(1024 + 20, true);
  for (let b = 0; b * p.bsize < img.length; b++) {
    if (skip.has(b)) continue;
    // our read-write mount rewrites the backup superblocks and descriptors
    if (skipSbAreas && (b - first) % bpg <= 1 && b < first + bpg * 64) continue;
    const x = img.subarray(b * p.bsize, (b + 1) * p.bsize);
    if (!same(x, p.after.subarray(b * p.bsize, (b + 1) * p.bsize))) bad.push(b);
  }
  return bad;
}

function jsbOf(p: JournalPair, img: Uint8Array): Uint8Array {
  const o = p.jblocks[0]! * p.bsize;
  return img.slice(o, o + 1024);
}

/**
 * The full check of one pending image: read-only recovery (image
 * untouched, tree recovered), then read-write recovery compared with
 * e2fsprogs' replay of a copy, e2fsck clean.
 */
function checkRecovery(p: JournalPair, pending: Uint8Array, tag: string): void {
  // read-only: served from memory, the image byte-identical afterwards
  const ro = save(pending, `${tag}-ro`);
  {
    const t = boot(ro);
    expect(mount(t, MNT_RDONLY)).toBe(0);
    expect(t.console.join("")).toMatch(/journal recovered in memory/);
    expectRecoveredTree(t.sys);
    t.sys.rump_sys_unmount("/mnt", 0);
  }
  expect(same(new Uint8Array(readFileSync(ro)), pending)).toBe(true);

  // the oracle: e2fsprogs' replay of a copy
  const oracle = save(pending, `${tag}-oracle`);
  debugfsReplay(oracle);
  const want = new Uint8Array(readFileSync(oracle));
  expect(diffOutsideJournal(p, want)).toEqual([]);

  // read-write: into the image
  const rw = save(pending, `${tag}-rw`);
  {
    const t = boot(rw);
    expect(mount(t, 0)).toBe(0);
    expect(t.console.join("")).toMatch(/journal recovered: 2 transactions/);
    // (no reads here: access times would change inode blocks)
    t.sys.rump_sys_unmount("/mnt", 0);
  }
  const got = new Uint8Array(readFileSync(rw));
  expect(diffOutsideJournal(p, got, true)).toEqual([]);
  // the emptied journal: the same superblock e2fsprogs leaves
  expect(same(jsbOf(p, got), jsbOf(p, want))).toBe(true);
  // needs_recovery is gone
  expect(new DataView(got.buffer).getUint32(1024 + 96, true) & 4).toBe(0);
  const r = e2fsck(rw);
  expect(r.output).toBe(r.status === 0 ? r.output : "(e2fsck clean)");
  // a second mount has nothing to replay
  const t = boot(rw);
  expect(mount(t, MNT_RDONLY)).toBe(0);
  expect(t.console.join("")).not.toMatch(/recover/);
  expectRecoveredTree(t.sys);
}

describe.skipIf(missing !== null)("ext2fs journal recovery", () => {
  it.each(PAIRS.map(([n]) => n))("%s: debugfs journal_write transactions", (name) => {
    const p = pairs.get(name)!;
    const img = save(p.before, `${name}-dbg`);
    debugfsJournal(dir, img, p);
    checkRecovery(p, new Uint8Array(readFileSync(img)), `${name}-dbg`);
  });

  const FORMATS: [string, string, JournalFormat][] = [
    ["ext3-1k", "v2 sb, 32-bit tags, no checksums, a log wrapping the end", { startFromEnd: 3 }],
    ["ext3-1k", "v1 superblock", { v1sb: true }],
    [
      "ext3-4k",
      "csum v3, 64-bit tags, sequence wrapping 2^32",
      { csum: 3, tag64: true, sequence: 0xffffffff },
    ],
    [
      "ext3-1k",
      "csum v2, 64-bit tags, async commit",
      { csum: 2, tag64: true, async: true, startFromEnd: 5 },
    ],
    ["ext3-4k", "csum v1 (crc32_be over each transaction)", { csum: 1 }],
  ];
  it.each(FORMATS)("%s: journal written to spec: %s", (name, _what, f) => {
    const p = pairs.get(name)!;
    const img = p.before.slice();
    writeJournal(img, p.jblocks, pairTxns(p), f);
    checkRecovery(p, img, `${name}-spec`);
  });

  it("an uncommitted last transaction is not replayed", () => {
    const p = pairs.get("ext3-1k")!;
    const img = p.before.slice();
    const txns = pairTxns(p);
    txns.push({ blocks: [[p.decoy, new Uint8Array(p.bsize).fill(0xee)]], uncommitted: true });
    writeJournal(img, p.jblocks, txns, { csum: 3 });
    checkRecovery(p, img, "uncommitted");
  });

  it("a read-only recovery becomes the image's when the mount is updated to read-write", () => {
    const p = pairs.get("ext3-4k")!;
    const img = p.before.slice();
    writeJournal(img, p.jblocks, pairTxns(p), { csum: 3 });
    const path = save(img, "update");
    const oracle = save(img, "update-oracle");
    debugfsReplay(oracle);
    const t = boot(path);
    expect(mount(t, MNT_RDONLY)).toBe(0);
    expectRecoveredTree(t.sys);
    t.sys.rump_sys_mount("ext2fs", "/mnt", MNT_UPDATE, { fspec: "/dev/e2" });
    t.sys.rump_sys_unmount("/mnt", 0);
    const got = new Uint8Array(readFileSync(path));
    expect(diffOutsideJournal(p, got, true)).toEqual([]);
    expect(same(jsbOf(p, got), jsbOf(p, new Uint8Array(readFileSync(oracle))))).toBe(true);
    const r = e2fsck(path);
    expect(r.output).toBe(r.status === 0 ? r.output : "(e2fsck clean)");
  });

  function flip(img: Uint8Array, at: number, mask: number): void {
    img[at] = img[at]! ^ mask;
  }

  /** Damage a spec-written journal; the mount fails, says why, writes nothing. */
  const DAMAGE: [
    string,
    JournalFormat,
    number,
    RegExp,
    (p: JournalPair, img: Uint8Array, l: ReturnType<typeof writeJournal>) => void,
  ][] = [
    [
      "bad journal superblock magic",
      {},
      EFTYPE,
      /bad journal superblock magic/,
      (p, img) => {
        flip(img, p.jblocks[0]! * p.bsize, 0xff);
      },
    ],
    [
      "a tag naming a block outside the device",
      {},
      EIO,
      /outside the file system/,
      (p, img, l) => {
        new DataView(img.buffer).setUint32(
          p.jblocks[l.desc[0]!]! * p.bsize + 12,
          0x7fffffff,
          false,
        );
      },
    ],
    [
      "a tag naming a block of the journal",
      {},
      EIO,
      /part of the journal/,
      (p, img, l) => {
        new DataView(img.buffer).setUint32(
          p.jblocks[l.desc[0]!]! * p.bsize + 12,
          p.jblocks[5]!,
          false,
        );
      },
    ],
    [
      "a revoke block counting past its end",
      {},
      EIO,
      /revoke block/,
      (p, img, l) => {
        new DataView(img.buffer).setUint32(p.jblocks[l.revoke[0]!]! * p.bsize + 12, 1 << 30, false);
      },
    ],
    [
      "a bad data block checksum (v3)",
      { csum: 3 },
      EIO,
      /bad checksum of block/,
      (p, img, l) => {
        flip(img, p.jblocks[l.data[1]!]! * p.bsize + 100, 1);
      },
    ],
    [
      "a bad commit block checksum (v3, synchronous commit)",
      { csum: 3 },
      EIO,
      /commit block checksum/,
      (p, img, l) => {
        flip(img, p.jblocks[l.commit[0]!]! * p.bsize + 0x40, 1);
      },
    ],
    [
      "a bad descriptor checksum in a committed transaction (v2)",
      { csum: 2 },
      EIO,
      /bad checksum in transaction/,
      (p, img, l) => {
        flip(img, p.jblocks[l.desc[0]!]! * p.bsize + 12, 1);
      },
    ],
    [
      "a bad v1 transaction checksum",
      { csum: 1 },
      EIO,
      /commit block checksum/,
      (p, img, l) => {
        flip(img, p.jblocks[l.data[0]!]! * p.bsize + 7, 1);
      },
    ],
    [
      "a log of revoke blocks that loops forever",
      {},
      EIO,
      /a loop/,
      (p, img, l) => {
        // every block of the ring a revoke block of the first transaction
        const d = new DataView(img.buffer);
        for (let j = 1; j < p.jblocks.length; j++) {
          const o = p.jblocks[j]! * p.bsize;
          img.fill(0, o, o + p.bsize);
          d.setUint32(o, JMAGIC, false);
          d.setUint32(o + 4, 5, false);
          d.setUint32(o + 8, 1, false);
          d.setUint32(o + 12, 16, false);
        }
        void l;
      },
    ],
    [
      "an external journal (journal_dev)",
      {},
      EOPNOTSUPP,
      /external device/,
      (_p, img) => {
        const d = new DataView(img.buffer);
        d.setUint32(1024 + 0xe0, 0, true);
        img.fill(7, 1024 + 0xd0, 1024 + 0xe0);
      },
    ],
  ];
  it.each(DAMAGE)("refused: %s", (_what, f, errno, msg, damage) => {
    const p = pairs.get("ext3-1k")!;
    const img = p.before.slice();
    const layout = writeJournal(img, p.jblocks, pairTxns(p), f);
    damage(p, img, layout);
    for (const flags of [0, MNT_RDONLY]) {
      const path = save(img, "damaged");
      const t = boot(path);
      expect(mount(t, flags)).toBe(errno);
      expect(t.console.join("")).toMatch(msg);
      expect(same(new Uint8Array(readFileSync(path)), img)).toBe(true);
    }
  });

  it("an image that is an external journal device is refused as such", () => {
    const p = pairs.get("ext3-1k")!;
    const img = p.before.slice();
    const d = new DataView(img.buffer);
    d.setUint32(1024 + 96, d.getUint32(1024 + 96, true) | 0x8, true);
    const t = boot(save(img, "jdev"));
    expect(mount(t, MNT_RDONLY)).toBe(EINVAL);
    expect(t.console.join("")).toMatch(/external journal device/);
  });
});

/**
 * Default mkfs.ext4 images (extents, 64bit, metadata_csum, flex_bg, a
 * journal with checksums v3): the same recovery.
 */
describe.skipIf(missing !== null)("ext2fs journal recovery on default mkfs.ext4 images", () => {
  it("debugfs transactions (checksums v3) and a journal written to spec", () => {
    const p = makeJournalPair(dir, "ext4", ["-t", "ext4"]);
    const img = save(p.before, "ext4-dbg");
    debugfsJournal(dir, img, p, ["-c"]);
    checkRecovery(p, new Uint8Array(readFileSync(img)), "ext4-dbg");
    const spec = p.before.slice();
    writeJournal(spec, p.jblocks, pairTxns(p), { csum: 3, tag64: true });
    checkRecovery(p, spec, "ext4-spec");
  });
});
