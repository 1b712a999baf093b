/** memfs (npm), a fresh Volume, through its synchronous fs API. */
import { Volume, fs as memfsFs } from "memfs";
import type { FsTarget } from "./target.js";

const { O_WRONLY, O_CREAT, O_TRUNC, O_RDONLY } = memfsFs.constants;
const WFLAGS = O_WRONLY | O_CREAT | O_TRUNC;

export class MemfsTarget implements FsTarget {
  readonly name = "memfs";
  readonly root = "/bench";
  readonly note = "memfs Volume (sync API)";
  readonly vol = new Volume();

  constructor() {
    this.vol.mkdirSync(this.root, 0o777);
  }

  openWrite(path: string): number {
    return this.vol.openSync(path, WFLAGS, 0o644);
  }
  openRead(path: string): number {
    return this.vol.openSync(path, O_RDONLY);
  }
  close(fd: number): void {
    this.vol.closeSync(fd);
  }
  write(fd: number, buf: Uint8Array, n: number): number {
    return this.vol.writeSync(fd, buf, 0, n);
  }
  read(fd: number, buf: Uint8Array, n: number): number {
    return this.vol.readSync(fd, buf, 0, n, null);
  }
  pread(fd: number, buf: Uint8Array, n: number, off: number): number {
    return this.vol.readSync(fd, buf, 0, n, off);
  }
  stat(path: string): number {
    return this.vol.statSync(path).mode;
  }
  readdir(path: string): string[] {
    return this.vol.readdirSync(path) as string[];
  }
  unlink(path: string): void {
    this.vol.unlinkSync(path);
  }
  mkdir(path: string): void {
    this.vol.mkdirSync(path, 0o755);
  }
  rmdir(path: string): void {
    this.vol.rmdirSync(path);
  }
  dispose(): void {
    this.vol.reset();
  }
}
