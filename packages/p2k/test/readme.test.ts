/** The README's example is the one this test runs, and does what its comments say. */
import { describe, expect, it } from "vitest";
import readme from "../README.md?raw";
import exampleSource from "./readme_example.ts?raw";
import { fuseSkipReason } from "./helpers.js";

const skip = fuseSkipReason();

describe("README", () => {
  it("shows the example that this test runs", () => {
    const m = /\/\/ #region example\n([\s\S]*?)\/\/ #endregion/.exec(exampleSource);
    expect(m).not.toBeNull();
    expect(readme).toContain(m![1]!);
  });

  it.skipIf(skip !== null)("the example does what its comments say", async () => {
    const { log } = await import("./readme_example.js");
    expect(log).toEqual([
      "hello from the rump kernel",
      "written through FUSE",
      "from-the-host.txt hello.txt",
      "27",
    ]);
  });
});
