/**
 * ext4 test images made by the real tool: `mkfs.ext4 -d` (Debian's
 * defaults from /etc/mke2fs.conf, or a feature set) over a host tree with
 * every file type, sparse and large files, a fragmented file whose extent
 * tree needs index blocks, and (for the htree test) a directory of many
 * entries that `e2fsck -fyD` then indexes. The expected contents come from
 * the host tree.
 */
import { execFileSync } from "node:child_process";
import {
  closeSync,
  existsSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readSync,
  utimesSync,
  writeSync,
} from "node:fs";
import type { BlockDev } from "../../src/dev/blockdev.js";
import { join } from "node:path";
import { buildE2Tree, E2FSCK, e2pattern, type E2Expected } from "./ext2fs_images.js";

export const MKFS_EXT4 = "/usr/sbin/mkfs.ext4";

/** Why mkfs.ext4-based tests cannot run here, or null when they can. */
export function mkfsExt4Missing(): string | null {
  if (!existsSync(MKFS_EXT4)) return `${MKFS_EXT4} is not installed (apt-get install e2fsprogs)`;
  if (typeof process.getuid === "function" && process.getuid() !== 0)
    return "not root: the source tree needs chown and device nodes";
  return null;
}

/** The fragmented file: one block of data every other block (1 KiB blocks: > 4 × 84 extents, depth 2). */
export const E4_FRAG_ISLANDS = 400;
export const E4_FRAG_STEP = 2048;
export const E4_FRAG_SIZE = E4_FRAG_ISLANDS * E4_FRAG_STEP;
/** A large file: several maximal extents at 1 KiB blocks (32 MiB each would be too slow to build; 5 MiB spans a few groups). */
export const E4_LARGE_SIZE = 5 * 1024 * 1024 + 4321;

export interface E4Extra {
  /** device nodes: path → [type, rdev] */
  devices: { path: string; type: "c" | "b"; major: number; minor: number }[];
  socket: string | null;
}

/**
 * buildE2Tree's shapes plus what ext4 adds: device nodes, a socket, a
 * large file and a fragmented (island) file whose extents need index
 * blocks. Returns what every path must read back as.
 */
export function buildE4Tree(root: string): { entries: E2Expected[]; extra: E4Extra } {
  const entries = buildE2Tree(root);
  let t = 1_650_000_000;
  const file = (p: string, data: Uint8Array): void => {
    const full = join(root, p);
    const fd = openSync(full, "w");
    writeSync(fd, data);
    closeSync(fd);
    const mtime = t++;
    utimesSync(full, mtime, mtime);
    entries.push({
      path: p,
      type: "file",
      mode: 0o644,
      uid: 0,
      gid: 0,
      mtime,
      size: data.length,
      data,
    });
  };
  file("large", e2pattern(E4_LARGE_SIZE, 77));
  {
    const p = "fragmented";
    const full = join(root, p);
    const data = new Uint8Array(E4_FRAG_SIZE);
    const fd = openSync(full, "w");
    for (let i = 0; i < E4_FRAG_ISLANDS; i++) {
      const chunk = e2pattern(1000, i + 3);
      data.set(chunk, i * E4_FRAG_STEP);
      writeSync(fd, chunk, 0, chunk.length, i * E4_FRAG_STEP);
    }
    // the file ends with data, so its size is exactly this
    closeSync(fd);
    const mtime = t++;
    utimesSync(full, mtime, mtime);
    entries.push({
      path: p,
      type: "file",
      mode: 0o644,
      uid: 0,
      gid: 0,
      mtime,
      size: (E4_FRAG_ISLANDS - 1) * E4_FRAG_STEP + 1000,
      data: data.subarray(0, (E4_FRAG_ISLANDS - 1) * E4_FRAG_STEP + 1000),
    });
  }
  const extra: E4Extra = { devices: [], socket: null };
  mkdirSync(join(root, "dev"), { recursive: true });
  for (const [name, type, major, minor] of [
    ["null", "c", 1, 3],
    ["sda1", "b", 8, 1],
  ] as const) {
    execFileSync("mknod", [
      "-m",
      "0640",
      join(root, "dev", name),
      type,
      String(major),
      String(minor),
    ]);
    extra.devices.push({ path: `dev/${name}`, type, major, minor });
  }
  try {
    execFileSync("python3", [
      "-c",
      "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])",
      join(root, "dev", "sock"),
    ]);
    extra.socket = "dev/sock";
  } catch {
    // no python3: no socket in the tree
  }
  return { entries, extra };
}

/** `mkfs.ext4 -q -F [args] -d src image size` with a fixed clock (reproducible UUIDs aside). */
export function mkfsExt4(image: string, src: string | null, args: string[], size: string): void {
  execFileSync(
    MKFS_EXT4,
    [
      "-q",
      "-F",
      "-E",
      "root_owner=0:0",
      ...args,
      ...(src !== null ? ["-d", src] : []),
      image,
      size,
    ],
    { stdio: "pipe", env: { ...process.env, E2FSPROGS_FAKE_TIME: "1700000000" } },
  );
}

/** `e2fsck -fyD image`: build hashed indexes for the directories (exit 1: "fixed" is expected). */
export function e2fsckIndex(image: string): void {
  try {
    execFileSync(E2FSCK, ["-fyD", image], { stdio: "pipe" });
  } catch (e) {
    if ((e as { status?: number }).status !== 1) throw e;
  }
}

/** A BlockDev over a new sparse host file of `size` bytes (for sizes no test wants in memory). */
export function fileBlockDev(path: string, size: number): BlockDev & { close(): void } {
  const fd = openSync(path, "w+");
  ftruncateSync(fd, size);
  return {
    size,
    read: (off, buf) => readSync(fd, buf, 0, buf.length, off),
    write: (off, buf) => writeSync(fd, buf, 0, buf.length, off),
    close: () => closeSync(fd),
  };
}
