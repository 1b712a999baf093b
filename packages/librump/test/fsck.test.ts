/**
 * fsck_ffs (ufs/ffs/ffs_fsck.ts): images made by makefs and by our newfs
 * check clean; images damaged on purpose report the matching problem; a
 * seeded fuzzer never makes it throw or run away.
 */
/// <reference types="node" />
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memBlockDev } from "../src/dev/blockdev.js";
import { fsck_ffs } from "../src/ufs/ffs/ffs_fsck.js";
import { newfs_ffs } from "../src/ufs/ffs/ffs_newfs.js";
import { cg_parse, cg_serialize } from "../src/ufs/ffs/ffs_cg.js";
import { ufs_dv, ufs_rd64, ufs_wr64 } from "../src/ufs/ufs/ufs_bswap.js";
import { FfsImage, haveMakefs, makefs, makeTree } from "./helpers/ffs_image.js";

const HAVE = haveMakefs();
const dir = mkdtempSync(join(tmpdir(), "rump-fsck-"));
const tree = join(dir, "tree");
const images = new Map<string, Uint8Array>();

beforeAll(() => {
  if (!HAVE) return;
  makeTree(tree, 2_300_000); // big: double indirect with 4K UFS2 blocks
  for (const [name, opts, extra] of [
    ["ufs1-le-4k", "version=1,bsize=4096,fsize=512", ["-s", "4m"]],
    ["ufs2-le-8k", "version=2,bsize=8192,fsize=1024", ["-s", "4m"]],
    ["ufs1-be-16k", "version=1,bsize=16384,fsize=2048", ["-B", "be", "-s", "6m"]],
    ["ufs2-be-32k", "version=2,bsize=32768,fsize=4096", ["-B", "be", "-s", "8m"]],
    ["ufs2-le-4k-multicg", "version=2,bsize=4096,fsize=512", ["-s", "40m"]],
  ] as [string, string, string[]][])
    images.set(name, makefs(join(dir, `${name}.img`), tree, opts, extra));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fresh copy of a makefs image, opened for surgery. */
function copy(name: string): FfsImage {
  return new FfsImage(images.get(name)!.slice());
}
function check(fi: FfsImage): string[] {
  return fsck_ffs(memBlockDev(fi.img)).problems;
}
const skipNote = HAVE ? "" : " (skipped: makefs not installed)";

describe.skipIf(!HAVE)(`makefs images${skipNote}`, () => {
  it.each(["ufs1-le-4k", "ufs2-le-8k", "ufs1-be-16k", "ufs2-be-32k", "ufs2-le-4k-multicg"])(
    "%s checks clean",
    (name) => {
      const r = fsck_ffs(memBlockDev(images.get(name)!));
      expect(r.problems).toEqual([]);
      expect(r.clean).toBe(true);
    },
  );
});

describe.skipIf(!HAVE)(`damage is reported${skipNote}`, () => {
  it.each(["ufs1-le-4k", "ufs2-be-32k"])(
    "%s: a used fragment marked free in the bitmap",
    (name) => {
      const fi = copy(name);
      const fs = fi.fs;
      const frag = fi.inode(fi.lookup("f4096")).di_db[0]!;
      const cg = cg_parse(fi.img.subarray(fi.cgOff(0)), fs.le);
      const byte = fi.cgOff(0) + cg.cg_freeoff + (frag >> 3);
      fi.img[byte] = fi.img[byte]! | (1 << (frag & 7));
      const p = check(fi);
      expect(p).toContain(`cg 0: fragment ${frag} in use but marked free in the block map`);
    },
  );

  it("a free fragment marked in use, and a cg count that is off", () => {
    const fi = copy("ufs2-le-8k");
    const fs = fi.fs;
    const cgb = fi.img.subarray(fi.cgOff(0));
    const cg = cg_parse(cgb, fs.le);
    const last = cg.cg_ndblk - 1;
    cgb[cg.cg_freeoff + (last >> 3)] = cgb[cg.cg_freeoff + (last >> 3)]! & ~(1 << (last & 7));
    const p = check(fi);
    expect(p).toContain(`cg 0: fragment ${last} free but marked in use in the block map`);
    const fi2 = copy("ufs2-le-8k");
    const cgb2 = fi2.img.subarray(fi2.cgOff(0));
    const cg2 = cg_parse(cgb2, fs.le);
    cg2.cs_nbfree += 1;
    cg2.cs_nifree -= 3;
    cg_serialize(cg2, cgb2, fs.le);
    const p2 = check(fi2);
    expect(p2).toContain(`cg 0: nbfree ${cg2.cs_nbfree}, counted ${cg2.cs_nbfree - 1}`);
    expect(p2).toContain(`cg 0: nifree ${cg2.cs_nifree}, counted ${cg2.cs_nifree + 3}`);
    expect(p2.some((x) => x.startsWith("summary area, cg 0: nbfree"))).toBe(true);
  });

  it("a wrong link count", () => {
    const fi = copy("ufs1-le-4k");
    const ino = fi.lookup("f1");
    const d = fi.inode(ino);
    expect(d.di_nlink).toBe(2); // f1 and hardlink
    d.di_nlink = 3;
    fi.writeInode(ino, d);
    expect(check(fi)).toEqual([`inode ${ino}: link count 3, should be 2`]);
  });

  it("an allocated inode no directory names", () => {
    const fi = copy("ufs2-le-8k");
    const e = fi.entries(2).find((x) => x.name === "f511")!;
    new DataView(fi.img.buffer).setUint32(e.off, 0, fi.fs.le);
    expect(check(fi)).toContain(`inode ${e.ino} is allocated but no directory refers to it`);
  });

  it("broken directory chunks: reclen, namlen, d_ino out of range", () => {
    for (const [field, value, want] of [
      ["reclen", 3, /bad record length 3/],
      ["namlen", 0, /bad name length 0/],
      ["ino", 0x7ffffff0, /beyond the last/],
    ] as const) {
      const fi = copy("ufs1-be-16k");
      const e = fi.entries(2).find((x) => x.name === "f512")!;
      const dv = new DataView(fi.img.buffer);
      if (field === "reclen") dv.setUint16(e.off + 4, value, fi.fs.le);
      else if (field === "namlen") fi.img[e.off + 7] = value;
      else dv.setUint32(e.off, value, fi.fs.le);
      const p = check(fi);
      expect(
        p.some((x) => /^directory 2: chunk at offset \d+: /.test(x) && want.test(x)),
        p.join("\n"),
      ).toBe(true);
    }
  });

  it("'.' and '..' of a directory", () => {
    const fi = copy("ufs2-le-8k");
    const sub = fi.lookup("sub");
    const deeper = fi.lookup("sub/deeper");
    const dot = fi.entries(deeper).find((x) => x.name === "..")!;
    new DataView(fi.img.buffer).setUint32(dot.off, 2, fi.fs.le); // '..' → root, not sub
    const p = check(fi);
    expect(p).toContain(`directory ${deeper}: '..' names 2, its parent is ${sub}`);
    expect(p).toContain(`inode ${sub}: link count 3, should be 2`);
  });

  it("a block claimed twice", () => {
    const fi = copy("ufs2-le-4k-multicg");
    const a = fi.lookup("f4096");
    const b = fi.lookup("f4095");
    const da = fi.inode(a);
    const db = fi.inode(b);
    db.di_db[0] = da.di_db[0]!;
    fi.writeInode(b, db);
    const p = check(fi);
    expect(
      p.some((x) =>
        new RegExp(`^inode (${a}|${b}): fragment ${da.di_db[0]} claimed twice`).test(x),
      ),
    ).toBe(true);
  });

  it("an indirect block pointing at itself terminates with 'claimed twice'", () => {
    const fi = copy("ufs1-le-4k");
    const ino = fi.lookup("big");
    const d = fi.inode(ino);
    const ib = d.di_ib[0]!;
    expect(ib).toBeGreaterThan(0);
    const off = ib * fi.fs.fs_fsize;
    const dv = ufs_dv(fi.img);
    dv.setInt32(off, ib, fi.fs.le); // entry 0 of the single indirect block: itself
    const p = check(fi);
    expect(p.some((x) => x.startsWith(`inode ${ino}: fragment ${ib} claimed twice`))).toBe(true);
    // UFS2, 4K blocks: "big" needs a double indirect block; its first entry → itself
    const f2 = copy("ufs2-le-4k-multicg");
    const i2 = f2.lookup("big");
    const dib = f2.inode(i2).di_ib[1]!;
    expect(dib).toBeGreaterThan(0);
    const dv2 = ufs_dv(f2.img);
    expect(ufs_rd64(dv2, dib * f2.fs.fs_fsize, f2.fs.le)).toBeGreaterThan(0);
    ufs_wr64(dv2, dib * f2.fs.fs_fsize, dib, f2.fs.le);
    const p2 = check(f2);
    expect(p2.some((x) => x.startsWith(`inode ${i2}: fragment ${dib} claimed twice`))).toBe(true);
  });

  it("a directory cycle (a directory named inside its own child) terminates", () => {
    const fi = copy("ufs1-le-4k");
    const sub = fi.lookup("sub");
    const deeper = fi.lookup("sub/deeper");
    const e = fi.entries(deeper).find((x) => x.name === "file")!;
    const dv = new DataView(fi.img.buffer);
    dv.setUint32(e.off, sub, fi.fs.le);
    fi.img[e.off + 6] = 4; // DT_DIR
    const p = check(fi);
    expect(p.some((x) => x.startsWith(`directory ${sub} has more than one name`))).toBe(true);
    expect(p).toContain(`inode ${e.ino} is allocated but no directory refers to it`);
  });

  it("a bad superblock", () => {
    const fi = copy("ufs2-le-8k");
    const dv = new DataView(fi.img.buffer);
    dv.setInt32(fi.sblockloc + 48, 3000, true); // fs_bsize
    const r = fsck_ffs(memBlockDev(fi.img));
    expect(r.clean).toBe(false);
    expect(r.problems.join()).toMatch(/bad superblock at 8192: bad block size 3000/);
    expect(fsck_ffs(memBlockDev(new Uint8Array(1 << 20))).problems).toEqual([
      "no superblock found",
    ]);
  });

  it("a file system larger than its device", () => {
    const img = images.get("ufs2-le-8k")!;
    const r = fsck_ffs(memBlockDev(img.slice(0, img.length - 65536)));
    expect(r.problems.join()).toMatch(/larger|device/);
  });
});

describe("our newfs images under damage", () => {
  it("root link count and a flipped inode map bit", () => {
    const img = new Uint8Array(8 << 20);
    expect(newfs_ffs(memBlockDev(img), { version: 1 })).toBe(0);
    const fi = new FfsImage(img);
    const root = fi.inode(2);
    root.di_nlink = 5;
    fi.writeInode(2, root);
    const cg = cg_parse(img.subarray(fi.cgOff(0)), fi.fs.le);
    const at = fi.cgOff(0) + cg.cg_iusedoff;
    img[at + 1] = img[at + 1]! | 0x01; // inode 8 marked used
    const p = check(fi);
    expect(p).toContain("inode 2: link count 5, should be 2");
    expect(p).toContain("cg 0: inode 8 free but marked in use in the inode map");
  });
});

describe("fuzzing", () => {
  it("random metadata damage never throws and stays bounded", () => {
    const base = new Uint8Array(4 << 20);
    expect(newfs_ffs(memBlockDev(base), { version: 2, bsize: 4096, fsize: 512 })).toBe(0);
    const src = HAVE ? images.get("ufs1-le-4k")! : base;
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    const t0 = Date.now();
    for (let round = 0; round < 120; round++) {
      const img = (round % 2 ? base : src).slice();
      const span = Math.min(img.length, 400_000); // superblock, cg 0, inodes, early data
      for (let k = 0; k < 1 + rnd(40); k++) img[rnd(span)] = rnd(256);
      const r = fsck_ffs(memBlockDev(img), { maxProblems: 200 });
      expect(r.problems.length).toBeLessThanOrEqual(201);
    }
    expect(Date.now() - t0).toBeLessThan(20_000);
  });
});
