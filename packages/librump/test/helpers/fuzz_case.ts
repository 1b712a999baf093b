/**
 * One fuzz case: damage a copy of a base image the way the seed says, boot
 * a fresh kernel over it (in memory: a MemoryHost file registered as an
 * etfs block device), mount it read-only and walk everything, then mount it
 * read-write and change things, fsync, unmount (and every fourth case mount
 * once more read-only and walk again). Every fourth case instead switches
 * the read-only mount to read-write in place (MNT_UPDATE), changes things
 * and switches back; one FFS case in eight also runs the checker (fsck_ffs)
 * over the damaged image, and one in sixty-four its repair (fsck -y): the
 * repair must end with an image the checker calls clean, or say what it
 * could not fix.
 *
 * A case passes when every system call returns or fails with a RumpError;
 * anything else (a TypeError, a RangeError, a kernel panic) is a failure.
 * A failing mount, and any EIO/EFTYPE, must come with a console message.
 * The work per case is bounded (entries walked, bytes read) so a case takes
 * milliseconds; hangs and runaway memory are caught by the runner around
 * the worker this runs in.
 */
import { MemoryHost } from "@rump/rumpuser";
import {
  createSyscalls,
  EFTYPE,
  EIO,
  MNT_FORCE,
  MNT_RDONLY,
  MNT_UPDATE,
  O_CREAT,
  O_RDONLY,
  O_RDWR,
  parseDirents,
  RumpError,
  S_IFCHR,
  S_IFDIR,
  S_IFLNK,
  S_IFMT,
  S_IFREG,
  type RumpSyscalls,
} from "@rump/syscalls";
import { memBlockDev } from "../../src/dev/blockdev.js";
import { RUMP_ETFS_BLK } from "../../src/rump/etfs.js";
import type { Kernel } from "../../src/rump/kernel.js";
import { createKernel } from "../../src/rump/rump.js";
import { fsck_ffs } from "../../src/ufs/ffs/ffs_fsck.js";
import { fsck_ffs_repair } from "../../src/ufs/ffs/ffs_fsck_fix.js";
import type { ImageMap, Region } from "./fuzz_images.js";

/* ------------------------------------------------------------ the PRNG */

/** A small seeded generator (splitmix32-like). */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = (Math.imul(seed >>> 0, 0x9e3779b9) ^ 0x85ebca6b) >>> 0;
    for (let i = 0; i < 4; i++) this.u32();
  }
  u32(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** 0 … n-1 */
  below(n: number): number {
    return n <= 0 ? 0 : this.u32() % n;
  }
  pick<T>(a: readonly T[]): T {
    return a[this.below(a.length)]!;
  }
}

/* ---------------------------------------------------------- mutations */

const INTERESTING32 = [
  0, 1, 2, 0x7f, 0x80, 0xff, 0x100, 0x1000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff,
  0xfffffffe, 0x40000000,
];
const INTERESTING64 = [
  0n,
  1n,
  -1n,
  0x7fffffffffffffffn,
  -0x8000000000000000n,
  0x80000000n,
  0xffffffffn,
  0x100000000n,
  2n ** 53n + 1n,
  2n ** 62n,
  -4096n,
];

/** A change to the base image: `bytes` at `off`. */
export interface Patch {
  off: number;
  bytes: Uint8Array;
}

/** What the seed does to a base image: patches, and where the image ends (truncation). */
export interface Damage {
  patches: Patch[];
  end: number;
  what: string[];
}

const KIND_WEIGHT: Record<string, number> = {
  sb: 3,
  "sb-alt": 1,
  csum: 1,
  cg: 3,
  "cg-imap": 1,
  "cg-bmap": 1,
  inode: 5,
  dir: 4,
  extent: 4,
  htree: 3,
  symlink: 1,
  indir1: 3,
  indir2: 3,
  indir3: 2,
  gdt: 2,
  gd: 2,
  bbitmap: 1,
  ibitmap: 1,
  // FAT
  bpb: 3,
  fsinfo: 1,
  fat: 5,
  dirent: 5,
  lfn: 3,
  // cd9660
  vd: 3,
  "vd-root": 3,
  ptable: 1,
  record: 4,
  name: 1,
  su: 4,
  ce: 3,
};

/** Pick a region: a kind by weight, then one region of that kind. */
function pickRegion(m: ImageMap, rng: Rng): Region {
  const kinds = [...new Set(m.regions.map((r) => r.kind))];
  const w = kinds.map((k) => KIND_WEIGHT[k] ?? 2);
  let x = rng.below(w.reduce((a, b) => a + b, 0));
  let i = 0;
  while (x >= w[i]!) x -= w[i++]!;
  return rng.pick(m.regions.filter((r) => r.kind === kinds[i]));
}

/**
 * An offset in `r` aligned to `align`: for an indirect block, half of the
 * time one of its pointers in use (damage to unused entries mostly goes unseen).
 */
function pickOffset(m: ImageMap, r: Region, rng: Rng, align: number): number {
  if (r.kind.startsWith("indir") && rng.below(2) === 0) {
    const used: number[] = [];
    const w = m.ptrSize;
    for (let o = r.off; o + w <= r.off + r.len; o += w) {
      let z = true;
      for (let j = 0; j < w; j++) if (m.image[o + j] !== 0) z = false;
      if (!z) used.push(o);
    }
    if (used.length > 0) return rng.pick(used);
  }
  return r.off + (rng.below(r.len) & ~(align - 1));
}

/** The damage case `seed` does to `m` (the base image itself is not changed). */
export function mutate(m: ImageMap, rng: Rng): Damage {
  const base = m.image;
  const bdv = new DataView(base.buffer, base.byteOffset, base.byteLength);
  const patches: Patch[] = [];
  const what: string[] = [];
  const le = m.le;
  let end = base.length;
  const put = (off: number, bytes: Uint8Array): void => {
    if (off >= 0 && off + bytes.length <= base.length) patches.push({ off, bytes });
  };
  const word = (size: number, fill: (dv: DataView) => void): Uint8Array => {
    const b = new Uint8Array(size);
    fill(new DataView(b.buffer));
    return b;
  };
  const n = 1 + rng.below(rng.below(4) === 0 ? 12 : 3);
  for (let i = 0; i < n; i++) {
    const r = pickRegion(m, rng);
    const op = rng.below(100);
    if (op < 3) {
      // truncate the image: at a structure or inside it
      const at = rng.below(3) === 0 ? r.off : r.off + rng.below(r.len);
      end = Math.min(end, at);
      what.push(`truncate at ${at} (${r.kind})`);
    } else if (op < 25) {
      const at = r.off + rng.below(r.len);
      const bit = rng.below(8);
      put(at, Uint8Array.of(base[at]! ^ (1 << bit)));
      what.push(`flip ${r.kind}@${at} bit ${bit}`);
    } else if (op < 35) {
      const at = r.off + rng.below(r.len);
      const v = rng.pick([0, 0xff, 0x80, 0x7f, 1, rng.below(256)]);
      put(at, Uint8Array.of(v));
      what.push(`byte ${r.kind}@${at} = ${v}`);
    } else if (op < 45) {
      const at = pickOffset(m, r, rng, 2);
      if (at + 2 > base.length) continue;
      const old = bdv.getUint16(at, le);
      const v = rng.pick([0, 0xffff, 0x8000, 0x7fff, 1, rng.below(0x10000), old + 1, old - 1]);
      put(
        at,
        word(2, (dv) => dv.setUint16(0, v & 0xffff, le)),
      );
      what.push(`u16 ${r.kind}@${at} = ${v & 0xffff}`);
    } else if (op < 75) {
      const at = pickOffset(m, r, rng, 4);
      if (at + 4 > base.length) continue;
      const old = bdv.getUint32(at, le);
      const v = rng.pick([
        rng.pick(INTERESTING32),
        rng.pick(m.blockAddrs),
        rng.pick(m.blockAddrs),
        old + 1,
        old - 1,
        old * 2,
        old ^ 0x80000000,
        rng.below(1 << 20),
        rng.u32(),
      ]);
      const order = rng.below(8) === 0 ? !le : le;
      put(
        at,
        word(4, (dv) => dv.setUint32(0, v >>> 0, order)),
      );
      what.push(`u32 ${r.kind}@${at} = ${v >>> 0}`);
    } else if (op < 85) {
      const at = pickOffset(m, r, rng, 8);
      if (at + 8 > base.length) continue;
      const v = rng.below(2) === 0 ? rng.pick(INTERESTING64) : BigInt(rng.pick(m.blockAddrs));
      put(
        at,
        word(8, (dv) => dv.setBigInt64(0, v, le)),
      );
      what.push(`u64 ${r.kind}@${at} = ${v}`);
    } else if (op < 92) {
      // copy one structure of the same kind over another (cross-links, duplicates)
      const same = m.regions.filter((x) => x.kind === r.kind && x !== r);
      if (same.length === 0) continue;
      const s = rng.pick(same);
      const len = Math.min(r.len, s.len);
      put(r.off, base.slice(s.off, s.off + len));
      what.push(`copy ${s.kind}@${s.off} over @${r.off} (${len})`);
    } else {
      // fill a run with zeros or 0xff
      const at = r.off + rng.below(r.len);
      const len = 1 + rng.below(Math.min(64, r.off + r.len - at));
      const v = rng.below(2) === 0 ? 0 : 0xff;
      put(at, new Uint8Array(len).fill(v));
      what.push(`fill ${r.kind}@${at}+${len} = ${v}`);
    }
  }
  return { patches, end, what };
}

/**
 * One case in eight (chosen by a hash of the seed, none of the regression
 * seeds) also gets heavy damage to one structure: 8 to 40 random bytes
 * over a single inode, directory chunk, group header, indirect block….
 */
export function storm(m: ImageMap, seed: number, dmg: Damage): void {
  if (Math.imul(seed, 0x9e3779b1) >>> 29 !== 7) return;
  const rng = new Rng(seed ^ 0x2545f491);
  const r = pickRegion(m, rng);
  const n = 8 + rng.below(33);
  for (let i = 0; i < n; i++) {
    const at = r.off + rng.below(r.len);
    if (at < m.image.length) dmg.patches.push({ off: at, bytes: Uint8Array.of(rng.below(256)) });
  }
  dmg.what.push(`storm: ${n} random bytes over ${r.kind}@${r.off}+${r.len}`);
}

/* ------------------------------------------------------------ one case */

export interface CaseStats {
  roMounted: boolean;
  rwMounted: boolean;
  calls: number;
  errnos: number;
}

export class FuzzFailure extends Error {
  override readonly name = "FuzzFailure";
}

/** Limits per mount: entries visited, bytes read, getdents calls per directory. */
const MAX_ENTRIES = 250;
const MAX_READ = 1 << 20;
const MAX_GETDENTS = 64;
const IOBUF = new Uint8Array(65536);
const DIRBUF = new Uint8Array(8192);

class Ctx {
  calls = 0;
  errnos = 0;
  entries = 0;
  bytes = 0;
  /** console lines at the last mount */
  mark = 0;
  files: string[] = [];
  sizes = new Map<string, number>();
  dirs: string[] = [];
  /** devices, fifos and sockets found */
  specials: string[] = [];
  constructor(
    readonly sys: RumpSyscalls,
    readonly host: MemoryHost,
    readonly seed: number,
  ) {}

  /** Run `fn`; a RumpError is an errno (returned), anything else propagates. */
  call(what: string, fn: () => void): number {
    this.calls++;
    try {
      fn();
      return 0;
    } catch (e) {
      if (!(e instanceof RumpError)) {
        if (e instanceof Error) e.message = `${what}: ${e.message}`;
        throw e;
      }
      this.errnos++;
      if ((e.errno === EIO || e.errno === EFTYPE) && this.host.output.length === this.mark)
        throw new FuzzFailure(`${what}: errno ${e.errno} without a console message`);
      return e.errno;
    }
  }
}

/**
 * One case in sixteen (by another hash of the seed) also gets a hostile
 * name: a byte of one directory entry's name becomes '/' or NUL, or the
 * name starts with "../" — what an image made to escape an extractor holds.
 * getdents must refuse it (EIO with a console line), never return it.
 */
export function hostileName(m: ImageMap, seed: number, dmg: Damage): void {
  if (Math.imul(seed, 0x85ebca6b) >>> 28 !== 5) return;
  if (m.type === "msdos") return hostileFatName(m, seed, dmg);
  if (m.type === "cd9660") return hostileIsoName(m, seed, dmg);
  const dirs = m.regions.filter((r) => r.kind === "dir");
  if (dirs.length === 0) return;
  const rng = new Rng(seed ^ 0x27d4eb2f);
  const r = rng.pick(dirs);
  const img = m.image;
  const dv = new DataView(img.buffer, img.byteOffset, img.byteLength);
  // both formats: inode u32, reclen u16, then the name length (ext2 at 6, FFS 4.4 at 7), name at 8
  const namlenAt = m.type === "ext2fs" ? 6 : 7;
  const names: [number, number][] = [];
  for (let off = r.off, n = 0; off + 8 < r.off + r.len && n < 64; n++) {
    const reclen = dv.getUint16(off + 4, m.le);
    const namlen = img[off + namlenAt]!;
    if (dv.getUint32(off, m.le) !== 0 && namlen > 0 && off + 8 + namlen <= r.off + r.len)
      names.push([off + 8, namlen]);
    if (reclen < 8) break;
    off += reclen;
  }
  if (names.length === 0) return;
  const [at, len] = rng.pick(names);
  const how = rng.below(3);
  if (how === 2 && len >= 3) {
    dmg.patches.push({ off: at, bytes: Uint8Array.of(0x2e, 0x2e, 0x2f) });
    dmg.what.push(`name@${at} starts "../"`);
  } else {
    const i = at + rng.below(len);
    dmg.patches.push({ off: i, bytes: Uint8Array.of(how === 0 ? 0x2f : 0) });
    dmg.what.push(`name@${at} byte ${i - at} = ${how === 0 ? "'/'" : "NUL"}`);
  }
}

/**
 * Two cases in three over a checksummed image seal their damage: the
 * checksums of every structure a patch touched are recomputed over the
 * damaged bytes (m.fixup) and go in as patches too, so the damage reaches
 * the code behind the checksum checks.
 */
function seal(m: ImageMap, seed: number, dmg: Damage): void {
  if (m.fixup === undefined || seed % 3 === 0) return;
  const b = m.image.slice();
  for (const p of dmg.patches) b.set(p.bytes, p.off);
  const touched = m.regions.filter((r) =>
    dmg.patches.some((p) => p.off < r.off + r.len && p.off + p.bytes.length > r.off),
  );
  for (const [off, len] of m.fixup(b, touched))
    if (off >= 0 && off + len <= b.length)
      dmg.patches.push({ off, bytes: b.slice(off, off + len) });
  dmg.what.push(`checksums sealed over ${touched.length} structures`);
}

/**
 * FAT's hostile names: a byte of an 8.3 name becomes '/' (or a NUL), or a
 * long-name entry's first unit becomes '/' or a NUL, or an entry is made
 * "." or ".." in the middle of a directory.
 */
function hostileFatName(m: ImageMap, seed: number, dmg: Damage): void {
  const rng = new Rng(seed ^ 0x27d4eb2f);
  const ents = m.regions.filter((r) => r.kind === "dirent" || r.kind === "lfn");
  if (ents.length === 0) return;
  const r = rng.pick(ents);
  const how = rng.below(3);
  if (r.kind === "lfn") {
    dmg.patches.push({ off: r.off + 1, bytes: Uint8Array.of(how === 0 ? 0 : 0x2f, 0) });
    dmg.what.push(`long name@${r.off} first unit ${how === 0 ? "NUL" : "'/'"}`);
  } else if (how === 2) {
    dmg.patches.push({
      off: r.off,
      bytes: new TextEncoder().encode(rng.below(2) ? "..         " : ".          "),
    });
    dmg.what.push(`8.3 name@${r.off} = a dot entry`);
  } else {
    const i = 1 + rng.below(10);
    dmg.patches.push({ off: r.off + i, bytes: Uint8Array.of(how === 0 ? 0x2f : 0) });
    dmg.what.push(`8.3 name@${r.off} byte ${i} = ${how === 0 ? "'/'" : "NUL"}`);
  }
}

/**
 * hostileName for ISO 9660: a byte of an ISO 9660 or Joliet name, or of a
 * Rock Ridge NM name, becomes '/' or NUL, or the name starts with "../".
 */
function hostileIsoName(m: ImageMap, seed: number, dmg: Damage): void {
  const img = m.image;
  const spans: [number, number][] = [];
  for (const r of m.regions) {
    if (r.kind === "name") spans.push([r.off, r.len]);
    else if (r.kind === "su" || r.kind === "ce") {
      for (let p = r.off; p + 4 <= r.off + r.len;) {
        const len = img[p + 2]!;
        if (len < 4 || p + len > r.off + r.len) break;
        if (img[p] === 0x4e && img[p + 1] === 0x4d && len > 5) spans.push([p + 5, len - 5]);
        p += len;
      }
    }
  }
  if (spans.length === 0) return;
  const rng = new Rng(seed ^ 0x27d4eb2f);
  const [at, len] = rng.pick(spans);
  const how = rng.below(3);
  if (how === 2 && len >= 3) {
    dmg.patches.push({ off: at, bytes: Uint8Array.of(0x2e, 0x2e, 0x2f) });
    dmg.what.push(`name@${at} starts "../"`);
  } else {
    const i = at + rng.below(len);
    dmg.patches.push({ off: i, bytes: Uint8Array.of(how === 0 ? 0x2f : 0) });
    dmg.what.push(`name@${at} byte ${i - at} = ${how === 0 ? "'/'" : "NUL"}`);
  }
}

/** Run case `seed` over `m`; throws on a failure. */
export function runCase(m: ImageMap, seed: number): CaseStats {
  const dmg = mutate(m, new Rng(seed));
  storm(m, seed, dmg);
  hostileName(m, seed, dmg);
  seal(m, seed, dmg);
  try {
    return runImage(m, dmg, seed);
  } catch (e) {
    if (e instanceof Error) e.message = `${e.message}\n  damage: ${dmg.what.join("; ")}`;
    throw e;
  }
}

const PAGE = 65536;

/** The damaged image as a MemoryHost file: the base's non-zero pages, the patches, the end. */
function installImage(host: MemoryHost, m: ImageMap, dmg: Damage): void {
  const node = host.files.createImage("/img", m.image.length);
  for (const idx of m.pages) node.write(idx * PAGE, m.image, idx * PAGE, PAGE);
  for (const p of dmg.patches) node.write(p.off, p.bytes, 0, p.bytes.length);
  node.size = dmg.end;
}

/** The mount/walk/write sequence over damaged bytes `img`. */
export function runImage(m: ImageMap, dmg: Damage, seed: number): CaseStats {
  const type = m.type;
  // the checker too (one case in eight, small images: it reads every inode)
  if (type === "ffs" && seed % 8 === 2 && m.image.length <= 8 << 20) checkImage(m, dmg);
  // and the repair (one case in 64, by a hash: every image gets its turn)
  if (type === "ffs" && Math.imul(seed, 0x2c1b3c6d) >>> 26 === 9 && m.image.length <= 8 << 20)
    repairImage(m, dmg);
  const host = new MemoryHost({ log: false });
  installImage(host, m, dmg);
  const k = createKernel({ host, params: { RUMP_MEMLIMIT: "16m" } });
  const sys = createSyscalls(k);
  const c = new Ctx(sys, host, seed);
  const stats: CaseStats = { roMounted: false, rwMounted: false, calls: 0, errnos: 0 };
  try {
    k.rump_pub_etfs_register("/dev/fz", "/img", RUMP_ETFS_BLK);
    sys.rump_sys_mkdir("/mnt", 0o755);
    stats.roMounted = mountWalk(c, type, MNT_RDONLY);
    if (type === "cd9660") {
      // read-only: a read-write mount must be refused (with a console line)
      if (stats.roMounted) c.call("unmount ro", () => sys.rump_sys_unmount("/mnt", 0));
      if (mountWalk(c, type, 0)) throw new FuzzFailure("a read-write cd9660 mount succeeded");
      stats.calls = c.calls;
      stats.errnos = c.errnos;
      return stats;
    }
    const rwflags = (seed & 1) === 0 ? 0 : MNT_FORCE;
    if (stats.roMounted && seed % 4 === 1) {
      // read-only → read-write in place, changes, then back to read-only
      c.mark = host.output.length;
      const fspec = { fspec: "/dev/fz" };
      const e = c.call("update rw", () =>
        sys.rump_sys_mount(type, "/mnt", MNT_UPDATE | rwflags, fspec),
      );
      if (e === 0) {
        stats.rwMounted = true;
        writeOps(c);
        c.call("update ro", () => sys.rump_sys_mount(type, "/mnt", MNT_UPDATE | MNT_RDONLY, fspec));
      }
      const u = c.call("unmount updated", () => sys.rump_sys_unmount("/mnt", 0));
      if (u !== 0) c.call("unmount updated forced", () => sys.rump_sys_unmount("/mnt", MNT_FORCE));
    } else {
      if (stats.roMounted) c.call("unmount ro", () => sys.rump_sys_unmount("/mnt", 0));
      stats.rwMounted = mountWalk(c, type, rwflags);
      if (stats.rwMounted) {
        writeOps(c);
        const e = c.call("unmount rw", () => sys.rump_sys_unmount("/mnt", 0));
        if (e !== 0) c.call("unmount rw forced", () => sys.rump_sys_unmount("/mnt", MNT_FORCE));
        if (seed % 4 === 3 && mountWalk(c, type, MNT_RDONLY))
          c.call("unmount ro again", () => sys.rump_sys_unmount("/mnt", 0));
      }
    }
  } finally {
    release(k);
  }
  stats.calls = c.calls;
  stats.errnos = c.errnos;
  return stats;
}

/** The damaged image as bytes. */
function damaged(m: ImageMap, dmg: Damage): Uint8Array {
  const img = m.image.slice(0, dmg.end);
  for (const p of dmg.patches) if (p.off + p.bytes.length <= img.length) img.set(p.bytes, p.off);
  return img;
}

/** The FFS checker over the damaged image: it reports, never throws or runs away. */
function checkImage(m: ImageMap, dmg: Damage): void {
  const r = fsck_ffs(memBlockDev(damaged(m, dmg)), { maxProblems: 50 });
  if (r.problems.length > 51) throw new FuzzFailure(`fsck_ffs: ${r.problems.length} problems kept`);
}

/**
 * fsck -y over the damaged image: it ends, what it calls clean the checker
 * calls clean too, and what it cannot fix it names.
 */
function repairImage(m: ImageMap, dmg: Damage): void {
  const img = damaged(m, dmg);
  const fixed = fsck_ffs_repair(memBlockDev(img), { mode: "yes", maxProblems: 50 });
  if (fixed.clean) {
    const again = fsck_ffs(memBlockDev(img), { maxProblems: 5 });
    if (!again.clean)
      throw new FuzzFailure(`fsck -y left an image fsck_ffs finds: ${again.problems.join("; ")}`);
  } else if (fixed.unfixed.length === 0) {
    throw new FuzzFailure("fsck -y gave up without saying what it could not fix");
  }
}

function release(k: Kernel): void {
  if (k.dead !== null) return;
  if (k.rump_pub_lwproc_curlwp() !== null) k.rump_pub_lwproc_switch(null);
  k.shutdown();
}

/** cd9660: Rock Ridge, Joliet or plain names, case kept or versions shown, by the seed. */
const CD9660_FLAGS = [0, 0, 0x1, 0x1 | 0x8, 0x1 | 0x8 | 0x2, 0x1 | 0x8 | 0x10, 0x4, 0x20];

function mountArgs(type: string, seed: number): object {
  if (type !== "cd9660") return { fspec: "/dev/fz" };
  return { fspec: "/dev/fz", flags: CD9660_FLAGS[seed % CD9660_FLAGS.length] };
}

function mountWalk(c: Ctx, type: string, flags: number): boolean {
  c.mark = c.host.output.length;
  let e = 0;
  c.calls++;
  try {
    c.sys.rump_sys_mount(type, "/mnt", flags, mountArgs(type, c.seed));
  } catch (x) {
    if (!(x instanceof RumpError)) throw x;
    e = x.errno;
  }
  if (e !== 0) {
    if (c.host.output.length === c.mark)
      throw new FuzzFailure(`mount (flags ${flags}) failed with ${e} without a console message`);
    return false;
  }
  c.entries = 0;
  c.bytes = 0;
  c.files = [];
  c.sizes.clear();
  c.dirs = [];
  c.specials = [];
  c.call("statvfs", () => c.sys.rump_sys_statvfs1("/mnt", 1));
  walk(c, "/mnt", 0);
  return true;
}

function walk(c: Ctx, path: string, depth: number): void {
  if (depth > 6 || c.entries >= MAX_ENTRIES) return;
  const sys = c.sys;
  let fd = -1;
  if (c.call(`open ${path}`, () => (fd = sys.rump_sys_open(path, O_RDONLY))) !== 0) return;
  const names: string[] = [];
  for (let i = 0; i < MAX_GETDENTS; i++) {
    let n = 0;
    if (c.call(`getdents ${path}`, () => (n = sys.rump_sys_getdents(fd, DIRBUF, DIRBUF.length))))
      break;
    if (n === 0) break;
    for (const d of parseDirents(DIRBUF, n)) {
      if (d.d_name === "" || d.d_name.includes("/") || d.d_name.includes("\0"))
        throw new FuzzFailure(`getdents ${path}: returned the name ${JSON.stringify(d.d_name)}`);
      names.push(d.d_name);
    }
  }
  c.call(`close ${path}`, () => sys.rump_sys_close(fd));
  for (const name of names) {
    if (name === "." || name === "..") continue;
    if (++c.entries > MAX_ENTRIES) return;
    const p = `${path}/${name}`;
    let mode = 0;
    let size = 0;
    if (
      c.call(`lstat ${p}`, () => {
        const st = sys.rump_sys_lstat(p);
        mode = st.st_mode;
        size = st.st_size;
      }) !== 0
    )
      continue;
    const t = mode & S_IFMT;
    if (t === S_IFDIR) {
      c.dirs.push(p);
      walk(c, p, depth + 1);
    } else if (t === S_IFREG) {
      c.files.push(p);
      c.sizes.set(p, size);
      readFile(c, p, size);
    } else if (t === S_IFLNK) {
      c.call(`readlink ${p}`, () => sys.rump_sys_readlink(p, IOBUF, 1024));
      c.call(`stat ${p}`, () => sys.rump_sys_stat(p));
    } else {
      c.specials.push(p); // a device, fifo or socket: the lstat was its check
    }
  }
}

/** Read the start, a middle chunk and the end of `p` (bounded). */
function readFile(c: Ctx, p: string, size: number): void {
  if (c.bytes >= MAX_READ) return;
  const sys = c.sys;
  let fd = -1;
  if (c.call(`open ${p}`, () => (fd = sys.rump_sys_open(p, O_RDONLY))) !== 0) return;
  const offs =
    size <= 3 * IOBUF.length
      ? [0, IOBUF.length, 2 * IOBUF.length]
      : [0, Math.floor(size / 2), Math.max(0, size - IOBUF.length)];
  for (const off of offs) {
    if (off >= size && off !== 0) break;
    let n = 0;
    if (c.call(`pread ${p}@${off}`, () => (n = sys.rump_sys_pread(fd, IOBUF, IOBUF.length, off))))
      break;
    c.bytes += n;
  }
  c.call(`fstat ${p}`, () => sys.rump_sys_fstat(fd));
  c.call(`close ${p}`, () => sys.rump_sys_close(fd));
}

const BIG = new Uint8Array(65536).fill(0x5a);
const DATA = new Uint8Array(20_000).map((_, i) => (i * 7 + 3) & 0xff);

/** Changes on a read-write mount: new files and directories, and changes to found ones. */
function writeOps(c: Ctx): void {
  const sys = c.sys;
  let fd = -1;
  if (
    c.call("create", () => (fd = sys.rump_sys_open("/mnt/fz-new", O_CREAT | O_RDWR, 0o644))) === 0
  ) {
    c.call("write", () => sys.rump_sys_write(fd, DATA, DATA.length));
    c.call("pwrite far", () => sys.rump_sys_pwrite(fd, DATA, 5000, 300_000));
    c.call("ftruncate", () => sys.rump_sys_ftruncate(fd, 3000));
    c.call("fsync", () => sys.rump_sys_fsync(fd));
    c.call("close new", () => sys.rump_sys_close(fd));
  }
  c.call("mkdir", () => sys.rump_sys_mkdir("/mnt/fz-dir", 0o755));
  c.call("rename new", () => sys.rump_sys_rename("/mnt/fz-new", "/mnt/fz-dir/moved"));
  c.call("symlink", () => sys.rump_sys_symlink("x".repeat(150), "/mnt/fz-dir/ln"));
  // images with devices, fifos and sockets: a device of a large number (≥ 2^31) too
  if (c.specials.length > 0)
    c.call("mknod", () => sys.rump_sys_mknod("/mnt/fz-dir/dev", S_IFCHR | 0o600, 0xf42fa040));
  c.call("link", () => sys.rump_sys_link("/mnt/fz-dir/moved", "/mnt/fz-hard"));
  // every file found (a bounded number): truncate, unlink, overwrite or extend it
  const rng = new Rng(c.seed ^ 0x5bd1e995);
  for (const p of c.files.slice(0, 24)) {
    const size = c.sizes.get(p) ?? 0;
    const op = rng.below(6);
    if (op === 0) c.call(`truncate0 ${p}`, () => sys.rump_sys_truncate(p, 0));
    else if (op === 1)
      c.call(`truncate ${p}`, () => sys.rump_sys_truncate(p, Math.floor(size / 2)));
    else if (op === 2) c.call(`unlink ${p}`, () => sys.rump_sys_unlink(p));
    else if (op === 3)
      c.call(`rename ${p}`, () => sys.rump_sys_rename(p, `/mnt/fz-r${rng.below(4)}`));
    else if (c.call(`open ${p}`, () => (fd = sys.rump_sys_open(p, O_RDWR))) === 0) {
      const at = op === 4 ? Math.floor(size / 3) : size;
      c.call(`pwrite ${p}@${at}`, () =>
        sys.rump_sys_pwrite(fd, DATA, 1 + rng.below(DATA.length), at),
      );
      if (rng.below(2) === 0) c.call(`fsync ${p}`, () => sys.rump_sys_fsync(fd));
      c.call(`close ${p}`, () => sys.rump_sys_close(fd));
    }
  }
  // devices, fifos and sockets found: renamed or removed (their inodes freed, no blocks)
  for (const p of c.specials.slice(0, 4)) {
    if (rng.below(2) === 0) c.call(`unlink ${p}`, () => sys.rump_sys_unlink(p));
    else c.call(`rename ${p}`, () => sys.rump_sys_rename(p, `/mnt/fz-s${rng.below(3)}`));
  }
  const d = c.dirs;
  if (d.length > 0) {
    const dir = d[0]!;
    for (let i = 0; i < 6; i++) {
      const p = `${dir}/fz-${i}-${"n".repeat(i * 20)}`;
      if (c.call(`create ${p}`, () => (fd = sys.rump_sys_open(p, O_CREAT | O_RDWR, 0o600))) === 0)
        c.call(`close ${p}`, () => sys.rump_sys_close(fd));
    }
    c.call("unlink made", () => sys.rump_sys_unlink(`${dir}/fz-0-`));
    for (const x of d.slice(1, 6)) {
      const op = rng.below(3);
      if (op === 0) c.call(`rmdir ${x}`, () => sys.rump_sys_rmdir(x));
      else if (op === 1) c.call(`rename dir ${x}`, () => sys.rump_sys_rename(x, `${dir}/fz-moved`));
      else c.call(`mkdir in ${x}`, () => sys.rump_sys_mkdir(`${x}/fz-sub`, 0o755));
    }
    c.call("rename dir", () => sys.rump_sys_rename(dir, "/mnt/fz-dir/sub"));
  }
  // sometimes: fill space (allocation across groups, ENOSPC on a damaged map) ...
  if (rng.below(4) === 0) {
    if (
      c.call(
        "create big",
        () => (fd = sys.rump_sys_open("/mnt/fz-big", O_CREAT | O_RDWR, 0o644)),
      ) === 0
    ) {
      for (let i = 0; i < 24; i++)
        if (c.call(`write big ${i}`, () => sys.rump_sys_write(fd, BIG, BIG.length)) !== 0) break;
      c.call("fsync big", () => sys.rump_sys_fsync(fd));
      c.call("close big", () => sys.rump_sys_close(fd));
    }
    c.call("truncate big", () => sys.rump_sys_truncate("/mnt/fz-big", 100_000));
  }
  // ... and make directories (directory placement by the group summaries)
  if (rng.below(4) === 0) {
    for (let i = 0; i < 8; i++) {
      const p = `/mnt/fz-m${i}`;
      if (c.call(`mkdir ${p}`, () => sys.rump_sys_mkdir(p, 0o755)) !== 0) continue;
      if (
        c.call(
          `create in ${p}`,
          () => (fd = sys.rump_sys_open(`${p}/f`, O_CREAT | O_RDWR, 0o644)),
        ) === 0
      ) {
        c.call(`write in ${p}`, () => sys.rump_sys_write(fd, DATA, 3000));
        c.call(`close in ${p}`, () => sys.rump_sys_close(fd));
      }
    }
    c.call("rmdir m0", () => sys.rump_sys_rmdir("/mnt/fz-m0"));
  }
  c.call("rmdir", () => sys.rump_sys_rmdir("/mnt/fz-dir"));
  c.call("sync", () => sys.rump_sys_sync());
}
