import { describe, expect, it } from "vitest";
import readme from "../README.md?raw";
import exampleSource from "./readme_example.ts?raw";
import { log } from "./readme_example.js";

describe("README", () => {
  it("shows the example that this test runs", () => {
    const m = /\/\/ #region example\n([\s\S]*?)\/\/ #endregion/.exec(exampleSource);
    expect(m).not.toBeNull();
    expect(readme).toContain(m![1]!);
  });

  it("the example does what its comments say", () => {
    expect(log).toEqual([
      "hello, rump",
      "notes",
      "d /",
      "d /docs",
      "d /docs/notes",
      "- /docs/notes/hello.txt",
      "hello",
      "755",
      "ENOENT: no such file or directory, open '/missing'",
    ]);
  });
});
