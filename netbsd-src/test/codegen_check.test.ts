import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { inputDirs, NETBSD_INPUTS, REPO_ROOT } from "../gen/common.js";
import { EXIT_NO_INPUTS, run } from "../gen/index.js";
import { needInputs } from "./inputs.js";

// every check runs the generators on the real inputs: without them they are skipped
const need = needInputs(import.meta.url, ...NETBSD_INPUTS);

/** The committed generated files and the README with generated regions, copied to a temp root. */
const COPY = [
  "packages/librump/src/gen",
  "packages/rump-syscalls/src/gen",
  "packages/rump-vop/src/gen",
  "packages/rump-syscalls/README.md",
];

const tmp = mkdtempSync(join(tmpdir(), "rump-codegen-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function copyTree(root: string): void {
  for (const p of COPY) {
    const from = join(REPO_ROOT, p);
    if (!existsSync(from)) continue;
    mkdirSync(dirname(join(root, p)), { recursive: true });
    cpSync(from, join(root, p), { recursive: true });
  }
}

async function codegen(
  root: string,
  check: boolean,
  src?: string,
): Promise<{ code: number; log: string[] }> {
  const log: string[] = [];
  const code = await run({
    check,
    root,
    ...(src !== undefined ? { src } : {}),
    log: (m) => log.push(m),
  });
  return { code, log };
}

describe.skipIf(need.missing)(need.title("pnpm codegen:check"), () => {
  const root = join(tmp, "tree");
  copyTree(root);

  it("passes on the committed tree", async () => {
    const { code, log } = await codegen(root, true);
    expect(log.join("\n")).toContain("up to date");
    expect(code).toBe(0);
  });

  it("fails on a hand-edited generated file, naming it and the fix", async () => {
    const f = join(root, "packages/librump/src/gen/syscall.ts");
    const orig = readFileSync(f, "utf8");
    writeFileSync(f, orig.replace("export const SYS_read = 3;", "export const SYS_read = 4;"));
    const { code, log } = await codegen(root, true);
    expect(code).toBe(1);
    expect(log).toContain("differs:  packages/librump/src/gen/syscall.ts");
    expect(log.join("\n")).toContain("run `pnpm codegen`");
    writeFileSync(f, orig);
  });

  it("fails on an orphaned file in a generated folder and on an edited README region", async () => {
    writeFileSync(join(root, "packages/rump-syscalls/src/gen/stale.ts"), "export const X = 1;\n");
    const readme = join(root, "packages/rump-syscalls/README.md");
    writeFileSync(readme, readFileSync(readme, "utf8").replace("| `buf-out` |", "| `buf-OUT` |"));
    const { code, log } = await codegen(root, true);
    expect(code).toBe(1);
    expect(log).toContain("orphaned: packages/rump-syscalls/src/gen/stale.ts");
    expect(log).toContain("differs:  packages/rump-syscalls/README.md");
  });

  it("writing repairs the tree and removes the orphan; then the check passes", async () => {
    const w = await codegen(root, false);
    expect(w.code).toBe(0);
    expect(existsSync(join(root, "packages/rump-syscalls/src/gen/stale.ts"))).toBe(false);
    expect((await codegen(root, true)).code).toBe(0);
  });

  it("writes nothing when an input does not parse", async () => {
    const src = join(tmp, "broken-src");
    const real = inputDirs(REPO_ROOT).find((d) => existsSync(join(d, "sys/kern/syscalls.master")))!;
    cpSync(real, src, { recursive: true });
    const sm = join(src, "sys/kern/syscalls.master");
    writeFileSync(
      sm,
      readFileSync(sm, "utf8").replace(
        "3\tSTD \t RUMP\t{ ssize_t|sys||read(",
        "3\tSTD \t RUMP\t{ ssize_t sys||read(",
      ),
    );
    const fresh = join(tmp, "fresh");
    copyTree(fresh);
    const sysent = join(fresh, "packages/librump/src/gen/sysent.ts");
    const before = readFileSync(sysent, "utf8");
    writeFileSync(sysent, before + "// edited\n");
    rmSync(join(fresh, "packages/librump/src/gen/syscall.ts"));
    const { code, log } = await codegen(fresh, false, src);
    expect(code).toBe(1);
    expect(log.join("\n")).toMatch(/syscalls\.master:\d+: expected a prefix/);
    expect(log).toContain("codegen: nothing written");
    expect(existsSync(join(fresh, "packages/librump/src/gen/syscall.ts"))).toBe(false);
    expect(readFileSync(sysent, "utf8")).toBe(before + "// edited\n");
  });
});

describe("pnpm codegen:check without NetBSD's inputs", () => {
  it("names what is missing and how to get it, checks nothing, exits 3", async () => {
    const root = join(tmp, "no-inputs");
    copyTree(root);
    const empty = join(tmp, "empty-src");
    mkdirSync(empty);
    const log: string[] = [];
    const code = await run({ check: true, root, dirs: [empty], log: (m) => log.push(m) });
    expect(code).toBe(EXIT_NO_INPUTS);
    const text = log.join("\n");
    const line = log.find((l) => l.includes("NetBSD inputs not found: "));
    for (const i of NETBSD_INPUTS) expect(line).toContain(i);
    expect(text).toContain(`looked in ${empty}`);
    expect(text).toContain("netbsd-src/README.md");
    expect(log.at(-1)).toBe("codegen: nothing checked");
  });
});
