/**
 * A read-only FFS checker (the checks of sbin/fsck_ffs, reporting only):
 *
 *   superblock  probe, ffs_superblock_check, size vs device, alternate copy
 *   pass 1      every inode: sanity, block pointers (range, metadata areas,
 *               fragment runs inside one block), blocks claimed twice,
 *               di_blocks; pointers past the size
 *   pass 2      every directory: DIRBLKSIZ chunks (reclen, namlen, d_ino),
 *               "." and "..", entries naming free inodes, d_type
 *   pass 3      directories reachable from the root, ".." = real parent
 *   pass 4      link counts; allocated inodes nothing refers to
 *   pass 5      per cylinder group: inode and fragment maps vs what pass 1
 *               found, counts vs the maps, fragment and cluster summaries;
 *               the summary area and the superblock totals
 *
 * Every value from the disk is checked before it is used; each indirect
 * block is descended into at most once (a loop becomes "claimed twice"),
 * directory walks are by visited set, so the work is bounded by the size
 * of the file system. Problems are capped at `maxProblems`.
 *
 * With `collect` (the repair in ffs_fsck_fix.ts) each problem also becomes
 * a Finding: what is wrong and where, in terms the repair can act on, and
 * the checker keeps the locations the repair needs ('..' entries, the
 * names of directories, lost+found). Blocks claimed twice then get the
 * second look of fsck_ffs's pass 1b: every inode holding one is found.
 */
import { type BlockDev, readFully } from "../../dev/blockdev.js";
import { ufs_dv, ufs_rd64 } from "../ufs/ufs_bswap.js";
import {
  Dinode,
  dinode_check,
  dinode_isshortlink,
  dinode_parse,
  IFBLK,
  IFCHR,
  IFDIR,
  IFIFO,
  IFLNK,
  IFMT,
  IFREG,
  IFSOCK,
  NXADDR,
} from "../ufs/dinode.js";
import { Direct, DIRBLKSIZ, direct_name, direct_parse, dirchunk_check } from "../ufs/dir.js";
import {
  blkmap,
  Cg,
  cg_check,
  cg_nfrags,
  cg_parse,
  CG_SPACE_OFF,
  ffs_fragacct,
  ffs_isblock,
  isset,
} from "./ffs_cg.js";
import {
  cgdmin,
  cgsblock,
  cgtod,
  Csum,
  DEV_BSIZE,
  DINODE_SIZE,
  ffs_csum_parse,
  ffs_sb_parse,
  ffs_superblock_check,
  FS_44INODEFMT,
  fsbtodb,
  type Fs,
  MAXFRAG,
  SBLOCK_UFS1,
  SBLOCKSEARCH,
  SBLOCKSIZE,
  UFS_NDADDR,
  UFS_NIADDR,
  UFS_ROOTINO,
} from "./fs.js";

export interface FsckResult {
  clean: boolean;
  problems: string[];
}

export interface FsckOptions {
  /** stop collecting after this many (default 1000) */
  maxProblems?: number;
}

/** inode states (fsck.h USTATE, FSTATE, DSTATE; BAD: failed the inode check) */
export const USTATE = 0;
export const FSTATE = 1;
export const DSTATE = 2;
export const BADSTATE = 3;

/** fragment states in the claim map (DUP: claimed more than once) */
export const FREE = 0;
export const META = 1;
export const DATA = 2;
export const DUP = 3;

/** Where a directory entry lies: the directory block (as pass 2 read it) and the entry's offset in it. */
export interface DirLoc {
  dir: number;
  /** fragment address and length in bytes of the directory block */
  addr: number;
  len: number;
  /** the entry's offset in that block */
  off: number;
}

/**
 * A problem as the repair sees it, by pass (0: superblock and cylinder
 * groups): `msg` is the line the checker reported.
 */
export type Finding = { msg: string } & (
  | { pass: 0; k: "alt" }
  | { pass: 0; k: "cg"; c: number }
  | { pass: 0; k: "cgsize"; c: number; ndblk: number }
  | { pass: 1; k: "clear"; ino: number }
  | { pass: 1; k: "blocks"; ino: number; want: number }
  | { pass: 1; k: "ptr"; ino: number; ib: boolean; idx: number }
  | { pass: 1; k: "iptr"; ino: number; addr: number; idx: number }
  | { pass: 2; k: "root" }
  | { pass: 2; k: "hole"; dir: number; lbn: number }
  | { pass: 2; k: "chunk"; loc: DirLoc }
  | { pass: 2; k: "dots"; dir: number }
  | { pass: 2; k: "rment"; loc: DirLoc; ino: number }
  | { pass: 2; k: "dtype"; loc: DirLoc; want: number }
  | { pass: 3; k: "unreach"; dir: number }
  | { pass: 3; k: "dotdot"; dir: number; want: number }
  | { pass: 4; k: "unref"; ino: number }
  | { pass: 4; k: "nlink"; ino: number; want: number }
  | { pass: 5; k: "maps" }
);

/** DT_* for a mode (IFTODT) */
function iftodt(mode: number): number {
  return (mode & IFMT) >>> 12;
}

class TooMany extends Error {}

/** Findings one collecting scan keeps before it stops. */
const FINDINGS_MAX = 20_000;

/** The checker's passes over one image; `collect` keeps findings for the repair. */
export class Checker {
  readonly problems: string[] = [];
  readonly findings: Finding[] = [];
  /** problems beyond `max` (collect mode keeps counting instead of stopping) */
  dropped = 0;
  /** a problem the repair cannot act on was found (no superblock, a read error) */
  fatal = false;
  fs!: Fs;
  maxino = 0;
  /** per fragment: FREE, META or DATA */
  claim!: Uint8Array;
  state!: Uint8Array;
  nlink!: Int32Array;
  refs!: Int32Array;
  /** directory inode → its data fragments per logical block */
  readonly dirblocks = new Map<number, number[]>();
  readonly dirsize = new Map<number, number>();
  cgs: (Cg | null)[] = [];
  cgbufs: (Uint8Array | null)[] = [];
  readonly dino = new Dinode();
  /** collect mode: the inode being walked had a pointer that must not be followed */
  private badptr = false;
  /** collect mode: some fragment was claimed twice (pass 1b runs) */
  private dups = false;
  /** collect mode: where each directory's '..' entry lies */
  readonly dotdotLoc = new Map<number, DirLoc>();
  /** collect mode: where the name of each directory lies (in its parent) */
  readonly nameLoc = new Map<number, DirLoc>();
  /** collect mode: the root's "lost+found" entry */
  lostfound: { ino: number; loc: DirLoc } | null = null;
  constructor(
    readonly dev: BlockDev,
    readonly max: number,
    readonly collect = false,
  ) {}

  report(msg: string): void {
    if (this.problems.length >= this.max) {
      if (this.collect) {
        this.dropped++;
        return;
      }
      this.problems.push(`too many problems, stopped after ${this.max}`);
      throw new TooMany();
    }
    this.problems.push(msg);
  }

  /**
   * Report `msg` and, collecting, keep what the repair needs to act on it
   * (up to FINDINGS_MAX: the scan stops there, the repair fixes those and
   * looks again).
   */
  find(f: Finding): void {
    this.report(f.msg);
    if (!this.collect) return;
    this.findings.push(f);
    if (this.findings.length >= FINDINGS_MAX) throw new TooMany();
  }

  /** Read `n` bytes at fragment `frag`; null (and a problem) on failure. */
  read(frag: number, n: number): Uint8Array | null {
    const buf = new Uint8Array(n);
    const off = fsbtodb(this.fs, frag) * DEV_BSIZE;
    if (off + n > this.dev.size || readFully((o, b) => this.dev.read(o, b), off, buf) !== 0) {
      this.report(`read error at fragment ${frag}`);
      this.fatal = true;
      return null;
    }
    return buf;
  }

  superblock(): boolean {
    const buf = new Uint8Array(SBLOCKSIZE);
    const rd = (o: number, b: Uint8Array): number => this.dev.read(o, b);
    let why = "no superblock found";
    for (const loc of SBLOCKSEARCH) {
      if (loc + SBLOCKSIZE > this.dev.size) continue;
      if (readFully(rd, loc, buf) !== 0) continue;
      const fs = ffs_sb_parse(buf, loc);
      if (fs === null) continue;
      if (fs.ufs2 ? fs.fs_sblockloc !== loc : loc !== SBLOCK_UFS1) continue;
      const bad = ffs_superblock_check(fs);
      // the totals are recounted by pass 5: the repair can use a superblock wrong only there
      const totals = bad === "bad summary totals" && this.collect;
      if (bad !== null && !totals) {
        why = `bad superblock at ${loc}: ${bad}`;
        continue;
      }
      if (totals) this.find({ pass: 5, k: "maps", msg: `superblock at ${loc}: ${bad}` });
      this.fs = fs;
      if (fs.fs_size * fs.fs_fsize > this.dev.size) {
        this.report(
          `bad superblock: file system of ${fs.fs_size * fs.fs_fsize} bytes on a device of ${this.dev.size}`,
        );
        this.fatal = true;
        return false;
      }
      return true;
    }
    this.report(why);
    this.fatal = true;
    return false;
  }

  /** The alternate in the last cylinder group must agree on the geometry. */
  alternate(): void {
    const fs = this.fs;
    const c = fs.fs_ncg - 1;
    const buf = this.read(cgsblock(fs, c), fs.fs_sbsize);
    if (buf === null) return;
    const alt = ffs_sb_parse(buf, fs.fs_sblockloc);
    if (alt === null || alt.fs_magic !== fs.fs_magic || alt.le !== fs.le) {
      this.find({ pass: 0, k: "alt", msg: `alternate superblock in cg ${c}: no valid magic` });
      return;
    }
    const fields = [
      "fs_bsize",
      "fs_fsize",
      "fs_frag",
      "fs_sblkno",
      "fs_cblkno",
      "fs_iblkno",
      "fs_dblkno",
      "fs_ncg",
      "fs_fpg",
      "fs_ipg",
      "fs_cgsize",
      "fs_inopb",
      "fs_nindir",
      "fs_sbsize",
      "fs_cssize",
    ] as const;
    for (const f of fields)
      if (alt[f] !== fs[f])
        this.find({
          pass: 0,
          k: "alt",
          msg: `alternate superblock in cg ${c}: ${f} ${alt[f]}, primary ${fs[f]}`,
        });
  }

  /** Mark metadata fragments and read the cylinder groups. */
  cylinders(): void {
    const fs = this.fs;
    this.claim = new Uint8Array(fs.fs_size);
    for (let c = 0; c < fs.fs_ncg; c++) {
      const lo = c === 0 ? 0 : cgsblock(fs, c);
      const hi = Math.min(cgdmin(fs, c), fs.fs_size);
      this.claim.fill(META, lo, hi);
      const buf = this.read(cgtod(fs, c), fs.fs_cgsize);
      let cg: Cg | null = null;
      if (buf !== null) {
        cg = cg_parse(buf, fs.le);
        const bad = buf.length < CG_SPACE_OFF ? "short" : cg_check(fs, cg, c);
        if (bad !== null) {
          this.find({ pass: 0, k: "cg", c, msg: `cylinder group ${c}: ${bad}` });
          cg = null;
        } else this.cgsizes(c, cg);
      }
      this.cgs.push(cg);
      this.cgbufs.push(cg === null ? null : buf);
    }
    const csfrags = Math.ceil(fs.fs_cssize / fs.fs_fsize);
    this.claim.fill(META, fs.fs_csaddr, Math.min(fs.fs_csaddr + csfrags, fs.fs_size));
  }

  /** The sizes the allocator bounds itself by must be the geometry's. */
  cgsizes(c: number, cg: Cg): void {
    const fs = this.fs;
    const ndblk = cg_nfrags(fs, c);
    if (cg.cg_ndblk !== ndblk)
      this.find({
        pass: 0,
        k: "cgsize",
        c,
        ndblk,
        msg: `cg ${c}: cg_ndblk ${cg.cg_ndblk}, expected ${ndblk}`,
      });
    const nclusterblks = Math.floor(ndblk / fs.fs_frag);
    if (fs.fs_contigsumsize > 0 && cg.cg_nclusterblks !== nclusterblks)
      this.find({
        pass: 0,
        k: "cgsize",
        c,
        ndblk,
        msg: `cg ${c}: cg_nclusterblks ${cg.cg_nclusterblks}, expected ${nclusterblks}`,
      });
  }

  /** Claim `n` fragments at `addr` for inode `ino`; false if it must not be followed. */
  claimFrags(ino: number, addr: number, n: number, what: string): boolean {
    const fs = this.fs;
    if (!(addr > 0 && addr + n <= fs.fs_size)) {
      this.badptr = true;
      this.report(`inode ${ino}: ${what} ${addr} outside the file system`);
      return false;
    }
    if ((addr % fs.fs_frag) + n > fs.fs_frag) {
      this.badptr = true;
      this.report(`inode ${ino}: ${what} ${addr}: ${n} fragments cross a block boundary`);
      return false;
    }
    let first = -1;
    let dups = 0;
    for (let f = addr; f < addr + n; f++) {
      const s = this.claim[f]!;
      if (s === META) {
        this.badptr = true;
        this.report(`inode ${ino}: ${what} ${addr} lies in file-system metadata`);
        return false;
      }
      if (s === DATA || s === DUP) {
        if (first < 0) first = f;
        dups++;
      }
    }
    const ok = dups === 0;
    if (!ok) {
      this.dups = true;
      this.report(
        `inode ${ino}: fragment ${first} claimed twice` +
          (dups > 1 ? ` (${dups} fragments of this ${what})` : ""),
      );
    }
    for (let f = addr; f < addr + n; f++) this.claim[f] = this.claim[f] === FREE ? DATA : DUP;
    return ok;
  }

  pass1(): void {
    const fs = this.fs;
    this.maxino = fs.fs_ncg * fs.fs_ipg;
    this.state = new Uint8Array(this.maxino);
    this.nlink = new Int32Array(this.maxino);
    this.refs = new Int32Array(this.maxino);
    this.eachInode((ino, d) => this.inode(ino, d));
  }

  /** Every allocated inode (mode ≠ 0) from UFS_ROOTINO on, in the scanned inode blocks. */
  eachInode(fn: (ino: number, d: Dinode) => void): void {
    const fs = this.fs;
    const dsize = DINODE_SIZE(fs);
    for (let c = 0; c < fs.fs_ncg; c++) {
      const n = this.inodesOf(c);
      const per = fs.fs_inopb;
      for (let i = 0; i < n; i += per) {
        const ino0 = c * fs.fs_ipg + i;
        const blk = fs.fs_fpg * c + fs.fs_iblkno + (i / per) * fs.fs_frag;
        const buf = this.read(blk, fs.fs_bsize);
        if (buf === null) continue;
        for (let j = 0; j < per && i + j < n; j++) {
          const ino = ino0 + j;
          if (ino < UFS_ROOTINO) continue;
          dinode_parse(buf, j * dsize, fs.ufs2, fs.le, this.dino);
          if (this.dino.di_mode === 0) continue;
          fn(ino, this.dino);
        }
      }
    }
  }

  /** Inodes of cg `c` that hold data (UFS2: only the initialised ones, cg_initediblk). */
  inodesOf(c: number): number {
    const fs = this.fs;
    if (!fs.ufs2) return fs.fs_ipg;
    const cg = this.cgs[c];
    return cg === null || cg === undefined ? 0 : Math.min(cg.cg_initediblk, fs.fs_ipg);
  }

  /**
   * Pass 1b (collect mode, after a fragment was claimed twice): every
   * inode that holds a fragment claimed twice is to be cleared, the first
   * claimer as well as the later ones. Indirect blocks held once are read
   * again, each by its one owner, so the work stays bounded.
   */
  pass1b(): void {
    if (!this.collect || !this.dups) return;
    const fs = this.fs;
    const held = (a: number, n: number): boolean => {
      for (let f = a; f < a + n; f++) if (this.claim[f] === DUP) return true;
      return false;
    };
    const inRange = (a: number, n: number): boolean =>
      a > 0 && a + n <= fs.fs_size && (a % fs.fs_frag) + n <= fs.fs_frag;
    // does the indirect block at `a` (level `lvl`, first lbn `start`) reach a twice-claimed fragment?
    const indirect = (a: number, lvl: number, start: number, nblk: number): boolean => {
      if (!inRange(a, fs.fs_frag) || this.claim[a] === META) return false;
      if (held(a, fs.fs_frag)) return true;
      const buf = this.read(a, fs.fs_bsize);
      if (buf === null) return false;
      const dv = ufs_dv(buf);
      let per = 1;
      for (let i = 0; i < lvl; i++) per *= fs.fs_nindir;
      for (let i = 0; i < fs.fs_nindir && start + i * per < nblk; i++) {
        const p = fs.ufs2 ? ufs_rd64(dv, i * 8, fs.le) : dv.getInt32(i * 4, fs.le);
        if (!(p > 0)) continue;
        if (
          lvl > 0
            ? indirect(p, lvl - 1, start + i * per, nblk)
            : inRange(p, fs.fs_frag) && held(p, fs.fs_frag)
        )
          return true;
      }
      return false;
    };
    this.eachInode((ino, d) => {
      const st = this.state[ino];
      if (st !== FSTATE && st !== DSTATE) return;
      const type = d.di_mode & IFMT;
      if (type !== IFREG && type !== IFDIR && type !== IFLNK) return;
      if (dinode_isshortlink(d, fs.fs_maxsymlinklen)) return;
      const nblk = Math.ceil(d.di_size / fs.fs_bsize);
      let dup = false;
      for (let i = 0; i < UFS_NDADDR && i < nblk && !dup; i++) {
        const a = d.di_db[i]!;
        if (a > 0 && a < fs.fs_size && this.claim[a] === DUP) dup = true;
      }
      let start = UFS_NDADDR;
      let span = 1;
      for (let lvl = 0; lvl < UFS_NIADDR && !dup; lvl++) {
        span *= fs.fs_nindir;
        if (d.di_ib[lvl]! > 0 && start < nblk) dup = indirect(d.di_ib[lvl]!, lvl, start, nblk);
        start += span;
      }
      for (let i = 0; i < NXADDR && !dup && fs.ufs2 && d.di_extsize > 0; i++) {
        const a = d.di_extb[i]!;
        if (a > 0 && a < fs.fs_size && this.claim[a] === DUP) dup = true;
      }
      if (dup)
        this.findings.push({
          pass: 1,
          k: "clear",
          ino,
          msg: `inode ${ino}: holds fragments claimed by another inode`,
        });
    });
  }

  inode(ino: number, d: Dinode): void {
    const fs = this.fs;
    const type = d.di_mode & IFMT;
    this.nlink[ino] = d.di_nlink;
    this.modes.set(ino, d.di_mode);
    // every type through the same check the kernel makes (devices: di_db[0] is the number)
    const bad = dinode_check(d, fs.fs_size, fs.fs_maxsymlinklen, fs.fs_maxfilesize);
    if (bad !== null) {
      this.find({ pass: 1, k: "clear", ino, msg: `inode ${ino}: ${bad}` });
      this.state[ino] = BADSTATE;
      return;
    }
    const special = type === IFCHR || type === IFBLK || type === IFIFO || type === IFSOCK;
    this.state[ino] = type === IFDIR ? DSTATE : FSTATE;
    if (type === IFDIR && d.di_size === 0)
      this.find({ pass: 1, k: "clear", ino, msg: `directory ${ino} has size 0` });
    if (special || dinode_isshortlink(d, fs.fs_maxsymlinklen)) {
      if (special && d.di_blocks !== 0)
        this.find({
          pass: 1,
          k: "blocks",
          ino,
          want: 0,
          msg: `inode ${ino}: di_blocks ${d.di_blocks}, counted 0`,
        });
      return;
    }
    this.badptr = false;
    const bsize = fs.fs_bsize;
    const size = d.di_size;
    const nblk = Math.ceil(size / bsize);
    const dir: number[] | null = type === IFDIR ? [] : null;
    let frags = 0;
    for (let lbn = 0; lbn < UFS_NDADDR; lbn++) {
      const a = d.di_db[lbn]!;
      if (a === 0) continue;
      if (lbn >= nblk) {
        this.find({
          pass: 1,
          k: "ptr",
          ino,
          ib: false,
          idx: lbn,
          msg: `inode ${ino}: block pointer ${lbn} past the end of the file`,
        });
        continue;
      }
      const bytes = lbn < nblk - 1 || size % bsize === 0 ? bsize : size % bsize;
      const n = Math.ceil(bytes / fs.fs_fsize);
      this.claimFrags(ino, a, n, "block");
      frags += n;
      if (dir !== null) dir[lbn] = a;
    }
    // indirect levels: lbn ranges covered by ib[0..2]
    let start = UFS_NDADDR;
    let span = 1;
    for (let lvl = 0; lvl < UFS_NIADDR; lvl++) {
      span *= fs.fs_nindir;
      const a = d.di_ib[lvl]!;
      if (a !== 0) {
        if (start >= nblk)
          this.find({
            pass: 1,
            k: "ptr",
            ino,
            ib: true,
            idx: lvl,
            msg: `inode ${ino}: indirect pointer ${lvl} past the end of the file`,
          });
        else frags += this.indirect(ino, a, lvl, start, nblk, dir);
      }
      start += span;
    }
    if (fs.ufs2 && d.di_extsize > 0) {
      for (let i = 0; i < NXADDR; i++) {
        const a = d.di_extb[i]!;
        const bytes = Math.min(d.di_extsize - i * bsize, bsize);
        if (a === 0 || bytes <= 0) continue;
        const n = Math.ceil(bytes / fs.fs_fsize);
        this.claimFrags(ino, a, n, "extattr block");
        frags += n;
      }
    }
    if (this.badptr && this.collect) {
      // a pointer outside the file system or into its metadata: fsck_ffs clears the inode
      this.findings.push({ pass: 1, k: "clear", ino, msg: `inode ${ino}: bad block pointers` });
    }
    const counted = (frags * fs.fs_fsize) / DEV_BSIZE;
    if (counted !== d.di_blocks)
      this.find({
        pass: 1,
        k: "blocks",
        ino,
        want: counted,
        msg: `inode ${ino}: di_blocks ${d.di_blocks}, counted ${counted}`,
      });
    if (dir !== null) {
      this.dirblocks.set(ino, dir);
      this.dirsize.set(ino, size);
    }
  }

  /** Walk an indirect block of level `lvl` covering lbns from `start`; returns fragments held. */
  indirect(
    ino: number,
    addr: number,
    lvl: number,
    start: number,
    nblk: number,
    dir: number[] | null,
  ): number {
    const fs = this.fs;
    if (!this.claimFrags(ino, addr, fs.fs_frag, "indirect block")) return fs.fs_frag;
    let frags = fs.fs_frag;
    const buf = this.read(addr, fs.fs_bsize);
    if (buf === null) return frags;
    const dv = ufs_dv(buf);
    let per = 1;
    for (let i = 0; i < lvl; i++) per *= fs.fs_nindir;
    for (let i = 0; i < fs.fs_nindir; i++) {
      const a = fs.ufs2 ? ufs_rd64(dv, i * 8, fs.le) : dv.getInt32(i * 4, fs.le);
      if (a === 0) continue;
      const lbn = start + i * per;
      if (!(a > 0)) {
        this.badptr = true;
        this.report(`inode ${ino}: bad pointer ${a} in indirect block ${addr}`);
        continue;
      }
      if (lbn >= nblk) {
        this.find({
          pass: 1,
          k: "iptr",
          ino,
          addr,
          idx: i,
          msg: `inode ${ino}: pointer past the end of the file in indirect block ${addr}`,
        });
        continue;
      }
      if (lvl > 0) frags += this.indirect(ino, a, lvl - 1, lbn, nblk, dir);
      else {
        this.claimFrags(ino, a, fs.fs_frag, "block");
        frags += fs.fs_frag;
        if (dir !== null) dir[lbn] = a;
      }
    }
    return frags;
  }

  /** parent found by name (pass 2) and the parent ".." claims */
  readonly parent = new Map<number, number>();
  readonly dotdot = new Map<number, number>();

  pass2(): void {
    const fs = this.fs;
    if (this.state[UFS_ROOTINO] !== DSTATE) {
      this.find({ pass: 2, k: "root", msg: "root inode is not a directory" });
      return;
    }
    const oldfmt = !fs.ufs2 && fs.fs_old_inodefmt !== FS_44INODEFMT;
    const de = new Direct();
    for (const [ino, blocks] of this.dirblocks) {
      const size = this.dirsize.get(ino)!;
      let seen = 0;
      for (let lbn = 0; lbn * fs.fs_bsize < size; lbn++) {
        const a = blocks[lbn];
        const bytes = Math.min(size - lbn * fs.fs_bsize, fs.fs_bsize);
        if (a === undefined || a === 0) {
          this.find({
            pass: 2,
            k: "hole",
            dir: ino,
            lbn,
            msg: `directory ${ino}: hole at block ${lbn}`,
          });
          seen += Math.ceil(bytes / DIRBLKSIZ) * 2;
          // the repair cuts the directory at its first hole: the rest does not matter
          if (this.collect) break;
          continue;
        }
        const len = Math.ceil(bytes / fs.fs_fsize) * fs.fs_fsize;
        const buf = this.read(a, len);
        if (buf === null) continue;
        for (let chunk = 0; chunk < bytes; chunk += DIRBLKSIZ) {
          const off0 = lbn * fs.fs_bsize + chunk;
          const bad = dirchunk_check(buf, chunk, fs.le, oldfmt, this.maxino, de);
          if (bad !== null) {
            this.find({
              pass: 2,
              k: "chunk",
              loc: { dir: ino, addr: a, len, off: chunk },
              msg: `directory ${ino}: chunk at offset ${off0}: ${bad}`,
            });
            seen = Math.max(seen, 2);
            continue;
          }
          for (let off = chunk; off < chunk + DIRBLKSIZ; off += de.d_reclen) {
            direct_parse(buf, off, fs.le, oldfmt, de);
            const slot = seen;
            if (de.d_ino === 0) {
              if (off0 === 0 && off === chunk) {
                this.find({ pass: 2, k: "dots", dir: ino, msg: `directory ${ino}: missing '.'` });
                seen = 1;
              }
              continue;
            }
            seen++;
            const loc = { dir: ino, addr: a, len, off };
            const name = direct_name(buf, off, de.d_namlen);
            this.entry(ino, slot, name, de.d_ino, de.d_type, oldfmt, loc);
          }
        }
      }
      if (seen < 2)
        this.find({ pass: 2, k: "dots", dir: ino, msg: `directory ${ino}: missing '..'` });
    }
  }

  entry(
    dir: number,
    slot: number,
    name: string,
    target: number,
    dtype: number,
    oldfmt: boolean,
    loc: DirLoc,
  ): void {
    const dots = (msg: string): void => this.find({ pass: 2, k: "dots", dir, msg });
    if (slot === 0) {
      if (name !== ".") dots(`directory ${dir}: first entry is '${name}', not '.'`);
      else if (target !== dir) dots(`directory ${dir}: '.' names inode ${target}`);
    } else if (slot === 1) {
      if (name !== "..") dots(`directory ${dir}: second entry is '${name}', not '..'`);
      else {
        this.dotdot.set(dir, target);
        if (this.collect) this.dotdotLoc.set(dir, loc);
      }
    } else if (name === "." || name === "..") {
      this.find({
        pass: 2,
        k: "rment",
        loc,
        ino: target,
        msg: `directory ${dir}: extra '${name}' entry`,
      });
      return;
    }
    // '.' and '..' are put right by their own fixes (above, and pass 3), never removed
    const named = slot >= 2 || (slot === 0 && name !== ".") || (slot === 1 && name !== "..");
    const st = this.state[target]!;
    if (st === USTATE) {
      const msg = `directory ${dir}: entry '${name}' names unallocated inode ${target}`;
      if (named) this.find({ pass: 2, k: "rment", loc, ino: target, msg });
      else this.report(msg);
      return;
    }
    this.refs[target] = this.refs[target]! + 1;
    if (st === BADSTATE) return;
    if (!oldfmt) {
      const want = iftodt(st === DSTATE ? IFDIR : this.modeOf(target));
      if (want !== 0 && dtype !== want)
        this.find({
          pass: 2,
          k: "dtype",
          loc,
          want,
          msg: `directory ${dir}: entry '${name}' has d_type ${dtype}, inode ${target} wants ${want}`,
        });
    }
    if (this.collect && dir === UFS_ROOTINO && name === "lost+found" && this.lostfound === null)
      this.lostfound = { ino: target, loc };
    if (st === DSTATE && name !== "." && name !== "..") {
      const prev = this.parent.get(target);
      if (prev !== undefined || target === UFS_ROOTINO)
        this.find({
          pass: 2,
          k: "rment",
          loc,
          ino: target,
          msg: `directory ${target} has more than one name ('${name}' in directory ${dir}${prev !== undefined ? `, also in ${prev}` : ""})`,
        });
      else {
        this.parent.set(target, dir);
        if (this.collect) this.nameLoc.set(target, loc);
      }
    }
  }

  readonly modes = new Map<number, number>();
  modeOf(ino: number): number {
    return this.modes.get(ino) ?? 0;
  }

  pass3(): void {
    if (this.state[UFS_ROOTINO] !== DSTATE) return;
    const children = new Map<number, number[]>();
    for (const [child, par] of this.parent) {
      let l = children.get(par);
      if (l === undefined) children.set(par, (l = []));
      l.push(child);
    }
    const reached = new Set<number>([UFS_ROOTINO]);
    const queue = [UFS_ROOTINO];
    while (queue.length > 0) {
      const d = queue.pop()!;
      for (const c of children.get(d) ?? []) {
        if (reached.has(c)) continue;
        reached.add(c);
        queue.push(c);
      }
    }
    for (const ino of this.dirblocks.keys()) {
      if (!reached.has(ino)) {
        this.find({
          pass: 3,
          k: "unreach",
          dir: ino,
          msg: `directory ${ino} is not reachable from the root`,
        });
        continue;
      }
      const want = ino === UFS_ROOTINO ? UFS_ROOTINO : this.parent.get(ino)!;
      const dd = this.dotdot.get(ino);
      if (dd !== undefined && dd !== want)
        this.find({
          pass: 3,
          k: "dotdot",
          dir: ino,
          want,
          msg: `directory ${ino}: '..' names ${dd}, its parent is ${want}`,
        });
    }
  }

  pass4(): void {
    for (let ino = UFS_ROOTINO; ino < this.maxino; ino++) {
      const st = this.state[ino]!;
      if (st === USTATE || st === BADSTATE) continue;
      const refs = this.refs[ino]!;
      if (refs === 0) {
        this.find({
          pass: 4,
          k: "unref",
          ino,
          msg: `inode ${ino} is allocated but no directory refers to it`,
        });
        continue;
      }
      if (refs !== this.nlink[ino])
        this.find({
          pass: 4,
          k: "nlink",
          ino,
          want: refs,
          msg: `inode ${ino}: link count ${this.nlink[ino]}, should be ${refs}`,
        });
    }
  }

  pass5(cs: Csum | null): void {
    const fs = this.fs;
    const frag = fs.fs_frag;
    const tot = { ndir: 0, nbfree: 0, nifree: 0, nffree: 0 };
    for (let c = 0; c < fs.fs_ncg; c++) {
      const cg = this.cgs[c];
      const buf = this.cgbufs[c];
      if (cg === null || cg === undefined || buf === null || buf === undefined) continue;
      // inodes
      let nifree = 0;
      let ndir = 0;
      const ibad: number[] = [];
      for (let i = 0; i < fs.fs_ipg; i++) {
        const ino = c * fs.fs_ipg + i;
        const used = isset(buf, cg.cg_iusedoff, i);
        const st = this.state[ino]!;
        const alloc = ino < UFS_ROOTINO ? used : st !== USTATE;
        if (!used) nifree++;
        if (used !== alloc) ibad.push(ino);
        if (st === DSTATE) ndir++;
      }
      this.many(
        ibad,
        (ino) =>
          `cg ${c}: inode ${ino} ${this.state[ino] !== USTATE ? "in use but marked free" : "free but marked in use"} in the inode map`,
      );
      // fragments
      const base = fs.fs_fpg * c;
      const fbad: number[] = [];
      let nbfree = 0;
      let nffree = 0;
      const frsum = new Int32Array(MAXFRAG);
      for (let d = 0; d < cg.cg_ndblk; d++) {
        const isfree = isset(buf, cg.cg_freeoff, d);
        const inuse = this.claim[base + d] !== FREE;
        if (isfree === inuse) fbad.push(base + d);
      }
      this.many(
        fbad,
        (f) =>
          `cg ${c}: fragment ${f} ${this.claim[f] !== FREE ? "in use but marked free" : "free but marked in use"} in the block map`,
      );
      // whole blocks, and the short last block whose missing fragments read as in use
      const nblocks = Math.floor(cg.cg_ndblk / frag);
      for (let b = 0; b < Math.ceil(cg.cg_ndblk / frag); b++) {
        if (ffs_isblock(fs, buf, cg.cg_freeoff, b)) nbfree++;
        else {
          const m = blkmap(fs, buf, cg.cg_freeoff, b);
          for (let i = 0; i < frag; i++) if (m & (1 << i)) nffree++;
          ffs_fragacct(fs, m, frsum, 1);
        }
      }
      const cmp = (what: string, have: number, want: number): void => {
        if (have !== want) this.maps(`cg ${c}: ${what} ${have}, counted ${want}`);
      };
      cmp("nbfree", cg.cs_nbfree, nbfree);
      cmp("nffree", cg.cs_nffree, nffree);
      cmp("nifree", cg.cs_nifree, nifree);
      cmp("ndir", cg.cs_ndir, ndir);
      for (let i = 1; i < frag; i++)
        if (cg.cg_frsum[i] !== frsum[i])
          this.maps(`cg ${c}: cg_frsum[${i}] ${cg.cg_frsum[i]}, counted ${frsum[i]}`);
      if (fs.fs_contigsumsize > 0) this.clusters(c, cg, buf, nblocks);
      if (cs !== null) {
        const s = (what: string, have: number, want: number): void => {
          if (have !== want) this.maps(`summary area, cg ${c}: ${what} ${have}, cg has ${want}`);
        };
        s("nbfree", cs.cs_nbfree[c]!, cg.cs_nbfree);
        s("nffree", cs.cs_nffree[c]!, cg.cs_nffree);
        s("nifree", cs.cs_nifree[c]!, cg.cs_nifree);
        s("ndir", cs.cs_ndir[c]!, cg.cs_ndir);
      }
      tot.ndir += ndir;
      tot.nbfree += nbfree;
      tot.nffree += nffree;
      tot.nifree += nifree;
    }
    if (this.cgs.every((g) => g !== null)) {
      const t = (what: string, have: number, want: number): void => {
        if (have !== want) this.maps(`superblock: total ${what} ${have}, counted ${want}`);
      };
      t("ndir", fs.fs_cstotal_ndir, tot.ndir);
      t("nbfree", fs.fs_cstotal_nbfree, tot.nbfree);
      t("nffree", fs.fs_cstotal_nffree, tot.nffree);
      t("nifree", fs.fs_cstotal_nifree, tot.nifree);
    }
  }

  clusters(c: number, cg: Cg, buf: Uint8Array, nblocks: number): void {
    const fs = this.fs;
    const bad: number[] = [];
    const sum = new Int32Array(fs.fs_contigsumsize + 1);
    let run = 0;
    for (let b = 0; b <= nblocks; b++) {
      const free = b < nblocks && ffs_isblock(fs, buf, cg.cg_freeoff, b);
      if (b < nblocks && free !== isset(buf, cg.cg_clusteroff, b)) bad.push(b);
      if (free) run++;
      else if (run > 0) {
        sum[Math.min(run, fs.fs_contigsumsize)]!++;
        run = 0;
      }
    }
    this.many(bad, (b) => `cg ${c}: cluster map wrong for block ${b}`);
    const dv = ufs_dv(buf);
    for (let i = 1; i <= fs.fs_contigsumsize; i++) {
      const have = dv.getInt32(cg.cg_clustersumoff + 4 * i, fs.le);
      if (have !== sum[i]) this.maps(`cg ${c}: cluster summary[${i}] ${have}, counted ${sum[i]}`);
    }
  }

  /** A pass-5 problem: the maps and counts are rebuilt from what passes 1–4 found. */
  maps(msg: string): void {
    this.find({ pass: 5, k: "maps", msg });
  }

  /** Report the first few of a list individually, then a count. */
  many(list: number[], msg: (x: number) => string): void {
    const SHOW = 10;
    for (let i = 0; i < Math.min(list.length, SHOW); i++) this.maps(msg(list[i]!));
    if (list.length > SHOW) this.maps(`… and ${list.length - SHOW} more like it`);
  }
}

/** Run every pass of `ck` over its device (stops early only at TooMany). */
export function fsck_ffs_run(ck: Checker): void {
  const dev = ck.dev;
  try {
    if (dev === null || typeof dev !== "object" || !Number.isSafeInteger(dev.size)) {
      ck.report("no device");
      ck.fatal = true;
    } else if (ck.superblock()) {
      const fs = ck.fs;
      ck.alternate();
      ck.cylinders();
      const csbuf = ck.read(fs.fs_csaddr, fs.fs_cssize);
      const cs = csbuf === null ? null : ffs_csum_parse(fs, csbuf);
      ck.pass1();
      ck.pass1b();
      ck.pass2();
      ck.pass3();
      ck.pass4();
      ck.pass5(cs);
    }
  } catch (e) {
    if (!(e instanceof TooMany)) throw e;
  }
}

/** Check the FFS on `dev` without changing it. */
export function fsck_ffs(dev: BlockDev, opts: FsckOptions = {}): FsckResult {
  const ck = new Checker(dev, opts.maxProblems ?? 1000);
  fsck_ffs_run(ck);
  return { clean: ck.problems.length === 0, problems: ck.problems };
}
