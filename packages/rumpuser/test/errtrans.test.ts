import { openSync } from "node:fs";
import { constants } from "node:os";
import { describe, expect, it } from "vitest";
import { errtrans, hostErrnoName } from "../src/errtrans.js";
import { NETBSD_ERRNO } from "../src/errno.js";

describe("errtrans", () => {
  it("maps a real Node fs error by its code", () => {
    let err: unknown;
    try {
      openSync("/nonexistent/definitely/not/here", "r");
    } catch (e) {
      err = e;
    }
    expect(errtrans(err)).toBe(2);
  });

  it("maps Node-style error objects by .code", () => {
    expect(errtrans({ code: "ENOTEMPTY" })).toBe(66);
    expect(errtrans({ code: "EEXIST" })).toBe(17);
    expect(errtrans({ code: "EAGAIN" })).toBe(35);
    expect(errtrans({ code: "ENAMETOOLONG" })).toBe(63);
    expect(errtrans({ code: "ELOOP" })).toBe(62);
    expect(errtrans({ code: "ENOSYS" })).toBe(78);
    expect(errtrans({ code: "EDQUOT" })).toBe(69);
    expect(errtrans({ code: "ETIMEDOUT" })).toBe(60);
    expect(errtrans({ code: "EOVERFLOW" })).toBe(84);
  });

  it("falls back to .errno (negative, as Node reports it) when .code is not an errno name", () => {
    expect(errtrans({ code: "SOMETHING", errno: -constants.errno.ENOSPC })).toBe(28);
    expect(errtrans({ errno: -constants.errno.EROFS })).toBe(30);
  });

  it("maps host errno numbers whatever their sign (the addon returns -errno)", () => {
    expect(errtrans(constants.errno.EACCES)).toBe(13);
    expect(errtrans(-constants.errno.EACCES)).toBe(13);
    expect(errtrans(-constants.errno.ENOTEMPTY)).toBe(66);
    expect(errtrans(-constants.errno.EWOULDBLOCK)).toBe(35);
    expect(errtrans(0)).toBe(0);
  });

  it("maps errno names given as strings", () => {
    expect(errtrans("ENOENT")).toBe(2);
    expect(errtrans("EXDEV")).toBe(18);
  });

  it("maps host 'not supported' to EOPNOTSUPP (45), the errno NetBSD file systems use", () => {
    expect(errtrans({ code: "ENOTSUP" })).toBe(45);
    expect(errtrans(-constants.errno.EOPNOTSUPP)).toBe(45);
  });

  it("maps Node's own codes for refused fs arguments", () => {
    expect(errtrans({ code: "ERR_FS_FILE_TOO_LARGE" })).toBe(27);
    expect(errtrans({ code: "ERR_OUT_OF_RANGE" })).toBe(22);
  });

  it("makes anything unknown EIO and reports the host code", () => {
    const lines: string[] = [];
    expect(errtrans({ code: "EWEIRD" }, (l) => lines.push(l))).toBe(5);
    expect(errtrans(new Error("boom"), (l) => lines.push(l))).toBe(5);
    expect(errtrans(99999, (l) => lines.push(l))).toBe(5);
    expect(errtrans(undefined)).toBe(5);
    expect(lines).toEqual([
      "rumpuser: unknown host error EWEIRD, reported as EIO",
      "rumpuser: unknown host error boom, reported as EIO",
      "rumpuser: unknown host error errno 99999, reported as EIO",
    ]);
  });

  it("translates every errno name the host knows to NetBSD's number of the same name", () => {
    for (const [name, n] of Object.entries(constants.errno as Record<string, number>)) {
      const want = name === "ENOTSUP" ? 45 : name === "EDEADLOCK" ? 11 : NETBSD_ERRNO[name];
      if (want === undefined) continue;
      expect([name, errtrans({ code: name })]).toEqual([name, want]);
      expect(hostErrnoName(-n)).toBeDefined();
    }
  });

  it("names host errno numbers, preferring canonical names to aliases", () => {
    expect(hostErrnoName(constants.errno.EAGAIN)).toBe("EAGAIN");
    expect(hostErrnoName(-constants.errno.ENOENT)).toBe("ENOENT");
    expect(hostErrnoName(123456)).toBeUndefined();
  });
});
