/**
 * ext2fs under injected disk faults: RUMP_BLKFAIL=N fails N of every
 * 10,000 block transfers with EIO, seeded by RUMP_BLKFAIL_SEED. The write
 * workload must never crash or hang, failures must reach the caller as
 * errors, and after a remount without faults every file whose last change
 * was followed by a successful fsync reads back intact.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
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
import { memBlockDev } from "../src/dev/blockdev.js";
import { newfs_ext2fs } from "../src/ufs/ext2fs/ext2fs_newfs.js";
import { e2fsck } from "./helpers/ext2fs_images.js";

const dir = mkdtempSync(join(tmpdir(), "ext2fs-faults-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function freshImage(name: string): string {
  const img = new Uint8Array(16 << 20);
  expect(newfs_ext2fs(memBlockDev(img), { rev: 1, bsize: 1024, time: 1_700_000_000 })).toBe(0);
  const path = join(dir, name);
  writeFileSync(path, img);
  return path;
}

describe.each([7, 4711])("ext2fs with RUMP_BLKFAIL=300 (seed %i)", (seed) => {
  it("errors reach the caller; fsynced files survive a remount without faults", () => {
    const image = freshImage(`seed-${seed}.img`);
    const k = createKernel({ params: { RUMP_BLKFAIL: 300, RUMP_BLKFAIL_SEED: seed } });
    const sys = createSyscalls(k);
    k.rump_pub_etfs_register("/dev/e2", image, RUMP_ETFS_BLK);
    sys.rump_sys_mkdir("/mnt", 0o755);
    // the mount itself may meet a fault: retry, as an administrator would
    let mounted = false;
    for (let i = 0; i < 50 && !mounted; i++) {
      try {
        sys.rump_sys_mount("ext2fs", "/mnt", 0, { fspec: "/dev/e2" });
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
    k2.rump_pub_etfs_register("/dev/e2", image, RUMP_ETFS_BLK);
    s2.rump_sys_mkdir("/mnt", 0o755);
    s2.rump_sys_mount("ext2fs", "/mnt", MNT_RDONLY, { fspec: "/dev/e2" });
    for (const [name, data] of synced) {
      const fd = s2.rump_sys_open(name, O_RDONLY);
      const back = new Uint8Array(data.length + 16);
      const n = s2.rump_sys_read(fd, back);
      s2.rump_sys_close(fd);
      expect(n).toBe(data.length);
      expect(Buffer.compare(back.subarray(0, n), data)).toBe(0);
    }
    k2.shutdown();
    // reported, not asserted: a failed metadata write may leave what e2fsck would repair
    const r = e2fsck(image);
    if (r.status > 0) console.log(`seed ${seed}: e2fsck -fn after faults: exit ${r.status}`);
  });
});
