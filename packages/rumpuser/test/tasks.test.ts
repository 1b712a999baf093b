/** Kernel tasks: later, on unref'd host timers; no threads. */
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { MemoryHost } from "../src/hosts/memory.js";
import { NodeHost } from "../src/hosts/node.js";
import type { HostOptions } from "../src/hosts/common.js";
import { out } from "./helpers.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const EOPNOTSUPP = 45;

function tick(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

describe.each([
  ["NodeHost", (o: HostOptions = {}) => new NodeHost({ env: false, ...o })],
  ["MemoryHost", (o: HostOptions = {}) => new MemoryHost(o)],
] as const)("%s tasks", (_label, make) => {
  it("run later on the event loop, never inside task_schedule", async () => {
    const host = make();
    const ran: string[] = [];
    const h = host.task_schedule(() => ran.push("a"), 0);
    host.task_schedule(() => ran.push("b"), 20);
    expect(ran).toEqual([]);
    expect(h.pending).toBe(true);
    await tick(60);
    expect(ran).toEqual(["a", "b"]);
    expect(h.pending).toBe(false);
  });

  it("are unref'd: a pending task does not keep the process alive", () => {
    const host = make();
    const h = host.task_schedule(() => {}, 10_000);
    expect(h.hasRef()).toBe(false);
    host.task_cancel(h);
  });

  it("can be cancelled; cancelling twice or after the run does nothing", async () => {
    const host = make();
    const ran: string[] = [];
    const h = host.task_schedule(() => ran.push("x"), 5);
    host.task_cancel(h);
    host.task_cancel(h);
    expect(h.pending).toBe(false);
    const g = host.task_schedule(() => ran.push("y"), 0);
    await tick(30);
    host.task_cancel(g);
    expect(ran).toEqual(["y"]);
  });

  it("an exception escaping a task goes to onTaskError, not the event loop", async () => {
    const errors: unknown[] = [];
    const host = make({ onTaskError: (e) => errors.push(e) });
    host.task_schedule(() => {
      throw new Error("syncer broke");
    }, 0);
    await tick(30);
    expect((errors[0] as Error).message).toBe("syncer broke");
  });

  it("by default such an exception is printed on the console", async () => {
    const lines: string[] = [];
    const host = make({ console: (l) => lines.push(l) });
    host.task_schedule(() => {
      throw new Error("reclaim broke");
    }, 0);
    await tick(30);
    expect(lines.join("\n")).toContain("rumpuser: task failed: Error: reclaim broke");
  });

  it("shutdown cancels pending tasks", async () => {
    const host = make();
    const ran: string[] = [];
    host.task_schedule(() => ran.push("late"), 10);
    host.shutdown();
    await tick(40);
    expect(ran).toEqual([]);
  });

  it("thread_create says threads are not available (EOPNOTSUPP), once on the console", () => {
    const host = new MemoryHost();
    const cookie = out<unknown>(null);
    expect(host.thread_create(() => {}, null, "ioflush", false, 0, -1, cookie)).toBe(EOPNOTSUPP);
    expect(host.thread_create(() => {}, null, "pagedaemon", true, 0, -1, cookie)).toBe(EOPNOTSUPP);
    expect(host.output.filter((l) => l.includes("threads not available")).length).toBe(1);
    expect(host.thread_join(cookie.v)).toBe(22);
  });
});

describe("a process with pending tasks", () => {
  it("ends at once: the timers are unref'd", () => {
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ["--import", "tsx", join(HERE, "tasks.child.ts")], {
      cwd: join(HERE, ".."),
      encoding: "utf8",
      timeout: 20_000,
      env: { ...process.env, RUMPUSER_NATIVE: "0" },
    });
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("scheduled\n");
    expect(Date.now() - t0).toBeLessThan(20_000); // far less than the task's minute
  });
});
