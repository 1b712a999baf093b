/**
 * newfs for ext2 (sbin/newfs_ext2fs/mke2fs.c), and with `type: "ext4"` for
 * ext4 (ext2fs_newfs_ext4.ts): lay out an empty ext2 file
 * system, revision 0 or 1, on a BlockDev. Block groups of 8 × block-size
 * blocks; each starts with a superblock copy and the descriptor table when
 * it keeps one (all groups, or with sparse_super 0, 1 and the powers of
 * 3, 5, 7), then its block bitmap, inode bitmap and inode table. The root
 * directory (inode 2) and lost+found (inode 11, as mke2fs makes it, which
 * e2fsck wants) are the only files. Revision 1 gets sparse_super and
 * filetype by default; large_file is turned on by the kernel when a file
 * passes 2 GiB.
 *
 * The on-disk layouts are those of ext2fs.ts; this file only computes
 * values and writes them through that module.
 *
 * Reproducible: with `time` set (callers honour SOURCE_DATE_EPOCH) the
 * same options give byte-identical images — the UUID and the inode
 * generation numbers come from a generator seeded by the time and size.
 */
import { EINVAL } from "../../gen/constants.js";
import { newfs_ext4, prng } from "./ext2fs_newfs_ext4.js";
import { writeFully, type BlockDev } from "../../dev/blockdev.js";
import type { Out } from "../../sys/out.js";
import {
  E2FS_GD_SIZE,
  E2FS_ISCLEAN,
  E2FS_MAGIC,
  E2FS_REV0_INODE_SIZE,
  e2fs_cg_has_sb,
  e2fs_dinode_blank,
  e2fs_dinode_parse,
  e2fs_dinode_serialize,
  e2fs_direct_write,
  e2fs_gd_serialize,
  e2_wr16,
  e2_wr32,
  Ext2Dinode,
  Ext2Fs,
  ext2fs_sbcheck,
  ext2fs_sbserialize,
  Ext2Gd,
  EXT2_FIRSTINO,
  EXT2_FT_DIR,
  EXT2_IFDIR,
  EXT2_ROOTINO,
  EXT2F_INCOMPAT_FTYPE,
  EXT2F_ROCOMPAT_SPARSESUPER,
  SBOFF,
  SBSIZE,
} from "./ext2fs.js";

export interface NewfsExt2Options {
  /**
   * "ext2" (default), or "ext4": what Debian's mkfs.ext4 makes (extents,
   * 64bit, flex_bg, metadata_csum, huge_file, dir_nlink, extra_isize,
   * resize_inode, an empty journal of mke2fs's default size;
   * ext2fs_newfs_ext4.ts)
   */
  type?: "ext2" | "ext4";
  /**
   * The seed of the UUID, the directory hash seed and the inode
   * generations (32 bits). Default: derived from `time` and the size, so
   * the same options give the same image; callers wanting a random UUID
   * pass one from the host's random source (fsu mkfs does).
   */
  seed?: number;
  /** ext4: an empty journal (default true; none on file systems under 2048 blocks) */
  journal?: boolean;
  /** revision 0 or 1 (default 1; ext4 is revision 1) */
  rev?: 0 | 1;
  /** block size: 1024, 2048 or 4096; default 1024 below 512 MiB, else 4096 (as mke2fs) */
  bsize?: number;
  /** bytes of an inode on revision 1: 128 or 256 (ext4 also 512 or 1024; default 256) */
  isize?: number;
  /** number of inodes (rounded up to fill whole inode-table blocks in every group) */
  inodes?: number;
  /** bytes of space per inode when `inodes` is not given (default 4096 below 512 MiB, else 16384) */
  density?: number;
  /** volume label (at most 16 bytes) */
  volname?: string;
  /** reserved blocks, percent (0…50; default 5) */
  minfree?: number;
  /** sparse_super on revision 1 (default true) */
  sparse?: boolean;
  /** filetype in directory entries on revision 1 (default true) */
  filetype?: boolean;
  /** seconds since the epoch for every time stamp (default 0) */
  time?: number;
  /** bytes of the device to use; default all of it */
  size?: number;
  /** owner of the root directory */
  rootUid?: number;
  rootGid?: number;
}

const MiB = 1024 * 1024;

function isInt(v: unknown, lo: number, hi: number): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= lo && v <= hi;
}

/**
 * Compute the superblock of a new file system of `bytes` bytes. Returns it
 * (with derived fields filled by ext2fs_sbcheck) or an errno with `why`.
 */
export function newfs_ext2fs_geometry(
  bytes: number,
  opts: NewfsExt2Options,
  why: Out<string>,
): Ext2Fs | number {
  const rev = opts.rev ?? 1;
  if (rev !== 0 && rev !== 1) {
    why.v = `revision ${String(rev)}`;
    return EINVAL;
  }
  const bsize = opts.bsize ?? (bytes < 512 * MiB ? 1024 : 4096);
  if (bsize !== 1024 && bsize !== 2048 && bsize !== 4096) {
    why.v = `block size ${bsize} (1024, 2048 or 4096)`;
    return EINVAL;
  }
  const isize = rev === 0 ? E2FS_REV0_INODE_SIZE : (opts.isize ?? 256);
  if (isize !== 128 && isize !== 256) {
    why.v = `inode size ${isize} (128 or 256)`;
    return EINVAL;
  }
  if (rev === 0 && opts.isize !== undefined && opts.isize !== 128) {
    why.v = "revision 0 has 128-byte inodes";
    return EINVAL;
  }
  const minfree = opts.minfree ?? 5;
  if (!isInt(minfree, 0, 50)) {
    why.v = `minfree ${String(minfree)}`;
    return EINVAL;
  }
  const vname = opts.volname ?? "";
  if (vname.length > 16) {
    why.v = "volume label longer than 16 bytes";
    return EINVAL;
  }
  const first = bsize === 1024 ? 1 : 0;
  const bpg = bsize * 8;
  let bcount = Math.floor(bytes / bsize);
  if (bcount > 0xffffffff) bcount = 0xffffffff;
  const ipb = bsize / isize;
  const sparse = rev === 1 && opts.sparse !== false;
  const probe = new Ext2Fs();
  probe.e2fs_rev = rev;
  probe.e2fs_features_rocompat = sparse ? EXT2F_ROCOMPAT_SPARSESUPER : 0;
  // the inodes wanted, before rounding
  const density = opts.density ?? (bytes < 512 * MiB ? 4096 : 16384);
  if (!isInt(density, 1024, 1 << 26)) {
    why.v = `density ${String(density)}`;
    return EINVAL;
  }
  const want = opts.inodes ?? Math.floor((bcount * bsize) / density);
  if (!isInt(want, EXT2_FIRSTINO + 1, 0xffffffff)) {
    why.v = `inode count ${String(want)}`;
    return EINVAL;
  }
  // a last group too small for its own metadata and some data is dropped
  let ncg = 0;
  let ipg = 0;
  let itpg = 0;
  let ngdb = 0;
  for (let tries = 0; tries < 3; tries++) {
    ncg = Math.ceil((bcount - first) / bpg);
    if (ncg < 1) break;
    ngdb = Math.ceil((ncg * E2FS_GD_SIZE) / bsize);
    // whole inode-table blocks, a multiple of 8 (bitmap bytes), at most one bitmap block
    const unit = Math.max(8, ipb);
    ipg = Math.ceil(Math.ceil(want / ncg) / unit) * unit;
    if (ipg > bsize * 8) ipg = bsize * 8;
    if (ipg * ncg < EXT2_FIRSTINO + 1) ipg = Math.ceil((EXT2_FIRSTINO + 1) / ncg / unit) * unit;
    itpg = ipg / ipb;
    const lastg = ncg - 1;
    const lastBlocks = bcount - (first + lastg * bpg);
    const overhead = (e2fs_cg_has_sb(probe, lastg) ? 1 + ngdb : 0) + 2 + itpg;
    if (lastBlocks >= overhead + 50 || ncg === 1) break;
    bcount = first + lastg * bpg;
  }
  if (ncg < 1) {
    why.v = `device of ${bytes} bytes is too small`;
    return EINVAL;
  }
  const overhead0 = 1 + ngdb + 2 + itpg;
  if (first + overhead0 + 16 > bcount || itpg >= bpg) {
    why.v = `device of ${bytes} bytes is too small for ${ncg} group(s) of ${ipg} inodes`;
    return EINVAL;
  }
  const fs = new Ext2Fs();
  fs.e2fs_icount = ipg * ncg;
  fs.e2fs_bcount = bcount;
  fs.e2fs_rbcount = Math.floor((bcount * minfree) / 100);
  fs.e2fs_first_dblock = first;
  fs.e2fs_log_bsize = Math.log2(bsize) - 10;
  fs.e2fs_log_fsize = fs.e2fs_log_bsize;
  fs.e2fs_bpg = bpg;
  fs.e2fs_fpg = bpg;
  fs.e2fs_ipg = ipg;
  const time = opts.time ?? 0;
  fs.e2fs_mtime = 0;
  fs.e2fs_wtime = time;
  fs.e2fs_mnt_count = 0;
  fs.e2fs_max_mnt_count = 0xffff; // -1: no forced checks
  fs.e2fs_magic = E2FS_MAGIC;
  fs.e2fs_state = E2FS_ISCLEAN;
  fs.e2fs_beh = 1; // continue
  fs.e2fs_minrev = 0;
  fs.e2fs_lastfsck = time;
  fs.e2fs_fsckintv = 0;
  fs.e2fs_creator = 0; // Linux: the osd2 layout with high id bits
  fs.e2fs_rev = rev;
  fs.e2fs_ruid = 0;
  fs.e2fs_rgid = 0;
  fs.e2fs_first_ino = EXT2_FIRSTINO;
  fs.e2fs_inode_size = isize;
  if (rev === 1) {
    fs.e2fs_features_rocompat = sparse ? EXT2F_ROCOMPAT_SPARSESUPER : 0;
    fs.e2fs_features_incompat = opts.filetype === false ? 0 : EXT2F_INCOMPAT_FTYPE;
    fs.e2fs_vname = vname;
  } else if (vname !== "") {
    why.v = "revision 0 has no volume label";
    return EINVAL;
  }
  const bad = ext2fs_sbcheck(fs);
  if (bad !== null) {
    why.v = `newfs computed an invalid superblock: ${bad}`;
    return EINVAL;
  }
  return fs;
}

/**
 * Make an empty ext2 file system on `dev`. 0 or an errno (EINVAL for
 * impossible options or a device too small, the device's error on a
 * failed write); `whyp` gets the reason, `fsp` the superblock.
 */
export function newfs_ext2fs(
  dev: BlockDev,
  opts: NewfsExt2Options = {},
  whyp: Out<string> | null = null,
  fsp: Out<Ext2Fs | null> | null = null,
): number {
  const why = whyp ?? { v: "" };
  why.v = "";
  if (dev === null || typeof dev !== "object" || typeof dev.write !== "function") {
    why.v = "no device";
    return EINVAL;
  }
  const o = opts ?? {};
  const bytes = o.size ?? dev.size;
  if (!isInt(bytes, 0, Number.MAX_SAFE_INTEGER) || bytes > dev.size) {
    why.v = `size ${String(bytes)} beyond the device (${dev.size})`;
    return EINVAL;
  }
  if (o.time !== undefined && !isInt(o.time, 0, 0x7fffffff)) {
    why.v = `time ${String(o.time)}`;
    return EINVAL;
  }
  if (o.seed !== undefined && !isInt(o.seed, 0, 0xffffffff)) {
    why.v = `seed ${String(o.seed)}`;
    return EINVAL;
  }
  const time = o.time ?? 0;
  const seed = o.seed ?? (time ^ Math.floor(bytes / 512) ^ 0x5bd1e995) >>> 0;
  if (o.type !== undefined && o.type !== "ext2" && o.type !== "ext4") {
    why.v = `type ${String(o.type)} (ext2 or ext4)`;
    return EINVAL;
  }
  if (o.type === "ext4") {
    if (o.rev === 0 || o.sparse === false || o.filetype === false) {
      why.v = "ext4 is revision 1 with sparse_super and filetype";
      return EINVAL;
    }
    const minfree = o.minfree ?? 5;
    if (!isInt(minfree, 0, 50)) {
      why.v = `minfree ${String(minfree)}`;
      return EINVAL;
    }
    const volname = o.volname ?? "";
    if (volname.length > 16) {
      why.v = "volume label longer than 16 bytes";
      return EINVAL;
    }
    if (o.inodes !== undefined && !isInt(o.inodes, EXT2_FIRSTINO + 1, 0xffffffff)) {
      why.v = `inode count ${String(o.inodes)}`;
      return EINVAL;
    }
    return newfs_ext4(
      dev,
      {
        bytes,
        bsize: o.bsize,
        isize: o.isize,
        inodes: o.inodes,
        density: o.density,
        volname,
        minfree,
        time,
        seed,
        journal: o.journal ?? true,
        rootUid: o.rootUid ?? 0,
        rootGid: o.rootGid ?? 0,
      },
      why,
      fsp,
    );
  }
  const r = newfs_ext2fs_geometry(bytes, o, why);
  if (typeof r === "number") return r;
  const fs = r;
  const bsize = fs.e2fs_bsize;
  const rnd = prng(seed);
  let error = 0;
  const wr = (blk: number, data: Uint8Array): boolean => {
    error = writeFully(dev, blk * bsize, data);
    if (error !== 0) why.v = `write error at block ${blk}`;
    return error === 0;
  };

  // where everything goes
  const ncg = fs.e2fs_ncg;
  const gds: Ext2Gd[] = [];
  for (let g = 0; g < ncg; g++) {
    const start = fs.e2fs_first_dblock + g * fs.e2fs_bpg;
    let b = start + (e2fs_cg_has_sb(fs, g) ? 1 + fs.e2fs_ngdb : 0);
    const gd = new Ext2Gd();
    gd.ext2bgd_b_bitmap = b++;
    gd.ext2bgd_i_bitmap = b++;
    gd.ext2bgd_i_tables = b;
    gds.push(gd);
  }
  // the two directories' blocks: right after group 0's inode table
  const lpfBlocks = Math.max(1, Math.min(12, Math.floor(16384 / bsize)));
  const rootBlk = gds[0]!.ext2bgd_i_tables + fs.e2fs_itpg;
  const lpfBlk = rootBlk + 1;
  const LPF_INO = EXT2_FIRSTINO;

  // bitmaps and counts, group by group
  const bmap = new Uint8Array(bsize);
  const imap = new Uint8Array(bsize);
  const set = (m: Uint8Array, i: number): void => {
    m[i >>> 3]! |= 1 << (i & 7);
  };
  let fbcount = 0;
  let ficount = 0;
  for (let g = 0; g < ncg; g++) {
    const gd = gds[g]!;
    const start = fs.e2fs_first_dblock + g * fs.e2fs_bpg;
    const nblk = Math.min(fs.e2fs_bpg, fs.e2fs_bcount - start);
    bmap.fill(0);
    imap.fill(0);
    // metadata from the group's start to the end of its inode table
    const metaEnd = gd.ext2bgd_i_tables + fs.e2fs_itpg;
    for (let b = start; b < metaEnd; b++) set(bmap, b - start);
    if (g === 0) for (let b = rootBlk; b < lpfBlk + lpfBlocks; b++) set(bmap, b - start);
    // padding beyond the group's last block
    for (let i = nblk; i < bsize * 8; i++) set(bmap, i);
    let used = 0;
    for (let i = 0; i < nblk; i++) if (bmap[i >>> 3]! & (1 << (i & 7))) used++;
    gd.ext2bgd_nbfree = nblk - used;
    fbcount += gd.ext2bgd_nbfree;
    // inodes: the reserved ones and lost+found in group 0, padding beyond ipg
    let iused = 0;
    if (g === 0) {
      for (let i = 0; i < LPF_INO; i++) set(imap, i);
      iused = LPF_INO;
      gd.ext2bgd_ndirs = 2;
    }
    for (let i = fs.e2fs_ipg; i < bsize * 8; i++) set(imap, i);
    gd.ext2bgd_nifree = fs.e2fs_ipg - iused;
    ficount += gd.ext2bgd_nifree;
    if (!wr(gd.ext2bgd_b_bitmap, bmap)) return error;
    if (!wr(gd.ext2bgd_i_bitmap, imap)) return error;
  }
  fs.e2fs_fbcount = fbcount;
  fs.e2fs_ficount = ficount;

  // inode tables: zero, then the root and lost+found
  const zero = new Uint8Array(bsize * 8);
  for (let g = 0; g < ncg; g++) {
    const t0 = gds[g]!.ext2bgd_i_tables;
    for (let b = 0; b < fs.e2fs_itpg; b += 8) {
      const n = Math.min(8, fs.e2fs_itpg - b);
      if (!wr(t0 + b, zero.subarray(0, n * bsize))) return error;
    }
  }
  const itab = new Uint8Array(bsize);
  const mkdirInode = (
    ino: number,
    mode: number,
    nlink: number,
    first: number,
    nblocks: number,
    uid: number,
    gid: number,
  ): boolean => {
    const blk = gds[0]!.ext2bgd_i_tables + Math.floor((ino - 1) / fs.e2fs_ipb);
    const off = ((ino - 1) % fs.e2fs_ipb) * fs.e2fs_isize;
    if (dev.read(blk * bsize, itab) !== bsize) {
      error = EINVAL;
      why.v = `cannot read back inode block ${blk}`;
      return false;
    }
    e2fs_dinode_blank(itab, off, fs);
    const d = e2fs_dinode_parse(itab, off, fs, new Ext2Dinode());
    d.e2di_mode = EXT2_IFDIR | mode;
    d.e2di_uid = uid >>> 0;
    d.e2di_gid = gid >>> 0;
    d.e2di_nlink = nlink;
    d.e2di_size = nblocks * bsize;
    d.e2di_nblock = (nblocks * bsize) / 512;
    d.e2di_atime = d.e2di_mtime = d.e2di_ctime = d.e2di_crtime = time;
    d.e2di_gen = rnd();
    for (let i = 0; i < nblocks; i++) d.e2di_blocks[i] = first + i;
    e2fs_dinode_serialize(d, itab, off, fs);
    return wr(blk, itab);
  };
  const ftype = fs.e2fs_rev >= 1 && (fs.e2fs_features_incompat & EXT2F_INCOMPAT_FTYPE) !== 0;
  const dirbuf = new Uint8Array(bsize);
  // the root: ".", "..", "lost+found"
  e2fs_direct_write(dirbuf, 0, ftype, EXT2_ROOTINO, 12, EXT2_FT_DIR, ".");
  e2fs_direct_write(dirbuf, 12, ftype, EXT2_ROOTINO, 12, EXT2_FT_DIR, "..");
  e2fs_direct_write(dirbuf, 24, ftype, LPF_INO, bsize - 24, EXT2_FT_DIR, "lost+found");
  if (!wr(rootBlk, dirbuf)) return error;
  // lost+found: ".", "..", then empty blocks
  dirbuf.fill(0);
  e2fs_direct_write(dirbuf, 0, ftype, LPF_INO, 12, EXT2_FT_DIR, ".");
  e2fs_direct_write(dirbuf, 12, ftype, EXT2_ROOTINO, bsize - 12, EXT2_FT_DIR, "..");
  if (!wr(lpfBlk, dirbuf)) return error;
  dirbuf.fill(0);
  e2_wr16(dirbuf, 4, bsize); // one empty entry spanning the block
  for (let i = 1; i < lpfBlocks; i++) if (!wr(lpfBlk + i, dirbuf)) return error;
  if (!mkdirInode(EXT2_ROOTINO, 0o755, 3, rootBlk, 1, o.rootUid ?? 0, o.rootGid ?? 0)) return error;
  if (!mkdirInode(LPF_INO, 0o700, 2, lpfBlk, lpfBlocks, 0, 0)) return error;

  // the superblock (with a UUID), the descriptors, and their backups
  const sb = new Uint8Array(SBSIZE);
  ext2fs_sbserialize(fs, sb, 0);
  if (fs.e2fs_rev >= 1) {
    for (let i = 0; i < 4; i++) e2_wr32(sb, 104 + i * 4, rnd()); // s_uuid
    sb[104 + 6] = (sb[104 + 6]! & 0x0f) | 0x40; // version 4
    sb[104 + 8] = (sb[104 + 8]! & 0x3f) | 0x80; // variant
    e2_wr32(sb, 264, time); // s_mkfs_time
    if (fs.e2fs_isize > 128) {
      e2_wr16(sb, 348, 32); // s_min_extra_isize
      e2_wr16(sb, 350, 32); // s_want_extra_isize
    }
  }
  const gdt = new Uint8Array(fs.e2fs_ngdb * bsize);
  for (let g = 0; g < ncg; g++) e2fs_gd_serialize(gds[g]!, gdt, g);
  for (let g = 0; g < ncg; g++) {
    if (!e2fs_cg_has_sb(fs, g)) continue;
    const start = fs.e2fs_first_dblock + g * fs.e2fs_bpg;
    if (!wr(start + 1, gdt)) return error;
    if (g === 0) continue;
    const blk = new Uint8Array(bsize);
    blk.set(sb, 0);
    if (fs.e2fs_rev >= 1) e2_wr16(blk, 90, g);
    if (!wr(start, blk)) return error;
  }
  // the boot block area before the primary superblock is left alone
  error = writeFully(dev, SBOFF, sb);
  if (error !== 0) {
    why.v = "write error at the superblock";
    return error;
  }
  if (fsp !== null) fsp.v = fs;
  return 0;
}
