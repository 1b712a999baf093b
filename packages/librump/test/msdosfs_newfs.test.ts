/**
 * newfs_msdos: NetBSD's defaults by size, the FAT width, sector and
 * cluster sizes asked for, the label and volume ID, reproducible images,
 * refusals with a reason; every image `fsck.fat -n` clean straight after
 * formatting and mounted by the kernel with the geometry it was given.
 */
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { NodeHost } from "@rump/rumpuser";
import { createSyscalls, MNT_RDONLY } from "@rump/syscalls";
import type { BlockDev } from "../src/dev/blockdev.js";
import { memBlockDev } from "../src/dev/blockdev.js";
import { createKernel } from "../src/rump/rump.js";
import { RUMP_ETFS_BLK } from "../src/rump/etfs.js";
import {
  newfs_msdos,
  type MsdosLayout,
  type NewfsMsdosOptions,
} from "../src/fs/msdosfs/msdosfs_newfs.js";
import { release } from "./helpers/kernel.js";
import { fatToolsMissing, fsckFat } from "./helpers/msdosfs_images.js";

const missing = fatToolsMissing();
if (missing !== null) console.log(`msdosfs_newfs.test.ts: fsck.fat checks skipped: ${missing}`);

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "newfs-msdos-"));
});
afterAll(() => {
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

/** A device that keeps only what is written (large images cost what newfs writes). */
function sparseDev(size: number): BlockDev & { chunks: Map<number, Uint8Array> } {
  const chunks = new Map<number, Uint8Array>();
  return {
    size,
    chunks,
    read(off, buf) {
      buf.fill(0);
      for (const [o, c] of chunks) {
        const from = Math.max(o, off);
        const to = Math.min(o + c.length, off + buf.length);
        if (from < to) buf.set(c.subarray(from - o, to - o), from - off);
      }
      return Math.max(0, Math.min(buf.length, size - off));
    },
    write(off, buf) {
      chunks.set(off, buf.slice());
      return buf.length;
    },
  };
}

/** Format a sparse image file of `size` bytes; the layout back. */
function format(size: number, opts: NewfsMsdosOptions): { image: string; layout: MsdosLayout } {
  const dev = sparseDev(size);
  const why = { v: "" };
  const lp = { v: null as MsdosLayout | null };
  expect(newfs_msdos(dev, { time: 1_700_000_000, ...opts }, why, lp), why.v).toBe(0);
  const image = join(dir, `img-${Math.random().toString(36).slice(2)}.img`);
  const fd = openSync(image, "w");
  ftruncateSync(fd, size);
  for (const [o, c] of [...dev.chunks].sort((a, b) => a[0] - b[0]))
    writeSync(fd, c, 0, c.length, o);
  closeSync(fd);
  onTestFinished(() => rmSync(image, { force: true }));
  return { image, layout: lp.v! };
}

function checkImage(image: string, layout: MsdosLayout): void {
  if (missing === null) {
    const r = fsckFat(image);
    expect(r.output).toBe(r.status === 0 ? r.output : "(clean)");
  }
  const k = createKernel({ host: new NodeHost({ env: false, console: () => {} }) });
  onTestFinished(() => release(k));
  const sys = createSyscalls(k);
  k.rump_pub_etfs_register("/dev/fat", image, RUMP_ETFS_BLK);
  sys.rump_sys_mkdir("/mnt", 0o755);
  sys.rump_sys_mount("msdos", "/mnt", MNT_RDONLY, { fspec: "/dev/fat" });
  const st = sys.rump_sys_statvfs1("/mnt", 1);
  expect(st.f_bsize).toBe(layout.bps * layout.spc);
  expect(st.f_blocks).toBe(layout.clusters);
  expect(st.f_bfree).toBe(layout.fat === 32 ? layout.clusters - 1 : layout.clusters);
  sys.rump_sys_unmount("/mnt", 0);
}

describe("newfs_msdos", () => {
  // NetBSD's defaults: cluster size by size, the FAT width by what the clusters need
  it.each([
    [2 << 20, {}, { fat: 12, spc: 1, res: 1, rde: 512, media: 0xf0 }],
    [20 << 20, {}, { fat: 16, spc: 8, res: 1 }],
    [300 << 20, {}, { fat: 16, spc: 32 }],
    [2 ** 31, {}, { fat: 32, spc: 32, res: 32, infs: 1, bkbs: 2 }],
    [36 << 20, { fatType: 32 }, { fat: 32, spc: 1, res: 32 }],
    [64 << 20, { bytesPerSector: 4096 }, { fat: 16, bps: 4096, spc: 1 }],
    [300 << 20, { fatType: 32, bytesPerSector: 4096 }, { fat: 32, bps: 4096, spc: 1, res: 4 }],
    [
      8 << 20,
      { fatType: 12, sectorsPerCluster: 4, bytesPerSector: 1024 },
      { fat: 12, bps: 1024, spc: 4 },
    ],
    [16 << 20, { fatType: 16, bytesPerSector: 2048 }, { fat: 16, bps: 2048 }],
  ] as const)("%i bytes %j → %j, fsck.fat clean, mounted", (size, opts, want) => {
    const { image, layout } = format(size, opts);
    expect(layout).toMatchObject(want);
    checkImage(image, layout);
  });

  it("label and volume ID; the same options and time give the same bytes", () => {
    const a = new Uint8Array(4 << 20);
    const b = new Uint8Array(4 << 20);
    const o = { label: "My Disk", volumeId: 0xcafe1234, time: 1_700_000_000 };
    expect(newfs_msdos(memBlockDev(a), o)).toBe(0);
    expect(newfs_msdos(memBlockDev(b), o)).toBe(0);
    expect(Buffer.compare(a, b)).toBe(0);
    expect(new TextDecoder().decode(a.subarray(43, 54))).toBe("MY DISK    ");
    expect(new DataView(a.buffer).getUint32(39, true)).toBe(0xcafe1234);
    // without an ID: from the time (NetBSD's formula), still reproducible
    const c = new Uint8Array(4 << 20);
    const d = new Uint8Array(4 << 20);
    expect(newfs_msdos(memBlockDev(c), { time: 1_600_000_000 })).toBe(0);
    expect(newfs_msdos(memBlockDev(d), { time: 1_600_000_000 })).toBe(0);
    expect(Buffer.compare(c, d)).toBe(0);
    expect(new DataView(c.buffer).getUint32(39, true)).not.toBe(
      new DataView(a.buffer).getUint32(39, true),
    );
  });

  it("refuses what cannot be made, saying why", () => {
    const why = { v: "" };
    const dev = memBlockDev(new Uint8Array(8 << 20));
    expect(newfs_msdos(dev, { fatType: 32 }, why)).not.toBe(0);
    expect(why.v).toMatch(/too few clusters for FAT32/);
    expect(newfs_msdos(dev, { label: "a:b" }, why)).not.toBe(0);
    expect(why.v).toMatch(/bad volume label/);
    expect(newfs_msdos(dev, { bytesPerSector: 300 }, why)).not.toBe(0);
    expect(why.v).toMatch(/bytes\/sector/);
    expect(newfs_msdos(dev, { sectorsPerCluster: 3 }, why)).not.toBe(0);
    expect(why.v).toMatch(/sectors\/cluster/);
    expect(newfs_msdos(memBlockDev(new Uint8Array(4096)), {}, why)).not.toBe(0);
  });
});
