/**
 * The packages as npm users get them: every workspace package packed with
 * `pnpm pack` (as `changeset publish` packs them: workspace: ranges replaced,
 * prepack run, so rumpuser's prebuilt addon is made) and installed from the
 * tarballs into a scratch npm project, with --ignore-scripts.
 *
 * Checked there: what gets installed (no node-gyp, one kernel), the
 * published ranges, metadata and LICENSE, source maps, require() from
 * CommonJS, the prebuilt addon loading without an install script, and the
 * READMEs' examples run against the installed packages. A second project
 * plays a platform without a prebuilt binary: the warning names
 * `npm rebuild @rump/rumpuser`, and that command builds the addon from source
 * with npm's own node-gyp, leaving nothing beside the package. @rump/p2k,
 * whose FUSE addon is built from source at install (it links libfuse3),
 * imports without it and its mount() names `npm rebuild @rump/p2k`; that
 * command builds it, and then its README's example runs where FUSE works.
 *
 * Skipped, saying why, where npm, pnpm or the registry (for node-addon-api)
 * is missing, or the packages are not built.
 */
import { spawn, type SpawnOptions } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  readmeExamples,
  REPO,
  REPO_URL,
  runExample,
  workspacePackages,
} from "../helpers/readme.js";

interface Manifest {
  name: string;
  version: string;
  license?: string;
  engines?: { node?: string };
  repository?: { type?: string; url?: string; directory?: string };
  homepage?: string;
  keywords?: string[];
  sideEffects?: unknown;
  publishConfig?: { provenance?: boolean; access?: string };
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const PKGS = workspacePackages(); // packages/<dir> → name
/** The layers that work on one kernel: @rump/librump is their peer. */
const KERNEL_PEERS = ["@rump/syscalls", "@rump/vop", "@rump/ukfs", "@rump/p2k"];
/** Its examples mount through FUSE: they need its addon, built from source (see below). */
const FUSE_EXAMPLES = "@rump/p2k";

type Run = { status: number | null; stdout: string; stderr: string };
/**
 * A command's outcome. Asynchronous, so that vitest's worker stays responsive
 * while npm and pnpm work (a long spawnSync starves its RPC).
 */
function run(cmd: string[], opts: SpawnOptions = {}): Promise<Run> {
  return new Promise((done) => {
    const c = spawn(cmd[0]!, cmd.slice(1), {
      timeout: 120_000,
      ...opts,
      env: { ...cleanEnv(), ...(opts.env ?? {}) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    c.stdout!.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    c.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    c.on("error", (e) => done({ status: null, stdout, stderr: stderr + String(e) }));
    c.on("close", (status) => done({ status, stdout, stderr }));
  });
}

/** An ES module given as text, run with plain node in `cwd` (a scratch project). */
const runModule = (code: string, cwd: string): Promise<Run> =>
  run([process.execPath, "--input-type=module", "-e", code], { cwd });

/** What `fn()` of package `pkg` returns there, as JSON on stdout (a status function). */
const statusIn = (pkg: string, fn: string, cwd: string): Promise<Run> =>
  runModule(`import { ${fn} } from "${pkg}"; console.log(JSON.stringify(${fn}()));`, cwd);

/** The environment of a user's shell: nothing of vitest, of pnpm's script runner or of npm's. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith("VITEST") && !/^npm_/i.test(k) && k !== "NODE_OPTIONS") env[k] = v;
  return env;
}

/** How to run pnpm here: from PATH, else through corepack (with the signature check off if need be). */
async function findPnpm(): Promise<{ cmd: string[]; env: NodeJS.ProcessEnv } | null> {
  for (const [cmd, env] of [
    [["pnpm"], {}],
    [["corepack", "pnpm"], {}],
    [["corepack", "pnpm"], { COREPACK_INTEGRITY_KEYS: "0" }],
  ] as const)
    if ((await run([...cmd, "--version"], { cwd: REPO, env })).status === 0)
      return { cmd: [...cmd], env };
  return null;
}

const tmp = mkdtempSync(join(tmpdir(), "rump-tarballs-"));
const TGZ = join(tmp, "tgz");
const PROJECT = join(tmp, "project");
const BARE = join(tmp, "no-prebuild");
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let skip: string | false = false;
const tarballs = new Map<string, string>(); // name → .tgz

const installed = (name: string, root = PROJECT): string =>
  join(root, "node_modules", ...name.split("/"));
const manifest = (name: string): Manifest =>
  JSON.parse(readFileSync(join(installed(name), "package.json"), "utf8")) as Manifest;

/** Every package.json under node_modules (nested ones too): name → folders. */
function installedPackages(root: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const walk = (nm: string): void => {
    if (!existsSync(nm)) return;
    for (const e of readdirSync(nm)) {
      if (e.startsWith(".")) continue;
      const dirs = e.startsWith("@")
        ? readdirSync(join(nm, e)).map((s) => join(nm, e, s))
        : [join(nm, e)];
      for (const d of dirs) {
        const pj = join(d, "package.json");
        if (!existsSync(pj)) continue;
        const name = (JSON.parse(readFileSync(pj, "utf8")) as Manifest).name;
        out.set(name, [...(out.get(name) ?? []), d]);
        walk(join(d, "node_modules"));
      }
    }
  };
  walk(join(root, "node_modules"));
  return out;
}

async function npmInstall(root: string, args: string[]): Promise<string | null> {
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, "package.json"), JSON.stringify({ name: "scratch", private: true }));
  const r = await run(
    ["npm", "install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", ...args],
    { cwd: root },
  );
  if (r.status === 0) return null;
  if (/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|ENETUNREACH|ECONNRESET|network/i.test(r.stderr))
    return `skipped: npm could not reach the registry (for node-addon-api): ${r.stderr.trim().split("\n").at(-1)}`;
  throw new Error(`npm install ${args.join(" ")}: exit ${r.status}\n${r.stderr}`);
}

beforeAll(async () => {
  if ((await run(["npm", "--version"])).status !== 0) {
    skip = "skipped: npm is not installed";
    return;
  }
  const pnpm = await findPnpm();
  if (pnpm === null) {
    skip = "skipped: pnpm is not available (packing needs it: it replaces the workspace: ranges)";
    return;
  }
  for (const dir of PKGS.keys())
    if (!existsSync(join(REPO, "packages", dir, "dist", "index.js"))) {
      skip = `skipped: packages/${dir} is not built (./run.sh build)`;
      return;
    }
  mkdirSync(TGZ);
  // each package into a folder of its own (packs run side by side)
  await Promise.all(
    [...PKGS].map(async ([dir, name]) => {
      const out = join(TGZ, dir);
      mkdirSync(out);
      const r = await run([...pnpm.cmd, "pack", "--pack-destination", out], {
        cwd: join(REPO, "packages", dir),
        env: pnpm.env,
      });
      if (r.status !== 0)
        throw new Error(`pnpm pack in packages/${dir}: exit ${r.status}\n${r.stdout}${r.stderr}`);
      const file = readdirSync(out).find((f) => f.endsWith(".tgz"));
      if (file === undefined) throw new Error(`pnpm pack made no tarball for ${name}`);
      tarballs.set(name, join(out, file));
    }),
  );
  skip = (await npmInstall(PROJECT, ["--ignore-scripts", ...tarballs.values()])) ?? false;
}, 240_000);

describe("packed and installed with npm", () => {
  it("installs the layers and node-addon-api, nothing else (no node-gyp), and one kernel", (ctx) => {
    if (skip) return ctx.skip(skip);
    const pkgs = installedPackages(PROJECT);
    expect([...pkgs.keys()].sort()).toEqual([...PKGS.values(), "node-addon-api"].sort());
    expect(pkgs.get("@rump/librump")).toHaveLength(1);
    // gyp's makefiles of a dependency used to land in a folder beside the package
    expect(existsSync(join(PROJECT, "node_modules", "@rump", "node-addon-api"))).toBe(false);
  });

  it("publishes caret ranges (no pins, no workspace:), and @rump/librump as the kernel layers' peer", (ctx) => {
    if (skip) return ctx.skip(skip);
    for (const name of PKGS.values()) {
      const m = manifest(name);
      expect(JSON.stringify(m), name).not.toContain("workspace:");
      for (const kind of ["dependencies", "peerDependencies"] as const)
        for (const [dep, range] of Object.entries(m[kind] ?? {}))
          if (dep.startsWith("@rump/"))
            expect(`${name} ${kind} ${dep} ${range}`).toMatch(/ \^\d+\.\d+\.\d+$/);
    }
    for (const name of KERNEL_PEERS) {
      expect(manifest(name).peerDependencies?.["@rump/librump"], name).toMatch(/^\^/);
      expect(manifest(name).dependencies?.["@rump/librump"], name).toBeUndefined();
    }
  });

  it("each package carries its LICENSE and its metadata", (ctx) => {
    if (skip) return ctx.skip(skip);
    const license = readFileSync(join(REPO, "LICENSE"), "utf8");
    expect(license).toContain("BSD 2-Clause License");
    for (const [dir, name] of PKGS) {
      const m = manifest(name);
      expect(readFileSync(join(installed(name), "LICENSE"), "utf8"), name).toBe(license);
      expect(m.license, name).toBe("BSD-2-Clause");
      expect(m.engines?.node, name).toBe(">=20");
      expect(m.repository, name).toEqual({
        type: "git",
        url: `git+${REPO_URL}.git`,
        directory: `packages/${dir}`,
      });
      expect(m.homepage, name).toBe(`${REPO_URL}/tree/main/packages/${dir}#readme`);
      expect(m.keywords?.length, name).toBeGreaterThan(2);
      expect(typeof m.sideEffects, name).toBe("boolean");
      expect(m.publishConfig, name).toEqual({ access: "public", provenance: true });
      expect(existsSync(join(installed(name), "README.md")), name).toBe(true);
    }
  });

  it("source maps point at sources the package ships, and carry no second copy", (ctx) => {
    if (skip) return ctx.skip(skip);
    let maps = 0;
    for (const name of PKGS.values()) {
      const root = installed(name);
      const files: string[] = [];
      const walk = (d: string): void => {
        for (const e of readdirSync(d)) {
          const p = join(d, e);
          if (statSync(p).isDirectory()) walk(p);
          else files.push(p);
        }
      };
      walk(join(root, "dist"));
      for (const js of files.filter((f) => f.endsWith(".js"))) {
        const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(js, "utf8"))?.[1];
        if (url !== undefined) expect(existsSync(resolve(dirname(js), url)), js).toBe(true);
      }
      for (const map of files.filter((f) => f.endsWith(".map"))) {
        maps++;
        const m = JSON.parse(readFileSync(map, "utf8")) as {
          sources: string[];
          sourcesContent?: unknown;
        };
        expect(m.sourcesContent, map).toBeUndefined();
        for (const s of m.sources) {
          const p = resolve(dirname(map), s);
          expect(relative(root, p).startsWith(".." + sep), `${map}: ${s}`).toBe(false);
          expect(existsSync(p), `${relative(PROJECT, map)}: ${s}`).toBe(true);
        }
      }
    }
    expect(maps).toBeGreaterThanOrEqual(PKGS.size);
  });

  it("require() works from CommonJS, and gives the module import gives", async (ctx) => {
    if (skip) return ctx.skip(skip);
    const caller = join(PROJECT, "caller.cjs");
    writeFileSync(
      caller,
      [
        ...[...PKGS.values()].map((n) => `require(${JSON.stringify(n)});`),
        'const { openTmpfs, RumpError } = require("@rump/ukfs");',
        "const fs = openTmpfs();",
        'fs.writeFile("/a", "from require");',
        'console.log(fs.readFile("/a", "utf8"));',
        "fs.close();",
        'import("@rump/ukfs").then((m) => console.log(m.RumpError === RumpError));',
      ].join("\n"),
    );
    const r = await run([process.execPath, caller], { cwd: PROJECT });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("from require\ntrue\n");
  });

  it.runIf(`${process.platform}-${process.arch}` === "linux-x64")(
    "loads the prebuilt addon though no install script ran",
    async (ctx) => {
      if (skip) return ctx.skip(skip);
      const rumpuser = installed("@rump/rumpuser");
      expect(existsSync(join(rumpuser, "prebuilds", "linux-x64", "node.napi.glibc.node"))).toBe(
        true,
      );
      expect(existsSync(join(rumpuser, "build"))).toBe(false);
      const r = await statusIn("@rump/rumpuser", "nativeStatus", PROJECT);
      expect(r.stderr).toBe("");
      expect(JSON.parse(r.stdout)).toEqual({
        loaded: true,
        reason: `loaded ${join(rumpuser, "prebuilds", "linux-x64", "node.napi.glibc.node")}`,
      });
      // and where install scripts run, the install script builds nothing
      const install = await run([process.execPath, "scripts/build-native.mjs"], { cwd: rumpuser });
      expect(install.status, install.stderr).toBe(0);
      expect(install.stdout).toBe(
        "@rump/rumpuser: using the prebuilt addon prebuilds/linux-x64/node.napi.glibc.node\n",
      );
      expect(existsSync(join(rumpuser, "build"))).toBe(false);
    },
  );

  it("the READMEs' examples run against the installed packages and print what they show", async (ctx) => {
    if (skip) return ctx.skip(skip);
    const examples = [...PKGS.values()]
      .filter((name) => name !== FUSE_EXAMPLES)
      .flatMap((name) =>
        readmeExamples(readFileSync(join(installed(name), "README.md"), "utf8")).map((ex) => ({
          name,
          ex,
        })),
      );
    expect(examples.length).toBeGreaterThanOrEqual(PKGS.size - 1);
    // two at a time: a machine of two cores
    const results: Array<Awaited<ReturnType<typeof runExample>>> = [];
    for (let i = 0; i < examples.length; i += 2)
      results.push(
        ...(await Promise.all(examples.slice(i, i + 2).map((e) => runExample(PROJECT, e.ex)))),
      );
    examples.forEach(({ name, ex }, i) => {
      const r = results[i]!;
      const where = `${name} README, line ${ex.line}`;
      expect(r.stderr, where).toBe("");
      expect(r.status, where).toBe(0);
      expect(r.stdout, where).toBe(ex.expected ?? "");
    });
  }, 120_000);
});

describe("a platform without a prebuilt binary", () => {
  it("warns naming npm rebuild; npm rebuild builds the addon with npm's node-gyp, leaving nothing beside it", async (ctx) => {
    if (skip) return ctx.skip(skip);
    const missing = await npmInstall(BARE, ["--ignore-scripts", tarballs.get("@rump/rumpuser")!]);
    if (missing !== null) return ctx.skip(missing);
    const rumpuser = installed("@rump/rumpuser", BARE);
    rmSync(join(rumpuser, "prebuilds"), { recursive: true, force: true });
    const status = (): Promise<Run> => statusIn("@rump/rumpuser", "nativeStatus", BARE);
    const before = await status();
    expect(JSON.parse(before.stdout).loaded).toBe(false);
    expect(before.stderr).toMatch(
      /^@rump\/rumpuser: native addon unavailable \(.*build it with `npm rebuild @rump\/rumpuser`.*\); image locks/,
    );
    const compiler =
      (await run(["c++", "--version"])).status === 0 &&
      (await run(["python3", "--version"])).status === 0;
    if (!compiler)
      return ctx.skip("skipped the build: no C++ compiler or python3 (node-gyp needs both)");
    const rebuilt = await run(["npm", "rebuild", "@rump/rumpuser", "--foreground-scripts"], {
      cwd: BARE,
    });
    expect(rebuilt.status, rebuilt.stdout + rebuilt.stderr).toBe(0);
    const after = await status();
    expect(after.stderr).toBe("");
    expect(JSON.parse(after.stdout)).toEqual({
      loaded: true,
      reason: `loaded ${join(rumpuser, "build", "Release", "rumpuser.node")}`,
    });
    const pkgs = installedPackages(BARE);
    expect([...pkgs.keys()].sort()).toEqual(["@rump/rumpuser", "node-addon-api"]);
    expect(readdirSync(join(BARE, "node_modules", "@rump"))).toEqual(["rumpuser"]);
  }, 180_000);
});

describe("@rump/p2k without an install script", () => {
  const status = (): Promise<Run> => statusIn("@rump/p2k", "p2kStatus", PROJECT);

  it("imports without its FUSE addon, and mount() rejects naming what to install and `npm rebuild @rump/p2k`", async (ctx) => {
    if (skip) return ctx.skip(skip);
    const p2k = installed("@rump/p2k");
    expect(existsSync(join(p2k, "build"))).toBe(false);
    const r = await runModule(
      [
        'import { mount, P2kUnavailableError } from "@rump/p2k";',
        'import { openTmpfs } from "@rump/ukfs";',
        "const fs = openTmpfs();",
        'try { await mount(fs, "."); console.log("mounted"); }',
        "catch (e) { console.log(e instanceof P2kUnavailableError, e.code); console.log(e.message); }",
        "fs.close();",
      ].join("\n"),
      PROJECT,
    );
    expect(r.stderr).toBe("");
    const [kind, message] = r.stdout.split("\n");
    expect(kind).toBe("true ENXIO");
    expect(message).toContain(
      `the FUSE addon ${join(p2k, "build", "Release", "p2k.node")} is missing`,
    );
    expect(message).toContain("apt install fuse3 libfuse3-dev pkg-config");
    expect(message).toContain("build it with `npm rebuild @rump/p2k`");
  });

  it("npm rebuild @rump/p2k builds the addon with npm's node-gyp; then the README's example runs", async (ctx) => {
    if (skip) return ctx.skip(skip);
    if (process.platform !== "linux")
      return ctx.skip("skipped: FUSE through libfuse3 is Linux only");
    const tools =
      (await run(["c++", "--version"])).status === 0 &&
      (await run(["python3", "--version"])).status === 0 &&
      (await run(["pkg-config", "--exists", "fuse3"])).status === 0;
    if (!tools)
      return ctx.skip(
        "skipped: no C++ compiler, python3 or libfuse3's headers (pkg-config fuse3) to build the addon",
      );
    const rebuilt = await run(["npm", "rebuild", "@rump/p2k", "--foreground-scripts"], {
      cwd: PROJECT,
    });
    expect(rebuilt.status, rebuilt.stdout + rebuilt.stderr).toBe(0);
    expect(rebuilt.stdout).toContain("@rump/p2k: FUSE addon built (build/Release/p2k.node)");
    const after = await status();
    expect(after.stderr).toBe("");
    expect(JSON.parse(after.stdout).available).toBe(true);
    // the build left nothing beside the package
    expect([...installedPackages(PROJECT).keys()].sort()).toEqual(
      [...PKGS.values(), "node-addon-api"].sort(),
    );

    if (!existsSync("/dev/fuse")) return ctx.skip("skipped the example: /dev/fuse is missing");
    if ((await run(["fusermount3", "-V"])).status !== 0)
      return ctx.skip("skipped the example: fusermount3 is missing (apt install fuse3)");
    const examples = readmeExamples(
      readFileSync(join(installed("@rump/p2k"), "README.md"), "utf8"),
    );
    expect(examples.length).toBeGreaterThan(0);
    for (const ex of examples) {
      const r = await runExample(PROJECT, ex);
      const where = `@rump/p2k README, line ${ex.line}`;
      expect(r.stderr, where).toBe("");
      expect(r.status, where).toBe(0);
      expect(r.stdout, where).toBe(ex.expected ?? "");
    }
  }, 180_000);
});
