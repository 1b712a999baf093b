/**
 * Node's fs (sync API) on the host: a fresh directory under /dev/shm (the
 * host kernel's tmpfs), removed by dispose() and, failing that, at exit.
 * Without /dev/shm it falls back to os.tmpdir() and says so in `note`.
 */
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FsTarget } from "./target.js";

const { O_WRONLY, O_CREAT, O_TRUNC, O_RDONLY } = fs.constants;
const WFLAGS = O_WRONLY | O_CREAT | O_TRUNC;

function hostBase(): { base: string; note: string } {
  try {
    if (fs.statSync("/dev/shm").isDirectory()) {
      fs.accessSync("/dev/shm", fs.constants.W_OK);
      return { base: "/dev/shm", note: "Node fs (sync) on /dev/shm" };
    }
  } catch {
    // fall through
  }
  const t = tmpdir();
  return {
    base: t,
    note: `Node fs (sync) on ${t}: /dev/shm is missing, so the host's disk may be involved`,
  };
}

export class NodeTarget implements FsTarget {
  readonly name = "node";
  readonly root: string;
  readonly note: string;
  private readonly cleanup = (): void => this.dispose();

  constructor() {
    const { base, note } = hostBase();
    this.root = fs.mkdtempSync(join(base, "rump-bench-"));
    this.note = `${note}, a fresh ${join(base, "rump-bench-XXXXXX")} per workload`;
    process.once("exit", this.cleanup);
  }

  openWrite(path: string): number {
    return fs.openSync(path, WFLAGS, 0o644);
  }
  openRead(path: string): number {
    return fs.openSync(path, O_RDONLY);
  }
  close(fd: number): void {
    fs.closeSync(fd);
  }
  write(fd: number, buf: Uint8Array, n: number): number {
    return fs.writeSync(fd, buf, 0, n);
  }
  read(fd: number, buf: Uint8Array, n: number): number {
    return fs.readSync(fd, buf, 0, n, null);
  }
  pread(fd: number, buf: Uint8Array, n: number, off: number): number {
    return fs.readSync(fd, buf, 0, n, off);
  }
  fsync(fd: number): void {
    fs.fsyncSync(fd);
  }
  stat(path: string): number {
    return fs.statSync(path).mode;
  }
  readdir(path: string): string[] {
    return fs.readdirSync(path);
  }
  unlink(path: string): void {
    fs.unlinkSync(path);
  }
  mkdir(path: string): void {
    fs.mkdirSync(path, 0o755);
  }
  rmdir(path: string): void {
    fs.rmdirSync(path);
  }
  dispose(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
    process.removeListener("exit", this.cleanup);
  }
}
