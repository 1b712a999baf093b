/**
 * A program that ends without close() (issue 12): the NodeHost's exit hook
 * syncs and unmounts every live kernel, so the image is clean and holds
 * everything written — at the end of the program, on process.exit(), and
 * after an uncaught exception.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openImage } from "../src/open.js";
import { probeImage } from "../src/probe.js";
import { ok } from "./fsu_helpers.js";

const DIST = resolve(import.meta.dirname, "../dist/index.js");
const E2FSCK = ["/usr/sbin/e2fsck", "/sbin/e2fsck"].find((f) => existsSync(f));
const MKE2FS = ["/usr/sbin/mke2fs", "/sbin/mke2fs"].find((f) => existsSync(f));

let dir: string;
let script: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "exit-sync-"));
  script = join(dir, "writer.mjs");
  writeFileSync(
    script,
    `import { openImage } from ${JSON.stringify(DIST)};
const fs = openImage(process.argv[2], { readonly: false });
fs.writeFile("/written", "data\\n");
fs.mkdir("/made");
if (process.argv[3] === "throw") throw new Error("boom");
if (process.argv[3] === "exit") process.exit(3);
`,
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (img: string, how: string): number =>
  spawnSync(process.execPath, [script, img, how], { stdio: "pipe" }).status ?? -1;

function contents(img: string): string[] {
  const fs = openImage(img, { console: () => {} });
  try {
    return fs.readdir("/").sort();
  } finally {
    fs.close();
  }
}

describe("exit without close", () => {
  for (const [how, status] of [
    ["end", 0],
    ["exit", 3],
    ["throw", 1],
  ] as const) {
    it(`FFS, ${how}: the image is clean and holds the file and the directory`, async () => {
      const img = join(dir, `ffs-${how}.img`);
      await ok(["mkfs", "-s", "4m", img]);
      expect(run(img, how)).toBe(status);
      expect(probeImage(img).fs?.clean).toBe(true);
      expect(contents(img)).toEqual(expect.arrayContaining(["made", "written"]));
      expect(await ok(["fsck", img])).toMatch(/no problems found/);
    });
  }

  it.skipIf(E2FSCK === undefined || MKE2FS === undefined)(
    "ext2 (e2fsck -fn clean, counts right) — skipped without e2fsprogs",
    () => {
      const img = join(dir, "e2.img");
      execFileSync(MKE2FS!, ["-q", "-F", "-t", "ext2", img, "8M"]);
      expect(run(img, "end")).toBe(0);
      execFileSync(E2FSCK!, ["-fn", img], { stdio: "pipe" }); // throws unless clean
      expect(contents(img)).toEqual(expect.arrayContaining(["made", "written"]));
    },
  );
});
