/**
 * Detection: hand-made headers of each file system kind, partition tables,
 * makefs images, and the messages of openImage for what it cannot open.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EFTYPE, EOPNOTSUPP } from "@rump/syscalls";
import {
  describeImage,
  openImage,
  probeDevice,
  probeFs,
  probeImage,
  supportedFsTypes,
  UkfsOpenError,
} from "../src/index.js";
import { buildTree, makeFfs, makefsMissing, writeDisklabel, writeMbr } from "./helpers.js";

const reader =
  (img: Uint8Array) =>
  (off: number, buf: Uint8Array): number => {
    const n = Math.max(0, Math.min(buf.length, img.length - off));
    buf.set(img.subarray(off, off + n));
    return n;
  };

function ext2Header(size = 1 << 20): Uint8Array {
  const img = new Uint8Array(size);
  const dv = new DataView(img.buffer);
  dv.setUint32(1024 + 4, size / 1024, true); // s_blocks_count
  dv.setUint32(1024 + 24, 0, true); // 1 KiB blocks
  dv.setUint16(1024 + 56, 0xef53, true);
  dv.setUint16(1024 + 58, 1, true); // clean
  new TextEncoder().encodeInto("myvol", img.subarray(1024 + 120));
  return img;
}

function fatHeader(): Uint8Array {
  const img = new Uint8Array(1 << 20);
  const dv = new DataView(img.buffer);
  img.set([0xeb, 0x3c, 0x90], 0);
  dv.setUint16(11, 512, true);
  img[13] = 4; // sectors per cluster
  dv.setUint16(14, 1, true);
  img[16] = 2;
  dv.setUint16(17, 512, true);
  dv.setUint16(19, 2048, true); // total sectors
  img[21] = 0xf8;
  dv.setUint16(22, 2, true); // FAT size
  img[38] = 0x29;
  new TextEncoder().encodeInto("FATLABEL   ", img.subarray(43));
  img[510] = 0x55;
  img[511] = 0xaa;
  return img;
}

function isoHeader(): Uint8Array {
  const img = new Uint8Array(40 * 2048);
  const pvd = 16 * 2048;
  img[pvd] = 1;
  new TextEncoder().encodeInto("CD001", img.subarray(pvd + 1));
  new TextEncoder().encodeInto("MY_CD                           ", img.subarray(pvd + 40));
  new DataView(img.buffer).setUint32(pvd + 80, 40, true);
  new DataView(img.buffer).setUint16(pvd + 128, 2048, true);
  return img;
}

describe("hand-made headers", () => {
  it("ext2", () => {
    const img = ext2Header();
    expect(probeFs(reader(img), img.length)).toMatchObject({
      type: "ext2fs",
      variant: "ext2",
      label: "myvol",
      size: 1 << 20,
      clean: true,
    });
  });

  it("FAT", () => {
    const img = fatHeader();
    const p = probeDevice(reader(img), img.length);
    expect(p.fs).toMatchObject({ type: "msdos", variant: "FAT12", label: "FATLABEL" });
    // not mistaken for an MBR
    expect(p.partitions).toMatchObject({ ok: true, scheme: "none" });
    img[21] = 0x12; // bad media byte: no longer a BPB
    expect(probeFs(reader(img), img.length)).toBeNull();
  });

  it("ISO 9660", () => {
    const img = isoHeader();
    expect(probeFs(reader(img), img.length)).toMatchObject({
      type: "cd9660",
      label: "MY_CD",
      size: 40 * 2048,
    });
  });

  it("nothing: zeros, and a truncated image", () => {
    expect(probeFs(reader(new Uint8Array(1 << 16)), 1 << 16)).toBeNull();
    expect(probeFs(reader(new Uint8Array(100)), 100)).toBeNull();
    expect(describeImage(probeDevice(reader(new Uint8Array(4096)), 4096))).toContain(
      "no file system recognised",
    );
  });

  it("a file system inside an MBR partition", () => {
    const img = new Uint8Array(4 << 20);
    img.set(ext2Header(), 2048 * 512);
    writeMbr(img, [[0x83, 2048, 2048]]);
    const p = probeDevice(reader(img), img.length);
    expect(p.fs).toBeNull();
    expect(p.partitions).toMatchObject({ ok: true, scheme: "mbr" });
    expect(p.partitionFs[0]!.fs).toMatchObject({ type: "ext2fs", offset: 0 });
    expect(describeImage(p).join("\n")).toContain("p1: offset 1048576");
  });
});

let dir = "";
const missing = makefsMissing();
if (missing !== null) console.log(`ukfs probe.test.ts: makefs cases skipped: ${missing}`);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "ukfs-probe-"));
  if (missing === null) buildTree(join(dir, "tree"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(missing !== null)("makefs images", () => {
  it.each([
    [1, "le"],
    [2, "le"],
    [1, "be"],
    [2, "be"],
  ] as const)("UFS%s %s", (version, endian) => {
    const img = join(dir, `u${version}${endian}.img`);
    makeFfs(img, join(dir, "tree"), version, endian);
    const p = probeImage(img);
    expect(p.fs).toMatchObject({
      type: "ffs",
      variant: `FFS UFS${version}`,
      clean: true,
      details: {
        byteorder: endian === "le" ? "little-endian" : "big-endian",
        bsize: 8192,
        fsize: 1024,
      },
    });
    expect(p.fs!.size).toBe(2 << 20);
    expect(p.partitions).toMatchObject({ ok: true, scheme: "none" });
  });

  it("a disklabel around FFS partitions", () => {
    const img = join(dir, "u2.img");
    const ffs = makeFfs(img, join(dir, "tree"), 2);
    const disk = new Uint8Array(ffs.length + 64 * 512);
    disk.set(ffs, 64 * 512);
    writeDisklabel(disk, 512, [[64, ffs.length / 512]]);
    const p = probeDevice(reader(disk), disk.length);
    expect(p.partitions).toMatchObject({ ok: true, scheme: "disklabel" });
    expect(p.partitionFs[0]!.fs).toMatchObject({ type: "ffs", variant: "FFS UFS2" });
  });
});

describe("openImage refuses what it cannot open, saying why", () => {
  it("an ext2 image: not supported yet (while the kernel has no ext2fs)", () => {
    const img = join(dir, "ext2.img");
    writeFileSync(img, ext2Header());
    if (supportedFsTypes().includes("ext2fs")) return; // ext2fs has landed
    let err: unknown;
    try {
      openImage(img);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UkfsOpenError);
    expect((err as UkfsOpenError).errno).toBe(EOPNOTSUPP);
    expect((err as Error).message).toContain("ext2 file system: not supported yet");
  });

  it("an unknown image: EFTYPE", () => {
    const img = join(dir, "zeros.img");
    writeFileSync(img, new Uint8Array(1 << 16));
    let err: unknown;
    try {
      openImage(img);
    } catch (e) {
      err = e;
    }
    expect((err as UkfsOpenError).errno).toBe(EFTYPE);
    expect((err as Error).message).toContain("no file system recognised");
    expect(readFileSync(img).length).toBe(1 << 16);
  });
});
