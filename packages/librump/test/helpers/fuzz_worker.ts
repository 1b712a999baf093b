/**
 * The fuzz worker (a worker_threads Worker started by fuzz_runner.ts): maps
 * its base images, then runs the seeds it was given one by one, posting a
 * "start" message before each (the runner's watchdog), a "fail" message
 * for each failure and "done" with the totals.
 */
import { parentPort, workerData } from "node:worker_threads";
import { runCase } from "./fuzz_case.js";
import { buildFfsImage, FFS_VARIANTS, type ImageMap, mapExt2, mapFfs } from "./fuzz_images.js";
import type { FuzzJob, FuzzMessage } from "./fuzz_runner.js";

const job = workerData as FuzzJob;
const port = parentPort!;
const post = (m: FuzzMessage): void => port.postMessage(m);

// FFS: the given images (made by makefs), else our own newfs images
const maps: ImageMap[] =
  job.type === "ext2fs"
    ? job.images.map((i) => mapExt2(i.name, i.bytes))
    : job.images.length > 0
      ? job.images.map((i) => mapFfs(i.name, i.bytes))
      : FFS_VARIANTS.map((v) => mapFfs(v.name, buildFfsImage(v)));

let roMounted = 0;
let rwMounted = 0;
let calls = 0;
/** external (ArrayBuffer) memory beyond this is runaway growth */
const MAX_EXTERNAL = 1536 << 20;
for (let i = 0; i < job.seeds.length; i++) {
  const seed = job.seeds[i]!;
  const m = maps[seed % maps.length]!;
  post({ t: "start", seed });
  try {
    const s = runCase(m, seed);
    if (s.roMounted) roMounted++;
    if (s.rwMounted) rwMounted++;
    calls += s.calls;
  } catch (e) {
    const message = e instanceof Error ? (e.stack ?? e.message) : String(e);
    post({ t: "fail", seed, image: m.name, message });
  }
  if (i % 32 === 31 && process.memoryUsage().arrayBuffers > MAX_EXTERNAL) {
    post({ t: "fail", seed, image: m.name, message: "external memory grew beyond 1.5 GiB" });
    break;
  }
}
post({ t: "done", roMounted, rwMounted, calls });
