/**
 * Small FFS images made by newfs_ffs, where the group layout has edges:
 * a last cylinder group that holds only its metadata (12 MiB), and groups
 * past the first whose fragments before the superblock copy are data
 * (UFS2 puts the copy 64 KiB into each group). Freeing those fragments
 * must give them back, not call them metadata.
 */
import { describe, expect, it, onTestFinished } from "vitest";
import { MemoryHost } from "@rump/rumpuser";
import { createSyscalls, O_CREAT, O_WRONLY, type RumpSyscalls } from "@rump/syscalls";
import { memBlockDev } from "../src/dev/blockdev.js";
import { createKernel } from "../src/rump/rump.js";
import { RUMP_ETFS_BLK } from "../src/rump/etfs.js";
import { fsck_ffs } from "../src/ufs/ffs/ffs_fsck.js";
import { newfs_ffs } from "../src/ufs/ffs/ffs_newfs.js";
import { cgdmin, cgsblock, ffs_sb_parse, SBLOCK_UFS2 } from "../src/ufs/layout.js";
import { release } from "./helpers/kernel.js";

function mkfs(mb: number): Uint8Array {
  const img = new Uint8Array(mb << 20);
  const why = { v: "" };
  expect(newfs_ffs(memBlockDev(img), { version: 2 }, why), why.v).toBe(0);
  return img;
}

interface T {
  sys: RumpSyscalls;
  host: MemoryHost;
  console: string[];
}

function mount(img: Uint8Array): T {
  const console: string[] = [];
  const host = new MemoryHost({ log: false, console: (s: string) => void console.push(s) });
  host.files.writeFile("/img", img);
  const k = createKernel({ host });
  onTestFinished(() => release(k));
  k.rump_pub_etfs_register("/dev/ffs0", "/img", RUMP_ETFS_BLK);
  const sys = createSyscalls(k);
  sys.rump_sys_mkdir("/mnt", 0o755);
  sys.rump_sys_mount("ffs", "/mnt", 0, { fspec: "/dev/ffs0" });
  return { sys, host, console };
}

function writeFile(sys: RumpSyscalls, path: string, size: number): void {
  const fd = sys.rump_sys_open(path, O_CREAT | O_WRONLY, 0o644);
  const chunk = new Uint8Array(64 << 10).fill(0x5a);
  for (let off = 0; off < size; off += chunk.length)
    sys.rump_sys_write(fd, chunk.subarray(0, Math.min(chunk.length, size - off)));
  sys.rump_sys_close(fd);
}

function unmountedImage(t: T): Uint8Array {
  t.sys.rump_sys_unmount("/mnt", 0);
  const node = t.host.files.get("/img")!;
  const out = new Uint8Array(node.size);
  node.read(0, out, 0, out.length);
  return out;
}

describe("small newfs_ffs images", () => {
  it("12 MiB: the last group is only metadata and the image mounts and works", () => {
    const img = mkfs(12);
    const fs = ffs_sb_parse(img.subarray(SBLOCK_UFS2, SBLOCK_UFS2 + 8192), SBLOCK_UFS2)!;
    // the edge this test is about: no data fragment in the last group
    expect(cgdmin(fs, fs.fs_ncg - 1)).toBe(fs.fs_size);
    const t = mount(img);
    writeFile(t.sys, "/mnt/a", 1 << 20);
    expect(t.sys.rump_sys_stat("/mnt/a").st_size).toBe(1 << 20);
    expect(fsck_ffs(memBlockDev(unmountedImage(t))).problems).toEqual([]);
  });

  it("16 MiB: fragments before a later group's superblock copy are freed like any data", () => {
    const img = mkfs(16);
    const fs = ffs_sb_parse(img.subarray(SBLOCK_UFS2, SBLOCK_UFS2 + 8192), SBLOCK_UFS2)!;
    expect(fs.fs_ncg).toBeGreaterThan(1);
    expect(cgsblock(fs, 1)).toBeGreaterThan(fs.fs_fpg); // data lies before group 1's copy
    const t = mount(img);
    const before = t.sys.rump_sys_statvfs1("/mnt", 1).f_bfree;
    writeFile(t.sys, "/mnt/three", 3 << 20);
    // fill most of what is left, so the allocator reaches group 1's first fragments
    writeFile(t.sys, "/mnt/nine", 9 << 20);
    t.sys.rump_sys_unlink("/mnt/nine");
    t.sys.rump_sys_unlink("/mnt/three");
    t.sys.rump_sys_sync();
    expect(t.sys.rump_sys_statvfs1("/mnt", 1).f_bfree).toBe(before);
    expect(t.console.join("")).not.toMatch(/corrupt/);
    expect(fsck_ffs(memBlockDev(unmountedImage(t))).problems).toEqual([]);
  });
});
