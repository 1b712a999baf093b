/**
 * The START section of `pnpm bench`: whole processes, start to exit, against
 * `node -e 0` in the same rounds. `fsu ls -l` of a small image is the
 * issue's start-up target (≤ 1.3× the time of `node -e 0`); a user's
 * program that imports the packages, boots a kernel, mounts tmpfs and
 * touches one file shows the library's start-up.
 *
 * Timed with hyperfine when it is installed (`hyperfine -N`, no shell), else
 * with spawnSync; either way in `reps` rounds of `startRuns` runs, the order
 * of the commands rotating each round so that a busy moment of the machine
 * weighs on all of them, and the median of all runs reported.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { errText, fsuCommand, mke2fs, which, type DiskCtx } from "./disk.js";
import { makeFfsImage } from "./targets/disk.js";

const MiB = 1024 * 1024;
const here = dirname(fileURLToPath(import.meta.url));

interface Cmd {
  id: string;
  argv: string[];
}

/** Seconds of each run of each command (by id), `runs` per round, `rounds` rounds. */
function timeCommands(
  cmds: Cmd[],
  rounds: number,
  runs: number,
  dir: string,
): Map<string, number[]> {
  const times = new Map<string, number[]>(cmds.map((c) => [c.id, []]));
  const hf = which("hyperfine");
  for (let r = 0; r < rounds; r++) {
    const order = cmds.map((_, k) => cmds[(r + k) % cmds.length]!);
    if (hf !== null) {
      const json = join(dir, "hyperfine.json");
      const quote = (a: string): string => `'${a.replace(/'/g, `'\\''`)}'`;
      const p = spawnSync(
        hf,
        [
          "-N",
          "--style",
          "none",
          "--warmup",
          "2",
          "--runs",
          String(runs),
          "--export-json",
          json,
          ...order.map((c) => c.argv.map(quote).join(" ")),
        ],
        { encoding: "utf8" },
      );
      if (p.status !== 0)
        throw new Error(
          `hyperfine exited ${p.status}: ${(p.stderr || "").trim().split("\n").pop()}`,
        );
      const res = (JSON.parse(fs.readFileSync(json, "utf8")) as { results: { times: number[] }[] })
        .results;
      order.forEach((c, i) => times.get(c.id)!.push(...res[i]!.times));
    } else {
      for (const c of order) {
        for (let i = -2; i < runs; i++) {
          const t0 = performance.now();
          const p = spawnSync(c.argv[0]!, c.argv.slice(1), { stdio: "ignore" });
          const dt = (performance.now() - t0) / 1000;
          if (p.status !== 0) throw new Error(`${c.id} exited ${p.status}`);
          if (i >= 0) times.get(c.id)!.push(dt);
        }
      }
    }
  }
  return times;
}

export function startSection(c: DiskCtx): void {
  const { rows, log, z } = c;
  const BASE = "node -e 0";
  rows.add("START", "START fsu ls -l", "fsu ls -l / of a 16 MiB image (20 files)", "s", BASE, {
    within: 1.3,
  });
  rows.add(
    "START",
    "START librump",
    "a user's program: import, boot, mount tmpfs, one file",
    "s",
    BASE,
    { within: 1.3 }, // the issue asks the same of the library as of the CLI
  );
  const fsu = fsuCommand();
  const node = process.execPath;
  // a small image: mke2fs -d of 20 small files, else an empty FFS of ours
  const image = join(c.dir, "start.img");
  const mk = which("mke2fs");
  if (mk !== null) {
    const src = join(c.dir, "start-tree");
    fs.mkdirSync(src);
    for (let i = 0; i < 20; i++) fs.writeFileSync(join(src, `f${i}`), `file ${i}\n`);
    mke2fs(mk, image, 16 * MiB, src);
    fs.rmSync(src, { recursive: true });
  } else makeFfsImage(image, 16 * MiB);
  const cmds: Cmd[] = [{ id: BASE, argv: [node, "-e", "0"] }];
  if ("missing" in fsu) rows.na("START fsu ls -l", fsu.missing);
  else cmds.push({ id: "fsu", argv: [...fsu.argv, "ls", "-l", image, "/"] });
  cmds.push({ id: "user", argv: [node, resolve(here, "startup-user.mjs")] });
  log(`START: ${cmds.map((x) => x.id).join(", ")}: ${c.reps} round(s) of ${z.startRuns} runs`);
  try {
    const t = timeCommands(cmds, c.reps, z.startRuns, c.dir);
    for (const v of t.get(BASE)!) {
      rows.base("START fsu ls -l", v, true);
      rows.base("START librump", v, true);
    }
    for (const v of t.get("fsu") ?? []) rows.ours("START fsu ls -l", v, true);
    for (const v of t.get("user")!) rows.ours("START librump", v, true);
  } catch (e) {
    for (const id of ["START fsu ls -l", "START librump"]) rows.na(id, errText(e));
  }
  c.notes.add(
    `start: whole processes timed with ${which("hyperfine") !== null ? "hyperfine -N" : "spawnSync (hyperfine not installed)"}, ${c.reps} round(s) of ${z.startRuns} runs each after 2 warm-up runs, commands rotating; medians`,
  );
}
