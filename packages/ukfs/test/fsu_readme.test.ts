/**
 * The README's fsu example, line by line, through a shell with the built
 * binary as `fsu` on the PATH: each command must succeed (or fail as its
 * comment says) and print what its `# →` comment shows ("…" stands for
 * anything; output lines are joined with two spaces).
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import readme from "../README.md?raw";
import { BIN } from "./fsu_helpers.js";

const m = /# #region fsu-example\n([\s\S]*?)# #endregion/.exec(readme);
const lines = (m?.[1] ?? "").split("\n").filter((l) => l.trim() !== "");
const dir = mkdtempSync(join(tmpdir(), "fsu-readme-"));

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const pattern = (s: string): RegExp =>
  new RegExp(
    "^" +
      s
        .split("…")
        .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
        .join(".*") +
      "$",
  );

describe("README: the fsu example", () => {
  it("is there", () => {
    expect(lines.length).toBeGreaterThan(10);
  });

  const bin = join(dir, "bin");
  mkdirSync(bin);
  writeFileSync(join(bin, "fsu"), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`);
  chmodSync(join(bin, "fsu"), 0o755);
  const env = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}`, FSU_PROGRESS: "0" };
  // one test per line, in order (each works on what the lines before made)
  for (const line of lines) {
    const at = line.indexOf("# →");
    const cmd = (at < 0 ? line : line.slice(0, at)).trim();
    const want = at < 0 ? null : line.slice(at + 3).trim();
    it(cmd, () => {
      const r = spawnSync("sh", ["-c", cmd], { cwd: dir, env, encoding: "utf8" });
      const exit = want === null ? null : /^exit (\d+): (.*)$/.exec(want);
      if (exit !== null) {
        expect(r.status, cmd).toBe(Number(exit[1]));
        expect(r.stderr.trim(), cmd).toMatch(pattern(exit[2]!));
        return;
      }
      expect(r.status, `${cmd}: ${r.stderr}`).toBe(0);
      if (want !== null)
        expect(
          r.stdout
            .trim()
            .split("\n")
            .map((l) => l.trim())
            .join("  "),
          cmd,
        ).toMatch(pattern(want));
    });
  }
});
