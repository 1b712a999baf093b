/**
 * Test-only access to FFS images in memory (through the layout modules of
 * src/ufs): find inodes by path, read and change inodes, list directory
 * entries with their byte offsets — enough to corrupt an image on purpose.
 * Also: make images with makefs from a host tree when makefs is installed.
 */
/// <reference types="node" />
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, symlinkSync, linkSync, writeFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import {
  DINODE_SIZE,
  ffs_sb_parse,
  type Fs,
  ino_to_fsba,
  ino_to_fsbo,
  SBLOCKSEARCH,
} from "../../src/ufs/ffs/fs.js";
import { Dinode, dinode_parse, dinode_serialize } from "../../src/ufs/ufs/dinode.js";
import { Direct, DIRBLKSIZ, direct_name, direct_parse } from "../../src/ufs/ufs/dir.js";

export interface Entry {
  name: string;
  ino: number;
  /** byte offset of the entry in the image */
  off: number;
}

export class FfsImage {
  readonly fs: Fs;
  constructor(readonly img: Uint8Array) {
    let fs: Fs | null = null;
    for (const loc of SBLOCKSEARCH) {
      const f = ffs_sb_parse(img.subarray(loc, loc + 8192), loc);
      if (f !== null && (!f.ufs2 || f.fs_sblockloc === loc) && (f.ufs2 || loc === 8192)) {
        fs = f;
        break;
      }
    }
    if (fs === null) throw new Error("no superblock");
    this.fs = fs;
  }
  get sblockloc(): number {
    return this.fs.fs_sblockloc;
  }
  inodeOff(ino: number): number {
    const fs = this.fs;
    return ino_to_fsba(fs, ino) * fs.fs_fsize + ino_to_fsbo(fs, ino) * DINODE_SIZE(fs);
  }
  inode(ino: number): Dinode {
    return dinode_parse(this.img, this.inodeOff(ino), this.fs.ufs2, this.fs.le, new Dinode());
  }
  writeInode(ino: number, d: Dinode): void {
    dinode_serialize(d, this.img, this.inodeOff(ino), this.fs.ufs2, this.fs.le);
  }
  /** Entries of a directory (direct blocks only: enough for test trees). */
  entries(dir: number): Entry[] {
    const fs = this.fs;
    const d = this.inode(dir);
    const out: Entry[] = [];
    const de = new Direct();
    for (let pos = 0; pos < d.di_size; pos += DIRBLKSIZ) {
      const blk = d.di_db[Math.floor(pos / fs.fs_bsize)]!;
      const base = blk * fs.fs_fsize + (pos % fs.fs_bsize);
      for (let o = base; o < base + DIRBLKSIZ;) {
        direct_parse(this.img, o, fs.le, false, de);
        if (de.d_reclen === 0) break;
        if (de.d_ino !== 0)
          out.push({ name: direct_name(this.img, o, de.d_namlen), ino: de.d_ino, off: o });
        o += de.d_reclen;
      }
    }
    return out;
  }
  lookup(path: string): number {
    let ino = 2;
    for (const part of path.split("/").filter((p) => p !== "")) {
      const e = this.entries(ino).find((x) => x.name === part);
      if (e === undefined) throw new Error(`${path}: no ${part}`);
      ino = e.ino;
    }
    return ino;
  }
  /** Byte offset of cylinder group c's block. */
  cgOff(c: number): number {
    const fs = this.fs;
    return (fs.fs_fpg * c + fs.fs_cblkno) * fs.fs_fsize;
  }
}

export function haveMakefs(): boolean {
  return spawnSync("makefs", [], { stdio: "ignore" }).error === undefined;
}

/** A small tree with the file sizes, links and names the FFS issue lists. */
export function makeTree(dir: string, bigSize = 600_000): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "sub/deeper"), { recursive: true });
  const bytes = (n: number): Uint8Array => {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = (i * 131 + 7) & 0xff;
    return b;
  };
  for (const n of [0, 1, 511, 512, 4095, 4096, 65537]) writeFileSync(join(dir, `f${n}`), bytes(n));
  writeFileSync(join(dir, "big"), bytes(bigSize));
  writeFileSync(join(dir, "n".repeat(200)), "long name");
  writeFileSync(join(dir, "sub/deeper/file"), "hi\n");
  linkSync(join(dir, "f1"), join(dir, "hardlink"));
  symlinkSync("f1", join(dir, "shortlink"));
  symlinkSync("L".repeat(300), join(dir, "longlink"));
  spawnSync("mkfifo", [join(dir, "fifo")], { stdio: "ignore" }); // optional
}

/** makefs -t ffs into `path` from `tree`; returns the image bytes. */
export function makefs(path: string, tree: string, opts: string, extra: string[] = []): Uint8Array {
  rmSync(path, { force: true });
  const r = spawnSync("makefs", ["-t", "ffs", ...extra, "-o", opts, path, tree]);
  if (r.status !== 0) throw new Error(`makefs failed: ${String(r.stderr)}`);
  return new Uint8Array(readFileSync(path));
}
