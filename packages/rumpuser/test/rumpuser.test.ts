/** The interface itself: version, constants, init, the package's exports. */
import { describe, expect, expectTypeOf, it } from "vitest";
import * as api from "../src/index.js";
import { MemoryHost } from "../src/hosts/memory.js";
import { NodeHost, createDefaultHost } from "../src/hosts/node.js";
import type { Rumpuser } from "../src/rumpuser.js";
import * as R from "../src/rumpuser.js";

describe("rumpuser.ts", () => {
  it("is version 17 with rumpuser.h's constants", () => {
    expect(R.RUMPUSER_VERSION).toBe(17);
    expect([
      R.RUMPUSER_OPEN_RDONLY,
      R.RUMPUSER_OPEN_WRONLY,
      R.RUMPUSER_OPEN_RDWR,
      R.RUMPUSER_OPEN_ACCMODE,
    ]).toEqual([0, 1, 2, 3]);
    expect([R.RUMPUSER_OPEN_CREATE, R.RUMPUSER_OPEN_EXCL, R.RUMPUSER_OPEN_BIO]).toEqual([
      4, 8, 0x10,
    ]);
    expect([
      R.RUMPUSER_FT_OTHER,
      R.RUMPUSER_FT_DIR,
      R.RUMPUSER_FT_REG,
      R.RUMPUSER_FT_BLK,
      R.RUMPUSER_FT_CHR,
    ]).toEqual([0, 1, 2, 3, 4]);
    expect([R.RUMPUSER_BIO_READ, R.RUMPUSER_BIO_WRITE, R.RUMPUSER_BIO_SYNC]).toEqual([1, 2, 4]);
    expect(R.RUMPUSER_IOV_NOSEEK).toBe(-1);
    expect([R.RUMPUSER_SYNCFD_READ, R.RUMPUSER_SYNCFD_WRITE, R.RUMPUSER_SYNCFD_BOTH]).toEqual([
      1, 2, 3,
    ]);
    expect([R.RUMPUSER_SYNCFD_BARRIER, R.RUMPUSER_SYNCFD_SYNC]).toEqual([4, 8]);
    expect([R.RUMPUSER_CLOCK_RELWALL, R.RUMPUSER_CLOCK_ABSMONO]).toEqual([0, 1]);
    expect([R.RUMPUSER_RANDOM_HARD, R.RUMPUSER_RANDOM_NOWAIT]).toEqual([1, 2]);
    expect([R.RUMPUSER_MTX_SPIN, R.RUMPUSER_MTX_KMUTEX]).toEqual([1, 2]);
    expect([R.RUMPUSER_RW_READER, R.RUMPUSER_RW_WRITER]).toEqual([0, 1]);
    expect([
      R.RUMPUSER_LWP_CREATE,
      R.RUMPUSER_LWP_DESTROY,
      R.RUMPUSER_LWP_SET,
      R.RUMPUSER_LWP_CLEAR,
    ]).toEqual([0, 1, 2, 3]);
    expect([R.RUMPUSER_PANIC, R.RUMPUSER_PID_SELF]).toEqual([-1, -1]);
    expect([R.RUMPUSER_PARAM_NCPU, R.RUMPUSER_PARAM_HOSTNAME]).toEqual([
      "_RUMPUSER_NCPU",
      "_RUMPUSER_HOSTNAME",
    ]);
  });

  it("both hosts implement Rumpuser", () => {
    expectTypeOf<NodeHost>().toMatchTypeOf<Rumpuser>();
    expectTypeOf<MemoryHost>().toMatchTypeOf<Rumpuser>();
    expect(new MemoryHost().version).toBe(17);
  });

  it.each([
    ["NodeHost", (lines: string[]) => new NodeHost({ env: false, console: (l) => lines.push(l) })],
    ["MemoryHost", (lines: string[]) => new MemoryHost({ console: (l) => lines.push(l) })],
  ] as const)("%s init refuses any version but 17, saying so, and a second init", (_l, make) => {
    const lines: string[] = [];
    const host = make(lines);
    expect(host.init(16, R.NOOP_UPCALLS)).toBe(22);
    expect(host.init(18, R.NOOP_UPCALLS)).toBe(22);
    expect(lines).toEqual([
      "rumpuser mismatch, kern: 16, hypervisor 17",
      "rumpuser mismatch, kern: 18, hypervisor 17",
    ]);
    const up = { ...R.NOOP_UPCALLS };
    expect(host.init(17, up)).toBe(0);
    expect(host.upcalls).toBe(up);
    expect(host.init(17, R.NOOP_UPCALLS)).toBe(16); // EBUSY: one host serves one kernel
    expect(host.upcalls).toBe(up);
  });

  it("createDefaultHost gives a NodeHost", () => {
    expect(createDefaultHost()).toBeInstanceOf(NodeHost);
  });

  it("the package exports the interface, both hosts, errtrans, the errors and the parsers", () => {
    for (const name of [
      "RUMPUSER_VERSION",
      "NOOP_UPCALLS",
      "NodeHost",
      "MemoryHost",
      "MemoryFiles",
      "createDefaultHost",
      "errtrans",
      "RumpuserExit",
      "RumpuserPanic",
      "RumpuserDeadlock",
      "RumpuserBug",
      "parseMemlimit",
      "parseNvnodes",
      "parseBlkfail",
      "parseBlkfailSeed",
      "parseBlksectshift",
      "parseFlag",
      "NETBSD_ERRNO",
      "nativeStatus",
    ]) {
      expect([name, name in api]).toEqual([name, true]);
    }
    expect(api.nativeStatus()).toHaveProperty("loaded");
  });
});
