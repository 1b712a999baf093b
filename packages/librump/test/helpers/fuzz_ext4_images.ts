/**
 * ext4 images for the fuzzer, and their map. mkfs.ext4 -d builds them
 * (metadata_csum with 64bit and 1 KiB blocks; gdt_csum with 4 KiB blocks;
 * inline_data) over the fuzzer's host tree plus what ext4 adds: a
 * fragmented file whose extent tree has index blocks, and a directory that
 * e2fsck -D indexes. The map names, beyond ext2's structures, extent tree
 * blocks, hash-index blocks and whole inodes (inline data, the large-inode
 * fields), each tagged with its inode, and the blocks of a journal that
 * needs recovery (descriptor, commit and revoke blocks, its superblock).
 *
 * With metadata_csum most damage is caught by a checksum before the
 * damaged structure is looked at. So `fixup` can seal the damage: it
 * recomputes the checksums of the structures a case touched (through the
 * kernel's own ext2fs_csum.ts), and the damaged fields reach the parsers.
 * Journal blocks are sealed the same way (checksums v3, ext2fs_journal.ts).
 */
/// <reference types="node" />
import { execFileSync } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import {
  e2_rd16,
  e2_rd32,
  e2_wr16,
  e2fs_cg_has_sb,
  e2fs_gd_parse,
  ext2fs_sbcheck,
  ext2fs_sbparse,
  EXT2_BG_BLOCK_UNINIT,
  EXT2_BG_INODE_UNINIT,
  type Ext2Fs,
} from "../../src/ufs/ext2fs/ext2fs.js";
import {
  ext2fs_bitmap_csum,
  ext2fs_csum_seed,
  ext2fs_dirleaf_csum,
  ext2fs_dirtail_ok,
  ext2fs_dx_countoff,
  ext2fs_dx_csum,
  ext2fs_gd_csum_set,
  ext2fs_inode_csum_set,
  ext2fs_inode_seed,
  ext2fs_sb_csum_set,
  ext4_extent_csum_set,
} from "../../src/ufs/ext2fs/ext2fs_csum.js";
import {
  jbd2_block_csum,
  jbd2_sb_check,
  jbd2_sb_csum,
  jbd2_wr32,
  type Jbd2Sb,
} from "../../src/ufs/ext2fs/ext2fs_journal.js";
import {
  fuzzPattern,
  mapJournal,
  nonZeroPages,
  type ImageMap,
  type Region,
} from "./fuzz_images.js";
import {
  debugfsJournal,
  makeJournalPair,
  pairTxns,
  writeJournal,
} from "./ext2fs_journal_images.js";

export const MKFS_EXT4_FUZZ = "/usr/sbin/mkfs.ext4";

/** The ext4 images: metadata_csum + 64bit at 1 KiB, gdt_csum at 4 KiB, inline_data. */
export const EXT4_VARIANTS: { name: string; args: string[] }[] = [
  { name: "ext4-1k", args: ["-b", "1024", "-g", "1024", "-N", "512"] },
  { name: "ext4-4k-gdtcsum", args: ["-b", "4096", "-g", "256", "-O", "^metadata_csum,uninit_bg"] },
  { name: "ext4-1k-inline", args: ["-b", "1024", "-g", "2048", "-O", "inline_data", "-N", "512"] },
];

/** The host tree: small shapes, a fragmented file, a directory to index. */
function buildTree(tree: string): void {
  mkdirSync(join(tree, "d/sub"), { recursive: true });
  mkdirSync(join(tree, "idx"));
  for (const n of [0, 1, 40, 600, 5000, 70_000])
    writeFileSync(join(tree, `f${n}`), fuzzPattern(n, n));
  writeFileSync(join(tree, "d/sub/file"), fuzzPattern(3000, 9));
  for (let i = 0; i < 160; i++)
    writeFileSync(join(tree, "idx", `entry-with-a-longer-name-${i}`), fuzzPattern(i % 50, i));
  // one block of data every other block: many extents, an index level at 1 KiB
  const fd = openSync(join(tree, "frag"), "w");
  for (let i = 0; i < 200; i++) writeSync(fd, fuzzPattern(700, i), 0, 700, i * 2048);
  closeSync(fd);
}

/** Make the ext4 base images with mkfs.ext4 in `dir` (4 MiB each); returns their bytes. */
export function buildExt4Images(dir: string): { name: string; bytes: Uint8Array }[] {
  const tree = join(dir, "tree4");
  buildTree(tree);
  return EXT4_VARIANTS.map((v) => {
    const img = join(dir, `${v.name}.img`);
    execFileSync(
      MKFS_EXT4_FUZZ,
      ["-q", "-F", "-E", "root_owner=0:0", ...v.args, "-d", tree, img, "4M"],
      { stdio: "pipe", env: { ...process.env, E2FSPROGS_FAKE_TIME: "1600000000" } },
    );
    try {
      execFileSync("/usr/sbin/e2fsck", ["-fyD", img], { stdio: "pipe" });
    } catch (e) {
      if ((e as { status?: number }).status !== 1) throw e;
    }
    return { name: v.name, bytes: new Uint8Array(readFileSync(img)) };
  });
}

const EXT4_EXTENTS_FL = 0x80000;
const EXT2_INDEX_FL = 0x1000;
const EXT4_INLINE_FL = 0x10000000;

/** Map an ext4 image's metadata (a region per structure, with its inode where it has one). */
export function mapExt4(name: string, img: Uint8Array): ImageMap {
  const fs = ext2fs_sbparse(img, 1024);
  const bad = ext2fs_sbcheck(fs);
  if (bad !== null) throw new Error(`${name}: ${bad}`);
  fs.e2fs_csum_seed = ext2fs_csum_seed(fs);
  const bsize = fs.e2fs_bsize;
  const isz = fs.e2fs_isize;
  const gdsz = fs.e2fs_gdsize;
  const regions: Region[] = [{ kind: "sb", off: 1024, len: 1024 }];
  const addrs = new Set<number>([0, 1, fs.e2fs_first_dblock, fs.e2fs_bcount - 1, fs.e2fs_bcount]);
  const gdt = (fs.e2fs_first_dblock + 1) * bsize;
  regions.push({ kind: "gdt", off: gdt, len: fs.e2fs_ncg * gdsz });
  const gds = Array.from({ length: fs.e2fs_ncg }, (_, g) =>
    e2fs_gd_parse(img.subarray(gdt), g, gdsz),
  );
  gds.forEach((gd, g) => {
    regions.push({ kind: "gd", off: gdt + g * gdsz, len: gdsz });
    addrs.add(gd.ext2bgd_b_bitmap).add(gd.ext2bgd_i_bitmap).add(gd.ext2bgd_i_tables);
    if ((gd.ext2bgd_flags & EXT2_BG_BLOCK_UNINIT) === 0)
      regions.push({
        kind: "bbitmap",
        off: gd.ext2bgd_b_bitmap * bsize,
        len: fs.e2fs_bpg >>> 3,
        grp: g,
      });
    if ((gd.ext2bgd_flags & EXT2_BG_INODE_UNINIT) === 0)
      regions.push({
        kind: "ibitmap",
        off: gd.ext2bgd_i_bitmap * bsize,
        len: fs.e2fs_ipg >>> 3,
        grp: g,
      });
    if (g > 0 && e2fs_cg_has_sb(fs, g)) {
      const off = (fs.e2fs_first_dblock + g * fs.e2fs_bpg) * bsize + (bsize === 1024 ? 0 : 1024);
      if (off + 1024 <= img.length && e2_rd16(img, off + 56) === 0xef53)
        regions.push({ kind: "sb-alt", off, len: 1024 });
    }
  });
  const journal = fs.e2fs_journal_inum;
  const ext = (e: number): [number, number, number] => [
    e2_rd32(img, e),
    e2_rd16(img, e + 4) > 32768 ? e2_rd16(img, e + 4) - 32768 : e2_rd16(img, e + 4),
    e2_rd32(img, e + 8) + e2_rd16(img, e + 6) * 2 ** 32,
  ];
  for (let ino = 1; ino <= fs.e2fs_icount; ino++) {
    const g = Math.floor((ino - 1) / fs.e2fs_ipg);
    const idx = (ino - 1) % fs.e2fs_ipg;
    const gd = gds[g]!;
    if (gd.ext2bgd_flags & EXT2_BG_INODE_UNINIT || idx >= fs.e2fs_ipg - gd.ext2bgd_itable_unused)
      continue;
    const ioff = gd.ext2bgd_i_tables * bsize + idx * isz;
    if (ioff + isz > img.length) continue;
    const mode = e2_rd16(img, ioff);
    if (mode === 0 || ino === journal) continue;
    regions.push({ kind: "inode", off: ioff, len: isz, ino });
    addrs.add(gd.ext2bgd_i_tables + Math.floor((idx * isz) / bsize));
    const flags = e2_rd32(img, ioff + 32);
    const type = mode & 0o170000;
    const size = e2_rd32(img, ioff + 4);
    if (flags & EXT4_INLINE_FL || (flags & EXT4_EXTENTS_FL) === 0) continue;
    // the extent tree: its blocks, and (directories) the blocks it maps
    const leaves: [number, number, number][] = [];
    const visit = (o: number, depth: number, guard: number): void => {
      if (guard > 4 || e2_rd16(img, o) !== 0xf30a) return;
      const n = Math.min(e2_rd16(img, o + 2), 340);
      for (let i = 0; i < n; i++) {
        const e = o + 12 + i * 12;
        if (depth === 0) leaves.push(ext(e));
        else {
          const child = e2_rd32(img, e + 4) + e2_rd16(img, e + 8) * 2 ** 32;
          if (child <= 0 || child >= fs.e2fs_bcount || (child + 1) * bsize > img.length) continue;
          regions.push({ kind: "extent", off: child * bsize, len: bsize, ino });
          addrs.add(child);
          visit(child * bsize, depth - 1, guard + 1);
        }
      }
    };
    visit(ioff + 40, e2_rd16(img, ioff + 46), 0);
    if (type !== 0o040000) continue;
    const nblk = Math.ceil(size / bsize);
    for (const [l, len, p] of leaves)
      for (let i = 0; i < len && l + i < nblk; i++) {
        const b = p + i;
        if ((b + 1) * bsize > img.length) continue;
        const dx = flags & EXT2_INDEX_FL && ext2fs_dx_countoff(img.subarray(b * bsize), bsize) >= 0;
        regions.push({ kind: dx ? "htree" : "dir", off: b * bsize, len: bsize, ino });
        addrs.add(b);
      }
  }
  mapJournal(img, regions, addrs);
  const jsbr = regions.find((r) => r.kind === "jsb");
  let jsb: Jbd2Sb | null = null;
  if (jsbr !== undefined) {
    const j = jbd2_sb_check(img.subarray(jsbr.off, jsbr.off + bsize), bsize, 1 << 20);
    if (typeof j !== "string" && j.js_csum) jsb = j;
  }
  const map: ImageMap = {
    name,
    type: "ext2fs",
    image: img,
    le: true,
    regions,
    blockAddrs: [...addrs],
    ptrSize: 4,
    pages: nonZeroPages(img),
  };
  if (fs.e2fs_metacsum) map.fixup = (b, touched) => sealChecksums(fs, gdt, jsb, b, touched);
  return map;
}

/**
 * Recompute the checksums of the structures in `touched` over the damaged
 * image `b` (and of the descriptors whose bitmap checksums that changes).
 * Returns the byte ranges it rewrote.
 */
function sealChecksums(
  fs: Ext2Fs,
  gdt: number,
  jsb: Jbd2Sb | null,
  b: Uint8Array,
  touched: Region[],
): [number, number][] {
  const bsize = fs.e2fs_bsize;
  const gdsz = fs.e2fs_gdsize;
  const out: [number, number][] = [];
  let gdsDirty = false;
  for (const r of touched) {
    switch (r.kind) {
      case "sb":
      case "sb-alt":
        ext2fs_sb_csum_set(fs, b, r.off);
        out.push([r.off, 1024]);
        break;
      case "sb-journal":
        ext2fs_sb_csum_set(fs, b, 1024);
        out.push([1024, 1024]);
        break;
      case "jsb":
        jbd2_wr32(b, r.off + JSB_CHECKSUM, jbd2_sb_csum(b.subarray(r.off, r.off + bsize)));
        out.push([r.off, 0x100]);
        break;
      case "jdesc":
      case "jrevoke":
      case "jcommit": {
        if (jsb === null) break;
        const blk = b.subarray(r.off, r.off + bsize);
        const at = r.kind === "jcommit" ? JCOMMIT_CHKSUM : bsize - 4;
        jbd2_wr32(blk, at, jbd2_block_csum(jsb, blk, at));
        out.push([r.off, bsize]);
        break;
      }
      case "gd":
      case "gdt":
        gdsDirty = true;
        break;
      case "bbitmap":
      case "ibitmap": {
        const g = r.grp!;
        const c = ext2fs_bitmap_csum(fs, b.subarray(r.off), r.len);
        const d = gdt + g * gdsz;
        const lo = r.kind === "bbitmap" ? 0x18 : 0x1a;
        e2_wr16(b, d + lo, c & 0xffff);
        if (gdsz >= 64) e2_wr16(b, d + lo + 0x20, c >>> 16);
        gdsDirty = true;
        break;
      }
      case "inode":
        ext2fs_inode_csum_set(fs, b, r.off, r.ino!);
        out.push([r.off, r.len]);
        break;
      case "extent": {
        const seed = inodeSeed(fs, gdt, b, r.ino!);
        ext4_extent_csum_set(seed, b.subarray(r.off, r.off + bsize));
        out.push([r.off, bsize]);
        break;
      }
      case "dir":
      case "htree": {
        const seed = inodeSeed(fs, gdt, b, r.ino!);
        const blk = b.subarray(r.off, r.off + bsize);
        if (ext2fs_dirtail_ok(blk, bsize)) {
          const c = ext2fs_dirleaf_csum(seed, blk, bsize);
          new DataView(blk.buffer, blk.byteOffset).setUint32(bsize - 4, c, true);
        } else {
          const coff = ext2fs_dx_countoff(blk, bsize);
          const c = coff >= 0 ? ext2fs_dx_csum(seed, blk, bsize, coff) : -1;
          if (c >= 0)
            new DataView(blk.buffer, blk.byteOffset).setUint32(
              coff + e2_rd16(blk, coff) * 8 + 4,
              c,
              true,
            );
        }
        out.push([r.off, bsize]);
        break;
      }
      default:
        break;
    }
  }
  if (gdsDirty) {
    for (let g = 0; g < fs.e2fs_ncg; g++) ext2fs_gd_csum_set(fs, b, gdt + g * gdsz, g);
    out.push([gdt, fs.e2fs_ncg * gdsz]);
  }
  return out;
}

/** Where a journal superblock keeps its checksum, and a commit block its h_chksum[0]. */
const JSB_CHECKSUM = 0xfc;
const JCOMMIT_CHKSUM = 16;

/**
 * Default mkfs.ext4 images (metadata_csum, 64bit, extents) whose journal
 * needs recovery: transactions written by debugfs with checksums v3 (1 KiB
 * blocks), and by the spec writer with 64-bit tags and a log wrapping the
 * end (4 KiB blocks). Every mount replays first.
 */
export function buildExt4RecoverImages(dir: string): { name: string; bytes: Uint8Array }[] {
  const a = makeJournalPair(dir, "j4e1k", ["-t", "ext4", "-b", "1024"], "8M");
  const dbg = join(dir, "j4e1k-pending.img");
  writeFileSync(dbg, a.before);
  debugfsJournal(dir, dbg, a, ["-c"]);
  const b = makeJournalPair(dir, "j4e4k", ["-t", "ext4", "-b", "4096"], "16M");
  const spec = b.before.slice();
  writeJournal(spec, b.jblocks, pairTxns(b), { csum: 3, tag64: true, startFromEnd: 4 });
  return [
    { name: "ext4-recover-debugfs-1k", bytes: new Uint8Array(readFileSync(dbg)) },
    { name: "ext4-recover-v3-4k", bytes: spec },
  ];
}

/** The checksum seed of inode `ino` as the (damaged) image has it. */
function inodeSeed(fs: Ext2Fs, gdt: number, b: Uint8Array, ino: number): number {
  const g = Math.floor((ino - 1) / fs.e2fs_ipg);
  const gd = e2fs_gd_parse(b.subarray(gdt), g, fs.e2fs_gdsize);
  const off = gd.ext2bgd_i_tables * fs.e2fs_bsize + ((ino - 1) % fs.e2fs_ipg) * fs.e2fs_isize;
  const gen = off + 104 <= b.length ? e2_rd32(b, off + 100) : 0;
  return ext2fs_inode_seed(fs, ino, gen);
}
