/**
 * ext2 test images made by the real tool: a host source tree with the
 * interesting shapes (sizes around block edges, a file needing double
 * indirect blocks at 1 KiB blocks, a sparse file, long names, fast and slow
 * symlinks, hard links, modes, owners with high 16 bits, mtimes) and
 * `mke2fs -d` over it. The expected contents come from the host tree.
 */
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  linkSync,
  lutimesSync,
  mkdirSync,
  openSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { pattern as e2pattern } from "./pattern.js";

export const MKE2FS = "/usr/sbin/mke2fs";
export const E2FSCK = "/usr/sbin/e2fsck";
export const DEBUGFS = "/usr/sbin/debugfs";

/** Why mke2fs-based tests cannot run here, or null when they can. */
export function mke2fsMissing(): string | null {
  if (!existsSync(MKE2FS)) return `${MKE2FS} is not installed (apt-get install e2fsprogs)`;
  if (typeof process.getuid === "function" && process.getuid() !== 0)
    return "not root: the source tree needs chown";
  return null;
}

/** Deterministic file contents: the shared pattern (pattern.ts). */
export { e2pattern };

export interface E2Expected {
  path: string;
  type: "file" | "dir" | "link";
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  size: number;
  data?: Uint8Array;
  target?: string;
  nlink?: number;
}

export const E2_LONG_NAME = "N".repeat(250) + "-name"; // 255 bytes
export const E2_SLOW_TARGET = "a-long-symlink-target/".repeat(9) + "end"; // 201 bytes
/** Needs double-indirect blocks at 1 KiB blocks (12 + 256 blocks are single). */
export const E2_BIG_SIZE = 3 * 1024 * 1024 + 12345;
/** A sparse file: data at the start, in the middle and at the end. */
export const E2_SPARSE_SIZE = 2 * 1024 * 1024 + 77;

/** Build the source tree under `root`. Returns what every path must read back as. */
export function buildE2Tree(root: string): E2Expected[] {
  const out: E2Expected[] = [];
  mkdirSync(root, { recursive: true });
  let t = 1_600_000_000;
  const file = (p: string, n: number, mode: number, uid = 0, gid = 0): E2Expected => {
    const data = e2pattern(n, n + p.length);
    const full = join(root, p);
    writeFileSync(full, data);
    chownSync(full, uid, gid);
    chmodSync(full, mode);
    const mtime = t++;
    utimesSync(full, mtime, mtime);
    const e: E2Expected = { path: p, type: "file", mode, uid, gid, mtime, size: n, data };
    out.push(e);
    return e;
  };
  const dir = (p: string, mode: number, uid = 0, gid = 0): void => {
    mkdirSync(join(root, p), { recursive: true });
    out.push({ path: p, type: "dir", mode, uid, gid, mtime: 0, size: 0 });
  };
  const link = (p: string, target: string): void => {
    symlinkSync(target, join(root, p));
    const mtime = t++;
    lutimesSync(join(root, p), mtime, mtime);
    out.push({
      path: p,
      type: "link",
      mode: 0o777,
      uid: 0,
      gid: 0,
      mtime,
      size: target.length,
      target,
    });
  };
  for (const n of [0, 1, 511, 512, 1023, 1024, 4095, 4096, 65537])
    file(`f${n}`, n, 0o644, n, n + 1);
  file("setuid", 100, 0o4755, 1000, 100);
  file("private", 3000, 0o600, 42, 43);
  file("highids", 10, 0o640, 100000, 70000); // uid/gid high 16 bits in osd2
  file(E2_LONG_NAME, 700, 0o640);
  file("big", E2_BIG_SIZE, 0o644);
  // sparse: three islands of data with holes between
  {
    const p = "sparse";
    const full = join(root, p);
    const data = new Uint8Array(E2_SPARSE_SIZE);
    const fd = openSync(full, "w");
    for (const at of [0, 1024 * 1024 + 5, E2_SPARSE_SIZE - 3000]) {
      const chunk = e2pattern(3000, at + 1);
      data.set(chunk, at);
      writeSync(fd, chunk, 0, chunk.length, at);
    }
    closeSync(fd);
    chmodSync(full, 0o644);
    const mtime = t++;
    utimesSync(full, mtime, mtime);
    out.push({
      path: p,
      type: "file",
      mode: 0o644,
      uid: 0,
      gid: 0,
      mtime,
      size: data.length,
      data,
    });
  }
  dir("d", 0o755);
  dir("d/sub", 0o750, 7, 8);
  file("d/sub/deep", 20000, 0o444, 7, 8);
  dir("sticky", 0o1777);
  dir("many", 0o755);
  for (let i = 0; i < 400; i++) file(`many/entry-with-a-longish-name-${i}`, i, 0o644);
  link("fast-link", "f4096");
  link("slow-link", E2_SLOW_TARGET);
  execFileSync("mkfifo", ["-m", "0620", join(root, "fifo")]);
  linkSync(join(root, "f4096"), join(root, "hard-link"));
  linkSync(join(root, "f4096"), join(root, "d/hard-link-2"));
  const f = out.find((e) => e.path === "f4096")!;
  f.nlink = 3;
  out.push({ ...f, path: "hard-link" });
  out.push({ ...f, path: "d/hard-link-2" });
  // directory times last (adding entries changed them)
  for (const e of out) {
    if (e.type !== "dir") continue;
    e.mtime = t++;
    const full = join(root, e.path);
    chownSync(full, e.uid, e.gid);
    chmodSync(full, e.mode);
    utimesSync(full, e.mtime, e.mtime);
  }
  return out;
}

/** A large_file beyond 4 GiB (i_size_high) whose end needs triple indirect blocks at 4 KiB. */
export const E2_HUGE_SIZE = 5 * 1024 * 1024 * 1024 + 123;
export const E2_HUGE_ISLANDS = [0, 3 * 1024 * 1024 * 1024 + 17, E2_HUGE_SIZE - 5000];

/** A tree of one sparse file of E2_HUGE_SIZE bytes with data at E2_HUGE_ISLANDS. */
export function buildHugeTree(root: string): Map<number, Uint8Array> {
  mkdirSync(root, { recursive: true });
  const fd = openSync(join(root, "huge"), "w");
  const islands = new Map<number, Uint8Array>();
  for (const at of E2_HUGE_ISLANDS) {
    const chunk = e2pattern(5000, at % 1000003);
    islands.set(at, chunk);
    writeSync(fd, chunk, 0, chunk.length, at);
  }
  closeSync(fd);
  return islands;
}

export interface E2Spec {
  /** revision 0 or 1 */
  rev: 0 | 1;
  bsize: 1024 | 2048 | 4096;
  /** extra mke2fs arguments */
  extra?: string[];
}

/** Run mke2fs over `src` into a fresh `image` of `size` (16 MiB by default). */
export function mke2fs(image: string, src: string, s: E2Spec, size = "16M"): void {
  execFileSync(
    MKE2FS,
    [
      "-q",
      "-F",
      "-t",
      "ext2",
      "-r",
      String(s.rev),
      "-b",
      String(s.bsize),
      "-E",
      "root_owner=0:0",
      ...(s.extra ?? []),
      "-d",
      src,
      image,
      size,
    ],
    { stdio: "pipe" },
  );
}

/** `e2fsck -fn image`: its exit status (0 = clean) and what it printed. */
export function e2fsck(image: string): { status: number; output: string } {
  try {
    const out = execFileSync(E2FSCK, ["-fn", image], { stdio: "pipe", encoding: "utf8" });
    return { status: 0, output: out };
  } catch (e) {
    const x = e as { status?: number; stdout?: string; stderr?: string };
    return { status: x.status ?? -1, output: `${x.stdout ?? ""}${x.stderr ?? ""}` };
  }
}
