/**
 * fsck_ffs's repair (issue 11, defect 5): `-y` and `-p` over images damaged
 * on purpose. Each case plants one inconsistency into a makefs image (or
 * one of our newfs), repairs it, and then the checker must find the image
 * clean and marked clean, the kernel must mount it read-write and take a
 * write that the checker again finds clean, and what survived must read
 * back. Preen fixes what an unclean shutdown leaves and refuses the rest
 * without writing a byte.
 */
/// <reference types="node" />
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { O_CREAT, O_RDWR, type RumpSyscalls } from "@rump/syscalls";
import { memBlockDev } from "../src/dev/blockdev.js";
import { RUMP_ETFS_BLK } from "../src/rump/etfs.js";
import { cg_parse, cg_serialize } from "../src/ufs/ffs/ffs_cg.js";
import { fsck_ffs } from "../src/ufs/ffs/ffs_fsck.js";
import { fsck_ffs_repair, type FsckRepairResult } from "../src/ufs/ffs/ffs_fsck_fix.js";
import { newfs_ffs } from "../src/ufs/ffs/ffs_newfs.js";
import { ffs_sb_parse, FS_ISCLEAN } from "../src/ufs/ffs/fs.js";
import { IFREG } from "../src/ufs/ufs/dinode.js";
import { boot, listdir, readFile } from "./helpers/kernel.js";
import { FfsImage, haveMakefs, makefs, makeTree } from "./helpers/ffs_image.js";
import { NEWFS_DEV_VARIANTS, newfsDevImage } from "./helpers/devnode_images.js";

const HAVE = haveMakefs();
const skipNote = HAVE ? "" : " (skipped: makefs not installed)";
const dir = mkdtempSync(join(tmpdir(), "rump-repair-"));
const images = new Map<string, Uint8Array>();

beforeAll(() => {
  if (!HAVE) return;
  const tree = join(dir, "tree");
  makeTree(tree, 300_000); // "big" needs a single indirect block at 4K
  images.set(
    "ufs1-le-4k",
    makefs(join(dir, "a.img"), tree, "version=1,bsize=4096,fsize=512", ["-s", "4m"]),
  );
  images.set(
    "ufs2-be-8k",
    makefs(join(dir, "b.img"), tree, "version=2,bsize=8192,fsize=1024", ["-B", "be", "-s", "4m"]),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function copy(name: string): FfsImage {
  return new FfsImage(images.get(name)!.slice());
}

function fsClean(img: Uint8Array, fi: FfsImage): number {
  const loc = fi.fs.fs_sblockloc;
  return ffs_sb_parse(img.subarray(loc, loc + 8192), loc)!.fs_clean;
}

/** Mount `img` read-write in a fresh kernel, run `fn`, unmount; returns the image after. */
function withMount(img: Uint8Array, fn: (sys: RumpSyscalls) => void): Uint8Array {
  const b = boot();
  b.host.files.writeFile("/img", img);
  b.k.rump_pub_etfs_register("/dev/r", "/img", RUMP_ETFS_BLK);
  b.sys.rump_sys_mkdir("/mnt", 0o755);
  b.sys.rump_sys_mount("ffs", "/mnt", 0, { fspec: "/dev/r" });
  fn(b.sys);
  b.sys.rump_sys_unmount("/mnt", 0);
  return b.host.files.readFile("/img")!;
}

/**
 * Repair `fi` (-y unless told), then: consistent and marked clean, a second
 * repair has nothing to do, and the kernel mounts it read-write and writes.
 */
function repaired(
  fi: FfsImage,
  mode: "yes" | "preen" = "yes",
  check?: (sys: RumpSyscalls) => void,
): FsckRepairResult {
  const r = fsck_ffs_repair(memBlockDev(fi.img), { mode, time: 1_700_000_000 });
  expect(r.unfixed).toEqual([]);
  expect(r.stopped).toBe(false);
  expect(r.clean).toBe(true);
  expect(fsck_ffs(memBlockDev(fi.img)).problems).toEqual([]);
  expect(fsClean(fi.img, fi) & FS_ISCLEAN).toBe(FS_ISCLEAN);
  const again = fsck_ffs_repair(memBlockDev(fi.img), { mode });
  expect([again.fixed, again.modified, again.clean]).toEqual([[], false, true]);
  const after = withMount(fi.img.slice(), (sys) => {
    check?.(sys);
    const fd = sys.rump_sys_open("/mnt/after-repair", O_CREAT | O_RDWR, 0o644);
    sys.rump_sys_write(fd, new Uint8Array(30_000).fill(9), 30_000);
    sys.rump_sys_close(fd);
  });
  expect(fsck_ffs(memBlockDev(after)).problems).toEqual([]);
  return r;
}

/** Preen must refuse and leave every byte as it was. */
function preenStops(fi: FfsImage): FsckRepairResult {
  const before = fi.img.slice();
  const r = fsck_ffs_repair(memBlockDev(fi.img), { mode: "preen" });
  expect(r.stopped).toBe(true);
  expect(r.modified).toBe(false);
  expect(r.clean).toBe(false);
  expect(r.unfixed.length).toBeGreaterThan(0);
  expect(Buffer.compare(Buffer.from(before), Buffer.from(fi.img))).toBe(0);
  return r;
}

const some = (r: FsckRepairResult, re: RegExp): boolean => r.fixed.some((x) => re.test(x));

describe.skipIf(!HAVE)(`what an unclean shutdown leaves: -p and -y fix it${skipNote}`, () => {
  it.each(["preen", "yes"] as const)("only the clean flag cleared (%s)", (mode) => {
    const fi = copy("ufs1-le-4k");
    fi.img[fi.sblockloc + 209] = 0;
    const r = repaired(fi, mode);
    expect(r.fixed).toEqual(["the clean flag was not set (marked clean)"]);
  });

  it("counts of a group, the summary area and the totals; a used fragment marked free", () => {
    const fi = copy("ufs2-be-8k");
    const fs = fi.fs;
    const cgb = fi.img.subarray(fi.cgOff(0));
    const cg = cg_parse(cgb, fs.le);
    cg.cs_nbfree += 3;
    cg.cs_nifree -= 2;
    cg_serialize(cg, cgb, fs.le);
    const frag = fi.inode(fi.lookup("f4096")).di_db[0]!;
    cgb[cg.cg_freeoff + (frag >> 3)] = cgb[cg.cg_freeoff + (frag >> 3)]! | (1 << (frag & 7));
    fi.img[fi.sblockloc + 209] = 0;
    const r = repaired(fi, "preen", (sys) => {
      expect(readFile(sys, "/mnt/f4096").length).toBe(4096);
    });
    expect(some(r, /cg 0: fragment \d+ in use but marked free in the block map \(salvaged\)/)).toBe(
      true,
    );
    expect(some(r, /cg 0: nbfree \d+, counted \d+ \(salvaged\)/)).toBe(true);
    expect(some(r, /marked clean/)).toBe(true);
  });

  it("superblock totals out of range (the kernel refuses such a superblock): recounted", () => {
    const fi = copy("ufs2-be-8k");
    new DataView(fi.img.buffer).setBigInt64(fi.sblockloc + 1016, -5n, false); // fs_cstotal_nbfree
    expect(fsck_ffs(memBlockDev(fi.img)).problems.join()).toMatch(/bad summary totals/);
    const r = repaired(fi, "preen");
    expect(r.fixed).toContain(`superblock at ${fi.sblockloc}: bad summary totals (salvaged)`);
  });

  it("a lost file is reconnected into a new /lost+found, with its bytes", () => {
    const fi = copy("ufs1-le-4k");
    const e = fi.entries(2).find((x) => x.name === "f65537")!;
    const want = withMount(fi.img.slice(), () => {}) && fi.inode(e.ino).di_size;
    new DataView(fi.img.buffer).setUint32(e.off, 0, fi.fs.le);
    const name = "#" + String(e.ino).padStart(String(fi.fs.fs_ncg * fi.fs.fs_ipg).length, "0");
    const r = repaired(fi, "preen", (sys) => {
      expect(listdir(sys, "/mnt/lost+found").sort()).toEqual([".", "..", name].sort());
      const got = readFile(sys, `/mnt/lost+found/${name}`);
      expect(got.length).toBe(want);
      expect(got[1000]).toBe((1000 * 131 + 7) & 0xff);
      expect(sys.rump_sys_stat("/mnt/lost+found").st_mode & 0o7777).toBe(0o1777);
    });
    expect(r.fixed).toContain(
      `no /lost+found directory (created, inode ${fi.lookup("lost+found")})`,
    );
    expect(
      some(
        r,
        new RegExp(
          `inode ${e.ino} is allocated but no directory refers to it \\(reconnected as /lost\\+found/${name}\\)`,
        ),
      ),
    ).toBe(true);
  });

  it("a link count too large is adjusted; one too small needs -y", () => {
    const fi = copy("ufs2-be-8k");
    const ino = fi.lookup("f1");
    const d = fi.inode(ino);
    d.di_nlink = 5;
    fi.writeInode(ino, d);
    const r = repaired(fi, "preen");
    expect(r.fixed).toContain(`inode ${ino}: link count 5, should be 2 (adjusted)`);
    const f2 = copy("ufs2-be-8k");
    const d2 = f2.inode(ino);
    d2.di_nlink = 1;
    f2.writeInode(ino, d2);
    expect(preenStops(f2).unfixed).toEqual([`inode ${ino}: link count 1, should be 2`]);
    expect(repaired(f2).fixed).toContain(`inode ${ino}: link count 1, should be 2 (adjusted)`);
  });

  it("an empty unreferenced file is cleared by preen; one without links by both", () => {
    const fi = copy("ufs1-le-4k");
    const e = fi.entries(2).find((x) => x.name === "f0")!;
    new DataView(fi.img.buffer).setUint32(e.off, 0, fi.fs.le);
    expect(repaired(fi, "preen").fixed).toContain(
      `inode ${e.ino} is allocated but no directory refers to it (empty: cleared)`,
    );
    const f2 = copy("ufs1-le-4k");
    const e2 = f2.entries(2).find((x) => x.name === "f512")!;
    new DataView(f2.img.buffer).setUint32(e2.off, 0, f2.fs.le);
    const d = f2.inode(e2.ino);
    d.di_nlink = 0;
    f2.writeInode(e2.ino, d);
    expect(repaired(f2).fixed).toContain(
      `inode ${e2.ino} is allocated but no directory refers to it (no links left: cleared)`,
    );
  });

  it("di_blocks that disagrees with the pointers", () => {
    const fi = copy("ufs2-be-8k");
    const ino = fi.lookup("big");
    const d = fi.inode(ino);
    const right = d.di_blocks;
    d.di_blocks += 16;
    fi.writeInode(ino, d);
    expect(repaired(fi, "preen").fixed).toContain(
      `inode ${ino}: di_blocks ${right + 16}, counted ${right} (corrected)`,
    );
  });
});

describe.skipIf(!HAVE)(`damage only -y repairs (preen stops before writing)${skipNote}`, () => {
  it("an entry naming a free inode is removed", () => {
    const fi = copy("ufs1-le-4k");
    const e = fi.entries(2).find((x) => x.name === "f511")!;
    const free = fi.fs.fs_ipg - 3; // far past the files makefs made
    new DataView(fi.img.buffer).setUint32(e.off, free, fi.fs.le);
    const msg = `directory 2: entry 'f511' names unallocated inode ${free}`;
    expect(preenStops(fi).unfixed).toContain(msg);
    const r = repaired(fi, "yes", (sys) => {
      expect(listdir(sys, "/mnt")).not.toContain("f511");
      // the file lost its name: reconnected
      expect(readFile(sys, `/mnt/lost+found/${listdir(sys, "/mnt/lost+found")[2]}`).length).toBe(
        511,
      );
    });
    expect(r.fixed).toContain(`${msg} (removed)`);
  });

  it("a fragment claimed by two files: both are cleared, as fsck_ffs does", () => {
    const fi = copy("ufs2-be-8k");
    const a = fi.lookup("f4096");
    const b = fi.lookup("f4095");
    const db = fi.inode(b);
    db.di_db[0] = fi.inode(a).di_db[0]!;
    fi.writeInode(b, db);
    preenStops(fi);
    const r = repaired(fi, "yes", (sys) => {
      const names = listdir(sys, "/mnt");
      expect(names).not.toContain("f4096");
      expect(names).not.toContain("f4095");
      expect(readFile(sys, "/mnt/f512").length).toBe(512);
    });
    expect(
      some(r, new RegExp(`inode ${a}: holds fragments claimed by another inode \\(cleared\\)`)),
    ).toBe(true);
    expect(some(r, new RegExp(`inode ${b}: .*\\(cleared\\)`))).toBe(true);
  });

  it("'..' naming the wrong directory, and a directory named twice (a cycle)", () => {
    const fi = copy("ufs1-le-4k");
    const sub = fi.lookup("sub");
    const deeper = fi.lookup("sub/deeper");
    const dd = fi.entries(deeper).find((x) => x.name === "..")!;
    new DataView(fi.img.buffer).setUint32(dd.off, 2, fi.fs.le);
    const r = repaired(fi);
    expect(r.fixed).toContain(`directory ${deeper}: '..' names 2, its parent is ${sub} (fixed)`);
    const f2 = copy("ufs1-le-4k");
    const e = f2.entries(deeper).find((x) => x.name === "file")!;
    new DataView(f2.img.buffer).setUint32(e.off, sub, f2.fs.le);
    f2.img[e.off + 6] = 4; // DT_DIR
    repaired(f2, "yes", (sys) => {
      expect(listdir(sys, "/mnt/sub/deeper").sort()).toEqual([".", ".."]);
      expect(readFile(sys, `/mnt/lost+found/${listdir(sys, "/mnt/lost+found")[2]}`)).toEqual(
        new TextEncoder().encode("hi\n"),
      );
    });
  });

  it("a damaged directory chunk is salvaged; what it named is reconnected", () => {
    const fi = copy("ufs2-be-8k");
    const e = fi.entries(2).find((x) => x.name === "f512")!;
    new DataView(fi.img.buffer).setUint16(e.off + 4, 3, fi.fs.le); // reclen
    preenStops(fi);
    const r = repaired(fi, "yes", (sys) => {
      expect(listdir(sys, "/mnt/lost+found").length).toBeGreaterThan(2);
    });
    expect(some(r, /directory 2: chunk at offset \d+: bad record length 3 .*\(salvaged\)/)).toBe(
      true,
    );
  });

  it("'.' and '..' missing from a directory", () => {
    const fi = copy("ufs1-le-4k");
    const deeper = fi.lookup("sub/deeper");
    const ents = fi.entries(deeper);
    const dv = new DataView(fi.img.buffer);
    dv.setUint32(ents.find((x) => x.name === ".")!.off, 0, fi.fs.le);
    const r = repaired(fi, "yes", (sys) => {
      expect(readFile(sys, "/mnt/sub/deeper/file")).toEqual(new TextEncoder().encode("hi\n"));
    });
    expect(r.fixed).toContain(`directory ${deeper}: missing '.' (fixed)`);
  });

  it("a root inode that is a regular file: a new root, the rest in /lost+found", () => {
    const fi = copy("ufs2-be-8k");
    const root = fi.inode(2);
    root.di_mode = IFREG | 0o644;
    fi.writeInode(2, root);
    preenStops(fi);
    repaired(fi, "yes", (sys) => {
      expect(listdir(sys, "/mnt")).toContain("lost+found");
      expect(listdir(sys, "/mnt/lost+found").length).toBeGreaterThan(10);
    });
  });

  it("a cylinder-group header destroyed", () => {
    const fi = copy("ufs1-le-4k");
    fi.img.fill(0xa5, fi.cgOff(0), fi.cgOff(0) + 64);
    preenStops(fi);
    const r = repaired(fi, "yes", (sys) => {
      expect(readFile(sys, "/mnt/big").length).toBe(300_000);
    });
    expect(some(r, /cylinder group 0: .* \(header rebuilt/)).toBe(true);
  });
});

describe.skipIf(!HAVE)(`headers and sizes${skipNote}`, () => {
  it("a group's data and cluster block counts that disagree with the geometry", () => {
    const fi = copy("ufs2-be-8k");
    const cgb = fi.img.subarray(fi.cgOff(0));
    const cg = cg_parse(cgb, fi.fs.le);
    const want = cg.cg_nclusterblks;
    cg.cg_nclusterblks = 0x7fff0000;
    cg_serialize(cg, cgb, fi.fs.le);
    const msg = `cg 0: cg_nclusterblks ${0x7fff0000}, expected ${want}`;
    expect(fsck_ffs(memBlockDev(fi.img)).problems).toContain(msg);
    preenStops(fi);
    expect(repaired(fi).fixed).toContain(`${msg} (corrected)`);
  });
});

describe("our newfs images with device nodes", () => {
  it("a root directory grown to 512 MiB of holes is cut at its first hole, quickly", () => {
    const fi = new FfsImage(newfsDevImage(NEWFS_DEV_VARIANTS[0]!));
    const root = fi.inode(2);
    root.di_size += 1 << 29;
    fi.writeInode(2, root);
    const t0 = Date.now();
    const r = repaired(fi, "yes", (sys) => {
      expect(readFile(sys, "/mnt/file")).toEqual(new TextEncoder().encode("a regular file\n"));
    });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(some(r, /directory 2: hole at block 1 \(directory cut to \d+ bytes\)/)).toBe(true);
  });

  it.each(NEWFS_DEV_VARIANTS)("$name: a device inode with a stray pointer is cleared", (v) => {
    const fi = new FfsImage(newfsDevImage(v));
    const ino = fi.lookup("bdev");
    const d = fi.inode(ino);
    d.di_ib[0] = 77;
    fi.writeInode(ino, d);
    const r = repaired(fi, "yes", (sys) => {
      expect(listdir(sys, "/mnt")).not.toContain("bdev");
      expect(sys.rump_sys_lstat("/mnt/cdev").st_rdev).toBe(
        (200 << 8) | ((300 & 0xff) | ((300 & ~0xff) << 12)),
      );
    });
    expect(r.fixed).toContain(`inode ${ino}: device inode with indirect pointer 0 = 77 (cleared)`);
  });
});

describe("fuzzing the repair", () => {
  it("random damage: the repair ends with a clean image or says what it could not fix", () => {
    const base = new Uint8Array(3 << 20);
    expect(newfs_ffs(memBlockDev(base), { version: 2, bsize: 4096, fsize: 512, time: 1 })).toBe(0);
    const filled = withMount(base, (sys) => {
      for (let i = 0; i < 30; i++) {
        if (i % 7 === 0) sys.rump_sys_mkdir(`/mnt/d${i}`, 0o755);
        const p = i % 7 === 0 ? `/mnt/d${i}/f` : `/mnt/f${i}`;
        const fd = sys.rump_sys_open(p, O_CREAT | O_RDWR, 0o644);
        sys.rump_sys_write(fd, new Uint8Array(i * 1500).fill(i), i * 1500);
        sys.rump_sys_close(fd);
      }
    });
    const src = HAVE ? images.get("ufs1-le-4k")! : filled;
    let seed = 4242;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    let clean = 0;
    for (let round = 0; round < 40; round++) {
      const img = (round % 2 ? filled : src).slice();
      const span = Math.min(img.length, 300_000);
      for (let k = 0; k < 1 + rnd(30); k++) img[rnd(span)] = rnd(256);
      const r = fsck_ffs_repair(memBlockDev(img), { mode: "yes", maxProblems: 100 });
      if (r.clean) {
        clean++;
        expect(fsck_ffs(memBlockDev(img)).problems).toEqual([]);
      } else expect(r.unfixed.length).toBeGreaterThan(0);
    }
    expect(clean).toBeGreaterThan(20);
  });
});
