/**
 * The on-disk layout of the JBD2 journal (the ext3/ext4 log; Linux's
 * include/linux/jbd2.h, e2fsprogs' kernel-jbd.h): the journal superblock,
 * block headers, descriptor tags, commit and revoke blocks, and their
 * checksums (v1: CRC-32 MSB-first over a transaction; v2/v3: CRC-32C per
 * block). Pure functions over Uint8Array, like ext2fs.ts.
 *
 * Byte order: JBD2 is big-endian on every host (unlike ext2 itself).
 *
 * Distrust the disk: `jbd2_sb_check` is the one gate a journal superblock
 * passes before any use; every other structure is bounded by the block
 * size before it is walked.
 */
import { crc32c_update } from "../../libkern/crc.js";

/** h_magic of every journal metadata block */
export const JBD2_MAGIC = 0xc03b3998;

/** h_blocktype */
export const JBD2_DESCRIPTOR_BLOCK = 1;
export const JBD2_COMMIT_BLOCK = 2;
export const JBD2_SUPERBLOCK_V1 = 3;
export const JBD2_SUPERBLOCK_V2 = 4;
export const JBD2_REVOKE_BLOCK = 5;

/** s_feature_compat */
export const JBD2_FEATURE_COMPAT_CHECKSUM = 0x1;
/** s_feature_incompat */
export const JBD2_FEATURE_INCOMPAT_REVOKE = 0x1;
export const JBD2_FEATURE_INCOMPAT_64BIT = 0x2;
export const JBD2_FEATURE_INCOMPAT_ASYNC_COMMIT = 0x4;
export const JBD2_FEATURE_INCOMPAT_CSUM_V2 = 0x8;
export const JBD2_FEATURE_INCOMPAT_CSUM_V3 = 0x10;
export const JBD2_FEATURE_INCOMPAT_FAST_COMMIT = 0x20;
/** the incompat features a reader must know (Linux's JBD2_KNOWN_INCOMPAT_FEATURES) */
export const JBD2_KNOWN_INCOMPAT =
  JBD2_FEATURE_INCOMPAT_REVOKE |
  JBD2_FEATURE_INCOMPAT_64BIT |
  JBD2_FEATURE_INCOMPAT_ASYNC_COMMIT |
  JBD2_FEATURE_INCOMPAT_CSUM_V2 |
  JBD2_FEATURE_INCOMPAT_CSUM_V3 |
  JBD2_FEATURE_INCOMPAT_FAST_COMMIT;

/** s_checksum_type for v2/v3 */
export const JBD2_CRC32C_CHKSUM = 4;
/** commit block h_chksum_type / h_chksum_size of a v1 (crc32_be) checksum */
export const JBD2_CRC32_CHKSUM = 1;
export const JBD2_CRC32_CHKSUM_SIZE = 4;

/** tag t_flags */
export const JBD2_FLAG_ESCAPE = 0x1;
export const JBD2_FLAG_SAME_UUID = 0x2;
export const JBD2_FLAG_DELETED = 0x4;
export const JBD2_FLAG_LAST_TAG = 0x8;

/** journal_header_t: magic, blocktype, sequence */
export const JBD2_HEADER_SIZE = 12;
/** a revoke block's header: journal_header_t and r_count */
export const JBD2_REVOKE_HEADER_SIZE = 16;
/** jbd2_journal_block_tail: the checksum at the end of descriptor and revoke blocks (v2/v3) */
export const JBD2_TAIL_SIZE = 4;
/** the UUID that follows a tag without JBD2_FLAG_SAME_UUID */
export const JBD2_UUID_SIZE = 16;
/** journal superblock fields (byte offsets) */
export const JSB_BLOCKSIZE = 0x0c;
export const JSB_MAXLEN = 0x10;
export const JSB_FIRST = 0x14;
export const JSB_SEQUENCE = 0x18;
export const JSB_START = 0x1c;
export const JSB_ERRNO = 0x20;
export const JSB_INCOMPAT = 0x28;
export const JSB_CHECKSUM = 0xfc;
/** bytes of the superblock the v2/v3 checksum covers */
export const JSB_SIZE = 1024;
/** commit block: h_chksum_type, h_chksum_size, h_chksum[0], h_commit_sec (be64) */
export const JCOMMIT_CHKSUM_TYPE = 0x0c;
export const JCOMMIT_CHKSUM_SIZE = 0x0d;
export const JCOMMIT_CHKSUM = 0x10;
export const JCOMMIT_SEC = 0x30;

/** Big-endian u16 / u32 at `off` of `b`. */
export function jbd2_rd16(b: Uint8Array, off: number): number {
  return (b[off]! << 8) | b[off + 1]!;
}
export function jbd2_rd32(b: Uint8Array, off: number): number {
  return ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0;
}
export function jbd2_wr32(b: Uint8Array, off: number, v: number): void {
  b[off] = v >>> 24;
  b[off + 1] = v >>> 16;
  b[off + 2] = v >>> 8;
  b[off + 3] = v;
}

/** Transaction IDs wrap at 2^32: a is after b (tid_gt). */
export function tid_gt(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}

/** The journal superblock, parsed and checked (journal_superblock_t). */
export class Jbd2Sb {
  /** 1 or 2 */
  js_version = 0;
  js_blocksize = 0;
  /** blocks in the journal, its superblock included */
  js_maxlen = 0;
  /** first block of the log (after the superblock) */
  js_first = 0;
  /** the first transaction ID expected in the log */
  js_sequence = 0;
  /** the log's first block; 0: the journal is empty */
  js_start = 0;
  js_errno = 0;
  js_compat = 0;
  js_incompat = 0;
  js_rocompat = 0;
  /** the end of the circular log area: maxlen, less the fast-commit area */
  js_last = 0;
  /** CRC-32C of the UUID, from ~0: the seed of every v2/v3 block checksum */
  js_csum_seed = 0;
  /** bytes of a descriptor tag (journal_tag_bytes) */
  js_tagbytes = 8;
  /** v2/v3 block checksums */
  js_csum = false;
  /** v1 transaction checksum */
  js_v1csum = false;
  js_64bit = false;
  js_async = false;
}

/**
 * Parse and check a journal superblock `b` (a whole journal block) against
 * the file system's block size `bsize` and the `avail` blocks its inode
 * maps. Returns the superblock, or why it is unusable (a string).
 */
export function jbd2_sb_check(b: Uint8Array, bsize: number, avail: number): Jbd2Sb | string {
  if (b.length < JSB_SIZE) return "journal block smaller than its superblock";
  if (jbd2_rd32(b, 0) !== JBD2_MAGIC)
    return `bad journal superblock magic 0x${jbd2_rd32(b, 0).toString(16)}`;
  const s = new Jbd2Sb();
  const type = jbd2_rd32(b, 4);
  if (type === JBD2_SUPERBLOCK_V1) s.js_version = 1;
  else if (type === JBD2_SUPERBLOCK_V2) s.js_version = 2;
  else return `journal superblock of unknown type ${type}`;
  s.js_blocksize = jbd2_rd32(b, JSB_BLOCKSIZE);
  s.js_maxlen = jbd2_rd32(b, JSB_MAXLEN);
  s.js_first = jbd2_rd32(b, JSB_FIRST);
  s.js_sequence = jbd2_rd32(b, JSB_SEQUENCE);
  s.js_start = jbd2_rd32(b, JSB_START);
  s.js_errno = jbd2_rd32(b, JSB_ERRNO) | 0;
  if (s.js_blocksize !== bsize)
    return `journal block size ${s.js_blocksize} is not the file system's ${bsize}`;
  if (s.js_maxlen > avail)
    return `journal of ${s.js_maxlen} blocks is longer than its inode (${avail} blocks)`;
  if (s.js_first === 0 || s.js_first >= s.js_maxlen)
    return `journal log starts at block ${s.js_first} of ${s.js_maxlen}`;
  if (s.js_version === 2) {
    s.js_compat = jbd2_rd32(b, 0x24);
    s.js_incompat = jbd2_rd32(b, JSB_INCOMPAT);
    s.js_rocompat = jbd2_rd32(b, 0x2c);
    const unknown = s.js_incompat & ~JBD2_KNOWN_INCOMPAT;
    if (unknown !== 0) return `unknown journal incompatible features 0x${unknown.toString(16)}`;
    const v2 = (s.js_incompat & JBD2_FEATURE_INCOMPAT_CSUM_V2) !== 0;
    const v3 = (s.js_incompat & JBD2_FEATURE_INCOMPAT_CSUM_V3) !== 0;
    if (v2 && v3) return "journal checksums v2 and v3 both set";
    s.js_csum = v2 || v3;
    s.js_v1csum = (s.js_compat & JBD2_FEATURE_COMPAT_CHECKSUM) !== 0;
    if (s.js_csum && s.js_v1csum) return "journal checksums v1 and v2/v3 both set";
    s.js_64bit = (s.js_incompat & JBD2_FEATURE_INCOMPAT_64BIT) !== 0;
    s.js_async = (s.js_incompat & JBD2_FEATURE_INCOMPAT_ASYNC_COMMIT) !== 0;
    if (s.js_csum) {
      if (b[0x50] !== JBD2_CRC32C_CHKSUM) return `journal checksum type ${b[0x50]} is not crc32c`;
      if (jbd2_sb_csum(b) !== jbd2_rd32(b, JSB_CHECKSUM))
        return "journal superblock checksum mismatch";
      s.js_csum_seed = crc32c_update(0xffffffff, b, 0x30, 0x40);
    }
    if (v3) s.js_tagbytes = 16;
    else s.js_tagbytes = (v2 ? 10 : 8) + (s.js_64bit ? 4 : 0);
  }
  s.js_last = s.js_maxlen;
  if (s.js_incompat & JBD2_FEATURE_INCOMPAT_FAST_COMMIT) {
    const nfc = jbd2_rd32(b, 0x54) || 256;
    if (nfc >= s.js_maxlen - s.js_first) return `fast-commit area of ${nfc} blocks leaves no log`;
    s.js_last = s.js_maxlen - nfc;
  }
  if (s.js_start !== 0 && (s.js_start < s.js_first || s.js_start >= s.js_last))
    return `journal log start ${s.js_start} outside [${s.js_first}, ${s.js_last})`;
  return s;
}

/** The superblock's v2/v3 checksum: CRC-32C from ~0 over it, the field as zero. */
export function jbd2_sb_csum(b: Uint8Array): number {
  let c = crc32c_update(0xffffffff, b, 0, JSB_CHECKSUM);
  c = crc32c_update(c, ZERO4, 0, 4);
  return crc32c_update(c, b, JSB_CHECKSUM + 4, JSB_SIZE);
}

const ZERO4 = new Uint8Array(4);

/**
 * A v2/v3 block checksum over a whole block whose own 4-byte field at
 * `field` counts as zero (descriptor and revoke tails, commit h_chksum[0]).
 */
export function jbd2_block_csum(s: Jbd2Sb, b: Uint8Array, field: number): number {
  let c = crc32c_update(s.js_csum_seed, b, 0, field);
  c = crc32c_update(c, ZERO4, 0, 4);
  return crc32c_update(c, b, field + 4, b.length);
}

/** Does a descriptor or revoke block's tail checksum hold (always, without v2/v3)? */
export function jbd2_tail_ok(s: Jbd2Sb, b: Uint8Array): boolean {
  if (!s.js_csum) return true;
  const at = b.length - JBD2_TAIL_SIZE;
  return jbd2_block_csum(s, b, at) === jbd2_rd32(b, at);
}

/** Does a commit block's v2/v3 checksum hold (always, without v2/v3)? */
export function jbd2_commit_ok(s: Jbd2Sb, b: Uint8Array): boolean {
  if (!s.js_csum) return true;
  return jbd2_block_csum(s, b, JCOMMIT_CHKSUM) === jbd2_rd32(b, JCOMMIT_CHKSUM);
}

/** A commit block's time (h_commit_sec, be64) as a number. */
export function jbd2_commit_time(b: Uint8Array): number {
  return jbd2_rd32(b, JCOMMIT_SEC) * 0x100000000 + jbd2_rd32(b, JCOMMIT_SEC + 4);
}

/** The v2/v3 checksum of a logged data block of transaction `seq`, as its tag stores it. */
export function jbd2_data_csum(s: Jbd2Sb, seq: number, data: Uint8Array): number {
  SEQ[0] = seq >>> 24;
  SEQ[1] = seq >>> 16;
  SEQ[2] = seq >>> 8;
  SEQ[3] = seq;
  const c = crc32c_update(crc32c_update(s.js_csum_seed, SEQ, 0, 4), data);
  return s.js_tagbytes === 16 ? c : c & 0xffff;
}

const SEQ = new Uint8Array(4);

/** The end (exclusive) of a descriptor block's tag area. */
export function jbd2_tag_end(s: Jbd2Sb, bsize: number): number {
  return bsize - (s.js_csum ? JBD2_TAIL_SIZE : 0);
}

/**
 * Walk the tags of descriptor block `b`: calls `fn(off, flags)` for each
 * tag at byte `off` (with its flags) and returns how many there are
 * (count_tags). A tag's flags are the be16 at byte 6 in every tag format
 * (the low half of tag3's be32).
 */
export function jbd2_tag_count(s: Jbd2Sb, b: Uint8Array): number {
  const end = jbd2_tag_end(s, b.length);
  let off = JBD2_HEADER_SIZE;
  let n = 0;
  while (off + s.js_tagbytes <= end) {
    const flags = jbd2_rd16(b, off + 6);
    n++;
    off += s.js_tagbytes + (flags & JBD2_FLAG_SAME_UUID ? 0 : JBD2_UUID_SIZE);
    if (flags & JBD2_FLAG_LAST_TAG) break;
  }
  return n;
}

/** The next tag after the one at `off` with `flags`, or -1 when it was the last. */
export function jbd2_tag_next(s: Jbd2Sb, b: Uint8Array, off: number): number {
  const flags = jbd2_rd16(b, off + 6);
  if (flags & JBD2_FLAG_LAST_TAG) return -1;
  const next = off + s.js_tagbytes + (flags & JBD2_FLAG_SAME_UUID ? 0 : JBD2_UUID_SIZE);
  return next + s.js_tagbytes <= jbd2_tag_end(s, b.length) ? next : -1;
}

/** The file-system block a tag names (48 bits at most with 64bit; larger is returned as is). */
export function jbd2_tag_block(s: Jbd2Sb, b: Uint8Array, off: number): number {
  const lo = jbd2_rd32(b, off);
  return s.js_64bit ? jbd2_rd32(b, off + 8) * 0x100000000 + lo : lo;
}

/** The checksum a tag stores for its block (v3: be32 at 12; v2: be16 at 4). */
export function jbd2_tag_csum(s: Jbd2Sb, b: Uint8Array, off: number): number {
  return s.js_tagbytes === 16 ? jbd2_rd32(b, off + 12) : jbd2_rd16(b, off + 4);
}

/**
 * The byte range of a revoke block's records: [JBD2_REVOKE_HEADER_SIZE,
 * end), each 4 bytes (8 with 64bit). -1 when r_count runs past the block
 * (or into its checksum tail).
 */
export function jbd2_revoke_end(s: Jbd2Sb, b: Uint8Array): number {
  const count = jbd2_rd32(b, JBD2_HEADER_SIZE);
  if (count > b.length - (s.js_csum ? JBD2_TAIL_SIZE : 0)) return -1;
  return count;
}

/** The size of one revoke record. */
export function jbd2_revoke_reclen(s: Jbd2Sb): number {
  return s.js_64bit ? 8 : 4;
}
