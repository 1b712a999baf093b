/** getparam and the parsers of parameter values. */
import { hostname, totalmem } from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryHost } from "../src/hosts/memory.js";
import { NodeHost } from "../src/hosts/node.js";
import {
  kernelHostname,
  parseBlkfail,
  parseBlkfailSeed,
  parseBlksectshift,
  parseFlag,
  parseMemlimit,
  parseNvnodes,
  utf8Length,
} from "../src/params.js";
import { RUMPUSER_PARAM_HOSTNAME, RUMPUSER_PARAM_NCPU } from "../src/rumpuser.js";
import { out } from "./helpers.js";

const ENOENT = 2;
const EINVAL = 22;
const ERANGE = 34;

describe("getparam", () => {
  const saved: Record<string, string | undefined> = {};
  function setenv(name: string, value: string | undefined): void {
    if (!(name in saved)) saved[name] = process.env[name];
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  afterEach(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
      delete saved[k];
    }
  });

  it("answers _RUMPUSER_NCPU with 1, whatever the environment says", () => {
    setenv("RUMP_NCPU", "8");
    for (const host of [new NodeHost(), new MemoryHost()]) {
      const buf = out("");
      expect(host.getparam(RUMPUSER_PARAM_NCPU, buf, 16)).toBe(0);
      expect(buf.v).toBe("1");
    }
  });

  it("answers _RUMPUSER_HOSTNAME with rump-<pid %05d>.<host name>", () => {
    const buf = out("");
    expect(new NodeHost().getparam(RUMPUSER_PARAM_HOSTNAME, buf, 256)).toBe(0);
    expect(buf.v).toBe(`rump-${String(process.pid).padStart(5, "0")}.${hostname()}`);
    expect(
      new MemoryHost({ pid: 42, hostname: "box" }).getparam(RUMPUSER_PARAM_HOSTNAME, buf, 256),
    ).toBe(0);
    expect(buf.v).toBe("rump-00042.box");
    expect(new MemoryHost().getparam(RUMPUSER_PARAM_HOSTNAME, buf, 256)).toBe(0);
    expect(buf.v).toBe("rump-00000");
    expect(kernelHostname(123456, "h")).toBe("rump-123456.h");
  });

  it("refuses other names starting with _ with EINVAL", () => {
    const buf = out("untouched");
    expect(new NodeHost({ params: { _FOO: "x" } }).getparam("_FOO", buf, 16)).toBe(EINVAL);
    expect(new MemoryHost().getparam("_RUMPUSER_OTHER", buf, 16)).toBe(EINVAL);
    expect(buf.v).toBe("untouched");
  });

  it("answers from the options first, then (NodeHost) the environment", () => {
    setenv("RUMP_NVNODES", "77");
    setenv("RUMP_VERBOSE", "1");
    setenv("SOME_OTHER_NAME", "x y z");
    const host = new NodeHost({ params: { RUMP_NVNODES: "500" } });
    const buf = out("");
    expect(host.getparam("RUMP_NVNODES", buf, 16)).toBe(0);
    expect(buf.v).toBe("500");
    expect(host.getparam("RUMP_VERBOSE", buf, 16)).toBe(0);
    expect(buf.v).toBe("1");
    expect(host.getparam("SOME_OTHER_NAME", buf, 16)).toBe(0);
    expect(buf.v).toBe("x y z");
    // env: false and MemoryHost never read the environment
    expect(new NodeHost({ env: false }).getparam("RUMP_VERBOSE", buf, 16)).toBe(ENOENT);
    expect(new MemoryHost().getparam("RUMP_VERBOSE", buf, 16)).toBe(ENOENT);
  });

  it("says ENOENT for unset names, also for names on Object.prototype", () => {
    setenv("RUMP_BLKFAIL", undefined);
    const buf = out("untouched");
    for (const host of [new NodeHost(), new MemoryHost()]) {
      expect(host.getparam("RUMP_BLKFAIL", buf, 16)).toBe(ENOENT);
      expect(host.getparam("constructor", buf, 16)).toBe(ENOENT);
      expect(host.getparam("toString", buf, 16)).toBe(ENOENT);
    }
    expect(buf.v).toBe("untouched");
  });

  it("says ERANGE when the value and its NUL do not fit buflen (UTF-8 bytes)", () => {
    const host = new MemoryHost({ params: { A: "abcd", U: "é€" } });
    const buf = out("untouched");
    expect(host.getparam("A", buf, 4)).toBe(ERANGE);
    expect(buf.v).toBe("untouched");
    expect(host.getparam("A", buf, 5)).toBe(0);
    expect(buf.v).toBe("abcd");
    expect(host.getparam("U", buf, 5)).toBe(ERANGE); // 2 + 3 bytes + NUL
    expect(host.getparam("U", buf, 6)).toBe(0);
    expect(host.getparam(RUMPUSER_PARAM_NCPU, buf, 1)).toBe(ERANGE);
    expect(host.getparam(RUMPUSER_PARAM_NCPU, buf, 0)).toBe(ERANGE);
  });

  it("resolves a RUMP_MEMLIMIT percentage to bytes of host memory", () => {
    const buf = out("");
    expect(
      new MemoryHost({ totalMemory: 1000, params: { RUMP_MEMLIMIT: "25%" } }).getparam(
        "RUMP_MEMLIMIT",
        buf,
        32,
      ),
    ).toBe(0);
    expect(buf.v).toBe("250");
    expect(
      new NodeHost({ params: { RUMP_MEMLIMIT: "50%" } }).getparam("RUMP_MEMLIMIT", buf, 32),
    ).toBe(0);
    expect(buf.v).toBe(String(Math.floor(totalmem() / 2)));
    // suffixed values and invalid ones pass through for the kernel to parse (or refuse)
    expect(
      new MemoryHost({ params: { RUMP_MEMLIMIT: "64m" } }).getparam("RUMP_MEMLIMIT", buf, 32),
    ).toBe(0);
    expect(buf.v).toBe("64m");
    expect(
      new MemoryHost({ params: { RUMP_MEMLIMIT: "200%" } }).getparam("RUMP_MEMLIMIT", buf, 32),
    ).toBe(0);
    expect(buf.v).toBe("200%");
  });
});

describe("parsers", () => {
  it("parseMemlimit: decimal with one k/m/g suffix (×1024ⁿ)", () => {
    expect(parseMemlimit("4096", 0)).toBe(4096);
    expect(parseMemlimit("64k", 0)).toBe(64 * 1024);
    expect(parseMemlimit("64K", 0)).toBe(64 * 1024);
    expect(parseMemlimit("32m", 0)).toBe(32 * 1024 ** 2);
    expect(parseMemlimit("2G", 0)).toBe(2 * 1024 ** 3);
    for (const bad of [
      "",
      "0",
      "-1",
      "1.5m",
      "10mb",
      "m",
      " 10",
      "10 ",
      "0x10",
      "1e6",
      "10t",
      "99999999999999999999g",
    ]) {
      expect([bad, parseMemlimit(bad, 1e9)]).toEqual([bad, null]);
    }
  });

  it("parseMemlimit: a percentage of host memory", () => {
    expect(parseMemlimit("25%", 4 * 1024 ** 3)).toBe(1024 ** 3);
    expect(parseMemlimit("12.5%", 800)).toBe(100);
    expect(parseMemlimit("100%", 800)).toBe(800);
    for (const bad of ["0%", "101%", "-5%", "%", "25 %", "25%%", "abc%"]) {
      expect([bad, parseMemlimit(bad, 1e9)]).toEqual([bad, null]);
    }
    expect(parseMemlimit("25%", 0)).toBeNull();
    expect(parseMemlimit("1%", 10)).toBeNull(); // rounds to nothing
  });

  it("parseNvnodes: a positive integer", () => {
    expect(parseNvnodes("1024")).toBe(1024);
    for (const bad of ["0", "-1", "1.5", "", "x", "2147483648"])
      expect(parseNvnodes(bad)).toBeNull();
  });

  it("parseBlkfail: 0…10000, capped above as rumpblk does", () => {
    expect(parseBlkfail("0")).toBe(0);
    expect(parseBlkfail("250")).toBe(250);
    expect(parseBlkfail("10000")).toBe(10000);
    expect(parseBlkfail("20000")).toBe(10000);
    for (const bad of ["-1", "", "1.5", "x"]) expect(parseBlkfail(bad)).toBeNull();
  });

  it("parseBlkfailSeed: an unsigned 32-bit integer", () => {
    expect(parseBlkfailSeed("0")).toBe(0);
    expect(parseBlkfailSeed("4294967295")).toBe(4294967295);
    for (const bad of ["4294967296", "-1", "seed"]) expect(parseBlkfailSeed(bad)).toBeNull();
  });

  it("parseBlksectshift: 9 … 16", () => {
    expect(parseBlksectshift("9")).toBe(9);
    expect(parseBlksectshift("12")).toBe(12);
    for (const bad of ["8", "17", "", "9.5", "-9"]) expect(parseBlksectshift(bad)).toBeNull();
  });

  it("parseFlag: true unless the value starts with 0", () => {
    expect(parseFlag("1")).toBe(true);
    expect(parseFlag("yes")).toBe(true);
    expect(parseFlag("")).toBe(true);
    expect(parseFlag("0")).toBe(false);
    expect(parseFlag("0ff")).toBe(false);
  });

  it("utf8Length counts bytes as C's strlen would", () => {
    expect(utf8Length("abc")).toBe(3);
    expect(utf8Length("é")).toBe(2);
    expect(utf8Length("€")).toBe(3);
    expect(utf8Length("😀")).toBe(4);
    expect(utf8Length("\ud800")).toBe(3); // a lone surrogate becomes U+FFFD
  });
});
