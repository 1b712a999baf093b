/**
 * The seeded random workload (helpers/fs_workload.ts, with FAT's
 * capabilities) on FAT12, FAT16 and FAT32 images of mkfs.fat and of our
 * newfs_msdos, against a shadow tree on tmpfs. Each run ends with
 * `fsck.fat -n` clean, mtools (`mcopy -s` out) seeing the same tree and
 * bytes, and a fresh kernel, mounting the image again, agreeing.
 */
import {
  copyFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { NodeHost } from "@rump/rumpuser";
import { createSyscalls, MNT_RDONLY, type RumpSyscalls } from "@rump/syscalls";
import { createKernel } from "../src/rump/rump.js";
import type { Kernel } from "../src/rump/kernel.js";
import { RUMP_ETFS_BLK } from "../src/rump/etfs.js";
import { memBlockDev } from "../src/dev/blockdev.js";
import { newfs_msdos, type NewfsMsdosOptions } from "../src/fs/msdosfs/msdosfs_newfs.js";
import { release } from "./helpers/kernel.js";
import {
  FAT_CAPS,
  mountShadow,
  randomWorkload,
  wdigest,
  wsnapshot,
} from "./helpers/fs_workload.js";
import {
  fatToolsMissing,
  fsckFat,
  mcopyOut,
  mkfsFat,
  type FatSpec,
} from "./helpers/msdosfs_images.js";

const missing = fatToolsMissing();
if (missing !== null) console.log(`msdosfs_workload.test.ts: skipped: ${missing}`);

interface Img {
  name: string;
  mkfs?: FatSpec;
  newfs?: NewfsMsdosOptions & { bytes: number };
}

const IMAGES: Img[] = [
  { name: "mkfs.fat FAT12", mkfs: { fat: 12, size: 6 << 20 } },
  { name: "mkfs.fat FAT16", mkfs: { fat: 16, size: 20 << 20 } },
  { name: "mkfs.fat FAT32", mkfs: { fat: 32, size: 36 << 20 } },
  { name: "newfs_msdos FAT12", newfs: { bytes: 6 << 20, fatType: 12, time: 1_700_000_000 } },
  { name: "newfs_msdos FAT16", newfs: { bytes: 20 << 20, time: 1_700_000_000 } },
  { name: "newfs_msdos FAT32", newfs: { bytes: 36 << 20, fatType: 32, time: 1_700_000_000 } },
  // sectors other than 512 bytes: clusters of 2 KiB (several per data block) and of 4 KiB
  { name: "mkfs.fat FAT16, 2 KiB sectors", mkfs: { fat: 16, size: 40 << 20, sector: 2048 } },
  {
    name: "newfs_msdos FAT12, 1 KiB sectors",
    newfs: { bytes: 6 << 20, fatType: 12, bytesPerSector: 1024, time: 1_700_000_000 },
  },
  {
    name: "newfs_msdos FAT16, 4 KiB sectors",
    newfs: { bytes: 24 << 20, fatType: 16, bytesPerSector: 4096, time: 1_700_000_000 },
  },
];

let dir = "";
beforeAll(() => {
  if (missing !== null) return;
  dir = mkdtempSync(join(tmpdir(), "msdosfs-wl-"));
});
afterAll(() => {
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

function makeImage(img: Img, path: string): void {
  if (img.mkfs !== undefined) return mkfsFat(path, img.mkfs);
  const b = new Uint8Array(img.newfs!.bytes);
  const why = { v: "" };
  expect(newfs_msdos(memBlockDev(b), img.newfs, why), why.v).toBe(0);
  writeFileSync(path, b);
}

interface T {
  k: Kernel;
  sys: RumpSyscalls;
}

function mountAt(image: string, flags: number): T {
  const k = createKernel({ host: new NodeHost({ env: false, console: () => {} }) });
  onTestFinished(() => release(k));
  const sys = createSyscalls(k);
  k.rump_pub_etfs_register("/dev/fat", image, RUMP_ETFS_BLK);
  sys.rump_sys_mkdir("/mnt", 0o755);
  sys.rump_sys_mount("msdos", "/mnt", flags, { fspec: "/dev/fat" });
  return { k, sys };
}

/** Types and contents only (what mtools can tell us). */
function contents(snap: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(snap))
    out[k] = v.startsWith("40000 ") ? "dir" : v.split(" ").pop()!;
  return out;
}

/** A host tree in the same form. */
function hostContents(
  root: string,
  rel = "",
  out: Record<string, string> = {},
): Record<string, string> {
  for (const n of readdirSync(root)) {
    const p = join(root, n);
    if (statSync(p).isDirectory()) {
      out[`${rel}/${n}`] = "dir";
      hostContents(p, `${rel}/${n}`, out);
    } else out[`${rel}/${n}`] = wdigest(new Uint8Array(readFileSync(p)));
  }
  return out;
}

describe.skipIf(missing !== null).each(IMAGES)("$name", (img) => {
  it("seeded random workload: shadow, fsck.fat, mtools and a fresh kernel agree", () => {
    const image = join(dir, `${img.name.replace(/\W+/g, "-")}.img`);
    makeImage(img, image);
    onTestFinished(() => rmSync(image, { force: true }));
    const t = mountAt(image, 0);
    const s = t.sys;
    mountShadow(s);
    const shadow = randomWorkload(s, "/mnt", "/shadow", FAT_CAPS, {
      steps: 350,
      seed: 4242 + img.name.length,
      maxWrite: 200_000,
    });
    s.rump_sys_unmount("/mnt", 0);
    const r = fsckFat(image);
    expect(r.output).toBe(r.status === 0 ? r.output : "(fsck.fat clean)");
    // mtools sees the same tree and bytes
    const out = join(dir, `out-${img.name.replace(/\W+/g, "-")}`);
    onTestFinished(() => rmSync(out, { recursive: true, force: true }));
    mcopyOut(image, out);
    expect(hostContents(join(out, "w"))).toEqual(
      Object.fromEntries(Object.entries(contents(shadow))),
    );
    // and so does a fresh kernel
    const t2 = mountAt(image, MNT_RDONLY);
    expect(wsnapshot(t2.sys, "/mnt/w", FAT_CAPS)).toEqual(shadow);
  });
});

void copyFileSync;
