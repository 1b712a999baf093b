/**
 * FAT images for the fuzzer and a map of their metadata. The base images
 * are made by mkfs.fat and filled by mcopy (FAT12, FAT16 with 4 KiB
 * sectors, FAT32) from a host tree with long and short names, nested
 * directories, a directory of many entries, empty and multi-cluster files.
 *
 * The map names what a mutation aims at: the boot sector's BPB ("bpb"),
 * FSInfo ("fsinfo"), the FAT entries in use ("fat", one region per FAT
 * sector holding some, in every copy), directory clusters ("dir"), single
 * 8.3 entries ("dirent") and long-name entries ("lfn"). `blockAddrs` are
 * cluster numbers worth planting in a FAT entry or a start cluster: the
 * first and last clusters, just past the end, the clusters of directories
 * (loops and cross-links), and the reserved, bad and end-of-chain values.
 */
/// <reference types="node" />
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FatGeom, msdosfs_bpb_validate } from "../../src/fs/msdosfs/bpb.js";
import type { ImageMap, Region } from "./fuzz_images.js";
import { fuzzPattern, nonZeroPages } from "./fuzz_images.js";

const MKFS_FAT = "/usr/sbin/mkfs.fat";
const MCOPY = "/usr/bin/mcopy";

/** Why the FAT images cannot be made here, or null. */
export function fatMissing(): string | null {
  if (!existsSync(MKFS_FAT)) return `${MKFS_FAT} is not installed (apt-get install dosfstools)`;
  if (!existsSync(MCOPY)) return `${MCOPY} is not installed (apt-get install mtools)`;
  return null;
}

/** The variants: FAT12, FAT16 on 4 KiB sectors, FAT32 (the smallest mtools takes). */
export const FAT_VARIANTS: { name: string; size: number; args: string[] }[] = [
  { name: "fat12", size: 1 << 20, args: ["-F", "12", "-s", "1"] },
  { name: "fat16-4k", size: 24 << 20, args: ["-F", "16", "-S", "4096", "-s", "1"] },
  { name: "fat32", size: 33 << 20, args: ["-F", "32", "-s", "1"] },
];

function buildFatTree(tree: string): void {
  mkdirSync(join(tree, "Dir With Long Name/sub/deeper"), { recursive: true });
  mkdirSync(join(tree, "EMPTY"));
  for (const n of [0, 1, 600, 5000, 70_000]) writeFileSync(join(tree, `f${n}`), fuzzPattern(n, n));
  writeFileSync(join(tree, "A Long File Name With Spaces.text"), fuzzPattern(3000, 3));
  writeFileSync(join(tree, "ünïcödé.bin"), fuzzPattern(100, 4));
  for (let i = 0; i < 30; i++)
    writeFileSync(
      join(tree, `Dir With Long Name/entry with a longer name ${i}`),
      fuzzPattern(i * 37, i),
    );
  writeFileSync(join(tree, "Dir With Long Name/sub/deeper/file.txt"), fuzzPattern(3000, 9));
}

/** Make the FAT base images in `dir`; returns their bytes. */
export function buildFatImages(dir: string): { name: string; bytes: Uint8Array }[] {
  const tree = join(dir, "fattree");
  buildFatTree(tree);
  const env = { ...process.env, TZ: "UTC", MTOOLS_SKIP_CHECK: "1", LC_ALL: "C.UTF-8" };
  return FAT_VARIANTS.map((v) => {
    const img = join(dir, `${v.name}.img`);
    writeFileSync(img, new Uint8Array(0));
    execFileSync("truncate", ["-s", String(v.size), img]);
    execFileSync(MKFS_FAT, [...v.args, "-i", "1234abcd", img], { stdio: "pipe" });
    execFileSync(MCOPY, ["-s", "-Q", "-i", img, tree, "::/x"], {
      stdio: "pipe",
      env,
    });
    return { name: v.name, bytes: new Uint8Array(readFileSync(img)) };
  });
}

/** Map a FAT image's metadata (see the file comment). */
export function mapFat(name: string, img: Uint8Array): ImageMap {
  const g = new FatGeom();
  const why = msdosfs_bpb_validate(img.subarray(0, 512), img.length, g);
  if (why !== null) throw new Error(`${name}: ${why}`);
  const dv = new DataView(img.buffer, img.byteOffset, img.byteLength);
  const bps = g.bps;
  const bpc = g.bpcluster;
  const regions: Region[] = [{ kind: "bpb", off: 0, len: g.fatbits === 32 ? 90 : 62 }];
  if (g.fsinfo !== 0) regions.push({ kind: "fsinfo", off: g.fsinfo * bps + 484, len: 16 });
  const fatoff = (cn: number): number =>
    g.fatbits === 12 ? cn + (cn >> 1) : g.fatbits === 16 ? cn * 2 : cn * 4;
  const get = (cn: number): number => {
    const o = g.rsvd * bps + fatoff(cn);
    if (g.fatbits === 12) {
      const v = dv.getUint16(o, true);
      return cn & 1 ? v >> 4 : v & 0xfff;
    }
    return g.fatbits === 16 ? dv.getUint16(o, true) : dv.getUint32(o, true) & 0x0fffffff;
  };
  const eof = g.fatbits === 12 ? 0xff8 : g.fatbits === 16 ? 0xfff8 : 0x0ffffff8;
  const clusterOff = (cn: number): number => (g.firstdata + (cn - 2) * g.spc) * bps;
  const chain = (start: number): number[] => {
    const out: number[] = [];
    let cn = start;
    while (cn >= 2 && cn <= g.maxcluster && out.length <= g.nclusters) {
      out.push(cn);
      cn = get(cn);
      if (cn >= eof) break;
    }
    return out;
  };
  const addrs = new Set<number>([
    0,
    1,
    2,
    3,
    g.maxcluster,
    g.maxcluster + 1,
    eof - 1,
    eof,
    eof + 7,
  ]);
  const fatSectors = new Set<number>();
  const useChain = (cs: number[]): void => {
    for (const cn of cs) fatSectors.add(Math.floor(fatoff(cn) / bps));
  };
  const dirEntries = (off: number, len: number): number[] => {
    const subdirs: number[] = [];
    for (let o = off; o + 32 <= off + len; o += 32) {
      const c0 = img[o]!;
      if (c0 === 0) break;
      if (c0 === 0xe5) continue;
      const attr = img[o + 11]!;
      if (attr === 0x0f) {
        regions.push({ kind: "lfn", off: o, len: 32 });
        continue;
      }
      regions.push({ kind: "dirent", off: o, len: 32 });
      const cn =
        dv.getUint16(o + 26, true) + (g.fatbits === 32 ? dv.getUint16(o + 20, true) * 65536 : 0);
      if (cn >= 2 && cn <= g.maxcluster) {
        useChain(chain(cn));
        if (attr & 0x10 && c0 !== 0x2e) subdirs.push(cn);
      }
    }
    return subdirs;
  };
  const seen = new Set<number>();
  const walk = (start: number): void => {
    if (seen.has(start)) return;
    seen.add(start);
    addrs.add(start);
    const cs = chain(start);
    useChain(cs);
    const subdirs: number[] = [];
    for (const cn of cs) {
      regions.push({ kind: "dir", off: clusterOff(cn), len: bpc });
      subdirs.push(...dirEntries(clusterOff(cn), bpc));
    }
    for (const s of subdirs) walk(s);
  };
  if (g.fatbits === 32) walk(g.rootclust);
  else {
    const off = g.rootdirblk * bps;
    const len = g.rootdirsecs * bps;
    regions.push({ kind: "dir", off, len: Math.min(len, 4096) });
    for (const s of dirEntries(off, len)) walk(s);
  }
  fatSectors.add(0); // entries 0 and 1: the media byte and the clean bits
  for (let k = 0; k < g.nfats; k++)
    for (const s of fatSectors)
      regions.push({ kind: "fat", off: (g.rsvd + k * g.fatsecs + s) * bps, len: bps });
  return {
    name,
    type: "msdos",
    image: img,
    le: true,
    regions,
    blockAddrs: [...addrs],
    ptrSize: g.fatbits === 12 ? 2 : g.fatbits / 8,
    pages: nonZeroPages(img),
  };
}
