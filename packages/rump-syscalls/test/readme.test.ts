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

  it("the example marshals as it says", () => {
    expect(log).toEqual([
      "open(/hello.txt, 514, 420)",
      "fd 3",
      "__stat50(/missing, [object Object], undefined)",
      "ENOENT stat /missing",
      "ENOENT: no such file or directory, stat '/missing'",
    ]);
  });
});
