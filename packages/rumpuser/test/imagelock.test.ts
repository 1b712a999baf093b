/**
 * Image locks (src/hosts/imagelock.ts). Done when: a second process is refused
 * write access to an image the first holds — with the addon and without it
 * (RUMPUSER_NATIVE=0 in the child, the pure-JS path forced in the parent).
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { lockImage, lockImageUsing, type ImageLock } from "../src/hosts/imagelock.js";
import { native, nativeStatus, type NativeBinding } from "../src/native.js";

const EAGAIN = 35;
const here = dirname(fileURLToPath(import.meta.url));
const CHILD = join(here, "imagelock.child.ts");
const REPO = join(here, "..", "..", "..");

interface Holder {
  proc: ChildProcessWithoutNullStreams;
  pid: number;
  native: boolean;
  r: number;
  why: string;
}

const children: Holder[] = [];
let dir = "";
let image = "";
const fds: number[] = [];
const locks: ImageLock[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "imagelock-"));
  image = join(dir, "disk.img");
  writeFileSync(image, new Uint8Array(64 * 1024));
});

afterEach(async () => {
  try {
    for (const l of locks.splice(0)) l.release();
    for (const fd of fds.splice(0)) closeSync(fd);
  } finally {
    await Promise.all(children.splice(0).map(stop));
    rmSync(dir, { recursive: true, force: true });
  }
});

function open(mode: "r" | "r+", path = image): number {
  const fd = openSync(path, mode);
  fds.push(fd);
  return fd;
}

function take(
  binding: NativeBinding | null,
  exclusive: boolean,
  path = image,
  why = { v: "" },
): ImageLock | number {
  const r = lockImageUsing(binding, path, open(exclusive ? "r+" : "r", path), exclusive, why);
  if (typeof r !== "number") locks.push(r);
  return r;
}

/** A child that takes the lock and holds it until stop(). */
function hold(mode: "rw" | "ro", useNative: boolean, path = image): Promise<Holder> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (useNative) delete env.RUMPUSER_NATIVE;
  else env.RUMPUSER_NATIVE = "0";
  const proc = spawn(process.execPath, ["--import", "tsx", CHILD, path, mode], { cwd: REPO, env });
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(
      () => reject(new Error(`child did not report in time: ${err}`)),
      15_000,
    );
    proc.stderr.on("data", (d: Buffer) => (err += d.toString()));
    proc.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf("\n");
      if (nl < 0) return;
      clearTimeout(timer);
      const h = { proc, ...(JSON.parse(out.slice(0, nl)) as Omit<Holder, "proc">) };
      children.push(h);
      resolve(h);
    });
    proc.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`child exited (${code}) before reporting: ${err}`));
    });
  });
}

function stop(h: Holder): Promise<void> {
  if (h.proc.exitCode !== null || h.proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => h.proc.kill("SIGKILL"), 5_000);
    h.proc.on("exit", () => {
      clearTimeout(kill);
      resolve();
    });
    h.proc.stdin.end();
  });
}

async function release(h: Holder): Promise<void> {
  await stop(h);
  children.splice(children.indexOf(h), 1);
}

const nativeReason = nativeStatus().reason;
const modes = [
  { name: "with the addon", useNative: true, binding: native, skip: native === null },
  { name: "without the addon (RUMPUSER_NATIVE=0)", useNative: false, binding: null, skip: false },
] as const;

for (const m of modes) {
  describe.skipIf(m.skip)(`image locks across processes, ${m.name}`, () => {
    if (m.skip) console.warn(`skipped: native addon not loaded: ${nativeReason}`);

    it("refuses a second writer, and a reader, while another process writes", async () => {
      const child = await hold("rw", m.useNative);
      expect(child.r).toBe(0);
      expect(child.native).toBe(m.useNative);

      const why = { v: "" };
      expect(take(m.binding, true, image, why)).toBe(EAGAIN);
      expect(why.v).toBe(
        `${image}: image is in use read-write by another ${m.useNative ? "process" : "rump kernel"} (pid ${child.pid})`,
      );
      why.v = "";
      expect(take(m.binding, false, image, why)).toBe(EAGAIN);
      expect(why.v).toContain(image);
      expect(why.v).toContain(`pid ${child.pid}`);

      await release(child);
      expect(typeof take(m.binding, true)).toBe("object");
    });

    it("lets readers share, and a writer in after them", async () => {
      const child = await hold("ro", m.useNative);
      expect(child.r).toBe(0);
      expect(typeof take(m.binding, false)).toBe("object");
      locks.splice(0).forEach((l) => l.release());

      const why = { v: "" };
      const w = take(m.binding, true, image, why);
      if (m.useNative) {
        // flock sees the reader
        expect(w).toBe(EAGAIN);
        expect(why.v).toBe(`${image}: image is open read-only elsewhere (pid ${child.pid})`);
      } else {
        // the documented limit of the fallback: a reader in another process leaves no trace
        expect(typeof w).toBe("object");
      }
      locks.splice(0).forEach((l) => l.release());
      await release(child);
      expect(typeof take(m.binding, true)).toBe("object");
    });

    it("refuses a second process while this one writes", async () => {
      expect(typeof take(m.binding, true)).toBe("object");
      const child = await hold("rw", m.useNative);
      expect(child.r).toBe(EAGAIN);
      expect(child.why).toContain(`${image}: image is in use read-write by another`);
      expect(child.why).toContain(`pid ${process.pid}`);
    });
  });
}

describe.skipIf(native === null || process.platform !== "linux")(
  "image locks across processes, one with the addon and one without",
  () => {
    it("a writer without the addon sees a writer with it (/proc/locks)", async () => {
      const child = await hold("rw", true);
      expect(child.native).toBe(true);
      const why = { v: "" };
      expect(take(null, true, image, why)).toBe(EAGAIN);
      expect(why.v).toBe(
        `${image}: image is in use read-write by another process (pid ${child.pid})`,
      );
      expect(take(null, false, image, why)).toBe(EAGAIN);
    });

    it("a writer with the addon sees a writer without it (the lock file)", async () => {
      const child = await hold("rw", false);
      expect(child.native).toBe(false);
      const why = { v: "" };
      expect(take(native, true, image, why)).toBe(EAGAIN);
      expect(why.v).toBe(
        `${image}: image is in use read-write by another rump kernel (pid ${child.pid})`,
      );
      expect(take(native, false, image, why)).toBe(EAGAIN);
    });
  },
);

describe("image locks in one process (two kernels)", () => {
  for (const m of modes) {
    it.skipIf(m.skip)(`conflict on the same file, whatever its name, ${m.name}`, () => {
      const alias = join(dir, "alias.img");
      symlinkSync(image, alias);
      const why = { v: "" };
      const a = take(m.binding, true);
      expect(typeof a).toBe("object");
      expect(take(m.binding, true, alias, why)).toBe(EAGAIN);
      expect(why.v).toBe(
        `${alias}: image is in use read-write by another rump kernel in this process`,
      );
      expect(take(m.binding, false, image, why)).toBe(EAGAIN);
      (a as ImageLock).release();
      (a as ImageLock).release(); // idempotent

      expect(typeof take(m.binding, false)).toBe("object");
      expect(typeof take(m.binding, false, alias)).toBe("object");
      expect(take(m.binding, true, image, why)).toBe(EAGAIN);
      expect(why.v).toBe(
        `${image}: image is open read-only by another rump kernel in this process`,
      );
      locks.splice(0).forEach((l) => l.release());
      expect(typeof take(m.binding, true, alias)).toBe("object");
    });
  }

  it.skipIf(native === null)("lockImage uses the addon when it is loaded", () => {
    const l = lockImage(image, open("r+"), true, { v: "" });
    expect(typeof l).toBe("object");
    locks.push(l as ImageLock);
    // a writer with the addon leaves no lock file; the pure-JS path does
    expect(existsSync(`${image}.rumplock`)).toBe(false);
  });
});

describe("the pure-JS fallback's lock file", () => {
  it("holds '<pid> <host>' while locked and is removed on release", () => {
    const l = take(null, true) as ImageLock;
    expect(readFileSync(`${image}.rumplock`, "utf8")).toMatch(
      new RegExp(`^${process.pid} \\S+\\n$`),
    );
    l.release();
    expect(existsSync(`${image}.rumplock`)).toBe(false);
  });

  it("takes over a lock file whose process is gone", async () => {
    const gone = spawn(process.execPath, ["-e", ""]);
    const pid = gone.pid!;
    await new Promise((r) => gone.on("exit", r));
    writeFileSync(`${image}.rumplock`, `${pid}\n`);
    const why = { v: "" };
    expect(typeof take(null, true, image, why)).toBe("object");
    expect(why.v).toBe("");
    expect(readFileSync(`${image}.rumplock`, "utf8").startsWith(`${process.pid} `)).toBe(true);
  });

  it("respects a lock file of a live process, also with the addon", () => {
    writeFileSync(`${image}.rumplock`, `${process.ppid}\n`);
    const why = { v: "" };
    expect(take(null, true, image, why)).toBe(EAGAIN);
    expect(why.v).toBe(
      `${image}: image is in use read-write by another rump kernel (pid ${process.ppid})`,
    );
    if (native !== null) {
      expect(take(native, false, image, why)).toBe(EAGAIN);
      expect(take(native, true, image, why)).toBe(EAGAIN);
    }
  });

  it.skipIf(process.platform !== "linux")(
    "locks in this process only where no lock file can be made, and says so",
    () => {
      // root ignores directory modes; /proc refuses new files to everyone
      const path = "/proc/self/cmdline";
      const why = { v: "" };
      const r = lockImageUsing(null, path, open("r", path), true, why);
      expect(typeof r).toBe("object");
      expect(why.v).toMatch(
        /^\/proc\/self\/cmdline: locked in this process only \(cannot create \/proc\/self\/cmdline\.rumplock: E[A-Z]+\)$/,
      );
      why.v = "";
      expect(lockImageUsing(null, path, open("r", path), true, why)).toBe(EAGAIN);
      (r as ImageLock).release();
    },
  );
});
