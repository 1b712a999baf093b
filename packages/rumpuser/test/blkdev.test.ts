/**
 * A real block device: a loop device over a 1 MiB file. Needs root and a
 * working losetup; otherwise the tests are skipped and say why.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { NodeHost } from "../src/hosts/node.js";
import { nativeStatus } from "../src/native.js";
import {
  RUMPUSER_BIO_READ,
  RUMPUSER_BIO_SYNC,
  RUMPUSER_BIO_WRITE,
  RUMPUSER_FT_BLK,
  RUMPUSER_OPEN_BIO,
  RUMPUSER_OPEN_RDONLY,
  RUMPUSER_OPEN_RDWR,
  RUMPUSER_SYNCFD_SYNC,
  RUMPUSER_SYNCFD_WRITE,
} from "../src/rumpuser.js";
import { block, out } from "./helpers.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const SIZE = 1 << 20;

/** Attach a loop device at collection time (skipIf needs the answer then). */
function attach(): { dev: string; dir: string } | { reason: string } {
  if (process.platform !== "linux") return { reason: "not Linux" };
  if (process.getuid?.() !== 0) return { reason: "not root" };
  const dir = mkdtempSync(join(tmpdir(), "rumpuser-blk-"));
  const file = join(dir, "disk.img");
  writeFileSync(file, new Uint8Array(SIZE));
  const r = spawnSync("losetup", ["-f", "--show", file], { encoding: "utf8", timeout: 10_000 });
  if (r.error !== undefined || r.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    const why = r.error?.message ?? (r.stderr.trim() || `exit status ${r.status}`);
    return { reason: `losetup failed: ${why}` };
  }
  return { dev: r.stdout.trim(), dir };
}

const loop = attach();
const skip = "reason" in loop ? loop.reason : null;
const dev = "dev" in loop ? loop.dev : "";
if (skip !== null) console.log(`blkdev.test.ts: loop-device tests skipped: ${skip}`);

afterAll(() => {
  if ("dev" in loop) {
    spawnSync("losetup", ["-d", loop.dev], { timeout: 10_000 });
    rmSync(loop.dir, { recursive: true, force: true });
  }
});

const title = (t: string): string => (skip === null ? t : `${t} [skipped: ${skip}]`);

describe("a loop device", () => {
  it.skipIf(skip !== null)(
    title("getfileinfo reports BLK with the device's size (addon when loaded)"),
    () => {
      const host = new NodeHost({ env: false });
      const size = out(-1);
      const type = out(-1);
      expect(host.getfileinfo(dev, size, type)).toBe(0);
      expect([size.v, type.v]).toEqual([SIZE, RUMPUSER_FT_BLK]);
      if (!nativeStatus().loaded)
        console.log(
          `blkdev.test.ts: addon not loaded (${nativeStatus().reason}): sysfs path tested`,
        );
    },
  );

  it.skipIf(skip !== null)(title("without the addon the size comes from sysfs, the same"), () => {
    for (const native of ["1", "0"]) {
      const r = spawnSync(
        process.execPath,
        ["--import", "tsx", join(HERE, "blkdev.child.ts"), dev],
        {
          cwd: join(HERE, ".."),
          encoding: "utf8",
          timeout: 20_000,
          env: { ...process.env, RUMPUSER_NATIVE: native },
        },
      );
      expect(r.status).toBe(0);
      const got = JSON.parse(r.stdout) as {
        native: boolean;
        r: number;
        size: number;
        type: number;
      };
      if (native === "0") expect(got.native).toBe(false);
      expect([got.r, got.size, got.type]).toEqual([0, SIZE, RUMPUSER_FT_BLK]);
    }
  });

  it.skipIf(skip !== null)(
    title("bio reads and writes it, BIO_SYNC and syncfd reach it, short read at its end"),
    () => {
      const lines: string[] = [];
      const host = new NodeHost({ env: false, console: (l) => lines.push(l) });
      try {
        const fd = out(-1);
        expect(host.open(dev, RUMPUSER_OPEN_RDWR | RUMPUSER_OPEN_BIO, fd)).toBe(0);
        const done = { n: -1, e: -1 };
        const cb = (d: typeof done, n: number, e: number): void => {
          d.n = n;
          d.e = e;
        };
        host.bio(
          fd.v,
          RUMPUSER_BIO_WRITE | RUMPUSER_BIO_SYNC,
          block(4096, 0x5a),
          4096,
          8192,
          cb,
          done,
        );
        expect(done).toEqual({ n: 4096, e: 0 });
        host.bio(fd.v, RUMPUSER_BIO_WRITE, block(512, 0x33), 512, SIZE - 512, cb, done);
        expect(done).toEqual({ n: 512, e: 0 });
        expect(host.syncfd(fd.v, RUMPUSER_SYNCFD_WRITE | RUMPUSER_SYNCFD_SYNC, 0, 0)).toBe(0);
        expect(host.syncfd(fd.v, RUMPUSER_SYNCFD_WRITE | RUMPUSER_SYNCFD_SYNC, 8192, 4096)).toBe(0);
        const back = new Uint8Array(4096);
        host.bio(fd.v, RUMPUSER_BIO_READ, back, 4096, 8192, cb, done);
        expect(done).toEqual({ n: 4096, e: 0 });
        expect(back).toEqual(block(4096, 0x5a));
        const tail = new Uint8Array(2048);
        host.bio(fd.v, RUMPUSER_BIO_READ, tail, 2048, SIZE - 512, cb, done);
        expect(done).toEqual({ n: 512, e: 0 });
        expect(tail.subarray(0, 512)).toEqual(block(512, 0x33));
        // the image lock covers devices too: a second writer in this process is refused
        expect(host.open(dev, RUMPUSER_OPEN_RDWR | RUMPUSER_OPEN_BIO, out(0))).toBe(35);
        expect(lines.join("\n")).toContain(dev);
        expect(host.close(fd.v)).toBe(0);
        const ro = out(-1);
        expect(host.open(dev, RUMPUSER_OPEN_RDONLY | RUMPUSER_OPEN_BIO, ro)).toBe(0);
      } finally {
        host.shutdown();
      }
    },
  );
});
