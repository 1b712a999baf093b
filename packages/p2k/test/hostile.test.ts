/**
 * A hostile image behind a mount: a directory entry whose name is not one
 * path component ('/' in it) makes readdir fail with EIO and a kernel
 * console line naming the directory, as getdents(2) does; the rest of the
 * tree stays readable. (ext2fs refuses such a directory block itself; p2k,
 * which reads directories with VOP_READDIR, not getdents, checks the names
 * it is given once more, as getdents does for every file system.)
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cleanupAll,
  fuseSkipReason,
  hasTool,
  removeScratch,
  RUMP,
  scratchDir,
  startServer,
} from "./helpers.js";

const skip =
  fuseSkipReason() ?? (hasTool("mke2fs") ? null : "mke2fs is missing (apt install e2fsprogs)");
if (skip !== null) console.warn(`p2k hostile: skipped: ${skip}`);

describe.skipIf(skip !== null)("a hostile image mounted", () => {
  let dir = "";
  beforeAll(() => {
    dir = scratchDir("hostile");
  });
  afterAll(async () => {
    await cleanupAll();
    removeScratch(dir);
  });

  it("readdir of a directory with a name holding '/' is EIO and a console line", async () => {
    const tree = join(dir, "tree");
    const ESC = "../../escaped";
    const PLACEHOLDER = "Q".repeat(ESC.length);
    mkdirSync(join(tree, "sub"), { recursive: true });
    writeFileSync(join(tree, "sub", PLACEHOLDER), "x\n");
    writeFileSync(join(tree, "fine"), "fine\n");
    const img = join(dir, "img");
    const r = spawnSync("mke2fs", ["-q", "-F", "-t", "ext2", "-b", "4096", "-d", tree, img, "8M"], {
      encoding: "utf8",
    });
    expect(r.status, r.stderr).toBe(0);
    // the name's one occurrence in the image, patched in place
    const b = readFileSync(img);
    const at = b.indexOf(Buffer.from(PLACEHOLDER, "latin1"));
    expect(at).toBeGreaterThan(0);
    expect(b.indexOf(Buffer.from(PLACEHOLDER, "latin1"), at + 1)).toBe(-1);
    Buffer.from(ESC, "latin1").copy(b, at);
    writeFileSync(img, b);

    const mnt = join(dir, "mnt");
    const s = await startServer([RUMP("ext2fs"), "-f", "-o", "ro", img, mnt], mnt);
    expect(readdirSync(mnt).sort()).toEqual(["fine", "lost+found", "sub"]);
    expect(() => readdirSync(join(mnt, "sub"))).toThrow(/EIO/);
    expect(readFileSync(join(mnt, "fine"), "utf8")).toBe("fine\n");
    expect(await s.stop()).toBe(0);
    expect(s.stderr()).toMatch(
      /corrupt file system: directory inode \d+ .*name contains NUL or '\/'/,
    );
  });
});
