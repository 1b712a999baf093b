/**
 * fsu mkdisk (issue 17): a partitioned disk in one command, checked by the
 * real tools — sgdisk -v and sfdisk --dump see the table meant, e2fsck -fn
 * is clean on the ext2 partition's bytes, fsck.fat -n and mtools on the
 * FAT EFI system partition's, our fsck_ffs on the FFS one —
 * and byte-identical across runs under SOURCE_DATE_EPOCH.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, fails, ok } from "./fsu_helpers.js";

const which = (...c: string[]): string | undefined => c.find((f) => existsSync(f));
const SGDISK = which("/usr/sbin/sgdisk", "/sbin/sgdisk", "/usr/bin/sgdisk");
const SFDISK = which("/usr/sbin/sfdisk", "/sbin/sfdisk");
const E2FSCK = which("/usr/sbin/e2fsck", "/sbin/e2fsck");
const FSCK_FAT = which("/usr/sbin/fsck.fat", "/sbin/fsck.fat");
const MTYPE = which("/usr/bin/mtype");
const EPOCH = "1700000000";

let dir: string;
let boot: string;
let root: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "mkdisk-"));
  boot = join(dir, "boot");
  root = join(dir, "root");
  mkdirSync(join(boot, "efi"), { recursive: true });
  writeFileSync(join(boot, "efi/loader.bin"), Buffer.alloc(100_000, 7));
  mkdirSync(join(root, "etc"), { recursive: true });
  writeFileSync(join(root, "etc/hostname"), "rump\n");
  writeFileSync(join(root, "readme"), "x".repeat(5000));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha = (f: string): string => createHash("sha256").update(readFileSync(f)).digest("hex");

/** Bytes [offset, offset+size) of `img` as a file of their own. */
function extract(img: string, offset: number, size: number): string {
  const out = `${img}.part-${offset}`;
  writeFileSync(out, readFileSync(img).subarray(offset, offset + size));
  return out;
}

function mkdiskIn(env: Record<string, string>, args: string[]): void {
  const r = spawnSync(process.execPath, [BIN, "mkdisk", ...args], {
    env: { ...process.env, FSU_PROGRESS: "0", ...env },
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`fsu mkdisk: ${r.stderr}`);
}

describe("fsu mkdisk", () => {
  it("GPT: the table sgdisk and sfdisk see, each partition formatted, filled and clean", async () => {
    const img = join(dir, "gpt.img");
    const out = await ok([
      "mkdisk",
      "--part",
      `name=boot,type=efi,fs=ffs,dir=${boot}`,
      "--part",
      `name=root,fs=ext2,size=16m,dir=${root}`,
      "--part",
      `name=esp,type=efi,fs=msdos,dir=${boot}`,
      img,
    ]);
    expect(out).toMatch(/partition table: gpt, 3 partitions/);
    if (SGDISK !== undefined) {
      const v = execFileSync(SGDISK, ["-v", img]).toString();
      expect(v).toMatch(/No problems found/);
    } else console.log("sgdisk check skipped: gdisk is not installed");
    if (SFDISK === undefined) return console.log("sfdisk checks skipped: fdisk is not installed");
    const dump = JSON.parse(execFileSync(SFDISK, ["--json", img]).toString()) as {
      partitiontable: {
        label: string;
        partitions: { start: number; size: number; type: string; name: string }[];
      };
    };
    const [p1, p2, p3] = dump.partitiontable.partitions;
    expect(dump.partitiontable.label).toBe("gpt");
    expect(p1).toMatchObject({
      start: 2048,
      type: "C12A7328-F81F-11D2-BA4B-00A0C93EC93B",
      name: "boot",
    });
    expect(p2).toMatchObject({
      size: 32768,
      type: "0FC63DAF-8483-4772-8E79-3D69D8477DE4",
      name: "root",
    });
    expect((p2!.start * 512) % (1 << 20)).toBe(0);
    if (E2FSCK !== undefined) {
      const part = extract(img, p2!.start * 512, p2!.size * 512);
      execFileSync(E2FSCK, ["-fn", part], { stdio: "pipe" }); // throws unless clean
    }
    expect(p3).toMatchObject({ type: "C12A7328-F81F-11D2-BA4B-00A0C93EC93B", name: "esp" });
    if (FSCK_FAT !== undefined && MTYPE !== undefined) {
      const part = extract(img, p3!.start * 512, p3!.size * 512);
      execFileSync(FSCK_FAT, ["-n", part], { stdio: "pipe" }); // throws unless clean
      const got = execFileSync(MTYPE, ["-i", part, "::/efi/loader.bin"], {
        env: { ...process.env, MTOOLS_SKIP_CHECK: "1" },
      });
      expect(got.equals(Buffer.alloc(100_000, 7))).toBe(true);
    } else console.log("FAT checks skipped: dosfstools or mtools is not installed");
    expect(await ok(["info", `${img}%p3%`])).toMatch(/FAT1[26].*ESP/);
    expect(await ok(["fsck", `${img}%p1%`])).toMatch(/no problems found/);
    expect(await ok(["cat", `${img}%p2%`, "/etc/hostname"])).toBe("rump\n");
    expect((await ok(["ls", "-l", `${img}%p1%`, "/efi"])).trim()).toMatch(/100000 .* loader\.bin$/);
  });

  it("MBR with an ext4 partition taking the rest of the disk: e2fsck -fn clean", async () => {
    const img = join(dir, "mbr.img");
    await ok([
      "mkdisk",
      "-t",
      "mbr",
      "-s",
      "40m",
      "--part",
      `name=a,fs=ffs,size=8m,dir=${boot},bootable`,
      "--part",
      `name=b,fs=ext4,dir=${root}`,
      img,
    ]);
    expect(await ok(["cat", `${img}%p2%`, "/etc/hostname"])).toBe("rump\n");
    expect(await ok(["info", `${img}%p2%`])).toMatch(/ext4/);
    if (SFDISK === undefined) return console.log("sfdisk checks skipped: fdisk is not installed");
    const dump = JSON.parse(execFileSync(SFDISK, ["--json", img]).toString()) as {
      partitiontable: {
        label: string;
        partitions: { start: number; size: number; type: string; bootable?: boolean }[];
      };
    };
    expect(dump.partitiontable.label).toBe("dos");
    const [a, b] = dump.partitiontable.partitions;
    expect(a).toMatchObject({ start: 2048, size: 16384, type: "a9", bootable: true });
    expect(b).toMatchObject({ start: 18432, type: "83" });
    expect((b!.start + b!.size) * 512).toBe(40 << 20);
    expect(await ok(["df", `${img}%p2%`])).toMatch(/ext2fs/);
    if (E2FSCK !== undefined) {
      const part = extract(img, b!.start * 512, b!.size * 512);
      execFileSync(E2FSCK, ["-fn", part], { stdio: "pipe" }); // throws unless clean
    }
  });

  it("a layout file gives the same disk; two runs under SOURCE_DATE_EPOCH a second apart are byte-identical", async () => {
    const layout = join(dir, "disk.json");
    writeFileSync(
      layout,
      JSON.stringify({
        scheme: "gpt",
        partitions: [
          { name: "boot", fs: "ffs", dir: "./boot" },
          { name: "esp", type: "efi", fs: "msdos", dir: "./boot" },
          { name: "root", fs: "ext2", dir: "./root" },
        ],
      }),
    );
    const a = join(dir, "r1.img");
    const b = join(dir, "r2.img");
    mkdiskIn({ SOURCE_DATE_EPOCH: EPOCH, TZ: "UTC" }, ["--layout", layout, a]);
    await new Promise((r) => setTimeout(r, 1100));
    mkdiskIn({ SOURCE_DATE_EPOCH: EPOCH, TZ: "Asia/Kolkata" }, ["--layout", layout, b]);
    expect(sha(a)).toBe(sha(b));
    const c = join(dir, "r3.img");
    mkdiskIn({}, ["--layout", layout, c]); // without it the GUIDs are random
    expect(sha(c)).not.toBe(sha(a));
  });

  it("bad layouts are usage errors or clear refusals", async () => {
    const img = join(dir, "bad.img");
    expect(
      await fails(["mkdisk", "--part", "name=x,size=4m,fs=ffs", "--part", "name=x,size=4m", img]),
    ).toMatch(/two partitions named "x"/);
    expect(
      await fails(["mkdisk", "--part", "name=a", "--part", "name=b", "-s", "8m", img]),
    ).toMatch(/only one partition can take the rest/);
    expect(await fails(["mkdisk", "-s", "4m", "--part", "name=a,size=8m", img])).toMatch(
      /the disk has 4 MiB/,
    );
  });
});
