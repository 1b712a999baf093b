/**
 * The fuzz runner itself: a case that hangs is reported by the watchdog
 * and one that exhausts the worker's heap by the worker's death, each with
 * its seed, and the run goes on with the seeds after it in a new worker.
 */
import { describe, expect, it } from "vitest";
import { runFuzz } from "./helpers/fuzz_runner.js";

describe("fuzz runner", () => {
  it("reports a hang and runaway memory by seed and carries on", async () => {
    // selftest seeds: % 3 = 1 hangs, % 3 = 2 grows the heap, % 3 = 0 passes
    const r = await runFuzz(
      { type: "selftest", images: [], seeds: [0, 1, 3, 2, 6], heapMb: 32 },
      1500,
    );
    expect(r.cases).toBe(5);
    expect(r.failures.map((f) => f.seed)).toEqual([1, 2]);
    expect(r.failures[0]!.message).toMatch(/no progress for 1500 ms/);
    expect(r.failures[1]!.message).toMatch(/worker died/);
    // seeds 0, 3 and 6 ran to the end (in three workers)
    expect(r.roMounted).toBe(3);
  }, 120_000);
});
