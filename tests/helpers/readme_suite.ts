/** The README tests every package runs (its test/readme.test.ts calls readmeSuite). */
import { readFileSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  fencedBlocks,
  linkedWorkspace,
  linkProblems,
  readmeExamples,
  REPO,
  runExample,
} from "./readme.js";

export interface ReadmeSuiteOptions {
  /**
   * null when the examples can run here, else why not: they are then skipped
   * with that reason (an example that needs what this machine lacks, e.g. FUSE).
   */
  readonly skipExamples?: () => string | null;
}

/**
 * The README tests of a package: every example runs with plain node and
 * prints what the README shows, no example hides in a ```ts block, and the
 * links work on npm and on GitHub.
 */
export function readmeSuite(pkgDir: string, opts: ReadmeSuiteOptions = {}): void {
  const file = join(pkgDir, "README.md");
  const md = readFileSync(file, "utf8");
  const examples = readmeExamples(md);
  describe(relative(REPO, file), () => {
    let root = "";
    beforeAll(() => {
      root = linkedWorkspace();
    });
    afterAll(() => {
      if (root !== "") rmSync(root, { recursive: true, force: true });
    });

    it("has examples, all of them in ```js or ```cjs blocks that run (no ```ts)", () => {
      expect(examples.length).toBeGreaterThan(0);
      const ts = fencedBlocks(md).filter((b) =>
        /^(ts|typescript|tsx|javascript|mjs)$/.test(b.lang),
      );
      expect(ts.map((b) => `line ${b.line}: \`\`\`${b.lang}`)).toEqual([]);
    });

    for (const ex of examples)
      it(`the ${ex.lang} example at line ${ex.line} runs with plain node${ex.expected === null ? "" : " and prints what the README shows"}`, async (ctx) => {
        const why = opts.skipExamples?.() ?? null;
        if (why !== null) return ctx.skip(`skipped: ${why}`);
        const r = await runExample(root, ex);
        expect(r.stderr, `stderr of the example at line ${ex.line}`).toBe("");
        expect(r.status).toBe(0);
        expect(r.stdout).toBe(ex.expected ?? "");
      });

    it("links only to what exists on npm and GitHub", () => {
      expect(linkProblems(file)).toEqual([]);
    });
  });
}
