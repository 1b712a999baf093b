/**
 * FFS images holding device nodes, fifos and sockets (issue 11): made by
 * makefs from a host tree (mknod needs root) and by our newfs with the
 * nodes made through the kernel's mknod. Neither makefs (it skips sockets)
 * nor mknod makes a socket: "sock" is made as a fifo, then its inode and
 * directory entry are turned into a socket's, as bind(2) would have left
 * them. Used by the device-node tests and, as seed images, by the FFS fuzzer.
 */
/// <reference types="node" />
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MemoryHost } from "@rump/rumpuser";
import { createSyscalls, O_CREAT, O_RDWR, S_IFBLK, S_IFCHR } from "@rump/syscalls";
import { memBlockDev } from "../../src/dev/blockdev.js";
import { makedev } from "../../src/dev/devsw.js";
import { RUMP_ETFS_BLK } from "../../src/rump/etfs.js";
import { createKernel } from "../../src/rump/rump.js";
import { newfs_ffs, type NewfsOptions } from "../../src/ufs/ffs/ffs_newfs.js";
import { IFMT, IFSOCK } from "../../src/ufs/ufs/dinode.js";
import { FfsImage } from "./ffs_image.js";
import { MAKEFS } from "./ffs_images.js";

/** The device nodes: large majors and minors (the block device's number is ≥ 2^31). */
export const DEVNODES: { name: string; type: "c" | "b"; major: number; minor: number }[] = [
  { name: "cdev", type: "c", major: 200, minor: 300 },
  { name: "bdev", type: "b", major: 4000, minor: 1_000_000 },
  { name: "null", type: "c", major: 2, minor: 2 },
  { name: "zero0", type: "b", major: 0, minor: 0 },
];

/** Why the makefs device images cannot be made here, or null. */
export function devImagesMissing(): string | null {
  try {
    execFileSync(MAKEFS, [], { stdio: "ignore" });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT")
      return `${MAKEFS} is not installed (apt-get install makefs)`;
  }
  if (process.getuid?.() !== 0) return "mknod of device nodes needs root";
  return null;
}

/** Turn fifo `name` in the root of `img` into a socket (its mode and its d_type). */
export function fifoToSocket(img: Uint8Array, name: string): void {
  const fi = new FfsImage(img);
  const e = fi.entries(2).find((x) => x.name === name);
  if (e === undefined) throw new Error(`no ${name}`);
  const d = fi.inode(e.ino);
  d.di_mode = (d.di_mode & ~IFMT) | IFSOCK;
  fi.writeInode(e.ino, d);
  img[e.off + 6] = 12; // DT_SOCK
}

/** A host tree under `tree`: the DEVNODES, fifos "fifo" and "sock", a file and a directory. */
export function buildDevTree(tree: string): void {
  rmSync(tree, { recursive: true, force: true });
  mkdirSync(join(tree, "dir"), { recursive: true });
  writeFileSync(join(tree, "file"), "a regular file\n");
  writeFileSync(join(tree, "dir/inner"), "x".repeat(5000));
  for (const d of DEVNODES)
    execFileSync("mknod", [join(tree, d.name), d.type, String(d.major), String(d.minor)]);
  execFileSync("mkfifo", [join(tree, "fifo"), join(tree, "sock")]);
}

export const MAKEFS_DEV_VARIANTS: { name: string; opts: string; extra: string[] }[] = [
  { name: "makefs-dev-ufs1-le", opts: "version=1,bsize=8192,fsize=1024", extra: ["-B", "le"] },
  { name: "makefs-dev-ufs2-be", opts: "version=2,bsize=16384,fsize=2048", extra: ["-B", "be"] },
];

/** makefs images (4 MiB) of the device tree, made in `dir`. */
export function makefsDevImages(dir: string): { name: string; bytes: Uint8Array }[] {
  const tree = join(dir, "devtree");
  buildDevTree(tree);
  return MAKEFS_DEV_VARIANTS.map((v) => {
    const img = join(dir, `${v.name}.img`);
    execFileSync(MAKEFS, ["-t", "ffs", "-s", "4m", ...v.extra, "-o", v.opts, img, tree], {
      stdio: "pipe",
    });
    const bytes = new Uint8Array(readFileSync(img));
    fifoToSocket(bytes, "sock");
    return { name: v.name, bytes };
  });
}

export const NEWFS_DEV_VARIANTS: { name: string; size: number; opts: NewfsOptions }[] = [
  { name: "newfs-dev-ufs1-be", size: 4 << 20, opts: { version: 1, byteOrder: "be" } },
  { name: "newfs-dev-ufs2-le", size: 4 << 20, opts: { version: 2, bsize: 4096, fsize: 512 } },
];

/** Our newfs, then the DEVNODES, a fifo, a socket, a file and a directory made through the kernel. */
export function newfsDevImage(v: (typeof NEWFS_DEV_VARIANTS)[number]): Uint8Array {
  const img = new Uint8Array(v.size);
  const e = newfs_ffs(memBlockDev(img), { time: 1_600_000_000, ...v.opts });
  if (e !== 0) throw new Error(`newfs ${v.name}: error ${e}`);
  const host = new MemoryHost({ log: false });
  host.files.writeFile("/img", img);
  const k = createKernel({ host });
  const sys = createSyscalls(k);
  try {
    k.rump_pub_etfs_register("/dev/dn", "/img", RUMP_ETFS_BLK);
    sys.rump_sys_mkdir("/mnt", 0o755);
    sys.rump_sys_mount("ffs", "/mnt", 0, { fspec: "/dev/dn" });
    for (const d of DEVNODES)
      sys.rump_sys_mknod(
        `/mnt/${d.name}`,
        (d.type === "c" ? S_IFCHR : S_IFBLK) | 0o640,
        makedev(d.major, d.minor),
      );
    sys.rump_sys_mkfifo("/mnt/fifo", 0o600);
    sys.rump_sys_mkfifo("/mnt/sock", 0o600);
    sys.rump_sys_mkdir("/mnt/dir", 0o755);
    const fd = sys.rump_sys_open("/mnt/file", O_RDWR | O_CREAT, 0o644);
    sys.rump_sys_write(fd, new TextEncoder().encode("a regular file\n"), 15);
    sys.rump_sys_close(fd);
    sys.rump_sys_unmount("/mnt", 0);
  } finally {
    k.shutdown();
  }
  const out = host.files.readFile("/img");
  if (out === undefined) throw new Error("image vanished");
  fifoToSocket(out, "sock");
  return out;
}
