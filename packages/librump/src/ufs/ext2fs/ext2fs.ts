/**
 * The on-disk layout of ext2/3/4 (ext2fs.h, ext2fs_dinode.h, ext2fs_dir.h,
 * ext2fs_bswap.c): superblock, feature flags, group descriptors (32- and
 * 64-byte), inodes and directory entries, revisions 0 and 1. Extent trees,
 * checksums, hashed directories and inline data have their own modules
 * (ext2fs_extents.ts, ext2fs_csum.ts, ext2fs_htree.ts, ext2fs_inline.ts).
 * Pure functions over Uint8Array:
 * no kernel or host dependencies, so tools (newfs_ext2fs, a checker) can
 * import them too.
 *
 * Byte order: ext2 is little-endian on every host; every multi-byte field
 * goes through the DataView helpers `e2_dv`/`e2_rd*` below, nowhere else.
 *
 * Distrust the disk: `ext2fs_sbcheck` is the one gate a superblock passes
 * before any use; `e2fs_gd_check`, `e2fs_dinode_check` and
 * `e2fs_dirblk_check` do the same for group descriptors, inodes and
 * directory blocks.
 */
import { major, minor } from "../../dev/devsw.js";

/* ------------------------------------------------------------------------ */
/* byte order                                                               */

/** A DataView over exactly the bytes of `b`. */
export function e2_dv(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** Little-endian u16 / u32 at `off` of `b`. */
export function e2_rd16(b: Uint8Array, off: number): number {
  return b[off]! | (b[off + 1]! << 8);
}
export function e2_rd32(b: Uint8Array, off: number): number {
  return (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
}

/* ------------------------------------------------------------------------ */
/* superblock                                                               */

/** The superblock lives at byte 1024 and is 1024 bytes long. */
export const SBOFF = 1024;
export const SBSIZE = 1024;
export const E2FS_MAGIC = 0xef53;
export const E2FS_REV0 = 0;
export const E2FS_REV1 = 1;
/** Revision 0: fixed inode size and first non-reserved inode. */
export const E2FS_REV0_INODE_SIZE = 128;
export const EXT2_FIRSTINO = 11;
export const EXT2_ROOTINO = 2;
/** Smallest and largest block sizes we accept (log 0 = 1 KiB … log 6 = 64 KiB). */
export const E2FS_MINBSIZE = 1024;
export const E2FS_MAXBSIZE = 65536;
/** Bytes of a group descriptor without the 64bit feature. */
export const E2FS_GD_SIZE = 32;
/** The smallest and largest descriptor (s_desc_size) with 64bit. */
export const E2FS_GD_SIZE_64 = 64;
export const E2FS_GD_SIZE_MAX = 1024;
/** i_block: 12 direct, single, double, triple indirect. */
export const EXT2_NDADDR = 12;
export const EXT2_NIADDR = 3;
export const EXT2_N_BLOCKS = 15;
/** Symlinks shorter than this live in i_block ("fast" symlinks). */
export const EXT2_MAXSYMLINKLEN = 60;
export const EXT2_MAXNAMLEN = 255;

/** s_creator_os */
export const E2FS_OS_LINUX = 0;
export const E2FS_OS_HURD = 1;

/** s_state */
export const E2FS_ISCLEAN = 0x0001;
export const E2FS_ERRORS = 0x0002;

/** s_flags: which char signedness the directory hash of this file system assumes */
export const E2FS_FLAGS_SIGNED_HASH = 0x0001;
export const E2FS_FLAGS_UNSIGNED_HASH = 0x0002;
/** s_checksum_type: the only one there is */
export const E2FS_CRC32C_CHKSUM = 1;
/** The inodes of ext4's reserved slots we look at. */
export const EXT2_RESIZEINO = 7;
export const EXT2_JOURNALINO = 8;

/** Compatible features: a kernel that does not know them may still read and write. */
export const EXT2F_COMPAT_PREALLOC = 0x0001;
export const EXT2F_COMPAT_IMAGIC = 0x0002;
export const EXT2F_COMPAT_HAS_JOURNAL = 0x0004;
export const EXT2F_COMPAT_EXT_ATTR = 0x0008;
export const EXT2F_COMPAT_RESIZE = 0x0010;
export const EXT2F_COMPAT_DIR_INDEX = 0x0020;
export const EXT2F_COMPAT_LAZY_BG = 0x0040;
export const EXT2F_COMPAT_EXCLUDE_BITMAP = 0x0100;
export const EXT2F_COMPAT_SPARSESUPER2 = 0x0200;
export const EXT2F_COMPAT_FAST_COMMIT = 0x0400;
export const EXT2F_COMPAT_STABLE_INODES = 0x0800;
export const EXT2F_COMPAT_ORPHAN_FILE = 0x1000;

/** Read-only compatible features: unknown ones allow reading only. */
export const EXT2F_ROCOMPAT_SPARSESUPER = 0x0001;
export const EXT2F_ROCOMPAT_LARGEFILE = 0x0002;
export const EXT2F_ROCOMPAT_BTREE_DIR = 0x0004;
export const EXT2F_ROCOMPAT_HUGE_FILE = 0x0008;
export const EXT2F_ROCOMPAT_GDT_CSUM = 0x0010;
export const EXT2F_ROCOMPAT_DIR_NLINK = 0x0020;
export const EXT2F_ROCOMPAT_EXTRA_ISIZE = 0x0040;
export const EXT2F_ROCOMPAT_QUOTA = 0x0100;
export const EXT2F_ROCOMPAT_BIGALLOC = 0x0200;
export const EXT2F_ROCOMPAT_METADATA_CKSUM = 0x0400;

/** Incompatible features: an unknown one refuses the mount. */
export const EXT2F_INCOMPAT_COMP = 0x0001;
export const EXT2F_INCOMPAT_FTYPE = 0x0002;
export const EXT2F_INCOMPAT_RECOVER = 0x0004;
export const EXT2F_INCOMPAT_JOURNAL_DEV = 0x0008;
export const EXT2F_INCOMPAT_META_BG = 0x0010;
export const EXT2F_INCOMPAT_EXTENTS = 0x0040;
export const EXT2F_INCOMPAT_64BIT = 0x0080;
export const EXT2F_INCOMPAT_MMP = 0x0100;
export const EXT2F_INCOMPAT_FLEX_BG = 0x0200;
export const EXT2F_INCOMPAT_EA_INODE = 0x0400;
export const EXT2F_INCOMPAT_DIRDATA = 0x1000;
export const EXT2F_INCOMPAT_CSUM_SEED = 0x2000;
export const EXT2F_INCOMPAT_LARGEDIR = 0x4000;
export const EXT2F_INCOMPAT_INLINE_DATA = 0x8000;
export const EXT2F_INCOMPAT_ENCRYPT = 0x10000;
export const EXT2F_INCOMPAT_CASEFOLD = 0x20000;

/**
 * What the read path implements: ext4's layout (extents, 64-byte
 * descriptors and 48-bit block numbers, flex_bg placement, the checksum
 * seed in the superblock, inline data, large directories). flex_bg only
 * moves bitmaps and inode tables, whose places the group descriptors give
 * in absolute block numbers.
 */
export const EXT2F_INCOMPAT_SUPP_RO =
  EXT2F_INCOMPAT_FTYPE |
  EXT2F_INCOMPAT_FLEX_BG |
  EXT2F_INCOMPAT_EXTENTS |
  EXT2F_INCOMPAT_64BIT |
  EXT2F_INCOMPAT_CSUM_SEED |
  EXT2F_INCOMPAT_INLINE_DATA |
  EXT2F_INCOMPAT_LARGEDIR;
/** ro_compat features a read-write mount keeps valid. */
export const EXT2F_ROCOMPAT_SUPP =
  EXT2F_ROCOMPAT_SPARSESUPER |
  EXT2F_ROCOMPAT_LARGEFILE |
  EXT2F_ROCOMPAT_HUGE_FILE |
  EXT2F_ROCOMPAT_GDT_CSUM |
  EXT2F_ROCOMPAT_DIR_NLINK |
  EXT2F_ROCOMPAT_EXTRA_ISIZE |
  EXT2F_ROCOMPAT_METADATA_CKSUM;

const COMPAT_NAMES: [number, string][] = [
  [EXT2F_COMPAT_PREALLOC, "dir_prealloc"],
  [EXT2F_COMPAT_IMAGIC, "imagic_inodes"],
  [EXT2F_COMPAT_HAS_JOURNAL, "has_journal"],
  [EXT2F_COMPAT_EXT_ATTR, "ext_attr"],
  [EXT2F_COMPAT_RESIZE, "resize_inode"],
  [EXT2F_COMPAT_DIR_INDEX, "dir_index"],
  [EXT2F_COMPAT_LAZY_BG, "lazy_bg"],
  [EXT2F_COMPAT_EXCLUDE_BITMAP, "exclude_bitmap"],
  [EXT2F_COMPAT_SPARSESUPER2, "sparse_super2"],
  [EXT2F_COMPAT_FAST_COMMIT, "fast_commit"],
  [EXT2F_COMPAT_STABLE_INODES, "stable_inodes"],
  [EXT2F_COMPAT_ORPHAN_FILE, "orphan_file"],
];
const ROCOMPAT_NAMES: [number, string][] = [
  [EXT2F_ROCOMPAT_SPARSESUPER, "sparse_super"],
  [EXT2F_ROCOMPAT_LARGEFILE, "large_file"],
  [EXT2F_ROCOMPAT_BTREE_DIR, "btree_dir"],
  [EXT2F_ROCOMPAT_HUGE_FILE, "huge_file"],
  [EXT2F_ROCOMPAT_GDT_CSUM, "gdt_csum"],
  [EXT2F_ROCOMPAT_DIR_NLINK, "dir_nlink"],
  [EXT2F_ROCOMPAT_EXTRA_ISIZE, "extra_isize"],
  [EXT2F_ROCOMPAT_QUOTA, "quota"],
  [EXT2F_ROCOMPAT_BIGALLOC, "bigalloc"],
  [EXT2F_ROCOMPAT_METADATA_CKSUM, "metadata_csum"],
];
const INCOMPAT_NAMES: [number, string][] = [
  [EXT2F_INCOMPAT_COMP, "compression"],
  [EXT2F_INCOMPAT_FTYPE, "filetype"],
  [EXT2F_INCOMPAT_RECOVER, "needs_recovery"],
  [EXT2F_INCOMPAT_JOURNAL_DEV, "journal_dev"],
  [EXT2F_INCOMPAT_META_BG, "meta_bg"],
  [EXT2F_INCOMPAT_EXTENTS, "extents"],
  [EXT2F_INCOMPAT_64BIT, "64bit"],
  [EXT2F_INCOMPAT_MMP, "mmp"],
  [EXT2F_INCOMPAT_FLEX_BG, "flex_bg"],
  [EXT2F_INCOMPAT_EA_INODE, "ea_inode"],
  [EXT2F_INCOMPAT_DIRDATA, "dirdata"],
  [EXT2F_INCOMPAT_CSUM_SEED, "metadata_csum_seed"],
  [EXT2F_INCOMPAT_LARGEDIR, "large_dir"],
  [EXT2F_INCOMPAT_INLINE_DATA, "inline_data"],
  [EXT2F_INCOMPAT_ENCRYPT, "encrypt"],
  [EXT2F_INCOMPAT_CASEFOLD, "casefold"],
];

function featureNames(table: [number, string][], bits: number): string[] {
  const out: string[] = [];
  let rest = bits >>> 0;
  for (const [bit, name] of table) {
    if (rest & bit) {
      out.push(name);
      rest = (rest & ~bit) >>> 0;
    }
  }
  for (let i = 0; i < 32; i++) {
    const bit = (1 << i) >>> 0;
    if (rest & bit) out.push(`unknown(0x${bit.toString(16)})`);
  }
  return out;
}

/** Names of compat / ro_compat / incompat feature bits (unknown bits as hex). */
export function e2fs_compat_names(bits: number): string[] {
  return featureNames(COMPAT_NAMES, bits);
}
export function e2fs_rocompat_names(bits: number): string[] {
  return featureNames(ROCOMPAT_NAMES, bits);
}
export function e2fs_incompat_names(bits: number): string[] {
  return featureNames(INCOMPAT_NAMES, bits);
}

/** The superblock, parsed (struct ext2fs), plus the values derived from it (struct m_ext2fs). */
export class Ext2Fs {
  e2fs_icount = 0;
  /** s_blocks_count (with s_blocks_count_hi under 64bit) */
  e2fs_bcount = 0;
  e2fs_rbcount = 0;
  e2fs_fbcount = 0;
  e2fs_ficount = 0;
  e2fs_first_dblock = 0;
  e2fs_log_bsize = 0;
  e2fs_log_fsize = 0;
  e2fs_bpg = 0;
  e2fs_fpg = 0;
  e2fs_ipg = 0;
  e2fs_mtime = 0;
  e2fs_wtime = 0;
  e2fs_mnt_count = 0;
  e2fs_max_mnt_count = 0;
  e2fs_magic = 0;
  e2fs_state = 0;
  e2fs_beh = 0;
  e2fs_minrev = 0;
  e2fs_lastfsck = 0;
  e2fs_fsckintv = 0;
  e2fs_creator = 0;
  e2fs_rev = 0;
  e2fs_ruid = 0;
  e2fs_rgid = 0;
  e2fs_first_ino = 0;
  e2fs_inode_size = 0;
  e2fs_block_group_nr = 0;
  e2fs_features_compat = 0;
  e2fs_features_incompat = 0;
  e2fs_features_rocompat = 0;
  /** s_uuid */
  readonly e2fs_uuid = new Uint8Array(16);
  e2fs_vname = "";
  e2fs_reserved_ngdb = 0;
  e2fs_journal_inum = 0;
  /** s_last_orphan: the head of the orphan-inode list (0: none) */
  e2fs_last_orphan = 0;
  /** s_hash_seed: the htree hash's seed (all zero: none) */
  readonly e2fs_hash_seed = new Uint32Array(4);
  /** s_def_hash_version */
  e2fs_def_hash = 0;
  e2fs_desc_size = 0;
  e2fs_first_meta_bg = 0;
  e2fs_min_extra_isize = 0;
  e2fs_want_extra_isize = 0;
  /** s_flags (E2FS_FLAGS_*) */
  e2fs_flags = 0;
  /** s_log_groups_per_flex */
  e2fs_log_gpf = 0;
  /** s_checksum_type */
  e2fs_csum_type = 0;
  /** s_backup_bgs: the two groups that keep a backup with sparse_super2 (0: none) */
  e2fs_backup_bgs = [0, 0];
  /** s_checksum_seed (metadata_csum_seed) */
  e2fs_csum_seed_sb = 0;
  /** s_checksum */
  e2fs_sb_csum = 0;

  /* derived by ext2fs_sbfill */
  /** block size in bytes */
  e2fs_bsize = 0;
  /** log2(e2fs_bsize) */
  e2fs_bshift = 0;
  /** DEV_BSIZE sectors per block */
  e2fs_fsbtodb = 0;
  /** number of block groups */
  e2fs_ncg = 0;
  /** blocks of group descriptors */
  e2fs_ngdb = 0;
  /** bytes of a group descriptor (32, or s_desc_size with 64bit) */
  e2fs_gdsize = E2FS_GD_SIZE;
  /** bytes of an inode */
  e2fs_isize = 0;
  /** inodes per block */
  e2fs_ipb = 0;
  /** blocks of inode table per group */
  e2fs_itpg = 0;
  /** block numbers per indirect block */
  e2fs_nindir = 0;
  /** the largest file size the indirect block map can address (bytes) */
  e2fs_maxfilesize = 0;
  /** the largest file size an extent tree can address (bytes) */
  e2fs_maxfilesize_ext = 0;
  /** metadata_csum: crc32c on every metadata structure */
  e2fs_metacsum = false;
  /** metadata_csum or gdt_csum: descriptors carry a checksum and the uninit flags count */
  e2fs_gdcsum = false;
  /** groups per flex group (1 without flex_bg) */
  e2fs_gpf = 1;
  /** the metadata checksum seed (ext2fs_csum_seed; 0 without metadata_csum) */
  e2fs_csum_seed = 0;
}

/** Is `bit` set in the incompat / ro_compat / compat features of `s` (revision 1)? */
export function e2fs_has_incompat(s: Ext2Fs, bit: number): boolean {
  return s.e2fs_rev >= E2FS_REV1 && (s.e2fs_features_incompat & bit) !== 0;
}
export function e2fs_has_rocompat(s: Ext2Fs, bit: number): boolean {
  return s.e2fs_rev >= E2FS_REV1 && (s.e2fs_features_rocompat & bit) !== 0;
}
export function e2fs_has_compat(s: Ext2Fs, bit: number): boolean {
  return s.e2fs_rev >= E2FS_REV1 && (s.e2fs_features_compat & bit) !== 0;
}

/** A 64-bit count from its low and high 32-bit halves. */
function lohi(lo: number, hi: number): number {
  return lo + hi * 4294967296;
}

/** Parse the 1024 bytes of a superblock (no checks: see ext2fs_sbcheck). */
export function ext2fs_sbparse(b: Uint8Array, off = 0): Ext2Fs {
  const s = new Ext2Fs();
  const r32 = (o: number): number => e2_rd32(b, off + o);
  const r16 = (o: number): number => e2_rd16(b, off + o);
  s.e2fs_icount = r32(0);
  s.e2fs_bcount = r32(4);
  s.e2fs_rbcount = r32(8);
  s.e2fs_fbcount = r32(12);
  s.e2fs_ficount = r32(16);
  s.e2fs_first_dblock = r32(20);
  s.e2fs_log_bsize = r32(24);
  s.e2fs_log_fsize = r32(28);
  s.e2fs_bpg = r32(32);
  s.e2fs_fpg = r32(36);
  s.e2fs_ipg = r32(40);
  s.e2fs_mtime = r32(44);
  s.e2fs_wtime = r32(48);
  s.e2fs_mnt_count = r16(52);
  s.e2fs_max_mnt_count = r16(54);
  s.e2fs_magic = r16(56);
  s.e2fs_state = r16(58);
  s.e2fs_beh = r16(60);
  s.e2fs_minrev = r16(62);
  s.e2fs_lastfsck = r32(64);
  s.e2fs_fsckintv = r32(68);
  s.e2fs_creator = r32(72);
  s.e2fs_rev = r32(76);
  s.e2fs_ruid = r16(80);
  s.e2fs_rgid = r16(82);
  if (s.e2fs_rev >= E2FS_REV1) {
    s.e2fs_first_ino = r32(84);
    s.e2fs_inode_size = r16(88);
    s.e2fs_block_group_nr = r16(90);
    s.e2fs_features_compat = r32(92);
    s.e2fs_features_incompat = r32(96);
    s.e2fs_features_rocompat = r32(100);
    s.e2fs_uuid.set(b.subarray(off + 104, off + 120));
    let v = "";
    for (let i = 0; i < 16 && b[off + 120 + i] !== 0; i++)
      v += String.fromCharCode(b[off + 120 + i]!);
    s.e2fs_vname = v;
    s.e2fs_reserved_ngdb = r16(206);
    s.e2fs_journal_inum = r32(224);
    s.e2fs_last_orphan = r32(232);
    for (let i = 0; i < 4; i++) s.e2fs_hash_seed[i] = r32(236 + i * 4);
    s.e2fs_def_hash = b[off + 252]!;
    s.e2fs_desc_size = r16(254);
    s.e2fs_first_meta_bg = r32(260);
    if (s.e2fs_features_incompat & EXT2F_INCOMPAT_64BIT) {
      s.e2fs_bcount = lohi(s.e2fs_bcount, r32(336));
      s.e2fs_rbcount = lohi(s.e2fs_rbcount, r32(340));
      s.e2fs_fbcount = lohi(s.e2fs_fbcount, r32(344));
    }
    s.e2fs_min_extra_isize = r16(348);
    s.e2fs_want_extra_isize = r16(350);
    s.e2fs_flags = r32(352);
    s.e2fs_log_gpf = b[off + 372]!;
    s.e2fs_csum_type = b[off + 373]!;
    s.e2fs_backup_bgs = [r32(588), r32(592)];
    s.e2fs_csum_seed_sb = r32(624);
    s.e2fs_sb_csum = r32(1020);
  } else {
    s.e2fs_first_ino = EXT2_FIRSTINO;
    s.e2fs_inode_size = E2FS_REV0_INODE_SIZE;
  }
  return s;
}

/** Bytes of a superblock covered by its checksum (all but s_checksum). */
export const E2FS_SB_CSUM_OFF = 1020;

/**
 * ext2fs_sbcheck: the one gate a superblock passes before any use. Returns
 * null when the geometry is sound (and fills the derived fields), else why
 * not. Feature flags are judged separately (ext2fs_features_check), because
 * their answer depends on how the file system is mounted; the superblock's
 * checksum by ext2fs_sb_csum_verify (ext2fs_csum.ts).
 */
export function ext2fs_sbcheck(s: Ext2Fs): string | null {
  if (s.e2fs_magic !== E2FS_MAGIC) return `bad magic 0x${s.e2fs_magic.toString(16)}`;
  if (s.e2fs_rev > E2FS_REV1) return `unknown revision ${s.e2fs_rev}`;
  if (s.e2fs_log_bsize > 6) return `block size 1024 << ${s.e2fs_log_bsize} is too large`;
  const bsize = E2FS_MINBSIZE << s.e2fs_log_bsize;
  if (s.e2fs_first_dblock !== (bsize === 1024 ? 1 : 0))
    return `first data block ${s.e2fs_first_dblock} with block size ${bsize}`;
  if (s.e2fs_bpg === 0 || s.e2fs_bpg > bsize * 8 || s.e2fs_bpg % 8 !== 0)
    return `blocks per group ${s.e2fs_bpg}`;
  if (s.e2fs_ipg === 0 || s.e2fs_ipg > bsize * 8 || s.e2fs_ipg % 8 !== 0)
    return `inodes per group ${s.e2fs_ipg}`;
  if (s.e2fs_bcount <= s.e2fs_first_dblock || s.e2fs_bcount > 2 ** 48)
    return `block count ${s.e2fs_bcount}`;
  if (s.e2fs_rbcount > s.e2fs_bcount) return `reserved blocks ${s.e2fs_rbcount}`;
  if (s.e2fs_fbcount > s.e2fs_bcount) return `free blocks ${s.e2fs_fbcount}`;
  if (s.e2fs_ficount > s.e2fs_icount) return `free inodes ${s.e2fs_ficount}`;
  let isize = E2FS_REV0_INODE_SIZE;
  let gdsize = E2FS_GD_SIZE;
  if (s.e2fs_rev >= E2FS_REV1) {
    isize = s.e2fs_inode_size;
    if (isize < 128 || isize > bsize || (isize & (isize - 1)) !== 0) return `inode size ${isize}`;
    if (s.e2fs_first_ino < EXT2_FIRSTINO || s.e2fs_first_ino > s.e2fs_icount)
      return `first inode ${s.e2fs_first_ino}`;
    if (s.e2fs_features_incompat & EXT2F_INCOMPAT_64BIT) {
      gdsize = s.e2fs_desc_size;
      if (
        gdsize < E2FS_GD_SIZE_64 ||
        gdsize > E2FS_GD_SIZE_MAX ||
        gdsize > bsize ||
        (gdsize & (gdsize - 1)) !== 0
      )
        return `group descriptor size ${gdsize}`;
    }
    if (s.e2fs_features_incompat & EXT2F_INCOMPAT_FLEX_BG && s.e2fs_log_gpf > 31)
      return `flex_bg of 2^${s.e2fs_log_gpf} groups`;
    if (isize > 128 && s.e2fs_min_extra_isize > isize - 128)
      return `required extra inode size ${s.e2fs_min_extra_isize}`;
  } else if (s.e2fs_bcount > 0xffffffff) {
    return `block count ${s.e2fs_bcount}`;
  }
  const ncg = Math.ceil((s.e2fs_bcount - s.e2fs_first_dblock) / s.e2fs_bpg);
  if (s.e2fs_icount !== ncg * s.e2fs_ipg)
    return `inode count ${s.e2fs_icount} is not ${ncg} groups × ${s.e2fs_ipg}`;
  const ipb = bsize / isize;
  const itpg = Math.ceil(s.e2fs_ipg / ipb);
  // the inode table, bitmaps and descriptors must fit in a group (flex_bg
  // moves them, but never makes a group smaller than its own table)
  if (itpg >= s.e2fs_bpg && (s.e2fs_features_incompat & EXT2F_INCOMPAT_FLEX_BG) === 0)
    return `inode table of ${itpg} blocks in groups of ${s.e2fs_bpg}`;
  const ngdb = Math.ceil((ncg * gdsize) / bsize);
  if (s.e2fs_first_dblock + 1 + ngdb >= s.e2fs_bcount)
    return `${ngdb} blocks of group descriptors do not fit`;
  s.e2fs_bsize = bsize;
  s.e2fs_bshift = 10 + s.e2fs_log_bsize;
  s.e2fs_fsbtodb = bsize / 512;
  s.e2fs_ncg = ncg;
  s.e2fs_ngdb = ngdb;
  s.e2fs_gdsize = gdsize;
  s.e2fs_isize = isize;
  s.e2fs_ipb = ipb;
  s.e2fs_itpg = itpg;
  s.e2fs_nindir = bsize / 4;
  const n = s.e2fs_nindir;
  const blocks = EXT2_NDADDR + n + n * n + n * n * n;
  s.e2fs_maxfilesize = Math.min(blocks * bsize - 1, Number.MAX_SAFE_INTEGER);
  // logical block numbers of an extent are 32 bits; without huge_file
  // i_blocks (512-byte units, 32 bits) bounds what a file can hold too
  let ext = 0xffffffff * bsize;
  if (!e2fs_has_rocompat(s, EXT2F_ROCOMPAT_HUGE_FILE)) ext = Math.min(ext, 0xffffffff * 512);
  s.e2fs_maxfilesize_ext = Math.min(ext - 1, Number.MAX_SAFE_INTEGER);
  s.e2fs_metacsum = e2fs_has_rocompat(s, EXT2F_ROCOMPAT_METADATA_CKSUM);
  s.e2fs_gdcsum = s.e2fs_metacsum || e2fs_has_rocompat(s, EXT2F_ROCOMPAT_GDT_CSUM);
  s.e2fs_gpf = e2fs_has_incompat(s, EXT2F_INCOMPAT_FLEX_BG) ? 2 ** s.e2fs_log_gpf : 1;
  return null;
}

/**
 * Feature flags against what we implement, for a mount that is read-only
 * (`ronly`). Returns why the mount must be refused, or null; `notes`
 * receives the features that force read-only (or that we ignore). Whether
 * a read-write mount may write is ext2fs_rw_check's answer.
 */
export function ext2fs_features_check(s: Ext2Fs, ronly: boolean, notes: string[]): string | null {
  if (s.e2fs_rev < E2FS_REV1) return null;
  if (s.e2fs_features_incompat & EXT2F_INCOMPAT_JOURNAL_DEV)
    return "this is an external journal device (journal_dev), not a file system";
  // needs_recovery: the mount replays the journal first (ext2fs_recovery.ts)
  const bad = s.e2fs_features_incompat & ~(EXT2F_INCOMPAT_SUPP_RO | EXT2F_INCOMPAT_RECOVER);
  if (bad !== 0) return `unsupported incompatible features: ${e2fs_incompat_names(bad).join(" ")}`;
  if (s.e2fs_metacsum && s.e2fs_csum_type !== E2FS_CRC32C_CHKSUM)
    return `unknown metadata checksum type ${s.e2fs_csum_type}`;
  const ro = s.e2fs_features_rocompat & ~EXT2F_ROCOMPAT_SUPP;
  if (ro !== 0)
    notes.push(
      `read-only compatible features force read-only: ${e2fs_rocompat_names(ro).join(" ")}`,
    );
  // (a read-only mount never touches a clean journal: nothing to say)
  if (s.e2fs_features_compat & EXT2F_COMPAT_HAS_JOURNAL && !ronly)
    notes.push("has_journal: clean journal; writes bypass it (as NetBSD's ext2fs does)");
  if (ro !== 0 && !ronly) return "read-only compatible features need a read-only mount";
  return null;
}

/* ------------------------------------------------------------------------ */
/* group descriptors                                                        */

/** bg_flags */
export const EXT2_BG_INODE_UNINIT = 0x0001;
export const EXT2_BG_BLOCK_UNINIT = 0x0002;
export const EXT2_BG_INODE_ZEROED = 0x0004;

/** Offset of bg_checksum in a descriptor. */
export const E2FS_GD_CSUM_OFF = 0x1e;

/** A group descriptor (struct ext2_gd / ext4_group_desc), high halves folded in. */
export class Ext2Gd {
  ext2bgd_b_bitmap = 0;
  ext2bgd_i_bitmap = 0;
  ext2bgd_i_tables = 0;
  ext2bgd_nbfree = 0;
  ext2bgd_nifree = 0;
  ext2bgd_ndirs = 0;
  ext2bgd_flags = 0;
  /** bg_itable_unused: inodes at the end of the table never used (gdt_csum / metadata_csum) */
  ext2bgd_itable_unused = 0;
  /** crc32c of the bitmaps (metadata_csum; the high halves only with 64-byte descriptors) */
  ext2bgd_b_bitmap_csum = 0;
  ext2bgd_i_bitmap_csum = 0;
  /** bg_checksum as read */
  ext2bgd_checksum = 0;
}

/** Parse descriptor `i` of the descriptor area `b` (`gdsize` bytes each). */
export function e2fs_gd_parse(b: Uint8Array, i: number, gdsize = E2FS_GD_SIZE): Ext2Gd {
  const g = new Ext2Gd();
  const off = i * gdsize;
  g.ext2bgd_b_bitmap = e2_rd32(b, off);
  g.ext2bgd_i_bitmap = e2_rd32(b, off + 4);
  g.ext2bgd_i_tables = e2_rd32(b, off + 8);
  g.ext2bgd_nbfree = e2_rd16(b, off + 12);
  g.ext2bgd_nifree = e2_rd16(b, off + 14);
  g.ext2bgd_ndirs = e2_rd16(b, off + 16);
  g.ext2bgd_flags = e2_rd16(b, off + 18);
  g.ext2bgd_b_bitmap_csum = e2_rd16(b, off + 0x18);
  g.ext2bgd_i_bitmap_csum = e2_rd16(b, off + 0x1a);
  g.ext2bgd_itable_unused = e2_rd16(b, off + 0x1c);
  g.ext2bgd_checksum = e2_rd16(b, off + E2FS_GD_CSUM_OFF);
  if (gdsize >= E2FS_GD_SIZE_64) {
    g.ext2bgd_b_bitmap = lohi(g.ext2bgd_b_bitmap, e2_rd32(b, off + 0x20));
    g.ext2bgd_i_bitmap = lohi(g.ext2bgd_i_bitmap, e2_rd32(b, off + 0x24));
    g.ext2bgd_i_tables = lohi(g.ext2bgd_i_tables, e2_rd32(b, off + 0x28));
    g.ext2bgd_nbfree += e2_rd16(b, off + 0x2c) * 65536;
    g.ext2bgd_nifree += e2_rd16(b, off + 0x2e) * 65536;
    g.ext2bgd_ndirs += e2_rd16(b, off + 0x30) * 65536;
    g.ext2bgd_itable_unused += e2_rd16(b, off + 0x32) * 65536;
    g.ext2bgd_b_bitmap_csum += e2_rd16(b, off + 0x38) * 65536;
    g.ext2bgd_i_bitmap_csum += e2_rd16(b, off + 0x3a) * 65536;
  }
  return g;
}

/** Is group descriptor `g` (of group `c`) usable? null or why not. */
export function e2fs_gd_check(s: Ext2Fs, g: Ext2Gd, c: number): string | null {
  const lo = s.e2fs_first_dblock;
  const hi = s.e2fs_bcount;
  const inside = (b: number): boolean => b >= lo && b < hi;
  if (!inside(g.ext2bgd_b_bitmap)) return `group ${c}: block bitmap at ${g.ext2bgd_b_bitmap}`;
  if (!inside(g.ext2bgd_i_bitmap)) return `group ${c}: inode bitmap at ${g.ext2bgd_i_bitmap}`;
  if (!inside(g.ext2bgd_i_tables) || g.ext2bgd_i_tables + s.e2fs_itpg > hi)
    return `group ${c}: inode table at ${g.ext2bgd_i_tables}`;
  if (g.ext2bgd_nbfree > s.e2fs_bpg) return `group ${c}: ${g.ext2bgd_nbfree} free blocks`;
  if (g.ext2bgd_nifree > s.e2fs_ipg) return `group ${c}: ${g.ext2bgd_nifree} free inodes`;
  if (g.ext2bgd_ndirs > s.e2fs_ipg) return `group ${c}: ${g.ext2bgd_ndirs} directories`;
  if (s.e2fs_gdcsum && g.ext2bgd_itable_unused > s.e2fs_ipg)
    return `group ${c}: ${g.ext2bgd_itable_unused} unused inodes`;
  return null;
}

/* ------------------------------------------------------------------------ */
/* inodes                                                                   */

/** i_mode types */
export const EXT2_IFMT = 0o170000;
export const EXT2_IFIFO = 0o010000;
export const EXT2_IFCHR = 0o020000;
export const EXT2_IFDIR = 0o040000;
export const EXT2_IFBLK = 0o060000;
export const EXT2_IFREG = 0o100000;
export const EXT2_IFLNK = 0o120000;
export const EXT2_IFSOCK = 0o140000;

/** i_flags */
export const EXT2_SECRM = 0x00000001;
export const EXT2_UNRM = 0x00000002;
export const EXT2_COMPR = 0x00000004;
export const EXT2_SYNC = 0x00000008;
export const EXT2_IMMUTABLE = 0x00000010;
export const EXT2_APPEND = 0x00000020;
export const EXT2_NODUMP = 0x00000040;
export const EXT2_NOATIME = 0x00000080;
export const EXT2_INDEX = 0x00001000;
export const EXT2_HUGE_FILE = 0x00040000;
export const EXT2_EXTENTS = 0x00080000;
export const EXT2_EA_INODE = 0x00200000;
export const EXT2_INLINE_DATA = 0x10000000;

/** The on-disk inode, parsed (struct ext2fs_dinode). */
export class Ext2Dinode {
  e2di_mode = 0;
  e2di_uid = 0;
  e2di_gid = 0;
  /** size in bytes (i_size + i_size_high for regular files of revision 1, and directories with large_dir) */
  e2di_size = 0;
  e2di_atime = 0;
  e2di_ctime = 0;
  e2di_mtime = 0;
  e2di_dtime = 0;
  e2di_atimensec = 0;
  e2di_ctimensec = 0;
  e2di_mtimensec = 0;
  e2di_crtime = 0;
  e2di_crtimensec = 0;
  e2di_nlink = 0;
  /** i_blocks, in 512-byte units (huge_file blocks already converted) */
  e2di_nblock = 0;
  e2di_flags = 0;
  e2di_gen = 0;
  /** i_file_acl (48 bits with 64bit) */
  e2di_facl = 0;
  /** i_extra_isize (0 for 128-byte inodes): how much of the large-inode part is valid */
  e2di_extra_isize = 0;
  /** the 15 block pointers (or an extent tree's root, a fast symlink's bytes, a device number) */
  readonly e2di_blocks = new Uint32Array(EXT2_N_BLOCKS);
  /** offset of i_block in the inode (for fast symlinks) */
  static readonly I_BLOCK = 40;
}

/**
 * Does i_size_high (the old i_dir_acl) extend the size of an inode of
 * `mode`? Regular files on revision 1; directories too with large_dir.
 */
export function e2fs_has_size_high(s: Ext2Fs, mode: number): boolean {
  if (s.e2fs_rev < E2FS_REV1) return false;
  const t = mode & EXT2_IFMT;
  return (
    t === EXT2_IFREG ||
    (t === EXT2_IFDIR && (s.e2fs_features_incompat & EXT2F_INCOMPAT_LARGEDIR) !== 0)
  );
}

/** Extra-inode timestamp: the low 2 bits of `extra` extend the (signed 32-bit) seconds. */
function xtime_sec(sec: number, extra: number): number {
  return (sec | 0) + (extra & 3) * 4294967296;
}

/**
 * Parse the inode at `off` of `b` (`isize` bytes). `rev` and `rocompat`
 * decide how i_size_high and i_blocks_high count.
 */
export function e2fs_dinode_parse(
  b: Uint8Array,
  off: number,
  s: Ext2Fs,
  d: Ext2Dinode,
): Ext2Dinode {
  d.e2di_mode = e2_rd16(b, off);
  // osd2 holds the high 16 bits of the ids, except in the Hurd's layout
  const hurd = s.e2fs_creator === E2FS_OS_HURD;
  d.e2di_uid = (e2_rd16(b, off + 2) | (hurd ? 0 : e2_rd16(b, off + 120) << 16)) >>> 0;
  d.e2di_gid = (e2_rd16(b, off + 24) | (hurd ? 0 : e2_rd16(b, off + 122) << 16)) >>> 0;
  let size = e2_rd32(b, off + 4);
  if (e2fs_has_size_high(s, d.e2di_mode)) size += e2_rd32(b, off + 108) * 4294967296;
  d.e2di_size = size;
  d.e2di_atime = e2_rd32(b, off + 8) | 0;
  d.e2di_ctime = e2_rd32(b, off + 12) | 0;
  d.e2di_mtime = e2_rd32(b, off + 16) | 0;
  d.e2di_dtime = e2_rd32(b, off + 20);
  d.e2di_nlink = e2_rd16(b, off + 26);
  d.e2di_flags = e2_rd32(b, off + 32);
  let nblock = e2_rd32(b, off + 28);
  if (s.e2fs_features_rocompat & EXT2F_ROCOMPAT_HUGE_FILE) {
    nblock += e2_rd16(b, off + 116) * 4294967296;
    if (d.e2di_flags & EXT2_HUGE_FILE) nblock *= s.e2fs_bsize / 512;
  }
  d.e2di_nblock = nblock;
  const blocks = d.e2di_blocks;
  for (let i = 0; i < EXT2_N_BLOCKS; i++) blocks[i] = e2_rd32(b, off + 40 + i * 4);
  d.e2di_gen = e2_rd32(b, off + 100);
  d.e2di_facl = e2_rd32(b, off + 104);
  if (e2fs_has_incompat(s, EXT2F_INCOMPAT_64BIT)) d.e2di_facl += e2_rd16(b, off + 118) * 4294967296;
  d.e2di_extra_isize = 0;
  d.e2di_atimensec = d.e2di_ctimensec = d.e2di_mtimensec = 0;
  d.e2di_crtime = d.e2di_crtimensec = 0;
  // the large-inode part: i_extra_isize says how much of it is valid
  if (s.e2fs_isize > 128) {
    const end = 128 + e2_rd16(b, off + 128);
    if (end <= s.e2fs_isize) d.e2di_extra_isize = end - 128;
    if (end >= 132 && end <= s.e2fs_isize) {
      if (end >= 136) {
        const x = e2_rd32(b, off + 132);
        d.e2di_ctime = xtime_sec(d.e2di_ctime, x);
        d.e2di_ctimensec = x >>> 2;
      }
      if (end >= 140) {
        const x = e2_rd32(b, off + 136);
        d.e2di_mtime = xtime_sec(d.e2di_mtime, x);
        d.e2di_mtimensec = x >>> 2;
      }
      if (end >= 144) {
        const x = e2_rd32(b, off + 140);
        d.e2di_atime = xtime_sec(d.e2di_atime, x);
        d.e2di_atimensec = x >>> 2;
      }
      if (end >= 152) {
        const x = e2_rd32(b, off + 148);
        d.e2di_crtime = xtime_sec(e2_rd32(b, off + 144), x);
        d.e2di_crtimensec = x >>> 2;
      }
    }
  }
  return d;
}

/** Is `d` a fast symlink (target in i_block)? */
export function e2fs_dinode_isfastlink(s: Ext2Fs, d: Ext2Dinode): boolean {
  if ((d.e2di_mode & EXT2_IFMT) !== EXT2_IFLNK) return false;
  if (d.e2di_size >= EXT2_MAXSYMLINKLEN) return false;
  if (d.e2di_flags & (EXT2_INLINE_DATA | EXT2_EXTENTS)) return false;
  const ea = d.e2di_facl !== 0 ? s.e2fs_bsize / 512 : 0;
  return d.e2di_nblock - ea === 0;
}

/** The largest size inode `d` may have: what its block map can address. */
export function e2fs_dinode_maxsize(s: Ext2Fs, d: Ext2Dinode): number {
  return d.e2di_flags & EXT2_EXTENTS ? s.e2fs_maxfilesize_ext : s.e2fs_maxfilesize;
}

/**
 * The device number of a character or block device inode, as NetBSD's
 * dev_t (makedev). Linux and e2fsprogs keep it in i_block[0] in the old
 * 16-bit encoding (major < 256 and minor < 256: major << 8 | minor) or in
 * i_block[1] in the new one ((minor & 0xff) | major << 8 | (minor & ~0xff)
 * << 12); for majors below 4096 and minors below 2^20 both read as the
 * same number as NetBSD's encoding, so the word is the device number.
 */
export function e2fs_dinode_rdev(d: Ext2Dinode): number {
  const b = d.e2di_blocks;
  return (b[0] !== 0 ? b[0]! : b[1]!) >>> 0;
}

/** Store `rdev` the way Linux and e2fsprogs do (old encoding when it fits, else new). */
export function e2fs_dinode_set_rdev(d: Ext2Dinode, rdev: number): void {
  const b = d.e2di_blocks;
  b.fill(0);
  const maj = major(rdev);
  const min = minor(rdev);
  if (maj < 256 && min < 256) b[0] = ((maj << 8) | min) >>> 0;
  else b[1] = rdev >>> 0;
}

/**
 * Is inode `d` usable? null or why not: a known type, a size its block
 * map can address, an extent or inline-data flag only where the file
 * system has the feature. (An extent tree's root is checked by
 * ext4_ext_check_root, ext2fs_extents.ts; inline data by ext2fs_inline.ts.)
 */
export function e2fs_dinode_check(s: Ext2Fs, d: Ext2Dinode): string | null {
  const t = d.e2di_mode & EXT2_IFMT;
  switch (t) {
    case EXT2_IFREG:
    case EXT2_IFDIR:
    case EXT2_IFLNK:
    case EXT2_IFCHR:
    case EXT2_IFBLK:
    case EXT2_IFIFO:
    case EXT2_IFSOCK:
      break;
    default:
      return `mode 0${d.e2di_mode.toString(8)}`;
  }
  const f = d.e2di_flags;
  const mapped = t === EXT2_IFREG || t === EXT2_IFDIR || t === EXT2_IFLNK;
  if (f & EXT2_EXTENTS && mapped && !e2fs_has_incompat(s, EXT2F_INCOMPAT_EXTENTS))
    return "extent-mapped without the extents feature";
  if (f & EXT2_INLINE_DATA && mapped) {
    if (!e2fs_has_incompat(s, EXT2F_INCOMPAT_INLINE_DATA))
      return "inline data without the inline_data feature";
    if (f & EXT2_EXTENTS) return "both inline data and extents";
  }
  if (f & EXT2_EA_INODE) return "an extended-attribute value inode (ea_inode)";
  if (!(d.e2di_size >= 0 && d.e2di_size <= e2fs_dinode_maxsize(s, d))) return `size ${d.e2di_size}`;
  const inline = mapped && (f & EXT2_INLINE_DATA) !== 0;
  if (t === EXT2_IFDIR && !inline && d.e2di_size % s.e2fs_bsize !== 0)
    return `directory size ${d.e2di_size} is not a multiple of the block size`;
  if (t === EXT2_IFLNK && d.e2di_size === 0) return "empty symlink";
  if (t === EXT2_IFLNK && d.e2di_size >= 1024) return `symlink of ${d.e2di_size} bytes`;
  if (
    t !== EXT2_IFCHR &&
    t !== EXT2_IFBLK &&
    (f & (EXT2_EXTENTS | EXT2_INLINE_DATA)) === 0 &&
    !e2fs_dinode_isfastlink(s, d)
  ) {
    for (let i = 0; i < EXT2_N_BLOCKS; i++) {
      const b = d.e2di_blocks[i]!;
      if (b !== 0 && (b < s.e2fs_first_dblock || b >= s.e2fs_bcount))
        return `block pointer ${i} = ${b}`;
    }
  }
  return null;
}

/* ------------------------------------------------------------------------ */
/* directory entries                                                        */

/** Header of a directory entry: inode u32, rec_len u16, name_len (u8 + type u8 | u16). */
export const EXT2_DIR_HDR = 8;

/** file_type values with the filetype feature. */
export const EXT2_FT_UNKNOWN = 0;
export const EXT2_FT_REG_FILE = 1;
export const EXT2_FT_DIR = 2;
export const EXT2_FT_CHRDEV = 3;
export const EXT2_FT_BLKDEV = 4;
export const EXT2_FT_FIFO = 5;
export const EXT2_FT_SOCK = 6;
export const EXT2_FT_SYMLINK = 7;

/** A parsed directory entry header (struct ext2fs_direct). */
export class Ext2Direct {
  e2d_ino = 0;
  e2d_reclen = 0;
  e2d_namlen = 0;
  e2d_type = 0;
}

/** rec_len as stored → bytes (64 KiB blocks store 65536 as 0 or 65535). */
function reclen_decode(v: number, bsize: number): number {
  if (bsize === 65536 && (v === 0 || v === 65535)) return 65536;
  return v;
}

/** Parse the entry header at `off` of `b`. */
export function e2fs_direct_parse(
  b: Uint8Array,
  off: number,
  ftype: boolean,
  bsize: number,
  d: Ext2Direct,
): Ext2Direct {
  d.e2d_ino = e2_rd32(b, off);
  d.e2d_reclen = reclen_decode(e2_rd16(b, off + 4), bsize);
  if (ftype) {
    d.e2d_namlen = b[off + 6]!;
    d.e2d_type = b[off + 7]!;
  } else {
    d.e2d_namlen = e2_rd16(b, off + 6);
    d.e2d_type = EXT2_FT_UNKNOWN;
  }
  return d;
}

/** The name of the entry at `off` (a kernel byte string: one char per byte). */
export function e2fs_direct_name(b: Uint8Array, off: number, namlen: number): string {
  let s = "";
  const p = off + EXT2_DIR_HDR;
  for (let i = 0; i < namlen; i++) s += String.fromCharCode(b[p + i]!);
  return s;
}

/** Does the entry at `off` carry exactly `name`? */
export function e2fs_direct_namecmp(
  b: Uint8Array,
  off: number,
  namlen: number,
  name: string,
): boolean {
  if (namlen !== name.length) return false;
  const p = off + EXT2_DIR_HDR;
  for (let i = 0; i < namlen; i++) if (b[p + i] !== name.charCodeAt(i)) return false;
  return true;
}

/**
 * ext2fs_dirbadentry over a whole directory block `b[0…len)`: every
 * rec_len ≥ 8, 4-aligned and inside the block, every name inside its
 * record and not longer than 255, every inode number ≤ `maxino`, every
 * used entry's name free of NUL and '/' (as FFS's check). The walk
 * advances by ≥ 8 bytes a step, so it ends. Returns null or why not.
 */
export function e2fs_dirblk_check(
  b: Uint8Array,
  len: number,
  ftype: boolean,
  maxino: number,
  d: Ext2Direct,
): string | null {
  let off = 0;
  while (off < len) {
    if (len - off < EXT2_DIR_HDR) return `entry at ${off}: ${len - off} bytes left`;
    e2fs_direct_parse(b, off, ftype, len, d);
    const r = d.e2d_reclen;
    if (r < EXT2_DIR_HDR || r % 4 !== 0 || r > len - off) return `entry at ${off}: rec_len ${r}`;
    if (d.e2d_namlen > EXT2_MAXNAMLEN || d.e2d_namlen > r - EXT2_DIR_HDR)
      return `entry at ${off}: name_len ${d.e2d_namlen} in rec_len ${r}`;
    if (d.e2d_ino > maxino) return `entry at ${off}: inode ${d.e2d_ino}`;
    if (d.e2d_ino !== 0 && d.e2d_namlen === 0) return `entry at ${off}: empty name`;
    if (d.e2d_ino !== 0) {
      // e2fsck's "illegal characters": a name is one path component
      const p = off + EXT2_DIR_HDR;
      for (let i = 0; i < d.e2d_namlen; i++)
        if (b[p + i] === 0 || b[p + i] === 0x2f)
          return `entry at ${off}: inode ${d.e2d_ino}'s name contains NUL or '/'`;
    }
    off += r;
  }
  return null;
}

/* ------------------------------------------------------------------------ */
/* serializers (the inverse of the parsers above)                           */

/** Little-endian u16 / u32 stores. */
export function e2_wr16(b: Uint8Array, off: number, v: number): void {
  b[off] = v & 0xff;
  b[off + 1] = (v >>> 8) & 0xff;
}
export function e2_wr32(b: Uint8Array, off: number, v: number): void {
  b[off] = v & 0xff;
  b[off + 1] = (v >>> 8) & 0xff;
  b[off + 2] = (v >>> 16) & 0xff;
  b[off + 3] = (v >>> 24) & 0xff;
}

/**
 * Write the fields of `s` into the 1024 bytes of a superblock at `off` of
 * `b`. Bytes we do not model (UUID, hash seed, journal fields…) are left
 * as they are, so a mounted file system rewrites its own superblock
 * without losing them.
 */
export function ext2fs_sbserialize(s: Ext2Fs, b: Uint8Array, off = 0): void {
  const w32 = (o: number, v: number): void => e2_wr32(b, off + o, v);
  const w16 = (o: number, v: number): void => e2_wr16(b, off + o, v);
  const wide = s.e2fs_rev >= E2FS_REV1 && (s.e2fs_features_incompat & EXT2F_INCOMPAT_64BIT) !== 0;
  const lo = (v: number): number => v % 4294967296;
  const hi = (v: number): number => Math.floor(v / 4294967296);
  w32(0, s.e2fs_icount);
  w32(4, lo(s.e2fs_bcount));
  w32(8, lo(s.e2fs_rbcount));
  w32(12, lo(s.e2fs_fbcount));
  w32(16, s.e2fs_ficount);
  w32(20, s.e2fs_first_dblock);
  w32(24, s.e2fs_log_bsize);
  w32(28, s.e2fs_log_fsize);
  w32(32, s.e2fs_bpg);
  w32(36, s.e2fs_fpg);
  w32(40, s.e2fs_ipg);
  w32(44, s.e2fs_mtime);
  w32(48, s.e2fs_wtime);
  w16(52, s.e2fs_mnt_count);
  w16(54, s.e2fs_max_mnt_count);
  w16(56, s.e2fs_magic);
  w16(58, s.e2fs_state);
  w16(60, s.e2fs_beh);
  w16(62, s.e2fs_minrev);
  w32(64, s.e2fs_lastfsck);
  w32(68, s.e2fs_fsckintv);
  w32(72, s.e2fs_creator);
  w32(76, s.e2fs_rev);
  w16(80, s.e2fs_ruid);
  w16(82, s.e2fs_rgid);
  if (s.e2fs_rev >= E2FS_REV1) {
    w32(84, s.e2fs_first_ino);
    w16(88, s.e2fs_inode_size);
    w16(90, s.e2fs_block_group_nr);
    w32(92, s.e2fs_features_compat);
    w32(96, s.e2fs_features_incompat);
    w32(100, s.e2fs_features_rocompat);
    b.set(s.e2fs_uuid, off + 104);
    for (let i = 0; i < 16; i++)
      b[off + 120 + i] = i < s.e2fs_vname.length ? s.e2fs_vname.charCodeAt(i) & 0xff : 0;
    w16(206, s.e2fs_reserved_ngdb);
    w32(224, s.e2fs_journal_inum);
    w32(232, s.e2fs_last_orphan);
    for (let i = 0; i < 4; i++) w32(236 + i * 4, s.e2fs_hash_seed[i]!);
    b[off + 252] = s.e2fs_def_hash;
    w16(254, s.e2fs_desc_size);
    w32(260, s.e2fs_first_meta_bg);
    if (wide) {
      w32(336, hi(s.e2fs_bcount));
      w32(340, hi(s.e2fs_rbcount));
      w32(344, hi(s.e2fs_fbcount));
    }
    w16(348, s.e2fs_min_extra_isize);
    w16(350, s.e2fs_want_extra_isize);
    w32(352, s.e2fs_flags);
    b[off + 372] = s.e2fs_log_gpf;
    b[off + 373] = s.e2fs_csum_type;
    w32(588, s.e2fs_backup_bgs[0]!);
    w32(592, s.e2fs_backup_bgs[1]!);
    w32(624, s.e2fs_csum_seed_sb);
  }
}

/**
 * Write group descriptor `g` as entry `i` of the descriptor area `b`
 * (`gdsize` bytes each; the high halves only with 64-byte descriptors).
 * Bytes we do not model (the exclude bitmap, bg_checksum) keep theirs.
 */
export function e2fs_gd_serialize(
  g: Ext2Gd,
  b: Uint8Array,
  i: number,
  gdsize = E2FS_GD_SIZE,
): void {
  const off = i * gdsize;
  const lo32 = (v: number): number => v % 4294967296;
  e2_wr32(b, off, lo32(g.ext2bgd_b_bitmap));
  e2_wr32(b, off + 4, lo32(g.ext2bgd_i_bitmap));
  e2_wr32(b, off + 8, lo32(g.ext2bgd_i_tables));
  e2_wr16(b, off + 12, g.ext2bgd_nbfree & 0xffff);
  e2_wr16(b, off + 14, g.ext2bgd_nifree & 0xffff);
  e2_wr16(b, off + 16, g.ext2bgd_ndirs & 0xffff);
  e2_wr16(b, off + 18, g.ext2bgd_flags);
  e2_wr16(b, off + 0x18, g.ext2bgd_b_bitmap_csum & 0xffff);
  e2_wr16(b, off + 0x1a, g.ext2bgd_i_bitmap_csum & 0xffff);
  e2_wr16(b, off + 0x1c, g.ext2bgd_itable_unused & 0xffff);
  if (gdsize >= E2FS_GD_SIZE_64) {
    const hi32 = (v: number): number => Math.floor(v / 4294967296);
    e2_wr32(b, off + 0x20, hi32(g.ext2bgd_b_bitmap));
    e2_wr32(b, off + 0x24, hi32(g.ext2bgd_i_bitmap));
    e2_wr32(b, off + 0x28, hi32(g.ext2bgd_i_tables));
    e2_wr16(b, off + 0x2c, g.ext2bgd_nbfree >>> 16);
    e2_wr16(b, off + 0x2e, g.ext2bgd_nifree >>> 16);
    e2_wr16(b, off + 0x30, g.ext2bgd_ndirs >>> 16);
    e2_wr16(b, off + 0x32, g.ext2bgd_itable_unused >>> 16);
    e2_wr16(b, off + 0x38, g.ext2bgd_b_bitmap_csum >>> 16);
    e2_wr16(b, off + 0x3a, g.ext2bgd_i_bitmap_csum >>> 16);
  }
}

/** The extra field of a large-inode time stamp: epoch bits and nanoseconds. */
function xtime_extra(sec: number, nsec: number): number {
  const epoch = Math.floor((sec - (sec | 0)) / 4294967296) & 3;
  return (epoch | ((nsec >>> 0) << 2)) >>> 0;
}

/** i_extra_isize given to new inodes larger than 128 bytes (what mke2fs wants). */
export const E2FS_WANT_EXTRA_ISIZE = 32;

/**
 * Write inode `d` into the `s.e2fs_isize` bytes at `off` of `b`. Fields we
 * do not model (osd1, the checksum, extended attributes in the inode's
 * tail) keep their bytes: the checksum is ext2fs_csum.ts's to set after
 * this. Sizes ≥ 4 GiB go to i_size_high; i_blocks' high bits (and the
 * huge_file unit) and the EA block's with the features that have them;
 * the high 16 bits of the ids to osd2
 * (Linux layout); the nanoseconds and birth time to the large-inode part
 * when i_extra_isize covers them.
 */
export function e2fs_dinode_serialize(d: Ext2Dinode, b: Uint8Array, off: number, s: Ext2Fs): void {
  e2_wr16(b, off, d.e2di_mode);
  e2_wr16(b, off + 2, d.e2di_uid & 0xffff);
  e2_wr32(b, off + 4, d.e2di_size % 4294967296);
  e2_wr32(b, off + 8, d.e2di_atime);
  e2_wr32(b, off + 12, d.e2di_ctime);
  e2_wr32(b, off + 16, d.e2di_mtime);
  e2_wr32(b, off + 20, d.e2di_dtime);
  e2_wr16(b, off + 24, d.e2di_gid & 0xffff);
  e2_wr16(b, off + 26, d.e2di_nlink);
  let nblock = d.e2di_nblock;
  if (d.e2di_flags & EXT2_HUGE_FILE) nblock = Math.floor(nblock / (s.e2fs_bsize / 512));
  e2_wr32(b, off + 28, nblock % 4294967296);
  if (e2fs_has_rocompat(s, EXT2F_ROCOMPAT_HUGE_FILE))
    e2_wr16(b, off + 116, Math.floor(nblock / 4294967296) & 0xffff);
  e2_wr32(b, off + 32, d.e2di_flags);
  const blocks = d.e2di_blocks;
  for (let i = 0; i < EXT2_N_BLOCKS; i++) e2_wr32(b, off + 40 + i * 4, blocks[i]!);
  e2_wr32(b, off + 100, d.e2di_gen);
  e2_wr32(b, off + 104, d.e2di_facl % 4294967296);
  if (e2fs_has_incompat(s, EXT2F_INCOMPAT_64BIT))
    e2_wr16(b, off + 118, Math.floor(d.e2di_facl / 4294967296) & 0xffff);
  if (e2fs_has_size_high(s, d.e2di_mode))
    e2_wr32(b, off + 108, Math.floor(d.e2di_size / 4294967296));
  if (s.e2fs_creator !== E2FS_OS_HURD) {
    e2_wr16(b, off + 120, (d.e2di_uid >>> 16) & 0xffff);
    e2_wr16(b, off + 122, (d.e2di_gid >>> 16) & 0xffff);
  }
  if (s.e2fs_isize > 128) {
    // i_extra_isize says which of the large-inode fields exist
    const end = 128 + e2_rd16(b, off + 128);
    if (end >= 132 && end <= s.e2fs_isize) {
      if (end >= 136) e2_wr32(b, off + 132, xtime_extra(d.e2di_ctime, d.e2di_ctimensec));
      if (end >= 140) e2_wr32(b, off + 136, xtime_extra(d.e2di_mtime, d.e2di_mtimensec));
      if (end >= 144) e2_wr32(b, off + 140, xtime_extra(d.e2di_atime, d.e2di_atimensec));
      if (end >= 152) {
        e2_wr32(b, off + 144, d.e2di_crtime);
        e2_wr32(b, off + 148, xtime_extra(d.e2di_crtime, d.e2di_crtimensec));
      }
    }
  }
}

/**
 * Make the `s.e2fs_isize` bytes at `off` of `b` a blank inode: all zero,
 * with i_extra_isize set for inodes larger than 128 bytes (so a new
 * inode's nanoseconds and birth time have a place and e2fsck agrees).
 */
export function e2fs_dinode_blank(b: Uint8Array, off: number, s: Ext2Fs): void {
  b.fill(0, off, off + s.e2fs_isize);
  if (s.e2fs_isize < 128 + E2FS_WANT_EXTRA_ISIZE) return;
  let want = Math.max(E2FS_WANT_EXTRA_ISIZE, s.e2fs_want_extra_isize, s.e2fs_min_extra_isize);
  want = Math.min(want, s.e2fs_isize - 128) & ~3;
  e2_wr16(b, off + 128, want);
}

/** Bytes a directory entry with a name of `namlen` bytes needs (EXT2_DIR_REC_LEN). */
export function EXT2_DIR_REC_LEN(namlen: number): number {
  return (EXT2_DIR_HDR + namlen + 3) & ~3;
}

/** rec_len → the stored value (65536 in a 64 KiB block is stored as 65535). */
function reclen_encode(v: number): number {
  return v >= 65536 ? 65535 : v;
}

/**
 * Write a directory entry at `off` of `b`: inode, rec_len, the name (a
 * kernel byte string) and, with the filetype feature, its file_type; else
 * name_len is 16 bits.
 */
export function e2fs_direct_write(
  b: Uint8Array,
  off: number,
  ftype: boolean,
  ino: number,
  reclen: number,
  type: number,
  name: string,
): void {
  e2_wr32(b, off, ino);
  e2_wr16(b, off + 4, reclen_encode(reclen));
  const n = name.length;
  if (ftype) {
    b[off + 6] = n;
    b[off + 7] = type;
  } else {
    e2_wr16(b, off + 6, n);
  }
  const p = off + EXT2_DIR_HDR;
  for (let i = 0; i < n; i++) b[p + i] = name.charCodeAt(i) & 0xff;
  // tidy padding: the rest of the record's used part
  b.fill(0, p + n, off + Math.min(reclen, EXT2_DIR_REC_LEN(n)));
}

/** Set only the rec_len of the entry at `off`. */
export function e2fs_direct_set_reclen(b: Uint8Array, off: number, reclen: number): void {
  e2_wr16(b, off + 4, reclen_encode(reclen));
}

/** Set the inode (and file_type, with the filetype feature) of the entry at `off`. */
export function e2fs_direct_set_ino(
  b: Uint8Array,
  off: number,
  ftype: boolean,
  ino: number,
  type: number,
): void {
  e2_wr32(b, off, ino);
  if (ftype) b[off + 7] = type;
}

/**
 * The groups that hold a copy of the superblock and descriptors: all of
 * them, with sparse_super only 0, 1 and the powers of 3, 5 and 7, with
 * sparse_super2 group 0 and the (at most two) groups s_backup_bgs names.
 */
export function e2fs_cg_has_sb(s: Ext2Fs, g: number): boolean {
  if (g === 0) return true;
  if (s.e2fs_rev < E2FS_REV1) return true;
  if (s.e2fs_features_compat & EXT2F_COMPAT_SPARSESUPER2)
    return g === s.e2fs_backup_bgs[0] || g === s.e2fs_backup_bgs[1];
  if (g <= 1 || (s.e2fs_features_rocompat & EXT2F_ROCOMPAT_SPARSESUPER) === 0) return true;
  for (const p of [3, 5, 7]) {
    let x = p;
    while (x < g) x *= p;
    if (x === g) return true;
  }
  return false;
}

/** file_type of an i_mode (EXT2_FT_*). */
export function e2fs_mode_to_ft(mode: number): number {
  switch (mode & EXT2_IFMT) {
    case EXT2_IFREG:
      return EXT2_FT_REG_FILE;
    case EXT2_IFDIR:
      return EXT2_FT_DIR;
    case EXT2_IFCHR:
      return EXT2_FT_CHRDEV;
    case EXT2_IFBLK:
      return EXT2_FT_BLKDEV;
    case EXT2_IFIFO:
      return EXT2_FT_FIFO;
    case EXT2_IFSOCK:
      return EXT2_FT_SOCK;
    case EXT2_IFLNK:
      return EXT2_FT_SYMLINK;
    default:
      return EXT2_FT_UNKNOWN;
  }
}

/**
 * What a read-write mount keeps valid: every feature the read path knows
 * (ext4's included) except the journal's recovery, and the compatible
 * features a writer may ignore or keeps (sparse_super2 moves the backups,
 * which e2fs_cg_has_sb follows). The others (the orphan file and fast
 * commits need their own upkeep, exclude bitmaps and lazy groups change
 * the group layout, quota files would go stale) keep the mount read-only.
 */
export const EXT2F_INCOMPAT_SUPP_RW = EXT2F_INCOMPAT_SUPP_RO;
export const EXT2F_ROCOMPAT_SUPP_RW = EXT2F_ROCOMPAT_SUPP;
export const EXT2F_COMPAT_SUPP_RW =
  EXT2F_COMPAT_PREALLOC |
  EXT2F_COMPAT_IMAGIC |
  EXT2F_COMPAT_HAS_JOURNAL |
  EXT2F_COMPAT_EXT_ATTR |
  EXT2F_COMPAT_RESIZE |
  EXT2F_COMPAT_DIR_INDEX |
  EXT2F_COMPAT_SPARSESUPER2 |
  EXT2F_COMPAT_STABLE_INODES;
/**
 * May a file system with these features be written? null, or why not
 * (naming them). A pending orphan list is the mount's to process
 * (ext2fs_orphan_cleanup), not a reason.
 */
export function ext2fs_rw_check(s: Ext2Fs): string | null {
  if (s.e2fs_rev < E2FS_REV1) return null;
  const compat = s.e2fs_features_compat & ~EXT2F_COMPAT_SUPP_RW;
  if (compat !== 0)
    return `compatible features supported read-only only: ${e2fs_compat_names(compat).join(" ")}`;
  const inc = s.e2fs_features_incompat & ~(EXT2F_INCOMPAT_SUPP_RW | EXT2F_INCOMPAT_RECOVER);
  if (inc !== 0)
    return `incompatible features supported read-only only: ${e2fs_incompat_names(inc).join(" ")}`;
  const ro = s.e2fs_features_rocompat & ~EXT2F_ROCOMPAT_SUPP_RW;
  if (ro !== 0)
    return `read-only compatible features force read-only: ${e2fs_rocompat_names(ro).join(" ")}`;
  return null;
}
