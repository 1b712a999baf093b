/**
 * The P2K section of `pnpm bench`: an ext2 image mounted on the host
 * through FUSE, served by p2k (`fsu mount -f`) and by fuse2fs (e2fsprogs'
 * FUSE server in C) on identical images made by mke2fs, in the same run,
 * driven by this process with Node's synchronous fs calls (the servers are
 * other processes). Rows: 10,000 creates, stats and unlinks in one
 * directory; sequential write and read of a big file in 1 MiB requests
 * (the read after dropping the file's pages from the host's cache, so that
 * it reaches the server); cp -a of a 2,000-file tree in and out; and the
 * sequential read against the same read of a file on the host's tmpfs.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import { join } from "node:path";
import {
  countTree,
  errText,
  fsuCommand,
  makeTree,
  mke2fs,
  timedSpawn,
  which,
  type DiskCtx,
} from "./disk.js";

const MiB = 1 << 20;
const now = (): number => performance.now();
const MB = (bytes: number, s: number): number => bytes / 1e6 / s;

function mountType(mnt: string): string | null {
  let type: string | null = null;
  for (const line of fs.readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
    const f = line.split(" ");
    const sep = f.indexOf("-");
    if (sep > 4 && f[4] === mnt) type = f[sep + 1] ?? null;
  }
  return type;
}

interface Served {
  proc: ChildProcess;
  exited: Promise<unknown>;
}

async function serve(argv: string[], mnt: string): Promise<Served> {
  const proc = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  proc.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise((r) => proc.on("exit", r));
  const end = Date.now() + 30_000;
  while (mountType(mnt)?.startsWith("fuse") !== true) {
    if (proc.exitCode !== null || Date.now() > end) {
      proc.kill("SIGKILL");
      throw new Error(`${argv[0]} did not mount: ${err.trim() || "timeout"}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { proc, exited };
}

async function unserve(s: Served, mnt: string): Promise<void> {
  spawnSync("fusermount3", ["-u", mnt], { stdio: "ignore" });
  const t = setTimeout(() => s.proc.kill("SIGKILL"), 60_000);
  await s.exited;
  clearTimeout(t);
  if (mountType(mnt) !== null) spawnSync("fusermount3", ["-u", "-z", mnt], { stdio: "ignore" });
}

/** Drop a file's pages from the host's page cache (GNU dd's oflag=nocache). */
function dropCache(path: string): void {
  spawnSync("dd", [
    `of=${path}`,
    "oflag=nocache",
    "conv=notrunc,fdatasync",
    "count=0",
    "status=none",
  ]);
}

interface Measured {
  create: number;
  stat: number;
  unlink: number;
  write: number;
  read: number;
  cpIn: number;
  cpOut: number;
}

/** The whole workload on a mount at `mnt` (rates per second, MB/s, seconds). */
function workload(mnt: string, files: number, bytes: number, tree: string, out: string): Measured {
  const d = join(mnt, "many");
  fs.mkdirSync(d);
  const names = Array.from({ length: files }, (_, i) => join(d, `f${i}`));
  let t = now();
  for (const p of names) fs.closeSync(fs.openSync(p, "w"));
  const create = files / ((now() - t) / 1000);
  t = now();
  for (const p of names) fs.statSync(p);
  const stat = files / ((now() - t) / 1000);
  t = now();
  for (const p of names) fs.unlinkSync(p);
  const unlink = files / ((now() - t) / 1000);

  const cpIn = timedSpawn(["cp", "-a", tree, join(mnt, "tree")], "cp -a in").wall;
  fs.rmSync(out, { recursive: true, force: true });
  const cpOut = timedSpawn(["cp", "-a", join(mnt, "tree"), out], "cp -a out").wall;
  const want = countTree(tree);
  const got = countTree(out);
  if (got.files !== want.files || got.bytes !== want.bytes)
    throw new Error(`cp -a out: ${got.files} files, ${got.bytes} bytes`);
  fs.rmSync(out, { recursive: true, force: true });

  const big = join(mnt, "big");
  const buf = new Uint8Array(MiB);
  for (let i = 0; i < buf.length; i++) buf[i] = (i * 31) & 0xff;
  t = now();
  let fd = fs.openSync(big, "w");
  for (let done = 0; done < bytes; done += MiB) fs.writeSync(fd, buf, 0, MiB, null);
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  const write = MB(bytes, (now() - t) / 1000);
  dropCache(big);
  t = now();
  fd = fs.openSync(big, "r");
  let n = 0;
  for (;;) {
    const r = fs.readSync(fd, buf, 0, MiB, null);
    if (r === 0) break;
    n += r;
  }
  fs.closeSync(fd);
  const read = MB(bytes, (now() - t) / 1000);
  if (n !== bytes) throw new Error(`read ${n} of ${bytes} bytes`);
  if (buf[4095] !== ((4095 * 31) & 0xff)) throw new Error("read back the wrong bytes");
  fs.rmSync(big);
  return { create, stat, unlink, write, read, cpIn, cpOut };
}

/** A sequential 1 MiB-request read of `bytes` from a file on the host's tmpfs. */
function hostTmpfsRead(dir: string, bytes: number): number {
  const f = join(dir, "host-big");
  const buf = new Uint8Array(MiB).fill(7);
  let fd = fs.openSync(f, "w");
  for (let done = 0; done < bytes; done += MiB) fs.writeSync(fd, buf, 0, MiB, null);
  fs.closeSync(fd);
  const t = now();
  fd = fs.openSync(f, "r");
  while (fs.readSync(fd, buf, 0, MiB, null) > 0);
  fs.closeSync(fd);
  const v = MB(bytes, (now() - t) / 1000);
  fs.rmSync(f);
  return v;
}

const IDS = ["create", "stat", "unlink", "write", "read", "cpIn", "cpOut"] as const;

export async function p2kSection(c: DiskCtx): Promise<void> {
  const { z, rows, log } = c;
  const files = z.p2kFiles;
  const bytes = z.p2kBytes;
  const label = `${bytes >= 1 << 30 ? `${bytes / (1 << 30)} GiB` : `${bytes / MiB} MiB`}`;
  const add = (id: string, what: string, unit: "ops/s" | "MB/s" | "s"): void => {
    rows.add("P2K", id, what, unit, "fuse2fs", { factor: 1 });
  };
  add(
    "P2K create",
    `open(O_CREAT)+close through the mount, ${files} files in one directory`,
    "ops/s",
  );
  add("P2K stat", "stat of each", "ops/s");
  add("P2K unlink", "unlink of each", "ops/s");
  add("P2K write", `a ${label} file written in 1 MiB writes, fsync included`, "MB/s");
  add(
    "P2K read",
    `it read back in 1 MiB reads, its pages dropped from the host's cache first`,
    "MB/s",
  );
  add(
    "P2K cp -a in",
    `cp -a of a tree of ${z.p2kTreeFiles} files (${z.p2kTreeBytes / MiB} MiB) into the mount`,
    "s",
  );
  add("P2K cp -a out", "cp -a of it out of the mount", "s");
  rows.add(
    "P2K",
    "P2K read/tmpfs",
    `the P2K read against the same read on the host's tmpfs`,
    "MB/s",
    "host tmpfs",
    {
      factor: 0.5,
    },
  );
  const ids: Record<(typeof IDS)[number], string> = {
    create: "P2K create",
    stat: "P2K stat",
    unlink: "P2K unlink",
    write: "P2K write",
    read: "P2K read",
    cpIn: "P2K cp -a in",
    cpOut: "P2K cp -a out",
  };
  const all = [...Object.values(ids), "P2K read/tmpfs"];
  const na = (why: string): void => {
    for (const id of all) rows.na(id, why);
  };
  const mk = which("mke2fs");
  const f2 = which("fuse2fs");
  const fsu = fsuCommand();
  if (!fs.existsSync("/dev/fuse")) return na("/dev/fuse is missing");
  if (mk === null) return na("mke2fs is missing (e2fsprogs)");
  if (which("fusermount3") === null) return na("fusermount3 is missing (fuse3)");
  if ("missing" in fsu) return na(fsu.missing);
  const tree = join(c.dir, "p2k-tree");
  const out = join(c.dir, "p2k-out");
  const mnt = join(c.dir, "p2k-mnt");
  const img = join(c.dir, "p2k.img");
  makeTree(tree, z.p2kTreeFiles, z.p2kTreeBytes);
  fs.mkdirSync(mnt);
  const imgBytes = Math.max(256 * MiB, bytes + z.p2kTreeBytes * 2 + 128 * MiB);
  const servers: [string, string[] | null][] = [
    ["p2k", [...fsu.argv, "mount", "-f", img, mnt]],
    ["fuse2fs", f2 === null ? null : [f2, "-f", img, mnt]],
  ];
  if (f2 === null) c.notes.add("P2K: fuse2fs is missing (apt install fuse2fs): no baseline");
  log(
    `P2K: ${files} files, a ${label} file, a ${z.p2kTreeFiles}-file tree, through p2k and fuse2fs`,
  );
  try {
    // one unmeasured round at a tenth of the sizes, then the measured ones, servers alternating
    const rounds = (c.warmup ? 1 : 0) + c.reps;
    for (let round = 0; round < rounds; round++) {
      const keep = !c.warmup || round > 0;
      const order = round % 2 === 0 ? servers : [...servers].reverse();
      for (const [name, argv] of order) {
        if (argv === null) continue;
        mke2fs(mk, img, imgBytes);
        let s: Served;
        try {
          s = await serve(argv, mnt);
        } catch (e) {
          if (name === "p2k") na(errText(e));
          else c.notes.add(`P2K: fuse2fs: ${errText(e)}`);
          continue;
        }
        try {
          const m = keep
            ? workload(mnt, files, bytes, tree, out)
            : workload(
                mnt,
                Math.max(10, files / 10),
                Math.max(MiB, Math.floor(bytes / 10 / MiB) * MiB),
                tree,
                out,
              );
          for (const k of IDS) {
            if (name === "p2k") rows.ours(ids[k], m[k], keep);
            else rows.base(ids[k], m[k], keep);
          }
          if (name === "p2k") rows.ours("P2K read/tmpfs", m.read, keep);
        } finally {
          await unserve(s, mnt);
        }
        if (name === "p2k") {
          const r = spawnSync("e2fsck", ["-fn", img], { encoding: "utf8" });
          if (r.status !== 0)
            throw new Error(`e2fsck after p2k: ${r.stdout.split("\n").slice(-3).join(" ")}`);
        }
      }
      if (keep) rows.base("P2K read/tmpfs", hostTmpfsRead(c.dir, bytes), true);
    }
    c.notes.add(
      `P2K: ext2 images (mke2fs -b 4096) in ${c.dir.startsWith("/dev/shm") ? "/dev/shm" : c.dir}, each server on a fresh one; p2k is \`fsu mount -f\` (RUMP_MEMLIMIT 64 MiB), fuse2fs ${f2 ?? "missing"} with its defaults; the read drops the file's pages first (dd oflag=nocache), the tmpfs read does not need to`,
    );
  } finally {
    if (mountType(mnt) !== null) spawnSync("fusermount3", ["-u", "-z", mnt], { stdio: "ignore" });
    fs.rmSync(tree, { recursive: true, force: true });
    fs.rmSync(out, { recursive: true, force: true });
    fs.rmSync(img, { force: true });
  }
}
