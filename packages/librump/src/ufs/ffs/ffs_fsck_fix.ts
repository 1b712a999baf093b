/**
 * fsck_ffs's repair: `-y` (fix everything) and `-p` (preen: fix only what
 * an unclean shutdown leaves behind, stop on anything else).
 *
 * The repair runs the checker (ffs_fsck.ts) in collect mode, fixes the
 * findings of the earliest pass that has any, and checks again, until a
 * check finds nothing; then it sets the clean flag. Fixing one pass at a
 * time keeps each fix simple and sound: pass 2 fixes are made knowing
 * every inode is sane, pass 4's link counts are counted over directories
 * that pass 2 and 3 have put right, pass 5 rebuilds the cylinder-group
 * maps from a claim map nothing else changes any more. What each pass
 * does, as sbin/fsck_ffs does it:
 *
 *   0  a damaged cylinder-group header is rebuilt from the geometry; the
 *      alternate superblocks are rewritten from the primary
 *   1  an inode that fails the inode check, holds pointers outside the
 *      file system or into its metadata, shares fragments with another
 *      inode (every such inode, pass 1b), or is a directory of size 0 is
 *      cleared; pointers past the end of a file are zeroed; di_blocks is
 *      set to what the pointers hold
 *   2  a root that is not a directory is made anew; a damaged directory
 *      chunk is salvaged up to its first bad record (bad entries are
 *      dropped); '.' and '..' are made the first two entries; entries
 *      naming free inodes, extra '.'/'..' and extra names of directories
 *      are removed; d_type is corrected; a directory is cut at a hole
 *   3  unreachable directories are reconnected into /lost+found (made when
 *      missing, mode 1777), a loop broken at its name; '..' set right
 *   4  unreferenced inodes are reconnected as /lost+found/#<ino> (cleared
 *      when they have no links left, and when empty in preen mode); link
 *      counts are set to the references found
 *   5  inode and fragment maps, cluster maps, fragment and cluster
 *      summaries, the counts of each group, the summary area and the
 *      superblock totals are rebuilt
 *
 * Every write goes through the structures the checker validated (block
 * addresses it claimed, inode numbers below the last, chunks it parsed).
 * The number of rounds is bounded, and each round is a bounded check; a
 * round that changes nothing ends the repair with what is left reported.
 */
import { type BlockDev, readFully, writeFully } from "../../dev/blockdev.js";
import { ufs_dv, ufs_wr64 } from "../ufs/ufs_bswap.js";
import { Dinode, dinode_serialize, IFDIR, IFMT } from "../ufs/dinode.js";
import {
  Direct,
  DIRBLKSIZ,
  DIRECT_HDR,
  DIRECTSIZ,
  direct_check,
  direct_parse,
  direct_set_ino,
  direct_set_reclen,
  direct_write,
  dirchunk_empty,
  dirtemplate_write,
} from "../ufs/dir.js";
import {
  BADSTATE,
  Checker,
  DATA,
  type DirLoc,
  DSTATE,
  type Finding,
  FREE,
  fsck_ffs_run,
  FSTATE,
  USTATE,
} from "./ffs_fsck.js";
import {
  blkmap,
  cg_fix_rotors,
  cg_parse,
  cg_serialize,
  CG_SPACE_OFF,
  clrbit,
  ffs_fragacct,
  ffs_isblock,
  setbit,
} from "./ffs_cg.js";
import { cg_template } from "./ffs_newfs.js";
import {
  cgsblock,
  cgtod,
  Csum,
  DEV_BSIZE,
  DINODE_SIZE,
  ffs_csum_serialize,
  ffs_sb_serialize,
  FS_44INODEFMT,
  FS_DOWAPBL,
  FS_ISCLEAN,
  fsbtodb,
  type Fs,
  ino_to_fsba,
  ino_to_fsbo,
  MAXFRAG,
  SBLOCKSIZE,
  UFS_NDADDR,
  UFS_ROOTINO,
} from "./fs.js";

export interface FsckRepairOptions {
  /**
   * "yes" (fsck_ffs -y): fix everything. "preen" (-p): fix only what an
   * unclean shutdown leaves (unreferenced inodes, link counts too large,
   * block counts, the maps and summary counts); anything else stops the
   * repair before it writes.
   */
  mode?: "yes" | "preen";
  /** time stamps of inodes the repair makes (seconds; default the superblock's fs_time) */
  time?: number;
  /** cap on each list of the result (default 1000) */
  maxProblems?: number;
}

export interface FsckRepairResult {
  /** each problem found, with what was done about it: "… (adjusted)" */
  fixed: string[];
  /** problems the repair could not fix (or, `stopped`, does not fix in preen mode) */
  unfixed: string[];
  /** preen mode met problems it does not fix: nothing was written */
  stopped: boolean;
  /** something was written to the device */
  modified: boolean;
  /** the file system is consistent and marked clean */
  clean: boolean;
}

/** Rounds of check-and-fix before giving up (each fixes one pass; a few passes repeat). */
const MAX_ROUNDS = 16;
/** lost+found's mode, as fsck_ffs makes it */
const LFMODE = 0o1777;
const LFNAME = "lost+found";
const DT_DIR = 4;

/** A write the repair could not make, or a situation it cannot handle: ends the round. */
class Abort extends Error {}

/** Preen mode met something preen does not fix. */
class Stop extends Error {}

/** Repair the FFS on `dev` (fsck_ffs -y, or -p with mode "preen"). */
export function fsck_ffs_repair(dev: BlockDev, opts: FsckRepairOptions = {}): FsckRepairResult {
  const preen = opts.mode === "preen";
  const max = opts.maxProblems ?? 1000;
  const res: FsckRepairResult = {
    fixed: [],
    unfixed: [],
    stopped: false,
    modified: false,
    clean: false,
  };
  const capped = (l: string[]): string[] =>
    l.length > max ? [...l.slice(0, max), `… and ${l.length - max} more`] : l;
  // the findings fixed last round: the same again means the fix did not take
  let last = "";
  for (let round = 0; ; round++) {
    const ck = new Checker(dev, max, true);
    fsck_ffs_run(ck);
    if (ck.fatal) {
      res.unfixed = capped(ck.problems);
      break;
    }
    const fs = ck.fs;
    if (fs.fs_flags & FS_DOWAPBL) {
      res.unfixed = ["the file system has a WAPBL log, which this fsck cannot replay"];
      break;
    }
    if (!fs.ufs2 && fs.fs_old_inodefmt < FS_44INODEFMT) {
      res.unfixed = ["4.2BSD inode format: not repaired"];
      break;
    }
    if (ck.findings.length === 0) {
      if (ck.problems.length > 0) {
        res.unfixed = capped(ck.problems);
        break;
      }
      if ((fs.fs_clean & FS_ISCLEAN) === 0) {
        fs.fs_clean = FS_ISCLEAN;
        const e = writeSuperblock(dev, fs);
        if (e !== null) {
          res.unfixed = [e];
          break;
        }
        res.modified = true;
        res.fixed.push("the clean flag was not set (marked clean)");
      }
      res.clean = true;
      break;
    }
    if (preen && round === 0) {
      const hard = ck.findings.filter((f) => !preenable(f, ck));
      if (hard.length > 0) {
        res.stopped = true;
        res.unfixed = capped([...new Set(hard.map((f) => f.msg))]);
        break;
      }
    }
    if (round >= MAX_ROUNDS) {
      res.unfixed = capped(ck.problems);
      break;
    }
    let pass = 5;
    for (const f of ck.findings) if (f.pass < pass) pass = f.pass;
    const todo = ck.findings.filter((f) => f.pass === pass);
    const sig = `${pass}\n${todo.map((f) => f.msg).join("\n")}`;
    if (sig === last) {
      res.unfixed = capped(ck.problems);
      break;
    }
    last = sig;
    if (preen && todo.some((f) => !preenable(f, ck))) {
      res.stopped = true;
      res.unfixed = capped(todo.filter((f) => !preenable(f, ck)).map((f) => f.msg));
      break;
    }
    const fx = new Fixer(ck, dev, preen, opts.time ?? fs.fs_time, res.fixed);
    let changed = false;
    let ended: string | null = null;
    try {
      changed = fx.apply(pass, todo);
    } catch (e) {
      if (e instanceof Stop) {
        res.stopped = true;
        ended = e.message;
      } else if (e instanceof Abort) ended = e.message;
      else throw e;
    }
    const werr = fx.flush();
    if (fx.wrote) res.modified = true;
    if (werr !== null) ended ??= werr;
    if (ended !== null) {
      res.unfixed = [ended];
      break;
    }
    if (!changed) {
      res.unfixed = capped(ck.problems);
      break;
    }
  }
  if (res.fixed.length > max) res.fixed = capped(res.fixed);
  return res;
}

/** Does preen fix this (the inconsistencies an unclean shutdown leaves)? */
function preenable(f: Finding, ck: Checker): boolean {
  switch (f.k) {
    case "blocks":
    case "unref":
    case "unreach":
    case "maps":
      return true;
    case "nlink":
      return f.want < ck.nlink[f.ino]!; // "LINK COUNT INCREASING" stops preen
    default:
      return false;
  }
}

/** Write `fs` (its totals, clean flag…) into the primary superblock; null or what failed. */
function writeSuperblock(dev: BlockDev, fs: Fs): string | null {
  const buf = new Uint8Array(SBLOCKSIZE);
  const rd = (o: number, b: Uint8Array): number => dev.read(o, b);
  if (readFully(rd, fs.fs_sblockloc, buf) !== 0) return "read error at the superblock";
  ffs_sb_serialize(fs, buf);
  if (writeFully(dev, fs.fs_sblockloc, buf) !== 0) return "write error at the superblock";
  return null;
}

/** A block read for changing, and whether it was changed. */
interface CachedBlock {
  buf: Uint8Array;
  dirty: boolean;
}

/** One round's fixes over the findings of one pass. */
class Fixer {
  readonly fs: Fs;
  readonly de = new Direct();
  private readonly cache = new Map<number, CachedBlock>();
  wrote = false;
  /** lost+found of this round (0: not looked for yet, -1: none could be made) */
  private lf = 0;
  constructor(
    readonly ck: Checker,
    readonly dev: BlockDev,
    readonly preen: boolean,
    readonly time: number,
    readonly log: string[],
  ) {
    this.fs = ck.fs;
  }

  /* ------------------------------------------------------------ blocks */

  /** `len` bytes at fragment `addr`, for changing (cached for the round). */
  get(addr: number, len: number): Uint8Array {
    const c = this.cache.get(addr);
    if (c !== undefined && c.buf.length === len) return c.buf;
    if (c !== undefined) this.writeBack(addr, c);
    const buf = new Uint8Array(len);
    const off = fsbtodb(this.fs, addr) * DEV_BSIZE;
    const rd = (o: number, b: Uint8Array): number => this.dev.read(o, b);
    if (readFully(rd, off, buf) !== 0) throw new Abort(`read error at fragment ${addr}`);
    this.cache.set(addr, { buf, dirty: false });
    return buf;
  }

  /** A block the repair fills itself (a new directory block): no read. */
  fresh(addr: number, len: number): Uint8Array {
    const buf = new Uint8Array(len);
    this.cache.set(addr, { buf, dirty: true });
    return buf;
  }

  dirty(addr: number): void {
    const c = this.cache.get(addr);
    if (c !== undefined) c.dirty = true;
  }

  private writeBack(addr: number, c: CachedBlock): void {
    this.cache.delete(addr);
    if (!c.dirty) return;
    if (writeFully(this.dev, fsbtodb(this.fs, addr) * DEV_BSIZE, c.buf) !== 0)
      throw new Abort(`write error at fragment ${addr}`);
    this.wrote = true;
  }

  /** Write every changed block; null or what failed. */
  flush(): string | null {
    try {
      for (const [addr, c] of [...this.cache]) this.writeBack(addr, c);
    } catch (e) {
      if (e instanceof Abort) return e.message;
      throw e;
    }
    return null;
  }

  /* ------------------------------------------------------------ inodes */

  /** The inode block holding `ino` and the inode's offset in it. */
  private islot(ino: number): { buf: Uint8Array; off: number; addr: number } {
    const fs = this.fs;
    const addr = ino_to_fsba(fs, ino);
    const buf = this.get(addr, fs.fs_bsize);
    return { buf, off: ino_to_fsbo(fs, ino) * DINODE_SIZE(fs), addr };
  }

  private patch(ino: number, fn: (dv: DataView, off: number) => void): void {
    const s = this.islot(ino);
    fn(ufs_dv(s.buf), s.off);
    this.dirty(s.addr);
  }

  setNlink(ino: number, n: number): void {
    this.patch(ino, (dv, o) => dv.setInt16(o + 2, n, this.fs.le));
    this.ck.nlink[ino] = n;
  }

  setBlocks(ino: number, n: number): void {
    const fs = this.fs;
    this.patch(ino, (dv, o) => {
      if (fs.ufs2) ufs_wr64(dv, o + 24, n, fs.le);
      else dv.setUint32(o + 104, n >>> 0, fs.le);
    });
  }

  setSize(ino: number, n: number): void {
    const fs = this.fs;
    this.patch(ino, (dv, o) => ufs_wr64(dv, o + (fs.ufs2 ? 16 : 8), n, fs.le));
  }

  /** Set direct (`ib` false) or indirect pointer `idx` of the inode. */
  setPtr(ino: number, ib: boolean, idx: number, v: number): void {
    const fs = this.fs;
    this.patch(ino, (dv, o) => {
      if (fs.ufs2) ufs_wr64(dv, o + (ib ? 208 : 112) + 8 * idx, v, fs.le);
      else dv.setInt32(o + (ib ? 88 : 40) + 4 * idx, v, fs.le);
    });
  }

  sizeOf(ino: number): number {
    const s = this.islot(ino);
    const dv = ufs_dv(s.buf);
    const o = s.off + (this.fs.ufs2 ? 16 : 8);
    const le = this.fs.le;
    // the checker validated the size of every inode it kept
    return dv.getUint32(o + (le ? 4 : 0), le) * 4294967296 + dv.getUint32(o + (le ? 0 : 4), le);
  }

  /** Zero the inode (fsck_ffs clearinode); its blocks are freed by pass 5. */
  clearInode(ino: number): void {
    const s = this.islot(ino);
    s.buf.fill(0, s.off, s.off + DINODE_SIZE(this.fs));
    this.dirty(s.addr);
    this.ck.state[ino] = USTATE;
  }

  /** A free inode (initialised, not in use), taken; -1 when none. */
  private allocInode(): number {
    const ck = this.ck;
    const fs = this.fs;
    for (let c = 0; c < fs.fs_ncg; c++) {
      const n = ck.inodesOf(c);
      for (let i = 0; i < n; i++) {
        const ino = c * fs.fs_ipg + i;
        if (ino <= UFS_ROOTINO || ck.state[ino] !== USTATE) continue;
        return ino;
      }
    }
    return -1;
  }

  /** `n` free fragments inside one block (whole blocks first when n = fs_frag); -1 when none. */
  private allocFrags(n: number): number {
    const fs = this.fs;
    const claim = this.ck.claim;
    const frag = fs.fs_frag;
    for (let b = 0; b + frag <= fs.fs_size; b += frag) {
      let run = 0;
      for (let i = 0; i < frag; i++) {
        run = claim[b + i] === FREE ? run + 1 : 0;
        if (run === n) {
          const a = b + i + 1 - n;
          claim.fill(DATA, a, a + n);
          return a;
        }
      }
    }
    return -1;
  }

  /**
   * Make a directory (fsck_ffs allocdir): inode `want` or a free one, one
   * block (or one fragment on a file system without a free block) with
   * "." and ".." → `parent`, link count 2; the parent's count goes up.
   * Returns the inode, or -1 when there is no room.
   */
  private allocDir(want: number, parent: number, mode: number): number {
    const ck = this.ck;
    const fs = this.fs;
    const ino = want > 0 ? want : this.allocInode();
    if (ino < 0) return -1;
    let nfrags = fs.fs_frag;
    let addr = this.allocFrags(nfrags);
    if (addr < 0) {
      nfrags = Math.ceil(DIRBLKSIZ / fs.fs_fsize);
      addr = this.allocFrags(nfrags);
    }
    if (addr < 0) return -1;
    const size = nfrags * fs.fs_fsize;
    const blk = this.fresh(addr, size);
    dirtemplate_write(blk, 0, fs.le, false, ino, ino === UFS_ROOTINO ? ino : parent, DT_DIR);
    for (let o = DIRBLKSIZ; o < size; o += DIRBLKSIZ) dirchunk_empty(blk, o, fs.le);
    const d = new Dinode();
    d.di_mode = IFDIR | mode;
    d.di_nlink = 2;
    d.di_size = size;
    d.di_blocks = size / DEV_BSIZE;
    d.di_db[0] = addr;
    d.di_atime = d.di_mtime = d.di_ctime = this.time;
    if (fs.ufs2) {
      d.di_birthtime = this.time;
      d.di_blksize = fs.fs_bsize;
    }
    d.di_gen = (Math.imul(ino, 0x9e3779b1) ^ this.time) >>> 0 || 1;
    const s = this.islot(ino);
    s.buf.fill(0, s.off, s.off + DINODE_SIZE(fs));
    dinode_serialize(d, s.buf, s.off, fs.ufs2, fs.le);
    this.dirty(s.addr);
    ck.state[ino] = DSTATE;
    ck.nlink[ino] = 2;
    ck.modes.set(ino, d.di_mode);
    ck.dirblocks.set(ino, [addr]);
    ck.dirsize.set(ino, size);
    if (ino !== parent) {
      ck.parent.set(ino, parent);
      this.setNlink(parent, ck.nlink[parent]! + 1);
    }
    return ino;
  }

  /* ------------------------------------------------------- directories */

  /** The directory block of `loc` (as pass 2 read it). */
  private dirblk(loc: DirLoc): Uint8Array {
    return this.get(loc.addr, loc.len);
  }

  /** Remove the entry at `loc`: its space joins the entry before it (or it becomes unused). */
  removeEntry(loc: DirLoc): boolean {
    const fs = this.fs;
    const buf = this.dirblk(loc);
    const start = loc.off - (loc.off % DIRBLKSIZ);
    const de = this.de;
    let prev = -1;
    for (let off = start; off < start + DIRBLKSIZ;) {
      direct_parse(buf, off, fs.le, false, de);
      if (de.d_reclen < DIRECT_HDR || off + de.d_reclen > start + DIRBLKSIZ) return false;
      if (off === loc.off) {
        if (prev >= 0) {
          direct_parse(buf, prev, fs.le, false, de);
          const r = de.d_reclen;
          direct_parse(buf, off, fs.le, false, de);
          direct_set_reclen(buf, prev, fs.le, r + de.d_reclen);
        } else {
          direct_set_ino(buf, off, fs.le, false, 0, 0);
        }
        this.dirty(loc.addr);
        return true;
      }
      prev = off;
      off += de.d_reclen;
    }
    return false;
  }

  /**
   * Salvage a damaged chunk (fsck_ffs "DIRECTORY CORRUPTED"): records up to
   * the first one whose length is wrong stay (that one and the rest of the
   * chunk join the record before it), records with a bad name or inode
   * number are dropped.
   */
  salvageChunk(loc: DirLoc): void {
    const fs = this.fs;
    const buf = this.dirblk(loc);
    const start = loc.off;
    const end = start + DIRBLKSIZ;
    const de = this.de;
    let prev = -1;
    for (let off = start; off < end;) {
      direct_parse(buf, off, fs.le, false, de);
      const reclen = de.d_reclen;
      if (reclen < DIRECT_HDR || (reclen & 3) !== 0 || reclen > end - off) {
        if (prev >= 0) direct_set_reclen(buf, prev, fs.le, end - prev);
        else dirchunk_empty(buf, start, fs.le);
        break;
      }
      if (direct_check(buf, off, start, de, this.ck.maxino) !== null) {
        if (prev >= 0) {
          direct_parse(buf, prev, fs.le, false, de);
          direct_set_reclen(buf, prev, fs.le, de.d_reclen + reclen);
        } else {
          direct_set_ino(buf, off, fs.le, false, 0, 0);
          prev = off;
        }
      } else prev = off;
      off += reclen;
    }
    this.dirty(loc.addr);
  }

  /**
   * Make "." and ".." the first two records of directory `dir`, taking the
   * space of whatever was there (an inode that loses its name there is
   * reconnected by pass 4). ".." names the parent found by name (the root
   * when there is none: pass 3 puts it right).
   */
  fixDots(dir: number): boolean {
    const ck = this.ck;
    const fs = this.fs;
    const blocks = ck.dirblocks.get(dir);
    const size = ck.dirsize.get(dir) ?? 0;
    if (blocks === undefined || blocks[0] === undefined || blocks[0] === 0 || size === 0)
      return false;
    const len = Math.ceil(Math.min(size, fs.fs_bsize) / fs.fs_fsize) * fs.fs_fsize;
    const addr = blocks[0];
    const buf = this.get(addr, len);
    const de = this.de;
    const le = fs.le;
    const parent = dir === UFS_ROOTINO ? UFS_ROOTINO : (ck.parent.get(dir) ?? UFS_ROOTINO);
    /** grow the record at `off` over the ones after it until it holds `need` bytes */
    const widen = (off: number, need: number): number => {
      direct_parse(buf, off, le, false, de);
      let r = de.d_reclen;
      while (r < need && off + r < DIRBLKSIZ) {
        direct_parse(buf, off + r, le, false, de);
        r += de.d_reclen;
      }
      return r;
    };
    direct_parse(buf, 0, le, false, de);
    const isDot = de.d_ino !== 0 && de.d_namlen === 1 && buf[DIRECT_HDR] === 0x2e;
    if (!isDot) direct_write(buf, 0, le, false, dir, widen(0, 12), DT_DIR, ".");
    else if (de.d_ino !== dir) direct_set_ino(buf, 0, le, false, dir, DT_DIR);
    direct_parse(buf, 0, le, false, de);
    const r1 = de.d_reclen;
    let hasDotdot = false;
    if (r1 < DIRBLKSIZ) {
      direct_parse(buf, r1, le, false, de);
      hasDotdot =
        de.d_ino !== 0 &&
        de.d_namlen === 2 &&
        buf[r1 + DIRECT_HDR] === 0x2e &&
        buf[r1 + DIRECT_HDR + 1] === 0x2e;
    }
    if (!hasDotdot) {
      if (r1 >= 24) {
        direct_set_reclen(buf, 0, le, 12);
        direct_write(buf, 12, le, false, parent, r1 - 12, DT_DIR, "..");
      } else {
        direct_write(buf, r1, le, false, parent, widen(r1, 12), DT_DIR, "..");
      }
    }
    this.dirty(addr);
    return true;
  }

  /**
   * Add `name` → `ino` to directory `dir` (fsck_ffs makeentry): into an
   * unused record or the slack of a used one; a full directory grows by a
   * block (expanddir). False when there is no room.
   */
  addEntry(dir: number, name: string, ino: number, dtype: number): boolean {
    if (this.tryAdd(dir, name, ino, dtype)) return true;
    return this.expand(dir) && this.tryAdd(dir, name, ino, dtype);
  }

  private tryAdd(dir: number, name: string, ino: number, dtype: number): boolean {
    const ck = this.ck;
    const fs = this.fs;
    const le = fs.le;
    const blocks = ck.dirblocks.get(dir) ?? [];
    const size = ck.dirsize.get(dir) ?? 0;
    const need = DIRECTSIZ(name.length);
    const de = this.de;
    for (let lbn = 0; lbn * fs.fs_bsize < size && lbn < UFS_NDADDR; lbn++) {
      const addr = blocks[lbn];
      if (addr === undefined || addr === 0) continue;
      const bytes = Math.min(size - lbn * fs.fs_bsize, fs.fs_bsize);
      const buf = this.get(addr, Math.ceil(bytes / fs.fs_fsize) * fs.fs_fsize);
      for (let chunk = 0; chunk + DIRBLKSIZ <= bytes; chunk += DIRBLKSIZ) {
        for (let off = chunk; off < chunk + DIRBLKSIZ;) {
          direct_parse(buf, off, le, false, de);
          const reclen = de.d_reclen;
          if (reclen < DIRECT_HDR || off + reclen > chunk + DIRBLKSIZ) break;
          const used = de.d_ino === 0 ? 0 : DIRECTSIZ(de.d_namlen);
          if (reclen - used >= need) {
            if (used > 0) direct_set_reclen(buf, off, le, used);
            direct_write(buf, off + used, le, false, ino, reclen - used, dtype, name);
            this.dirty(addr);
            return true;
          }
          off += reclen;
        }
      }
    }
    return false;
  }

  /** Grow directory `dir` by a block of empty chunks (its last partial block becomes whole). */
  private expand(dir: number): boolean {
    const ck = this.ck;
    const fs = this.fs;
    const bsize = fs.fs_bsize;
    const blocks = ck.dirblocks.get(dir);
    const size = ck.dirsize.get(dir) ?? 0;
    if (blocks === undefined || size === 0) return false;
    const last = Math.ceil(size / bsize) - 1;
    const tail = size - last * bsize;
    if (tail === bsize && last + 1 >= UFS_NDADDR) return false;
    const nb = this.allocFrags(fs.fs_frag);
    if (nb < 0) return false;
    const buf = this.fresh(nb, bsize);
    let lbn = last + 1;
    let from = 0;
    let added = bsize;
    if (tail < bsize) {
      // the last block is a run of fragments: move it into the new whole block
      const old = blocks[last];
      if (old === undefined || old === 0) return false;
      const olen = Math.ceil(tail / fs.fs_fsize) * fs.fs_fsize;
      buf.set(this.get(old, olen).subarray(0, tail));
      lbn = last;
      from = tail;
      added = bsize - olen;
    }
    for (let o = from; o < bsize; o += DIRBLKSIZ) dirchunk_empty(buf, o, fs.le);
    blocks[lbn] = nb;
    const nsize = (lbn + 1) * bsize;
    ck.dirsize.set(dir, nsize);
    this.setPtr(dir, false, lbn, nb);
    this.setSize(dir, nsize);
    const s = this.islot(dir);
    const dv = ufs_dv(s.buf);
    const cur = fs.ufs2
      ? dv.getUint32(s.off + 24 + (fs.le ? 0 : 4), fs.le)
      : dv.getUint32(s.off + 104, fs.le);
    this.setBlocks(dir, cur + added / DEV_BSIZE);
    return true;
  }

  /** "#" and the inode number, zero-padded to the digits of the largest (fsck_ffs lftempname). */
  private tempname(ino: number): string {
    return "#" + String(ino).padStart(String(this.ck.maxino).length, "0");
  }

  /** lost+found (found in the root, or made), or -1. */
  private lostfound(): number {
    if (this.lf !== 0) return this.lf;
    const ck = this.ck;
    this.lf = -1;
    const e = ck.lostfound;
    if (e !== null && ck.state[e.ino] === DSTATE) {
      this.lf = e.ino;
      return this.lf;
    }
    if (e !== null) {
      if (this.preen) throw new Stop(`/${LFNAME} is not a directory`);
      const ino = this.allocDir(-1, UFS_ROOTINO, LFMODE);
      if (ino < 0) return -1;
      // the root's entry now names the new directory; the old file is reconnected later
      direct_set_ino(this.dirblk(e.loc), e.loc.off, this.fs.le, false, ino, DT_DIR);
      this.dirty(e.loc.addr);
      this.log.push(`/${LFNAME} is not a directory (made a new one, inode ${ino})`);
      this.lf = ino;
      return ino;
    }
    const ino = this.allocDir(-1, UFS_ROOTINO, LFMODE);
    if (ino < 0) return -1;
    if (!this.addEntry(UFS_ROOTINO, LFNAME, ino, DT_DIR)) {
      this.clearInode(ino);
      this.setNlink(UFS_ROOTINO, ck.nlink[UFS_ROOTINO]! - 1);
      return -1;
    }
    this.log.push(`no /${LFNAME} directory (created, inode ${ino})`);
    this.lf = ino;
    return ino;
  }

  /** Reconnect `ino` into lost+found (fsck_ffs linkup); its new name, or null. */
  private linkup(ino: number): string | null {
    const ck = this.ck;
    const lf = this.lostfound();
    if (lf < 0 || ino === lf) return null;
    const name = this.tempname(ino);
    const mode = ck.modes.get(ino) ?? 0;
    const isdir = ck.state[ino] === DSTATE;
    if (!this.addEntry(lf, name, ino, (mode & IFMT) >>> 12)) return null;
    if (isdir) {
      const dd = ck.dotdotLoc.get(ino);
      if (dd !== undefined) {
        direct_set_ino(this.dirblk(dd), dd.off, this.fs.le, false, lf, DT_DIR);
        this.dirty(dd.addr);
      }
      ck.parent.set(ino, lf);
      this.setNlink(lf, ck.nlink[lf]! + 1);
    }
    return `/${LFNAME}/${name}`;
  }

  /* ----------------------------------------------------------- passes */

  /** Fix `todo` (findings of `pass`); true when something changed. */
  apply(pass: number, todo: Finding[]): boolean {
    switch (pass) {
      case 0:
        return this.pass0(todo);
      case 1:
        return this.pass1(todo);
      case 2:
        return this.pass2(todo);
      case 3:
        return this.pass3(todo);
      case 4:
        return this.pass4(todo);
      default:
        return this.pass5(todo);
    }
  }

  private note(f: Finding, what: string): void {
    this.log.push(`${f.msg} (${what})`);
  }

  private pass0(todo: Finding[]): boolean {
    const fs = this.fs;
    let changed = false;
    let alts = false;
    for (const f of todo) {
      if (f.k === "alt") {
        alts = true;
        this.note(f, "rewritten from the primary");
      } else if (f.k === "cg") {
        const cg = cg_template(fs, f.c, this.time);
        // every inode block is looked at (uninitialised ones are cleared by pass 1)
        if (fs.ufs2) cg.cg_initediblk = fs.fs_ipg;
        const addr = cgtod(fs, f.c);
        const buf = this.get(addr, fs.fs_cgsize);
        buf.fill(0);
        cg_serialize(cg, buf, fs.le);
        this.dirty(addr);
        this.note(f, "header rebuilt; its maps are rebuilt later");
        changed = true;
      } else if (f.k === "cgsize") {
        const addr = cgtod(fs, f.c);
        const buf = this.get(addr, fs.fs_cgsize);
        const cg = cg_parse(buf, fs.le);
        cg.cg_ndblk = f.ndblk;
        if (fs.fs_contigsumsize > 0) cg.cg_nclusterblks = Math.floor(f.ndblk / fs.fs_frag);
        cg_serialize(cg, buf, fs.le);
        this.dirty(addr);
        this.note(f, "corrected");
        changed = true;
      }
    }
    if (alts) {
      const sb = new Uint8Array(fs.fs_sbsize);
      ffs_sb_serialize(fs, sb);
      for (let c = 0; c < fs.fs_ncg; c++) {
        if (writeFully(this.dev, cgsblock(fs, c) * fs.fs_fsize, sb) !== 0)
          throw new Abort(`write error at the alternate superblock of cg ${c}`);
      }
      this.wrote = true;
      changed = true;
    }
    return changed;
  }

  private pass1(todo: Finding[]): boolean {
    const clear = new Set<number>();
    for (const f of todo) if (f.k === "clear") clear.add(f.ino);
    let changed = false;
    for (const f of todo) {
      if (f.k === "clear") {
        if (this.ck.state[f.ino] === USTATE) continue; // a second reason for the same inode
        this.clearInode(f.ino);
        this.note(f, "cleared");
      } else if (f.k === "blocks" && !clear.has(f.ino)) {
        this.setBlocks(f.ino, f.want);
        this.note(f, "corrected");
      } else if (f.k === "ptr" && !clear.has(f.ino)) {
        this.setPtr(f.ino, f.ib, f.idx, 0);
        this.note(f, "zeroed");
      } else if (f.k === "iptr" && !clear.has(f.ino)) {
        const fs = this.fs;
        const buf = this.get(f.addr, fs.fs_bsize);
        const dv = ufs_dv(buf);
        if (fs.ufs2) ufs_wr64(dv, f.idx * 8, 0, fs.le);
        else dv.setInt32(f.idx * 4, 0, fs.le);
        this.dirty(f.addr);
        this.note(f, "zeroed");
      } else continue;
      changed = true;
    }
    return changed;
  }

  private pass2(todo: Finding[]): boolean {
    const ck = this.ck;
    for (const f of todo) {
      if (f.k !== "root") continue;
      // fsck_ffs: "ROOT INODE NOT DIRECTORY / UNALLOCATED": a new, empty root
      if (ck.state[UFS_ROOTINO] !== USTATE) this.clearInode(UFS_ROOTINO);
      if (this.allocDir(UFS_ROOTINO, UFS_ROOTINO, 0o755) < 0)
        throw new Abort("no room for a new root directory");
      this.note(f, "made a new root directory");
      return true;
    }
    const dots = new Set<number>();
    for (const f of todo) if (f.k === "dots") dots.add(f.dir);
    let changed = false;
    for (const dir of dots) {
      if (!this.fixDots(dir)) continue;
      for (const f of todo) if (f.k === "dots" && f.dir === dir) this.note(f, "fixed");
      changed = true;
    }
    for (const f of todo) {
      switch (f.k) {
        case "chunk":
          if (dots.has(f.loc.dir)) continue;
          this.salvageChunk(f.loc);
          this.note(f, "salvaged");
          break;
        case "hole":
          if (dots.has(f.dir)) continue;
          this.setSize(f.dir, f.lbn * this.fs.fs_bsize);
          this.note(f, `directory cut to ${f.lbn * this.fs.fs_bsize} bytes`);
          break;
        case "rment":
          if (dots.has(f.loc.dir) || !this.removeEntry(f.loc)) continue;
          this.note(f, "removed");
          break;
        case "dtype": {
          if (dots.has(f.loc.dir)) continue;
          this.dirblk(f.loc)[f.loc.off + 6] = f.want;
          this.dirty(f.loc.addr);
          this.note(f, "fixed");
          break;
        }
        default:
          continue;
      }
      changed = true;
    }
    return changed;
  }

  private pass3(todo: Finding[]): boolean {
    const ck = this.ck;
    let changed = false;
    const unreached = new Set<number>();
    for (const f of todo) if (f.k === "unreach") unreached.add(f.dir);
    // the top of each unreachable tree: climb names until none (or a loop)
    const tops = new Map<number, boolean>();
    for (const d of unreached) {
      let cur = d;
      const seen = new Set<number>([d]);
      let loop = false;
      for (;;) {
        const p = ck.parent.get(cur);
        if (p === undefined || !unreached.has(p)) break;
        if (seen.has(p)) {
          loop = true;
          break;
        }
        seen.add(p);
        cur = p;
      }
      if (!tops.has(cur)) tops.set(cur, loop);
    }
    for (const [top, loop] of tops) {
      const f = todo.find((x) => x.k === "unreach" && x.dir === top)!;
      if (loop) {
        if (this.preen) throw new Stop(`${f.msg}: a loop of directories`);
        const loc = ck.nameLoc.get(top);
        if (loc !== undefined) this.removeEntry(loc);
      }
      const where = this.linkup(top);
      if (where === null) {
        if (this.preen) throw new Stop(`${f.msg}: no room in /${LFNAME}`);
        continue;
      }
      this.note(f, `reconnected as ${where}`);
      changed = true;
    }
    for (const f of todo) {
      if (f.k !== "dotdot") continue;
      const dd = ck.dotdotLoc.get(f.dir);
      if (dd === undefined) continue;
      direct_set_ino(this.dirblk(dd), dd.off, this.fs.le, false, f.want, DT_DIR);
      this.dirty(dd.addr);
      this.note(f, "fixed");
      changed = true;
    }
    return changed;
  }

  private pass4(todo: Finding[]): boolean {
    const ck = this.ck;
    let changed = false;
    for (const f of todo) {
      if (f.k === "unref") {
        const st = ck.state[f.ino];
        if (st !== FSTATE && st !== DSTATE) continue;
        if (ck.nlink[f.ino]! <= 0) {
          this.clearInode(f.ino);
          this.note(f, "no links left: cleared");
        } else if (this.preen && this.sizeOf(f.ino) === 0) {
          this.clearInode(f.ino);
          this.note(f, "empty: cleared");
        } else {
          const where = this.linkup(f.ino);
          if (where !== null) this.note(f, `reconnected as ${where}`);
          else if (this.preen) throw new Stop(`${f.msg}: no room in /${LFNAME}`);
          else {
            this.clearInode(f.ino);
            this.note(f, `no room in /${LFNAME}: cleared`);
          }
        }
        changed = true;
      } else if (f.k === "nlink") {
        if (ck.state[f.ino] === USTATE || ck.state[f.ino] === BADSTATE) continue;
        this.setNlink(f.ino, f.want);
        this.note(f, "adjusted");
        changed = true;
      }
    }
    return changed;
  }

  /** Rebuild every cylinder group's maps and counts, the summary area and the totals. */
  private pass5(todo: Finding[]): boolean {
    const ck = this.ck;
    const fs = this.fs;
    const le = fs.le;
    const frag = fs.fs_frag;
    const cs = new Csum(fs.fs_ncg);
    let ndir = 0;
    let nbfree = 0;
    let nifree = 0;
    let nffree = 0;
    for (let c = 0; c < fs.fs_ncg; c++) {
      const addr = cgtod(fs, c);
      const buf = this.get(addr, fs.fs_cgsize);
      if (buf.length < CG_SPACE_OFF) throw new Abort(`cylinder group ${c}: short`);
      const cg = cg_parse(buf, le);
      // inodes: 0 and 1 are always in use (cg 0)
      buf.fill(0, cg.cg_iusedoff, cg.cg_iusedoff + Math.ceil(fs.fs_ipg / 8));
      cg.cs_nifree = 0;
      cg.cs_ndir = 0;
      for (let i = 0; i < fs.fs_ipg; i++) {
        const ino = c * fs.fs_ipg + i;
        const st = ck.state[ino]!;
        if (ino < UFS_ROOTINO || st !== USTATE) setbit(buf, cg.cg_iusedoff, i);
        else cg.cs_nifree++;
        if (st === DSTATE) cg.cs_ndir++;
      }
      // fragments: free where nothing claims them
      const base = fs.fs_fpg * c;
      buf.fill(0, cg.cg_freeoff, cg.cg_freeoff + Math.ceil(cg.cg_ndblk / 8));
      for (let d = 0; d < cg.cg_ndblk; d++)
        if (ck.claim[base + d] === FREE) setbit(buf, cg.cg_freeoff, d);
      cg.cs_nbfree = 0;
      cg.cs_nffree = 0;
      const frsum = new Int32Array(MAXFRAG);
      const nblocks = Math.floor(cg.cg_ndblk / frag);
      for (let b = 0; b < Math.ceil(cg.cg_ndblk / frag); b++) {
        if (ffs_isblock(fs, buf, cg.cg_freeoff, b)) cg.cs_nbfree++;
        else {
          const m = blkmap(fs, buf, cg.cg_freeoff, b);
          for (let i = 0; i < frag; i++) if (m & (1 << i)) cg.cs_nffree++;
          ffs_fragacct(fs, m, frsum, 1);
        }
      }
      cg.cg_frsum.set(frsum);
      if (fs.fs_contigsumsize > 0) {
        const sum = new Int32Array(fs.fs_contigsumsize + 1);
        let run = 0;
        for (let b = 0; b <= nblocks; b++) {
          const free = b < nblocks && ffs_isblock(fs, buf, cg.cg_freeoff, b);
          if (b < nblocks) {
            if (free) setbit(buf, cg.cg_clusteroff, b);
            else clrbit(buf, cg.cg_clusteroff, b);
          }
          if (free) run++;
          else if (run > 0) {
            sum[Math.min(run, fs.fs_contigsumsize)]!++;
            run = 0;
          }
        }
        const dv = ufs_dv(buf);
        for (let i = 1; i <= fs.fs_contigsumsize; i++)
          dv.setInt32(cg.cg_clustersumoff + 4 * i, sum[i]!, le);
      }
      cg_fix_rotors(fs, cg, c);
      cg_serialize(cg, buf, le);
      this.dirty(addr);
      cs.cs_ndir[c] = cg.cs_ndir;
      cs.cs_nbfree[c] = cg.cs_nbfree;
      cs.cs_nifree[c] = cg.cs_nifree;
      cs.cs_nffree[c] = cg.cs_nffree;
      ndir += cg.cs_ndir;
      nbfree += cg.cs_nbfree;
      nifree += cg.cs_nifree;
      nffree += cg.cs_nffree;
    }
    const csbuf = new Uint8Array(fs.fs_cssize);
    ffs_csum_serialize(fs, cs, csbuf);
    if (writeFully(this.dev, fsbtodb(fs, fs.fs_csaddr) * DEV_BSIZE, csbuf) !== 0)
      throw new Abort("write error at the summary area");
    fs.fs_cstotal_ndir = ndir;
    fs.fs_cstotal_nbfree = nbfree;
    fs.fs_cstotal_nifree = nifree;
    fs.fs_cstotal_nffree = nffree;
    const e = writeSuperblock(this.dev, fs);
    if (e !== null) throw new Abort(e);
    this.wrote = true;
    for (const f of todo) this.note(f, "salvaged");
    return true;
  }
}
