/** putchar/dprintf line buffering, exit and panic, kill. */
import { describe, expect, it, vi } from "vitest";
import { RumpuserExit, RumpuserPanic } from "../src/errors.js";
import { MemoryHost } from "../src/hosts/memory.js";
import { NodeHost } from "../src/hosts/node.js";
import {
  RUMPUSER_OPEN_BIO,
  RUMPUSER_OPEN_RDWR,
  RUMPUSER_PANIC,
  RUMPUSER_PID_SELF,
} from "../src/rumpuser.js";
import { nodeFixture, out } from "./helpers.js";

function puts(host: { putchar(ch: number): void }, s: string): void {
  for (const b of new TextEncoder().encode(s)) host.putchar(b);
}

describe("console", () => {
  it("putchar is line-buffered: a line reaches the sink at its newline, without it", () => {
    const lines: [string, string][] = [];
    const host = new NodeHost({ env: false, console: (l, s) => lines.push([l, s]) });
    puts(host, "NetBSD 10.0 (RUMP-ROAST)");
    expect(lines).toEqual([]);
    puts(host, "\nsecond\n\n");
    expect(lines).toEqual([
      ["NetBSD 10.0 (RUMP-ROAST)", "console"],
      ["second", "console"],
      ["", "console"],
    ]);
  });

  it("decodes UTF-8 sent a byte at a time", () => {
    const host = new MemoryHost();
    puts(host, "größe €\n");
    expect(host.output).toEqual(["größe €"]);
  });

  it("cuts an endless line into pieces rather than growing without bound", () => {
    const host = new MemoryHost();
    puts(host, "x".repeat(10000) + "\n");
    expect(host.output.join("")).toBe("x".repeat(10000));
    expect(host.output.length).toBe(3);
  });

  it("dprintf emits complete lines, keeps the rest, and is a stream of its own", () => {
    const lines: [string, string][] = [];
    const host = new MemoryHost({ console: (l, s) => lines.push([l, s]) });
    host.dprintf("a: %d");
    puts(host, "kern");
    host.dprintf(" done\nb\nc");
    puts(host, "el\n");
    expect(lines).toEqual([
      ["a: %d done", "debug"],
      ["b", "debug"],
      ["kernel", "console"],
    ]);
    host.shutdown(); // flushes what is pending
    expect(lines.at(-1)).toEqual(["c", "debug"]);
  });

  it("NodeHost writes to stderr by default", () => {
    const spy = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      const host = new NodeHost({ env: false });
      puts(host, "to stderr\n");
      expect(spy).toHaveBeenCalledWith("to stderr\n");
    } finally {
      spy.mockRestore();
    }
  });

  it("MemoryHost keeps every line in output, and passes it on to a given sink", () => {
    const seen: string[] = [];
    const host = new MemoryHost({ console: (l) => seen.push(l) });
    puts(host, "one\n");
    host.dprintf("two\n");
    expect(host.output).toEqual(["one", "two"]);
    expect(seen).toEqual(["one", "two"]);
  });
});

describe("exit", () => {
  it("throws RumpuserExit with the status, never exits the process, flushes the console", () => {
    const exit = vi.spyOn(process, "exit");
    const host = new MemoryHost();
    puts(host, "last words");
    let caught: unknown;
    try {
      host.exit(3);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(RumpuserExit);
    expect(caught).not.toBeInstanceOf(RumpuserPanic);
    expect((caught as RumpuserExit).status).toBe(3);
    expect(host.output).toEqual(["last words", "halted"]);
    expect(exit).not.toHaveBeenCalled();
    exit.mockRestore();
  });

  it("exit(RUMPUSER_PANIC) throws RumpuserPanic (a RumpuserExit with status -1)", () => {
    const host = new MemoryHost();
    expect(() => host.exit(RUMPUSER_PANIC)).toThrow(RumpuserPanic);
    try {
      host.exit(RUMPUSER_PANIC);
    } catch (e) {
      expect(e).toBeInstanceOf(RumpuserExit);
      expect((e as RumpuserPanic).status).toBe(-1);
      expect((e as Error).name).toBe("RumpuserPanic");
    }
  });

  it("closes the host's descriptors and drops its image locks, as a process exit would", () => {
    const fx = nodeFixture();
    try {
      fx.mkfile("img", new Uint8Array(1024));
      const fd = out(-1);
      expect(fx.host.open(fx.name("img"), RUMPUSER_OPEN_RDWR | RUMPUSER_OPEN_BIO, fd)).toBe(0);
      expect(() => fx.host.exit(0)).toThrow(RumpuserExit);
      expect(fx.host.close(fd.v)).toBe(9);
      const other = nodeFixture();
      try {
        expect(
          other.host.open(fx.name("img"), RUMPUSER_OPEN_RDWR | RUMPUSER_OPEN_BIO, out(0)),
        ).toBe(0);
      } finally {
        other.dispose();
      }
    } finally {
      fx.dispose();
    }
  });
});

describe("kill", () => {
  it("returns 0, records the signal and calls onSignal, raising nothing", () => {
    const kill = vi.spyOn(process, "kill");
    const got: [number, number][] = [];
    const host = new NodeHost({ env: false, onSignal: (sig, pid) => got.push([sig, pid]) });
    expect(host.kill(RUMPUSER_PID_SELF, 9)).toBe(0);
    expect(host.kill(1234, 15)).toBe(0);
    expect(got).toEqual([
      [9, -1],
      [15, 1234],
    ]);
    expect(host.signals).toEqual([
      { pid: -1, sig: 9 },
      { pid: 1234, sig: 15 },
    ]);
    expect(kill).not.toHaveBeenCalled();
    kill.mockRestore();
  });
});
