/**
 * Kernel tasks instead of kernel threads (DESIGN.md answer 3): the syncer,
 * vnode reclaim and callouts run as host timers that are unref'd, so a
 * pending task never keeps the process alive. Works on any host with
 * setTimeout (unref exists only in Node, where it matters).
 */
import type { TaskHandle } from "./rumpuser.js";

/** setTimeout's limit: a longer delay would fire after 1 ms */
const MAX_DELAY_MS = 0x7fffffff;

interface HostTimer {
  unref?(): unknown;
  hasRef?(): boolean;
}

class Task implements TaskHandle {
  pending = true;
  timer: unknown = null;
  constructor(readonly fn: () => void) {}

  hasRef(): boolean {
    const t = this.timer as HostTimer | null;
    return this.pending && t !== null && typeof t === "object" && typeof t.hasRef === "function"
      ? t.hasRef()
      : false;
  }
}

export class TaskQueue {
  private readonly tasks = new Set<Task>();

  /** `onError`: where an exception escaping a task goes (it must not reach the event loop). */
  constructor(private readonly onError: (e: unknown) => void) {}

  /** Tasks scheduled and not yet run or cancelled. */
  get pending(): number {
    return this.tasks.size;
  }

  schedule(fn: () => void, delayMs: number): TaskHandle {
    const task = new Task(fn);
    const ms = delayMs > 0 ? Math.min(delayMs, MAX_DELAY_MS) : 0; // NaN → 0
    const timer = setTimeout(() => this.run(task), ms) as unknown as HostTimer;
    if (typeof timer === "object" && typeof timer.unref === "function") timer.unref();
    task.timer = timer;
    this.tasks.add(task);
    return task;
  }

  cancel(h: TaskHandle): void {
    if (!(h instanceof Task) || !this.tasks.has(h)) return;
    clearTimeout(h.timer as Parameters<typeof clearTimeout>[0]);
    this.finish(h);
  }

  cancelAll(): void {
    for (const t of this.tasks) this.cancel(t);
  }

  private finish(task: Task): void {
    task.pending = false;
    task.timer = null;
    this.tasks.delete(task);
  }

  private run(task: Task): void {
    if (!task.pending) return;
    this.finish(task);
    try {
      task.fn();
    } catch (e) {
      this.onError(e);
    }
  }
}
