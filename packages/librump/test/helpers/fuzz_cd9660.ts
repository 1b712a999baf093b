/**
 * ISO 9660 images for the cd9660 fuzzer and a map of their metadata.
 *
 * The images are made by the real tools from the fuzzers' host tree (with
 * a chain of directories deeper than eight levels added): xorriso with
 * Rock Ridge and Joliet, xorriso relocating the deep directories, makefs
 * with Rock Ridge, and a Joliet-only one. The map names what a mutation
 * can aim at: the volume descriptors (their numbers, the root record), the
 * path tables, directory blocks, every record's system use area and name,
 * and the Rock Ridge continuation areas; `blockAddrs` are blocks worth
 * planting in an extent or a CE (directories, continuation areas, the last
 * block, just past the end).
 */
/// <reference types="node" />
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BS, isoDir, makefsIso, mkisofs, u32le, xorriso, type IsoRec } from "./cd9660_images.js";
import { buildHostTree, nonZeroPages, type ImageMap, type Region } from "./fuzz_images.js";

/** The images every cd9660 fuzz run uses. */
export const CD9660_VARIANTS = [
  "xorriso-rr-joliet",
  "xorriso-relocated",
  "makefs-rr",
  "joliet-only",
];

/** Make the base images in `dir`; returns their bytes. */
export function buildCd9660Images(dir: string): { name: string; bytes: Uint8Array }[] {
  const tree = join(dir, "tree");
  buildHostTree(tree, false);
  let deep = tree;
  for (let i = 0; i < 10; i++) {
    deep = join(deep, `level${i}`);
    mkdirSync(deep);
    writeFileSync(join(deep, "f"), `depth ${i}\n`);
  }
  const out: { name: string; bytes: Uint8Array }[] = [];
  const make = (name: string, fn: (img: string) => void): void => {
    const img = join(dir, `${name}.iso`);
    fn(img);
    out.push({ name, bytes: new Uint8Array(readFileSync(img)) });
  };
  make("xorriso-rr-joliet", (img) => mkisofs(img, tree, ["-R", "-J"]));
  make("xorriso-relocated", (img) =>
    xorriso([
      "-outdev",
      img,
      "-compliance",
      "deep_paths_off",
      "-rr_reloc_dir",
      "RR_MOVED",
      "-map",
      tree,
      "/",
      "-commit",
    ]),
  );
  make("makefs-rr", (img) => makefsIso(img, tree, "rockridge"));
  make("joliet-only", (img) => mkisofs(img, tree, ["-J", "--norock"]));
  return out;
}

/** Map an image's metadata: descriptors, path tables, directories, records, continuation areas. */
export function mapCd9660(name: string, img: Uint8Array): ImageMap {
  const regions: Region[] = [];
  const nblocks = Math.floor(img.length / BS);
  const addrs = new Set<number>([0, 16, 17, nblocks - 1, nblocks, nblocks + 1, 0xffffffff]);
  const seen = new Set<number>();
  const walkDir = (extent: number, size: number, depth: number): void => {
    if (seen.has(extent) || depth > 20 || extent >= nblocks) return;
    seen.add(extent);
    addrs.add(extent);
    for (let b = 0; b * BS < size && extent + b < nblocks; b++)
      regions.push({ kind: "dir", off: (extent + b) * BS, len: BS });
    let recs: IsoRec[];
    try {
      recs = isoDir(img, extent, Math.min(size, (nblocks - extent) * BS));
    } catch {
      return;
    }
    for (const r of recs) {
      regions.push({ kind: "record", off: r.off, len: 33 });
      const nl = img[r.off + 32]!;
      if (nl > 1) regions.push({ kind: "name", off: r.off + 33, len: nl });
      if (r.suend > r.suoff) {
        regions.push({ kind: "su", off: r.suoff, len: r.suend - r.suoff });
        mapSusp(img, r.suoff, r.suend, regions, addrs, 0);
      }
      if (r.flags & 2 && nl === 1 && img[r.off + 33]! <= 1) continue; // "." and ".."
      if (r.flags & 2) walkDir(r.extent, r.size, depth + 1);
      else addrs.add(r.extent);
    }
  };
  for (let b = 16; b < 40 && (b + 1) * BS <= img.length; b++) {
    const off = b * BS;
    if (img[off + 1] !== 0x43) break;
    const type = img[off]!;
    regions.push({ kind: "vd", off, len: 190 });
    if (type === 255) break;
    if (type !== 1 && type !== 2) continue;
    regions.push({ kind: "vd-root", off: off + 156, len: 34 });
    const ptsize = u32le(img, off + 132);
    for (const at of [140, 148]) {
      const loc =
        at === 140
          ? u32le(img, off + at)
          : (img[off + at]! << 24) |
            (img[off + at + 1]! << 16) |
            (img[off + at + 2]! << 8) |
            img[off + at + 3]!;
      if (loc > 0 && loc < nblocks)
        regions.push({ kind: "ptable", off: loc * BS, len: Math.min(ptsize, BS) });
    }
    walkDir(u32le(img, off + 158), u32le(img, off + 166), 0);
  }
  return {
    name,
    type: "cd9660",
    image: img,
    le: true,
    regions,
    blockAddrs: [...addrs],
    ptrSize: 4,
    pages: nonZeroPages(img),
  };
}

/** Continuation areas (CE) of a system use area, mapped too (bounded: no loops in base images). */
function mapSusp(
  img: Uint8Array,
  from: number,
  to: number,
  regions: Region[],
  addrs: Set<number>,
  depth: number,
): void {
  for (let p = from; p + 4 <= to;) {
    const len = img[p + 2]!;
    if (len < 4 || p + len > to) break;
    if (img[p] === 0x43 && img[p + 1] === 0x45 && len >= 28 && depth < 4) {
      const blk = u32le(img, p + 4);
      const off = u32le(img, p + 12);
      const n = u32le(img, p + 20);
      if (blk * BS + off + n <= img.length && off + n <= BS) {
        regions.push({ kind: "ce", off: blk * BS + off, len: n });
        addrs.add(blk);
        mapSusp(img, blk * BS + off, blk * BS + off + n, regions, addrs, depth + 1);
      }
    }
    p += len;
  }
}
