/**
 * The one interface every file system under test implements, so that each
 * workload is written once. Adapters are thin: one call of the target's own
 * synchronous API per method, the same buffers and sizes everywhere, no
 * caching or batching on any side.
 */
export interface FsTarget {
  /** column name in the table */
  readonly name: TargetName;
  /** an empty directory (absolute path, as the target spells it) that the workloads work in */
  readonly root: string;
  /** a remark for the report (where the files are), or "" */
  readonly note: string;

  /** open for writing, creating or truncating (O_WRONLY|O_CREAT|O_TRUNC, mode 0644); returns a descriptor */
  openWrite(path: string): number;
  /** open read-only; returns a descriptor */
  openRead(path: string): number;
  close(fd: number): void;
  /** write `n` bytes of `buf` at the current offset; returns the count written */
  write(fd: number, buf: Uint8Array, n: number): number;
  /** read up to `n` bytes into `buf` at the current offset; returns the count read */
  read(fd: number, buf: Uint8Array, n: number): number;
  /** read up to `n` bytes at `off` without moving the offset */
  pread(fd: number, buf: Uint8Array, n: number, off: number): number;
  /** stat(2) by path; returns st_mode (the whole stat structure is built, as a user gets it) */
  stat(path: string): number;
  /** the names in a directory, without "." and ".." */
  readdir(path: string): string[];
  unlink(path: string): void;
  mkdir(path: string): void;
  rmdir(path: string): void;
  /** release everything (unmount, remove the host directory) */
  dispose(): void;
}

export type TargetName = "tmpfs" | "memfs" | "node";
export const TARGET_NAMES: readonly TargetName[] = ["tmpfs", "memfs", "node"];
