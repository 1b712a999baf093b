/**
 * Images whose journal needs recovery, for the JBD2 tests and the fuzzer.
 *
 * Each starts from a pair made by the real tools: `before` (mke2fs over a
 * small tree) and `after` (a copy that debugfs changed: a new file, a new
 * directory, a file whose first bytes are the JBD2 magic so its logged copy
 * must be escaped). The blocks that differ are the transactions' contents:
 * replaying them into `before` must give `after`. A decoy transaction logs
 * garbage over a data block of `keep` and a later one revokes it, so a
 * replay that ignores revocations corrupts `keep`.
 *
 * The journal itself is written either by debugfs (`journal_open`,
 * `journal_write`, `journal_close` of e2fsprogs 1.47) or by
 * `writeJournal` below, to the JBD2 spec, with every format variant
 * selectable: superblock v1/v2, 32/64-bit tags, checksums v1/v2/v3, async
 * commit, a log that wraps around the end of the journal.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { crc32_be_update, crc32c_update } from "../../src/libkern/crc.js";
import { DEBUGFS, MKE2FS, e2pattern } from "./ext2fs_images.js";

export const JMAGIC = 0xc03b3998;
const FAKE_TIME = { ...process.env, E2FSPROGS_FAKE_TIME: "1600000000" };

export interface JournalPair {
  bsize: number;
  /** the image before the transactions (journal clean) */
  before: Uint8Array;
  /** what the transactions make of it */
  after: Uint8Array;
  /** file-system blocks that differ, ascending */
  changed: number[];
  /** the decoy: a data block of /keep */
  decoy: number;
  /** the journal inode's blocks, logical order */
  jblocks: number[];
}

const dv = (b: Uint8Array): DataView => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** Contents of the files the transactions create (and of /keep). */
export const KEEP = e2pattern(9000, 11);
export const NEWFILE = e2pattern(5000, 12);
export const MAGICFILE = (() => {
  const b = e2pattern(700, 13);
  dv(b).setUint32(0, JMAGIC, false);
  return b;
})();

/**
 * Make the before/after pair in `dir` with mke2fs `args` (an ext3-style
 * journal by default) of `size`.
 */
export function makeJournalPair(
  dir: string,
  name: string,
  args: string[],
  size = "8M",
): JournalPair {
  const tree = join(dir, `${name}-tree`);
  mkdirSync(join(tree, "d"), { recursive: true });
  writeFileSync(join(tree, "keep"), KEEP);
  writeFileSync(join(tree, "d", "inner"), e2pattern(1500, 14));
  const img = join(dir, `${name}-before.img`);
  execFileSync(MKE2FS, ["-q", "-F", "-E", "root_owner=0:0", ...args, "-d", tree, img, size], {
    stdio: "pipe",
    env: FAKE_TIME,
  });
  const before = new Uint8Array(readFileSync(img));
  writeFileSync(join(dir, `${name}-new`), NEWFILE);
  writeFileSync(join(dir, `${name}-magic`), MAGICFILE);
  const aimg = join(dir, `${name}-after.img`);
  writeFileSync(aimg, before);
  execFileSync(DEBUGFS, ["-w", "-f", "-", aimg], {
    stdio: "pipe",
    env: FAKE_TIME,
    input: [
      `write ${join(dir, `${name}-new`)} newfile`,
      "mkdir newdir",
      `write ${join(dir, `${name}-magic`)} newdir/magic`,
      "",
    ].join("\n"),
  });
  const after = new Uint8Array(readFileSync(aimg));
  const sb = dv(before);
  const bsize = 1024 << sb.getUint32(1024 + 24, true);
  const jblocks = inodeBlocks(before, sb.getUint32(1024 + 0xe0, true));
  const jset = new Set(jblocks);
  const changed: number[] = [];
  for (let b = 0; b * bsize < before.length; b++) {
    if (jset.has(b)) continue;
    const x = before.subarray(b * bsize, (b + 1) * bsize);
    const y = after.subarray(b * bsize, (b + 1) * bsize);
    if (Buffer.compare(x, y) !== 0) changed.push(b);
  }
  const keepIno = lookupRoot(before, "keep");
  const decoy = inodeBlocks(before, keepIno)[1]!;
  return { bsize, before, after, changed, decoy, jblocks };
}

/** Inode `ino`'s i_block and i_size (revision 1, 32-byte descriptors). */
function inode(img: Uint8Array, ino: number): { off: number; size: number } {
  const d = dv(img);
  const bsize = 1024 << d.getUint32(1024 + 24, true);
  const ipg = d.getUint32(1024 + 40, true);
  const isz = d.getUint16(1024 + 88, true);
  const first = d.getUint32(1024 + 20, true);
  const g = Math.floor((ino - 1) / ipg);
  const dsz = d.getUint32(1024 + 96, true) & 0x80 ? d.getUint16(1024 + 254, true) : 32;
  const table = d.getUint32((first + 1) * bsize + g * dsz + 8, true);
  const off = table * bsize + ((ino - 1) % ipg) * isz;
  return { off, size: d.getUint32(off + 4, true) };
}

/** The blocks of an inode (indirect or extent-mapped), in logical order (holes left out). */
export function inodeBlocks(img: Uint8Array, ino: number): number[] {
  const d = dv(img);
  const bsize = 1024 << d.getUint32(1024 + 24, true);
  const { off, size } = inode(img, ino);
  const n = Math.ceil(size / bsize);
  const out: number[] = [];
  if (d.getUint32(off + 32, true) & 0x80000) {
    // an extent tree: header (magic, entries, max, depth), then 12-byte entries
    const node = (at: number): void => {
      const entries = d.getUint16(at + 2, true);
      const depth = d.getUint16(at + 6, true);
      for (let i = 0; i < entries; i++) {
        const e = at + 12 + i * 12;
        if (depth > 0) {
          node((d.getUint16(e + 8, true) * 0x100000000 + d.getUint32(e + 4, true)) * bsize);
          continue;
        }
        let len = d.getUint16(e + 4, true);
        if (len > 32768) len -= 32768;
        const start = d.getUint16(e + 6, true) * 0x100000000 + d.getUint32(e + 8, true);
        for (let k = 0; k < len; k++) out.push(start + k);
      }
    };
    node(off + 40);
    return out.slice(0, n);
  }
  const walk = (blk: number, level: number): void => {
    if (out.length >= n || blk === 0) return;
    if (level === 0) {
      out.push(blk);
      return;
    }
    for (let i = 0; i < bsize / 4 && out.length < n; i++)
      walk(d.getUint32(blk * bsize + i * 4, true), level - 1);
  };
  for (let i = 0; i < 12 && out.length < n; i++) walk(d.getUint32(off + 40 + i * 4, true), 0);
  for (let l = 1; l <= 3; l++) walk(d.getUint32(off + 40 + (11 + l) * 4, true), l);
  return out;
}

/** The inode number of `name` in the root directory. */
function lookupRoot(img: Uint8Array, name: string): number {
  const d = dv(img);
  const bsize = 1024 << d.getUint32(1024 + 24, true);
  for (const blk of inodeBlocks(img, 2)) {
    for (let o = 0; o < bsize;) {
      const p = blk * bsize + o;
      const ino = d.getUint32(p, true);
      const rec = d.getUint16(p + 4, true);
      const nl = img[p + 6]!;
      if (ino !== 0 && Buffer.from(img.subarray(p + 8, p + 8 + nl)).toString() === name) return ino;
      if (rec === 0) break;
      o += rec;
    }
  }
  throw new Error(`${name} not in the root`);
}

/** One transaction: blocks to log (with their contents) and blocks to revoke. */
export interface Txn {
  blocks: [number, Uint8Array][];
  revoke?: number[];
  /** leave out the commit block (an incomplete transaction, never replayed) */
  uncommitted?: boolean;
}

export interface JournalFormat {
  /** journal superblock v1 (no features) or v2 */
  v1sb?: boolean;
  tag64?: boolean;
  /** 0: none; 1: COMPAT_CHECKSUM (crc32_be in the commit block); 2, 3: CSUM_V2/V3 */
  csum?: 0 | 1 | 2 | 3;
  async?: boolean;
  /** the first transaction ID */
  sequence?: number;
  /** the log starts this many blocks before the end of the journal (wraps) */
  startFromEnd?: number;
}

/** Where each piece went (for tests that damage one). */
export interface JournalLayout {
  /** log block numbers (journal-relative) of descriptors, data, revokes and commits */
  desc: number[];
  data: number[];
  revoke: number[];
  commit: number[];
  seed: number;
}

/**
 * Write `txns` into the (clean, mke2fs-made) journal of `img` to the JBD2
 * spec in format `f`, and set needs_recovery. Returns where it put things.
 */
export function writeJournal(
  img: Uint8Array,
  jblocks: number[],
  txns: Txn[],
  f: JournalFormat = {},
): JournalLayout {
  const d = dv(img);
  const bsize = 1024 << d.getUint32(1024 + 24, true);
  const jsbOff = jblocks[0]! * bsize;
  const jsb = img.subarray(jsbOff, jsbOff + bsize);
  const js = dv(jsb);
  const maxlen = js.getUint32(0x10, false);
  const first = js.getUint32(0x14, false);
  const csum = f.csum ?? 0;
  const tag64 = f.tag64 ?? false;
  js.setUint32(4, f.v1sb ? 3 : 4, false);
  // a version 1 superblock ends before the feature fields
  if (f.v1sb) jsb.fill(0, 0x24);
  let compat = 0;
  let incompat = f.v1sb ? 0 : 0x1; // revoke
  if (tag64) incompat |= 0x2;
  if (f.async) incompat |= 0x4;
  if (csum === 1) compat |= 0x1;
  if (csum === 2) incompat |= 0x8;
  if (csum === 3) incompat |= 0x10;
  if (!f.v1sb) {
    js.setUint32(0x24, compat, false);
    js.setUint32(0x28, incompat, false);
    jsb[0x50] = csum >= 2 ? 4 : 0;
  }
  const seed = crc32c_update(0xffffffff, jsb, 0x30, 0x40);
  const uuid = jsb.slice(0x30, 0x40);
  let seq = (f.sequence ?? 1) >>> 0;
  js.setUint32(0x18, seq, false);
  const start = f.startFromEnd ? maxlen - f.startFromEnd : first;
  js.setUint32(0x1c, start, false);
  const tagBytes = csum === 3 ? 16 : (csum === 2 ? 10 : 8) + (tag64 ? 4 : 0);
  const tail = csum >= 2 ? 4 : 0;
  const layout: JournalLayout = { desc: [], data: [], revoke: [], commit: [], seed };
  let l = start;
  const next = (): number => {
    const at = l;
    l = l + 1 >= maxlen ? first : l + 1;
    return at;
  };
  const blockAt = (at: number): Uint8Array => {
    const o = jblocks[at]! * bsize;
    const b = img.subarray(o, o + bsize);
    b.fill(0);
    return b;
  };
  const header = (b: Uint8Array, type: number): void => {
    const v = dv(b);
    v.setUint32(0, JMAGIC, false);
    v.setUint32(4, type, false);
    v.setUint32(8, seq, false);
  };
  const tailCsum = (b: Uint8Array): void => {
    if (tail === 0) return;
    // the checksum covers the block with its own field as zero
    dv(b).setUint32(bsize - 4, 0, false);
    dv(b).setUint32(bsize - 4, crc32c_update(seed, b), false);
  };
  let time = 1_700_000_000;
  for (const t of txns) {
    let crc = 0xffffffff;
    let i = 0;
    while (i < t.blocks.length) {
      // one descriptor and the data blocks its tags describe
      const dat = next();
      const desc = blockAt(dat);
      layout.desc.push(dat);
      header(desc, 1);
      let off = 12;
      const logged: Uint8Array[] = [];
      const tagOffs: number[] = [];
      while (i < t.blocks.length) {
        const need = tagBytes + (off === 12 ? 16 : 0);
        if (off + need > bsize - tail) break;
        const [blk, contents] = t.blocks[i]!;
        const copy = contents.slice();
        let flags = off === 12 ? 0 : 0x2;
        if (dv(copy).getUint32(0, false) === JMAGIC) {
          flags |= 0x1;
          copy.fill(0, 0, 4);
        }
        const v = dv(desc);
        v.setUint32(off, blk % 0x100000000, false);
        if (tag64 || csum === 3) v.setUint32(off + 8, Math.floor(blk / 0x100000000), false);
        if (csum === 3) v.setUint32(off + 4, flags, false);
        else v.setUint16(off + 6, flags, false);
        if (csum >= 2) {
          const s4 = new Uint8Array(4);
          dv(s4).setUint32(0, seq, false);
          const c = crc32c_update(crc32c_update(seed, s4), copy);
          if (csum === 3) v.setUint32(off + 12, c, false);
          else v.setUint16(off + 4, c & 0xffff, false);
        }
        tagOffs.push(off);
        off += tagBytes;
        if ((flags & 0x2) === 0) {
          desc.set(uuid, off);
          off += 16;
        }
        logged.push(copy);
        i++;
      }
      const last = tagOffs[tagOffs.length - 1]!;
      if (csum === 3)
        dv(desc).setUint32(last + 4, dv(desc).getUint32(last + 4, false) | 0x8, false);
      else dv(desc).setUint16(last + 6, dv(desc).getUint16(last + 6, false) | 0x8, false);
      tailCsum(desc);
      crc = crc32_be_update(crc, desc);
      for (const c of logged) {
        const at = next();
        layout.data.push(at);
        blockAt(at).set(c);
        crc = crc32_be_update(crc, c);
      }
    }
    if (t.revoke !== undefined && t.revoke.length > 0) {
      const at = next();
      layout.revoke.push(at);
      const b = blockAt(at);
      header(b, 5);
      const rl = tag64 ? 8 : 4;
      let off = 16;
      for (const r of t.revoke) {
        if (rl === 8) {
          dv(b).setUint32(off, Math.floor(r / 0x100000000), false);
          dv(b).setUint32(off + 4, r % 0x100000000, false);
        } else dv(b).setUint32(off, r, false);
        off += rl;
      }
      dv(b).setUint32(12, off, false);
      tailCsum(b);
    }
    if (!t.uncommitted) {
      const at = next();
      layout.commit.push(at);
      const b = blockAt(at);
      header(b, 2);
      const v = dv(b);
      v.setUint32(0x30, 0, false);
      v.setUint32(0x34, time++, false);
      if (csum === 1) {
        b[0x0c] = 1;
        b[0x0d] = 4;
        v.setUint32(0x10, crc, false);
      } else if (csum >= 2) {
        v.setUint32(0x10, crc32c_update(seed, b), false);
      }
      seq = (seq + 1) >>> 0;
    }
  }
  // the log ends here: nothing after it may look like a continuation
  blockAt(l);
  if (csum >= 2 && !f.v1sb) {
    js.setUint32(0xfc, 0, false);
    js.setUint32(0xfc, crc32c_update(0xffffffff, jsb, 0, 1024), false);
  }
  // needs_recovery (and, with metadata_csum, the superblock's checksum again)
  d.setUint32(1024 + 96, d.getUint32(1024 + 96, true) | 0x4, true);
  if (d.getUint32(1024 + 100, true) & 0x400)
    d.setUint32(1024 + 1020, crc32c_update(0xffffffff, img.subarray(1024, 1024 + 1020)), true);
  return layout;
}

/** The standard transactions of a pair: the changes in two halves, the decoy and its revocation. */
export function pairTxns(p: JournalPair): Txn[] {
  const blk = (b: number): [number, Uint8Array] => [
    b,
    p.after.slice(b * p.bsize, (b + 1) * p.bsize),
  ];
  const half = Math.ceil(p.changed.length / 2);
  const garbage = e2pattern(p.bsize, 99);
  return [
    { blocks: [...p.changed.slice(0, half).map(blk), [p.decoy, garbage]] },
    { blocks: p.changed.slice(half).map(blk), revoke: [p.decoy] },
  ];
}

/**
 * The same transactions through debugfs: `jo` / `jw -b … [-r …]` / `jc` on
 * `image` (a copy of `before`). `jo` flags: e.g. ["-c"] for checksums.
 */
export function debugfsJournal(
  dir: string,
  image: string,
  p: JournalPair,
  jo: string[] = [],
): void {
  const txns = pairTxns(p);
  const cmds = [`jo ${jo.join(" ")}`];
  txns.forEach((t, i) => {
    const f = join(dir, `txn-${i}-${Math.random().toString(36).slice(2)}`);
    writeFileSync(f, Buffer.concat(t.blocks.map(([, c]) => c)));
    const r = t.revoke !== undefined ? ` -r ${t.revoke.join(",")}` : "";
    cmds.push(`jw -b ${t.blocks.map(([b]) => b).join(",")}${r} ${f}`);
  });
  cmds.push("jc", "");
  execFileSync(DEBUGFS, ["-w", "-f", "-", image], { stdio: "pipe", input: cmds.join("\n") });
}

/** The oracle: `debugfs -w -R journal_run` (e2fsprogs' own replay) on `image`. */
export function debugfsReplay(image: string): void {
  execFileSync(DEBUGFS, ["-w", "-R", "journal_run", image], { stdio: "pipe" });
}
