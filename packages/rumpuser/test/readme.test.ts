/** The README's example runs, and prints what the README says it prints. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const PKG = join(dirname(fileURLToPath(import.meta.url)), "..");

describe("README.md", () => {
  it("its example runs and prints the output shown", () => {
    const readme = readFileSync(join(PKG, "README.md"), "utf8");
    const m = /## Example[\s\S]*?```ts\n([\s\S]*?)```\s*prints\s*```\n([\s\S]*?)```/.exec(readme);
    expect(m).not.toBeNull();
    const code = m![1]!.replaceAll('"@rump/rumpuser"', JSON.stringify(join(PKG, "src/index.ts")));
    const dir = mkdtempSync(join(tmpdir(), "rumpuser-readme-"));
    try {
      const file = join(dir, "example.ts");
      writeFileSync(file, code);
      const r = spawnSync(process.execPath, ["--import", "tsx", file], {
        cwd: PKG,
        encoding: "utf8",
        timeout: 20_000,
        env: { ...process.env, RUMPUSER_NATIVE: "0" },
      });
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(m![2]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
