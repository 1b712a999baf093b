/* The README's example, run by readme.test.ts (imported only where FUSE works). */
export const log: string[] = [];

// #region example
import { mkdtempSync, rmdirSync } from "node:fs";
import { readFile, readdir, writeFile } from "node:fs/promises";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openTmpfs } from "@rump/ukfs";
import { mount } from "@rump/p2k";

// A memory file system in a rump kernel of this process…
const fs = openTmpfs();
fs.writeFile("/hello.txt", "hello from the rump kernel\n");

// …served at a host directory: every program can use it.
const dir = mkdtempSync(join(tmpdir(), "p2k-"));
const m = await mount(fs, dir);
const { stdout } = await promisify(execFile)("cat", [join(dir, "hello.txt")]);
log.push(stdout.trim()); // hello from the rump kernel

// This process uses it too, with asynchronous calls (its own thread serves the mount).
await writeFile(join(dir, "from-the-host.txt"), "written through FUSE");
log.push(fs.readFile("/from-the-host.txt", "utf8")); // written through FUSE
log.push((await readdir(dir)).sort().join(" ")); // from-the-host.txt hello.txt
log.push(await readFile(join(dir, "hello.txt"), "utf8").then((s) => String(s.length))); // 27

await m.unmount(); // resolves once the kernel has let go of everything
fs.close();
rmdirSync(dir);
// #endregion
