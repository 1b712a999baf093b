/**
 * Shared fixtures: the same file tests run against a NodeHost over a fresh
 * temporary directory and against a MemoryHost.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryHost } from "../src/hosts/memory.js";
import { NodeHost } from "../src/hosts/node.js";
import type { HostBase, HostOptions } from "../src/hosts/common.js";
import type { Out } from "../src/rumpuser.js";

export interface FileFixture {
  readonly kind: "node" | "memory";
  readonly host: HostBase;
  /** the host name of a file called `base` */
  name(base: string): string;
  mkfile(base: string, data: Uint8Array | string): void;
  mkdir(base: string): void;
  /** contents, or undefined when missing */
  read(base: string): Uint8Array | undefined;
  /** lines printed on the host console */
  readonly lines: string[];
  dispose(): void;
}

export function nodeFixture(options: HostOptions = {}): FileFixture {
  const dir = mkdtempSync(join(tmpdir(), "rumpuser-test-"));
  const lines: string[] = [];
  const host = new NodeHost({ env: false, console: (l) => lines.push(l), ...options });
  return {
    kind: "node",
    host,
    lines,
    name: (b) => join(dir, b),
    mkfile: (b, d) => writeFileSync(join(dir, b), d),
    mkdir: (b) => mkdirSync(join(dir, b)),
    read: (b) => {
      try {
        return new Uint8Array(readFileSync(join(dir, b)));
      } catch {
        return undefined;
      }
    },
    dispose: () => {
      host.shutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function memoryFixture(options: HostOptions = {}): FileFixture {
  const lines: string[] = [];
  const host = new MemoryHost({ console: (l) => lines.push(l), ...options });
  return {
    kind: "memory",
    host,
    lines,
    name: (b) => b,
    mkfile: (b, d) => void host.files.writeFile(b, d),
    mkdir: (b) => void host.files.mkdir(b),
    read: (b) => host.files.readFile(b),
    dispose: () => host.shutdown(),
  };
}

/** For describe.each: one entry per host kind. */
export const FIXTURES: [string, (o?: HostOptions) => FileFixture][] = [
  ["NodeHost", nodeFixture],
  ["MemoryHost", memoryFixture],
];

export function out<T>(v: T): Out<T> {
  return { v };
}

export function bytes(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

/** A block of `n` bytes filled with `fill`. */
export function block(n: number, fill: number): Uint8Array {
  return new Uint8Array(n).fill(fill);
}
