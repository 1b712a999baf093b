/**
 * The README's "Example without a kernel" block, run as written (imports of
 * @rump/vop and @rump/librump pointed at the sources).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, expect, it, vi } from "vitest";

const PKG = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dir = mkdtempSync(join(tmpdir(), "rump-vop-readme-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("README example prints what its comment says", async () => {
  const readme = readFileSync(join(PKG, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Example without a kernel"));
  const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
  expect(block).toBeDefined();
  const code = block!
    .replaceAll('"@rump/vop"', JSON.stringify(join(PKG, "src/index.ts")))
    .replaceAll('"@rump/librump"', JSON.stringify(join(PKG, "../librump/src/index.ts")));
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
