/**
 * newfs_ffs (ufs/ffs/ffs_newfs.ts): geometry identical to makefs's for the
 * same size, block, fragment size and density; images that fsck_ffs finds
 * clean in both versions and byte orders; reproducible output; errors.
 */
/// <reference types="node" />
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EFBIG, EINVAL } from "../src/gen/constants.js";
import { memBlockDev } from "../src/dev/blockdev.js";
import { newfs_ffs, newfs_geometry, type NewfsOptions } from "../src/ufs/ffs/ffs_newfs.js";
import { fsck_ffs } from "../src/ufs/ffs/ffs_fsck.js";
import { cg_parse } from "../src/ufs/ffs/ffs_cg.js";
import { IFDIR } from "../src/ufs/ufs/dinode.js";
import { FfsImage, haveMakefs, makefs } from "./helpers/ffs_image.js";

const MiB = 1 << 20;

function mk(mb: number, opts: NewfsOptions): Uint8Array {
  const img = new Uint8Array(mb * MiB);
  const why = { v: "" };
  expect(newfs_ffs(memBlockDev(img), opts, why), why.v).toBe(0);
  return img;
}

describe("newfs_ffs images", () => {
  const cases: [number, NewfsOptions][] = [
    [8, { version: 1 }],
    [8, { version: 2 }],
    [8, { version: 1, byteOrder: "be", bsize: 8192, fsize: 1024 }],
    [8, { version: 2, byteOrder: "be", bsize: 16384, fsize: 2048 }],
    [48, { version: 1, bsize: 4096, fsize: 512, density: 2048 }],
    [48, { version: 2, bsize: 4096, fsize: 512 }],
    [3, { version: 2, bsize: 4096, fsize: 4096 }],
    [4, { version: 2, bsize: 65536, fsize: 8192 }],
  ];
  it.each(cases)("%i MiB %o checks clean, root has only . and ..", (mb, opts) => {
    const img = mk(mb, { time: 1_700_000_000, ...opts });
    const r = fsck_ffs(memBlockDev(img));
    expect(r.problems).toEqual([]);
    expect(r.clean).toBe(true);
    const fi = new FfsImage(img);
    expect(fi.fs.ufs2).toBe(opts.version === 2);
    expect(fi.fs.le).toBe(opts.byteOrder !== "be");
    expect(fi.sblockloc).toBe(opts.version === 2 ? 65536 : 8192);
    const root = fi.inode(2);
    expect(root.di_mode).toBe(IFDIR | 0o755);
    expect(root.di_nlink).toBe(2);
    expect(root.di_mtime).toBe(1_700_000_000);
    expect(fi.entries(2).map((e) => [e.name, e.ino])).toEqual([
      [".", 2],
      ["..", 2],
    ]);
    expect(fi.fs.fs_cstotal_ndir).toBe(1);
  });

  it("volume name, minfree and optimisation land in the superblock", () => {
    const fi = new FfsImage(mk(8, { version: 2, volname: "rumpvol", minfree: 2 }));
    expect(fi.fs.fs_volname).toBe("rumpvol");
    expect(fi.fs.fs_minfree).toBe(2);
    expect(fi.fs.fs_optim).toBe(1); // FS_OPTSPACE below 5 %
  });

  it("is reproducible for a given time, and the time shows", () => {
    const a = mk(8, { version: 2, time: 1234567890 });
    const b = mk(8, { version: 2, time: 1234567890 });
    const c = mk(8, { version: 2, time: 1234567891 });
    expect(Buffer.compare(a, b)).toBe(0);
    expect(Buffer.compare(a, c)).not.toBe(0);
  });

  it("kills an older superblock at another probe location", () => {
    const img = mk(8, { version: 1 });
    const why = { v: "" };
    expect(newfs_ffs(memBlockDev(img), { version: 2 }, why)).toBe(0);
    const fi = new FfsImage(img); // the stale UFS1 magic at 8192 must be gone
    expect(fi.fs.ufs2).toBe(true);
    expect(fsck_ffs(memBlockDev(img)).problems).toEqual([]);
    const dv = new DataView(img.buffer);
    expect(dv.getInt32(8192 + 1372, true)).toBe(0);
  });

  it("refuses impossible options with EINVAL and a reason; UFS1 beyond 2^31 fragments is EFBIG", () => {
    const dev = memBlockDev(new Uint8Array(MiB));
    const why = { v: "" };
    expect(newfs_ffs(dev, { version: 3 as 2 }, why)).toBe(EINVAL);
    expect(newfs_ffs(dev, { version: 2, bsize: 3000 }, why)).toBe(EINVAL);
    expect(why.v).toMatch(/block size/);
    expect(newfs_ffs(dev, { version: 2, bsize: 65536, fsize: 512 }, why)).toBe(EINVAL);
    expect(newfs_ffs(dev, { version: 2, volname: "x".repeat(40) }, why)).toBe(EINVAL);
    expect(newfs_ffs(memBlockDev(new Uint8Array(40000)), { version: 2 }, why)).toBe(EINVAL);
    expect(why.v).toMatch(/small/);
    expect(newfs_geometry(2 ** 31 * 1024, { version: 1, bsize: 8192, fsize: 1024 }, why)).toBe(
      EFBIG,
    );
    const big = newfs_geometry(2 ** 31 * 1024, { version: 2, fsize: 1024, bsize: 8192 }, why);
    expect(typeof big).toBe("object");
    // a device whose writes fail: the error comes back, nothing thrown
    const failing = { size: 8 * MiB, read: () => -5, write: () => -5 };
    expect(newfs_ffs(failing, { version: 2 }, why)).toBe(5);
  });
});

describe.skipIf(!haveMakefs())(
  `geometry equals makefs's${haveMakefs() ? "" : " (skipped: makefs not installed)"}`,
  () => {
    const dir = mkdtempSync(join(tmpdir(), "rump-newfs-"));
    const empty = join(dir, "empty");
    mkdirSync(empty);
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const SKIP = new Set([
      "fs_old_time",
      "fs_time",
      "fs_id0",
      "fs_id1",
      "fs_maxfilesize",
      "fs_old_cstotal_ndir",
      "fs_old_cstotal_nbfree",
      "fs_old_cstotal_nifree",
      "fs_old_cstotal_nffree",
      "fs_cstotal_ndir",
      "fs_cstotal_nbfree",
      "fs_cstotal_nifree",
      "fs_cstotal_nffree",
    ]);
    const CGF = [
      "cg_ndblk",
      "cg_iusedoff",
      "cg_freeoff",
      "cg_nextfreeoff",
      "cg_clustersumoff",
      "cg_clusteroff",
      "cg_nclusterblks",
      "cg_niblk",
      "cg_initediblk",
      "cg_old_niblk",
      "cg_old_ncyl",
      "cg_old_btotoff",
      "cg_old_boff",
    ] as const;
    it.each([
      [1, 8, 8192, 1024, 4096],
      [2, 8, 8192, 1024, 4096],
      [1, 40, 4096, 512, 2048],
      [2, 40, 4096, 512, 8192],
      [2, 24, 16384, 2048, 8192],
      [1, 20, 32768, 4096, 16384],
      [1, 3, 4096, 4096, 4096],
    ])("UFS%i, %i MiB, %i/%i, density %i", (v, mb, bsize, fsize, density) => {
      const ref = new FfsImage(
        makefs(
          join(dir, "m.img"),
          empty,
          `version=${v},bsize=${bsize},fsize=${fsize},density=${density}`,
          ["-s", `${mb}m`],
        ),
      );
      const img = mk(mb, { version: v as 1 | 2, bsize, fsize, density, sblockloc: 8192 });
      const ours = new FfsImage(img);
      const diffs: string[] = [];
      for (const [k, x] of Object.entries(ref.fs)) {
        const y = (ours.fs as unknown as Record<string, unknown>)[k];
        if (typeof x === "number" && !SKIP.has(k) && x !== y)
          diffs.push(`${k}: makefs ${x}, ours ${String(y)}`);
      }
      for (let c = 0; c < ref.fs.fs_ncg; c++) {
        const a = cg_parse(ref.img.subarray(ref.cgOff(c)), ref.fs.le);
        const b = cg_parse(img.subarray(ours.cgOff(c)), ours.fs.le);
        for (const k of CGF)
          if (a[k] !== b[k]) diffs.push(`cg ${c} ${k}: makefs ${a[k]}, ours ${b[k]}`);
      }
      expect(diffs).toEqual([]);
      expect(fsck_ffs(memBlockDev(img)).problems).toEqual([]);
    });
  },
);
