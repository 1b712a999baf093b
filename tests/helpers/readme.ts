/**
 * The READMEs' examples, run as a user runs them, and their links checked.
 *
 * An example is a fenced ```js block, or ```cjs for CommonJS. It runs as a
 * `.mjs` (or `.cjs`) file with plain `node` (no loader, no flags: the minimum
 * Node the packages support runs it as written), in an empty folder of its
 * own, importing the packages by name from a node_modules beside it. When the block is followed by a line
 * `prints` and a ```text block, that is its whole stdout; stderr must stay
 * empty. Package READMEs hold no ```ts blocks, so no example goes untested.
 *
 * Links: `#anchor` must name a heading of the file; a link into this
 * repository on GitHub must name a file or folder that exists (and a heading
 * of it); a relative link in a package README must stay inside the package
 * and name something its tarball ships (npm shows the README without the
 * rest of the repository); a relative link elsewhere must stay inside the
 * repository.
 */
import { spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/** https://github.com/<owner>/<name>, from the root package.json's repository. */
export const REPO_URL = (
  JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { repository: { url: string } }
).repository.url
  .replace(/^git\+/, "")
  .replace(/\.git$/, "");

export interface Block {
  readonly lang: string;
  readonly body: string;
  /** 1-based line of the opening fence */
  readonly line: number;
}

/** The fenced code blocks of a Markdown text. */
export function fencedBlocks(md: string): Block[] {
  const lines = md.split("\n");
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]!);
    if (open === null) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    out.push({
      lang: open[1]!,
      body: body.length === 0 ? "" : body.join("\n") + "\n",
      line: start + 1,
    });
  }
  return out;
}

export interface Example {
  readonly lang: "js" | "cjs";
  readonly code: string;
  /** the whole stdout, or null when the README shows none (then it must be empty) */
  readonly expected: string | null;
  readonly line: number;
}

/** The ```js and ```cjs blocks, each with the ```text block after a `prints` line that follows it. */
export function readmeExamples(md: string): Example[] {
  const blocks = fencedBlocks(md);
  const lines = md.split("\n");
  const out: Example[] = [];
  for (let i = 0; i < blocks.length; i++) {
    const b = blocks[i]!;
    if (b.lang !== "js" && b.lang !== "cjs") continue;
    const next = blocks[i + 1];
    let expected: string | null = null;
    if (next !== undefined && next.lang === "text") {
      const end = b.line + b.body.split("\n").length; // the closing fence's line (1-based)
      const between = lines
        .slice(end, next.line - 1)
        .join("\n")
        .trim();
      if (/^prints:?$/.test(between)) expected = next.body;
    }
    out.push({ lang: b.lang, code: b.body, expected, line: b.line });
  }
  return out;
}

/** The folders of the workspace packages: packages/<dir> → package name. */
export function workspacePackages(): Map<string, string> {
  const out = new Map<string, string>();
  for (const dir of readdirSync(join(REPO, "packages"))) {
    const pj = join(REPO, "packages", dir, "package.json");
    if (!existsSync(pj)) continue;
    const m = JSON.parse(readFileSync(pj, "utf8")) as { name: string; private?: boolean };
    if (m.private !== true) out.set(dir, m.name);
  }
  return out;
}

/**
 * A folder whose node_modules has every workspace package under its name
 * (symlinks to packages/<dir>, as a linked install has them): examples run
 * in subfolders of it resolve `@rump/ukfs` and friends to their built dist/.
 */
export function linkedWorkspace(): string {
  const dir = mkdtempSync(join(tmpdir(), "rump-readme-"));
  for (const [pkgDir, name] of workspacePackages()) {
    const dist = join(REPO, "packages", pkgDir, "dist", "index.js");
    if (!existsSync(dist))
      throw new Error(
        `${relative(REPO, dist)} is missing: build the packages first (./run.sh build)`,
      );
    const link = join(dir, "node_modules", ...name.split("/"));
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(join(REPO, "packages", pkgDir), link);
  }
  return dir;
}

let runs = 0;

/** Run the example as <root>/<fresh folder>/example.mjs (.cjs) with plain node; its outcome. */
export function runExample(
  root: string,
  ex: Pick<Example, "lang" | "code">,
): Promise<{ status: number | null; stdout: string; stderr: string; cwd: string }> {
  const cwd = join(root, `run-${process.pid}-${++runs}`);
  mkdirSync(cwd);
  const file = join(cwd, ex.lang === "cjs" ? "example.cjs" : "example.mjs");
  writeFileSync(file, ex.code);
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (k !== "NODE_OPTIONS" && !k.startsWith("VITEST")) env[k] = v;
  return new Promise((done) => {
    const c = spawn(process.execPath, [file], { cwd, env, timeout: 60_000 });
    let stdout = "";
    let stderr = "";
    c.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    c.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    c.on("close", (status) =>
      done({
        status,
        stdout,
        // a machine that could not build the native addon says so once: not the example's output
        stderr: stderr
          .split("\n")
          .filter((l) => !l.startsWith("@rump/rumpuser: native addon unavailable"))
          .join("\n"),
        cwd,
      }),
    );
  });
}

/** GitHub's anchor for a heading text. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, "")
    .replace(/[^\p{L}\p{N} _-]/gu, "")
    .replace(/ /g, "-");
}

function anchors(md: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  const text = md.replace(/^```[\s\S]*?^```\s*$/gm, "");
  for (const m of text.matchAll(/^#{1,6}\s+(.*?)\s*#*\s*$/gm)) {
    const s = slug(m[1]!);
    const n = seen.get(s) ?? 0;
    seen.set(s, n + 1);
    out.add(n === 0 ? s : `${s}-${n}`);
  }
  return out;
}

/** The link targets of a Markdown text, outside code blocks and code spans. */
export function links(md: string): string[] {
  const text = md.replace(/^```[\s\S]*?^```\s*$/gm, "").replace(/`[^`\n]*`/g, "");
  const out: string[] = [];
  for (const m of text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g))
    out.push(m[1]!);
  for (const m of text.matchAll(/^\s*\[[^\]]+\]:\s+<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm))
    out.push(m[1]!);
  return out;
}

/** What is wrong with the links of `file` (empty: nothing). */
export function linkProblems(file: string): string[] {
  const md = readFileSync(file, "utf8");
  const dir = dirname(resolve(file));
  const problems: string[] = [];
  // a package README travels in the tarball: its relative links must stay in what it ships
  const pj = join(dir, "package.json");
  const pkg =
    dir !== REPO && existsSync(pj)
      ? (JSON.parse(readFileSync(pj, "utf8")) as { files?: string[] })
      : null;
  const shipped = new Set([
    ...(pkg?.files ?? []),
    "README.md",
    "LICENSE",
    "package.json",
    "CHANGELOG.md",
  ]);
  const checkAnchor = (target: string, path: string, anchor: string): void => {
    if (anchor === "" || !path.endsWith(".md")) return;
    if (!anchors(readFileSync(path, "utf8")).has(anchor))
      problems.push(`${target}: no heading #${anchor} in ${relative(REPO, path)}`);
  };
  for (const target of links(md)) {
    const [pathPart, anchor = ""] = target.split("#", 2) as [string, string?];
    if (pathPart === "") {
      if (!anchors(md).has(anchor)) problems.push(`${target}: no such heading in this file`);
      continue;
    }
    if (/^[a-z][a-z0-9+.-]*:/i.test(pathPart)) {
      const m = new RegExp(
        `^${REPO_URL.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/(?:blob|tree)/main/(.*)$`,
      ).exec(pathPart);
      if (m !== null) {
        const p = join(REPO, decodeURIComponent(m[1]!));
        if (!existsSync(p)) problems.push(`${target}: ${m[1]} is not in the repository`);
        else checkAnchor(target, p, anchor);
      } else if (
        pathPart.startsWith(REPO_URL) &&
        pathPart !== REPO_URL &&
        !pathPart.startsWith(`${REPO_URL}/issues`)
      )
        problems.push(`${target}: a repository link should be ${REPO_URL}/blob/main/<path>`);
      continue;
    }
    const p = resolve(dir, decodeURIComponent(pathPart));
    const base = pkg !== null ? dir : REPO;
    const rel = relative(base, p);
    if (rel.startsWith("..") || rel === "" || rel.startsWith(sep)) {
      problems.push(
        pkg !== null
          ? `${target}: leaves the package (it breaks on npm): link ${REPO_URL}/blob/main/… instead`
          : `${target}: leaves the repository`,
      );
      continue;
    }
    if (!existsSync(p)) {
      problems.push(`${target}: no such file`);
      continue;
    }
    if (pkg !== null && !shipped.has(rel.split(sep)[0]!))
      problems.push(`${target}: not in the package's "files", so not on npm`);
    if (statSync(p).isFile()) checkAnchor(target, p, anchor);
  }
  return problems;
}
