/**
 * fsu and openImage on FAT: `fsu mkfs -t msdos` (newfs_msdos) with its
 * options, the usual commands on the image, a FAT volume found by
 * detection in an MBR partition, `fsu fsck` pointing at fsck.fat, and
 * fsck.fat -n clean after everything.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openImage } from "../src/index.js";
import { fails, fsu, ok } from "./fsu_helpers.js";

const FSCK_FAT = "/usr/sbin/fsck.fat";
const MKFS_FAT = "/usr/sbin/mkfs.fat";
const haveDosfstools = existsSync(FSCK_FAT) && existsSync(MKFS_FAT);
if (!haveDosfstools)
  console.log("fsu_msdos.test.ts: fsck.fat checks skipped: dosfstools is not installed");

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "fsu-msdos-"));
});
afterAll(() => {
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

function fsckClean(img: string): void {
  if (!haveDosfstools) return;
  const r = spawnSync(FSCK_FAT, ["-n", img], { encoding: "utf8" });
  expect(r.stdout + r.stderr).toMatch(/files, /);
  expect(r.status).toBe(0);
}

describe("fsu on FAT", () => {
  it("mkfs -t msdos -F 32 -L: FAT32 made and described; the usual commands work; fsck.fat clean", async () => {
    const img = join(dir, "esp.img");
    expect(await ok(["mkfs", "-t", "msdos", "-F", "32", "-L", "EFI", "-s", "40m", img])).toBe(
      `${img}: FAT32, 40.0 MiB, label "EFI", clean\n`,
    );
    fsckClean(img);
    const j = JSON.parse(await ok(["info", "--json", img]));
    expect(j.fs).toMatchObject({ type: "msdos", variant: "FAT32", label: "EFI", clean: true });
    const src = join(dir, "src");
    mkdirSync(join(src, "EFI", "BOOT"), { recursive: true });
    writeFileSync(join(src, "EFI", "BOOT", "BOOTX64.EFI"), Buffer.alloc(70_000, 7));
    writeFileSync(join(src, "Read me first.txt"), "hello, FAT\n");
    await ok(["put", "-r", img, join(src, "EFI"), "/EFI"]);
    await ok(["put", img, join(src, "Read me first.txt"), "/"]);
    expect(await ok(["ls", img, "/"])).toBe("EFI\nRead me first.txt\n");
    const l = await ok(["ls", "-l", img, "/EFI/BOOT"]);
    expect(l).toMatch(/^total \d+\n-rwxr-xr-x +1 +0 +0 +70000 .* BOOTX64\.EFI\n$/);
    expect(await ok(["cat", img, "/read me first.TXT"])).toBe("hello, FAT\n");
    await ok(["mkdir", "-p", img, "/a/b/c"]);
    await ok(["mv", img, "/Read me first.txt", "/a/b/moved.txt"]);
    await ok(["rm", "-r", img, "/a/b/c"]);
    const out = join(dir, "out");
    await ok(["get", "-r", img, "/", out]);
    expect(readFileSync(join(out, "EFI", "BOOT", "BOOTX64.EFI")).length).toBe(70_000);
    expect(readFileSync(join(out, "a", "b", "moved.txt"), "utf8")).toBe("hello, FAT\n");
    // what FAT cannot do says so
    expect(await fails(["ln", "-s", img, "x", "/l"])).toMatch(/EOPNOTSUPP/);
    expect(await fails(["fsck", img])).toMatch(
      /EOPNOTSUPP.*no checker for FAT32 yet \(use fsck\.fat -n\)/,
    );
    fsckClean(img);
    expect(JSON.parse(await ok(["info", "--json", img])).fs.clean).toBe(true);
  });

  it("mkfs options: -F 12/16, -S, -c, -I; -F with a width only for msdos; --force over a file system", async () => {
    const img = join(dir, "opts.img");
    await ok([
      "mkfs",
      "-t",
      "msdos",
      "-F",
      "16",
      "-S",
      "2048",
      "-c",
      "2",
      "-I",
      "0xdeadbeef",
      "-s",
      "32m",
      img,
    ]);
    const j = JSON.parse(await ok(["info", "--json", img]));
    expect(j.fs).toMatchObject({ variant: "FAT16" });
    expect(j.fs.details).toMatchObject({
      bytesPerSector: 2048,
      sectorsPerCluster: 2,
      volumeId: "deadbeef",
    });
    fsckClean(img);
    // a file system is there: refused without --force (-F 12 is the width, not force)
    expect(await fails(["mkfs", "-t", "msdos", "-F", "12", img])).toMatch(/EEXIST.*FAT16/);
    await ok(["mkfs", "-t", "msdos", "-F", "12", "--force", img]);
    expect(JSON.parse(await ok(["info", "--json", img])).fs.variant).toBe("FAT12");
    fsckClean(img);
    const r = await fsu(["mkfs", "-F", "32", "-s", "1m", join(dir, "x.img")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/a FAT width is for -t msdos/);
  });

  it("SOURCE_DATE_EPOCH makes mkfs -t msdos reproducible", async () => {
    const a = join(dir, "r1.img");
    const b = join(dir, "r2.img");
    const env = { SOURCE_DATE_EPOCH: "1700000000" };
    await ok(["mkfs", "-t", "msdos", "-L", "SAME", "-s", "8m", a], { env });
    await ok(["mkfs", "-t", "msdos", "-L", "SAME", "-s", "8m", b], { env });
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
  });

  it.skipIf(!haveDosfstools)(
    "a mkfs.fat volume in an MBR partition is found and mounted",
    async () => {
      const img = join(dir, "mbr.img");
      const bytes = Buffer.alloc(24 << 20);
      bytes.writeUInt8(0x0c, 446 + 4); // FAT32 LBA
      bytes.writeUInt32LE(2048, 446 + 8);
      bytes.writeUInt32LE((24 << 11) - 2048, 446 + 12);
      bytes[510] = 0x55;
      bytes[511] = 0xaa;
      writeFileSync(img, bytes);
      const part = join(dir, "part.img");
      writeFileSync(part, Buffer.alloc((24 << 20) - (1 << 20)));
      execFileSync(MKFS_FAT, ["-F", "16", "-n", "INPART", part], { stdio: "pipe" });
      const whole = readFileSync(img);
      readFileSync(part).copy(whole, 1 << 20);
      writeFileSync(img, whole);
      const j = JSON.parse(await ok(["info", "--json", img]));
      expect(j.partitions[0].fs).toMatchObject({
        type: "msdos",
        variant: "FAT16",
        label: "INPART",
      });
      await ok(["write", `${img}%p1%`, "/hello.txt"], { input: "in a partition" });
      expect(await ok(["cat", img, "/hello.txt"])).toBe("in a partition");
      const h = openImage(img);
      try {
        expect(h.readdir("/")).toEqual(["hello.txt"]);
      } finally {
        h.close();
      }
    },
  );
});
