/**
 * The project's demo (`./run.sh demo`): boots a rump kernel inside this
 * Node process, mounts a tmpfs, works in it with NetBSD system calls, reads
 * one of this repository's files through etfs, and shows the hypercall layer
 * doing real block I/O on a temporary image. Everything it prints comes from
 * the kernel or the host it runs on.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createKernel, RUMP_ETFS_REG } from "@rump/librump";
import {
  RUMPUSER_BIO_READ,
  RUMPUSER_BIO_SYNC,
  RUMPUSER_BIO_WRITE,
  RUMPUSER_OPEN_BIO,
  RUMPUSER_OPEN_CREATE,
  RUMPUSER_OPEN_RDWR,
  createDefaultHost,
} from "@rump/rumpuser";
import {
  createSyscalls,
  parseDirents,
  O_CREAT,
  O_RDONLY,
  O_WRONLY,
  RumpError,
  S_IFMT,
  S_IFDIR,
} from "@rump/syscalls";

const repo = resolve(import.meta.dirname, "..");
const t0 = performance.now();
const say = (s: string) => process.stdout.write(s + "\n");

say("rump for TypeScript — demo\n");

// 1. A kernel of our own: its own processes, descriptors, mounts.
const kernel = createKernel();
const sys = createSyscalls(kernel);
say(
  `booted a NetBSD ${kernel.params.verbose ? "(verbose) " : ""}rump kernel in ${(performance.now() - t0).toFixed(1)} ms; getpid() = ${sys.rump_sys_getpid()}`,
);

// 2. tmpfs on /mnt, a small tree built with system calls
sys.rump_sys_mkdir("/mnt", 0o755);
sys.rump_sys_mount("tmpfs", "/mnt", 0, {
  ta_version: 1,
  ta_nodes_max: 0,
  ta_size_max: 0,
  ta_root_uid: 0,
  ta_root_gid: 0,
  ta_root_mode: 0o755,
});
sys.rump_sys_mkdir("/mnt/docs", 0o755);
const enc = new TextEncoder();
for (const name of ["README.md", "packages/rumpuser/README.md", "netbsd-src/README.md"]) {
  let text: Uint8Array;
  try {
    text = readFileSync(join(repo, name));
  } catch {
    continue;
  }
  const dst = "/mnt/docs/" + name.replaceAll("/", "_");
  const fd = sys.rump_sys_open(dst, O_WRONLY | O_CREAT, 0o644);
  sys.rump_sys_write(fd, text);
  sys.rump_sys_close(fd);
}
sys.rump_sys_symlink("docs/README.md", "/mnt/readme");

say("\n$ ls -l /mnt/docs   (getdents + lstat inside the kernel)");
const dfd = sys.rump_sys_open("/mnt/docs", O_RDONLY);
const buf = new Uint8Array(4096);
for (;;) {
  const n = sys.rump_sys_getdents(dfd, buf);
  if (n === 0) break;
  for (const d of parseDirents(buf, n)) {
    if (d.d_name === "." || d.d_name === "..") continue;
    const st = sys.rump_sys_lstat("/mnt/docs/" + d.d_name);
    const kind = (st.st_mode & S_IFMT) === S_IFDIR ? "d" : "-";
    say(
      `  ${kind}${(st.st_mode & 0o777).toString(8)}  ino ${String(st.st_ino).padStart(3)}  ${String(st.st_size).padStart(6)}  ${d.d_name}`,
    );
  }
}
sys.rump_sys_close(dfd);

say("\n$ head -c 120 /mnt/readme   (through a symlink)");
const rfd = sys.rump_sys_open("/mnt/readme", O_RDONLY);
const head = new Uint8Array(120);
const got = sys.rump_sys_read(rfd, head);
sys.rump_sys_close(rfd);
say("  " + new TextDecoder().decode(head.subarray(0, got)).split("\n")[0]);

// 3. NetBSD errors as RumpError
try {
  sys.rump_sys_rmdir("/mnt/docs");
} catch (e) {
  if (e instanceof RumpError)
    say(`\nrmdir of a non-empty directory: ${e.message} (errno ${e.errno}, NetBSD's number)`);
}

// 4. etfs: a host file appears inside the kernel
const hostFile = join(repo, "package.json");
kernel.rump_pub_etfs_register("/host-package.json", hostFile, RUMP_ETFS_REG);
const st = sys.rump_sys_stat("/host-package.json");
say(
  `\netfs: /host-package.json inside the kernel is ${st.st_size} bytes (host: ${statSync(hostFile).size})`,
);

// 5. the hypercall layer: real block I/O on a temporary image
const dir = mkdtempSync(join(tmpdir(), "rump-demo-"));
try {
  const host = createDefaultHost();
  const fdp = { v: -1 };
  const img = join(dir, "disk.img");
  host.open(img, RUMPUSER_OPEN_RDWR | RUMPUSER_OPEN_CREATE | RUMPUSER_OPEN_BIO, fdp);
  const block = enc.encode("rump block I/O ".repeat(40)).subarray(0, 512);
  let result = "";
  host.bio(
    fdp.v,
    RUMPUSER_BIO_WRITE | RUMPUSER_BIO_SYNC,
    block,
    512,
    8192,
    (_a, n, err) => (result = `wrote ${n} bytes at 8192 (error ${err})`),
    null,
  );
  const back = new Uint8Array(512);
  host.bio(
    fdp.v,
    RUMPUSER_BIO_READ,
    back,
    512,
    8192,
    (_a, n, err) => (result += `, read ${n} back (error ${err})`),
    null,
  );
  host.close(fdp.v);
  host.shutdown();
  say(
    `\nrumpuser on ${img}: ${result}; ${statSync(img).size} bytes on the host, contents ${back.every((b, i) => b === block[i]) ? "match" : "DIFFER"}`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}

say("\nkernel event counters:");
for (const [group, name, value] of kernel.evcnt.rows())
  if (value > 0) say(`  ${group} ${name}: ${value}`);
kernel.shutdown();
say(`\ndone in ${(performance.now() - t0).toFixed(0)} ms`);
