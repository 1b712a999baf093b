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
import { errText, fsuCommand, mke2fs, timedSpawn, which, type DiskCtx } from "./disk.js";
import { makeFfsImage } from "./targets/disk.js";

const MiB = 1024 * 1024;
const here = dirname(fileURLToPath(import.meta.url));

interface Cmd {
  id: string;
  argv: string[];
}

/** Seconds of each command (by id): wall time of every run, CPU time (user + system) per run or per round. */
interface Times {
  wall: number[];
  cpu: number[];
}

function timeCommands(cmds: Cmd[], rounds: number, runs: number, dir: string): Map<string, Times> {
  const times = new Map<string, Times>(cmds.map((c) => [c.id, { wall: [], cpu: [] }]));
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
      const res = (
        JSON.parse(fs.readFileSync(json, "utf8")) as {
          results: { times: number[]; user: number; system: number }[];
        }
      ).results;
      order.forEach((c, i) => {
        const t = times.get(c.id)!;
        t.wall.push(...res[i]!.times);
        t.cpu.push(res[i]!.user + res[i]!.system); // hyperfine gives the mean of the round
      });
    } else {
      for (const c of order) {
        for (let i = -2; i < runs; i++) {
          const t = timedSpawn(c.argv, c.id);
          if (i >= 0) {
            times.get(c.id)!.wall.push(t.wall);
            times.get(c.id)!.cpu.push(t.cpu);
          }
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
  rows.add(
    "START",
    "START fsu ls -l cpu",
    "CPU time (user + system) of the fsu ls -l runs",
    "s",
    BASE,
    { within: 1.3 },
  );
  rows.add("START", "START librump cpu", "CPU time of the user's program runs", "s", BASE, {
    within: 1.3,
  });
  const IDS = ["START fsu ls -l", "START librump", "START fsu ls -l cpu", "START librump cpu"];
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
  if ("missing" in fsu)
    for (const id of ["START fsu ls -l", "START fsu ls -l cpu"]) rows.na(id, fsu.missing);
  else cmds.push({ id: "fsu", argv: [...fsu.argv, "ls", "-l", image, "/"] });
  cmds.push({ id: "user", argv: [node, resolve(here, "startup-user.mjs")] });
  log(`START: ${cmds.map((x) => x.id).join(", ")}: ${c.reps} round(s) of ${z.startRuns} runs`);
  try {
    const t = timeCommands(cmds, c.reps, z.startRuns, c.dir);
    const base = t.get(BASE)!;
    for (const [id, cmd] of [
      ["START fsu ls -l", "fsu"],
      ["START librump", "user"],
    ] as const) {
      const ours = t.get(cmd);
      if (ours === undefined) continue;
      for (const v of base.wall) rows.base(id, v, true);
      for (const v of base.cpu) rows.base(`${id} cpu`, v, true);
      for (const v of ours.wall) rows.ours(id, v, true);
      for (const v of ours.cpu) rows.ours(`${id} cpu`, v, true);
    }
  } catch (e) {
    for (const id of IDS) rows.na(id, errText(e));
  }
  c.notes.add(
    `start: whole processes timed with ${which("hyperfine") !== null ? "hyperfine -N" : "spawnSync (hyperfine not installed)"}, ${c.reps} round(s) of ${z.startRuns} runs each after 2 warm-up runs, commands rotating; medians`,
  );
}
