/**
 * newfs_ext2fs (ufs/ext2fs/ext2fs_newfs.ts): images that `e2fsck -fn`
 * finds clean straight after formatting, for revisions 0 and 1, block
 * sizes 1, 2 and 4 KiB, inode sizes 128 and 256, inode counts and
 * densities; what `dumpe2fs -h` reads back; root and lost+found as our
 * kernel sees them; reproducible output; refused options. With
 * `type: "ext4"`: the superblock, journal and group layout mkfs.ext4
 * makes for the same size (dumpe2fs compared field by field), seeds.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { NodeHost } from "@rump/rumpuser";
import {
  createSyscalls,
  EINVAL,
  MNT_RDONLY,
  O_CREAT,
  O_RDWR,
  S_IFDIR,
  S_IFMT,
} from "@rump/syscalls";
import { memBlockDev } from "../src/dev/blockdev.js";
import { createKernel } from "../src/rump/rump.js";
import { RUMP_ETFS_BLK } from "../src/rump/etfs.js";
import { newfs_ext2fs, type NewfsExt2Options } from "../src/index.js";
import { ext2fs_sbcheck, ext2fs_sbparse } from "../src/ufs/ext2fs/ext2fs.js";
import { e2fsck, E2FSCK } from "./helpers/ext2fs_images.js";
import { listdir, release } from "./helpers/kernel.js";
import { fileBlockDev } from "./helpers/ext4_images.js";

const MiB = 1 << 20;
const DUMPE2FS = "/usr/sbin/dumpe2fs";
const missing = existsSync(E2FSCK)
  ? null
  : `${E2FSCK} is not installed (apt-get install e2fsprogs)`;
if (missing !== null) console.log(`ext2fs_newfs.test.ts: e2fsck checks skipped: ${missing}`);

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "ext2fs-newfs-"));
});
afterAll(() => {
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

function mk(mb: number, opts: NewfsExt2Options): Uint8Array {
  const img = new Uint8Array(mb * MiB);
  const why = { v: "" };
  expect(newfs_ext2fs(memBlockDev(img), opts, why), why.v).toBe(0);
  return img;
}

let serial = 0;
function save(img: Uint8Array): string {
  const p = join(dir, `img-${serial++}.img`);
  writeFileSync(p, img);
  onTestFinished(() => rmSync(p, { force: true }));
  return p;
}

/** `dumpe2fs -h` as a map of field → value. */
function dumpe2fs(image: string): Map<string, string> {
  const out = execFileSync(DUMPE2FS, ["-h", image], { encoding: "utf8", stdio: "pipe" });
  const m = new Map<string, string>();
  for (const line of out.split("\n")) {
    const i = line.indexOf(":");
    if (i > 0) m.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  return m;
}

describe.skipIf(missing !== null)("newfs_ext2fs images pass e2fsck -fn", () => {
  const cases: [number, NewfsExt2Options][] = [
    [8, { rev: 1 }],
    [8, { rev: 1, bsize: 2048, isize: 128 }],
    [40, { rev: 1, bsize: 4096, volname: "rumpvol" }],
    [20, { rev: 1, bsize: 1024, inodes: 3000 }],
    [20, { rev: 1, bsize: 1024, density: 65536, minfree: 0 }],
    [9, { rev: 1, bsize: 1024, sparse: false, filetype: false }],
    [8, { rev: 0, bsize: 1024 }],
    [24, { rev: 0, bsize: 4096 }],
    [1, { rev: 1, bsize: 1024 }],
    [33, { rev: 1, bsize: 1024 }], // a short last group
  ];
  it.each(cases)("%i MiB %o", (mb, opts) => {
    const image = save(mk(mb, { time: 1_700_000_000, ...opts }));
    const r = e2fsck(image);
    expect(r.output).toBe(r.status === 0 ? r.output : "(clean)");
    expect(r.status).toBe(0);
    const h = dumpe2fs(image);
    const rev = opts.rev ?? 1;
    expect(h.get("Filesystem revision #")).toMatch(new RegExp(`^${rev} `));
    expect(h.get("Block size")).toBe(String(opts.bsize ?? 1024));
    if (rev === 1) expect(h.get("Inode size")).toBe(String(opts.isize ?? 256));
    expect(h.get("Filesystem state")).toBe("clean");
    if (opts.volname !== undefined) expect(h.get("Filesystem volume name")).toBe(opts.volname);
    const inodes = Number(h.get("Inode count"));
    if (opts.inodes !== undefined) {
      expect(inodes).toBeGreaterThanOrEqual(opts.inodes);
      expect(inodes).toBeLessThan(opts.inodes * 1.1 + 64);
    }
    const features = h.get("Filesystem features") ?? "";
    if (rev === 1) {
      expect(features.includes("sparse_super")).toBe(opts.sparse !== false);
      expect(features.includes("filetype")).toBe(opts.filetype !== false);
    }
    expect(Number(h.get("Reserved block count"))).toBe(
      Math.floor((Number(h.get("Block count")) * (opts.minfree ?? 5)) / 100),
    );
  });
});

describe("newfs_ext2fs", () => {
  it("our kernel mounts it: root has . .. lost+found, statvfs agrees with the superblock", () => {
    const img = mk(8, { rev: 1, bsize: 1024, time: 1_600_000_000, rootUid: 5, rootGid: 6 });
    const fs = ext2fs_sbparse(img, 1024);
    expect(ext2fs_sbcheck(fs)).toBeNull();
    const image = save(img);
    const k = createKernel({ host: new NodeHost({ env: false }) });
    onTestFinished(() => release(k));
    const s = createSyscalls(k);
    k.rump_pub_etfs_register("/dev/e2", image, RUMP_ETFS_BLK);
    s.rump_sys_mkdir("/mnt", 0o755);
    s.rump_sys_mount("ext2fs", "/mnt", MNT_RDONLY, { fspec: "/dev/e2" });
    expect(listdir(s, "/mnt").sort()).toEqual([".", "..", "lost+found"]);
    const root = s.rump_sys_stat("/mnt");
    expect(root.st_mode).toBe(S_IFDIR | 0o755);
    expect(root.st_nlink).toBe(3);
    expect([root.st_uid, root.st_gid]).toEqual([5, 6]);
    expect(root.st_mtimespec.tv_sec).toBe(1_600_000_000);
    const lpf = s.rump_sys_stat("/mnt/lost+found");
    expect(lpf.st_mode & S_IFMT).toBe(S_IFDIR);
    expect(lpf.st_mode & 0o7777).toBe(0o700);
    expect(lpf.st_ino).toBe(11);
    const st = s.rump_sys_statvfs1("/mnt", 1);
    expect(st.f_bfree).toBe(fs.e2fs_fbcount);
    expect(st.f_ffree).toBe(fs.e2fs_ficount);
    expect(st.f_files).toBe(fs.e2fs_icount);
    s.rump_sys_unmount("/mnt", 0);
  });

  it("is reproducible for a given time, and the time shows", () => {
    const a = mk(4, { rev: 1, time: 1234567890 });
    const b = mk(4, { rev: 1, time: 1234567890 });
    const c = mk(4, { rev: 1, time: 1234567891 });
    expect(Buffer.compare(a, b)).toBe(0);
    expect(Buffer.compare(a, c)).not.toBe(0);
    expect(ext2fs_sbparse(a, 1024).e2fs_wtime).toBe(1234567890);
  });

  it("refuses impossible options with a reason", () => {
    const dev = memBlockDev(new Uint8Array(4 * MiB));
    const why = { v: "" };
    const bad: NewfsExt2Options[] = [
      { bsize: 8192 },
      { bsize: 1000 },
      { rev: 1, isize: 512 },
      { rev: 0, isize: 256 },
      { rev: 0, volname: "x" },
      { volname: "a-label-longer-than-16" },
      { minfree: 51 },
      { inodes: 5 },
      { density: 10 },
      { time: -1 },
      { size: 8 * MiB },
      { rev: 2 as 1 },
    ];
    for (const o of bad) {
      expect(newfs_ext2fs(dev, o, why), JSON.stringify(o)).toBe(EINVAL);
      expect(why.v, JSON.stringify(o)).not.toBe("");
    }
    // too small for even one group's metadata
    expect(newfs_ext2fs(memBlockDev(new Uint8Array(16 * 1024)), { inodes: 16 }, why)).toBe(EINVAL);
    expect(why.v).toMatch(/too small/);
  });
});

const MKFS_EXT4 = "/usr/sbin/mkfs.ext4";

/** `dumpe2fs` group lines without checksums (the layout, block for block). */
function groupLayout(image: string): string[] {
  const out = execFileSync(DUMPE2FS, [image], { encoding: "utf8", stdio: "pipe" });
  return out
    .split("\n")
    .filter((l) =>
      /^Group \d+|^\s+(Primary|Backup|Reserved|Block bitmap|Inode bitmap|Inode table|\d+ free)/.test(
        l,
      ),
    )
    .map((l) => l.replace(/,? csum 0x[0-9a-f]+/g, ""));
}

describe.skipIf(missing !== null || !existsSync(MKFS_EXT4))("newfs_ext2fs -t ext4", () => {
  it.each([
    ["64 MiB (1 KiB blocks)", 64 * MiB],
    ["600 MiB (4 KiB blocks)", 600 * MiB],
    ["2 GiB (several flex groups)", 2048 * MiB],
  ])("%s: e2fsck -fn clean; the features, journal and layout mkfs.ext4 makes", (_, bytes) => {
    const image = join(dir, `e4-${serial++}.img`);
    onTestFinished(() => rmSync(image, { force: true }));
    const dev = fileBlockDev(image, bytes);
    const why = { v: "" };
    try {
      expect(newfs_ext2fs(dev, { type: "ext4", time: 1_700_000_000, seed: 7 }, why), why.v).toBe(0);
    } finally {
      dev.close();
    }
    const r = e2fsck(image);
    expect(r.output).toBe(r.status === 0 ? r.output : "(clean)");
    expect(r.status).toBe(0);
    const theirs = join(dir, `mkfs-${serial++}.img`);
    onTestFinished(() => rmSync(theirs, { force: true }));
    execFileSync(MKFS_EXT4, ["-q", "-F", theirs, `${bytes / 1024}k`], {
      stdio: "pipe",
      env: { ...process.env, E2FSPROGS_FAKE_TIME: "1700000000" },
    });
    const ours = dumpe2fs(image);
    const ref = dumpe2fs(theirs);
    for (const f of [
      "Filesystem features",
      "Filesystem flags",
      "Default mount options",
      "Block size",
      "Inode count",
      "Block count",
      "Reserved block count",
      "Overhead clusters",
      "Free blocks",
      "Free inodes",
      "Group descriptor size",
      "Reserved GDT blocks",
      "Blocks per group",
      "Inodes per group",
      "Flex block group size",
      "Inode size",
      "Required extra isize",
      "Desired extra isize",
      "Journal inode",
      "Default directory hash",
      "Journal backup",
      "Checksum type",
      "Total journal size",
      "Total journal blocks",
      "Journal sequence",
      "Journal start",
    ])
      expect([f, ours.get(f)]).toEqual([f, ref.get(f)]);
    expect(groupLayout(image)).toEqual(groupLayout(theirs));
  });

  it("a fresh kernel mounts it and writes to it; the same seed gives the same image, another another UUID", () => {
    const a = mk(16, { type: "ext4", time: 1_700_000_000, seed: 1 });
    const b = mk(16, { type: "ext4", time: 1_700_000_000, seed: 1 });
    const c = mk(16, { type: "ext4", time: 1_700_000_000, seed: 2 });
    expect(Buffer.compare(a, b)).toBe(0);
    const uuid = (x: Uint8Array): string =>
      Buffer.from(x.subarray(1024 + 104, 1024 + 120)).toString("hex");
    expect(uuid(a)).not.toBe(uuid(c));
    const image = save(a);
    const k = createKernel({ host: new NodeHost({ env: false }) });
    onTestFinished(() => release(k));
    const s = createSyscalls(k);
    k.rump_pub_etfs_register("/dev/e4", image, RUMP_ETFS_BLK);
    s.rump_sys_mkdir("/mnt", 0o755);
    s.rump_sys_mount("ext2fs", "/mnt", 0, { fspec: "/dev/e4" });
    expect(listdir(s, "/mnt").sort()).toEqual([".", "..", "lost+found"]);
    s.rump_sys_mkdir("/mnt/d", 0o755);
    const fd = s.rump_sys_open("/mnt/d/f", O_CREAT | O_RDWR, 0o644);
    s.rump_sys_write(fd, new Uint8Array(100_000).fill(7));
    s.rump_sys_close(fd);
    s.rump_sys_unmount("/mnt", 0);
    const r = e2fsck(image);
    expect(r.output).toBe(r.status === 0 ? r.output : "(clean)");
  });
});
