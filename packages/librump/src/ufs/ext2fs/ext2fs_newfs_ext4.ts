/**
 * newfs for ext4 (what Debian's `mkfs.ext4` makes, e2fsprogs'
 * mke2fs.c/initialize.c/alloc_tables.c/res_gdt.c/mkjournal.c for the
 * layout): revision 1 with has_journal, ext_attr, resize_inode, dir_index,
 * filetype, extent, 64bit, flex_bg (16 groups), sparse_super, large_file,
 * huge_file, dir_nlink, extra_isize and metadata_csum; 256-byte inodes;
 * half-MD4 directory hashes with a random seed.
 *
 * Layout, as mke2fs lays it out: each group that keeps a superblock copy
 * starts with it, the descriptor table and the resize inode's reserved
 * descriptor blocks; each flex group's block bitmaps, inode bitmaps and
 * inode tables are packed, in that order, from the start of its first
 * group; the root directory, lost+found and the resize inode's
 * double-indirect block follow group 0's tables; the journal (an empty
 * JBD2 v2 log of mke2fs's default size, extent-mapped, contiguous) starts
 * in the group at the middle of the disk. Groups with nothing but their
 * superblock copy are BLOCK_UNINIT, every group but the first INODE_UNINIT
 * with its whole inode table unused, as mke2fs leaves them (lazy
 * initialisation: the tables are not written; every reader treats the
 * unused part as free).
 *
 * The on-disk layouts are ext2fs.ts's, ext2fs_csum.ts's,
 * ext2fs_extents.ts's and ext2fs_journal.ts's; this file computes values
 * and writes them through those modules. Used blocks are kept as a sorted
 * list of ranges, so the cost does not grow with the device's size.
 */
import { EINVAL } from "../../gen/constants.js";
import { writeFully, type BlockDev } from "../../dev/blockdev.js";
import type { Out } from "../../sys/out.js";
import {
  E2FS_CRC32C_CHKSUM,
  E2FS_FLAGS_SIGNED_HASH,
  E2FS_GD_SIZE_64,
  E2FS_ISCLEAN,
  E2FS_MAGIC,
  e2_wr16,
  e2_wr32,
  e2fs_cg_has_sb,
  e2fs_dinode_blank,
  e2fs_dinode_parse,
  e2fs_dinode_serialize,
  e2fs_direct_set_reclen,
  e2fs_direct_write,
  e2fs_gd_serialize,
  Ext2Dinode,
  Ext2Fs,
  ext2fs_sbcheck,
  ext2fs_sbserialize,
  Ext2Gd,
  EXT2_BG_BLOCK_UNINIT,
  EXT2_BG_INODE_UNINIT,
  EXT2_EXTENTS,
  EXT2_FIRSTINO,
  EXT2_FT_DIR,
  EXT2_IFDIR,
  EXT2_IFREG,
  EXT2_JOURNALINO,
  EXT2_NDADDR,
  EXT2_RESIZEINO,
  EXT2_ROOTINO,
  EXT2F_COMPAT_DIR_INDEX,
  EXT2F_COMPAT_EXT_ATTR,
  EXT2F_COMPAT_HAS_JOURNAL,
  EXT2F_COMPAT_RESIZE,
  EXT2F_INCOMPAT_64BIT,
  EXT2F_INCOMPAT_EXTENTS,
  EXT2F_INCOMPAT_FLEX_BG,
  EXT2F_INCOMPAT_FTYPE,
  EXT2F_ROCOMPAT_DIR_NLINK,
  EXT2F_ROCOMPAT_EXTRA_ISIZE,
  EXT2F_ROCOMPAT_HUGE_FILE,
  EXT2F_ROCOMPAT_LARGEFILE,
  EXT2F_ROCOMPAT_METADATA_CKSUM,
  EXT2F_ROCOMPAT_SPARSESUPER,
  SBOFF,
  SBSIZE,
} from "./ext2fs.js";
import {
  ext2fs_bitmap_csum,
  ext2fs_csum_seed,
  ext2fs_dirleaf_csum,
  ext2fs_dirtail_init,
  ext2fs_gd_csum_set,
  ext2fs_inode_csum_set,
  ext2fs_inode_seed,
  ext2fs_sb_csum_set,
  ext4_extent_csum_set,
} from "./ext2fs_csum.js";
import { ext4_ext_block_max, ext4_ext_mkroot } from "./ext2fs_extents.js";
import {
  JBD2_MAGIC,
  JBD2_SUPERBLOCK_V2,
  jbd2_wr32,
  JSB_FIRST,
  JSB_MAXLEN,
  JSB_SEQUENCE,
} from "./ext2fs_journal.js";

/** What newfs_ext2fs passes on for `type: "ext4"`. */
export interface NewfsExt4Params {
  bytes: number;
  bsize?: number;
  isize?: number;
  inodes?: number;
  density?: number;
  volname: string;
  minfree: number;
  time: number;
  /** the seed of the UUID, the hash seed and the inode generations */
  seed: number;
  /** an empty journal of mke2fs's default size (default true) */
  journal: boolean;
  rootUid: number;
  rootGid: number;
}

const MiB = 1024 * 1024;
const TiB = 1024 * 1024 * MiB;
/** log2 of the groups per flex group, as mke2fs sets it */
const LOG_GROUPS_PER_FLEX = 4;
/** EXT3_JNL_BACKUP_BLOCKS: s_jnl_blocks holds a copy of the journal inode's i_block */
const EXT3_JNL_BACKUP_BLOCKS = 1;
/** s_default_mount_opts: user_xattr, acl (mke2fs.conf's default_mntopts) */
const DEFAULT_MNTOPTS = 0x0004 | 0x0008;

/** xorshift32 seeded by `seed` (never 0); newfs for ext2 uses it too. */
export function prng(seed: number): () => number {
  let x = seed >>> 0 || 0x9e3779b9;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/** mke2fs's journal size for a file system of `blocks` blocks (-1: too small for one). */
export function ext2fs_default_journal_blocks(blocks: number): number {
  if (blocks < 2048) return -1;
  if (blocks < 32768) return 1024;
  if (blocks < 256 * 1024) return 4096;
  if (blocks < 512 * 1024) return 8192;
  if (blocks < 4096 * 1024) return 16384;
  if (blocks < 8192 * 1024) return 32768;
  if (blocks < 16384 * 1024) return 65536;
  if (blocks < 32768 * 1024) return 131072;
  return 262144;
}

/**
 * Used blocks as sorted, disjoint [start, end) ranges: mark, and find the
 * first free run of a length at or after a block.
 */
class Ranges {
  readonly r: number[] = [];
  mark(a: number, n: number): void {
    if (n <= 0) return;
    const r = this.r;
    let b = a + n;
    let i = 0;
    while (i < r.length && r[i + 1]! < a) i += 2;
    let j = i;
    while (j < r.length && r[j]! <= b) {
      a = Math.min(a, r[j]!);
      b = Math.max(b, r[j + 1]!);
      j += 2;
    }
    r.splice(i, j - i, a, b);
  }
  /** The first free run of `n` blocks in [from, limit), or -1. */
  find(from: number, n: number, limit: number): number {
    const r = this.r;
    let at = from;
    for (let i = 0; i < r.length; i += 2) {
      if (r[i + 1]! <= at) continue;
      if (r[i]! >= at + n) break;
      at = r[i + 1]!;
    }
    return at + n <= limit ? at : -1;
  }
  /** Take a run of `n` from `from` on (wrapping to `low`): its start, or -1. */
  take(from: number, n: number, limit: number, low: number): number {
    let at = this.find(from, n, limit);
    if (at < 0) at = this.find(low, n, limit);
    if (at >= 0) this.mark(at, n);
    return at;
  }
  /** Blocks used in [a, b). */
  count(a: number, b: number): number {
    const r = this.r;
    let n = 0;
    for (let i = 0; i < r.length; i += 2)
      n += Math.max(0, Math.min(b, r[i + 1]!) - Math.max(a, r[i]!));
    return n;
  }
}

/**
 * Lay out and write an empty ext4 file system on `dev`. 0 or an errno
 * (EINVAL with `why` for impossible options or a device too small; the
 * device's error on a failed write). `fsp` gets the superblock.
 */
export function newfs_ext4(
  dev: BlockDev,
  p: NewfsExt4Params,
  why: Out<string>,
  fsp: Out<Ext2Fs | null> | null,
): number {
  const bytes = p.bytes;
  // mke2fs.conf's usage types: floppy, small, default, big, huge
  const small = bytes < 512 * MiB;
  const bsize = p.bsize ?? (small ? 1024 : 4096);
  if (bsize !== 1024 && bsize !== 2048 && bsize !== 4096) {
    why.v = `block size ${bsize} (1024, 2048 or 4096)`;
    return EINVAL;
  }
  const isize = p.isize ?? 256;
  if (isize !== 128 && isize !== 256 && isize !== 512 && isize !== 1024) {
    why.v = `inode size ${isize} (128, 256, 512 or 1024)`;
    return EINVAL;
  }
  const density =
    p.density ??
    (bytes < 3 * MiB
      ? 8192
      : small
        ? 4096
        : bytes >= 16 * TiB
          ? 65536
          : bytes >= 4 * TiB
            ? 32768
            : 16384);
  if (!(Number.isInteger(density) && density >= 1024 && density <= 1 << 26)) {
    why.v = `density ${String(density)}`;
    return EINVAL;
  }
  const first = bsize === 1024 ? 1 : 0;
  const bpg = bsize * 8;
  let bcount = Math.floor(bytes / bsize);
  if (bcount > 0xffffffff) {
    why.v = `device of ${bytes} bytes: more than 2^32 blocks`;
    return EINVAL;
  }
  const ipb = bsize / isize;
  const gdpb = bsize / E2FS_GD_SIZE_64;
  const nindir = bsize / 4;
  const want = p.inodes ?? Math.floor((bcount * bsize) / density);
  // the groups, with a last group too small for its metadata dropped (mke2fs)
  const probe = new Ext2Fs();
  probe.e2fs_rev = 1;
  probe.e2fs_features_rocompat = EXT2F_ROCOMPAT_SPARSESUPER;
  let ncg = 0;
  let ipg = 0;
  let itpg = 0;
  let ngdb = 0;
  for (let tries = 0; tries < 3; tries++) {
    ncg = Math.ceil((bcount - first) / bpg);
    if (ncg < 1) break;
    ngdb = Math.ceil(ncg / gdpb);
    const unit = Math.max(8, ipb);
    ipg = Math.ceil(Math.ceil(Math.max(want, EXT2_FIRSTINO + 1) / ncg) / unit) * unit;
    if (ipg > bsize * 8) ipg = bsize * 8;
    itpg = ipg / ipb;
    const lastg = ncg - 1;
    const rem = bcount - (first + lastg * bpg);
    const overhead = 3 + itpg + (e2fs_cg_has_sb(probe, lastg) ? 1 + ngdb : 0);
    if (ncg === 1 || rem >= overhead + 50) break;
    bcount = first + lastg * bpg;
  }
  if (ncg < 1 || first + 1 + ngdb + 2 + itpg + 64 > bcount) {
    why.v = `device of ${bytes} bytes is too small`;
    return EINVAL;
  }
  // the resize inode's reserve: descriptors for 1024× the size, at most 2^32 blocks
  const maxBlocks = bcount < Math.floor(0xffffffff / 1024) ? bcount * 1024 : 0xffffffff;
  const rsvGroups = Math.ceil((maxBlocks - first) / bpg);
  const rsv = Math.min(Math.max(0, Math.ceil(rsvGroups / gdpb) - ngdb), nindir);
  const jblocks = p.journal ? ext2fs_default_journal_blocks(bcount) : -1;

  const fs = new Ext2Fs();
  fs.e2fs_icount = ipg * ncg;
  fs.e2fs_bcount = bcount;
  fs.e2fs_rbcount = Math.floor((bcount * p.minfree) / 100);
  fs.e2fs_first_dblock = first;
  fs.e2fs_log_bsize = Math.log2(bsize) - 10;
  fs.e2fs_log_fsize = fs.e2fs_log_bsize;
  fs.e2fs_bpg = bpg;
  fs.e2fs_fpg = bpg;
  fs.e2fs_ipg = ipg;
  fs.e2fs_wtime = p.time;
  fs.e2fs_max_mnt_count = 0xffff;
  fs.e2fs_magic = E2FS_MAGIC;
  fs.e2fs_state = E2FS_ISCLEAN;
  fs.e2fs_beh = 1;
  fs.e2fs_lastfsck = p.time;
  fs.e2fs_rev = 1;
  fs.e2fs_first_ino = EXT2_FIRSTINO;
  fs.e2fs_inode_size = isize;
  fs.e2fs_features_compat =
    EXT2F_COMPAT_EXT_ATTR | EXT2F_COMPAT_DIR_INDEX | (rsv > 0 ? EXT2F_COMPAT_RESIZE : 0);
  if (jblocks > 0) fs.e2fs_features_compat |= EXT2F_COMPAT_HAS_JOURNAL;
  fs.e2fs_features_incompat =
    EXT2F_INCOMPAT_FTYPE | EXT2F_INCOMPAT_EXTENTS | EXT2F_INCOMPAT_64BIT | EXT2F_INCOMPAT_FLEX_BG;
  fs.e2fs_features_rocompat =
    EXT2F_ROCOMPAT_SPARSESUPER |
    EXT2F_ROCOMPAT_LARGEFILE |
    EXT2F_ROCOMPAT_HUGE_FILE |
    EXT2F_ROCOMPAT_DIR_NLINK |
    EXT2F_ROCOMPAT_EXTRA_ISIZE |
    EXT2F_ROCOMPAT_METADATA_CKSUM;
  fs.e2fs_vname = p.volname;
  fs.e2fs_reserved_ngdb = rsv;
  fs.e2fs_journal_inum = jblocks > 0 ? EXT2_JOURNALINO : 0;
  fs.e2fs_def_hash = 1; // half-MD4
  fs.e2fs_desc_size = E2FS_GD_SIZE_64;
  fs.e2fs_min_extra_isize = isize > 128 ? 32 : 0;
  fs.e2fs_want_extra_isize = isize > 128 ? 32 : 0;
  fs.e2fs_flags = E2FS_FLAGS_SIGNED_HASH;
  fs.e2fs_log_gpf = LOG_GROUPS_PER_FLEX;
  fs.e2fs_csum_type = E2FS_CRC32C_CHKSUM;
  const rnd = prng(p.seed);
  for (let i = 0; i < 16; i += 4) e2_wr32(fs.e2fs_uuid, i, rnd());
  fs.e2fs_uuid[6] = (fs.e2fs_uuid[6]! & 0x0f) | 0x40; // version 4
  fs.e2fs_uuid[8] = (fs.e2fs_uuid[8]! & 0x3f) | 0x80; // variant
  for (let i = 0; i < 4; i++) fs.e2fs_hash_seed[i] = rnd();
  const bad = ext2fs_sbcheck(fs);
  if (bad !== null) {
    why.v = `newfs computed an invalid superblock: ${bad}`;
    return EINVAL;
  }
  fs.e2fs_csum_seed = ext2fs_csum_seed(fs);

  // where everything goes
  const used = new Ranges();
  const gstart = (g: number): number => first + g * bpg;
  const gend = (g: number): number => Math.min(bcount, gstart(g + 1));
  if (first > 0) used.mark(0, first);
  for (let g = 0; g < ncg; g++) if (e2fs_cg_has_sb(fs, g)) used.mark(gstart(g), 1 + ngdb + rsv);
  const gds: Ext2Gd[] = Array.from({ length: ncg }, () => new Ext2Gd());
  const gpf = 1 << LOG_GROUPS_PER_FLEX;
  for (let g0 = 0; g0 < ncg; g0 += gpf) {
    const n = Math.min(gpf, ncg - g0);
    const lo = gstart(g0);
    const hi = gend(g0 + n - 1);
    // block bitmaps, then inode bitmaps, then inode tables, each packed
    let at = used.find(lo, n, hi);
    for (let g = g0; g < g0 + n; g++) {
      gds[g]!.ext2bgd_b_bitmap = at = used.take(at < 0 ? lo : at, 1, hi, lo);
      at++;
    }
    at = gds[g0]!.ext2bgd_b_bitmap + n;
    for (let g = g0; g < g0 + n; g++) {
      gds[g]!.ext2bgd_i_bitmap = at = used.take(at, 1, hi, lo);
      at++;
    }
    at = gds[g0]!.ext2bgd_i_bitmap + n;
    for (let g = g0; g < g0 + n; g++) {
      const t = used.take(at, itpg, bcount, first);
      if (t < 0) {
        why.v = `no room for the inode table of group ${g}`;
        return EINVAL;
      }
      gds[g]!.ext2bgd_i_tables = t;
      at = t + itpg;
    }
    for (let g = g0; g < g0 + n; g++)
      if (gds[g]!.ext2bgd_b_bitmap < 0 || gds[g]!.ext2bgd_i_bitmap < 0) {
        why.v = `no room for the bitmaps of group ${g}`;
        return EINVAL;
      }
  }
  const lpfBlocks = Math.max(1, Math.min(EXT2_NDADDR, Math.floor(16384 / bsize)));
  const rootBlk = used.take(gstart(0), 1, bcount, first);
  const lpfBlk = used.take(rootBlk, lpfBlocks, bcount, first);
  const dindBlk = rsv > 0 ? used.take(first + ngdb + rsv + 2 + itpg, 1, bcount, first) : 0;
  if (rootBlk < 0 || lpfBlk < 0 || dindBlk < 0) {
    why.v = `device of ${bytes} bytes is too small`;
    return EINVAL;
  }
  // the journal: contiguous, from the group in the middle of the disk
  const jext: [number, number, number][] = [];
  let jleaf = 0;
  if (jblocks > 0) {
    // mke2fs's get_midpoint_journal_block: the group at the middle (in a
    // large file system the first with free blocks of its flex group), or
    // of it and its neighbours the one with the most free blocks
    const free = (g: number): number => gend(g) - gstart(g) - used.count(gstart(g), gend(g));
    let jg = Math.floor((Math.floor((bcount - first) / 2) - first) / bpg);
    let start: number;
    if (jg > gpf) {
      jg -= jg % gpf;
      while (jg < ncg && free(jg) === 0) jg++;
      if (jg === ncg) jg = 0;
      start = jg;
    } else start = jg > 0 ? jg - 1 : jg;
    const end = jg + 1 < ncg ? jg + 1 : jg;
    jg = start;
    for (let g = start + 1; g <= end; g++) if (free(g) > free(jg)) jg = g;
    const jstart = used.take(gstart(jg), jblocks, bcount, first);
    if (jstart < 0) {
      why.v = `no room for a journal of ${jblocks} blocks`;
      return EINVAL;
    }
    for (let l = 0; l < jblocks; l += 32768)
      jext.push([l, Math.min(32768, jblocks - l), jstart + l]);
    if (jext.length > 4) jleaf = used.take(jstart + jblocks, 1, bcount, first);
  }

  // per-group counts and flags: a group with only its superblock copy is
  // BLOCK_UNINIT (never the last), every group but 0 INODE_UNINIT
  let fbcount = 0;
  for (let g = 0; g < ncg; g++) {
    const gd = gds[g]!;
    const n = gend(g) - gstart(g);
    const u = used.count(gstart(g), gend(g));
    gd.ext2bgd_nbfree = n - u;
    fbcount += n - u;
    const sbOnly = e2fs_cg_has_sb(fs, g) ? 1 + ngdb + rsv : 0;
    if (g !== ncg - 1 && u === sbOnly) gd.ext2bgd_flags |= EXT2_BG_BLOCK_UNINIT;
    if (g === 0) {
      gd.ext2bgd_nifree = ipg - EXT2_FIRSTINO;
      gd.ext2bgd_ndirs = 2;
      gd.ext2bgd_itable_unused = ipg - EXT2_FIRSTINO;
    } else {
      gd.ext2bgd_nifree = ipg;
      gd.ext2bgd_flags |= EXT2_BG_INODE_UNINIT;
      gd.ext2bgd_itable_unused = ipg;
    }
  }
  fs.e2fs_fbcount = fbcount;
  fs.e2fs_ficount = fs.e2fs_icount - EXT2_FIRSTINO;

  let error = 0;
  const wr = (blk: number, data: Uint8Array): boolean => {
    error = writeFully(dev, blk * bsize, data);
    if (error !== 0) why.v = `write error at block ${blk}`;
    return error === 0;
  };

  // bitmaps of the groups that have them (with their checksums)
  const map = new Uint8Array(bsize);
  for (let g = 0; g < ncg; g++) {
    const gd = gds[g]!;
    const s0 = gstart(g);
    const n = gend(g) - s0;
    if ((gd.ext2bgd_flags & EXT2_BG_BLOCK_UNINIT) === 0) {
      map.fill(0);
      const r = used.r;
      for (let i = 0; i < r.length; i += 2) {
        const a = Math.max(r[i]!, s0);
        const b = Math.min(r[i + 1]!, s0 + n);
        for (let x = a; x < b; x++) map[(x - s0) >>> 3]! |= 1 << ((x - s0) & 7);
      }
      for (let i = n; i < bsize * 8; i++) map[i >>> 3]! |= 1 << (i & 7);
      gd.ext2bgd_b_bitmap_csum = ext2fs_bitmap_csum(fs, map, bpg >>> 3);
      if (!wr(gd.ext2bgd_b_bitmap, map)) return error;
    }
    if (g === 0) {
      map.fill(0);
      for (let i = 0; i < EXT2_FIRSTINO; i++) map[i >>> 3]! |= 1 << (i & 7);
      for (let i = ipg; i < bsize * 8; i++) map[i >>> 3]! |= 1 << (i & 7);
      gd.ext2bgd_i_bitmap_csum = ext2fs_bitmap_csum(fs, map, ipg >>> 3);
      if (!wr(gd.ext2bgd_i_bitmap, map)) return error;
    }
  }

  // the first inodes of group 0's table: the reserved ones, root, resize, journal, lost+found
  const itab = new Uint8Array(Math.ceil((EXT2_FIRSTINO * isize) / bsize) * bsize);
  const ioff = (ino: number): number => (ino - 1) * isize;
  for (let ino = 1; ino <= EXT2_FIRSTINO; ino++) e2fs_dinode_blank(itab, ioff(ino), fs);
  const newInode = (ino: number, mode: number, nlink: number): Ext2Dinode => {
    const d = e2fs_dinode_parse(itab, ioff(ino), fs, new Ext2Dinode());
    d.e2di_mode = mode;
    d.e2di_nlink = nlink;
    d.e2di_atime = d.e2di_mtime = d.e2di_ctime = d.e2di_crtime = p.time;
    d.e2di_gen = ino === EXT2_ROOTINO || ino === EXT2_FIRSTINO ? rnd() : 0;
    return d;
  };
  const store = (ino: number, d: Ext2Dinode): void => {
    e2fs_dinode_serialize(d, itab, ioff(ino), fs);
    ext2fs_inode_csum_set(fs, itab, ioff(ino), ino);
  };
  // reserved inodes other than ours: zeroed, with a checksum (e2fsck checks it)
  for (const ino of [1, 3, 4, 5, 6, 9, 10]) ext2fs_inode_csum_set(fs, itab, ioff(ino), ino);
  if (jblocks <= 0) ext2fs_inode_csum_set(fs, itab, ioff(EXT2_JOURNALINO), EXT2_JOURNALINO);
  if (rsv === 0) ext2fs_inode_csum_set(fs, itab, ioff(EXT2_RESIZEINO), EXT2_RESIZEINO);

  // directories: root and lost+found, extent-mapped, leaf blocks with checksum tails
  const dirblksiz = bsize - 12;
  const dirblk = new Uint8Array(bsize);
  const mkdir = (
    ino: number,
    blk: number,
    nblk: number,
    mode: number,
    nlink: number,
    extra: (b: Uint8Array) => number,
  ): boolean => {
    const d = newInode(ino, EXT2_IFDIR | mode, nlink);
    d.e2di_flags = EXT2_EXTENTS;
    d.e2di_size = nblk * bsize;
    d.e2di_nblock = (nblk * bsize) / 512;
    ext4_ext_mkroot(d.e2di_blocks, [[0, nblk, blk]]);
    if (ino === EXT2_ROOTINO) {
      d.e2di_uid = p.rootUid >>> 0;
      d.e2di_gid = p.rootGid >>> 0;
    }
    store(ino, d);
    const seed = ext2fs_inode_seed(fs, ino, d.e2di_gen);
    for (let i = 0; i < nblk; i++) {
      dirblk.fill(0);
      if (i === 0) {
        e2fs_direct_write(dirblk, 0, true, ino, 12, EXT2_FT_DIR, ".");
        const end = extra(dirblk);
        e2fs_direct_set_reclen(dirblk, end, dirblksiz - end);
      } else {
        e2fs_direct_set_reclen(dirblk, 0, dirblksiz);
      }
      ext2fs_dirtail_init(dirblk, bsize);
      e2_wr32(dirblk, bsize - 4, ext2fs_dirleaf_csum(seed, dirblk, bsize));
      if (!wr(blk + i, dirblk)) return false;
    }
    return true;
  };
  const LPF = EXT2_FIRSTINO;
  if (
    !mkdir(EXT2_ROOTINO, rootBlk, 1, 0o755, 3, (b) => {
      e2fs_direct_write(b, 12, true, EXT2_ROOTINO, 12, EXT2_FT_DIR, "..");
      e2fs_direct_write(b, 24, true, LPF, 20, EXT2_FT_DIR, "lost+found");
      return 24;
    })
  )
    return error;
  if (
    !mkdir(LPF, lpfBlk, lpfBlocks, 0o700, 2, (b) => {
      e2fs_direct_write(b, 12, true, EXT2_ROOTINO, 12, EXT2_FT_DIR, "..");
      return 12;
    })
  )
    return error;

  // the resize inode: a double-indirect block naming the reserved descriptor
  // blocks after group 0's table, each listing its copies in the backup groups
  if (rsv > 0) {
    const backups: number[] = [];
    for (let g = 1; g < ncg; g++) if (e2fs_cg_has_sb(fs, g)) backups.push(g);
    const dind = new Uint8Array(bsize);
    const ind = new Uint8Array(bsize);
    for (let r = 0; r < rsv; r++) {
      const gdtBlk = first + 1 + ngdb + r;
      e2_wr32(dind, ((ngdb + r) % nindir) * 4, gdtBlk);
      ind.fill(0);
      backups.forEach((g, k) => e2_wr32(ind, k * 4, gdtBlk + g * bpg));
      if (!wr(gdtBlk, ind)) return error;
    }
    if (!wr(dindBlk, dind)) return error;
    const d = newInode(EXT2_RESIZEINO, EXT2_IFREG | 0o600, 1);
    d.e2di_blocks[EXT2_NDADDR + 1] = dindBlk;
    d.e2di_size = (nindir * nindir + nindir + EXT2_NDADDR) * bsize;
    d.e2di_nblock = ((1 + rsv + rsv * backups.length) * bsize) / 512;
    store(EXT2_RESIZEINO, d);
  }

  // the journal: an empty JBD2 v2 log
  const sb = new Uint8Array(SBSIZE);
  if (jblocks > 0) {
    const d = newInode(EXT2_JOURNALINO, EXT2_IFREG | 0o600, 1);
    d.e2di_flags = EXT2_EXTENTS;
    d.e2di_size = jblocks * bsize;
    d.e2di_nblock = ((jblocks + (jleaf > 0 ? 1 : 0)) * bsize) / 512;
    const leaf = jleaf > 0 ? new Uint8Array(bsize) : null;
    ext4_ext_mkroot(d.e2di_blocks, jext, leaf, jleaf, ext4_ext_block_max(fs));
    store(EXT2_JOURNALINO, d);
    if (leaf !== null) {
      ext4_extent_csum_set(ext2fs_inode_seed(fs, EXT2_JOURNALINO, d.e2di_gen), leaf);
      if (!wr(jleaf, leaf)) return error;
    }
    const jsb = new Uint8Array(bsize);
    jbd2_wr32(jsb, 0, JBD2_MAGIC);
    jbd2_wr32(jsb, 4, JBD2_SUPERBLOCK_V2);
    jbd2_wr32(jsb, 0x0c, bsize);
    jbd2_wr32(jsb, JSB_MAXLEN, jblocks);
    jbd2_wr32(jsb, JSB_FIRST, 1);
    jbd2_wr32(jsb, JSB_SEQUENCE, 1);
    jbd2_wr32(jsb, 0x40, 1); // s_nr_users
    jsb.set(fs.e2fs_uuid, 0x30);
    if (!wr(jext[0]![2], jsb)) return error;
    // s_jnl_blocks: a copy of i_block, then i_size_high and i_size
    for (let i = 0; i < 15; i++) e2_wr32(sb, 0x10c + i * 4, d.e2di_blocks[i]!);
    e2_wr32(sb, 0x10c + 15 * 4, Math.floor(d.e2di_size / 4294967296));
    e2_wr32(sb, 0x10c + 16 * 4, d.e2di_size % 4294967296);
    sb[253] = EXT3_JNL_BACKUP_BLOCKS;
  }
  if (!wr(gds[0]!.ext2bgd_i_tables, itab)) return error;

  // the superblock, the descriptors (with checksums), and their backups
  ext2fs_sbserialize(fs, sb, 0);
  e2_wr32(sb, 0x100, DEFAULT_MNTOPTS);
  e2_wr32(sb, 0x108, p.time); // s_mkfs_time
  // s_overhead_clusters: everything but the two directories and the resize inode's block
  e2_wr32(sb, 0x248, bcount - fbcount - 1 - lpfBlocks - (rsv > 0 ? 1 : 0));
  ext2fs_sb_csum_set(fs, sb, 0);
  const gdt = new Uint8Array(ngdb * bsize);
  for (let g = 0; g < ncg; g++) {
    e2fs_gd_serialize(gds[g]!, gdt, g, E2FS_GD_SIZE_64);
    ext2fs_gd_csum_set(fs, gdt, g * E2FS_GD_SIZE_64, g);
  }
  for (let g = 0; g < ncg; g++) {
    if (!e2fs_cg_has_sb(fs, g)) continue;
    const start = gstart(g);
    if (!wr(start + 1, gdt)) return error;
    if (g === 0) continue;
    const blk = new Uint8Array(bsize);
    blk.set(sb, 0);
    e2_wr16(blk, 90, g); // s_block_group_nr
    ext2fs_sb_csum_set(fs, blk, 0);
    if (!wr(start, blk)) return error;
  }
  error = writeFully(dev, SBOFF, sb);
  if (error !== 0) {
    why.v = "write error at the superblock";
    return error;
  }
  if (fsp !== null) fsp.v = fs;
  return 0;
}
