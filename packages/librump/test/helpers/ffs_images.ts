/**
 * FFS test images made by the real tool: a host source tree with the
 * interesting shapes (sizes around block and fragment edges, long names,
 * short and long symlinks, hard links, modes, owners, mtimes) and
 * `makefs -t ffs` runs over it. The expected contents come from the host
 * tree itself.
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
import { pattern } from "./pattern.js";

export const MAKEFS = "/usr/sbin/makefs";

/** Why makefs-based tests cannot run here, or null when they can. */
export function makefsMissing(): string | null {
  if (!existsSync(MAKEFS)) return `${MAKEFS} is not installed (apt-get install makefs)`;
  return null;
}

/** Deterministic file contents: the shared pattern (pattern.ts). */
export { pattern };

export interface ExpectedFile {
  path: string;
  type: "file" | "dir" | "link";
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  size: number;
  data?: Uint8Array;
  target?: string;
  /** paths that are hard links of one another share this */
  linkGroup?: string;
}

export const LONG_NAME = "L".repeat(250) + "-name"; // 255 bytes
export const LONG_TARGET = "a-long-symlink-target/".repeat(9) + "end"; // 201 bytes
export const BIG_SIZE = 17 * 1024 * 1024 + 12345; // double indirect at 8K blocks (UFS1 and UFS2)

/**
 * Build the source tree under `root`; `big` adds the file that needs
 * double-indirect blocks. Returns what every path must read back as.
 */
export function buildTree(root: string, big: boolean): ExpectedFile[] {
  const out: ExpectedFile[] = [];
  mkdirSync(root, { recursive: true });
  let t = 1_600_000_000;
  const file = (p: string, n: number, mode: number, uid = 0, gid = 0): void => {
    const data = pattern(n, n + p.length);
    const full = join(root, p);
    writeFileSync(full, data);
    chownSync(full, uid, gid); // before chmod: chown clears set-id bits
    chmodSync(full, mode);
    const mtime = t++;
    utimesSync(full, mtime, mtime);
    out.push({ path: p, type: "file", mode, uid, gid, mtime, size: n, data });
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
  for (const n of [0, 1, 511, 512, 4095, 4096, 65537]) file(`f${n}`, n, 0o644, n, n + 1);
  file("setuid", 100, 0o4755, 1000, 100);
  file("private", 3000, 0o600, 42, 43);
  file(LONG_NAME, 700, 0o640);
  if (big) file("big", BIG_SIZE, 0o644);
  dir("d", 0o755);
  dir("d/sub", 0o750, 7, 8);
  file("d/sub/deep", 20000, 0o444, 7, 8);
  dir("sticky", 0o1777);
  // a directory with many entries: several directory blocks
  dir("many", 0o755);
  for (let i = 0; i < 300; i++) file(`many/entry-with-a-longish-name-${i}`, i, 0o644);
  link("short-link", "f4096");
  link("long-link", LONG_TARGET);
  // hard links
  linkSync(join(root, "f4096"), join(root, "hard-link"));
  linkSync(join(root, "f4096"), join(root, "d/hard-link-2"));
  const f = out.find((e) => e.path === "f4096")!;
  f.linkGroup = "f4096";
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

export interface ImageSpec {
  version: 1 | 2;
  bsize: number;
  fsize: number;
  endian: "le" | "be";
  big: boolean;
  /** image size for makefs -s (e.g. "40m"); default: fit the tree */
  size?: string;
}

/** Run makefs over `src` into `image`. */
export function makefs(image: string, src: string, s: ImageSpec): void {
  execFileSync(
    MAKEFS,
    [
      "-t",
      "ffs",
      "-B",
      s.endian,
      "-M",
      "4m",
      "-b",
      "10%",
      "-f",
      "64",
      ...(s.size !== undefined ? ["-s", s.size] : []),
      "-o",
      `version=${s.version},bsize=${s.bsize},fsize=${s.fsize},density=4096`,
      image,
      src,
    ],
    { stdio: "pipe" },
  );
}
