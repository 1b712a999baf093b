/* global TextEncoder */
// A short-lived user program, timed as a whole process by the START rows of
// `pnpm bench` (startup.ts): import the packages, boot a kernel, mount tmpfs,
// create, write, stat and read back a file, exit. Plain JavaScript on the
// built packages (dist/), as a user's script runs them.
import { createKernel } from "@rump/librump";
import { MemoryHost } from "@rump/rumpuser";
import { O_CREAT, O_RDONLY, O_WRONLY, createSyscalls } from "@rump/syscalls";

const kernel = createKernel({ host: new MemoryHost({ log: false }) });
const sys = createSyscalls(kernel);
sys.rump_sys_mkdir("/mnt", 0o755);
sys.rump_sys_mount("tmpfs", "/mnt", 0, {
  ta_version: 1,
  ta_nodes_max: 0,
  ta_size_max: 0,
  ta_root_uid: 0,
  ta_root_gid: 0,
  ta_root_mode: 0o755,
});
const data = new TextEncoder().encode("hello\n");
let fd = sys.rump_sys_open("/mnt/hello", O_WRONLY | O_CREAT, 0o644);
sys.rump_sys_write(fd, data, data.length);
sys.rump_sys_close(fd);
const size = sys.rump_sys_stat("/mnt/hello").st_size;
fd = sys.rump_sys_open("/mnt/hello", O_RDONLY);
const got = sys.rump_sys_read(fd, new Uint8Array(16), 16);
sys.rump_sys_close(fd);
kernel.shutdown();
if (size !== data.length || got !== data.length) throw new Error("startup-user: wrong size");
