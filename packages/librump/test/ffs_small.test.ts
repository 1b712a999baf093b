/**
 * Small FFS images made by newfs_ffs, where the group layout has edges:
 * a last cylinder group that holds only its metadata (12 MiB), and groups
 * past the first whose fragments before the superblock copy are data
 * (UFS2 puts the copy 64 KiB into each group). Freeing those fragments
 * must give them back, not call them metadata.
 */
import { describe, expect, it, onTestFinished } from "vitest";
import { MemoryHost } from "@rump/rumpuser";
import {
  createSyscalls,
  MNT_ASYNC,
  MNT_RDONLY,
  O_CREAT,
  O_WRONLY,
  type RumpSyscalls,
} from "@rump/syscalls";
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

function mount(img: Uint8Array, flags = 0): T {
  const console: string[] = [];
  const host = new MemoryHost({ log: false, console: (s: string) => void console.push(s) });
  host.files.writeFile("/img", img);
  const k = createKernel({ host });
  onTestFinished(() => release(k));
  k.rump_pub_etfs_register("/dev/ffs0", "/img", RUMP_ETFS_BLK);
  const sys = createSyscalls(k);
  sys.rump_sys_mkdir("/mnt", 0o755);
  sys.rump_sys_mount("ffs", "/mnt", flags, { fspec: "/dev/ffs0" });
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

  it("MNT_ASYNC: directory operations written at unmount keep their times and links", () => {
    const t = mount(mkfs(16), MNT_ASYNC);
    const s = t.sys;
    s.rump_sys_mkdir("/mnt/d", 0o755);
    s.rump_sys_mkdir("/mnt/gone", 0o700);
    writeFile(s, "/mnt/d/a", 5000);
    writeFile(s, "/mnt/d/b", 10);
    s.rump_sys_link("/mnt/d/a", "/mnt/hard");
    s.rump_sys_rename("/mnt/d/b", "/mnt/b2");
    s.rump_sys_symlink("d/a", "/mnt/sym");
    s.rump_sys_rmdir("/mnt/gone");
    writeFile(s, "/mnt/tmp", 1);
    s.rump_sys_unlink("/mnt/tmp");
    const paths = ["/mnt", "/mnt/d", "/mnt/d/a", "/mnt/hard", "/mnt/b2"];
    const before = paths.map((p) => s.rump_sys_stat(p));
    const img = unmountedImage(t);
    expect(fsck_ffs(memBlockDev(img)).problems).toEqual([]);
    const t2 = mount(img, MNT_RDONLY);
    const after = paths.map((p) => t2.sys.rump_sys_stat(p));
    for (let i = 0; i < paths.length; i++) {
      const [b, a] = [before[i]!, after[i]!];
      expect([paths[i], a.st_ino, a.st_nlink, a.st_size, a.st_mode]).toEqual([
        paths[i],
        b.st_ino,
        b.st_nlink,
        b.st_size,
        b.st_mode,
      ]);
      expect([a.st_mtimespec, a.st_ctimespec]).toEqual([b.st_mtimespec, b.st_ctimespec]);
    }
    expect(after[2]!.st_nlink).toBe(2);
    expect(t2.sys.rump_sys_lstat("/mnt/sym").st_size).toBe(3); // "d/a"
    expect(() => t2.sys.rump_sys_stat("/mnt/gone")).toThrow();
    expect(() => t2.sys.rump_sys_stat("/mnt/tmp")).toThrow();
  });
});
