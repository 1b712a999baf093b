/**
 * What a new user trips over (issue 12), through the real fsu binary:
 * mkfs over an image that holds something, and the small conveniences.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { probeImage } from "../src/probe.js";
import { BIN, fails, fsu, ok } from "./fsu_helpers.js";

const MKE2FS = ["/usr/sbin/mke2fs", "/sbin/mke2fs"].find((f) => existsSync(f));
const SFDISK = ["/usr/sbin/sfdisk", "/sbin/sfdisk"].find((f) => existsSync(f));
const SCRIPT = ["/usr/bin/script", "/bin/script"].find((f) => existsSync(f));

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "fsu-newuser-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("mkfs over something", () => {
  it.skipIf(MKE2FS === undefined)(
    "refuses an image holding an ext2 file system, naming it; -F formats (skipped without mke2fs)",
    async () => {
      const img = join(dir, "e2.img");
      execFileSync(MKE2FS!, ["-q", "-F", "-t", "ext2", "-L", "keepme", img, "8M"]);
      const line = await fails(["mkfs", img]);
      expect(line).toMatch(
        /^fsu: EEXIST: file exists, newfs '.*e2\.img': contains a file system \(ext2, 8\.0 MiB, label "keepme", clean\); give -F to format it anyway$/,
      );
      expect(probeImage(img).fs?.type).toBe("ext2fs"); // untouched
      expect(await ok(["mkfs", "-F", img])).toMatch(/FFS UFS2/);
      await fails(["mkfs", "-t", "ext2", img]); // and now the FFS is protected
      expect(await ok(["mkfs", "--force", "-t", "ext2", img])).toMatch(/ext2/);
    },
  );

  it.skipIf(SFDISK === undefined)(
    "refuses a whole image holding a partition table; a partition holding a file system is refused too (skipped without sfdisk)",
    async () => {
      const img = join(dir, "gpt.img");
      writeFileSync(img, Buffer.alloc(8 << 20));
      execFileSync(SFDISK!, ["-q", img], { input: "label: gpt\n,4M\n" });
      expect(await fails(["mkfs", img])).toMatch(/contains a partition table \(GPT, 1 partition\)/);
      await ok(["mkfs", `${img}%p1%`]); // an empty partition is fine
      expect(await fails(["mkfs", `${img}%p1%`])).toMatch(/contains a file system \(FFS UFS2/);
    },
  );

  it.skipIf(SCRIPT === undefined)(
    "on a terminal it asks; y formats, anything else refuses (skipped without script(1))",
    async () => {
      const img = join(dir, "tty.img");
      await ok(["mkfs", "-s", "4m", img]);
      const ask = (answer: string) =>
        spawnSync(
          SCRIPT!,
          ["-qec", `${process.execPath} ${BIN} mkfs -t ext2 ${img}`, "/dev/null"],
          {
            input: answer,
            env: { ...process.env, FSU_PROGRESS: "0" },
          },
        );
      const no = ask("n\n");
      expect(no.stdout.toString()).toMatch(/Proceed anyway\? \(y,N\)/);
      expect(no.status).toBe(1);
      expect(probeImage(img).fs?.type).toBe("ffs");
      const yes = ask("y\n");
      expect(yes.status).toBe(0);
      expect(probeImage(img).fs?.type).toBe("ext2fs");
    },
  );

  it("an image of zeros, or a new one, is formatted without a question", async () => {
    const img = join(dir, "zeros.img");
    writeFileSync(img, Buffer.alloc(4 << 20));
    expect(await ok(["mkfs", img])).toMatch(/FFS UFS2/);
    expect((await fsu(["mkfs", "-s", "4m", join(dir, "new.img")])).code).toBe(0);
  });
});
