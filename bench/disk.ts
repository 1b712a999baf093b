/**
 * The disk sections of `pnpm bench`: FFS, ext2fs and msdosfs on image files
 * in /dev/shm (a kernel on a NodeHost, so every block really goes to the
 * host file), against this kernel's tmpfs and Node's fs in the same run, the
 * npm package `ext2fs` (libext2fs in wasm) on W1/W2, the fsu command-line
 * tools against e2fsprogs, on an ISO 9660 image against xorriso, and on FAT
 * against mtools. Each row has one measured value of ours, one baseline, a
 * ratio and the target. See bench/README.md.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { MNT_ASYNC, MNT_RDONLY, RumpError } from "@rump/syscalls";
import { startSection } from "./startup.js";
import { DiskTarget, makeFfsImage, makeMsdosImage, type DiskFs } from "./targets/disk.js";
import { NodeTarget } from "./targets/nodefs.js";
import type { FsTarget } from "./targets/target.js";
import { TmpfsTarget } from "./targets/tmpfs.js";
import { p2kSection } from "./p2k.js";
import { FULL_SIZES, W1, W2, fmt, gc, median, patterned, type Sizes } from "./workloads.js";

const KiB = 1024;
const MiB = 1024 * KiB;

/* ------------------------------------------------------------------ */
/* sizes, rows, verdicts                                               */

export interface DiskSizes {
  /** the big file: written and read in `chunk` pieces */
  bigBytes: number;
  chunk: number;
  /** small files of the metadata rows (W1 and W2 of the core bench) */
  files: number;
  /** random preads of `readSize` of the big file */
  preads: number;
  readSize: number;
  /** image files (sparse in /dev/shm) */
  imageBytes: number;
  /** W1/W2 file count on the npm `ext2fs` package and on our ext2fs beside it */
  npmFiles: number;
  /** fsu: a tree of `fsuFiles` files and `fsuBytes` bytes; a directory of `fsuLsEntries` */
  fsuBytes: number;
  fsuFiles: number;
  fsuLsEntries: number;
  /** START: timed starts of each command per round (rounds: --reps) */
  startRuns: number;
  /** P2K: files of the metadata rows, the big file, the tree of cp -a */
  p2kFiles: number;
  p2kBytes: number;
  p2kTreeFiles: number;
  p2kTreeBytes: number;
}

export const DISK_FULL: DiskSizes = {
  bigBytes: 256 * MiB,
  chunk: 64 * KiB,
  files: 10_000,
  preads: 20_000,
  readSize: 4 * KiB,
  imageBytes: 1024 * MiB,
  npmFiles: 2_000,
  fsuBytes: 100 * MiB,
  fsuFiles: 2_000,
  fsuLsEntries: 10_000,
  startRuns: 10,
  p2kFiles: 10_000,
  p2kBytes: p2kBytes(1024 * MiB),
  p2kTreeFiles: 2_000,
  p2kTreeBytes: 40 * MiB,
};

export const DISK_QUICK: DiskSizes = {
  bigBytes: 16 * MiB,
  chunk: 64 * KiB,
  files: 1_000,
  preads: 2_000,
  readSize: 4 * KiB,
  imageBytes: 96 * MiB,
  npmFiles: 200,
  fsuBytes: 10 * MiB,
  fsuFiles: 200,
  fsuLsEntries: 1_000,
  startRuns: 3,
  p2kFiles: 1_000,
  p2kBytes: p2kBytes(64 * MiB),
  p2kTreeFiles: 200,
  p2kTreeBytes: 4 * MiB,
};

/** P2K's big file: P2K_BENCH_MIB scales it (the 1 GiB of the issue takes a while through FUSE). */
function p2kBytes(dflt: number): number {
  const v = Number(process.env.P2K_BENCH_MIB);
  return Number.isInteger(v) && v > 0 ? v * MiB : dflt;
}

export const DISK_SECTION_IDS = [
  "START",
  "FFS",
  "EXT2",
  "EXT4",
  "FSU",
  "P2K",
  "CD9660",
  "MSDOS",
] as const;
export type DiskSectionId = (typeof DISK_SECTION_IDS)[number];

export type DiskUnit = "MB/s" | "ops/s" | "s";

/** One row: our value against one baseline. */
export interface DiskRow {
  section: DiskSectionId;
  id: string;
  what: string;
  unit: DiskUnit;
  /** column label of the baseline ("node", "tmpfs", "ext2fs npm", …) */
  baseline: string;
  /** medians (undefined: not measured) */
  value?: number;
  base?: number;
  /** every measured value */
  runs: number[];
  baseRuns: number[];
  /**
   * ours ≥ factor × baseline; or (unit s) ours ≤ max seconds; or (unit s)
   * ours ≤ within × the baseline's time (the ratio is then ours ÷ baseline)
   */
  goal?: { factor: number } | { max: number } | { within: number };
  /** why ours was not measured */
  na?: string;
}

export interface DiskVerdict {
  /** how many times the baseline (higher is better; for seconds base/value) */
  ratio?: number;
  result: "PASS" | "MISS" | "n/a" | "";
  miss?: string;
}

export function judgeRow(r: DiskRow): DiskVerdict {
  if (r.na !== undefined || r.value === undefined) return { result: r.goal ? "n/a" : "" };
  const g0 = r.goal;
  if (g0 !== undefined && "within" in g0) {
    if (r.base === undefined) return { result: "" };
    const ratio = r.value / r.base;
    return ratio <= g0.within
      ? { ratio, result: "PASS" }
      : {
          ratio,
          result: "MISS",
          miss: `${ratio.toFixed(2)}× the time of ${r.baseline} (want ≤ ${g0.within}×)`,
        };
  }
  const ratio =
    r.base === undefined ? undefined : r.unit === "s" ? r.base / r.value : r.value / r.base;
  const g = r.goal;
  if (g === undefined) return { ratio, result: "" };
  if ("within" in g) return { ratio, result: "" }; // judged above
  if ("max" in g) {
    return r.value <= g.max
      ? { ratio, result: "PASS" }
      : { ratio, result: "MISS", miss: `${fmt(r.value)} s (want < ${g.max} s)` };
  }
  if (ratio === undefined) return { ratio, result: "" };
  return ratio >= g.factor
    ? { ratio, result: "PASS" }
    : {
        ratio,
        result: "MISS",
        miss: `${ratio.toFixed(2)}× ${r.baseline} (want ≥ ${g.factor}×)`,
      };
}

export function goalOf(r: DiskRow): string {
  const g = r.goal;
  if (g === undefined) return "—";
  if ("within" in g) return `≤ ${g.within}× ${r.baseline} (time)`;
  return "max" in g ? `< ${g.max} s` : `≥ ${g.factor}× ${r.baseline}`;
}

export interface DiskRunOptions {
  sizes: DiskSizes;
  reps: number;
  /** one unmeasured round first (default true) */
  warmup?: boolean;
  only?: readonly DiskSectionId[];
  log?: (msg: string) => void;
}

export interface DiskBenchResult {
  rows: DiskRow[];
  notes: string[];
  seconds: number;
}

/* ------------------------------------------------------------------ */
/* helpers                                                             */

const now = (): number => performance.now();

function fullGc(): void {
  gc();
  gc();
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`bench: ${what}`);
}

export function errText(e: unknown): string {
  if (e instanceof RumpError) return e.message;
  if (e instanceof Error) return e.message.split("\n")[0]!;
  return String(e);
}

/** A scratch directory in /dev/shm (or the temp dir), removed at exit. */
function scratch(): { dir: string; note: string } {
  let base = tmpdir();
  let note = `images in ${base} (no /dev/shm: the host's disk may be involved)`;
  try {
    fs.accessSync("/dev/shm", fs.constants.W_OK);
    base = "/dev/shm";
    note = "images in /dev/shm (the host's page cache)";
  } catch {
    // keep tmpdir
  }
  const dir = fs.mkdtempSync(join(base, "rump-bench-disk-"));
  const rm = (): void => fs.rmSync(dir, { recursive: true, force: true });
  process.once("exit", rm);
  return { dir, note };
}

/** Collects our runs and the baseline's runs per row id; the warm-up round is dropped. */
export class Rows {
  readonly rows: DiskRow[] = [];
  private readonly byId = new Map<string, DiskRow>();
  add(
    section: DiskSectionId,
    id: string,
    what: string,
    unit: DiskUnit,
    baseline: string,
    goal?: DiskRow["goal"],
  ): DiskRow {
    const r: DiskRow = { section, id, what, unit, baseline, runs: [], baseRuns: [], goal };
    this.rows.push(r);
    this.byId.set(id, r);
    return r;
  }
  ours(id: string, v: number, keep: boolean): void {
    if (keep) this.byId.get(id)!.runs.push(v);
  }
  base(id: string, v: number, keep: boolean): void {
    if (keep) this.byId.get(id)!.baseRuns.push(v);
  }
  na(id: string, why: string): void {
    const r = this.byId.get(id)!;
    r.na ??= why;
  }
  finish(): void {
    for (const r of this.rows) {
      if (r.runs.length > 0 && r.na === undefined) r.value = median(r.runs);
      if (r.baseRuns.length > 0) r.base = median(r.baseRuns);
    }
  }
}

/** Seconds to write `bytes` to `path` in `buf`-sized writes, fsync and close included. */
function timedWrite(
  t: FsTarget & { fsync(fd: number): void },
  path: string,
  bytes: number,
  buf: Uint8Array,
): number {
  const chunk = buf.length;
  const t0 = now();
  const fd = t.openWrite(path);
  for (let done = 0; done < bytes; done += chunk) {
    const n = Math.min(chunk, bytes - done);
    check(t.write(fd, buf, n) === n, `short write of ${path}`);
  }
  t.fsync(fd);
  t.close(fd);
  return (now() - t0) / 1000;
}

/** Write untimed (no fsync). */
function untimedWrite(t: FsTarget, path: string, bytes: number, buf: Uint8Array): void {
  const fd = t.openWrite(path);
  for (let done = 0; done < bytes; done += buf.length) {
    const n = Math.min(buf.length, bytes - done);
    check(t.write(fd, buf, n) === n, `short write of ${path}`);
  }
  t.close(fd);
}

/** Seconds to read all of `path` in `buf`-sized reads (open and close included); checks size and data. */
function timedRead(
  t: FsTarget,
  path: string,
  bytes: number,
  buf: Uint8Array,
  want: Uint8Array,
): number {
  const chunk = buf.length;
  buf.fill(0);
  const t0 = now();
  const fd = t.openRead(path);
  let got = 0;
  for (;;) {
    const r = t.read(fd, buf, chunk);
    if (r === 0) break;
    got += r;
  }
  t.close(fd);
  const dt = (now() - t0) / 1000;
  check(got === bytes, `read ${got} bytes of ${path}, expected ${bytes}`);
  check(buf[7] === want[7] && buf[chunk - 1] === want[chunk - 1], `wrong data in ${path}`);
  return dt;
}

/** The same seeded 4 KiB-aligned offsets for every target. */
function offsets(n: number, fileBytes: number, size: number): Float64Array {
  const blocks = Math.floor(fileBytes / size);
  const o = new Float64Array(n);
  let x = 0x9e3779b9;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    o[i] = ((x >>> 0) % blocks) * size;
  }
  return o;
}

/** preads per second at `offs`. */
function timedPreads(t: FsTarget, path: string, offs: Float64Array, size: number): number {
  const buf = new Uint8Array(size);
  const fd = t.openRead(path);
  let bytes = 0;
  const t0 = now();
  for (let i = 0; i < offs.length; i++) bytes += t.pread(fd, buf, size, offs[i]!);
  const dt = (now() - t0) / 1000;
  t.close(fd);
  check(bytes === offs.length * size, `short pread of ${path}`);
  return offs.length / dt;
}

/** The core W1/W2 at `files` files on one target: their rates by metric id. */
function smallFiles(t: FsTarget, files: number): Record<string, number> {
  const z: Sizes = { ...FULL_SIZES, w1Files: files, w2Files: files };
  const out: Record<string, number> = {};
  for (const [id, s] of Object.entries(W1.run(t, z, undefined))) out[id] = s.count / s.seconds;
  const data = patterned(z.w2FileSize);
  for (const [id, s] of Object.entries(W2.run(t, z, data))) out[id] = s.count / s.seconds;
  return out;
}

const SMALL_ROWS: [string, string, boolean][] = [
  ["W1 create", "open(O_CREAT)+close of an empty file", true],
  ["W1 stat", "stat by path", true],
  ["W1 readdir", "entries of one readdir of the directory", false],
  ["W1 unlink", "unlink", true],
  ["W2 write", "4 KiB file: open+write+close", true],
  ["W2 read", "4 KiB file: open+read+close", true],
];

const MB = (bytes: number, s: number): number => bytes / 1e6 / s;

/* ------------------------------------------------------------------ */
/* FFS and ext2fs                                                      */

export function which(cmd: string): string | null {
  for (const d of (process.env.PATH ?? "").split(":").concat(["/usr/sbin", "/sbin"])) {
    const p = join(d, cmd);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  return null;
}

export interface DiskCtx {
  z: DiskSizes;
  reps: number;
  warmup: boolean;
  log: (m: string) => void;
  dir: string;
  rows: Rows;
  notes: Set<string>;
}

/**
 * The big-file and small-file rows of one disk file system. `image` holds
 * (for ext2fs) a big file /big already; `writable`: a read-write mount
 * works (else the write rows say why not).
 */
function diskSection(c: DiskCtx, sec: DiskSectionId, fstype: DiskFs, image: string): void {
  const { z, rows, log } = c;
  const P = sec;
  const big = `${z.bigBytes / MiB} MiB`;
  rows.add(sec, `${P} write`, `${big} file, 64 KiB writes + fsync`, "MB/s", "node", {
    factor: 0.5,
  });
  rows.add(sec, `${P} read warm`, "the file read again (kernel's cache)", "MB/s", "tmpfs", {
    factor: 0.7,
  });
  rows.add(sec, `${P} read cold`, "fresh kernel, image in host cache", "MB/s", "node", {
    factor: 0.5,
  });
  rows.add(sec, `${P} pread`, "random 4 KiB pread of the file", "ops/s", "tmpfs");
  for (const [id, what, goal] of SMALL_ROWS)
    rows.add(
      sec,
      `${P} ${id}`,
      `${what} (MNT_ASYNC)`,
      "ops/s",
      "tmpfs",
      goal ? { factor: 0.3 } : undefined,
    );

  const buf = patterned(z.chunk);
  const rbuf = new Uint8Array(z.chunk);
  const offs = offsets(z.preads, z.bigBytes, z.readSize);
  const node = new NodeTarget();
  const tm = new TmpfsTarget();
  c.notes.add(`node: ${node.note}`);
  c.notes.add(`tmpfs: ${tm.note}`);
  try {
    untimedWrite(tm, `${tm.root}/big`, z.bigBytes, buf);
    untimedWrite(node, `${node.root}/big`, z.bigBytes, buf);
    // ext2fs images come with /big from mke2fs -d; FFS and FAT get it from the write rows
    const readPath = fstype === "ext2fs" ? "/mnt/big" : "/mnt/b/big";
    let writable = true;
    log(`${sec}: ${z.bigBytes / MiB} MiB write / cold read / warm read / preads`);
    for (let r = c.warmup ? -1 : 0; r < c.reps; r++) {
      const keep = r >= 0;
      // sequential write (fsync included), on a fresh kernel
      fullGc();
      if (writable) {
        let t: DiskTarget | null = null;
        try {
          t = new DiskTarget(fstype, image, 0);
        } catch (e) {
          writable = false;
          rows.na(`${P} write`, `read-write mount refused: ${errText(e)}`);
        }
        if (t !== null) {
          try {
            rows.ours(
              `${P} write`,
              MB(z.bigBytes, timedWrite(t, "/mnt/b/big", z.bigBytes, buf)),
              keep,
            );
          } finally {
            t.dispose();
          }
        }
      }
      fullGc();
      rows.base(
        `${P} write`,
        MB(z.bigBytes, timedWrite(node, `${node.root}/big`, z.bigBytes, buf)),
        keep,
      );
      // cold read on a fresh kernel, then warm, then preads
      fullGc();
      const t = new DiskTarget(fstype, image, fstype === "ext2fs" ? MNT_RDONLY : 0, false);
      try {
        rows.ours(
          `${P} read cold`,
          MB(z.bigBytes, timedRead(t, readPath, z.bigBytes, rbuf, buf)),
          keep,
        );
        rows.ours(
          `${P} read warm`,
          MB(z.bigBytes, timedRead(t, readPath, z.bigBytes, rbuf, buf)),
          keep,
        );
        rows.ours(`${P} pread`, timedPreads(t, readPath, offs, z.readSize), keep);
      } finally {
        t.dispose();
      }
      fullGc();
      rows.base(
        `${P} read cold`,
        MB(z.bigBytes, timedRead(node, `${node.root}/big`, z.bigBytes, rbuf, buf)),
        keep,
      );
      rows.base(
        `${P} read warm`,
        MB(z.bigBytes, timedRead(tm, `${tm.root}/big`, z.bigBytes, rbuf, buf)),
        keep,
      );
      rows.base(`${P} pread`, timedPreads(tm, `${tm.root}/big`, offs, z.readSize), keep);
    }
    // small files on an MNT_ASYNC mount against tmpfs
    log(`${sec}: ${z.files} small files (W1, W2) on an MNT_ASYNC mount`);
    let t: DiskTarget | null = null;
    try {
      t = new DiskTarget(fstype, image, MNT_ASYNC);
    } catch (e) {
      for (const [id] of SMALL_ROWS)
        rows.na(`${P} ${id}`, `read-write mount refused: ${errText(e)}`);
    }
    try {
      for (let r = c.warmup ? -1 : 0; r < c.reps; r++) {
        const keep = r >= 0;
        if (t !== null) {
          fullGc();
          for (const [id, v] of Object.entries(smallFiles(t, z.files)))
            rows.ours(`${P} ${id}`, v, keep);
        }
        fullGc();
        for (const [id, v] of Object.entries(smallFiles(tm, z.files)))
          rows.base(`${P} ${id}`, v, keep);
      }
    } finally {
      t?.dispose();
    }
  } finally {
    tm.dispose();
    node.dispose();
  }
}

function ffsSection(c: DiskCtx): void {
  const image = join(c.dir, "ffs.img");
  const t0 = now();
  makeFfsImage(image, c.z.imageBytes);
  c.notes.add(
    `ffs: a ${c.z.imageBytes / MiB} MiB UFS2 image made by newfs_ffs (defaults) in ${(now() - t0).toFixed(0)} ms, mounted by a kernel on a NodeHost`,
  );
  try {
    diskSection(c, "FFS", "ffs", image);
  } finally {
    fs.rmSync(image, { force: true });
  }
}

/** mke2fs of an ext2 image of `bytes` (4 KiB blocks), from `src` when given. */
export function mke2fs(mk: string, image: string, bytes: number, src?: string): void {
  fs.rmSync(image, { force: true });
  const args = ["-q", "-F", "-t", "ext2", "-b", "4096"];
  if (src !== undefined) args.push("-d", src);
  args.push(image, `${Math.floor(bytes / KiB)}k`);
  const r = spawnSync(mk, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`mke2fs ${image}: ${r.stderr || r.error?.message}`);
}

/** W1 and W2 through the npm package ext2fs (async), rates by metric id. */
async function npmSmallFiles(image: string, files: number): Promise<Record<string, number>> {
  const require = createRequire(import.meta.url);
  const ext2fs = require("ext2fs") as Ext2fsModule;
  const hfd = fs.openSync(image, "r+");
  const disk = {
    read: async (b: Buffer, bo: number, len: number, pos: number) => ({
      bytesRead: fs.readSync(hfd, b, bo, len, pos),
      buffer: b,
    }),
    write: async (b: Buffer, bo: number, len: number, pos: number) => ({
      bytesWritten: fs.writeSync(hfd, b, bo, len, pos),
      buffer: b,
    }),
    flush: async (): Promise<void> => {},
    discard: async (): Promise<void> => {},
  };
  const out: Record<string, number> = {};
  try {
    const efs = await ext2fs.mount(disk, 0);
    const p = efs.promises;
    try {
      const dir = "/w1";
      const paths = Array.from({ length: files }, (_, i) => `${dir}/f${i}`);
      await p.mkdir(dir);
      let t0 = now();
      for (const path of paths) {
        const h = await p.open(path, "w", 0o644);
        await p.close(h.fd);
      }
      out["W1 create"] = files / ((now() - t0) / 1000);
      t0 = now();
      let regs = 0;
      for (const path of paths) if ((await p.stat(path)).isFile()) regs++;
      out["W1 stat"] = files / ((now() - t0) / 1000);
      check(regs === files, "ext2fs npm: stat");
      t0 = now();
      const names = await p.readdir(dir);
      out["W1 readdir"] = files / ((now() - t0) / 1000);
      check(names.length === files, `ext2fs npm: readdir found ${names.length}`);
      t0 = now();
      for (const path of paths) await p.unlink(path);
      out["W1 unlink"] = files / ((now() - t0) / 1000);
      // W2: 4 KiB files written, read back
      const data = Buffer.from(patterned(4 * KiB));
      const rb = Buffer.alloc(4 * KiB);
      const dir2 = "/w2";
      await p.mkdir(dir2);
      const p2 = paths.map((x) => x.replace(dir, dir2));
      t0 = now();
      for (const path of p2) {
        const h = await p.open(path, "w", 0o644);
        await p.write(h.fd, data, 0, data.length, 0);
        await p.close(h.fd);
      }
      out["W2 write"] = files / ((now() - t0) / 1000);
      t0 = now();
      let bytes = 0;
      for (const path of p2) {
        const h = await p.open(path, "r");
        bytes += (await p.read(h.fd, rb, 0, rb.length, 0)).bytesRead;
        await p.close(h.fd);
      }
      out["W2 read"] = files / ((now() - t0) / 1000);
      check(bytes === files * data.length && rb[4095] === data[4095], "ext2fs npm: W2 data");
      // clean up (untimed), so the image can take another run
      for (const path of p2) await p.unlink(path);
      await p.rmdir(dir2);
      await p.rmdir(dir);
    } finally {
      await ext2fs.umount(efs);
    }
  } finally {
    fs.closeSync(hfd);
  }
  return out;
}

interface Ext2fsPromises {
  mkdir(p: string): Promise<void>;
  open(p: string, flags: string, mode?: number): Promise<{ fd: number }>;
  close(fd: number): Promise<void>;
  stat(p: string): Promise<{ isFile(): boolean }>;
  readdir(p: string): Promise<string[]>;
  unlink(p: string): Promise<void>;
  rmdir(p: string): Promise<void>;
  write(fd: number, b: Buffer, off: number, len: number, pos: number): Promise<unknown>;
  read(
    fd: number,
    b: Buffer,
    off: number,
    len: number,
    pos: number,
  ): Promise<{ bytesRead: number }>;
}
interface Ext2fsModule {
  mount(disk: unknown, offset: number): Promise<{ promises: Ext2fsPromises }>;
  umount(fs: unknown): Promise<void>;
}

async function ext2Section(c: DiskCtx): Promise<void> {
  const { z, rows } = c;
  const mk = which("mke2fs");
  if (mk === null) {
    rows.add("EXT2", "EXT2", "mke2fs is not installed: the ext2 section is skipped", "MB/s", "");
    rows.na("EXT2", "mke2fs missing");
    return;
  }
  const src = join(c.dir, "e2src");
  fs.mkdirSync(src);
  const buf = patterned(z.chunk);
  const fd = fs.openSync(join(src, "big"), "w");
  for (let done = 0; done < z.bigBytes; done += buf.length) fs.writeSync(fd, buf);
  fs.closeSync(fd);
  const image = join(c.dir, "ext2.img");
  mke2fs(mk, image, z.imageBytes, src);
  fs.rmSync(src, { recursive: true, force: true });
  c.notes.add(
    `ext2fs: a ${z.imageBytes / MiB} MiB ext2 image (4 KiB blocks) made by mke2fs -d with the big file in it`,
  );
  try {
    diskSection(c, "EXT2", "ext2fs", image);
  } finally {
    fs.rmSync(image, { force: true });
  }

  await npmRows(c, "EXT2", (img, bytes) => mke2fs(mk, img, bytes));
}

/**
 * W1 and W2 at npmFiles files against the npm package ext2fs, one run
 * each, on images `mk` makes (256 MiB): rows `${sec} npm …`.
 */
async function npmRows(
  c: DiskCtx,
  sec: DiskSectionId,
  mk: (image: string, bytes: number) => void,
): Promise<void> {
  const { z, rows, log } = c;
  const n = z.npmFiles;
  log(
    `${sec}: W1/W2 at ${n} files, ours against the npm package ext2fs (one run each, after a small warm-up)`,
  );
  const ids: [string, string][] = [
    ["W1 create", "open(O_CREAT)+close"],
    ["W1 stat", "stat by path"],
    ["W1 unlink", "unlink"],
    ["W2 write", "4 KiB file: open+write+close"],
    ["W2 read", "4 KiB file: open+read+close"],
  ];
  for (const [id, what] of ids)
    rows.add(sec, `${sec} npm ${id}`, `${what}, ${n} files`, "ops/s", "ext2fs npm", {
      factor: 10,
    });
  const img2 = join(c.dir, `${sec}-npm.img`);
  let npm: Record<string, number> | string;
  try {
    mk(img2, 256 * MiB);
    // a warm-up at a tenth of the count (the package's JavaScript side gets compiled too)
    if (c.warmup) await npmSmallFiles(img2, Math.max(1, Math.floor(n / 10)));
    npm = await npmSmallFiles(img2, n);
  } catch (e) {
    npm = errText(e);
  }
  const img3 = join(c.dir, `${sec}-ours.img`);
  mk(img3, 256 * MiB);
  let t: DiskTarget | null = null;
  try {
    t = new DiskTarget("ext2fs", img3, 0);
  } catch (e) {
    for (const [id] of ids) rows.na(`${sec} npm ${id}`, `read-write mount refused: ${errText(e)}`);
  }
  try {
    if (t !== null && c.warmup) smallFiles(t, Math.max(1, Math.floor(n / 10)));
    const ours = t !== null ? smallFiles(t, n) : {};
    for (const [id] of ids) {
      if (typeof npm === "string") rows.base(`${sec} npm ${id}`, Number.NaN, false);
      else rows.base(`${sec} npm ${id}`, npm[id]!, true);
      if (ours[id] !== undefined) rows.ours(`${sec} npm ${id}`, ours[id]!, true);
    }
  } finally {
    t?.dispose();
    fs.rmSync(img2, { force: true });
    fs.rmSync(img3, { force: true });
  }
  c.notes.add(
    typeof npm === "string"
      ? `${sec} ext2fs npm: failed: ${npm}`
      : `${sec} ext2fs npm: the npm package ext2fs (libext2fs in wasm, async API) on a 256 MiB image, ${n} files (fewer than W1's 10,000: it is slow), one run after a warm-up at a tenth of the count, both sides`,
  );
}

/** mkfs.ext4 (Debian's defaults, 4 KiB blocks) of `bytes`, from `src` when given. */
function mkfsExt4(mk: string, image: string, bytes: number, src?: string): void {
  fs.rmSync(image, { force: true });
  const args = ["-q", "-F", "-t", "ext4", "-b", "4096"];
  if (src !== undefined) args.push("-d", src);
  args.push(image, `${Math.floor(bytes / KiB)}k`);
  const r = spawnSync(mk, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`mkfs.ext4 ${image}: ${r.stderr || r.error?.message}`);
}

/**
 * EXT4: the data path and small files of an mkfs.ext4 image (as EXT2
 * measures them), the big-file rows against FFS's in the same run (the
 * issue: extents should make ext4's data path at least as fast as FFS's),
 * W1/W2 against the npm package ext2fs, and fsu get -r against debugfs
 * rdump on one ext4 image.
 */
async function ext4Section(c: DiskCtx): Promise<void> {
  const { z, rows, log } = c;
  const mk = which("mke2fs");
  const dbg = which("debugfs");
  if (mk === null) {
    rows.add("EXT4", "EXT4", "mke2fs is not installed: the ext4 section is skipped", "MB/s", "");
    rows.na("EXT4", "mke2fs missing");
    return;
  }
  const src = join(c.dir, "e4src");
  fs.mkdirSync(src);
  const buf = patterned(z.chunk);
  const fd = fs.openSync(join(src, "big"), "w");
  for (let done = 0; done < z.bigBytes; done += buf.length) fs.writeSync(fd, buf);
  fs.closeSync(fd);
  const image = join(c.dir, "ext4.img");
  mkfsExt4(mk, image, z.imageBytes, src);
  fs.rmSync(src, { recursive: true, force: true });
  c.notes.add(
    `ext4: a ${z.imageBytes / MiB} MiB ext4 image (mkfs.ext4's defaults: extents, 64bit, flex_bg, metadata_csum; 4 KiB blocks) made by mkfs.ext4 -d with the big file in it`,
  );
  try {
    diskSection(c, "EXT4", "ext2fs", image);
  } finally {
    fs.rmSync(image, { force: true });
  }
  // the data path against FFS's (same run): the runs of both sides as measured above
  const byId = new Map(rows.rows.map((r) => [r.id, r]));
  for (const [id, what] of [
    ["write", "256 MiB write + fsync"],
    ["read cold", "256 MiB read, fresh kernel"],
    ["read warm", "256 MiB read again"],
  ] as const) {
    const r = rows.add("EXT4", `EXT4 vs FFS ${id}`, `${what}: ext4 against FFS`, "MB/s", "FFS", {
      factor: 1,
    });
    const e4 = byId.get(`EXT4 ${id}`);
    const ffs = byId.get(`FFS ${id}`);
    if (e4 === undefined || e4.runs.length === 0) rows.na(r.id, e4?.na ?? "ext4 not measured");
    else if (ffs === undefined || ffs.runs.length === 0)
      rows.na(r.id, "FFS not measured in this run (--only EXT4: add FFS)");
    else {
      r.runs.push(...e4.runs);
      r.baseRuns.push(...ffs.runs);
    }
  }
  await npmRows(c, "EXT4", (img, bytes) => mkfsExt4(mk, img, bytes));

  // fsu get -r against debugfs rdump, one ext4 image
  rows.add(
    "EXT4",
    "EXT4 fsu get -r",
    `fsu get -r of ${z.fsuBytes / MiB} MiB / ${z.fsuFiles} files`,
    "s",
    "debugfs rdump",
    { factor: 1 },
  );
  const fsu = fsuCommand();
  if (dbg === null) return rows.na("EXT4 fsu get -r", "debugfs missing");
  if ("missing" in fsu) return rows.na("EXT4 fsu get -r", fsu.missing);
  log(`EXT4: fsu get -r of a ${z.fsuBytes / MiB} MiB tree of ${z.fsuFiles} files`);
  const tree = join(c.dir, "tree4");
  const img = join(c.dir, "fsu4.img");
  try {
    makeTree(tree, z.fsuFiles, z.fsuBytes);
    mkfsExt4(mk, img, Math.max(64 * MiB, z.fsuBytes * 3), tree);
    const want = countTree(tree);
    for (let r = 0; r < c.reps; r++) {
      const d1 = join(c.dir, "rdump4");
      fs.rmSync(d1, { recursive: true, force: true });
      fs.mkdirSync(d1);
      rows.base(
        "EXT4 fsu get -r",
        timedSpawn([dbg, "-R", `rdump / ${d1}`, img], "debugfs rdump").wall,
        true,
      );
      const got1 = countTree(d1);
      check(got1.files >= want.files && got1.bytes >= want.bytes, "debugfs rdump: tree incomplete");
      fs.rmSync(d1, { recursive: true, force: true });
      try {
        rows.ours(
          "EXT4 fsu get -r",
          timedFsuGet(fsu, img, join(c.dir, "fsuget4"), want).wall,
          true,
        );
      } catch (e) {
        rows.na("EXT4 fsu get -r", errText(e));
      }
    }
  } finally {
    fs.rmSync(tree, { recursive: true, force: true });
    fs.rmSync(img, { force: true });
  }
}

/* ------------------------------------------------------------------ */
/* fsu                                                                 */

/** How to start fsu: node + the built CLI, or null (and why). */
export function fsuCommand(): { argv: string[] } | { missing: string } {
  const here = dirname(fileURLToPath(import.meta.url));
  const js = resolve(here, "../packages/ukfs/dist/cli/fsu.cjs");
  if (fs.existsSync(js)) return { argv: [process.execPath, js] };
  return { missing: "packages/ukfs/dist/cli/fsu.cjs is not built (pnpm build)" };
}

/**
 * Run `argv` to completion: its wall time and its CPU time (user + system
 * of it and its children, from the shell's `times`), in seconds. CPU time
 * moves less than wall time on a machine shared with other work.
 */
export function timedSpawn(
  argv: string[],
  what: string,
  env: NodeJS.ProcessEnv = process.env,
): { wall: number; cpu: number } {
  const t0 = now();
  const r = spawnSync("sh", ["-c", '"$@"; s=$?; times >&2; exit $s', "sh", ...argv], {
    encoding: "utf8",
    env,
    maxBuffer: 64 * MiB,
  });
  const wall = (now() - t0) / 1000;
  if (r.status !== 0)
    throw new Error(
      `${what} exited ${r.status}: ${(r.stderr || r.error?.message || "").trim().split("\n")[0]}`,
    );
  // the last line of `times`: the children's user and system time, "0m0.71s 0m0.32s"
  const last = r.stderr.trim().split("\n").pop() ?? "";
  const secs = [...last.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  return { wall, cpu: secs.length === 2 ? secs[0]! + secs[1]! : NaN };
}

/**
 * `fsu get -r IMAGE / DEST` into a fresh DEST, timed; the copy must hold at
 * least `want` (then DEST goes again).
 */
function timedFsuGet(
  fsu: { argv: string[] },
  image: string,
  dest: string,
  want: { files: number; bytes: number },
): { wall: number; cpu: number } {
  fs.rmSync(dest, { recursive: true, force: true });
  try {
    const t = timedSpawn([...fsu.argv, "get", "-r", image, "/", dest], "fsu get -r");
    const got = countTree(dest);
    check(
      got.files >= want.files && got.bytes >= want.bytes,
      `fsu get -r: ${got.files} files, ${got.bytes} bytes`,
    );
    return t;
  } finally {
    fs.rmSync(dest, { recursive: true, force: true });
  }
}

/** A tree of `files` files of `bytes` in total, 20 per directory, sizes varying around the mean. */
export function makeTree(root: string, files: number, bytes: number): void {
  fs.mkdirSync(root);
  const mean = Math.floor(bytes / files);
  const blob = patterned(mean * 2);
  let left = bytes;
  for (let i = 0; i < files; i++) {
    const d = join(root, `d${Math.floor(i / 20)}`);
    if (i % 20 === 0) fs.mkdirSync(d);
    const size =
      i === files - 1
        ? left
        : Math.min(left, mean + (((i * 7919) % 101) - 50) * Math.floor(mean / 100));
    fs.writeFileSync(join(d, `f${i}`), blob.subarray(0, size));
    left -= size;
  }
}

export function countTree(root: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        files++;
        bytes += fs.statSync(p).size;
      }
    }
  };
  walk(root);
  return { files, bytes };
}

function fsuSection(c: DiskCtx): void {
  const { z, rows, log } = c;
  rows.add(
    "FSU",
    "FSU get -r",
    `fsu get -r of a tree (${z.fsuFiles} files)`,
    "s",
    "debugfs rdump",
    {
      factor: 1,
    },
  );
  rows.add("FSU", "FSU put -r", "fsu put -r of the same tree", "s", "mke2fs -d", { factor: 1 });
  rows.add(
    "FSU",
    "FSU mkfs -d",
    "fsu mkfs -t ext2 -d of the same tree (format + fill)",
    "s",
    "mke2fs -d",
    {
      factor: 1,
    },
  );
  rows.add("FSU", "FSU ls -l", `fsu ls -l of a ${z.fsuLsEntries}-entry directory`, "s", "", {
    max: 1,
  });
  // the same runs in CPU seconds (user + system): steadier than wall time on a shared machine
  rows.add("FSU", "FSU get -r cpu", "CPU time of the get -r runs", "s", "debugfs rdump");
  rows.add("FSU", "FSU put -r cpu", "CPU time of the put -r runs", "s", "mke2fs -d");
  const IDS = [
    "FSU get -r",
    "FSU put -r",
    "FSU mkfs -d",
    "FSU ls -l",
    "FSU get -r cpu",
    "FSU put -r cpu",
  ];
  const mk = which("mke2fs");
  const dbg = which("debugfs");
  const fsu = fsuCommand();
  const tree = join(c.dir, "tree");
  const lsdir = join(c.dir, "lsdir");
  try {
    if (mk === null || dbg === null) {
      for (const id of IDS) rows.na(id, "e2fsprogs (mke2fs, debugfs) missing");
      return;
    }
    log(`FSU: a ${z.fsuBytes / MiB} MiB tree of ${z.fsuFiles} files, get/put/ls`);
    makeTree(tree, z.fsuFiles, z.fsuBytes);
    const imgBytes = Math.max(64 * MiB, z.fsuBytes * 3);
    const image = join(c.dir, "fsu.img");
    mke2fs(mk, image, imgBytes, tree);
    fs.mkdirSync(lsdir);
    const entries = join(lsdir, "d");
    fs.mkdirSync(entries);
    for (let i = 0; i < z.fsuLsEntries; i++) fs.writeFileSync(join(entries, `entry-${i}`), "");
    const lsimg = join(c.dir, "fsu-ls.img");
    mke2fs(mk, lsimg, 64 * MiB, lsdir);
    const want = countTree(tree);
    for (let r = 0; r < c.reps; r++) {
      // e2fsprogs
      const d1 = join(c.dir, "rdump");
      fs.rmSync(d1, { recursive: true, force: true });
      fs.mkdirSync(d1);
      const tg = timedSpawn([dbg, "-R", `rdump / ${d1}`, image], "debugfs rdump");
      rows.base("FSU get -r", tg.wall, true);
      rows.base("FSU get -r cpu", tg.cpu, true);
      const got1 = countTree(d1);
      check(got1.files >= want.files && got1.bytes >= want.bytes, "debugfs rdump: tree incomplete");
      fs.rmSync(d1, { recursive: true, force: true });
      const img2 = join(c.dir, "mke2fs-d.img");
      fs.rmSync(img2, { force: true });
      const args = [
        "-q",
        "-F",
        "-t",
        "ext2",
        "-b",
        "4096",
        "-d",
        tree,
        img2,
        `${Math.floor(imgBytes / KiB)}k`,
      ];
      const tp = timedSpawn([mk, ...args], "mke2fs -d");
      rows.base("FSU put -r", tp.wall, true);
      rows.base("FSU put -r cpu", tp.cpu, true);
      rows.base("FSU mkfs -d", tp.wall, true);
      fs.rmSync(img2, { force: true });
      if ("missing" in fsu) continue;
      // fsu
      try {
        const t = timedFsuGet(fsu, image, join(c.dir, "fsuget"), want);
        rows.ours("FSU get -r", t.wall, true);
        rows.ours("FSU get -r cpu", t.cpu, true);
      } catch (e) {
        for (const id of ["FSU get -r", "FSU get -r cpu"]) rows.na(id, errText(e));
      }
      const img3 = join(c.dir, "fsuput.img");
      try {
        mke2fs(mk, img3, imgBytes);
        const t = timedSpawn([...fsu.argv, "put", "-r", img3, tree, "/tree"], "fsu put -r");
        rows.ours("FSU put -r", t.wall, true);
        rows.ours("FSU put -r cpu", t.cpu, true);
      } catch (e) {
        for (const id of ["FSU put -r", "FSU put -r cpu"]) rows.na(id, errText(e));
      }
      fs.rmSync(img3, { force: true });
      const img4 = join(c.dir, "fsumkfs.img");
      try {
        rows.ours(
          "FSU mkfs -d",
          timedSpawn(
            [
              ...fsu.argv,
              "mkfs",
              "-t",
              "ext2",
              "-b",
              "4096",
              "-s",
              `${Math.floor(imgBytes / KiB)}k`,
              "-d",
              tree,
              img4,
            ],
            "fsu mkfs -d",
          ).wall,
          true,
        );
      } catch (e) {
        rows.na("FSU mkfs -d", errText(e));
      }
      fs.rmSync(img4, { force: true });
      try {
        rows.ours(
          "FSU ls -l",
          timedSpawn([...fsu.argv, "ls", "-l", lsimg, "/d"], "fsu ls -l").wall,
          true,
        );
      } catch (e) {
        rows.na("FSU ls -l", errText(e));
      }
    }
    if ("missing" in fsu) for (const id of IDS) rows.na(id, fsu.missing);
    c.notes.add(
      `fsu: each command timed as a whole process (start included), ext2 images by mke2fs -d in ${c.dir.startsWith("/dev/shm") ? "/dev/shm" : c.dir}`,
    );
  } finally {
    fs.rmSync(tree, { recursive: true, force: true });
    fs.rmSync(lsdir, { recursive: true, force: true });
  }
}

/* ------------------------------------------------------------------ */
/* msdosfs: the kernel on a FAT32 image, and fsu against mtools         */

const MTOOLS_ENV = { ...process.env, MTOOLS_SKIP_CHECK: "1", TZ: "UTC", LC_ALL: "C.UTF-8" };

/** A directory of `files` files of `size` bytes each (W1: empty, W2: 4 KiB). */
function makeFlatTree(root: string, files: number, size: number): void {
  fs.mkdirSync(root, { recursive: true });
  const blob = patterned(size);
  for (let i = 0; i < files; i++) fs.writeFileSync(join(root, `f${i}`), blob);
}

/**
 * MSDOS: the in-kernel rows of the FFS/EXT2 sections on a FAT32 image of
 * newfs_msdos, then whole fsu processes against whole mtools processes:
 * W1 (empty files) and W2 (4 KiB files) as one directory of `files`
 * entries, and the big file, each copied into an empty image (fsu put -r /
 * mcopy -s -m) and back out (fsu get -r / mcopy -s -m -n).
 */
function msdosSection(c: DiskCtx): void {
  const { z, rows, log } = c;
  const image = join(c.dir, "fat32.img");
  const t0 = now();
  makeMsdosImage(image, z.imageBytes);
  c.notes.add(
    `msdosfs: a ${z.imageBytes / MiB} MiB FAT32 image made by newfs_msdos in ${(now() - t0).toFixed(0)} ms, mounted by a kernel on a NodeHost`,
  );
  try {
    diskSection(c, "MSDOS", "msdos", image);
  } finally {
    fs.rmSync(image, { force: true });
  }
  const mcopy = which("mcopy");
  const mkfs = which("mkfs.fat");
  const fsu = fsuCommand();
  const kinds: [string, string, number, number][] = [
    ["W1", `${z.files} empty files in one directory`, z.files, 0],
    ["W2", `${z.files} 4 KiB files in one directory`, z.files, 4 * KiB],
    ["big", `one ${z.bigBytes / MiB} MiB file`, 1, z.bigBytes],
  ];
  for (const [k, what] of kinds) {
    rows.add("MSDOS", `MSDOS ${k} put`, `fsu put -r: ${what} into FAT32`, "s", "mcopy -s -m", {
      factor: 1,
    });
    rows.add("MSDOS", `MSDOS ${k} get`, `fsu get -r: the same out of it`, "s", "mcopy -s -m", {
      factor: 1,
    });
  }
  const ids = kinds.flatMap(([k]) => [`MSDOS ${k} put`, `MSDOS ${k} get`]);
  if (mcopy === null || mkfs === null) {
    for (const id of ids) rows.na(id, "mtools (mcopy) or dosfstools (mkfs.fat) missing");
    return;
  }
  const imgBytes = Math.max(64 * MiB, z.bigBytes * 2, z.files * 16 * KiB);
  for (const [k, what, files, size] of kinds) {
    log(`MSDOS: ${what}: fsu put/get against mcopy in/out`);
    const src = join(c.dir, `fat-${k}`);
    const bigsrc = join(src, "d");
    if (k === "big") {
      fs.mkdirSync(bigsrc, { recursive: true });
      const fd = fs.openSync(join(bigsrc, "big"), "w");
      const buf = patterned(z.chunk);
      for (let done = 0; done < size; done += buf.length) fs.writeSync(fd, buf);
      fs.closeSync(fd);
    } else makeFlatTree(bigsrc, files, size);
    const want = countTree(bigsrc);
    try {
      for (let r = 0; r < c.reps; r++) {
        // mtools: into a fresh image, and out of it
        const mimg = join(c.dir, "mtools.img");
        fs.rmSync(mimg, { force: true });
        fs.writeFileSync(mimg, new Uint8Array(0));
        fs.truncateSync(mimg, imgBytes);
        timedSpawn([mkfs, "-F", "32", mimg], "mkfs.fat");
        rows.base(
          `MSDOS ${k} put`,
          timedSpawn([mcopy, "-s", "-m", "-Q", "-i", mimg, bigsrc, "::/d"], "mcopy in", MTOOLS_ENV)
            .wall,
          true,
        );
        const mout = join(c.dir, "mout");
        fs.rmSync(mout, { recursive: true, force: true });
        fs.mkdirSync(mout);
        rows.base(
          `MSDOS ${k} get`,
          timedSpawn(
            [mcopy, "-s", "-m", "-n", "-Q", "-i", mimg, "::/d", mout],
            "mcopy out",
            MTOOLS_ENV,
          ).wall,
          true,
        );
        const gotm = countTree(mout);
        check(
          gotm.files === want.files && gotm.bytes === want.bytes,
          `mcopy out: ${gotm.files} files`,
        );
        fs.rmSync(mout, { recursive: true, force: true });
        fs.rmSync(mimg, { force: true });
        if ("missing" in fsu) continue;
        // fsu: into a fresh image of the same kind, and out of it
        const fimg = join(c.dir, "fsu.img");
        fs.rmSync(fimg, { force: true });
        fs.writeFileSync(fimg, new Uint8Array(0));
        fs.truncateSync(fimg, imgBytes);
        timedSpawn([mkfs, "-F", "32", fimg], "mkfs.fat");
        try {
          rows.ours(
            `MSDOS ${k} put`,
            timedSpawn([...fsu.argv, "put", "-r", fimg, bigsrc, "/d"], "fsu put -r").wall,
            true,
          );
          const fout = join(c.dir, "fout");
          fs.rmSync(fout, { recursive: true, force: true });
          fs.mkdirSync(fout);
          rows.ours(
            `MSDOS ${k} get`,
            timedSpawn([...fsu.argv, "get", "-r", fimg, "/d", join(fout, "d")], "fsu get -r").wall,
            true,
          );
          const gotf = countTree(fout);
          check(
            gotf.files === want.files && gotf.bytes === want.bytes,
            `fsu get -r: ${gotf.files} files`,
          );
          fs.rmSync(fout, { recursive: true, force: true });
        } catch (e) {
          rows.na(`MSDOS ${k} put`, errText(e));
          rows.na(`MSDOS ${k} get`, errText(e));
        }
        fs.rmSync(fimg, { force: true });
      }
      if ("missing" in fsu) for (const id of ids) rows.na(id, fsu.missing);
    } finally {
      fs.rmSync(src, { recursive: true, force: true });
    }
  }
  c.notes.add(
    `msdos/mtools: each copy timed as a whole process (start included), both into an empty ${imgBytes / MiB} MiB FAT32 image of mkfs.fat and out of it; mtools with -m (times kept, as fsu keeps them)`,
  );
}

/* ------------------------------------------------------------------ */
/* cd9660                                                              */

/**
 * `fsu get -r` of an ISO 9660 image (xorriso -R -J of the fsu tree)
 * against xorriso extracting the same image, both whole processes.
 */
function cd9660Section(c: DiskCtx): void {
  const { z, rows, log } = c;
  rows.add(
    "CD9660",
    "CD9660 get -r",
    `fsu get -r of an ISO (${z.fsuFiles} files)`,
    "s",
    "xorriso -extract",
    { factor: 1 },
  );
  const xorriso = which("xorriso");
  const fsu = fsuCommand();
  if (xorriso === null) {
    rows.na("CD9660 get -r", "xorriso missing");
    return;
  }
  const tree = join(c.dir, "isotree");
  const image = join(c.dir, "fsu.iso");
  try {
    log(`CD9660: an ISO of a ${z.fsuBytes / MiB} MiB tree of ${z.fsuFiles} files, get -r`);
    makeTree(tree, z.fsuFiles, z.fsuBytes);
    const mk = spawnSync(xorriso, ["-as", "mkisofs", "-R", "-J", "-o", `stdio:${image}`, tree], {
      encoding: "utf8",
    });
    if (mk.status !== 0) throw new Error(`xorriso -as mkisofs exited ${mk.status}`);
    const want = countTree(tree);
    for (let r = 0; r < c.reps; r++) {
      const d1 = join(c.dir, "xextract");
      fs.rmSync(d1, { recursive: true, force: true });
      fs.mkdirSync(d1);
      rows.base(
        "CD9660 get -r",
        timedSpawn(
          [xorriso, "-osirrox", "on", "-indev", `stdio:${image}`, "-extract", "/", d1],
          "xorriso -extract",
        ).wall,
        true,
      );
      const got1 = countTree(d1);
      check(
        got1.files >= want.files && got1.bytes >= want.bytes,
        "xorriso -extract: tree incomplete",
      );
      fs.rmSync(d1, { recursive: true, force: true });
      if ("missing" in fsu) continue;
      try {
        rows.ours("CD9660 get -r", timedFsuGet(fsu, image, join(c.dir, "isoget"), want).wall, true);
      } catch (e) {
        rows.na("CD9660 get -r", errText(e));
      }
    }
    if ("missing" in fsu) rows.na("CD9660 get -r", fsu.missing);
    c.notes.add(
      "cd9660: fsu get -r and xorriso -osirrox on -extract of one xorriso -R -J image, each timed as a whole process",
    );
  } finally {
    fs.rmSync(tree, { recursive: true, force: true });
    fs.rmSync(image, { force: true });
  }
}

/* ------------------------------------------------------------------ */
/* the runner                                                          */

export async function runDisk(o: DiskRunOptions): Promise<DiskBenchResult> {
  const start = now();
  const only = new Set<DiskSectionId>(o.only ?? DISK_SECTION_IDS);
  const { dir, note } = scratch();
  const c: DiskCtx = {
    z: o.sizes,
    reps: o.reps,
    warmup: o.warmup ?? true,
    log: o.log ?? ((): void => {}),
    dir,
    rows: new Rows(),
    notes: new Set([note]),
  };
  // a section that fails (a kernel panic, a tool that breaks) leaves its
  // unmeasured rows "n/a" with the error, and the others still run
  const guard = async (sec: DiskSectionId, fn: () => void | Promise<void>): Promise<void> => {
    if (!only.has(sec)) return;
    const before = c.rows.rows.length;
    try {
      await fn();
    } catch (e) {
      const why = `the section failed: ${errText(e)}`;
      c.notes.add(`${sec}: ${why}`);
      for (const r of c.rows.rows.slice(before)) if (r.runs.length === 0) r.na ??= why;
      if (c.rows.rows.length === before) {
        c.rows.add(sec, sec, "the section", "s", "");
        c.rows.na(sec, why);
      }
    }
  };
  try {
    await guard("START", () => startSection(c));
    await guard("FFS", () => ffsSection(c));
    await guard("EXT2", () => ext2Section(c));
    await guard("EXT4", () => ext4Section(c));
    await guard("FSU", () => fsuSection(c));
    await guard("P2K", () => p2kSection(c));
    await guard("CD9660", () => cd9660Section(c));
    await guard("MSDOS", () => msdosSection(c));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  c.rows.finish();
  return { rows: c.rows.rows, notes: [...c.notes], seconds: (now() - start) / 1000 };
}
