/**
 * FAT test images made by the real tools: `mkfs.fat` formats, `mcopy -s`
 * (mtools) fills from a host tree, `fsck.fat -n` checks, and `mcopy`
 * copies a tree back out so tests can compare what mtools sees with what
 * the kernel sees. mtools runs with TZ=UTC (its times are local time, the
 * kernel's gmtoff is 0) and without its geometry check.
 */
import { execFileSync, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { e2pattern } from "./ext2fs_images.js";

export const MKFS_FAT = "/usr/sbin/mkfs.fat";
export const FSCK_FAT = "/usr/sbin/fsck.fat";
export const MCOPY = "/usr/bin/mcopy";
export const MDIR = "/usr/bin/mdir";

/** Why the dosfstools/mtools tests cannot run here, or null when they can. */
export function fatToolsMissing(): string | null {
  for (const [tool, pkg] of [
    [MKFS_FAT, "dosfstools"],
    [FSCK_FAT, "dosfstools"],
    [MCOPY, "mtools"],
  ] as const)
    if (!existsSync(tool)) return `${tool} is not installed (apt-get install ${pkg})`;
  return null;
}

/** Environment of every mtools run. */
export const MTOOLS_ENV = { ...process.env, TZ: "UTC", MTOOLS_SKIP_CHECK: "1", LC_ALL: "C.UTF-8" };

export interface FatSpec {
  fat: 12 | 16 | 32;
  /** bytes */
  size: number;
  /** bytes per sector (mkfs.fat -S) */
  sector?: number;
  /** sectors per cluster (mkfs.fat -s) */
  spc?: number;
  label?: string;
}

/** mkfs.fat an image file of spec.size bytes (a reproducible volume id). */
export function mkfsFat(image: string, spec: FatSpec): void {
  writeFileSync(image, new Uint8Array(0));
  execFileSync("truncate", ["-s", String(spec.size), image]);
  const args = ["-F", String(spec.fat), "-i", "12345678"];
  if (spec.sector !== undefined) args.push("-S", String(spec.sector));
  if (spec.spc !== undefined) args.push("-s", String(spec.spc));
  if (spec.label !== undefined) args.push("-n", spec.label);
  args.push(image);
  execFileSync(MKFS_FAT, args, { stdio: "pipe" });
}

/** `mcopy -s -m` every entry of host directory `src` into the image's root. */
export function mcopyIn(image: string, src: string, dest = "::/"): void {
  const names = readdirSync(src).map((n) => join(src, n));
  if (names.length === 0) return;
  execFileSync(MCOPY, ["-s", "-m", "-Q", "-i", image, ...names, dest], {
    env: MTOOLS_ENV,
    stdio: "pipe",
  });
}

/** `mcopy -s` the image's whole tree out into host directory `dest` (created). */
export function mcopyOut(image: string, dest: string): void {
  mkdirSync(dest, { recursive: true });
  const r = spawnSync(MCOPY, ["-s", "-m", "-n", "-Q", "-i", image, "::/*", dest], {
    env: MTOOLS_ENV,
    encoding: "utf8",
  });
  // an empty root: mcopy says there is nothing to copy
  if (r.status !== 0 && !/not found|No match/i.test(r.stderr))
    throw new Error(`mcopy out failed: ${r.stderr}`);
}

/** `fsck.fat -n`: status 0 and its output when the volume is clean. */
export function fsckFat(image: string): { status: number; output: string } {
  const r = spawnSync(FSCK_FAT, ["-n", image], { encoding: "utf8" });
  return { status: r.status ?? -1, output: (r.stdout ?? "") + (r.stderr ?? "") };
}

/** A host tree as { path: "d" | size:sha-ish } for comparisons (files by content). */
export function hostTree(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string, rel: string): void => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const r = `${rel}/${name}`;
      const st = statSync(p);
      if (st.isDirectory()) {
        out[r] = "dir";
        walk(p, r);
      } else out[r] = `file ${st.size} ${digest(readFileSync(p))}`;
    }
  };
  walk(root, "");
  return out;
}

/** A short digest of bytes (FNV-1a, 32 bits, and the length). */
export function digest(b: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) {
    h ^= b[i]!;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16);
}

/**
 * The tree every mtools image starts from: long and short names (8.3 in
 * upper, lower and mixed case, names that need "~N" aliases, one that
 * differs from another only past its eighth character, non-ASCII), a deep
 * tree, empty files, sizes around cluster edges, a directory with more
 * entries than one cluster holds.
 */
export function buildFatTree(root: string, mtime = 1_600_000_000): void {
  const files: [string, number][] = [
    ["README.TXT", 100],
    ["readme2.txt", 0],
    ["Mixed.Case.Name.txt", 5000],
    ["a very long file name with spaces.document", 4096],
    ["a very long file name with spaces.documentation", 4097],
    ["empty", 0],
    ["UPPER.BIN", 512],
    ["lower.c", 511],
    ["12345678.123", 513],
    ["123456789.txt", 2048],
    ["Ünïcödé ∂ file.txt", 77],
    ["日本語のファイル名.txt", 300],
    // (not beyond the BMP: mtools cuts such code points to 16 bits)
    ["ελληνικά όνομα", 12],
    ["big.bin", 300_000],
    ["d1/d2/d3/d4/d5/d6/deep file.txt", 1234],
    ["d1/x", 1],
    ["d1/d2/empty dir/.keep", 0],
    ["many/placeholder", 0],
  ];
  for (let i = 0; i < 120; i++) files.push([`many/file number ${i}.dat`, (i * 37) % 700]);
  for (const [rel, size] of files) {
    const p = join(root, rel);
    mkdirSync(join(p, ".."), { recursive: true });
    writeFileSync(p, e2pattern(size, size + rel.length));
    utimesSync(p, mtime, mtime);
  }
  mkdirSync(join(root, "empty dir"), { recursive: true });
}
