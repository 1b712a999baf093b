import { describe, expect, it } from "vitest";
import { _DIRENT_RECLEN, DT_DIR, DT_REG, parseDirents, parseDirentsRaw } from "../src/index.js";

/** Records as a NetBSD kernel writes them. */
function records(entries: [number, number, Uint8Array][]): Uint8Array {
  const size = entries.reduce((n, [, , name]) => n + _DIRENT_RECLEN(name.length), 0);
  const buf = new Uint8Array(size + 32);
  const dv = new DataView(buf.buffer);
  let off = 0;
  for (const [ino, type, name] of entries) {
    const reclen = _DIRENT_RECLEN(name.length);
    dv.setBigUint64(off, BigInt(ino), true);
    dv.setUint16(off + 8, reclen, true);
    dv.setUint16(off + 10, name.length, true);
    dv.setUint8(off + 12, type);
    buf.set(name, off + 13);
    off += reclen;
  }
  return buf.subarray(0, size);
}

describe("parseDirents", () => {
  const enc = new TextEncoder();
  it("reads NetBSD's struct dirent layout", () => {
    const buf = records([
      [2, DT_DIR, enc.encode(".")],
      [2 ** 40, DT_REG, enc.encode("h\u00e9llo.txt")],
    ]);
    expect(_DIRENT_RECLEN(1)).toBe(16);
    expect(parseDirents(buf, buf.length)).toEqual([
      { d_fileno: 2, d_reclen: 16, d_namlen: 1, d_type: DT_DIR, d_name: "." },
      { d_fileno: 2 ** 40, d_reclen: 24, d_namlen: 10, d_type: DT_REG, d_name: "h\u00e9llo.txt" },
    ]);
  });

  it("decodes names of every length, ASCII or not, as UTF-8 would", () => {
    const names: string[] = [];
    for (let len = 1; len <= 40; len++) {
      names.push("abcdefghijklmnopqrstuvwxyz0123456789-._~".slice(0, len));
      names.push("\u00e9".repeat(Math.ceil(len / 2)).slice(0, len));
      names.push("x".repeat(len - 1) + "\u00ff");
    }
    const buf = records(names.map((n, i) => [i + 3, DT_REG, enc.encode(n)]));
    expect(parseDirents(buf, buf.length).map((d) => d.d_name)).toEqual(names);
  });

  it("gives the raw name bytes", () => {
    const buf = records([[7, DT_REG, new Uint8Array([0xff, 0x41])]]);
    const [d] = parseDirentsRaw(buf, buf.length);
    expect(Array.from(d!.d_name)).toEqual([0xff, 0x41]);
  });

  it("rejects malformed records", () => {
    const buf = records([[2, DT_DIR, enc.encode("abc")]]);
    new DataView(buf.buffer).setUint16(8, 8, true);
    expect(() => parseDirents(buf, buf.length)).toThrow(RangeError);
    expect(() => parseDirents(buf, buf.length + 100)).toThrow(RangeError);
  });
});
