/**
 * The project's demo (`./run.sh demo`, `pnpm demo`): the fsu command-line
 * tools at work on a fresh disk image. It formats an FFS image with
 * `fsu mkfs` (our newfs), copies this repository's READMEs into it with
 * `fsu put`, lists it with `fsu ls -l`, `fsu tree` and `fsu df`, reads a file
 * back with `fsu cat`, and checks the image with `fsu fsck` (our fsck_ffs).
 * Every step runs the real, built binary (packages/ukfs/dist/cli/fsu.cjs;
 * `pnpm demo` builds first) as a child process, and prints the command line
 * before its output. The image lives in a temporary directory removed at
 * the end.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";

const repo = resolve(import.meta.dirname, "..");
const bin = join(repo, "packages/ukfs/dist/cli/fsu.cjs");
const t0 = performance.now();
const say = (s: string): void => {
  process.stdout.write(s + "\n");
};

if (!existsSync(bin)) {
  process.stderr.write(`demo: ${relative(repo, bin)} is missing: run \`pnpm build\` first\n`);
  process.exit(1);
}

/** The READMEs of this repository: the top one, then every package's and folder's. */
function readmes(): string[] {
  const out = ["README.md"];
  for (const top of ["packages", "."]) {
    for (const d of readdirSync(join(repo, top), { withFileTypes: true })) {
      if (!d.isDirectory() || d.name.startsWith(".") || d.name === "node_modules") continue;
      if (top === "." && d.name === "packages") continue;
      const rel = join(top, d.name, "README.md");
      if (existsSync(join(repo, rel))) out.push(relative(".", rel));
    }
  }
  return out;
}

/**
 * Run `fsu args…` in the temporary directory, showing the command line and
 * its output (at most `maxLines` lines of it). Stops the demo if the
 * command fails.
 */
function fsu(args: string[], maxLines = Infinity): string {
  say(`\n$ fsu ${args.join(" ")}${Number.isFinite(maxLines) ? ` | head -${maxLines}` : ""}`);
  const t = performance.now();
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", cwd: dir });
  const lines = r.stdout.replace(/\n$/, "").split("\n");
  const text = lines.slice(0, maxLines).join("\n");
  if (text !== "") say(text);
  if (r.stderr !== "") process.stdout.write(r.stderr);
  if (r.status !== 0) throw new Error(`fsu ${args[0]} exited with status ${r.status}`);
  say(`  (${(performance.now() - t).toFixed(0)} ms)`);
  return r.stdout;
}

say("rump for TypeScript — demo: fsu, NetBSD's file systems on a disk image, no mounting");
say("(each command below is the real packages/ukfs/dist/cli/fsu.cjs, run as a child process)");
const dir = mkdtempSync(join(tmpdir(), "rump-demo-"));
const image = "demo.img";
try {
  // stage the READMEs in a host tree shaped like the repository
  const stage = join(dir, "readmes");
  const files = readmes();
  for (const f of files) {
    mkdirSync(join(stage, dirname(f)), { recursive: true });
    copyFileSync(join(repo, f), join(stage, f));
  }
  say(`\nin ${dir}: the READMEs of this repository (${files.length}) in ./readmes:`);
  say(`  ${files.join(", ")}`);

  fsu(["mkfs", "-s", "32m", "-L", "demo", image]);
  fsu(["put", "-r", "-v", image, "readmes", "/docs"]);
  fsu(["ls", "-l", image, "/docs", "/docs/packages"]);
  fsu(["tree", image, "/"]);
  fsu(["df", "-h", image]);
  const back = fsu(["cat", image, "/docs/README.md"], 5);
  fsu(["ln", "-s", image, "docs/packages/ukfs/README.md", "/fsu-readme"]);
  fsu(["stat", image, "/fsu-readme"]);
  fsu(["fsck", image]);
  fsu(["info", image]);

  const same = back.startsWith("# rump for TypeScript");
  say(
    `\nread back: /docs/README.md ${same ? "is" : "is NOT"} this repository's README; ` +
      `the image ${image} was checked clean by fsck_ffs`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
say(`done in ${((performance.now() - t0) / 1000).toFixed(1)} s; the temporary image is removed`);
