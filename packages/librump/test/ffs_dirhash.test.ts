/**
 * FFS directories big enough for a dirhash (ufs_dirhash.ts): creates,
 * removes that leave holes, creates that fill (and compact) them, renames
 * inside and across directories, on both byte orders. Every name is looked
 * up by path (through the hash) and the directory listed (from the disk
 * blocks) against a shadow set; then the image is checked by fsck and read
 * again by a fresh kernel, whose hash is built from what is on disk.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, onTestFinished } from "vitest";
import { NodeHost } from "@rump/rumpuser";
import { createSyscalls, ENOENT, O_CREAT, O_WRONLY, type RumpSyscalls } from "@rump/syscalls";
import { memBlockDev } from "../src/dev/blockdev.js";
import { createKernel } from "../src/rump/rump.js";
import { RUMP_ETFS_BLK } from "../src/rump/etfs.js";
import { fsck_ffs } from "../src/ufs/ffs/ffs_fsck.js";
import { newfs_ffs } from "../src/ufs/ffs/ffs_newfs.js";
import { errnoOf, listdir, release } from "./helpers/kernel.js";

const dir = mkdtempSync(join(tmpdir(), "ffs-dirhash-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function mount(image: string): RumpSyscalls {
  const k = createKernel({ host: new NodeHost({ env: false, console: () => {} }) });
  onTestFinished(() => release(k));
  k.rump_pub_etfs_register("/dev/ffs0", image, RUMP_ETFS_BLK);
  const sys = createSyscalls(k);
  sys.rump_sys_mkdir("/mnt", 0o755);
  sys.rump_sys_mount("ffs", "/mnt", 0, { fspec: "/dev/ffs0" });
  return sys;
}

/** Names of varied lengths (4…60 bytes), so records of several sizes share chunks. */
function nameOf(i: number): string {
  return `n${i}-${"x".repeat((i * 7) % 57)}`;
}

function check(sys: RumpSyscalls, path: string, want: Set<string>, gone: readonly string[]): void {
  for (const n of want) expect(sys.rump_sys_stat(`${path}/${n}`).st_size, n).toBe(n.length);
  for (const n of gone)
    expect(
      errnoOf(() => sys.rump_sys_stat(`${path}/${n}`)),
      n,
    ).toBe(ENOENT);
  expect(
    listdir(sys, path)
      .filter((n) => n !== "." && n !== "..")
      .sort(),
  ).toEqual([...want].sort());
}

describe.each(["le", "be"] as const)("dirhash (%s)", (endian) => {
  it("keeps lookups right through creates, removes, refills and renames", () => {
    const image = join(dir, `dh-${endian}.img`);
    const img = new Uint8Array(16 << 20);
    expect(
      newfs_ffs(memBlockDev(img), { version: 2, bsize: 8192, fsize: 1024, byteOrder: endian }),
    ).toBe(0);
    writeFileSync(image, img);
    const sys = mount(image);
    const want = new Set<string>();
    const gone: string[] = [];
    sys.rump_sys_mkdir("/mnt/d", 0o755);
    sys.rump_sys_mkdir("/mnt/e", 0o755);
    const create = (n: string): void => {
      const fd = sys.rump_sys_open(`/mnt/d/${n}`, O_WRONLY | O_CREAT, 0o644);
      sys.rump_sys_write(fd, new TextEncoder().encode(n), n.length);
      sys.rump_sys_close(fd);
      want.add(n);
    };
    for (let i = 0; i < 700; i++) create(nameOf(i));
    // the directory is far past the hash's minimum: look up everything once (builds it)
    check(sys, "/mnt/d", want, ["absent", nameOf(700)]);
    // holes: every third name goes
    for (let i = 0; i < 700; i += 3) {
      sys.rump_sys_unlink(`/mnt/d/${nameOf(i)}`);
      want.delete(nameOf(i));
      gone.push(nameOf(i));
    }
    check(sys, "/mnt/d", want, gone);
    // refill: new names of other lengths land in the holes (splits and compactions)
    for (let i = 1000; i < 1400; i++) create(nameOf(i));
    // renames: inside the directory, and out of it
    for (let i = 1; i < 200; i += 6) {
      const from = nameOf(i);
      const to = `r${i}-${"y".repeat(i % 13)}`;
      sys.rump_sys_rename(`/mnt/d/${from}`, `/mnt/d/${to}`);
      want.delete(from);
      gone.push(from);
      // the size stays the old name's length: keep it findable under the new name
      const fd = sys.rump_sys_open(`/mnt/d/${to}`, O_WRONLY, 0);
      sys.rump_sys_ftruncate(fd, to.length);
      sys.rump_sys_close(fd);
      want.add(to);
    }
    for (let i = 2; i < 100; i += 6) {
      sys.rump_sys_rename(`/mnt/d/${nameOf(i)}`, `/mnt/e/${nameOf(i)}`);
      want.delete(nameOf(i));
      gone.push(nameOf(i));
    }
    check(sys, "/mnt/d", want, gone);
    sys.rump_sys_unmount("/mnt", 0);
    expect(fsck_ffs(memBlockDev(new Uint8Array(readFileSync(image)))).problems).toEqual([]);
    // a fresh kernel hashes what is on disk
    check(mount(image), "/mnt/d", want, gone);
  });
});
