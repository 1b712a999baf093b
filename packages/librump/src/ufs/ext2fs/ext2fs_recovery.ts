/**
 * Journal recovery at mount (what Linux's jbd2_journal_recover and
 * e2fsck's journal replay do): an ext3/ext4 image whose needs_recovery
 * flag is set (the system went down with transactions in its journal) gets
 * its committed transactions written back to their home blocks.
 *
 * Passes over the log, as JBD2 defines them: SCAN finds where the valid
 * log ends (sequence numbers, commit blocks, checksums v1/v2/v3, async
 * commit), REVOKE collects the revoke records, VERIFY walks the tags that
 * would be replayed and checks every one (a block inside the file system
 * and outside the journal, its v2/v3 checksum), and only then REPLAY copies
 * the newest unrevoked version of each block home. A corrupt journal thus
 * fails the mount before anything is written.
 *
 * A read-write mount replays into the image, then empties the journal
 * (s_start 0, the next sequence) and clears needs_recovery, as e2fsck
 * does. A read-only mount replays into a BufOverlay on the device vnode:
 * the image is untouched and only this mount sees the recovered blocks;
 * an update to read-write later writes them out (ext2fs_journal_commit).
 *
 * Every walk is bounded by the journal's length, revoke records and
 * overlaid bytes are capped, and every block number is checked: a hostile
 * journal costs a console line and EIO/EFTYPE, never a hang.
 */
import { EFTYPE, EIO, ENOMEM, EOPNOTSUPP } from "../../gen/constants.js";
import { bread, brelse, bwrite, getblk, vflushbuf } from "../../kern/vfs_bio.js";
import { BufOverlay, DEV_BSIZE } from "../../sys/buf.js";
import { crc32_be_update, crc32c_update } from "../../libkern/crc.js";
import {
  E2FS_ERRORS,
  e2_rd16,
  e2_rd32,
  e2_wr16,
  e2_wr32,
  e2fs_dinode_check,
  e2fs_dinode_parse,
  EXT2_IFMT,
  EXT2_IFREG,
  EXT2F_COMPAT_HAS_JOURNAL,
  EXT2F_INCOMPAT_RECOVER,
  EXT2F_ROCOMPAT_METADATA_CKSUM,
  SBOFF,
  SBSIZE,
} from "./ext2fs.js";
import { E2Inode, e2_bdwrite, e2_fsbtodb, type Ext2Mount } from "./ext2fs_extern.js";
import { ext2fs_bmap } from "./ext2fs_bmap.js";
import { ext2fs_inoblk } from "./ext2fs_inode.js";
import {
  JBD2_COMMIT_BLOCK,
  JBD2_CRC32_CHKSUM,
  JBD2_CRC32_CHKSUM_SIZE,
  JBD2_DESCRIPTOR_BLOCK,
  JBD2_FEATURE_INCOMPAT_CSUM_V2,
  JBD2_FEATURE_INCOMPAT_CSUM_V3,
  JBD2_FEATURE_INCOMPAT_FAST_COMMIT,
  JBD2_FLAG_ESCAPE,
  JBD2_HEADER_SIZE,
  JBD2_MAGIC,
  JBD2_REVOKE_BLOCK,
  JBD2_REVOKE_HEADER_SIZE,
  JBD2_SUPERBLOCK_V2,
  JCOMMIT_CHKSUM,
  JCOMMIT_CHKSUM_SIZE,
  JCOMMIT_CHKSUM_TYPE,
  JSB_CHECKSUM,
  JSB_ERRNO,
  JSB_INCOMPAT,
  JSB_SEQUENCE,
  JSB_START,
  Jbd2Sb,
  jbd2_commit_ok,
  jbd2_commit_time,
  jbd2_data_csum,
  jbd2_rd16,
  jbd2_rd32,
  jbd2_revoke_end,
  jbd2_revoke_reclen,
  jbd2_sb_check,
  jbd2_sb_csum,
  jbd2_tag_block,
  jbd2_tag_count,
  jbd2_tag_csum,
  jbd2_tag_next,
  jbd2_tail_ok,
  jbd2_wr32,
  tid_gt,
} from "./ext2fs_journal.js";

/** Distinct revoked blocks a journal may name (a hostile one could name millions). */
export const JBD2_REVOKE_MAX = 1 << 21;
/** Bytes a read-only recovery may hold in memory (besides RUMP_MEMLIMIT). */
export const JBD2_OVERLAY_MAX = 512 * 1024 * 1024;

/** superblock: s_journal_uuid, s_journal_dev (an external journal) */
const SB_JOURNAL_UUID = 0xd0;
const SB_JOURNAL_DEV = 0xe4;
/** superblock: s_checksum (metadata_csum) */
const SB_CHECKSUM = 0x3fc;
const SB_INCOMPAT = 96;
const SB_STATE = 58;

const PASS_REVOKE = 1;
const PASS_VERIFY = 2;
const PASS_REPLAY = 3;

/** What a read-only recovery leaves for an update to read-write (BufOverlay.ov_private). */
export class Ext2JournalPending {
  constructor(
    /** the journal superblock's block on the device */
    readonly jp_sbblk: number,
    /** the s_sequence the emptied journal starts at */
    readonly jp_sequence: number,
  ) {}
}

/** The journal being recovered. */
class Journal {
  sb = new Jbd2Sb();
  /** logical → physical runs, by logical start: [lstart, pstart, len] × n */
  readonly lmap: number[] = [];
  /** the same runs by physical start: [pstart, len] × n */
  pmap: number[] = [];
  /** the current log block and a logged data block */
  readonly buf: Uint8Array;
  readonly dbuf: Uint8Array;
  /** block → the newest transaction that revoked it */
  readonly revoke = new Map<number, number>();
  /** the first transaction not to replay (SCAN's answer) */
  end = 0;
  /** ring length: js_last - js_first */
  ring = 0;
  /** where replayed blocks go (read-only recovery), else null */
  overlay: BufOverlay | null = null;
  overlayBytes = 0;
  replayed = 0;
  revoked = 0;
  readonly bpp = { v: null as import("../../sys/buf.js").Buf | null };
  constructor(
    readonly ump: Ext2Mount,
    readonly bsize: number,
  ) {
    this.buf = new Uint8Array(bsize);
    this.dbuf = new Uint8Array(bsize);
  }
}

function jcorrupt(ump: Ext2Mount, what: string, error = EIO): number {
  ump.um_kernel.printf(
    `ext2fs ${ump.um_fspec}: journal recovery failed: ${what}; the image is unchanged, run e2fsck\n`,
  );
  return error;
}

/**
 * ext2fs_journal_recover: replay the journal of the file system `ump`
 * describes (a mount being set up, the superblock and group descriptors as
 * read before recovery). Read-write: into the image, the journal emptied
 * and needs_recovery cleared on disk. Read-only: into a BufOverlay set on
 * the device vnode. 0 or an errno, with a console line.
 */
export function ext2fs_journal_recover(ump: Ext2Mount, ronly: boolean): number {
  const k = ump.um_kernel;
  const fs = ump.um_e2fs;
  const raw = ump.um_sbraw;
  if ((fs.e2fs_features_compat & EXT2F_COMPAT_HAS_JOURNAL) === 0)
    return jcorrupt(ump, "needs_recovery is set but there is no journal (has_journal)", EFTYPE);
  let ext = e2_rd32(raw, SB_JOURNAL_DEV) !== 0;
  for (let i = 0; i < 16; i++) if (raw[SB_JOURNAL_UUID + i] !== 0) ext = true;
  if (ext) {
    k.printf(
      `ext2fs ${ump.um_fspec}: mount refused: the journal is on an external device (journal_dev), which is not supported; run e2fsck with it\n`,
    );
    return EOPNOTSUPP;
  }
  if (fs.e2fs_journal_inum === 0)
    return jcorrupt(ump, "needs_recovery is set but the superblock names no journal inode", EFTYPE);
  const j = new Journal(ump, fs.e2fs_bsize);
  let error = journal_open(j);
  if (error !== 0) return error;
  const s = j.sb;
  if (s.js_incompat & JBD2_FEATURE_INCOMPAT_FAST_COMMIT) {
    k.printf(
      `ext2fs ${ump.um_fspec}: mount refused: fast-commit journals are not replayed; run e2fsck\n`,
    );
    return EOPNOTSUPP;
  }
  if (s.js_start === 0) {
    // nothing logged: only the flag to clear
    j.end = s.js_sequence;
  } else {
    error = pass_scan(j);
    if (error === 0) error = walk(j, PASS_REVOKE);
    if (error === 0) error = walk(j, PASS_VERIFY);
    if (error !== 0) return error;
    if (ronly) {
      j.overlay = new BufOverlay(j.bsize);
    }
    error = walk(j, PASS_REPLAY);
    if (error !== 0) {
      if (j.overlay !== null) k.memRelease(j.overlayBytes);
      return error;
    }
  }
  // e2fsck restarts the log one past the first unused transaction ID
  const pending = new Ext2JournalPending(
    jmap(j, 0),
    (s.js_start === 0 ? s.js_sequence : j.end) + 1,
  );
  const ntrans = s.js_start === 0 ? 0 : (j.end - s.js_sequence) >>> 0;
  if (ronly) {
    const ov = j.overlay ?? new BufOverlay(j.bsize);
    ov.ov_private = pending;
    // the overlay's keys are device blocks of the file system's size
    ump.um_devvp.v_overlay = ov;
    k.printf(
      `ext2fs ${ump.um_fspec}: journal recovered in memory (read-only mount): ${ntrans} transactions, ${j.replayed} blocks replayed, ${j.revoked} revoked; the image is unchanged\n`,
    );
    return 0;
  }
  error = vflushbuf(ump.um_devvp);
  if (error === 0) error = journal_finish(ump, pending);
  if (error !== 0) {
    k.printf(`ext2fs ${ump.um_fspec}: journal recovery: write error ${error}\n`);
    return error;
  }
  k.printf(
    `ext2fs ${ump.um_fspec}: journal recovered: ${ntrans} transactions, ${j.replayed} blocks replayed, ${j.revoked} revoked\n`,
  );
  return 0;
}

/**
 * ext2fs_journal_commit: a read-only mount that recovered into memory is
 * updated to read-write: the overlaid blocks go to the image, then the
 * journal is emptied and needs_recovery cleared (in `ump`'s superblock
 * too). The overlay goes away once everything is written.
 */
export function ext2fs_journal_commit(ump: Ext2Mount): number {
  const devvp = ump.um_devvp;
  const ov = devvp.v_overlay;
  if (ov === null) return 0;
  const pending = ov.ov_private as Ext2JournalPending;
  const bsize = ov.ov_bsize;
  const step = bsize / DEV_BSIZE;
  // the overlay stays while its blocks go out (a write through it is a no-op)
  for (const [blk, data] of ov.ov_blocks) {
    const bp = getblk(devvp, blk * step, bsize);
    if (bp === null) return ENOMEM;
    bp.b_data.set(data);
    e2_bdwrite(bp);
  }
  let error = vflushbuf(devvp);
  if (error === 0) error = journal_finish(ump, pending);
  if (error !== 0) {
    ump.um_kernel.printf(`ext2fs ${ump.um_fspec}: journal recovery: write error ${error}\n`);
    return error;
  }
  ext2fs_journal_drop(ump.um_kernel, devvp);
  ump.um_e2fs.e2fs_features_incompat &= ~EXT2F_INCOMPAT_RECOVER;
  return 0;
}

/** Forget a device vnode's overlay (unmount, a failed mount). */
export function ext2fs_journal_drop(
  k: import("../../kern/kernel.js").Kernel,
  devvp: import("../../sys/vnode.js").Vnode,
): void {
  const ov = devvp.v_overlay;
  if (ov === null) return;
  k.memRelease(ov.ov_blocks.size * ov.ov_bsize);
  devvp.v_overlay = null;
}

/**
 * The journal is replayed and on disk: empty it (s_start 0, the next
 * sequence, errno kept for e2fsck) and clear needs_recovery in the primary
 * superblock, in that order, so a crash in between only replays again.
 */
function journal_finish(ump: Ext2Mount, p: Ext2JournalPending): number {
  const devvp = ump.um_devvp;
  const fs = ump.um_e2fs;
  const bpp = ump.um_bpp;
  let error = bread(devvp, e2_fsbtodb(ump, p.jp_sbblk), fs.e2fs_bsize, bpp);
  if (error !== 0) return error;
  const b = bpp.v!.b_data;
  jbd2_wr32(b, JSB_SEQUENCE, p.jp_sequence);
  jbd2_wr32(b, JSB_START, 0);
  // an error the journal recorded becomes the file system's (as e2fsck does)
  const jerr = jbd2_rd32(b, JSB_ERRNO);
  jbd2_wr32(b, JSB_ERRNO, 0);
  const csum = JBD2_FEATURE_INCOMPAT_CSUM_V2 | JBD2_FEATURE_INCOMPAT_CSUM_V3;
  if (jbd2_rd32(b, 4) === JBD2_SUPERBLOCK_V2 && jbd2_rd32(b, JSB_INCOMPAT) & csum)
    jbd2_wr32(b, JSB_CHECKSUM, jbd2_sb_csum(b));
  bpp.v!.b_private = null;
  error = bwrite(bpp.v!);
  bpp.v = null;
  if (error !== 0) return error;
  error = bread(devvp, SBOFF / DEV_BSIZE, SBSIZE, bpp);
  if (error !== 0) return error;
  const sb = bpp.v!.b_data;
  e2_wr32(sb, SB_INCOMPAT, e2_rd32(sb, SB_INCOMPAT) & ~EXT2F_INCOMPAT_RECOVER);
  if (jerr !== 0) e2_wr16(sb, SB_STATE, e2_rd16(sb, SB_STATE) | E2FS_ERRORS);
  if (e2_rd32(sb, 100) & EXT2F_ROCOMPAT_METADATA_CKSUM)
    e2_wr32(sb, SB_CHECKSUM, crc32c_update(0xffffffff, sb, 0, SB_CHECKSUM));
  bpp.v!.b_private = null;
  error = bwrite(bpp.v!);
  bpp.v = null;
  if (error === 0) error = vflushbuf(devvp);
  return error;
}

/** Load the journal inode, map its blocks, read and check its superblock. */
function journal_open(j: Journal): number {
  const ump = j.ump;
  const fs = ump.um_e2fs;
  const ino = fs.e2fs_journal_inum;
  if (ino < 1 || ino > fs.e2fs_icount) return jcorrupt(ump, `journal inode ${ino} does not exist`);
  const ip = new E2Inode(ump, ino, null);
  const off = { v: 0 };
  const blk = ext2fs_inoblk(ump, ino, off);
  let error = bread(ump.um_devvp, e2_fsbtodb(ump, blk), fs.e2fs_bsize, j.bpp);
  if (error !== 0) return error;
  e2fs_dinode_parse(j.bpp.v!.b_data, off.v, fs, ip.i_din);
  brelse(j.bpp.v!, 0);
  j.bpp.v = null;
  const din = ip.i_din;
  if ((din.e2di_mode & EXT2_IFMT) !== EXT2_IFREG || din.e2di_nlink === 0)
    return jcorrupt(ump, `journal inode ${ino} is not a regular file in use`);
  const why = e2fs_dinode_check(fs, din);
  if (why !== null) return jcorrupt(ump, `journal inode ${ino}: ${why}`);
  // every block the inode claims must map; no journal is longer than the disk
  const avail = Math.min(Math.floor(din.e2di_size / j.bsize), fs.e2fs_bcount);
  if (avail < 2) return jcorrupt(ump, `journal inode ${ino} of ${din.e2di_size} bytes`);
  // the superblock first: it says how much of the inode is journal
  error = jmap_build(j, ip, 1);
  if (error !== 0) return error;
  error = jread_phys(j, j.lmap[1]!, j.buf);
  if (error !== 0) return error;
  const sb = jbd2_sb_check(j.buf, j.bsize, avail);
  if (typeof sb === "string") return jcorrupt(ump, sb, EFTYPE);
  j.sb = sb;
  j.lmap.length = 0;
  error = jmap_build(j, ip, sb.js_maxlen);
  if (error !== 0) return error;
  j.ring = sb.js_last - sb.js_first;
  return 0;
}

/** Map logical blocks [0, n) of the journal inode into runs (through ext2fs_bmap). */
function jmap_build(j: Journal, ip: E2Inode, n: number): number {
  const ump = j.ump;
  const bn = { v: 0 };
  const run = { v: 0 };
  const lmap = j.lmap;
  for (let l = 0; l < n;) {
    const error = ext2fs_bmap(ip, l, bn, run, n - l);
    if (error !== 0) return jcorrupt(ump, `journal inode: cannot map block ${l} (error ${error})`);
    if (bn.v === 0) return jcorrupt(ump, `journal inode has a hole at block ${l}`);
    const len = Math.max(1, Math.min(run.v, n - l));
    const t = lmap.length;
    if (t > 0 && lmap[t - 3]! + lmap[t - 1]! === l && lmap[t - 2]! + lmap[t - 1]! === bn.v)
      lmap[t - 1] = lmap[t - 1]! + len;
    else lmap.push(l, bn.v, len);
    l += len;
  }
  // by physical start, for "is this block part of the journal?"
  const runs: [number, number][] = [];
  for (let i = 0; i < lmap.length; i += 3) runs.push([lmap[i + 1]!, lmap[i + 2]!]);
  runs.sort((a, b) => a[0] - b[0]);
  j.pmap = runs.flat();
  return 0;
}

/** The device block of journal block `l` (l < js_maxlen, so it maps). */
function jmap(j: Journal, l: number): number {
  const m = j.lmap;
  let lo = 0;
  let hi = m.length / 3 - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (m[mid * 3]! <= l) lo = mid;
    else hi = mid - 1;
  }
  return m[lo * 3 + 1]! + (l - m[lo * 3]!);
}

/** Is file-system block `b` one of the journal's own? */
function injournal(j: Journal, b: number): boolean {
  const m = j.pmap;
  let lo = 0;
  let hi = m.length / 2 - 1;
  if (hi < 0 || b < m[0]!) return false;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (m[mid * 2]! <= b) lo = mid;
    else hi = mid - 1;
  }
  return b < m[lo * 2]! + m[lo * 2 + 1]!;
}

/** Copy device block `pb` into `dst` (no buffer stays busy: a cross-linked journal cannot deadlock). */
function jread_phys(j: Journal, pb: number, dst: Uint8Array): number {
  const error = bread(j.ump.um_devvp, e2_fsbtodb(j.ump, pb), j.bsize, j.bpp);
  if (error !== 0) return error;
  dst.set(j.bpp.v!.b_data.subarray(0, j.bsize));
  brelse(j.bpp.v!, 0);
  j.bpp.v = null;
  return 0;
}

function jread(j: Journal, l: number, dst: Uint8Array): number {
  const error = jread_phys(j, jmap(j, l), dst);
  if (error !== 0)
    j.ump.um_kernel.printf(
      `ext2fs ${j.ump.um_fspec}: journal: I/O error ${error} reading log block ${l}\n`,
    );
  return error;
}

/** The log block after `l`, wrapping from js_last back to js_first. */
function wrap(j: Journal, l: number): number {
  const s = j.sb;
  return l >= s.js_last ? s.js_first + ((l - s.js_first) % j.ring) : l;
}

/**
 * PASS_SCAN: where does the valid log end? Sets j.end, the first
 * transaction not to replay. A transaction whose checksum fails is the
 * end when it is stale (older than the one before: a leftover of an
 * earlier use of the journal) and fails recovery when it is not (JBD2
 * refuses the mount then too), except that async commit lets the log
 * end there.
 */
function pass_scan(j: Journal): number {
  const s = j.sb;
  const ump = j.ump;
  const b = j.buf;
  let id = s.js_sequence;
  let l = s.js_start;
  let steps = 0;
  let crc = 0xffffffff;
  let checkTime = false;
  let lastTime = 0;
  let end = -1;
  for (;;) {
    if (++steps > j.ring + 1) return jcorrupt(ump, "the log runs longer than the journal (a loop)");
    const error = jread(j, l, b);
    if (error !== 0) return error;
    const here = l;
    l = wrap(j, l + 1);
    if (jbd2_rd32(b, 0) !== JBD2_MAGIC || jbd2_rd32(b, 8) !== id) break;
    const type = jbd2_rd32(b, 4);
    if (type === JBD2_DESCRIPTOR_BLOCK) {
      // a bad descriptor may be stale (lazy journal init): the commit decides
      if (!jbd2_tail_ok(s, b)) checkTime = true;
      const n = jbd2_tag_count(s, b);
      steps += n;
      if (steps > j.ring + 1) return jcorrupt(ump, "the log runs longer than the journal (a loop)");
      if (s.js_v1csum && !checkTime && end < 0) {
        crc = crc32_be_update(crc, b);
        for (let i = 0; i < n; i++) {
          const e = jread(j, l, j.dbuf);
          if (e !== 0) return e;
          crc = crc32_be_update(crc, j.dbuf);
          l = wrap(j, l + 1);
        }
      } else {
        l = wrap(j, l + n);
      }
    } else if (type === JBD2_COMMIT_BLOCK) {
      const time = jbd2_commit_time(b);
      if (checkTime) {
        if (time >= lastTime)
          return jcorrupt(ump, `bad checksum in transaction ${id} (log block ${here})`);
        break; // stale: the log ends before it
      }
      let bad = false;
      if (s.js_v1csum) {
        if (end >= 0)
          return jcorrupt(ump, `transaction ${end} is corrupt: bad commit block checksum`);
        const found = jbd2_rd32(b, JCOMMIT_CHKSUM);
        const ctype = b[JCOMMIT_CHKSUM_TYPE]!;
        const csize = b[JCOMMIT_CHKSUM_SIZE]!;
        bad = !(
          (crc === found && ctype === JBD2_CRC32_CHKSUM && csize === JBD2_CRC32_CHKSUM_SIZE) ||
          (ctype === 0 && csize === 0 && found === 0)
        );
        crc = 0xffffffff;
      }
      if (bad || !jbd2_commit_ok(s, b)) {
        if (time < lastTime) break; // stale
        end = id;
        if (!s.js_async)
          return jcorrupt(
            ump,
            `transaction ${id} is corrupt: bad commit block checksum (log block ${here})`,
          );
      }
      lastTime = time;
      id = (id + 1) >>> 0;
    } else if (type === JBD2_REVOKE_BLOCK) {
      if (!jbd2_tail_ok(s, b)) checkTime = true;
    } else {
      break;
    }
  }
  j.end = end >= 0 ? end : id;
  return 0;
}

/**
 * PASS_REVOKE, PASS_VERIFY, PASS_REPLAY: walk the transactions before
 * j.end. REVOKE records revocations; VERIFY checks each tag that would be
 * replayed; REPLAY writes (or overlays) its block.
 */
function walk(j: Journal, pass: number): number {
  const s = j.sb;
  const ump = j.ump;
  const fs = ump.um_e2fs;
  const b = j.buf;
  const d = j.dbuf;
  let id = s.js_sequence;
  let l = s.js_start;
  let steps = 0;
  while (tid_gt(j.end, id)) {
    if (++steps > j.ring + 1) return jcorrupt(ump, "the log runs longer than the journal (a loop)");
    let error = jread(j, l, b);
    if (error !== 0) return error;
    const here = l;
    l = wrap(j, l + 1);
    if (jbd2_rd32(b, 0) !== JBD2_MAGIC || jbd2_rd32(b, 8) !== id) break;
    const type = jbd2_rd32(b, 4);
    if (type === JBD2_COMMIT_BLOCK) {
      id = (id + 1) >>> 0;
      continue;
    }
    if (type === JBD2_REVOKE_BLOCK) {
      if (pass !== PASS_REVOKE) continue;
      const rend = jbd2_revoke_end(s, b);
      if (rend < 0)
        return jcorrupt(
          ump,
          `revoke block at log block ${here} counts ${jbd2_rd32(b, JBD2_HEADER_SIZE)} bytes`,
        );
      const rl = jbd2_revoke_reclen(s);
      for (let o = JBD2_REVOKE_HEADER_SIZE; o + rl <= rend; o += rl) {
        const blk =
          rl === 8 ? jbd2_rd32(b, o) * 0x100000000 + jbd2_rd32(b, o + 4) : jbd2_rd32(b, o);
        const prev = j.revoke.get(blk);
        if (prev === undefined) {
          if (j.revoke.size >= JBD2_REVOKE_MAX)
            return jcorrupt(ump, `more than ${JBD2_REVOKE_MAX} revoked blocks`);
          j.revoke.set(blk, id);
        } else if (tid_gt(id, prev)) {
          j.revoke.set(blk, id);
        }
      }
      continue;
    }
    if (type !== JBD2_DESCRIPTOR_BLOCK) break;
    if (!jbd2_tail_ok(s, b))
      return jcorrupt(ump, `bad descriptor block checksum at log block ${here}`);
    if (pass === PASS_REVOKE) {
      const n = jbd2_tag_count(s, b);
      steps += n;
      if (steps > j.ring + 1) return jcorrupt(ump, "the log runs longer than the journal (a loop)");
      l = wrap(j, l + n);
      continue;
    }
    for (let t = JBD2_HEADER_SIZE; t >= 0; t = jbd2_tag_next(s, b, t)) {
      if (++steps > j.ring + 1)
        return jcorrupt(ump, "the log runs longer than the journal (a loop)");
      const at = l;
      l = wrap(j, l + 1);
      const blk = jbd2_tag_block(s, b, t);
      const rev = j.revoke.get(blk);
      if (rev !== undefined && !tid_gt(id, rev)) {
        if (pass === PASS_REPLAY) j.revoked++;
        continue;
      }
      if (pass === PASS_VERIFY) {
        if (blk >= fs.e2fs_bcount)
          return jcorrupt(
            ump,
            `transaction ${id} logs block ${blk}, outside the file system (${fs.e2fs_bcount} blocks)`,
          );
        if (injournal(j, blk))
          return jcorrupt(ump, `transaction ${id} logs block ${blk}, which is part of the journal`);
        if (!s.js_csum) continue;
      }
      error = jread(j, at, d);
      if (error !== 0) return error;
      if (pass === PASS_VERIFY) {
        if (jbd2_data_csum(s, id, d) !== jbd2_tag_csum(s, b, t))
          return jcorrupt(
            ump,
            `bad checksum of block ${blk} logged in transaction ${id} (log block ${at})`,
          );
        continue;
      }
      if (jbd2_rd16(b, t + 6) & JBD2_FLAG_ESCAPE) jbd2_wr32(d, 0, JBD2_MAGIC);
      error = replay_block(j, blk, d);
      if (error !== 0) return error;
    }
  }
  if (id !== j.end)
    return jcorrupt(ump, `pass ${pass} ended at transaction ${id}, expected ${j.end}`);
  return 0;
}

/** Put one replayed block home: into the overlay (read-only) or the image (through the cache). */
function replay_block(j: Journal, blk: number, data: Uint8Array): number {
  const ump = j.ump;
  j.replayed++;
  const ov = j.overlay;
  if (ov !== null) {
    const had = ov.ov_blocks.get(blk);
    if (had !== undefined) {
      had.set(data);
      return 0;
    }
    if (j.overlayBytes + j.bsize > JBD2_OVERLAY_MAX || !ump.um_kernel.memReserve(j.bsize))
      return jcorrupt(
        ump,
        `a read-only recovery would hold more than ${j.overlayBytes >> 20} MiB in memory; mount read-write to replay into the image`,
        ENOMEM,
      );
    j.overlayBytes += j.bsize;
    ov.put(blk, data.slice());
    return 0;
  }
  const bp = getblk(ump.um_devvp, e2_fsbtodb(ump, blk), j.bsize);
  if (bp === null) return ENOMEM;
  bp.b_data.set(data);
  e2_bdwrite(bp);
  return 0;
}
