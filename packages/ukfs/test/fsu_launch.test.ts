/**
 * The fsu bin's launcher (src/cli/launch.ts): the bundled CLI is one ASCII
 * file, and V8's code cache of a command is written once, used after, never
 * changes what the command prints, is rewritten when refused, and is not
 * written where it was turned off or where other users could have written.
 */
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { BIN, ok } from "./fsu_helpers.js";
import { WRAP_HEAD, WRAP_TAIL } from "../src/cli/wrapper.js";

const dir = mkdtempSync(join(tmpdir(), "fsu-launch-"));
const img = join(dir, "disk.img");
const MAIN = resolve(import.meta.dirname, "../dist/cli/fsu-main.cjs");

beforeAll(async () => {
  await ok(["mkfs", "-s", "8m", img]);
  // enough entries that `ls -l` writes more than a pipe holds
  const tree = join(dir, "tree");
  mkdirSync(join(tree, "d"), { recursive: true });
  for (let i = 0; i < 2000; i++) writeFileSync(join(tree, "d", `entry-with-a-long-name-${i}`), "");
  await ok(["put", "-r", img, join(tree, "d"), "/d"]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An empty cache folder with `mode` (chmod: the umask would mask group and other bits). */
function freshCache(name: string, mode = 0o700): string {
  const c = join(dir, name);
  rmSync(c, { recursive: true, force: true });
  mkdirSync(c);
  chmodSync(c, mode);
  return c;
}

const caches = (c: string): string[] => readdirSync(c).filter((f) => f.endsWith(".v8"));

describe("the fsu bin", () => {
  it("loads a bundle that is ASCII only (read as latin1 by the launcher)", () => {
    const b = readFileSync(MAIN);
    expect(b.length).toBeGreaterThan(100_000);
    expect(b.findIndex((x) => x >= 0x80)).toBe(-1);
  });

  it("has the bundle in the CommonJS wrapper, called at its end (compiled without a copy)", () => {
    const text = readFileSync(MAIN, "latin1").trimEnd();
    expect(text.startsWith(WRAP_HEAD)).toBe(true);
    expect(text.endsWith(`\n})${WRAP_TAIL}`)).toBe(true);
  });

  it("writes the code cache of a command once, then uses it; the output is the same", async () => {
    const c = freshCache("cache");
    const env = { NODE_COMPILE_CACHE: c };
    const first = await ok(["ls", "-l", img, "/"], { env });
    const files = caches(c);
    expect(files).toHaveLength(1);
    expect(files[0]!.startsWith(`ls-${process.version}-`)).toBe(true);
    const data = readFileSync(join(c, files[0]!));
    expect(await ok(["ls", "-l", img, "/"], { env })).toBe(first);
    // accepted: not rewritten
    expect(readFileSync(join(c, files[0]!)).equals(data)).toBe(true);
    // another command has a cache of its own
    await ok(["stat", img, "/d"], { env });
    const after = caches(c);
    expect(after).toHaveLength(2);
    expect(after.some((f) => f.startsWith("stat-"))).toBe(true);
  });

  it("rewrites a cache V8 refuses, and the command still works", async () => {
    const c = freshCache("bad");
    const env = { NODE_COMPILE_CACHE: c };
    const want = await ok(["ls", img, "/"], { env });
    const [f] = caches(c);
    writeFileSync(join(c, f!), Buffer.from("not a code cache at all"));
    expect(await ok(["ls", img, "/"], { env })).toBe(want);
    expect(readFileSync(join(c, f!)).length).toBeGreaterThan(1000);
  });

  it("writes no cache when NODE_DISABLE_COMPILE_CACHE=1", async () => {
    const c = freshCache("off");
    await ok(["ls", img, "/"], { env: { NODE_COMPILE_CACHE: c, NODE_DISABLE_COMPILE_CACHE: "1" } });
    expect(caches(c)).toEqual([]);
  });

  it.skipIf(process.getuid?.() === undefined)(
    "uses no cache folder that others can write to",
    async () => {
      const c = freshCache("shared", 0o777);
      expect(await ok(["ls", img, "/"], { env: { NODE_COMPILE_CACHE: c } })).toContain("d");
      expect(caches(c)).toEqual([]);
    },
  );

  it("FSU_DEBUG=1 runs the unbundled CLI (no bundle, no code cache), with the same output", async () => {
    const c = freshCache("debug");
    const want = await ok(["ls", "-l", img, "/"], {
      env: { NODE_COMPILE_CACHE: freshCache("x") },
    });
    expect(
      await ok(["ls", "-l", img, "/"], { env: { NODE_COMPILE_CACHE: c, FSU_DEBUG: "1" } }),
    ).toBe(want);
    expect(caches(c)).toEqual([]);
  });

  it("ends quietly, status 0, when the reader of its output goes away", async () => {
    const r = await new Promise<{ code: number | null; stderr: string }>((done, fail) => {
      const child = spawn(process.execPath, [BIN, "ls", "-l", img, "/d"], {
        env: { ...process.env, FSU_PROGRESS: "0" },
      });
      let stderr = "";
      child.stderr.on("data", (b: Buffer) => (stderr += b.toString()));
      child.stdout.once("data", () => child.stdout.destroy()); // `| head -1`
      child.on("error", fail);
      child.on("close", (code) => done({ code, stderr }));
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });
});
