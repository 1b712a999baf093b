/**
 * The project's demo (`./run.sh demo`): formats a fresh FFS image with our
 * newfs, boots a rump kernel inside this Node process, mounts the image
 * through an etfs block device, copies this repository's READMEs into it
 * with NetBSD system calls, lists it, reads a file back through a symlink,
 * unmounts, checks the image with our fsck, and mounts it again read-only
 * in a second, fresh kernel to show the data survived. Everything printed
 * comes from the kernel or the image.
 */
import {
  closeSync,
  ftruncateSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createKernel, fsck_ffs, newfs_ffs, RUMP_ETFS_BLK, type BlockDev } from "@rump/librump";
import { MemoryHost } from "@rump/rumpuser";
import {
  createSyscalls,
  parseDirents,
  MNT_RDONLY,
  O_CREAT,
  O_RDONLY,
  O_WRONLY,
  RumpError,
  S_IFDIR,
  S_IFLNK,
  S_IFMT,
} from "@rump/syscalls";

const repo = resolve(import.meta.dirname, "..");
const t0 = performance.now();
const say = (s: string) => process.stdout.write(s + "\n");
const ms = () => `${(performance.now() - t0).toFixed(0)} ms`;

/** A host file as a BlockDev for newfs and fsck (they are host-free themselves). */
function fileDev(path: string, size: number): BlockDev & { close(): void } {
  const fd = openSync(path, "r+");
  return {
    size,
    read: (off, buf) => readSync(fd, buf, 0, buf.length, off),
    write: (off, buf) => writeSync(fd, buf, 0, buf.length, off),
    close: () => closeSync(fd),
  };
}

say("rump for TypeScript — demo\n");
const dir = mkdtempSync(join(tmpdir(), "rump-demo-"));
const image = join(dir, "demo.ffs");
try {
  // 1. a fresh 16 MiB UFS2 image, formatted by our newfs
  const size = 16 << 20;
  closeSync(openSync(image, "w"));
  ftruncateSync(openSync(image, "r+"), size);
  const dev = fileDev(image, size);
  const why = { v: "" };
  const e = newfs_ffs(dev, { version: 2, bsize: 16384, fsize: 2048, volname: "demo" }, why);
  dev.close();
  if (e !== 0) throw new Error(`newfs: ${why.v} (errno ${e})`);
  say(`newfs: ${image}: 16 MiB UFS2, 16K blocks, 2K fragments (${ms()})`);

  // 2. a kernel of our own, the image as a block device, FFS mounted on /mnt
  const kernel = createKernel();
  const sys = createSyscalls(kernel);
  say(`booted a NetBSD rump kernel; getpid() = ${sys.rump_sys_getpid()} (${ms()})`);
  kernel.rump_pub_etfs_register("/dev/ffs0", image, RUMP_ETFS_BLK);
  sys.rump_sys_mkdir("/mnt", 0o755);
  sys.rump_sys_mount("ffs", "/mnt", 0, { fspec: "/dev/ffs0" });
  sys.rump_sys_mkdir("/mnt/docs", 0o755);
  let copied = 0;
  for (const name of [
    "README.md",
    "packages/librump/README.md",
    "packages/rumpuser/README.md",
    "packages/rump-syscalls/README.md",
    "packages/ukfs/README.md",
    "netbsd-src/README.md",
  ]) {
    let text: Uint8Array;
    try {
      text = readFileSync(join(repo, name));
    } catch {
      continue;
    }
    const fd = sys.rump_sys_open(
      "/mnt/docs/" + name.replaceAll("/", "_"),
      O_WRONLY | O_CREAT,
      0o644,
    );
    sys.rump_sys_write(fd, text);
    sys.rump_sys_close(fd);
    copied += text.length;
  }
  sys.rump_sys_symlink("docs/README.md", "/mnt/readme");
  say(`copied ${copied} bytes of READMEs into the image (${ms()})`);

  say("\n$ ls -l /mnt/docs   (getdents + lstat inside the kernel)");
  const dfd = sys.rump_sys_open("/mnt/docs", O_RDONLY);
  const buf = new Uint8Array(4096);
  for (;;) {
    const n = sys.rump_sys_getdents(dfd, buf);
    if (n === 0) break;
    for (const d of parseDirents(buf, n)) {
      if (d.d_name === "." || d.d_name === "..") continue;
      const st = sys.rump_sys_lstat("/mnt/docs/" + d.d_name);
      const kind =
        (st.st_mode & S_IFMT) === S_IFDIR ? "d" : (st.st_mode & S_IFMT) === S_IFLNK ? "l" : "-";
      say(
        `  ${kind}${(st.st_mode & 0o777).toString(8)}  ino ${String(st.st_ino).padStart(4)}  ${String(st.st_size).padStart(6)}  ${d.d_name}`,
      );
    }
  }
  sys.rump_sys_close(dfd);

  try {
    sys.rump_sys_rmdir("/mnt/docs");
  } catch (err) {
    if (err instanceof RumpError)
      say(`\nrmdir of a non-empty directory: ${err.message} (errno ${err.errno}, NetBSD's number)`);
  }
  const sv = sys.rump_sys_statvfs1("/mnt", 1);
  say(
    `statvfs: ${sv.f_fstypename} on ${sv.f_mntonname} from ${sv.f_mntfromname || "/dev/ffs0"}: ${(((sv.f_blocks - sv.f_bfree) * sv.f_frsize) / 1024).toFixed(0)} KiB used of ${((sv.f_blocks * sv.f_frsize) / 1024).toFixed(0)} KiB`,
  );
  sys.rump_sys_unmount("/mnt", 0);
  kernel.shutdown();
  say(`unmounted and shut the kernel down (${ms()})`);

  // 3. the image as the real tools see it: our checker, then a fresh kernel
  const cdev = fileDev(image, size);
  const r = fsck_ffs(cdev);
  cdev.close();
  say(`\nfsck_ffs: ${r.clean ? "clean" : "PROBLEMS:\n  " + r.problems.join("\n  ")}`);

  const k2 = createKernel();
  const sys2 = createSyscalls(k2);
  k2.rump_pub_etfs_register("/dev/ffs0", image, RUMP_ETFS_BLK);
  sys2.rump_sys_mkdir("/mnt", 0o755);
  sys2.rump_sys_mount("ffs", "/mnt", MNT_RDONLY, { fspec: "/dev/ffs0" });
  const rfd = sys2.rump_sys_open("/mnt/readme", O_RDONLY);
  const head = new Uint8Array(200);
  const got = sys2.rump_sys_read(rfd, head);
  sys2.rump_sys_close(rfd);
  say(
    `a fresh kernel, read-only: head of /mnt/readme (a symlink): "${new TextDecoder().decode(head.subarray(0, got)).split("\n")[0]}"`,
  );
  say("\nkernel event counters of the second kernel:");
  for (const [group, name, value] of k2.evcnt.rows())
    if (value > 0) say(`  ${group} ${name}: ${value}`);
  k2.shutdown();

  // 4. the same kernel API on an in-memory host: nothing touches the disk
  const k3 = createKernel({ host: new MemoryHost() });
  const s3 = createSyscalls(k3);
  say(
    `\na third kernel on an in-memory host booted; its getpid() = ${s3.rump_sys_getpid()}, and /dev holds ${[
      "null",
      "zero",
      "random",
      "urandom",
    ]
      .filter((n) => {
        try {
          s3.rump_sys_stat("/dev/" + n);
          return true;
        } catch {
          return false;
        }
      })
      .join(", ")}`,
  );
  k3.shutdown();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
say(`\ndone in ${ms()}`);
