/**
 * Test helpers for mounts: whether FUSE can be used here (else the reason
 * to skip), servers started as separate processes (the test process then
 * uses the mount with ordinary system calls, as any program does), images
 * made by the real tools, clean-up that never leaves a mount behind.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from "node:child_process";
import {
  accessSync,
  chmodSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { p2kStatus } from "../src/native.js";

export const PKG = join(dirname(fileURLToPath(import.meta.url)), "..");
export const REPO = join(PKG, "..", "..");
export const FSU = join(REPO, "packages", "ukfs", "dist", "cli", "fsu.cjs");
export const RUMP = (fs: "ffs" | "ext2fs" | "tmpfs"): string =>
  join(PKG, "dist", "cli", `rump_${fs}.js`);

export const execFileP = promisify(execFile);

/** The unprivileged user of the tests (nobody). */
export const NOBODY = 65534;
export const AS_NOBODY = ["setpriv", `--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups"];

function which(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

/** null when mounts can be tested here, else why not (the reason to skip). */
export function fuseSkipReason(): string | null {
  if (process.platform !== "linux") return "FUSE tests run on Linux only";
  if (!existsSync("/dev/fuse")) return "/dev/fuse is missing (no FUSE in this kernel or container)";
  const st = p2kStatus();
  if (!st.available) return `the FUSE addon is unavailable: ${st.reason}`;
  if (!existsSync(FSU) || !existsSync(RUMP("ffs")))
    return "the packages are not built (pnpm build)";
  if (!which("fusermount3")) return "fusermount3 is missing (apt install fuse3)";
  return null;
}

export const isRoot = process.getuid?.() === 0;

/** Can uid `NOBODY` be tested (we are root, setpriv exists)? Else why not. */
export function nobodySkipReason(): string | null {
  if (!isRoot) return "the tests of another user need root (setpriv)";
  if (!which("setpriv")) return "setpriv is missing (util-linux)";
  return null;
}

/**
 * Let an unprivileged user open /dev/fuse for the duration of a test file
 * (distributions make it 0666; some containers leave it 0600). Returns the
 * undo, or the reason it cannot be done.
 */
export function openDevFuse(): { undo: () => void } | { why: string } {
  const mode = statSync("/dev/fuse").mode & 0o777;
  if ((mode & 0o006) === 0o006) return { undo: () => {} };
  if (!isRoot) return { why: `/dev/fuse is mode ${mode.toString(8)}: other users cannot mount` };
  chmodSync("/dev/fuse", 0o666);
  return { undo: () => chmodSync("/dev/fuse", mode) };
}

/** A fresh directory under /dev/shm (or the temp dir), world-traversable. */
export function scratchDir(tag: string): string {
  let base = tmpdir();
  try {
    accessSync("/dev/shm", constants.W_OK);
    base = "/dev/shm";
  } catch {
    // keep tmpdir
  }
  const d = mkdtempSync(join(base, `p2k-${tag}-`));
  chmodSync(d, 0o755);
  return d;
}

/** An ext2 image made by mke2fs (revision 1, 4 KiB blocks). */
export function mkExt2(path: string, mib: number, extra: string[] = []): void {
  const r = spawnSync("mkfs.ext2", ["-q", "-F", "-b", "4096", ...extra, path, `${mib}M`], {
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`mkfs.ext2: ${r.stderr}`);
}

/** An FFS image made by our newfs (fsu mkfs). */
export function mkFfs(path: string, mib: number): void {
  const r = spawnSync(process.execPath, [FSU, "mkfs", "-s", `${mib}m`, path], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`fsu mkfs: ${r.stderr}`);
}

export function hasTool(cmd: string): boolean {
  return which(cmd);
}

/** The mount at `mnt` in /proc/self/mountinfo: its type, or null. */
export function mountType(mnt: string): string | null {
  const text = readFileSync("/proc/self/mountinfo", "utf8");
  let type: string | null = null;
  for (const line of text.split("\n")) {
    const f = line.split(" ");
    const sep = f.indexOf("-");
    if (sep > 4 && f[4] === mnt) type = f[sep + 1] ?? null;
  }
  return type;
}

async function until(what: string, ms: number, cond: () => boolean): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A server process (foreground) and its mount point. */
export interface Server {
  proc: ChildProcess;
  mnt: string;
  /** stderr so far */
  stderr(): string;
  /** resolves with the exit code (or signal) */
  exited: Promise<number | string>;
  /** SIGTERM (unmount cleanly) and wait for the exit */
  stop(): Promise<number | string>;
}

const servers = new Set<Server>();

/**
 * Start `argv` (a command that mounts at `mnt` in the foreground) as
 * `uid` (default: ours) and wait until the mount is there.
 */
export async function startServer(
  argv: string[],
  mnt: string,
  opts: { asNobody?: boolean; env?: Record<string, string> } = {},
): Promise<Server> {
  mkdirSync(mnt, { recursive: true });
  const cmd = opts.asNobody
    ? [...AS_NOBODY, process.execPath, ...argv]
    : [process.execPath, ...argv];
  const proc = spawn(cmd[0]!, cmd.slice(1), {
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, ...opts.env },
  });
  let err = "";
  proc.stderr!.setEncoding("utf8");
  proc.stderr!.on("data", (d: string) => (err += d));
  const exited = new Promise<number | string>((resolve) =>
    proc.on("exit", (code, sig) => resolve(code ?? sig ?? -1)),
  );
  let done = false;
  void exited.then(() => (done = true));
  const s: Server = {
    proc,
    mnt,
    stderr: () => err,
    exited,
    stop: async () => {
      if (!done) proc.kill("SIGTERM");
      const r = await exited;
      servers.delete(s);
      return r;
    },
  };
  servers.add(s);
  try {
    await until(`the mount at ${mnt} (${err.trim()})`, 30_000, () => {
      if (done) throw new Error(`the server exited before mounting: ${err.trim()}`);
      return mountType(mnt)?.startsWith("fuse.p2k.") === true;
    });
  } catch (e) {
    await cleanup(s);
    throw e;
  }
  return s;
}

/** Whatever happens: no server left running, no mount left behind. */
export async function cleanup(s: Server): Promise<void> {
  if (s.proc.exitCode === null && s.proc.signalCode === null) {
    s.proc.kill("SIGTERM");
    const t = setTimeout(() => s.proc.kill("SIGKILL"), 10_000);
    await s.exited;
    clearTimeout(t);
  }
  if (mountType(s.mnt) !== null) spawnSync("fusermount3", ["-u", "-z", s.mnt], { stdio: "ignore" });
  servers.delete(s);
}

/** afterAll of every mount test file. */
export async function cleanupAll(): Promise<void> {
  for (const s of [...servers]) await cleanup(s);
}

/** Remove a scratch directory (unmounting anything left inside first). */
export function removeScratch(dir: string): void {
  const text = readFileSync("/proc/self/mountinfo", "utf8");
  for (const line of text.split("\n")) {
    const m = line.split(" ")[4];
    if (m !== undefined && m.startsWith(dir + "/"))
      spawnSync("fusermount3", ["-u", "-z", m], { stdio: "ignore" });
  }
  rmSync(dir, { recursive: true, force: true });
}

/** Build test/fixtures/probe.c (mmap and fcntl locks); null when there is no cc. */
export function buildProbe(dir: string): string | null {
  if (!which("cc")) return null;
  const out = join(dir, "probe");
  const r = spawnSync("cc", ["-O", "-o", out, join(PKG, "test", "fixtures", "probe.c")], {
    encoding: "utf8",
  });
  return r.status === 0 ? out : null;
}

/** Run a command, resolving { code, stdout, stderr } (never rejecting on exit status). */
export async function run(
  argv: string[],
  opts: { asNobody?: boolean; cwd?: string; timeout?: number } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const cmd = opts.asNobody ? [...AS_NOBODY, ...argv] : argv;
  try {
    const r = await execFileP(cmd[0]!, cmd.slice(1), {
      encoding: "utf8",
      cwd: opts.cwd,
      timeout: opts.timeout ?? 60_000,
      maxBuffer: 64 << 20,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code?: number | string; stdout?: string; stderr?: string };
    return {
      code: typeof x.code === "number" ? x.code : -1,
      stdout: x.stdout ?? "",
      stderr: x.stderr ?? String(e),
    };
  }
}
