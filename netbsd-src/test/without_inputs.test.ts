/**
 * A clone that has neither ../shared nor $NETBSD_SRC: the tests that read
 * NetBSD's inputs are skipped, saying which inputs are missing and where the
 * README says how to get them; everything else in those files passes; and
 * `codegen:check` names the missing inputs and exits 3 (CI tells that apart
 * from "out of date").
 *
 * The clone is the working tree's files as git would check them out (tracked
 * plus untracked, ignored ones left out: no netbsd-src/sys, no dist/), in a
 * temp folder with no sibling shared/, using this checkout's node_modules.
 */
import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NETBSD_INPUTS, REPO_ROOT } from "../gen/common.js";

/** The test files that read NetBSD's inputs (each also has tests that do not). */
const AFFECTED = [
  "netbsd-src/test/codegen_check.test.ts",
  "netbsd-src/test/constants_gen.test.ts",
  "netbsd-src/test/syscalls_gen.test.ts",
  "netbsd-src/test/syscalls_parse.test.ts",
  "netbsd-src/test/vnode_if.test.ts",
  "packages/rump-vop/test/rumpvnode_if.test.ts",
];

const files = spawnSync("git", ["ls-files", "-co", "--exclude-standard", "-z"], {
  cwd: REPO_ROOT,
  encoding: "utf8",
});
const noGit = files.status !== 0 ? `git ls-files failed: ${files.stderr || files.error}` : false;

const tmp = mkdtempSync(join(tmpdir(), "rump-noinputs-"));
const clone = join(tmp, "repo");
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The child's environment: no NETBSD_SRC, nothing of the vitest running this test. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (k !== "NETBSD_SRC" && !k.startsWith("VITEST") && k !== "NODE_OPTIONS") env[k] = v;
  return env;
}

describe.skipIf(noGit)("a clone without NetBSD's inputs", () => {
  beforeAll(() => {
    for (const f of files.stdout.split("\0")) {
      if (f === "" || !existsSync(join(REPO_ROOT, f))) continue;
      mkdirSync(dirname(join(clone, f)), { recursive: true });
      cpSync(join(REPO_ROOT, f), join(clone, f));
    }
    // the installed dependencies, as `./run.sh` would have made them
    for (const d of [".", "packages/rump-vop", "packages/librump", "tests"])
      if (existsSync(join(REPO_ROOT, d, "node_modules")))
        symlinkSync(join(REPO_ROOT, d, "node_modules"), join(clone, d, "node_modules"));
  });

  it("has none of them where the lookup goes", () => {
    for (const i of NETBSD_INPUTS) {
      expect(existsSync(join(clone, "netbsd-src", i))).toBe(false);
      expect(existsSync(join(tmp, "shared", "netbsd-src", i))).toBe(false);
    }
  });

  it("runs the test files that read them: the rest passes, those tests are skipped with the reason", () => {
    const out = join(tmp, "results.json");
    const r = spawnSync(
      process.execPath,
      [
        join(REPO_ROOT, "node_modules/vitest/vitest.mjs"),
        "run",
        ...AFFECTED,
        "--reporter=json",
        `--outputFile=${out}`,
      ],
      { cwd: clone, env: childEnv(), encoding: "utf8", timeout: 120_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    const res = JSON.parse(readFileSync(out, "utf8")) as {
      testResults: Array<{
        name: string;
        assertionResults: Array<{ status: string; title: string; ancestorTitles: string[] }>;
      }>;
    };
    expect(res.testResults.map((t) => t.name.slice(clone.length + 1)).sort()).toEqual(AFFECTED);
    for (const t of res.testResults) {
      const statuses = t.assertionResults.map((a) => a.status);
      expect(statuses, t.name).not.toContain("failed");
      // every file has tests of its own that need no input, and some that do
      const skipped = t.assertionResults.filter((a) => a.status !== "passed");
      expect(skipped.length, t.name).toBeGreaterThan(0);
      if (!t.name.endsWith("syscalls_gen.test.ts")) expect(statuses, t.name).toContain("passed");
      // a skipped test's title (or its suite's) names the missing input and the README
      for (const a of skipped)
        expect([...a.ancestorTitles, a.title].join(" > "), t.name).toMatch(
          /skipped: .*(syscalls\.master|vnode_if\.src|constants\.tsv).* not found \(netbsd-src\/README\.md says how to get/,
        );
    }
    // and stderr says it once per file, with where it looked
    for (const f of AFFECTED) expect(r.stderr, f).toContain(`${f.slice(f.lastIndexOf("/") + 1)}: `);
    expect(r.stderr).toContain("($NETBSD_SRC is not set)");
    expect(r.stderr).toContain('netbsd-src/README.md ("Getting them")');
  });

  it("codegen:check names the missing inputs and exits 3", () => {
    const r = spawnSync(
      process.execPath,
      [join(REPO_ROOT, "node_modules/tsx/dist/cli.mjs"), "netbsd-src/gen/index.ts", "--check"],
      { cwd: clone, env: childEnv(), encoding: "utf8", timeout: 60_000 },
    );
    expect(r.status, r.stdout + r.stderr).toBe(3);
    const line = r.stdout.split("\n").find((l) => l.includes("NetBSD inputs not found: "));
    for (const i of NETBSD_INPUTS) expect(line).toContain(i);
    expect(r.stdout).toContain(
      `looked in ${join(clone, "netbsd-src")}, ${join(tmp, "shared", "netbsd-src")}`,
    );
    expect(r.stdout).toContain("codegen: nothing checked");
  });
});
