/** clock_gettime(2), clock_getres, gettimeofday(2), nanosleep(2). */
import { CLOCK_MONOTONIC, CLOCK_REALTIME, EINVAL } from "@rump/syscalls";
import { describe, expect, it } from "vitest";
import { bootKernel, expectErrno, tsCmp } from "../helpers/kernel.js";

describe("time", () => {
  it("CLOCK_REALTIME and gettimeofday agree with the host clock", () => {
    const { sys } = bootKernel();
    const ts = sys.rump_sys_clock_gettime(CLOCK_REALTIME);
    expect(Math.abs(ts.tv_sec * 1000 + ts.tv_nsec / 1e6 - Date.now())).toBeLessThan(2000);
    expect(ts.tv_nsec).toBeGreaterThanOrEqual(0);
    expect(ts.tv_nsec).toBeLessThan(1e9);
    const tv = sys.rump_sys_gettimeofday();
    expect(Math.abs(tv.tv_sec - ts.tv_sec)).toBeLessThanOrEqual(1);
    expect(tv.tv_usec).toBeLessThan(1e6);
  });

  it("CLOCK_MONOTONIC does not go backwards; resolution is positive", () => {
    const { sys } = bootKernel();
    const a = sys.rump_sys_clock_gettime(CLOCK_MONOTONIC);
    const b = sys.rump_sys_clock_gettime(CLOCK_MONOTONIC);
    expect(tsCmp(b, a)).toBeGreaterThanOrEqual(0);
    const res = sys.rump_sys_clock_getres(CLOCK_MONOTONIC);
    expect(res.tv_sec * 1e9 + res.tv_nsec).toBeGreaterThan(0);
  });

  it("an unknown clock is EINVAL", () => {
    const { sys } = bootKernel();
    expectErrno(() => sys.rump_sys_clock_gettime(12345), EINVAL);
  });

  it("nanosleep sleeps at least the requested time; a bad timespec is EINVAL", () => {
    const { sys } = bootKernel();
    const a = sys.rump_sys_clock_gettime(CLOCK_MONOTONIC);
    sys.rump_sys_nanosleep({ tv_sec: 0, tv_nsec: 20_000_000 }, null);
    const b = sys.rump_sys_clock_gettime(CLOCK_MONOTONIC);
    expect((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)).toBeGreaterThanOrEqual(
      20_000_000,
    );
    expectErrno(() => sys.rump_sys_nanosleep({ tv_sec: 0, tv_nsec: 1e9 }, null), EINVAL);
    expectErrno(() => sys.rump_sys_nanosleep({ tv_sec: -1, tv_nsec: 0 }, null), EINVAL);
  });
});
