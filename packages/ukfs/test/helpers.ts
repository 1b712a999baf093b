/**
 * Test images: FFS made by makefs from a small host tree, and hand-made
 * disklabels, MBRs and file-system headers.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RumpError } from "@rump/syscalls";

export const MAKEFS = "/usr/sbin/makefs";

/** Why makefs tests cannot run, or null. */
export function makefsMissing(): string | null {
  return existsSync(MAKEFS) ? null : `${MAKEFS} is not installed (apt-get install makefs)`;
}

/** The tree every FFS image holds. */
export function buildTree(root: string): void {
  mkdirSync(join(root, "docs/deep"), { recursive: true });
  writeFileSync(join(root, "hello.txt"), "hello from ffs\n");
  writeFileSync(join(root, "docs/a.md"), "# a\n");
  writeFileSync(join(root, "docs/deep/b.bin"), Buffer.alloc(70_000, 0x5a));
  symlinkSync("docs/a.md", join(root, "link"));
}

/** makefs -t ffs; returns the image bytes too. */
export function makeFfs(
  image: string,
  tree: string,
  version: 1 | 2,
  endian: "le" | "be" = "le",
): Uint8Array {
  execFileSync(MAKEFS, [
    "-t",
    "ffs",
    "-B",
    endian,
    "-o",
    `version=${version},bsize=8192,fsize=1024`,
    "-s",
    "2m",
    image,
    tree,
  ]);
  return new Uint8Array(readFileSync(image));
}

export const DISKMAGIC = 0x82564557;

/**
 * A NetBSD disklabel at byte `at` of `img`: partitions as [offset, size] in
 * sectors, fstype 7 (4.2BSD).
 */
export function writeDisklabel(
  img: Uint8Array,
  at: number,
  parts: [number, number][],
  le = true,
): void {
  const dv = new DataView(img.buffer, img.byteOffset);
  img.fill(0, at, at + 148 + parts.length * 16);
  dv.setUint32(at, DISKMAGIC, le);
  dv.setUint32(at + 40, 512, le); // d_secsize
  dv.setUint32(at + 60, img.length / 512, le); // d_secperunit
  dv.setUint32(at + 132, DISKMAGIC, le);
  dv.setUint16(at + 138, parts.length, le);
  parts.forEach(([off, size], i) => {
    const o = at + 148 + i * 16;
    dv.setUint32(o, size, le);
    dv.setUint32(o + 4, off, le);
    img[o + 12] = 7;
  });
  let sum = 0;
  for (let o = at; o < at + 148 + parts.length * 16; o += 2) sum ^= dv.getUint16(o, true);
  dv.setUint16(at + 136, sum, true); // XOR makes the total 0 in either byte order
}

/** An MBR with the given primary partitions ([type, start, nsect] in sectors). */
export function writeMbr(img: Uint8Array, parts: [number, number, number][]): void {
  const dv = new DataView(img.buffer, img.byteOffset);
  parts.forEach(([type, start, nsect], i) => {
    const o = 446 + 16 * i;
    img[o] = 0;
    img[o + 4] = type;
    dv.setUint32(o + 8, start, true);
    dv.setUint32(o + 12, nsect, true);
  });
  img[510] = 0x55;
  img[511] = 0xaa;
}

/** The NetBSD errno `fn` fails with. */
export function errnoOf(fn: () => unknown): number {
  try {
    fn();
  } catch (e) {
    if (e instanceof RumpError) return e.errno;
    throw e;
  }
  throw new Error("did not fail");
}
