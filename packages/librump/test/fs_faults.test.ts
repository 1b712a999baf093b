/**
 * Every disk file system under injected disk faults (issue: "Faults"), one
 * body over a table of file systems: RUMP_BLKFAIL=N fails N of every
 * 10,000 block transfers with EIO, seeded by RUMP_BLKFAIL_SEED. The write
 * workload must never crash or hang, failures must reach the caller as
 * errors, and after a remount without faults every file whose last change
 * was followed by a successful fsync reads back intact. The checker's
 * verdict afterwards is reported, not asserted: a failed metadata write
 * may leave what a checker would repair.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  createSyscalls,
  MNT_FORCE,
  MNT_RDONLY,
  O_CREAT,
  O_RDONLY,
  O_TRUNC,
  O_WRONLY,
  RumpError,
} from "@rump/syscalls";
import { createKernel } from "../src/rump/rump.js";
import { RUMP_ETFS_BLK } from "../src/rump/etfs.js";
import { memBlockDev, type BlockDev } from "../src/dev/blockdev.js";
import { newfs_ffs } from "../src/ufs/ffs/ffs_newfs.js";
import { fsck_ffs } from "../src/ufs/ffs/ffs_fsck.js";
import { newfs_ext2fs } from "../src/ufs/ext2fs/ext2fs_newfs.js";
import { newfs_msdos } from "../src/fs/msdosfs/msdosfs_newfs.js";
import { e2fsck } from "./helpers/ext2fs_images.js";
import { fsckFat } from "./helpers/msdosfs_images.js";

interface FaultFs {
  name: string;
  /** the kernel's file-system type */
  type: string;
  seeds: number[];
  newfs(dev: BlockDev): number;
  /** the checker's complaint after the faults ("" when clean or unavailable) */
  check(image: string): string;
}

const FILE_SYSTEMS: FaultFs[] = [
  {
    name: "FFS",
    type: "ffs",
    seeds: [1, 42, 4711],
    newfs: (dev) => newfs_ffs(dev, { version: 2, bsize: 8192, fsize: 1024, time: 1_700_000_000 }),
    check: (image) => {
      const n = fsck_ffs(memBlockDev(new Uint8Array(readFileSync(image)))).problems.length;
      return n > 0 ? `fsck_ffs: ${n} problem(s)` : "";
    },
  },
  {
    name: "ext2fs",
    type: "ext2fs",
    seeds: [7, 4711],
    newfs: (dev) => newfs_ext2fs(dev, { rev: 1, bsize: 1024, time: 1_700_000_000 }),
    check: (image) => {
      const r = e2fsck(image);
      return r.status > 0 ? `e2fsck -fn: exit ${r.status}` : "";
    },
  },
  {
    name: "msdosfs",
    type: "msdos",
    seeds: [3, 4711],
    newfs: (dev) => newfs_msdos(dev, { fatType: 16, time: 1_700_000_000 }),
    check: (image) => {
      if (!["/usr/sbin/fsck.fat", "/sbin/fsck.fat"].some((f) => existsSync(f))) return "";
      const r = fsckFat(image);
      return r.status > 0 ? `fsck.fat -n: exit ${r.status}` : "";
    },
  },
];

const dir = mkdtempSync(join(tmpdir(), "fs-faults-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function freshImage(fs: FaultFs, name: string): string {
  const img = new Uint8Array(16 << 20);
  expect(fs.newfs(memBlockDev(img))).toBe(0);
  const path = join(dir, name);
  writeFileSync(path, img);
  return path;
}

describe.each(FILE_SYSTEMS.flatMap((fs) => fs.seeds.map((seed) => ({ fs, seed }))))(
  "$fs.name with RUMP_BLKFAIL=300 (seed $seed)",
  ({ fs, seed }) => {
    it("errors reach the caller; fsynced files survive a remount without faults", () => {
      const image = freshImage(fs, `${fs.type}-${seed}.img`);
      const k = createKernel({ params: { RUMP_BLKFAIL: 300, RUMP_BLKFAIL_SEED: seed } });
      const sys = createSyscalls(k);
      k.rump_pub_etfs_register("/dev/disk0", image, RUMP_ETFS_BLK);
      sys.rump_sys_mkdir("/mnt", 0o755);
      // the mount itself may meet a fault: retry, as an administrator would
      let mounted = false;
      for (let i = 0; i < 50 && !mounted; i++) {
        try {
          sys.rump_sys_mount(fs.type, "/mnt", 0, { fspec: "/dev/disk0" });
          mounted = true;
        } catch (e) {
          expect(e).toBeInstanceOf(RumpError);
        }
      }
      expect(mounted).toBe(true);

      const synced = new Map<string, Uint8Array>();
      let failures = 0;
      for (let i = 0; i < 200; i++) {
        const name = `/mnt/f${i % 40}`;
        const data = new Uint8Array(1000 + ((i * 137) % 20000)).fill(i & 255);
        synced.delete(name); // its last change is this one, synced or not
        try {
          const fd = sys.rump_sys_open(name, O_CREAT | O_WRONLY | O_TRUNC, 0o644);
          try {
            sys.rump_sys_write(fd, data);
            sys.rump_sys_fsync(fd);
            synced.set(name, data);
          } finally {
            sys.rump_sys_close(fd);
          }
        } catch (e) {
          // a fault is an error the caller sees — never a crash or a panic
          expect(e).toBeInstanceOf(RumpError);
          failures++;
        }
      }
      expect(failures).toBeGreaterThan(0); // the injector did fire
      expect(synced.size).toBeGreaterThan(0);
      try {
        sys.rump_sys_unmount("/mnt", 0);
      } catch {
        sys.rump_sys_unmount("/mnt", MNT_FORCE);
      }
      k.shutdown();

      const k2 = createKernel();
      const s2 = createSyscalls(k2);
      k2.rump_pub_etfs_register("/dev/disk0", image, RUMP_ETFS_BLK);
      s2.rump_sys_mkdir("/mnt", 0o755);
      s2.rump_sys_mount(fs.type, "/mnt", MNT_RDONLY, { fspec: "/dev/disk0" });
      for (const [name, data] of synced) {
        const fd = s2.rump_sys_open(name, O_RDONLY);
        const back = new Uint8Array(data.length + 16);
        const n = s2.rump_sys_read(fd, back);
        s2.rump_sys_close(fd);
        expect(n, name).toBe(data.length);
        expect(Buffer.compare(back.subarray(0, n), data), name).toBe(0);
      }
      k2.shutdown();
      const why = fs.check(image);
      if (why !== "") console.log(`${fs.name} seed ${seed}: after faults, ${why}`);
    });
  },
);
