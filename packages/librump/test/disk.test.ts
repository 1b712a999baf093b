/**
 * Partition tables (dev/disk_*.ts): MBR with EBR chains, GPT with CRCs and
 * its backup, NetBSD disklabels in both byte orders and inside an MBR
 * partition; damaged tables; images made by sfdisk/sgdisk when installed;
 * and partitions registered as etfs block devices.
 */
/// <reference types="node" />
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MemoryHost } from "@rump/rumpuser";
import { createSyscalls, EFTYPE, EINVAL, ENOENT, O_RDONLY, S_IFBLK, S_IFMT } from "@rump/syscalls";
import {
  probePartitions,
  type PartitionProbe,
  type PartitionTable,
} from "../src/dev/disk_partitions.js";
import { crc32 } from "../src/dev/disk_gpt.js";
import { createKernel } from "../src/rump/rump.js";
import { release } from "./helpers/kernel.js";
import {
  GUID_LINUX,
  GUID_NETBSD_FFS,
  readerOf,
  SEC,
  writeDisklabel,
  writeEbrChain,
  writeGpt,
  writeMbr,
} from "./helpers/disk_images.js";

const MiB = 1 << 20;

function flip(b: Uint8Array, off: number, mask: number): void {
  b[off] = b[off]! ^ mask;
}

function probe(img: Uint8Array): PartitionProbe {
  return probePartitions(readerOf(img), img.length);
}

function ok(r: PartitionProbe): PartitionTable {
  if (!r.ok) throw new Error(`probe failed: ${r.error} ${r.reason}`);
  return r;
}

const brief = (r: PartitionTable): [string, number, number][] =>
  r.partitions.map((p) => [p.name, p.offset / SEC, p.size / SEC]);

describe("crc32", () => {
  it("matches the IEEE check value", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
  });
});

describe("MBR", () => {
  it("primary partitions", () => {
    const img = new Uint8Array(4 * MiB);
    writeMbr(img, 0, [
      { type: 0x83, start: 2048, nsect: 2048, status: 0x80 },
      null,
      { type: 0x0b, start: 4096, nsect: 4096 },
    ]);
    const r = ok(probe(img));
    expect(r.scheme).toBe("mbr");
    expect(brief(r)).toEqual([
      ["p1", 2048, 2048],
      ["p3", 4096, 4096],
    ]);
    expect(r.partitions[0]!.type).toBe("0x83");
    expect(r.warnings).toEqual([]);
  });

  it("logical partitions in an extended partition are p5, p6, …", () => {
    const img = new Uint8Array(8 * MiB);
    writeMbr(img, 0, [
      { type: 0x83, start: 2048, nsect: 2048 },
      { type: 0x0f, start: 4096, nsect: 12288 },
    ]);
    writeEbrChain(
      img,
      4096,
      [4096, 8192, 12288],
      [
        { start: 2048, nsect: 2048 },
        { start: 2048, nsect: 2048, type: 0x0c },
        { start: 2048, nsect: 2048 },
      ],
    );
    const r = ok(probe(img));
    expect(brief(r)).toEqual([
      ["p1", 2048, 2048],
      ["p5", 6144, 2048],
      ["p6", 10240, 2048],
      ["p7", 14336, 2048],
    ]);
    expect(r.partitions[2]!.type).toBe("0x0c");
    expect(r.partitions[1]!.label).toBe("logical");
  });

  it("an EBR chain that loops is cut, with a warning", () => {
    const img = new Uint8Array(8 * MiB);
    writeMbr(img, 0, [{ type: 0x05, start: 4096, nsect: 12288 }]);
    writeEbrChain(
      img,
      4096,
      [4096, 8192],
      [
        { start: 2048, nsect: 2048 },
        { start: 2048, nsect: 2048 },
      ],
    );
    // the second EBR links back to the first
    writeMbr(img, 8192, [
      { type: 0x83, start: 2048, nsect: 2048 },
      { type: 0x05, start: 0, nsect: 4 },
    ]);
    const r = ok(probe(img));
    expect(brief(r)).toEqual([
      ["p5", 6144, 2048],
      ["p6", 10240, 2048],
    ]);
    expect(r.warnings.join()).toMatch(/loops/);
  });

  it("an EBR linking to itself terminates", () => {
    const img = new Uint8Array(4 * MiB);
    writeMbr(img, 0, [{ type: 0x05, start: 2048, nsect: 4096 }]);
    writeMbr(img, 2048, [
      { type: 0x83, start: 1, nsect: 100 },
      { type: 0x05, start: 0, nsect: 1 },
    ]);
    const r = ok(probe(img));
    expect(brief(r)).toEqual([["p5", 2049, 100]]);
    expect(r.warnings.join()).toMatch(/loops/);
  });

  it("entries outside the disk or the extended partition are skipped", () => {
    const img = new Uint8Array(4 * MiB); // 8192 sectors
    writeMbr(img, 0, [
      { type: 0x83, start: 2048, nsect: 100000 },
      { type: 0x83, start: 0xffffff00, nsect: 0xff },
      { type: 0x05, start: 4096, nsect: 2048 },
      { type: 0x83, start: 64, nsect: 64 },
    ]);
    writeMbr(img, 4096, [{ type: 0x83, start: 1, nsect: 4000 }]); // past the extended partition
    const r = ok(probe(img));
    expect(brief(r)).toEqual([["p4", 64, 64]]);
    expect(r.warnings.length).toBe(3);
  });

  it("an EBR without a signature ends the chain", () => {
    const img = new Uint8Array(4 * MiB);
    writeMbr(img, 0, [{ type: 0x05, start: 2048, nsect: 4096 }]);
    const r = ok(probe(img));
    expect(r.partitions).toEqual([]);
    expect(r.warnings.join()).toMatch(/no signature/);
  });

  it("a boot sector with code where the table would be is no MBR", () => {
    const img = new Uint8Array(MiB);
    for (let i = 0; i < 510; i++) img[i] = (i * 37 + 11) & 0xff;
    img[446] = 0x33;
    img[510] = 0x55;
    img[511] = 0xaa;
    const r = ok(probe(img));
    expect(r.scheme).toBe("none");
  });

  it("a blank disk and a tiny one are 'none'", () => {
    expect(ok(probe(new Uint8Array(MiB))).scheme).toBe("none");
    expect(ok(probe(new Uint8Array(100))).scheme).toBe("none");
  });

  it("read errors and bad arguments are errnos, not exceptions", () => {
    const r = probePartitions(() => -5, 1 << 20);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toBe(5);
    const t = probePartitions(() => {
      throw new Error("boom");
    }, MiB);
    expect(t.ok === false && t.error).toBe(5);
    const s = probePartitions(readerOf(new Uint8Array(10)), -1);
    expect(s.ok === false && s.error).toBe(EINVAL);
  });
});

describe("GPT", () => {
  const mk = (): Uint8Array => {
    const img = new Uint8Array(4 * MiB);
    writeGpt(img, [
      { type: GUID_LINUX, first: 2048, last: 4095, name: "root" },
      { type: GUID_NETBSD_FFS, first: 4096, last: 8158, name: "netbsd" },
    ]);
    return img;
  };

  it("reads the entries behind a protective MBR", () => {
    const r = ok(probe(mk()));
    expect(r.scheme).toBe("gpt");
    expect(brief(r)).toEqual([
      ["p1", 2048, 2048],
      ["p2", 4096, 4063],
    ]);
    expect(r.partitions.map((p) => [p.type, p.label])).toEqual([
      [GUID_LINUX, "root"],
      [GUID_NETBSD_FFS, "netbsd"],
    ]);
    expect(r.warnings).toEqual([]);
  });

  it("falls back to the backup header when the primary header CRC is bad", () => {
    const img = mk();
    flip(img, SEC + 40, 1);
    const r = ok(probe(img));
    expect(r.partitions.length).toBe(2);
    expect(r.warnings.join()).toMatch(/header CRC mismatch.*backup/);
  });

  it("falls back to the backup when the primary entry array CRC is bad", () => {
    const img = mk();
    flip(img, 2 * SEC + 32, 1); // first LBA of entry 1
    const r = ok(probe(img));
    expect(brief(r)[0]).toEqual(["p1", 2048, 2048]);
    expect(r.warnings.join()).toMatch(/entry array CRC mismatch/);
  });

  it("both copies damaged is EFTYPE", () => {
    const img = mk();
    flip(img, SEC + 40, 1);
    flip(img, img.length - SEC + 40, 1);
    const r = probe(img);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toBe(EFTYPE);
      expect(r.reason).toMatch(/primary GPT: header CRC mismatch; backup GPT: header CRC/);
    }
  });

  it("entries outside the usable area are skipped; huge counts refused", () => {
    const img = new Uint8Array(4 * MiB);
    writeGpt(img, [
      { type: GUID_LINUX, first: 2048, last: 1e9 },
      { type: GUID_LINUX, first: 10, last: 100 },
      { type: GUID_LINUX, first: 3000, last: 2000 },
      { type: GUID_LINUX, first: 2048, last: 2048 },
    ]);
    const r = ok(probe(img));
    expect(brief(r)).toEqual([["p4", 2048, 1]]);
    expect(r.warnings.length).toBe(3);
    // a header claiming 2^32-1 entries (CRC fixed up) is refused, not read
    const dv = new DataView(img.buffer);
    for (const at of [SEC, img.length - SEC]) {
      dv.setUint32(at + 80, 0xffffffff, true);
      dv.setUint32(at + 16, 0, true);
      dv.setUint32(at + 16, crc32(img, at, at + 92), true);
    }
    const e = probe(img);
    expect(e.ok === false && e.reason).toMatch(/too large/);
  });
});

describe("disklabel", () => {
  it("a little-endian label at sector 1", () => {
    const img = new Uint8Array(4 * MiB);
    writeDisklabel(img, SEC, [
      { size: 4096, offset: 0, fstype: 7 },
      { size: 1024, offset: 4096, fstype: 1 },
      { size: 8192, offset: 0, fstype: 0 },
      { size: 0, offset: 0, fstype: 0 },
      { size: 2048, offset: 5120, fstype: 8 },
    ]);
    const r = ok(probe(img));
    expect(r.scheme).toBe("disklabel");
    expect(
      r.partitions.map((p) => [p.name, p.index, p.type, p.offset / SEC, p.size / SEC]),
    ).toEqual([
      ["a", 0, "4.2BSD", 0, 4096],
      ["b", 1, "swap", 4096, 1024],
      ["c", 2, "unused", 0, 8192],
      ["e", 4, "MSDOS", 5120, 2048],
    ]);
  });

  it("a big-endian label at an odd aligned offset (sparc: 64)", () => {
    const img = new Uint8Array(MiB);
    writeDisklabel(img, 64, [{ size: 100, offset: 16, fstype: 7 }], { le: false });
    expect(brief(ok(probe(img)))).toEqual([["a", 16, 100]]);
    const far = new Uint8Array(MiB);
    writeDisklabel(far, 65536 - 148 - 16 - 4, [{ size: 1, offset: 1, fstype: 7 }], { le: false });
    expect(brief(ok(probe(far)))).toEqual([["a", 1, 1]]);
  });

  it("a checksum mismatch is EFTYPE", () => {
    const img = new Uint8Array(MiB);
    writeDisklabel(img, SEC, [{ size: 100, offset: 16, fstype: 7 }]);
    flip(img, SEC + 148, 0x40);
    const r = probe(img);
    expect(r.ok === false && [r.error, r.reason]).toEqual([
      EFTYPE,
      "disklabel at 512: checksum mismatch",
    ]);
  });

  it("more than 22 partitions is refused; partitions past the disk are skipped", () => {
    const img = new Uint8Array(MiB);
    const parts = Array.from({ length: 23 }, () => ({ size: 1, offset: 1, fstype: 7 }));
    writeDisklabel(img, SEC, parts);
    const r = probe(img);
    expect(r.ok === false && r.reason).toMatch(/d_npartitions 23/);
    const img2 = new Uint8Array(MiB);
    writeDisklabel(img2, SEC, [
      { size: 2048, offset: 1, fstype: 7 },
      { size: 10, offset: 2038, fstype: 7 },
    ]);
    const r2 = ok(probe(img2));
    expect(brief(r2)).toEqual([["b", 2038, 10]]);
    expect(r2.warnings.length).toBe(1);
  });

  it("a label at sector 1 of an MBR partition of type 0xA9 wins over the MBR", () => {
    const img = new Uint8Array(8 * MiB);
    writeMbr(img, 0, [
      { type: 0x0c, start: 63, nsect: 1985 },
      { type: 0xa9, start: 2048, nsect: 14336 },
    ]);
    writeDisklabel(img, 2049 * SEC, [
      { size: 8192, offset: 2048, fstype: 7 },
      { size: 6144, offset: 10240, fstype: 1 },
      { size: 16384, offset: 0, fstype: 0 },
      { size: 16384, offset: 0, fstype: 0 },
      { size: 1985, offset: 63, fstype: 8 },
    ]);
    const r = ok(probe(img));
    expect(r.scheme).toBe("disklabel");
    expect(brief(r).map((p) => p[0])).toEqual(["a", "b", "c", "d", "e"]);
    // without the label the MBR is what there is
    img.fill(0, 2049 * SEC, 2050 * SEC);
    const m = ok(probe(img));
    expect(m.scheme).toBe("mbr");
    expect(brief(m)).toEqual([
      ["p1", 63, 1985],
      ["p2", 2048, 14336],
    ]);
  });
});

function have(tool: string): boolean {
  return spawnSync(tool, ["--version"], { stdio: "ignore" }).status === 0;
}

const skipNote = (tool: string): string => (have(tool) ? "" : ` (skipped: ${tool} not installed)`);

describe("images made by sfdisk and sgdisk", () => {
  const dir = mkdtempSync(join(tmpdir(), "rump-disk-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.skipIf(!have("sfdisk"))(
    `sfdisk dos label with logical partitions${skipNote("sfdisk")}`,
    () => {
      const path = join(dir, "dos.img");
      writeFileSync(path, new Uint8Array(16 * MiB));
      const script =
        "label: dos\nstart=2048, size=4096, type=83\nstart=6144, type=5\n" +
        "size=2048, type=83\nsize=4096, type=c\nsize=1024, type=a9\n";
      const res = spawnSync("sfdisk", ["-q", "--no-reread", "--no-tell-kernel", path], {
        input: script,
      });
      expect(res.status, String(res.stderr)).toBe(0);
      const dump = JSON.parse(String(spawnSync("sfdisk", ["--json", path]).stdout));
      const want = (
        dump.partitiontable.partitions as { node: string; start: number; size: number }[]
      )
        .filter((p) => !/img2$/.test(p.node)) // the extended container itself
        .map((p) => [p.node.replace(/^.*img/, "p"), p.start, p.size]);
      const r = ok(probe(new Uint8Array(readFileSync(path))));
      expect(r.scheme).toBe("mbr");
      expect(brief(r)).toEqual(want);
      expect(brief(r).map((p) => p[0])).toEqual(["p1", "p5", "p6", "p7"]);
    },
  );

  it.skipIf(!have("sgdisk"))(
    `sgdisk GPT, and its backup after the primary is wiped${skipNote("sgdisk")}`,
    () => {
      const path = join(dir, "gpt.img");
      writeFileSync(path, new Uint8Array(16 * MiB));
      const res = spawnSync("sgdisk", [
        "-n",
        "1:2048:+4M",
        "-t",
        "1:8300",
        "-c",
        "1:linux",
        "-n",
        "2:0:+2M",
        "-t",
        "2:A902",
        "-n",
        "5:0:0",
        path,
      ]);
      expect(res.status, String(res.stderr)).toBe(0);
      const img = new Uint8Array(readFileSync(path));
      const r = ok(probe(img));
      expect(r.scheme).toBe("gpt");
      expect(brief(r).map((p) => p[0])).toEqual(["p1", "p2", "p5"]);
      expect(r.partitions[0]).toMatchObject({ offset: 2048 * SEC, size: 4 * MiB, label: "linux" });
      expect(r.partitions[0]!.type).toBe(GUID_LINUX);
      expect(r.partitions[1]!.type).toBe(GUID_NETBSD_FFS);
      img.fill(0, SEC, 34 * SEC);
      const b = ok(probe(img));
      expect(brief(b)).toEqual(brief(r));
      expect(b.warnings.length).toBe(1);
    },
  );
});

describe("rump_pub_etfs_register_partitions", () => {
  function bootWith(img: Uint8Array) {
    const host = new MemoryHost({ log: false });
    host.files.writeFile("disk.img", img);
    const k = createKernel({ host });
    const sys = createSyscalls(k);
    return { k, sys, host, done: () => release(k) };
  }

  it("registers MBR partitions as block devices with their windows", () => {
    const img = new Uint8Array(8 * MiB);
    writeMbr(img, 0, [
      { type: 0x83, start: 2048, nsect: 2048 },
      { type: 0x05, start: 4096, nsect: 8192 },
    ]);
    writeEbrChain(img, 4096, [4096], [{ start: 2048, nsect: 2048 }]);
    img.fill(0x11, 2048 * SEC, 2049 * SEC);
    img.fill(0x55, 6144 * SEC, 6145 * SEC);
    const { k, sys, done } = bootWith(img);
    try {
      const keys = { v: [] as string[] };
      expect(k.rump_pub_etfs_register_partitions("/dev/wd0", "disk.img", keys)).toBe(0);
      expect(keys.v).toEqual(["/dev/wd0p1", "/dev/wd0p5"]);
      expect(sys.rump_sys_stat("/dev/wd0p5").st_mode & S_IFMT).toBe(S_IFBLK);
      for (const [key, byte] of [
        ["/dev/wd0p1", 0x11],
        ["/dev/wd0p5", 0x55],
      ] as const) {
        const fd = sys.rump_sys_open(key, O_RDONLY);
        const buf = new Uint8Array(SEC);
        expect(sys.rump_sys_read(fd, buf)).toBe(SEC);
        expect(buf.every((b) => b === byte)).toBe(true);
        sys.rump_sys_close(fd);
      }
      // registering again collides with the keys: nothing half-registered
      expect(k.rump_pub_etfs_register_partitions("/dev/wd0", "disk.img")).not.toBe(0);
      expect(k.rump_pub_etfs_remove("/dev/wd0p1")).toBe(0);
    } finally {
      done();
    }
  });

  it("disklabel partitions get letters; a bare disk is ENOENT; a missing file fails", () => {
    const img = new Uint8Array(4 * MiB);
    writeDisklabel(img, SEC, [
      { size: 4096, offset: 16, fstype: 7 },
      { size: 1024, offset: 4112, fstype: 1 },
    ]);
    const { k, done } = bootWith(img);
    try {
      const keys = { v: [] as string[] };
      expect(k.rump_pub_etfs_register_partitions("/dev/wd1", "disk.img", keys)).toBe(0);
      expect(keys.v).toEqual(["/dev/wd1a", "/dev/wd1b"]);
      expect(k.rump_pub_etfs_register_partitions("/dev/wd2", "nothere.img")).toBe(ENOENT);
    } finally {
      done();
    }
    const bare = bootWith(new Uint8Array(MiB));
    try {
      expect(bare.k.rump_pub_etfs_register_partitions("/dev/wd0", "disk.img")).toBe(ENOENT);
    } finally {
      bare.done();
    }
  });
});
