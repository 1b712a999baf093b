/**
 * The fuzz worker (a worker_threads Worker started by fuzz_runner.ts): maps
 * its base images, then runs the seeds it was given one by one, posting a
 * "start" message before each (the runner's watchdog), "end" with its
 * counts after it, "fail" for each failure and "done" at the end.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { CaseStats } from "./fuzz_case.js";
import type { ImageMap } from "./fuzz_images.js";
import type { FuzzJob, FuzzMessage } from "./fuzz_runner.js";

const job = workerData as FuzzJob;
const port = parentPort!;
const post = (m: FuzzMessage): void => port.postMessage(m);

/**
 * The runner's own test (fuzz_runner.test.ts): seed % 3 = 1 hangs, = 2 grows
 * the heap until the worker's limit, = 0 passes.
 */
function selftest(_m: ImageMap | null, seed: number): CaseStats {
  if (seed % 3 === 1) {
    let x = 1;
    while (x > 0) x = (x * 7) % 1_000_003;
  } else if (seed % 3 === 2) {
    const keep: number[][] = [];
    while (keep.length >= 0) keep.push(new Array<number>(1 << 16).fill(seed));
  }
  return { roMounted: true, rwMounted: true, calls: 1, errnos: 0 };
}

// the kernel is loaded only for real cases (the self-test starts faster without)
let runCase: (m: ImageMap, seed: number) => CaseStats = selftest;
let maps: ImageMap[] = [];
if (job.type !== "selftest") {
  const c = await import("./fuzz_case.js");
  const i = await import("./fuzz_images.js");
  runCase = c.runCase;
  // FFS: the given images (made by makefs), else our own newfs images
  if (job.type === "cd9660") {
    const cd = await import("./fuzz_cd9660.js");
    maps = job.images.map((x) => cd.mapCd9660(x.name, x.bytes));
  } else if (job.type === "msdos") {
    const fat = await import("./fuzz_fat_images.js");
    maps = job.images.map((x) => fat.mapFat(x.name, x.bytes));
  } else if (job.type === "ext4") {
    const e4 = await import("./fuzz_ext4_images.js");
    maps = job.images.map((x) => e4.mapExt4(x.name, x.bytes));
  } else
    maps =
      job.type === "ext2fs"
        ? job.images.map((x) => i.mapExt2(x.name, x.bytes))
        : job.images.length > 0
          ? job.images.map((x) => i.mapFfs(x.name, x.bytes))
          : i.FFS_VARIANTS.map((v) => i.mapFfs(v.name, i.buildFfsImage(v)));
}

/** external (ArrayBuffer) memory beyond this is runaway growth */
const MAX_EXTERNAL = 1536 << 20;
for (let i = 0; i < job.seeds.length; i++) {
  const seed = job.seeds[i]!;
  const m = maps.length > 0 ? maps[seed % maps.length]! : null;
  post({ t: "start", seed });
  try {
    const s = m === null ? selftest(null, seed) : runCase(m, seed);
    post({ t: "end", seed, ro: s.roMounted, rw: s.rwMounted, calls: s.calls });
  } catch (e) {
    const message = e instanceof Error ? (e.stack ?? e.message) : String(e);
    post({ t: "fail", seed, image: m?.name ?? job.type, message });
  }
  if (i % 32 === 31 && process.memoryUsage().arrayBuffers > MAX_EXTERNAL) {
    const image = m?.name ?? job.type;
    post({ t: "fail", seed, image, message: "external memory grew beyond 1.5 GiB" });
    break;
  }
}
post({ t: "done" });
