import { describe, expect, it } from "vitest";
import { GenError } from "../gen/common.js";
import {
  ERRNO_MESSAGES,
  exportedNames,
  generate,
  OUT,
  parseConstantsTsv,
  resolveConstants,
} from "../gen/constants_gen.js";
import { needInputs } from "./inputs.js";

// the tests of the real table are skipped without it; the grammar's run anyway
const need = needInputs(import.meta.url, "constants.tsv");
const input = need.missing === false ? need.get("constants.tsv") : undefined;
const rows = input === undefined ? [] : parseConstantsTsv(input.text);
const values = resolveConstants(rows);
const num = (n: string): number => {
  const v = values.get(n);
  if (v?.kind !== "number") throw new Error(`${n} is not a number`);
  return v.value;
};

describe.skipIf(need.missing)(need.title("constants.tsv"), () => {
  it("resolves every row", () => {
    expect(rows.length).toBe(input!.text.trim().split("\n").length - 1);
    expect(values.size).toBe(rows.length);
  });

  it("evaluates casts, references and operators as C does", () => {
    expect(num("O_CREAT")).toBe(0x200);
    expect(num("F_FSCTL")).toBe(-2147483648); // (int)0x80000000
    expect(num("F_FSINOUT")).toBe(0x30000000); // (RUMP_F_FSIN | RUMP_F_FSOUT)
    expect(num("IOC_IN")).toBe(0x80000000); // (unsigned long)
    expect(num("IOC_INOUT")).toBe(0xc0000000);
    expect(num("RB_POWERDOWN")).toBe(0x808);
    expect(num("EWOULDBLOCK")).toBe(35);
    expect(num("KTRFAC_SYSCALL")).toBe(2);
    expect(num("KTRFACv2")).toBe(0x2000000);
    expect(num("PF_KEY")).toBe(29);
    expect(num("IOCPARM_MAX")).toBe(4096);
    expect(values.get("MOUNT_UFS")).toEqual({ kind: "string", value: "ffs" });
    expect(values.get("MOUNT_CODA")).toEqual({ kind: "string", value: "coda" });
    expect(num("ENOTEMPTY")).toBe(66);
    expect(num("EFTYPE")).toBe(79);
  });

  it("writes every row, the mode bits and errno tables", () => {
    const [kernel, reexport] = generate(input!);
    expect(kernel!.path).toBe(OUT.kernel);
    for (const r of rows)
      expect(kernel!.content).toMatch(new RegExp(`^export const ${r.name} = `, "m"));
    expect(kernel!.content).toContain("export const F_FSCTL = -0x80000000; // (int)0x80000000");
    expect(kernel!.content).toContain("export const S_IFMT = 0o170000;");
    expect(kernel!.content).toContain("export const ALLPERMS = 0o007777;");
    for (const n of exportedNames(rows)) expect(reexport!.content).toContain(`  ${n},\n`);
  });

  it("has NetBSD's message for every errno", () => {
    const errnos = rows.filter(
      (r) => r.header === "errno.h" && num(r.name) > 0 && r.name !== "ELAST",
    );
    expect(ERRNO_MESSAGES).toHaveLength(Math.max(...errnos.map((r) => num(r.name))) + 1);
    expect(ERRNO_MESSAGES[2]).toBe("No such file or directory");
    expect(ERRNO_MESSAGES[66]).toBe("Directory not empty");
    expect(ERRNO_MESSAGES[79]).toBe("Inappropriate file type or format");
  });
});

describe("constants.tsv grammar", () => {
  it("rejects malformed rows with file:line", () => {
    expect(() => parseConstantsTsv("header\tname\tvalue\nfcntl.h\tO_X\n", "c.tsv")).toThrow(
      "c.tsv:2: expected 3 tab-separated columns",
    );
    expect(() =>
      resolveConstants(
        parseConstantsTsv("header\tname\tvalue\na.h\tX\tRUMP_Y\n", "c.tsv"),
        "c.tsv",
      ),
    ).toThrow(GenError);
    expect(() =>
      resolveConstants(parseConstantsTsv("header\tname\tvalue\na.h\tX\t(1 +\n", "c.tsv"), "c.tsv"),
    ).toThrow("c.tsv:2:");
  });
});
