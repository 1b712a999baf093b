/**
 * The links of the repository's own documents (the package READMEs are
 * checked by their packages' readme.test.ts, with their examples).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { linkProblems, REPO } from "./helpers/readme.js";

const DOCS = ["README.md", "netbsd-src/README.md", "bench/README.md", ".changeset/README.md"];

describe("links of the repository's documents", () => {
  for (const doc of DOCS)
    it.skipIf(!existsSync(join(REPO, doc)))(`${doc} links only to what exists`, () => {
      expect(linkProblems(join(REPO, doc))).toEqual([]);
    });
});
