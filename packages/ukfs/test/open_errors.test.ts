/**
 * openImage's errors carry their reason (issue 12): a refused mount throws
 * UkfsOpenError whose message ends with what the kernel said, and the
 * kernel's lines of a failed open are not printed beside it.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openImage, UkfsOpenError } from "../src/index.js";
import { ok } from "./fsu_helpers.js";

const MKE2FS = ["/usr/sbin/mke2fs", "/sbin/mke2fs"].find((f) => existsSync(f));
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "open-errors-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("openImage errors", () => {
  it.skipIf(MKE2FS === undefined)(
    "a mount the kernel refuses: UkfsOpenError with the kernel's reason, nothing on the console (skipped without mke2fs)",
    () => {
      const img = join(dir, "future.img");
      execFileSync(MKE2FS!, ["-q", "-F", "-t", "ext2", img, "4M"]);
      // an incompatible feature no implementation knows (bit 31 of s_feature_incompat)
      const b = readFileSync(img);
      b.writeUInt32LE((b.readUInt32LE(1024 + 96) | 0x80000000) >>> 0, 1024 + 96);
      writeFileSync(img, b);
      const lines: string[] = [];
      let err: unknown;
      try {
        openImage(img, { console: (l) => lines.push(l) }).close();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(UkfsOpenError);
      const e = err as UkfsOpenError;
      expect(e.code).toBe("EINVAL");
      expect(e.syscall).toBe("openImage");
      expect(e.path).toBe(img);
      expect(e.reason).toMatch(/unsupported incompatible features/);
      expect(e.message).toMatch(
        /^EINVAL: invalid argument, openImage '.*': .*unsupported incompatible/,
      );
      expect(lines).toEqual([]);
    },
  );

  it("no file system: EFTYPE with the reason", () => {
    const img = join(dir, "zeros.img");
    writeFileSync(img, Buffer.alloc(1 << 20));
    expect(() => openImage(img)).toThrow(
      /^EFTYPE: .*openImage '.*zeros\.img': no file system recognised/,
    );
  });

  it("a successful open passes the held boot and mount lines on to the console sink", async () => {
    const img = join(dir, "ok.img");
    await ok(["mkfs", "-s", "4m", img]);
    const lines: string[] = [];
    const fs = openImage(img, { console: (l) => lines.push(l), params: { RUMP_VERBOSE: 1 } });
    try {
      expect(lines.join("\n")).toMatch(/NetBSD 7\.99\.34/);
    } finally {
      fs.close();
    }
  });
});
