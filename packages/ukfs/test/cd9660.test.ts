/**
 * ISO 9660 images through ukfs and fsu: detection (Rock Ridge, Joliet,
 * sessions, the El Torito boot catalog checked against xorriso's own
 * report), an image inside an MBR partition, openImage (read-only; a
 * read-write open says why not; mount arguments), and the fsu commands:
 * info shows the boot images, `get -r` brings back the source tree, a
 * command that writes is refused.
 */
import { execFileSync } from "node:child_process";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EROFS } from "@rump/syscalls";
import {
  ISOFSMNT_NORRIP,
  openImage,
  probeDevice,
  probeImage,
  UkfsOpenError,
} from "../src/index.js";
import { fails, ok } from "./fsu_helpers.js";
import { writeMbr } from "./helpers.js";

const XORRISO = "/usr/bin/xorriso";
const missing = existsSync(XORRISO)
  ? null
  : `${XORRISO} is not installed (apt-get install xorriso)`;
if (missing !== null) console.log(`ukfs cd9660.test.ts: skipped: ${missing}`);

let dir = "";
const iso = (n: string): string => join(dir, `${n}.iso`);

function xorriso(args: string[]): string {
  return execFileSync(XORRISO, args, { stdio: ["ignore", "pipe", "pipe"] }).toString();
}

beforeAll(() => {
  if (missing !== null) return;
  dir = mkdtempSync(join(tmpdir(), "ukfs-cd9660-"));
  const src = join(dir, "src");
  mkdirSync(join(src, "docs", "deep"), { recursive: true });
  mkdirSync(join(src, "boot"));
  writeFileSync(join(src, "hello.txt"), "hello from an ISO\n");
  writeFileSync(join(src, "docs", "Read Me.md"), "# read me\n");
  writeFileSync(join(src, "docs", "deep", "data.bin"), Buffer.alloc(300_000, 0x5a));
  writeFileSync(join(src, "boot", "bios.img"), Buffer.alloc(2048, 0xb1));
  writeFileSync(join(src, "boot", "efi.img"), Buffer.alloc(1474560, 0xef));
  symlinkSync("../hello.txt", join(src, "docs", "link"));
  let t = 1_700_000_000;
  for (const p of [
    "hello.txt",
    "docs/Read Me.md",
    "docs/deep/data.bin",
    "boot/bios.img",
    "boot/efi.img",
  ])
    utimesSync(join(src, p), t, t++);
  for (const p of ["docs/deep", "docs", "boot"]) utimesSync(join(src, p), t, t++);
  xorriso(["-as", "mkisofs", "-R", "-J", "-V", "MY_DISC", "-o", iso("plain"), src]);
  xorriso([
    "-as",
    "mkisofs",
    "-R",
    "-J",
    "-V",
    "BOOTABLE",
    "-b",
    "boot/bios.img",
    "-c",
    "boot/boot.cat",
    "-no-emul-boot",
    "-boot-load-size",
    "4",
    "-eltorito-alt-boot",
    "-e",
    "boot/efi.img",
    "-no-emul-boot",
    "-o",
    iso("boot"),
    src,
  ]);
}, 60_000);

afterAll(() => {
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(missing !== null)("ISO 9660 images in ukfs and fsu", () => {
  it("probe: type, label, size, Rock Ridge and Joliet, one session", () => {
    const p = probeImage(iso("plain"));
    expect(p.fs).toMatchObject({
      type: "cd9660",
      variant: "ISO 9660 (Rock Ridge, Joliet)",
      label: "MY_DISC",
      size: readFileSync(iso("plain")).length,
      clean: null,
      details: { blockSize: 2048, sessions: 1, rockRidge: true, joliet: 3 },
    });
    expect(p.fs!.boot).toBeUndefined();
    expect(p.partitions).toMatchObject({ ok: true, scheme: "none" });
  });

  it("probe: the El Torito catalog is what xorriso reports", () => {
    const p = probeImage(iso("boot"));
    expect(p.fs!.variant).toBe("ISO 9660 (Rock Ridge, Joliet, El Torito)");
    const boot = p.fs!.boot!;
    expect(boot.warnings).toEqual([]);
    // xorriso's own reading: "El Torito boot img :   1  BIOS  y   none  0x0000  0x00      4          34"
    const report = xorriso(["-indev", iso("boot"), "-report_el_torito", "plain"]);
    const cat = /El Torito catalog\s*:\s*(\d+)/.exec(report)!;
    expect(boot.catalog).toBe(Number(cat[1]));
    const rows = [
      ...report.matchAll(
        /El Torito boot img :\s+(\d+)\s+(\S+)\s+(\S)\s+(\S+)\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)\s+(\d+)\s+(\d+)/g,
      ),
    ];
    expect(rows.length).toBe(2);
    expect(boot.images.length).toBe(2);
    rows.forEach((r, i) => {
      const im = boot.images[i]!;
      expect(im.platform).toBe(r[2]);
      expect(im.bootable).toBe(r[3] === "y");
      expect(im.emulation).toBe(r[4]);
      expect(im.loadSegment).toBe(Number(r[5]));
      expect(im.systemType).toBe(Number(r[6]));
      expect(im.sectorCount).toBe(Number(r[7]));
      expect(im.block).toBe(Number(r[8]));
    });
  });

  it("fsu info shows the boot images (and --json the catalog)", async () => {
    const out = await ok(["info", iso("boot")]);
    expect(out).toContain("file system: ISO 9660 (Rock Ridge, Joliet, El Torito)");
    expect(out).toContain("label: BOOTABLE");
    expect(out).toMatch(/El Torito boot catalog at block \d+ \(BIOS\), 2 boot images/);
    expect(out).toMatch(
      /boot image 1: BIOS, bootable, emulation none, load segment 0x0000 \(the default, 0x07c0\), 4 sectors, at block \d+/,
    );
    expect(out).toMatch(
      /boot image 2: UEFI, bootable, emulation none, .*, 2880 sectors, at block \d+/,
    );
    const j = JSON.parse(await ok(["info", "--json", iso("boot")])) as {
      fs: { type: string; boot: { images: { platform: string }[] } };
    };
    expect(j.fs.type).toBe("cd9660");
    expect(j.fs.boot.images.map((x) => x.platform)).toEqual(["BIOS", "UEFI"]);
  });

  it("probe and openImage: an ISO inside an MBR partition", () => {
    const bytes = readFileSync(iso("plain"));
    const disk = new Uint8Array((1 << 20) + bytes.length + 4096);
    disk.set(bytes, 1 << 20);
    writeMbr(disk, [[0x96, 2048, Math.ceil(bytes.length / 512)]]);
    const img = join(dir, "disk.img");
    writeFileSync(img, disk);
    const p = probeDevice((off, buf) => {
      const n = Math.max(0, Math.min(buf.length, disk.length - off));
      buf.set(disk.subarray(off, off + n));
      return n;
    }, disk.length);
    expect(p.fs).toBeNull();
    expect(p.partitionFs[0]!.fs).toMatchObject({ type: "cd9660", label: "MY_DISC" });
    using fs = openImage(img);
    expect(fs.readFile("/hello.txt", "utf8")).toBe("hello from an ISO\n");
    using fs2 = openImage(img, { partition: "p1" });
    expect(fs2.readdir("/docs").sort()).toEqual(["Read Me.md", "deep", "link"]);
  });

  it("openImage: read-only; read-write says why not; mount arguments choose Joliet", () => {
    {
      using fs = openImage(iso("plain"));
      expect(fs.readFile("/docs/Read Me.md", "utf8")).toBe("# read me\n");
      expect(fs.readlink("/docs/link")).toBe("../hello.txt");
      expect(fs.stat("/docs/deep/data.bin").size).toBe(300_000);
      expect(fs.statfs("/").type).toBe("cd9660");
    }
    let err: unknown;
    try {
      openImage(iso("plain"), { readonly: false });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UkfsOpenError);
    expect((err as UkfsOpenError).errno).toBe(EROFS);
    expect((err as Error).message).toContain("ISO 9660 is read-only");
    // Joliet: no Rock Ridge modes, and no symbolic links (xorriso leaves them out of that tree)
    using j = openImage(iso("plain"), { mountArgs: { flags: ISOFSMNT_NORRIP } });
    expect(j.readdir("/docs").sort()).toEqual(["Read Me.md", "deep"]);
    expect(j.stat("/hello.txt").mode & 0o777).toBe(0o555);
  });

  it("fsu get -r brings the source tree back: bytes, modes, times, links", async () => {
    const dest = join(dir, "got");
    mkdirSync(dest);
    await ok(["get", "-r", iso("plain"), "/", dest]);
    const src = join(dir, "src");
    const walk = (rel: string): void => {
      const names = readdirSync(join(src, rel)).sort();
      expect(readdirSync(join(dest, rel)).sort(), rel).toEqual(names);
      for (const n of names) {
        const a = lstatSync(join(src, rel, n));
        const b = lstatSync(join(dest, rel, n));
        const p = join(rel, n);
        expect(b.mode, p).toBe(a.mode);
        if (a.isSymbolicLink())
          expect(readlinkSync(join(dest, p))).toBe(readlinkSync(join(src, p)));
        else expect(Math.floor(b.mtimeMs / 1000), p).toBe(Math.floor(a.mtimeMs / 1000));
        if (a.isDirectory()) walk(p);
        else if (a.isFile())
          expect(readFileSync(join(dest, p)).equals(readFileSync(join(src, p))), p).toBe(true);
      }
    };
    walk("");
  });

  it("fsu commands that write are refused: the image is read-only", async () => {
    const line = await fails(["mkdir", iso("plain"), "/new"]);
    expect(line).toContain("EROFS");
    expect(line).toContain("ISO 9660 is read-only");
    expect(await ok(["cat", iso("plain"), "/hello.txt"])).toBe("hello from an ISO\n");
  });
});
