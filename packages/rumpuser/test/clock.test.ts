/** clock_gettime / clock_sleep, real and virtual. */
import { describe, expect, it } from "vitest";
import { MemoryHost } from "../src/hosts/memory.js";
import { NodeHost } from "../src/hosts/node.js";
import type { HostBase } from "../src/hosts/common.js";
import {
  NOOP_UPCALLS,
  RUMPUSER_CLOCK_ABSMONO,
  RUMPUSER_CLOCK_RELWALL,
  RUMPUSER_VERSION,
} from "../src/rumpuser.js";
import type { Out, RumpuserMtx } from "../src/rumpuser.js";
import { out } from "./helpers.js";

const EINVAL = 22;

function now(host: HostBase, clk: number): number {
  const s = out(0);
  const ns = out(0);
  expect(host.clock_gettime(clk, s, ns)).toBe(0);
  expect(Number.isInteger(s.v) && Number.isInteger(ns.v) && ns.v >= 0 && ns.v < 1e9).toBe(true);
  return s.v * 1e3 + ns.v / 1e6; // ms
}

/** CPU time (ms) the process used while running fn, and the wall time it took. */
function measure(fn: () => void): { cpu: number; wall: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { cpu: (c.user + c.system) / 1000, wall };
}

describe.each([
  ["NodeHost", () => new NodeHost({ env: false })],
  ["MemoryHost", () => new MemoryHost()],
] as const)("%s real clocks", (_label, make) => {
  it("RELWALL is wall time with sub-millisecond resolution", () => {
    const host = make();
    expect(Math.abs(now(host, RUMPUSER_CLOCK_RELWALL) - Date.now())).toBeLessThan(1000);
    const ns = out(0);
    const seen = new Set<number>();
    for (let i = 0; i < 50; i++) {
      host.clock_gettime(RUMPUSER_CLOCK_RELWALL, out(0), ns);
      seen.add(ns.v % 1e6);
    }
    expect(seen.size).toBeGreaterThan(1); // not whole milliseconds
  });

  it("ABSMONO never goes back", () => {
    const host = make();
    let prev = now(host, RUMPUSER_CLOCK_ABSMONO);
    for (let i = 0; i < 1000; i++) {
      const t = now(host, RUMPUSER_CLOCK_ABSMONO);
      expect(t).toBeGreaterThanOrEqual(prev);
      prev = t;
    }
  });

  it("refuses an unknown clock with EINVAL", () => {
    const host = make();
    expect(host.clock_gettime(2, out(0), out(0))).toBe(EINVAL);
    expect(host.clock_sleep(7, 0, 1)).toBe(EINVAL);
  });

  it("clock_sleep(RELWALL) really sleeps at least the time asked, idle (no busy wait)", () => {
    const host = make();
    const m0 = now(host, RUMPUSER_CLOCK_ABSMONO);
    const { cpu, wall } = measure(() =>
      expect(host.clock_sleep(RUMPUSER_CLOCK_RELWALL, 0, 250_000_000)).toBe(0),
    );
    expect(wall).toBeGreaterThanOrEqual(249.9);
    expect(now(host, RUMPUSER_CLOCK_ABSMONO) - m0).toBeGreaterThanOrEqual(249.9);
    expect(cpu).toBeLessThan(wall * 0.3); // a busy wait would use about all of it
  });

  it("clock_sleep(ABSMONO) sleeps until the monotonic clock reaches the time given", () => {
    const host = make();
    const target = now(host, RUMPUSER_CLOCK_ABSMONO) + 150;
    const sec = Math.floor(target / 1000);
    const nsec = Math.floor((target - sec * 1000) * 1e6);
    const { cpu, wall } = measure(() =>
      expect(host.clock_sleep(RUMPUSER_CLOCK_ABSMONO, sec, nsec)).toBe(0),
    );
    expect(now(host, RUMPUSER_CLOCK_ABSMONO)).toBeGreaterThanOrEqual(target - 0.001);
    expect(cpu).toBeLessThan(Math.max(wall, 100) * 0.3);
    // a time already passed returns at once
    expect(measure(() => host.clock_sleep(RUMPUSER_CLOCK_ABSMONO, 0, 0)).wall).toBeLessThan(50);
  });

  it("clock_sleep refuses negative or malformed times with EINVAL", () => {
    const host = make();
    expect(host.clock_sleep(RUMPUSER_CLOCK_RELWALL, -1, 0)).toBe(EINVAL);
    expect(host.clock_sleep(RUMPUSER_CLOCK_RELWALL, 0, 1e9)).toBe(EINVAL);
    expect(host.clock_sleep(RUMPUSER_CLOCK_RELWALL, 0, -1)).toBe(EINVAL);
    expect(host.clock_sleep(RUMPUSER_CLOCK_RELWALL, 0.5, 0)).toBe(EINVAL);
    expect(host.clock_sleep(RUMPUSER_CLOCK_RELWALL, Infinity, 0)).toBe(EINVAL);
  });

  it("gives the rump CPU back around a real sleep (backend unschedule/schedule upcalls)", () => {
    const host = make();
    const calls: string[] = [];
    expect(
      host.init(RUMPUSER_VERSION, {
        ...NOOP_UPCALLS,
        hyp_backend_unschedule(nlocks: number, countp: Out<number>, interlock: RumpuserMtx | null) {
          calls.push(`unschedule ${nlocks} ${String(interlock)}`);
          countp.v = 3;
        },
        hyp_backend_schedule(nlocks: number, interlock: RumpuserMtx | null) {
          calls.push(`schedule ${nlocks} ${String(interlock)}`);
        },
      }),
    ).toBe(0);
    expect(host.clock_sleep(RUMPUSER_CLOCK_RELWALL, 0, 1_000_000)).toBe(0);
    expect(calls).toEqual(["unschedule 0 null", "schedule 3 null"]);
  });
});

describe("virtual clocks", () => {
  const EPOCH = 1_700_000_000; // SOURCE_DATE_EPOCH-like

  it("{ fixed } stands still and starts the monotonic clock at 0", () => {
    const host = new MemoryHost({ clock: { fixed: EPOCH } });
    const s = out(0);
    const ns = out(0);
    for (let i = 0; i < 3; i++) {
      host.clock_gettime(RUMPUSER_CLOCK_RELWALL, s, ns);
      expect([s.v, ns.v]).toEqual([EPOCH, 0]);
      host.clock_gettime(RUMPUSER_CLOCK_ABSMONO, s, ns);
      expect([s.v, ns.v]).toEqual([0, 0]);
    }
  });

  it("sleeps advance virtual time instead of sleeping", () => {
    const host = new NodeHost({ env: false, clock: { fixed: EPOCH + 0.25 } });
    const s = out(0);
    const ns = out(0);
    const { wall } = measure(() => {
      expect(host.clock_sleep(RUMPUSER_CLOCK_RELWALL, 3600, 900_000_000)).toBe(0);
    });
    expect(wall).toBeLessThan(100);
    host.clock_gettime(RUMPUSER_CLOCK_RELWALL, s, ns);
    expect([s.v, ns.v]).toEqual([EPOCH + 3601, 150_000_000]);
    host.clock_gettime(RUMPUSER_CLOCK_ABSMONO, s, ns);
    expect([s.v, ns.v]).toEqual([3600, 900_000_000]);
    // absolute: forward only
    expect(host.clock_sleep(RUMPUSER_CLOCK_ABSMONO, 4000, 5)).toBe(0);
    expect(host.clock_sleep(RUMPUSER_CLOCK_ABSMONO, 10, 0)).toBe(0);
    host.clock_gettime(RUMPUSER_CLOCK_ABSMONO, s, ns);
    expect([s.v, ns.v]).toEqual([4000, 5]);
  });

  it("{ start, stepNs } advances by stepNs after every read", () => {
    const host = new MemoryHost({ clock: { start: EPOCH, stepNs: 600_000_000 } });
    const s = out(0);
    const ns = out(0);
    const seen: [number, number][] = [];
    for (let i = 0; i < 3; i++) {
      host.clock_gettime(RUMPUSER_CLOCK_RELWALL, s, ns);
      seen.push([s.v, ns.v]);
    }
    expect(seen).toEqual([
      [EPOCH, 0],
      [EPOCH, 600_000_000],
      [EPOCH + 1, 200_000_000],
    ]);
    host.clock_gettime(RUMPUSER_CLOCK_ABSMONO, s, ns);
    expect([s.v, ns.v]).toEqual([1, 800_000_000]);
  });

  it("two hosts with the same virtual clock read the same times", () => {
    const read = (): number[] => {
      const host = new MemoryHost({ clock: { start: EPOCH, stepNs: 1234 } });
      const s = out(0);
      const ns = out(0);
      const r: number[] = [];
      for (let i = 0; i < 5; i++) {
        host.clock_gettime(i % 2, s, ns);
        r.push(s.v, ns.v);
      }
      return r;
    };
    expect(read()).toEqual(read());
  });

  it("refuses nonsense options", () => {
    expect(() => new MemoryHost({ clock: { fixed: -1 } })).toThrow(RangeError);
    expect(() => new MemoryHost({ clock: { fixed: NaN } })).toThrow(RangeError);
    expect(() => new MemoryHost({ clock: { start: 0, stepNs: -5 } })).toThrow(RangeError);
    expect(() => new MemoryHost({ clock: { start: 0, stepNs: 0.5 } })).toThrow(RangeError);
  });
});

describe("real wall clock", () => {
  it("follows the host when its wall clock is stepped", async () => {
    const { vi } = await import("vitest");
    const host = new MemoryHost();
    const hour = 3600_000;
    const real = Date.now.bind(Date);
    const spy = vi.spyOn(Date, "now").mockImplementation(() => real() + hour);
    try {
      expect(Math.abs(now(host, RUMPUSER_CLOCK_RELWALL) - (real() + hour))).toBeLessThan(1000);
    } finally {
      spy.mockRestore();
    }
    expect(Math.abs(now(host, RUMPUSER_CLOCK_RELWALL) - real())).toBeLessThan(1000);
  });
});
