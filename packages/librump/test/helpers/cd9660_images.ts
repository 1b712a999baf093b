/**
 * ISO 9660 test images made by the real tools (xorriso, makefs) from a
 * host source tree with the interesting shapes: long and Unicode names, a
 * tree deeper than ISO 9660's eight levels (relocated by writers that
 * relocate), symbolic links (relative, absolute, with "." and ".."
 * components, one longer than an SL component), device nodes and a FIFO,
 * hard links, a file of many blocks, a directory of many blocks, modes,
 * owners and times (also before 1970 and after 2038). The expected
 * contents come from the host tree.
 *
 * Also small helpers to edit an image in place for the hostile cases:
 * find a directory record by its Rock Ridge or ISO name, append blocks,
 * write SUSP entries.
 */
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  linkSync,
  lutimesSync,
  mkdirSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { pattern as isoPattern } from "./pattern.js";

export const XORRISO = "/usr/bin/xorriso";
export const MAKEFS = "/usr/sbin/makefs";

/** Why the image-based tests cannot run here, or null when they can. */
export function cd9660Missing(): string | null {
  if (!existsSync(XORRISO)) return `${XORRISO} is not installed (apt-get install xorriso)`;
  if (!existsSync(MAKEFS)) return `${MAKEFS} is not installed (apt-get install makefs)`;
  if (typeof process.getuid === "function" && process.getuid() !== 0)
    return "not root: the source tree needs chown and mknod";
  return null;
}

/** Deterministic file contents: the shared pattern (pattern.ts). */
export { isoPattern };

export type IsoType = "file" | "dir" | "link" | "chr" | "blk" | "fifo";

export interface IsoExpected {
  path: string;
  type: IsoType;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  atime: number;
  size: number;
  data?: Uint8Array;
  target?: string;
  nlink?: number;
  /** devices: major, minor */
  dev?: [number, number];
}

/** 225 bytes: longer than Joliet's 64 characters, fine for Rock Ridge. */
export const ISO_LONG_NAME = "long-" + "n".repeat(216) + ".dat";
/** A Unicode name (UTF-8 in Rock Ridge, UCS-2 in Joliet). */
export const ISO_UNICODE_NAME = "ünïcödé-日本語.txt";
/**
 * More bytes than one SL entry holds (255): the link's entries continue.
 * (Its components stay short: xorriso 1.5.4 aborts on a component longer
 * than an SL entry; component continuation is tested on crafted records.)
 */
export const ISO_LONG_TARGET = "a-component-of-a-longer-target/".repeat(12) + "end";
/** Spans many logical blocks and read-ahead clusters. */
export const ISO_BIG_SIZE = 3 * 1024 * 1024 + 12345;
/** The deep tree: 11 levels below the root (ISO 9660 allows 8). */
export const ISO_DEEP = "deep/d1/d2/d3/d4/d5/d6/d7/d8/d9/d10";

export interface IsoTreeOptions {
  /** the tree deeper than 8 levels (makefs without Rock Ridge refuses it) */
  deep?: boolean;
  /** symbolic links, devices and the FIFO (makefs without Rock Ridge has no use for them) */
  special?: boolean;
}

/** Build the source tree under `root`. Returns what every path must read back as. */
export function buildIsoTree(root: string, opts: IsoTreeOptions = {}): IsoExpected[] {
  const deep = opts.deep ?? true;
  const special = opts.special ?? true;
  const out: IsoExpected[] = [];
  mkdirSync(root, { recursive: true });
  let t = 1_600_000_000;
  const stamp = (e: IsoExpected, full: string, mtime?: number, atime?: number): void => {
    e.mtime = mtime ?? t++;
    e.atime = atime ?? e.mtime - 3600;
    if (e.type === "link") lutimesSync(full, e.atime, e.mtime);
    else utimesSync(full, e.atime, e.mtime);
  };
  const file = (
    p: string,
    n: number,
    mode: number,
    uid = 0,
    gid = 0,
    mtime?: number,
  ): IsoExpected => {
    const data = isoPattern(n, n + p.length);
    const full = join(root, p);
    writeFileSync(full, data);
    chownSync(full, uid, gid);
    chmodSync(full, mode);
    const e: IsoExpected = {
      path: p,
      type: "file",
      mode,
      uid,
      gid,
      mtime: 0,
      atime: 0,
      size: n,
      data,
    };
    stamp(e, full, mtime);
    out.push(e);
    return e;
  };
  const dir = (p: string, mode: number, uid = 0, gid = 0): void => {
    mkdirSync(join(root, p), { recursive: true });
    out.push({ path: p, type: "dir", mode, uid, gid, mtime: 0, atime: 0, size: 2048 });
  };
  const link = (p: string, target: string): void => {
    const full = join(root, p);
    symlinkSync(target, full);
    const e: IsoExpected = {
      path: p,
      type: "link",
      mode: 0o777,
      uid: 0,
      gid: 0,
      mtime: 0,
      atime: 0,
      size: target.length,
      target,
    };
    stamp(e, full);
    out.push(e);
  };
  const node = (
    p: string,
    type: "chr" | "blk" | "fifo",
    mode: number,
    dev?: [number, number],
  ): void => {
    const full = join(root, p);
    if (type === "fifo") execFileSync("mkfifo", ["-m", mode.toString(8), full]);
    else
      execFileSync("mknod", [
        "-m",
        mode.toString(8),
        full,
        type === "chr" ? "c" : "b",
        String(dev![0]),
        String(dev![1]),
      ]);
    const e: IsoExpected = { path: p, type, mode, uid: 0, gid: 0, mtime: 0, atime: 0, size: 0 };
    if (dev !== undefined) e.dev = dev;
    stamp(e, full);
    out.push(e);
  };

  file("README", 1234, 0o644);
  file("empty", 0, 0o644);
  file("exec.sh", 100, 0o4755, 1000, 100);
  file("private", 3000, 0o600, 4242, 4343);
  file(ISO_LONG_NAME, 700, 0o640);
  file(ISO_UNICODE_NAME, 77, 0o644);
  file("big.bin", ISO_BIG_SIZE, 0o644);
  file("future", 10, 0o644, 0, 0, 4_102_444_800); // 2100-01-01
  file("past", 10, 0o644, 0, 0, 315_532_800); // 1980-01-01
  dir("many", 0o755);
  for (let i = 0; i < 120; i++) file(`many/entry-with-a-longish-name-${i}`, i * 3, 0o644);
  const h = file("hard1", 5000, 0o644, 7, 8);
  linkSync(join(root, "hard1"), join(root, "hard2"));
  h.nlink = 2;
  out.push({ ...h, path: "hard2" });
  if (deep) {
    dir(ISO_DEEP, 0o755);
    for (
      let p = ISO_DEEP.slice(0, ISO_DEEP.lastIndexOf("/"));
      p !== "";
      p = p.slice(0, Math.max(0, p.lastIndexOf("/")))
    )
      dir(p, 0o755);
    file(`${ISO_DEEP}/leaf.txt`, 321, 0o644);
  }
  if (special) {
    dir("links", 0o755);
    link("links/rel", "../README");
    link("links/abs", "/usr/share/doc");
    link("links/dots", "./x/../y");
    link("links/root", "/");
    link("links/long", ISO_LONG_TARGET);
    dir("dev", 0o755);
    node("dev/null", "chr", 0o666, [1, 3]);
    node("dev/sda", "blk", 0o640, [8, 0]);
    node("dev/wide", "chr", 0o600, [259, 300]);
    node("dev/fifo", "fifo", 0o620);
  }
  dir("sub", 0o750, 11, 12);
  file("sub/inner", 20000, 0o444, 11, 12);
  // directory times last (adding entries changed them), deepest first
  const dirs = out.filter((e) => e.type === "dir").sort((a, b) => b.path.length - a.path.length);
  for (const e of dirs) {
    const full = join(root, e.path);
    chownSync(full, e.uid, e.gid);
    chmodSync(full, e.mode);
    stamp(e, full);
  }
  // the root: owner and mode as xorriso records them
  chmodSync(root, 0o755);
  return out;
}

/** Run xorriso (its mkisofs emulation with `-as mkisofs`) quietly; returns stdout. */
export function xorriso(args: string[]): string {
  return execFileSync(XORRISO, args, { stdio: ["ignore", "pipe", "pipe"] }).toString();
}

/** xorriso -as mkisofs ARGS -o IMAGE SRC */
export function mkisofs(image: string, src: string, args: string[]): void {
  xorriso(["-as", "mkisofs", ...args, "-o", image, src]);
}

/** makefs -t cd9660 [-o OPTS] IMAGE SRC */
export function makefsIso(image: string, src: string, opts: string | null): void {
  execFileSync(MAKEFS, ["-t", "cd9660", ...(opts !== null ? ["-o", opts] : []), image, src], {
    stdio: "pipe",
  });
}

/* ------------------------------------------------------------------------ */
/* editing images                                                           */

export const BS = 2048;

export function u32le(b: Uint8Array, off: number): number {
  return (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
}

/** Write a both-endian u32 (7.3.3). */
export function put733(b: Uint8Array, off: number, v: number): void {
  for (let i = 0; i < 4; i++) {
    b[off + i] = (v >>> (8 * i)) & 0xff;
    b[off + 7 - i] = (v >>> (8 * i)) & 0xff;
  }
}

/** A directory record found in an image. */
export interface IsoRec {
  /** byte offset of the record in the image */
  off: number;
  reclen: number;
  extent: number;
  size: number;
  flags: number;
  /** the ISO 9660 name bytes as a string */
  isoname: string;
  /** byte offsets of its system use area [suoff, suend) in the image */
  suoff: number;
  suend: number;
  /** its Rock Ridge NM name, if any */
  nm: string | null;
}

/** The records of the directory at `extent` (`size` bytes), in order. */
export function isoDir(img: Uint8Array, extent: number, size: number): IsoRec[] {
  const out: IsoRec[] = [];
  for (let blk = 0; blk * BS < size; blk++) {
    const base = (extent + blk) * BS;
    let o = 0;
    while (o < BS && img[base + o]! !== 0) {
      const off = base + o;
      const reclen = img[off]!;
      const nl = img[off + 32]!;
      let isoname = "";
      for (let i = 0; i < nl; i++) isoname += String.fromCharCode(img[off + 33 + i]!);
      const suoff = off + 33 + nl + (nl % 2 === 0 ? 1 : 0);
      const suend = off + reclen;
      let nm: string | null = null;
      for (let p = suoff; p + 4 <= suend;) {
        const len = img[p + 2]!;
        if (len < 4) break;
        if (img[p] === 0x4e && img[p + 1] === 0x4d) {
          let s = "";
          for (let i = p + 5; i < p + len; i++) s += String.fromCharCode(img[i]!);
          nm = (nm ?? "") + s;
        }
        p += len;
      }
      out.push({
        off,
        reclen,
        extent: u32le(img, off + 2),
        size: u32le(img, off + 10),
        flags: img[off + 25]!,
        isoname,
        suoff,
        suend,
        nm,
      });
      o += reclen;
    }
  }
  return out;
}

/** The root directory record's extent and size from the volume descriptor at block `vd`. */
export function isoRoot(img: Uint8Array, vd = 16): { extent: number; size: number } {
  const r = vd * BS + 156;
  return { extent: u32le(img, r + 2), size: u32le(img, r + 10) };
}

/** The record of `path` (Rock Ridge names, "/"-separated) from the primary tree. */
export function isoFind(img: Uint8Array, path: string): IsoRec {
  let { extent, size } = isoRoot(img);
  let found: IsoRec | null = null;
  for (const name of path.split("/").filter(Boolean)) {
    const recs = isoDir(img, extent, size);
    found = recs.find((r) => r.nm === name || r.isoname === name) ?? null;
    if (found === null) throw new Error(`isoFind: no ${name} in ${path}`);
    extent = found.extent;
    size = found.size;
  }
  if (found === null) throw new Error("isoFind: empty path");
  return found;
}

/** A SUSP entry: signature, version 1, `body` after the 4-byte header. */
export function susp(sig: string, body: number[] | Uint8Array): Uint8Array {
  const e = new Uint8Array(4 + body.length);
  e[0] = sig.charCodeAt(0);
  e[1] = sig.charCodeAt(1);
  e[2] = e.length;
  e[3] = 1;
  e.set(body, 4);
  return e;
}

/** A CE entry pointing at `len` bytes at `off` of block `blk`. */
export function suspCE(blk: number, off: number, len: number): Uint8Array {
  const body = new Uint8Array(24);
  put733(body, 0, blk);
  put733(body, 8, off);
  put733(body, 16, len);
  return susp("CE", body);
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** `img` with `count` zeroed blocks appended; returns the new image and the first new block. */
export function appendBlocks(img: Uint8Array, count: number): { img: Uint8Array; blk: number } {
  const blk = Math.ceil(img.length / BS);
  const out = new Uint8Array((blk + count) * BS);
  out.set(img);
  return { img: out, blk };
}

/**
 * Replace the system use area of record `r` with `su` (padded with a PD
 * entry to the area's length; it must fit).
 */
export function setSystemUse(img: Uint8Array, r: IsoRec, su: Uint8Array): void {
  const room = r.suend - r.suoff;
  if (su.length > room) throw new Error(`setSystemUse: ${su.length} bytes, room for ${room}`);
  img.fill(0, r.suoff, r.suend);
  img.set(su, r.suoff);
  const pad = room - su.length;
  if (pad >= 4) img.set(susp("PD", new Uint8Array(pad - 4)), r.suoff + su.length);
}
