/**
 * Independent versions, checked by running changesets itself: `changeset
 * version` on a scratch copy of the workspace's manifests, its changesets
 * config and the pending changesets (a git repository of its own, as
 * changesets wants one).
 *
 * After the pending changesets are released, a patch to any one layer that
 * others depend on versions that layer alone: its package.json and CHANGELOG.md change,
 * nothing else does (workspace:^ ranges, updateInternalDependencies and
 * onlyUpdatePeerDependentsWhenOutOfRange in .changeset/config.json). A kernel
 * release that leaves the caret range of its peers (a minor before 1.0)
 * releases every layer that takes @rump/librump as a peer, so no published
 * layer asks for a kernel it was not released with.
 */
import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const CHANGESET = join(REPO, "node_modules/@changesets/cli/bin.js");

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/** packages/<dir> → its manifest, for the packages changesets versions. */
function packages(root: string): Map<string, Manifest> {
  const out = new Map<string, Manifest>();
  for (const dir of readdirSync(join(root, "packages"))) {
    const p = join(root, "packages", dir, "package.json");
    if (!existsSync(p)) continue;
    const m = JSON.parse(readFileSync(p, "utf8")) as Manifest;
    if (m.private !== true) out.set(dir, m);
  }
  return out;
}

function run(cwd: string, cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { cwd, encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(" ")}: exit ${r.status}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

const git = spawnSync("git", ["--version"], { encoding: "utf8" });
const skip =
  git.status !== 0
    ? "skipped: git is not installed (changesets reads the changesets' commits)"
    : !existsSync(CHANGESET)
      ? "skipped: @changesets/cli is not installed (./run.sh installs it)"
      : false;

const tmp = mkdtempSync(join(tmpdir(), "rump-changesets-"));
const root = join(tmp, "repo");
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const commit = (msg: string): void => {
  run(root, "git", ["add", "-A"]);
  run(root, "git", ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", msg]);
};
/** Files `git status` reports, as "M path" / "D path". */
const changed = (): string[] =>
  run(root, "git", ["status", "--porcelain", "--untracked-files=all"])
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => `${l.slice(0, 2).trim()} ${l.slice(3)}`)
    .sort();

/** Write one changeset and run `changeset version`; the versions before and after. */
function version(
  name: string,
  releases: Record<string, "patch" | "minor" | "major">,
): { before: Map<string, Manifest>; after: Map<string, Manifest>; files: string[] } {
  const before = packages(root);
  const head = Object.entries(releases)
    .map(([p, t]) => `"${p}": ${t}`)
    .join("\n");
  writeFileSync(join(root, ".changeset", `${name}.md`), `---\n${head}\n---\n\n${name}\n`);
  commit(`changeset ${name}`);
  run(root, process.execPath, [CHANGESET, "version"]);
  const files = changed();
  const after = packages(root);
  commit(`version ${name}`);
  return { before, after, files };
}

describe.skipIf(skip)(skip || "changeset version", () => {
  beforeAll(() => {
    for (const f of ["package.json", "pnpm-workspace.yaml", "tests/package.json", ".changeset"])
      cpSync(join(REPO, f), join(root, f), { recursive: true });
    for (const dir of readdirSync(join(REPO, "packages"))) {
      const p = join(REPO, "packages", dir, "package.json");
      if (!existsSync(p)) continue;
      mkdirSync(join(root, "packages", dir), { recursive: true });
      cpSync(p, join(root, "packages", dir, "package.json"));
    }
    // "@changesets/cli/changelog" and prettier are resolved from the project
    symlinkSync(join(REPO, "node_modules"), join(root, "node_modules"));
    writeFileSync(join(root, ".gitignore"), "node_modules\n");
    run(root, "git", ["init", "-q", "-b", "main"]);
    commit("the workspace's manifests and pending changesets");
    // the next release: what the pending changesets make of the versions
    const pending = readdirSync(join(root, ".changeset")).filter(
      (f) => f.endsWith(".md") && f !== "README.md",
    );
    if (pending.length > 0) {
      run(root, process.execPath, [CHANGESET, "version"]);
      commit("release the pending changesets");
    }
  });

  it("every internal range is workspace:^ (packed as ^<version>), no exact pins", () => {
    for (const [dir] of packages(root)) {
      const m = JSON.parse(readFileSync(join(root, "packages", dir, "package.json"), "utf8")) as {
        [k: string]: Record<string, string> | unknown;
      };
      for (const kind of ["dependencies", "peerDependencies", "devDependencies"])
        for (const [dep, range] of Object.entries((m[kind] as Record<string, string>) ?? {}))
          if (dep.startsWith("@rump/"))
            expect(`${dir} ${kind} ${dep} ${range}`).toMatch(/ workspace:\^$/);
    }
  });

  // the layers others depend on: a patch to one of them must not move its dependents
  // (a patch to a layer nothing depends on could not move anything else)
  const depended = [...packages(REPO)].filter(([, m]) =>
    [...packages(REPO).values()].some((o) =>
      JSON.stringify([o.dependencies, o.peerDependencies]).includes(`"${m.name}"`),
    ),
  );
  for (const [dir] of depended) {
    it(`a patch to ${dir} alone versions ${dir} alone`, () => {
      const name = packages(root).get(dir)!.name;
      const { before, after, files } = version(`patch-${dir}`, { [name]: "patch" });
      expect(files).toEqual([
        `D .changeset/patch-${dir}.md`,
        `M packages/${dir}/CHANGELOG.md`,
        `M packages/${dir}/package.json`,
      ]);
      for (const [d, m] of after) {
        const [maj, min, pat] = before.get(d)!.version.split(".").map(Number);
        expect(`${d} ${m.version}`).toBe(
          `${d} ${d === dir ? `${maj}.${min}.${pat! + 1}` : before.get(d)!.version}`,
        );
      }
    });
  }

  it("a kernel release out of its peers' range releases every layer that takes it as a peer", () => {
    const { before, after } = version("kernel-break", {
      "@rump/librump":
        Number(packages(root).get("librump")!.version.split(".")[0]) === 0 ? "minor" : "major",
    });
    const peers = [...after].filter(([, m]) => m.peerDependencies?.["@rump/librump"] !== undefined);
    expect(peers.map(([d]) => d)).toEqual(
      expect.arrayContaining(["rump-syscalls", "rump-vop", "ukfs", "p2k"]),
    );
    for (const [d, m] of peers)
      expect(`${d} ${m.version}`).not.toBe(`${d} ${before.get(d)!.version}`);
    expect(after.get("rumpuser")!.version).toBe(before.get("rumpuser")!.version);
  });
});
