/**
 * The codegen driver: `pnpm codegen` writes, `pnpm codegen:check` compares.
 *
 *   tsx netbsd-src/gen/index.ts [--check] [--root <dir>] [--src <netbsd-src dir>]
 *
 * Every generator runs in memory first; nothing is written unless all of them
 * succeed. Writing replaces the generated files and deletes stale ones in the
 * generated folders; --check writes nothing and fails (exit 1) listing the
 * files that differ or are orphaned. Where NetBSD's inputs are missing it
 * says which and how to get them and exits 3 (EXIT_NO_INPUTS), so CI can tell
 * "not checked here" from "out of date".
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import {
  GenError,
  inputDirs,
  missingInputs,
  missingInputsMessage,
  plan,
  readInput,
  REPO_ROOT,
  type GenInput,
  type GenOutput,
} from "./common.js";
import { generate as generateConstants, GENERATOR as CONSTANTS } from "./constants_gen.js";
import { generate as generateSyscalls, GENERATOR as SYSCALLS } from "./syscalls_gen.js";

/** A generator: its NetBSD input and its `generate` function. */
export interface Generator {
  readonly name: string;
  readonly input: string;
  /** does a generated file whose header names `generator` belong to this one? */
  owns(generator: string): boolean;
  generate(input: GenInput): GenOutput[];
}

type VnodeIfModule = { generate(input: GenInput): Array<{ path: string; content: string }> };

/** The vnode_if.src generator (another module); null while it does not exist. */
async function loadVnodeIf(): Promise<Generator | null> {
  const spec = "./vnode_if.js";
  let mod: VnodeIfModule;
  try {
    mod = (await import(spec)) as VnodeIfModule;
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (
      (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") &&
      String(e).includes("vnode_if")
    )
      return null;
    throw e;
  }
  if (typeof mod.generate !== "function")
    throw new Error("netbsd-src/gen/vnode_if.ts does not export generate()");
  return {
    name: "vnode_if",
    input: "sys/kern/vnode_if.src",
    owns: (g) => g.startsWith("vnode_if"),
    generate: (i) => mod.generate(i),
  };
}

export const GENERATORS: readonly Generator[] = [
  {
    name: SYSCALLS,
    input: "sys/kern/syscalls.master",
    owns: (g) => g === SYSCALLS,
    generate: generateSyscalls,
  },
  {
    name: CONSTANTS,
    input: "constants.tsv",
    owns: (g) => g === CONSTANTS,
    generate: generateConstants,
  },
];

/** The exit code of a run that found some of NetBSD's inputs missing (nothing generated or checked). */
export const EXIT_NO_INPUTS = 3;

export interface RunOptions {
  readonly check: boolean;
  readonly root: string;
  readonly src?: string;
  /** where to look for the inputs instead of inputDirs(root, src) (tests) */
  readonly dirs?: readonly string[];
  readonly log?: (msg: string) => void;
}

/** Run all generators; returns the process exit code. */
export async function run(opts: RunOptions): Promise<number> {
  const log = opts.log ?? ((m: string) => console.log(m));
  const gens = [...GENERATORS];
  const vnodeIf = await loadVnodeIf();
  if (vnodeIf === null)
    log("codegen: netbsd-src/gen/vnode_if.ts not found, skipping the vnode_if.src generator");
  else gens.push(vnodeIf);

  const dirs = opts.dirs ?? inputDirs(opts.root, opts.src);
  const missing = missingInputs(
    gens.map((g) => g.input),
    dirs,
  );
  if (missing.length > 0) {
    for (const line of missingInputsMessage(missing, dirs).split("\n")) log(`codegen: ${line}`);
    log(`codegen: nothing ${opts.check ? "checked" : "written"}`);
    return EXIT_NO_INPUTS;
  }
  const outputs: GenOutput[] = [];
  try {
    for (const g of gens) outputs.push(...g.generate(readInput(g.input, dirs)));
  } catch (e) {
    log(
      `codegen: ${e instanceof GenError ? e.message : e instanceof Error ? e.message : String(e)}`,
    );
    log("codegen: nothing written");
    return 1;
  }
  const ran = (generator: string): boolean => gens.some((g) => g.owns(generator));
  const p = plan(opts.root, outputs, ran);
  if (opts.check) {
    if (p.changed.length === 0 && p.orphans.length === 0) {
      log(`codegen: ${p.files.size} generated files are up to date`);
      return 0;
    }
    for (const f of p.changed) log(`differs:  ${f}`);
    for (const f of p.orphans) log(`orphaned: ${f}`);
    log("generated files are out of date: run `pnpm codegen`");
    return 1;
  }
  for (const f of p.changed) {
    const abs = join(opts.root, f);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, p.files.get(f)!);
    log(`wrote    ${f}`);
  }
  for (const f of p.orphans) {
    rmSync(join(opts.root, f));
    log(`removed  ${f}`);
  }
  log(`codegen: ${p.files.size} files, ${p.changed.length} written, ${p.orphans.length} removed`);
  return 0;
}

function parseArgv(argv: readonly string[]): RunOptions {
  let check = false;
  let root = REPO_ROOT;
  let src: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--check") check = true;
    else if (a === "--root" && argv[i + 1] !== undefined) root = resolve(argv[++i]!);
    else if (a === "--src" && argv[i + 1] !== undefined) src = argv[++i]!;
    else
      throw new Error(
        `usage: tsx netbsd-src/gen/index.ts [--check] [--root <dir>] [--src <netbsd-src dir>] (got '${a}')`,
      );
  }
  return src === undefined ? { check, root } : { check, root, src };
}

const isMain =
  process.argv[1] !== undefined &&
  resolve(process.argv[1]) === resolve(REPO_ROOT, "netbsd-src/gen/index.ts");
if (isMain) process.exitCode = await run(parseArgv(process.argv.slice(2)));
