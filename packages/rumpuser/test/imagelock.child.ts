/**
 * Child process for imagelock.test.ts: `node --import tsx imagelock.child.ts <image> rw|ro`.
 * Opens the image, takes its image lock (addon or fallback, as RUMPUSER_NATIVE
 * says), prints one JSON line {pid, native, r, why}, holds the lock until its
 * standard input ends (the parent closes it, or dies), then releases and exits.
 */
import { closeSync, openSync } from "node:fs";
import { lockImage } from "../src/hosts/imagelock.js";
import { nativeStatus } from "../src/native.js";

const [image, mode] = process.argv.slice(2);
if (image === undefined || (mode !== "rw" && mode !== "ro")) {
  process.stderr.write("usage: imagelock.child.ts <image> rw|ro\n");
  process.exit(2);
}
const fd = openSync(image, mode === "rw" ? "r+" : "r");
const why = { v: "" };
const r = lockImage(image, fd, mode === "rw", why);
process.stdout.write(
  JSON.stringify({
    pid: process.pid,
    native: nativeStatus().loaded,
    r: typeof r === "number" ? r : 0,
    why: why.v,
  }) + "\n",
);
process.stdin.resume();
process.stdin.on("end", () => {
  if (typeof r !== "number") r.release();
  closeSync(fd);
  process.exit(0);
});
