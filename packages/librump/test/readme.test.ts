/**
 * The README's example, run as written (package imports pointed at the
 * workspace sources), printing what its comment says.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, expect, it, vi } from "vitest";

const PKG = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dir = mkdtempSync(join(tmpdir(), "librump-readme-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("README example prints what its comment says", async () => {
  const readme = readFileSync(join(PKG, "README.md"), "utf8");
  const block = /## Example\n\n```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(block).toBeDefined();
  const code = block!
    .replaceAll('"@rump/librump"', JSON.stringify(join(PKG, "src/index.ts")))
    .replaceAll('"@rump/rumpuser"', JSON.stringify(join(PKG, "../rumpuser/src/index.ts")))
    .replaceAll('"@rump/syscalls"', JSON.stringify(join(PKG, "../rump-syscalls/src/index.ts")));
  const expected = /console\.log\(.*\); \/\/ (.*)\n/.exec(code)?.[1];
  const file = join(dir, "example.ts");
  writeFileSync(file, code);
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  try {
    await import(/* @vite-ignore */ pathToFileURL(file).href);
    expect(log).toHaveBeenCalledTimes(1);
    expect(log.mock.calls[0]!.map(String).join(" ")).toBe(expected);
  } finally {
    log.mockRestore();
  }
});
