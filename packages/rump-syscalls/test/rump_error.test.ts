import { describe, expect, it } from "vitest";
import { EBADRPC, EFTYPE, ENOENT, RumpError } from "../src/index.js";

describe("RumpError", () => {
  it("has Node's shape: errno, code, syscall, path, message", () => {
    const e = new RumpError(ENOENT, "open", "/x");
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe("RumpError");
    expect(e).toMatchObject({ errno: 2, code: "ENOENT", syscall: "open", path: "/x" });
    expect(e.message).toBe("ENOENT: no such file or directory, open '/x'");
    expect(String(e)).toBe("RumpError: ENOENT: no such file or directory, open '/x'");
    expect(e.stack?.split("\n")[0]).toBe("RumpError: ENOENT: no such file or directory, open '/x'");
  });

  it("omits the path when there is none and keeps acronyms", () => {
    expect(new RumpError(EFTYPE, "mount").message).toBe(
      "EFTYPE: inappropriate file type or format, mount",
    );
    expect(new RumpError(EBADRPC, "nfssvc").message).toBe("EBADRPC: RPC struct is bad, nfssvc");
  });

  it("copes with numbers NetBSD does not define", () => {
    const e = new RumpError(1000, "read");
    expect(e.code).toBe("UNKNOWN");
    expect(e.message).toBe("UNKNOWN: unknown error: 1000, read");
  });
});
