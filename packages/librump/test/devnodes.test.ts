/**
 * Device nodes, fifos and sockets on FFS and ext2 (issue 11, defect 4). On
 * FFS di_db[0] of
 * a character or block device inode is its device number (NetBSD's dev_t:
 * makedev), not a block pointer: images made by makefs and by our newfs
 * with mknod list, stat (st_rdev), and lose their nodes to unlink; the
 * numbers are stored as NetBSD stores them (UFS1: a 32-bit word, UFS2
 * zero-extended); removing a node never frees "blocks" named by its
 * number; fsck_ffs checks them as device inodes, and a device, fifo or
 * socket inode with block pointers is refused by the kernel and the
 * checker alike. On ext2 the number is read from and written to i_block[0]
 * or i_block[1] in the encodings Linux and e2fsprogs use.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  EIO,
  ENOENT,
  MNT_RDONLY,
  O_RDONLY,
  O_CREAT,
  O_RDWR,
  S_IFBLK,
  S_IFCHR,
  S_IFIFO,
  S_IFMT,
  S_IFSOCK,
  type RumpSyscalls,
} from "@rump/syscalls";
import { memBlockDev } from "../src/dev/blockdev.js";
import { major, makedev, minor } from "../src/dev/devsw.js";
import { RUMP_ETFS_BLK } from "../src/rump/etfs.js";
import { fsck_ffs } from "../src/ufs/ffs/ffs_fsck.js";
import { newfs_ext2fs } from "../src/ufs/ext2fs/ext2fs_newfs.js";
import { ufs_dv, ufs_rd64 } from "../src/ufs/ufs/ufs_bswap.js";
import { boot, errnoOf, listdir } from "./helpers/kernel.js";
import { FfsImage } from "./helpers/ffs_image.js";
import { e2fsck, E2FSCK } from "./helpers/ext2fs_images.js";
import {
  buildDevTree,
  DEVNODES,
  devImagesMissing,
  makefsDevImages,
  NEWFS_DEV_VARIANTS,
  newfsDevImage,
} from "./helpers/devnode_images.js";

/** Mount `img` (a copy) in a fresh kernel at /mnt; returns the kernel and the image node. */
function mount(
  img: Uint8Array,
  flags = 0,
  type = "ffs",
): { sys: RumpSyscalls; out: () => Uint8Array; console: () => string } {
  const b = boot();
  b.host.files.writeFile("/img", img.slice());
  b.k.rump_pub_etfs_register("/dev/dn", "/img", RUMP_ETFS_BLK);
  b.sys.rump_sys_mkdir("/mnt", 0o755);
  b.sys.rump_sys_mount(type, "/mnt", flags, { fspec: "/dev/dn" });
  return {
    sys: b.sys,
    out: () => b.host.files.readFile("/img")!,
    console: () => b.host.output.join(""),
  };
}

function checkNodes(sys: RumpSyscalls, fifos = true): void {
  for (const d of DEVNODES) {
    const st = sys.rump_sys_lstat(`/mnt/${d.name}`);
    expect(st.st_mode & S_IFMT).toBe(d.type === "c" ? S_IFCHR : S_IFBLK);
    expect(st.st_rdev).toBe(makedev(d.major, d.minor));
    expect([major(st.st_rdev), minor(st.st_rdev)]).toEqual([d.major, d.minor]);
    expect(st.st_size).toBe(0);
    expect(st.st_blocks).toBe(0);
  }
  if (!fifos) return;
  const f = sys.rump_sys_lstat("/mnt/fifo");
  expect(f.st_mode & S_IFMT).toBe(S_IFIFO);
  expect(f.st_rdev).toBe(0);
  expect(sys.rump_sys_lstat("/mnt/sock").st_mode & S_IFMT).toBe(S_IFSOCK);
}

describe.each(NEWFS_DEV_VARIANTS)("$name: nodes made through the kernel's mknod", (v) => {
  const img = newfsDevImage(v);

  it("are stored as NetBSD stores them and check clean", () => {
    expect(fsck_ffs(memBlockDev(img)).problems).toEqual([]);
    const fi = new FfsImage(img.slice());
    const fs = fi.fs;
    for (const d of DEVNODES) {
      const ino = fi.lookup(d.name);
      const rdev = makedev(d.major, d.minor);
      const off = fi.inodeOff(ino) + (fs.ufs2 ? 112 : 40);
      const dv = ufs_dv(fi.img);
      if (fs.ufs2)
        expect(ufs_rd64(dv, off, fs.le)).toBe(rdev); // zero-extended
      else expect(dv.getInt32(off, fs.le)).toBe(rdev | 0);
      expect(fi.inode(ino).di_blocks).toBe(0);
    }
  });

  it("list, stat with st_rdev, and are removed with their inodes freed", () => {
    const m = mount(img);
    const sys = m.sys;
    expect(listdir(sys, "/mnt").sort()).toEqual(
      [".", "..", "bdev", "cdev", "dir", "fifo", "file", "null", "sock", "zero0"].sort(),
    );
    checkNodes(sys);
    // no driver behind these numbers: the open fails, but not as corruption
    expect(errnoOf(() => sys.rump_sys_open("/mnt/cdev", O_RDONLY))).not.toBe(EIO);
    const before = sys.rump_sys_statvfs1("/mnt", 1);
    for (const d of DEVNODES) sys.rump_sys_unlink(`/mnt/${d.name}`);
    sys.rump_sys_unlink("/mnt/fifo");
    sys.rump_sys_unlink("/mnt/sock");
    const after = sys.rump_sys_statvfs1("/mnt", 1);
    expect(after.f_ffree).toBe(before.f_ffree + DEVNODES.length + 2);
    expect(after.f_bfree).toBe(before.f_bfree); // no blocks came back: none were held
    sys.rump_sys_unmount("/mnt", 0);
    expect(fsck_ffs(memBlockDev(m.out())).problems).toEqual([]);
    const again = mount(m.out(), MNT_RDONLY);
    for (const d of DEVNODES)
      expect(errnoOf(() => again.sys.rump_sys_lstat(`/mnt/${d.name}`))).toBe(ENOENT);
  });

  it("removing a node whose number reads as a fragment in use frees nothing", () => {
    const fi = new FfsImage(img.slice());
    const data = fi.inode(fi.lookup("file")).di_db[0]!;
    expect(data).toBeGreaterThan(0);
    const m = mount(fi.img);
    // a device whose number is the file's data fragment (major 0 is a fine major)
    m.sys.rump_sys_mknod("/mnt/alias", S_IFCHR | 0o600, data);
    m.sys.rump_sys_unmount("/mnt", 0);
    // removed after a remount: the inode comes from the disk
    const m2 = mount(m.out());
    expect(m2.sys.rump_sys_lstat("/mnt/alias").st_rdev).toBe(data);
    m2.sys.rump_sys_unlink("/mnt/alias");
    m2.sys.rump_sys_unmount("/mnt", 0);
    expect(fsck_ffs(memBlockDev(m2.out())).problems).toEqual([]);
    const m3 = mount(m2.out(), MNT_RDONLY);
    const buf = new Uint8Array(64);
    const fd = m3.sys.rump_sys_open("/mnt/file", O_RDONLY);
    expect(new TextDecoder().decode(buf.subarray(0, m3.sys.rump_sys_read(fd, buf, 64)))).toBe(
      "a regular file\n",
    );
  });

  it("a device, fifo or socket inode with block pointers is refused by the kernel and fsck", () => {
    const fi = new FfsImage(img.slice());
    const cdev = fi.lookup("cdev");
    const fifo = fi.lookup("fifo");
    const sock = fi.lookup("sock");
    const d = fi.inode(cdev);
    d.di_db[1] = 40;
    fi.writeInode(cdev, d);
    const f = fi.inode(fifo);
    f.di_db[0] = 40;
    fi.writeInode(fifo, f);
    const s = fi.inode(sock);
    s.di_size = 512;
    fi.writeInode(sock, s);
    expect(fsck_ffs(memBlockDev(fi.img)).problems).toEqual(
      [
        `inode ${cdev}: device inode with block pointer 1 = 40`,
        `inode ${fifo}: fifo inode with block pointer 0 = 40`,
        `inode ${sock}: socket inode with size 512`,
      ].sort((a, b) => Number(/\d+/.exec(a)![0]) - Number(/\d+/.exec(b)![0])),
    );
    const m = mount(fi.img, MNT_RDONLY);
    expect(errnoOf(() => m.sys.rump_sys_lstat("/mnt/cdev"))).toBe(EIO);
    expect(m.console()).toMatch(/inode \d+: device inode with block pointer 1 = 40/);
    expect(m.sys.rump_sys_lstat("/mnt/bdev").st_rdev).toBe(makedev(4000, 1_000_000));
  });
});

const missing = devImagesMissing();
if (missing !== null) console.log(`ffs_devnodes.test.ts: makefs images skipped: ${missing}`);

describe.skipIf(missing !== null)("makefs images with device nodes, a fifo and a socket", () => {
  const dir = mkdtempSync(join(tmpdir(), "rump-devnodes-"));
  let images: { name: string; bytes: Uint8Array }[] = [];
  beforeAll(() => {
    images = makefsDevImages(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("check clean, list, stat with st_rdev, and their nodes can be removed", () => {
    expect(images.length).toBe(2);
    for (const { name, bytes } of images) {
      expect([name, fsck_ffs(memBlockDev(bytes)).problems]).toEqual([name, []]);
      const m = mount(bytes);
      const sys = m.sys;
      expect(listdir(sys, "/mnt").sort()).toEqual(
        [".", "..", "bdev", "cdev", "dir", "fifo", "file", "null", "sock", "zero0"].sort(),
      );
      checkNodes(sys);
      for (const n of [...DEVNODES.map((x) => x.name), "fifo", "sock"])
        sys.rump_sys_unlink(`/mnt/${n}`);
      const fd = sys.rump_sys_open("/mnt/new", O_CREAT | O_RDWR, 0o644);
      sys.rump_sys_write(fd, new Uint8Array(20_000).fill(7), 20_000);
      sys.rump_sys_close(fd);
      sys.rump_sys_unmount("/mnt", 0);
      expect([name, fsck_ffs(memBlockDev(m.out())).problems]).toEqual([name, []]);
    }
  });
});

const noExt2 = missing ?? (existsE2fsck() ? null : `${E2FSCK} is not installed`);

function existsE2fsck(): boolean {
  try {
    execFileSync(E2FSCK, ["-V"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(noExt2 !== null)(
  "ext2: device numbers in the encodings of Linux and e2fsprogs",
  () => {
    const dir = mkdtempSync(join(tmpdir(), "rump-devnodes-e2-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("an image made by mke2fs -d reads back every number (old and new encoding)", () => {
      const tree = join(dir, "tree");
      buildDevTree(tree);
      const img = join(dir, "d.img");
      execFileSync("/usr/sbin/mke2fs", ["-q", "-F", "-t", "ext2", "-d", tree, img, "4M"], {
        stdio: "pipe",
      });
      const m = mount(new Uint8Array(readFileSync(img)), MNT_RDONLY, "ext2fs");
      checkNodes(m.sys, false);
      expect(m.sys.rump_sys_lstat("/mnt/fifo").st_mode & S_IFMT).toBe(S_IFIFO);
    });

    it("mknod writes what debugfs and e2fsck read", () => {
      const bytes = new Uint8Array(4 << 20);
      expect(newfs_ext2fs(memBlockDev(bytes), { time: 1_600_000_000 })).toBe(0);
      const m = mount(bytes, 0, "ext2fs");
      for (const d of DEVNODES)
        m.sys.rump_sys_mknod(
          `/mnt/${d.name}`,
          (d.type === "c" ? S_IFCHR : S_IFBLK) | 0o644,
          makedev(d.major, d.minor),
        );
      m.sys.rump_sys_unmount("/mnt", 0);
      const img = join(dir, "k.img");
      writeFileSync(img, m.out());
      expect(e2fsck(img).status).toBe(0);
      for (const d of DEVNODES) {
        const out = execFileSync("/usr/sbin/debugfs", ["-R", `stat /${d.name}`, img], {
          stdio: "pipe",
          encoding: "utf8",
        });
        const old = d.major < 256 && d.minor < 256;
        expect(out).toMatch(
          new RegExp(
            `${old ? "" : "\\(New-style\\) "}Device major/minor number: 0*${d.major}:0*${d.minor} `,
          ),
        );
      }
      checkNodes(mount(m.out(), MNT_RDONLY, "ext2fs").sys, false);
    });
  },
);
