/**
 * ext4 extent trees (ext2fs_extents.c, Linux's fs/ext4/extents.c for the
 * format): a file's blocks as runs (logical block, length, physical
 * block) in a B-tree whose root is the inode's i_block (a 12-byte header
 * and 4 entries) and whose other nodes are blocks (a header, then
 * (bsize - 12) / 12 entries, then with metadata_csum a checksum tail).
 * Interior entries (index) name a child block and the first logical block
 * under it; leaf entries are extents, at most 32768 blocks, or 32767
 * "uninitialised" ones (allocated, reading as zeros) with the length's top
 * bit set.
 *
 * Here: lookup (ext4_bmap, through ext2fs_bmap), allocation of a block at
 * a logical address (ext4_balloc: merges into the neighbouring extent,
 * else inserts, splitting full nodes and growing the tree's depth),
 * writing into an uninitialised extent (split around the block), and
 * truncation (ext4_ext_truncate: frees extents and every tree block left
 * empty; truncating to nothing leaves an empty root of depth 0).
 *
 * Distrust the disk: every node passes ext4_ext_check (magic, depth,
 * counts, entries sorted and inside the file system, off metadata) and,
 * read from the disk, its checksum before use; a checked buffer is marked
 * (b_private = um_extmark[depth]) and the code's own changes keep the mark
 * and the checksum hook (set at write time). Walks are bounded by the
 * depth (at most 5), every child must have its parent's depth minus one,
 * and no node is held busy while another is read.
 */
import { EFBIG, ENOMEM } from "../../gen/constants.js";
import { bdwrite, bread, brelse, getblk, getblkfresh, incore } from "../../kern/vfs_bio.js";
import { BC_INVAL, BO_DONE, type Buf } from "../../sys/buf.js";
import type { Kauth_cred } from "../../sys/kauth.js";
import type { Out } from "../../sys/out.js";
import { e2_rd16, e2_rd32, e2_wr16, e2_wr32, EXT2_N_BLOCKS, type Ext2Fs } from "./ext2fs.js";
import {
  ext2fs_alloc,
  ext2fs_blkfree_run,
  ext2fs_dataok,
  ext2fs_dataok_run,
} from "./ext2fs_alloc.js";
import { E2ExtentCsum, ext2fs_inode_seed, ext4_extent_csum_verify } from "./ext2fs_csum.js";
import {
  e2_fsbtodb,
  ext2fs_corrupt,
  IN_CHANGE,
  IN_MODIFIED,
  IN_UPDATE,
  type E2Inode,
  type Ext2Mount,
} from "./ext2fs_extern.js";

export const EXT4_EXT_MAGIC = 0xf30a;
/** bytes of a node header and of an entry */
export const EXT4_EXT_HDR = 12;
export const EXT4_EXT_ENTRY = 12;
/** entries of the root (in i_block) */
export const EXT4_EXT_ROOT_MAX = 4;
/** the deepest tree Linux makes (and we read) */
export const EXT4_EXT_MAX_DEPTH = 5;
/** the longest initialised / uninitialised extent */
export const EXT4_EXT_INIT_MAX_LEN = 32768;
export const EXT4_EXT_UNINIT_MAX_LEN = 32767;

/* ------------------------------------------------------------------ layout */

const eh_entries = (b: Uint8Array, o: number): number => e2_rd16(b, o + 2);
const eh_max = (b: Uint8Array, o: number): number => e2_rd16(b, o + 4);
const eh_depth = (b: Uint8Array, o: number): number => e2_rd16(b, o + 6);
/** entry `i` of the node at `o` */
const ent = (o: number, i: number): number => o + EXT4_EXT_HDR + i * EXT4_EXT_ENTRY;

/** An entry's first logical block (ee_block / ei_block). */
const e_lblk = (b: Uint8Array, e: number): number => e2_rd32(b, e);
/** An extent's length and whether it is uninitialised (ee_len's top half). */
function ee_len(b: Uint8Array, e: number): number {
  const l = e2_rd16(b, e + 4);
  return l > EXT4_EXT_INIT_MAX_LEN ? l - EXT4_EXT_INIT_MAX_LEN : l;
}
const ee_uninit = (b: Uint8Array, e: number): boolean => e2_rd16(b, e + 4) > EXT4_EXT_INIT_MAX_LEN;
const ee_start = (b: Uint8Array, e: number): number =>
  e2_rd32(b, e + 8) + e2_rd16(b, e + 6) * 4294967296;
const ei_leaf = (b: Uint8Array, e: number): number =>
  e2_rd32(b, e + 4) + e2_rd16(b, e + 8) * 4294967296;

function ee_set(
  b: Uint8Array,
  e: number,
  lblk: number,
  len: number,
  pblk: number,
  uninit: boolean,
): void {
  e2_wr32(b, e, lblk);
  e2_wr16(b, e + 4, uninit ? len + EXT4_EXT_INIT_MAX_LEN : len);
  e2_wr16(b, e + 6, Math.floor(pblk / 4294967296));
  e2_wr32(b, e + 8, pblk % 4294967296);
}

function ei_set(b: Uint8Array, e: number, lblk: number, leaf: number): void {
  e2_wr32(b, e, lblk);
  e2_wr32(b, e + 4, leaf % 4294967296);
  e2_wr16(b, e + 8, Math.floor(leaf / 4294967296));
  e2_wr16(b, e + 10, 0);
}

function eh_init(b: Uint8Array, o: number, max: number, depth: number): void {
  e2_wr16(b, o, EXT4_EXT_MAGIC);
  e2_wr16(b, o + 2, 0);
  e2_wr16(b, o + 4, max);
  e2_wr16(b, o + 6, depth);
  e2_wr32(b, o + 8, 0);
}

/** Entries a tree block holds. */
export function ext4_ext_block_max(fs: Ext2Fs): number {
  return Math.floor((fs.e2fs_bsize - EXT4_EXT_HDR) / EXT4_EXT_ENTRY);
}

/** Make `words` (an inode's i_block) the root of an empty tree. */
export function ext4_ext_init_root(words: Uint32Array): void {
  const b = new Uint8Array(EXT2_N_BLOCKS * 4);
  eh_init(b, 0, EXT4_EXT_ROOT_MAX, 0);
  for (let i = 0; i < EXT2_N_BLOCKS; i++) words[i] = e2_rd32(b, i * 4);
}

/**
 * Make `words` (an inode's i_block) the root of a tree mapping `exts`
 * ([logical, length, physical], sorted, initialised): in the root when
 * they fit, else in one leaf block `leaf` (at block `leafBlk`, `leafMax`
 * entries; its checksum is the caller's) under a root of depth 1. For
 * newfs, which lays out whole files at once.
 */
export function ext4_ext_mkroot(
  words: Uint32Array,
  exts: readonly (readonly [number, number, number])[],
  leaf: Uint8Array | null = null,
  leafBlk = 0,
  leafMax = 0,
): void {
  const r = new Uint8Array(EXT2_N_BLOCKS * 4);
  let node: Uint8Array = r;
  if (exts.length > EXT4_EXT_ROOT_MAX) {
    if (leaf === null || exts.length > leafMax)
      throw new Error("ext4_ext_mkroot: no leaf for the extents");
    eh_init(r, 0, EXT4_EXT_ROOT_MAX, 1);
    ei_set(r, ent(0, 0), exts[0]![0], leafBlk);
    e2_wr16(r, 2, 1);
    leaf.fill(0);
    eh_init(leaf, 0, leafMax, 0);
    node = leaf;
  } else {
    eh_init(r, 0, EXT4_EXT_ROOT_MAX, 0);
  }
  exts.forEach(([l, n, p], i) => ee_set(node, ent(0, i), l, n, p, false));
  e2_wr16(node, 2, exts.length);
  for (let i = 0; i < EXT2_N_BLOCKS; i++) words[i] = e2_rd32(r, i * 4);
}

/* ------------------------------------------------------------------ checks */

/**
 * ext4_ext_check: is the node at `o` of `b` usable as a node of `depth`
 * (the root: any depth up to 5) holding at most `max` entries? null, or
 * why not. Leaf extents must be non-empty, sorted, non-overlapping, end
 * below 2^32 and lie in data blocks; index entries sorted, naming data
 * blocks.
 */
export function ext4_ext_check(
  ump: Ext2Mount,
  b: Uint8Array,
  o: number,
  max: number,
  depth: number,
): string | null {
  if (e2_rd16(b, o) !== EXT4_EXT_MAGIC) return `bad extent magic 0x${e2_rd16(b, o).toString(16)}`;
  const d = eh_depth(b, o);
  if (depth < 0 ? d > EXT4_EXT_MAX_DEPTH : d !== depth) return `extent node of depth ${d}`;
  const m = eh_max(b, o);
  const n = eh_entries(b, o);
  if (m === 0 || m > max) return `extent node of ${m} entries`;
  if (n > m) return `extent node with ${n} of ${m} entries`;
  let next = 0;
  for (let i = 0; i < n; i++) {
    const e = ent(o, i);
    const l = e_lblk(b, e);
    if (l < next) return `extent entry ${i} at logical block ${l} overlaps the one before`;
    if (d === 0) {
      const len = ee_len(b, e);
      if (len === 0) return `empty extent at logical block ${l}`;
      if (l + len > 4294967296) return `extent at logical block ${l} of ${len} blocks`;
      const p = ee_start(b, e);
      if (!ext2fs_dataok_run(ump, p, len))
        return `extent at logical block ${l}: blocks ${p}+${len} are not data blocks`;
      next = l + len;
    } else {
      const p = ei_leaf(b, e);
      if (!ext2fs_dataok(ump, p)) return `extent index at logical block ${l}: block ${p}`;
      next = l + 1;
    }
  }
  return null;
}

/**
 * The root of `ip`'s tree as bytes (ip.i_ext, made from e2di_blocks on
 * first use, and checked then). null with EIO reported when it is bad.
 */
function ext4_root(ip: E2Inode, errp: Out<number>): Uint8Array | null {
  errp.v = 0;
  let r = ip.i_ext;
  if (r !== null) return r;
  r = new Uint8Array(EXT2_N_BLOCKS * 4);
  const w = ip.i_din.e2di_blocks;
  for (let i = 0; i < EXT2_N_BLOCKS; i++) e2_wr32(r, i * 4, w[i]!);
  const why = ext4_ext_check(ip.i_ump, r, 0, EXT4_EXT_ROOT_MAX, -1);
  if (why !== null) {
    errp.v = ext2fs_corrupt(ip.i_ump, `inode ${ip.i_number}: extent root: ${why}`);
    return null;
  }
  ip.i_ext = r;
  return r;
}

/** Check `ip`'s extent root (at load time), or return why it is bad. */
export function ext4_ext_check_root(ip: E2Inode): string | null {
  ip.i_ext = null;
  const r = new Uint8Array(EXT2_N_BLOCKS * 4);
  const w = ip.i_din.e2di_blocks;
  for (let i = 0; i < EXT2_N_BLOCKS; i++) e2_wr32(r, i * 4, w[i]!);
  const why = ext4_ext_check(ip.i_ump, r, 0, EXT4_EXT_ROOT_MAX, -1);
  if (why === null) ip.i_ext = r;
  return why;
}

/** The root changed: back into e2di_blocks, and the inode needs writing. */
function ext4_root_store(ip: E2Inode): void {
  const r = ip.i_ext!;
  const w = ip.i_din.e2di_blocks;
  for (let i = 0; i < EXT2_N_BLOCKS; i++) w[i] = e2_rd32(r, i * 4);
  ip.i_flag |= IN_MODIFIED;
}

/** Forget the cached root (i_block was rewritten by someone else). */
export function ext4_root_forget(ip: E2Inode): void {
  ip.i_ext = null;
}

/** The write hook of `ip`'s extent blocks (metadata_csum), made on first use. */
function exthook(ip: E2Inode): E2ExtentCsum | null {
  if (!ip.i_ump.um_e2fs.e2fs_metacsum) return null;
  if (ip.i_exthook === null) ip.i_exthook = new E2ExtentCsum(ip);
  return ip.i_exthook as E2ExtentCsum;
}

/**
 * Read tree block `blk` of `ip` expected at `depth`, checked (and its
 * checksum verified when it comes from the disk) unless its buffer
 * carries the mark of a check at that depth. bpp.v: the busy buffer.
 */
function ext4_ext_read(ip: E2Inode, blk: number, depth: number, bpp: Out<Buf | null>): number {
  const ump = ip.i_ump;
  const fs = ump.um_e2fs;
  const mark = ump.um_extmark[depth]!;
  const blkno = e2_fsbtodb(ump, blk);
  const cached = incore(ump.um_devvp, blkno);
  const checked = cached !== null && cached.b_private === mark && (cached.b_oflags & BO_DONE) !== 0;
  const fresh = cached === null || (cached.b_oflags & BO_DONE) === 0;
  const error = bread(ump.um_devvp, blkno, fs.e2fs_bsize, bpp);
  if (error !== 0) return error;
  if (checked) return 0;
  const bp = bpp.v!;
  let why = ext4_ext_check(ump, bp.b_data, 0, ext4_ext_block_max(fs), depth);
  if (
    why === null &&
    fresh &&
    fs.e2fs_metacsum &&
    !ext4_extent_csum_verify(ext2fs_inode_seed(fs, ip.i_number, ip.i_din.e2di_gen), bp.b_data)
  )
    why = "fails its checksum";
  if (why !== null) {
    brelse(bp, BC_INVAL);
    bpp.v = null;
    return ext2fs_corrupt(ump, `inode ${ip.i_number}: extent block ${blk}: ${why}`);
  }
  bp.b_private = mark;
  bp.b_wrhook = exthook(ip);
  return 0;
}

/** Write a tree block of `ip` at `depth` behind, keeping its mark and checksum hook. */
function ext4_ext_dirty(ip: E2Inode, bp: Buf, depth: number): void {
  bp.b_private = ip.i_ump.um_extmark[depth]!;
  bp.b_wrhook = exthook(ip);
  bdwrite(bp);
}

/** The last entry of node `o` whose first logical block is ≤ lbn (-1: none). */
function ext4_ext_search(b: Uint8Array, o: number, lbn: number): number {
  let lo = 0;
  let hi = eh_entries(b, o) - 1;
  let k = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (e_lblk(b, ent(o, mid)) <= lbn) {
      k = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return k;
}

/* ------------------------------------------------------------------ lookup */

/**
 * ext4_bmap: logical block `lbn` of extent-mapped `ip` → bnp.v (0 for a
 * hole or an uninitialised extent, which reads as zeros). With `runp`,
 * how many blocks from lbn on (at most maxrun, at least 1) follow
 * contiguously in the same extent.
 */
export function ext4_bmap(
  ip: E2Inode,
  lbn: number,
  bnp: Out<number>,
  runp: Out<number> | null,
  maxrun: number,
): number {
  const ump = ip.i_ump;
  bnp.v = 0;
  if (runp !== null) runp.v = 1;
  const errp = ump.um_bn2;
  let b = ext4_root(ip, errp);
  if (b === null) return errp.v;
  let depth = eh_depth(b, 0);
  const bpp = ump.um_xbpp;
  let bp: Buf | null = null;
  while (depth > 0) {
    let i = ext4_ext_search(b, 0, lbn);
    if (eh_entries(b, 0) === 0) {
      if (bp !== null) brelse(bp, 0);
      return ext2fs_corrupt(ump, `inode ${ip.i_number}: empty extent index node`);
    }
    if (i < 0) i = 0;
    const child = ei_leaf(b, ent(0, i));
    if (bp !== null) brelse(bp, 0);
    const error = ext4_ext_read(ip, child, depth - 1, bpp);
    if (error !== 0) return error;
    bp = bpp.v!;
    bpp.v = null;
    b = bp.b_data;
    depth--;
  }
  const i = ext4_ext_search(b, 0, lbn);
  if (i >= 0) {
    const e = ent(0, i);
    const off = lbn - e_lblk(b, e);
    const len = ee_len(b, e);
    if (off < len && !ee_uninit(b, e)) {
      bnp.v = ee_start(b, e) + off;
      if (runp !== null) runp.v = Math.max(1, Math.min(len - off, maxrun));
    }
  }
  if (bp !== null) brelse(bp, 0);
  return 0;
}

/* ------------------------------------------------------------------ changes */

/**
 * A path from the root to the leaf for one logical block: per level the
 * node's block (0: the root in the inode) and the entry taken (for the
 * leaf: the last extent starting at or before the block, or -1).
 */
class ExtPath {
  depth = 0;
  readonly blk = new Float64Array(EXT4_EXT_MAX_DEPTH + 1);
  readonly idx = new Int32Array(EXT4_EXT_MAX_DEPTH + 1);
}
const path = new ExtPath();

/** Walk from the root to `lbn`'s leaf, filling `p`. */
function ext4_ext_find(ip: E2Inode, lbn: number, p: ExtPath): number {
  const ump = ip.i_ump;
  const errp = ump.um_bn2;
  const root = ext4_root(ip, errp);
  if (root === null) return errp.v;
  const depth = eh_depth(root, 0);
  p.depth = depth;
  p.blk[0] = 0;
  let b = root;
  let bp: Buf | null = null;
  const bpp = ump.um_xbpp;
  for (let l = 0; l < depth; l++) {
    if (eh_entries(b, 0) === 0) {
      if (bp !== null) brelse(bp, 0);
      return ext2fs_corrupt(ump, `inode ${ip.i_number}: empty extent index node`);
    }
    const i = Math.max(0, ext4_ext_search(b, 0, lbn));
    p.idx[l] = i;
    const child = ei_leaf(b, ent(0, i));
    // a child that is one of its own ancestors loops
    for (let k = 1; k <= l; k++)
      if (p.blk[k] === child) {
        if (bp !== null) brelse(bp, 0);
        return ext2fs_corrupt(ump, `inode ${ip.i_number}: extent tree loops at block ${child}`);
      }
    if (bp !== null) brelse(bp, 0);
    const error = ext4_ext_read(ip, child, depth - l - 1, bpp);
    if (error !== 0) return error;
    bp = bpp.v!;
    bpp.v = null;
    b = bp.b_data;
    p.blk[l + 1] = child;
  }
  p.idx[depth] = ext4_ext_search(b, 0, lbn);
  if (bp !== null) brelse(bp, 0);
  return 0;
}

/** Node `l` of `p` for changing: the root's bytes (bp null) or its busy buffer. */
function ext4_node_get(
  ip: E2Inode,
  p: ExtPath,
  l: number,
  bpp: Out<Buf | null>,
): Uint8Array | null {
  bpp.v = null;
  if (l === 0) return ip.i_ext!;
  const error = ext4_ext_read(ip, p.blk[l]!, p.depth - l, bpp);
  if (error !== 0) {
    ip.i_ump.um_bn2.v = error;
    return null;
  }
  return bpp.v!.b_data;
}

/** Node `l` was changed: store the root, or write the block behind. */
function ext4_node_put(ip: E2Inode, p: ExtPath, l: number, bp: Buf | null): void {
  if (l === 0) ext4_root_store(ip);
  else ext4_ext_dirty(ip, bp!, p.depth - l);
}

/** A tree block for `ip` near `goal`, counted in i_blocks; bnp.v = its number. */
function ext4_ext_newblock(
  ip: E2Inode,
  goal: number,
  cred: Kauth_cred | null,
  bnp: Out<number>,
): number {
  const fs = ip.i_ump.um_e2fs;
  if (ip.i_din.e2di_nblock + fs.e2fs_bsize / 512 > ip.i_ump.um_maxnblock) return EFBIG;
  const error = ext2fs_alloc(ip, goal, cred, bnp);
  if (error !== 0) return error;
  ip.i_din.e2di_nblock += fs.e2fs_bsize / 512;
  ip.i_flag |= IN_CHANGE;
  return 0;
}

/**
 * The first key of node `l` changed to `key`: the index entries above
 * that lead to it say so too (as far up as it is its parent's first).
 */
function ext4_ext_fixkeys(ip: E2Inode, p: ExtPath, l: number, key: number): number {
  const bpp = ip.i_ump.um_xbpp;
  for (let k = l - 1; k >= 0; k--) {
    const b = ext4_node_get(ip, p, k, bpp);
    if (b === null) return ip.i_ump.um_bn2.v;
    const i = p.idx[k]!;
    e2_wr32(b, ent(0, i), key);
    ext4_node_put(ip, p, k, bpp.v);
    bpp.v = null;
    if (i !== 0) break;
  }
  return 0;
}

/**
 * Node `l` of `p` is full: make room. The root moves into a new block
 * one level down (the tree grows deeper); another node gives its entries
 * after `pos` (or, when the insertion is at its end, none for a leaf and
 * its last for an index node: a file growing at its end fills nodes
 * completely) to a new sibling, whose first key is `key` when it gets
 * none. A full parent is split first. The caller walks the path again.
 */
function ext4_ext_split(
  ip: E2Inode,
  p: ExtPath,
  l: number,
  pos: number,
  key: number,
  goal: number,
  cred: Kauth_cred | null,
): number {
  const ump = ip.i_ump;
  const fs = ump.um_e2fs;
  const bsize = fs.e2fs_bsize;
  const bn = ump.um_bn3;
  const bpp = ump.um_xbpp;
  if (l === 0) {
    const root = ip.i_ext!;
    const d = eh_depth(root, 0);
    if (d >= EXT4_EXT_MAX_DEPTH) return EFBIG;
    const error = ext4_ext_newblock(ip, goal, cred, bn);
    if (error !== 0) return error;
    const nbp = getblk(ump.um_devvp, e2_fsbtodb(ump, bn.v), bsize);
    if (nbp === null) return ENOMEM;
    const nb = nbp.b_data;
    nb.fill(0, 0, bsize);
    nbp.b_oflags |= BO_DONE;
    eh_init(nb, 0, ext4_ext_block_max(fs), d);
    const n = eh_entries(root, 0);
    nb.set(root.subarray(EXT4_EXT_HDR, EXT4_EXT_HDR + n * EXT4_EXT_ENTRY), EXT4_EXT_HDR);
    e2_wr16(nb, 2, n);
    const first = n > 0 ? e_lblk(root, ent(0, 0)) : key;
    ext4_ext_dirty(ip, nbp, d);
    eh_init(root, 0, EXT4_EXT_ROOT_MAX, d + 1);
    root.fill(0, EXT4_EXT_HDR);
    ei_set(root, ent(0, 0), first, bn.v);
    e2_wr16(root, 2, 1);
    ext4_root_store(ip);
    return 0;
  }
  // the parent needs a free entry for the new sibling
  const pb = ext4_node_get(ip, p, l - 1, bpp);
  if (pb === null) return ump.um_bn2.v;
  const pfull = eh_entries(pb, 0) >= eh_max(pb, 0);
  if (bpp.v !== null) brelse(bpp.v, 0);
  bpp.v = null;
  if (pfull) return ext4_ext_split(ip, p, l - 1, p.idx[l - 1]! + 1, key, goal, cred);
  const error = ext4_ext_newblock(ip, goal, cred, bn);
  if (error !== 0) return error;
  const sblk = bn.v;
  const b = ext4_node_get(ip, p, l, bpp);
  if (b === null) return ump.um_bn2.v;
  const bp = bpp.v!;
  bpp.v = null;
  const n = eh_entries(b, 0);
  const leaf = l === p.depth;
  const m = pos >= n ? (leaf ? n : n - 1) : Math.max(1, n >>> 1);
  const sbp = getblk(ump.um_devvp, e2_fsbtodb(ump, sblk), bsize);
  if (sbp === null) {
    brelse(bp, 0);
    return ENOMEM;
  }
  const sb = sbp.b_data;
  sb.fill(0, 0, bsize);
  sbp.b_oflags |= BO_DONE;
  eh_init(sb, 0, ext4_ext_block_max(fs), p.depth - l);
  sb.set(b.subarray(ent(0, m), ent(0, n)), EXT4_EXT_HDR);
  e2_wr16(sb, 2, n - m);
  const skey = n - m > 0 ? e_lblk(sb, ent(0, 0)) : key;
  b.fill(0, ent(0, m), ent(0, n));
  e2_wr16(b, 2, m);
  ext4_ext_dirty(ip, sbp, p.depth - l);
  ext4_ext_dirty(ip, bp, p.depth - l);
  // the sibling's entry after ours in the parent
  const pb2 = ext4_node_get(ip, p, l - 1, bpp);
  if (pb2 === null) return ump.um_bn2.v;
  const at = p.idx[l - 1]! + 1;
  const pn = eh_entries(pb2, 0);
  pb2.copyWithin(ent(0, at + 1), ent(0, at), ent(0, pn));
  ei_set(pb2, ent(0, at), skey, sblk);
  e2_wr16(pb2, 2, pn + 1);
  ext4_node_put(ip, p, l - 1, bpp.v);
  bpp.v = null;
  return 0;
}

/**
 * Map [lbn, lbn + len) to blocks [pblk, …) (uninitialised if `uninit`):
 * merged into the extent before or after it when they touch on both sides
 * and have room, else a new entry (splitting full nodes as needed). The
 * range must be a hole.
 */
function ext4_ext_insert(
  ip: E2Inode,
  lbn: number,
  len: number,
  pblk: number,
  uninit: boolean,
  cred: Kauth_cred | null,
): number {
  const ump = ip.i_ump;
  const p = path;
  const bpp = ump.um_xbpp;
  const maxlen = uninit ? EXT4_EXT_UNINIT_MAX_LEN : EXT4_EXT_INIT_MAX_LEN;
  for (let attempt = 0; attempt < 4 * (EXT4_EXT_MAX_DEPTH + 2); attempt++) {
    let error = ext4_ext_find(ip, lbn, p);
    if (error !== 0) return error;
    const L = p.depth;
    const b = ext4_node_get(ip, p, L, bpp);
    if (b === null) return ump.um_bn2.v;
    const bp = bpp.v;
    bpp.v = null;
    const n = eh_entries(b, 0);
    const i = p.idx[L]!;
    if (i >= 0) {
      const e = ent(0, i);
      const el = ee_len(b, e);
      if (
        ee_uninit(b, e) === uninit &&
        e_lblk(b, e) + el === lbn &&
        ee_start(b, e) + el === pblk &&
        el + len <= maxlen
      ) {
        ee_set(b, e, e_lblk(b, e), el + len, ee_start(b, e), uninit);
        ext4_node_put(ip, p, L, bp);
        return 0;
      }
    }
    const j = i + 1;
    if (j < n) {
      const e = ent(0, j);
      const el = ee_len(b, e);
      if (
        ee_uninit(b, e) === uninit &&
        lbn + len === e_lblk(b, e) &&
        pblk + len === ee_start(b, e) &&
        el + len <= maxlen
      ) {
        ee_set(b, e, lbn, el + len, pblk, uninit);
        ext4_node_put(ip, p, L, bp);
        return j === 0 ? ext4_ext_fixkeys(ip, p, L, lbn) : 0;
      }
    }
    if (n < eh_max(b, 0)) {
      b.copyWithin(ent(0, j + 1), ent(0, j), ent(0, n));
      ee_set(b, ent(0, j), lbn, len, pblk, uninit);
      e2_wr16(b, 2, n + 1);
      ext4_node_put(ip, p, L, bp);
      return j === 0 ? ext4_ext_fixkeys(ip, p, L, lbn) : 0;
    }
    if (bp !== null) brelse(bp, 0);
    error = ext4_ext_split(ip, p, L, j, lbn, pblk, cred);
    if (error !== 0) return error;
  }
  return ext2fs_corrupt(ump, `inode ${ip.i_number}: extent insert at ${lbn} does not converge`);
}

/** A fresh buffer for block `bn` (zeroed unless `full`), busy in bpp.v. */
function ext4_newbuf(ump: Ext2Mount, bn: number, full: boolean, bpp: Out<Buf | null>): number {
  const bsize = ump.um_e2fs.e2fs_bsize;
  const bp = getblkfresh(ump.um_devvp, e2_fsbtodb(ump, bn), bsize);
  if (bp === null) return ENOMEM;
  if (!full) bp.b_data.fill(0, 0, bsize);
  bp.b_oflags |= BO_DONE;
  bp.b_private = null;
  bp.b_wrhook = null;
  bpp.v = bp;
  return 0;
}

/**
 * ext4_balloc: the buffer of logical block `lbn` of extent-mapped `ip`,
 * allocating it as needed (ext2fs_balloc's contract: bpp.v busy and valid;
 * a new block zeroed unless `full`, an existing one read unless `full`).
 * A block in an uninitialised extent is split out of it, initialised.
 */
export function ext4_balloc(
  ip: E2Inode,
  lbn: number,
  full: boolean,
  cred: Kauth_cred | null,
  bpp: Out<Buf | null>,
): number {
  const ump = ip.i_ump;
  const fs = ump.um_e2fs;
  bpp.v = null;
  if (!(lbn >= 0 && lbn < 4294967295)) return EFBIG;
  const p = path;
  let error = ext4_ext_find(ip, lbn, p);
  if (error !== 0) return error;
  const xbpp = ump.um_xbpp;
  const b = ext4_node_get(ip, p, p.depth, xbpp);
  if (b === null) return ump.um_bn2.v;
  const i = p.idx[p.depth]!;
  let goal = 0;
  let ustart = -1;
  let ulen = 0;
  let upblk = 0;
  if (i >= 0) {
    const e = ent(0, i);
    const s = e_lblk(b, e);
    const len = ee_len(b, e);
    const start = ee_start(b, e);
    if (lbn < s + len) {
      if (!ee_uninit(b, e)) {
        if (xbpp.v !== null) brelse(xbpp.v, 0);
        xbpp.v = null;
        const bn = start + (lbn - s);
        if (full) return ext4_newbuf(ump, bn, true, bpp);
        return bread(ump.um_devvp, e2_fsbtodb(ump, bn), fs.e2fs_bsize, bpp);
      }
      ustart = s;
      ulen = len;
      upblk = start;
    } else goal = start + (lbn - s);
  } else if (eh_entries(b, 0) > 0) {
    const e = ent(0, 0);
    goal = Math.max(fs.e2fs_first_dblock, ee_start(b, e) - (e_lblk(b, e) - lbn));
  }
  if (xbpp.v !== null) brelse(xbpp.v, 0);
  xbpp.v = null;
  ip.i_runlen = 0;
  if (ustart >= 0) {
    // [ustart, lbn) and (lbn, end) stay uninitialised, lbn itself is written
    const bn = upblk + (lbn - ustart);
    error = ext4_ext_retype(ip, lbn, ustart, ulen, upblk, cred);
    if (error !== 0) return error;
    ip.i_flag |= IN_CHANGE | IN_UPDATE;
    return ext4_newbuf(ump, bn, full, bpp);
  }
  if (goal === 0 && ip.i_lastalloc !== 0) goal = ip.i_lastalloc + 1;
  if (ip.i_din.e2di_nblock + fs.e2fs_bsize / 512 > ump.um_maxnblock) return EFBIG;
  const bn = ump.um_bn;
  error = ext2fs_alloc(ip, goal, cred, bn);
  if (error !== 0) return error;
  const pblk = bn.v;
  ip.i_din.e2di_nblock += fs.e2fs_bsize / 512;
  error = ext4_ext_insert(ip, lbn, 1, pblk, false, cred);
  if (error !== 0) {
    ext2fs_blkfree_run(ump, pblk, 1, ip.i_number);
    ip.i_din.e2di_nblock -= fs.e2fs_bsize / 512;
    return error;
  }
  ip.i_lastalloc = pblk;
  ip.i_flag |= IN_CHANGE | IN_UPDATE;
  error = ext4_newbuf(ump, pblk, full, bpp);
  return error;
}

/**
 * Block `lbn` of the uninitialised extent [s, s + len) at `pblk` becomes
 * an initialised extent of one block: the extent's entry is rewritten in
 * place as that block, then the parts before and after go back in,
 * uninitialised.
 */
function ext4_ext_retype(
  ip: E2Inode,
  lbn: number,
  s: number,
  len: number,
  pblk: number,
  cred: Kauth_cred | null,
): number {
  const ump = ip.i_ump;
  const p = path;
  let error = ext4_ext_find(ip, lbn, p);
  if (error !== 0) return error;
  const bpp = ump.um_xbpp;
  const b = ext4_node_get(ip, p, p.depth, bpp);
  if (b === null) return ump.um_bn2.v;
  const i = p.idx[p.depth]!;
  ee_set(b, ent(0, i), lbn, 1, pblk + (lbn - s), false);
  ext4_node_put(ip, p, p.depth, bpp.v);
  bpp.v = null;
  if (lbn > s) {
    error = ext4_ext_insert(ip, s, lbn - s, pblk, true, cred);
    if (error !== 0) return error;
  }
  if (lbn + 1 < s + len)
    error = ext4_ext_insert(ip, lbn + 1, s + len - lbn - 1, pblk + (lbn - s) + 1, true, cred);
  return error;
}

/* ------------------------------------------------------------------ truncate */

/** Scratch for a node's entries while its children are truncated (per depth). */
const truncEntries: Float64Array[] = Array.from(
  { length: EXT4_EXT_MAX_DEPTH + 1 },
  () => new Float64Array(0),
);

/**
 * Free everything of the node at `o` of `b` (depth `d`) that maps blocks
 * past `last` (-1: everything). `b` is the root's bytes, or a copy of a
 * block's entries for levels below (no buffer is held across the
 * recursion). Returns the new entry count through `np` (a node left
 * empty is the caller's to free); 512-byte units freed go to freed.v.
 */
function ext4_trunc_node(
  ip: E2Inode,
  b: Uint8Array,
  d: number,
  last: number,
  freed: Out<number>,
  anc: number[],
  np: Out<number>,
): number {
  const ump = ip.i_ump;
  const fs = ump.um_e2fs;
  const unit = fs.e2fs_bsize / 512;
  let n = eh_entries(b, 0);
  let error = 0;
  if (d === 0) {
    while (n > 0) {
      const e = ent(0, n - 1);
      const s = e_lblk(b, e);
      const len = ee_len(b, e);
      if (s + len - 1 <= last) break;
      const start = ee_start(b, e);
      const keep = s > last ? 0 : last + 1 - s;
      const err = ext2fs_blkfree_run(ump, start + keep, len - keep, ip.i_number);
      if (err !== 0 && error === 0) error = err;
      freed.v += (len - keep) * unit;
      if (keep > 0) {
        ee_set(b, e, s, keep, start, ee_uninit(b, e));
        break;
      }
      n--;
    }
    np.v = n;
    return error;
  }
  const cnp = { v: 0 };
  const bpp = ump.um_xbpp;
  while (n > 0) {
    const e = ent(0, n - 1);
    const key = e_lblk(b, e);
    const child = ei_leaf(b, e);
    if (anc.includes(child)) {
      if (error === 0)
        error = ext2fs_corrupt(ump, `inode ${ip.i_number}: extent tree loops at block ${child}`);
      break;
    }
    let err = ext4_ext_read(ip, child, d - 1, bpp);
    if (err !== 0) {
      if (error === 0) error = err;
      break;
    }
    // the child's node, copied: nothing stays busy below
    let copy = truncEntries[d - 1]!;
    if (copy.length < fs.e2fs_bsize / 8)
      truncEntries[d - 1] = copy = new Float64Array(fs.e2fs_bsize / 8);
    const cb = new Uint8Array(copy.buffer, 0, fs.e2fs_bsize);
    cb.set(bpp.v!.b_data.subarray(0, fs.e2fs_bsize));
    brelse(bpp.v!, 0);
    bpp.v = null;
    anc.push(child);
    err = ext4_trunc_node(ip, cb, d - 1, last, freed, anc, cnp);
    anc.pop();
    if (err !== 0 && error === 0) error = err;
    if (cnp.v === 0) {
      const e2 = ext2fs_blkfree_run(ump, child, 1, ip.i_number);
      if (e2 !== 0 && error === 0) error = e2;
      freed.v += unit;
      n--;
      if (key <= last) break;
      continue;
    }
    // the child keeps entries: write back what changed in it
    err = ext4_ext_read(ip, child, d - 1, bpp);
    if (err === 0) {
      const cbp = bpp.v!;
      bpp.v = null;
      if (eh_entries(cbp.b_data, 0) !== cnp.v) {
        cbp.b_data.set(cb.subarray(EXT4_EXT_HDR, ent(0, cnp.v)), EXT4_EXT_HDR);
        cbp.b_data.fill(0, ent(0, cnp.v), ent(0, eh_entries(cbp.b_data, 0)));
        e2_wr16(cbp.b_data, 2, cnp.v);
        ext4_ext_dirty(ip, cbp, d - 1);
      } else if (d - 1 === 0 && cnp.v > 0) {
        // a shortened last extent
        cbp.b_data.set(cb.subarray(ent(0, cnp.v - 1), ent(0, cnp.v)), ent(0, cnp.v - 1));
        ext4_ext_dirty(ip, cbp, d - 1);
      } else brelse(cbp, 0);
    } else if (error === 0) error = err;
    break;
  }
  np.v = n;
  return error;
}

/**
 * ext4_ext_truncate: free every block `ip` maps past logical block `last`
 * (-1: all of them), and every tree block left empty; i_blocks follows.
 * An emptied tree is a root of depth 0 again.
 */
export function ext4_ext_truncate(ip: E2Inode, last: number): number {
  const ump = ip.i_ump;
  const errp = ump.um_bn2;
  const root = ext4_root(ip, errp);
  if (root === null) return errp.v;
  ip.i_runlen = 0;
  const freed = { v: 0 };
  const np = { v: 0 };
  const error = ext4_trunc_node(ip, root, eh_depth(root, 0), last, freed, [], np);
  const n = np.v;
  root.fill(0, ent(0, n), ent(0, eh_entries(root, 0)));
  e2_wr16(root, 2, n);
  if (n === 0) eh_init(root, 0, EXT4_EXT_ROOT_MAX, 0);
  ext4_root_store(ip);
  ip.i_din.e2di_nblock = Math.max(0, ip.i_din.e2di_nblock - freed.v);
  if (last < 0) ip.i_lastalloc = 0;
  ip.i_flag |= IN_CHANGE | IN_UPDATE;
  return error;
}

/**
 * Walk every extent of `ip` in order, calling `fn(lbn, len, pblk,
 * uninit)` (for tools and tests); bounded by the tree's depth.
 */
export function ext4_ext_walk(
  ip: E2Inode,
  fn: (lbn: number, len: number, pblk: number, uninit: boolean) => void,
): number {
  const errp = ip.i_ump.um_bn2;
  const root = ext4_root(ip, errp);
  if (root === null) return errp.v;
  return walkNode(ip, root, eh_depth(root, 0), fn, []);
}

function walkNode(
  ip: E2Inode,
  b: Uint8Array,
  d: number,
  fn: (lbn: number, len: number, pblk: number, uninit: boolean) => void,
  anc: number[],
): number {
  const n = eh_entries(b, 0);
  for (let i = 0; i < n; i++) {
    const e = ent(0, i);
    if (d === 0) {
      fn(e_lblk(b, e), ee_len(b, e), ee_start(b, e), ee_uninit(b, e));
      continue;
    }
    const child = ei_leaf(b, e);
    if (anc.includes(child))
      return ext2fs_corrupt(ip.i_ump, `inode ${ip.i_number}: extent tree loops at block ${child}`);
    const bpp = { v: null as Buf | null };
    const error = ext4_ext_read(ip, child, d - 1, bpp);
    if (error !== 0) return error;
    const copy = bpp.v!.b_data.slice(0, ip.i_ump.um_e2fs.e2fs_bsize);
    brelse(bpp.v!, 0);
    anc.push(child);
    const e2 = walkNode(ip, copy, d - 1, fn, anc);
    anc.pop();
    if (e2 !== 0) return e2;
  }
  return 0;
}
