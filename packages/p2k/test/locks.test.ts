/**
 * Requests that would sleep in NetBSD: a blocking flock(2) or fcntl(2)
 * lock held by another owner. The kernel answers "would wait"; p2k parks
 * the request — other requests go on — and retries it when a lock may have
 * been released; an interrupted waiter ends with EINTR; unmounting with a
 * waiter parked ends cleanly.
 */
import { spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  buildProbe,
  cleanupAll,
  fuseSkipReason,
  hasTool,
  mkExt2,
  mountType,
  removeScratch,
  run,
  RUMP,
  scratchDir,
  startServer,
  type Server,
} from "./helpers.js";

const skip = fuseSkipReason();
if (skip !== null) console.warn(`p2k locks: skipped: ${skip}`);

/** Spawn `argv`; resolve its stdout lines as they come and its end. */
function start(argv: string[]): {
  lines: string[];
  line(n: number): Promise<string>;
  done: Promise<number | string>;
  kill(sig: NodeJS.Signals): void;
  /** close its stdin (a `read` in it returns) */
  release(): void;
} {
  const p = spawn(argv[0]!, argv.slice(1), { stdio: ["pipe", "pipe", "pipe"] });
  const lines: string[] = [];
  let buf = "";
  const waiters: (() => void)[] = [];
  p.stdout!.setEncoding("utf8");
  p.stdout!.on("data", (d: string) => {
    buf += d;
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      lines.push(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
    for (const w of waiters.splice(0)) w();
  });
  const done = new Promise<number | string>((r) => p.on("exit", (c, s) => r(c ?? s ?? -1)));
  void done.then(() => {
    for (const w of waiters.splice(0)) w();
  });
  return {
    lines,
    done,
    kill: (sig) => p.kill(sig),
    release: () => p.stdin!.end(),
    async line(n) {
      while (lines.length <= n) {
        if (p.exitCode !== null || p.signalCode !== null)
          throw new Error(`exited; output: ${lines.join("|")}`);
        await new Promise<void>((r) => waiters.push(r));
      }
      return lines[n]!;
    },
  };
}

describe.skipIf(skip !== null)("locks that would sleep", () => {
  let dir = "";
  let mnt = "";
  let img = "";
  let srv: Server;
  let probe: string | null = null;
  beforeAll(async () => {
    dir = scratchDir("locks");
    mnt = join(dir, "mnt");
    img = join(dir, "disk.img");
    mkExt2(img, 32);
    probe = buildProbe(dir);
    srv = await startServer([RUMP("ext2fs"), "-f", img, mnt], mnt);
    writeFileSync(join(mnt, "f"), "lockme");
  });
  afterAll(async () => {
    await cleanupAll();
    removeScratch(dir);
  });

  it.skipIf(!hasTool("flock"))(
    "flock: a waiter is parked, others go on, the unlock wakes it",
    async () => {
      const f = join(mnt, "f");
      const holder = start(["flock", "-x", f, "sh", "-c", "echo held; read x; echo done"]);
      expect(await holder.line(0)).toBe("held");
      // LOCK_NB: EWOULDBLOCK at once
      expect((await run(["flock", "-n", "-x", f, "true"])).code).toBe(1);
      const t0 = Date.now();
      const waiter = start(["flock", "-x", f, "sh", "-c", "echo got"]);
      // while the waiter waits, the mount answers everything else
      for (let i = 0; i < 10; i++)
        expect((await run(["stat", "-c", "%s", f])).stdout.trim()).toBe("6");
      expect(waiter.lines).toEqual([]);
      holder.release();
      expect(await waiter.line(0)).toBe("got");
      expect(Date.now() - t0).toBeGreaterThan(100);
      expect(await holder.done).toBe(0);
      expect(await waiter.done).toBe(0);
    },
  );

  it("fcntl: F_SETLK conflicts, F_SETLKW waits for the unlock, F_GETLK names the holder", async () => {
    if (probe === null) return;
    const f = join(mnt, "f");
    const holder = start([probe, "lock", f, "0", "10", "w", "800"]);
    expect(await holder.line(0)).toMatch(/^locked /);
    expect((await run([probe, "lock", f, "0", "10", "wn", "0"])).stdout.trim()).toBe("EAGAIN");
    // another range is free
    expect((await run([probe, "lock", f, "20", "10", "wn", "0"])).stdout).toMatch(/^locked /);
    const got = (await run([probe, "getlk", f, "5", "1"])).stdout.trim();
    expect(got).toMatch(/^w \d+$/);
    const waiter = start([probe, "lock", f, "5", "1", "w", "0"]);
    const l = await waiter.line(0);
    expect(l).toMatch(/^locked \d+$/);
    expect(Number(l.split(" ")[1])).toBeGreaterThan(200);
    expect(await holder.done).toBe(0);
    expect(await waiter.done).toBe(0);
  });

  it("an interrupted waiter gets EINTR; unmounting with a waiter parked ends cleanly", async () => {
    if (probe === null) return;
    const f = join(mnt, "f");
    const holder = start([probe, "lock", f, "0", "0", "w", "30000"]);
    expect(await holder.line(0)).toMatch(/^locked /);
    // SIGUSR1 (caught, no SA_RESTART) interrupts the wait: FUSE_INTERRUPT, answered EINTR
    const w1 = start([probe, "lock", f, "0", "0", "w", "0"]);
    await new Promise((r) => setTimeout(r, 300));
    w1.kill("SIGUSR1");
    expect(await w1.line(0)).toBe("EINTR");
    expect(await w1.done).toBe(1);
    const w2 = start([probe, "lock", f, "0", "0", "w", "0"]);
    await new Promise((r) => setTimeout(r, 300));
    // stop serving while w2 waits and holder holds: both get errors, the image stays clean
    srv.proc.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 300));
    srv.proc.kill("SIGTERM");
    expect(await srv.exited).toBe(0);
    expect(await w2.done).not.toBe(0);
    holder.kill("SIGKILL");
    await holder.done;
    expect(mountType(mnt)).toBeNull();
    const r = spawnSync("e2fsck", ["-fn", img], { encoding: "utf8" });
    expect(r.status).toBe(0);
  });
});
