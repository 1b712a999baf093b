/**
 * etfs (rump_etfs(3), librump.md §5): host files and directories inside the
 * kernel's name space, on a NodeHost over a temporary host directory.
 */
/// <reference types="node" />
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { NodeHost } from "@rump/rumpuser";
import {
  createSyscalls,
  EBUSY,
  EEXIST,
  EFBIG,
  EINVAL,
  EISDIR,
  ENOENT,
  ENOTDIR,
  EOPNOTSUPP,
  EROFS,
  O_CREAT,
  O_RDONLY,
  O_RDWR,
  O_WRONLY,
  S_IFBLK,
  S_IFCHR,
  S_IFDIR,
  S_IFMT,
  S_IFREG,
  SEEK_SET,
  type RumpSyscalls,
} from "@rump/syscalls";
import { createKernel } from "../src/rump/rump.js";
import type { Kernel } from "../src/rump/kernel.js";
import {
  RUMP_ETFS_BLK,
  RUMP_ETFS_CHR,
  RUMP_ETFS_DIR,
  RUMP_ETFS_DIR_SUBDIRS,
  RUMP_ETFS_REG,
  RUMP_ETFS_SIZE_ENDOFF,
} from "../src/rump/etfs.js";
import { bytes, errnoOf, listdir, readN, release, text } from "./helpers/kernel.js";

let dir = "";
const H = (p: string): string => join(dir, p);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "rump-etfs-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

interface T {
  k: Kernel;
  sys: RumpSyscalls;
}

/** A kernel on a NodeHost; a fresh host tree under `dir/<name>`. */
function bootNode(): T {
  const k = createKernel({ host: new NodeHost({ env: false, console: () => {} }) });
  onTestFinished(() => release(k));
  return { k, sys: createSyscalls(k) };
}

let serial = 0;
/** A new host file with `content`; returns its absolute path. */
function hostFile(content: string): string {
  const p = H(`f${serial++}`);
  writeFileSync(p, content);
  return p;
}

/**
 * A host tree: top/{a, sub/{b, deeper/{c}}}; returns the path of top.
 */
function hostTree(): string {
  const top = H(`tree${serial++}`);
  mkdirSync(join(top, "sub", "deeper"), { recursive: true });
  writeFileSync(join(top, "a"), "file a");
  writeFileSync(join(top, "sub", "b"), "file b");
  writeFileSync(join(top, "sub", "deeper", "c"), "file c");
  return top;
}

function readAll(sys: RumpSyscalls, path: string): string {
  const fd = sys.rump_sys_open(path, O_RDONLY);
  try {
    let s = "";
    for (;;) {
      const b = readN(sys, fd, 7); // small reads: several round trips
      if (b.length === 0) return s;
      s += text(b);
    }
  } finally {
    sys.rump_sys_close(fd);
  }
}

describe("REG keys", () => {
  it("read and write go through to the host file", () => {
    const { k, sys } = bootNode();
    const hp = hostFile("0123456789abcdefghij");
    expect(k.rump_pub_etfs_register("/data", hp, RUMP_ETFS_REG)).toBe(0);
    const st = sys.rump_sys_stat("/data");
    expect(st.st_mode & S_IFMT).toBe(S_IFREG);
    expect(st.st_size).toBe(20);
    expect(readAll(sys, "/data")).toBe("0123456789abcdefghij");
    const fd = sys.rump_sys_open("/data", O_RDWR);
    expect(sys.rump_sys_pwrite(fd, bytes("XYZ"), 3, 5)).toBe(3);
    expect(readFileSync(hp, "utf8")).toBe("01234XYZ89abcdefghij"); // no kernel caching
    writeFileSync(hp, "changed on the host, longer than before");
    const buf = new Uint8Array(100);
    expect(text(buf.subarray(0, sys.rump_sys_pread(fd, buf, 100, 0)))).toBe(
      "changed on the host, longer than before",
    );
    sys.rump_sys_close(fd);
    expect(sys.rump_sys_stat("/data").st_size).toBe(39);
  });

  it("a window: reads start at begin and stop at begin+size", () => {
    const { k, sys } = bootNode();
    const hp = hostFile("0123456789abcdefghij");
    expect(k.rump_pub_etfs_register_withsize("/win", hp, RUMP_ETFS_REG, 4, 6)).toBe(0);
    expect(sys.rump_sys_stat("/win").st_size).toBe(6);
    expect(readAll(sys, "/win")).toBe("456789");
    const fd = sys.rump_sys_open("/win", O_RDWR);
    const buf = new Uint8Array(16);
    expect(sys.rump_sys_pread(fd, buf, 16, 4)).toBe(2);
    expect(text(buf.subarray(0, 2))).toBe("89");
    expect(sys.rump_sys_pread(fd, buf, 16, 6)).toBe(0);
    expect(sys.rump_sys_pread(fd, buf, 16, 100)).toBe(0);
    // writes land at begin + offset and stay inside the window
    expect(sys.rump_sys_pwrite(fd, bytes("ab"), 2, 1)).toBe(2);
    expect(readFileSync(hp, "utf8")).toBe("01234ab789abcdefghij");
    expect(sys.rump_sys_pwrite(fd, bytes("WXYZ"), 4, 4)).toBe(2);
    expect(readFileSync(hp, "utf8")).toBe("01234ab7WXabcdefghij");
    expect(errnoOf(() => sys.rump_sys_pwrite(fd, bytes("Q"), 1, 6))).toBe(EFBIG);
    sys.rump_sys_close(fd);
    // to the end of the file from begin
    expect(
      k.rump_pub_etfs_register_withsize("/tail", hp, RUMP_ETFS_REG, 15, RUMP_ETFS_SIZE_ENDOFF),
    ).toBe(0);
    expect(readAll(sys, "/tail")).toBe("fghij");
    expect(k.rump_pub_etfs_register_withsize("/empty", hp, RUMP_ETFS_REG, 20, 0)).toBe(0);
    expect(readAll(sys, "/empty")).toBe("");
  });

  it("EINVAL when begin or begin+size lies beyond the host file", () => {
    const { k } = bootNode();
    const hp = hostFile("0123456789");
    expect(k.rump_pub_etfs_register_withsize("/a", hp, RUMP_ETFS_REG, 11, 0)).toBe(EINVAL);
    expect(k.rump_pub_etfs_register_withsize("/b", hp, RUMP_ETFS_REG, 5, 6)).toBe(EINVAL);
    expect(
      k.rump_pub_etfs_register_withsize("/c", hp, RUMP_ETFS_REG, 11, RUMP_ETFS_SIZE_ENDOFF),
    ).toBe(EINVAL);
    expect(k.rump_pub_etfs_register_withsize("/d", hp, RUMP_ETFS_REG, -1, 2)).toBe(EINVAL);
    expect(k.rump_pub_etfs_register_withsize("/e", hp, RUMP_ETFS_REG, 0, -5)).toBe(EINVAL);
    expect(k.rump_pub_etfs_register_withsize("/ok", hp, RUMP_ETFS_REG, 5, 5)).toBe(0);
  });

  it("the host path must exist (ENOENT) and be a file (EINVAL)", () => {
    const { k, sys } = bootNode();
    expect(k.rump_pub_etfs_register("/x", H("does-not-exist"), RUMP_ETFS_REG)).toBe(ENOENT);
    expect(k.rump_pub_etfs_register("/y", hostTree(), RUMP_ETFS_REG)).toBe(EINVAL);
    expect(errnoOf(() => sys.rump_sys_stat("/x"))).toBe(ENOENT);
  });
});

describe("keys", () => {
  it("must start with '/': EINVAL", () => {
    const { k } = bootNode();
    const hp = hostFile("x");
    expect(k.rump_pub_etfs_register("key", hp, RUMP_ETFS_REG)).toBe(EINVAL);
    expect(k.rump_pub_etfs_register("", hp, RUMP_ETFS_REG)).toBe(EINVAL);
    expect(k.rump_pub_etfs_remove("key")).toBe(EINVAL);
  });

  it("leading slashes collapse: '//k' is '/k'", () => {
    const { k, sys } = bootNode();
    const hp = hostFile("double slash");
    expect(k.rump_pub_etfs_register("//k", hp, RUMP_ETFS_REG)).toBe(0);
    expect(readAll(sys, "/k")).toBe("double slash");
    expect(k.rump_pub_etfs_register("/k", hp, RUMP_ETFS_REG)).toBe(EEXIST);
    expect(k.rump_pub_etfs_register("///k", hp, RUMP_ETFS_REG)).toBe(EEXIST);
    expect(k.rump_pub_etfs_remove("/k")).toBe(0);
    expect(errnoOf(() => sys.rump_sys_stat("/k"))).toBe(ENOENT);
  });

  it("the same key twice is EEXIST; a DIR key inside another DIR key too", () => {
    const { k } = bootNode();
    const hp = hostFile("x");
    const top = hostTree();
    expect(k.rump_pub_etfs_register("/twice", hp, RUMP_ETFS_REG)).toBe(0);
    expect(k.rump_pub_etfs_register("/twice", hostFile("y"), RUMP_ETFS_REG)).toBe(EEXIST);
    expect(k.rump_pub_etfs_register("/d", top, RUMP_ETFS_DIR)).toBe(0);
    expect(k.rump_pub_etfs_register("/d/sub", join(top, "sub"), RUMP_ETFS_DIR)).toBe(EEXIST);
  });

  it("keys are not listed by readdir of the root", () => {
    const { k, sys } = bootNode();
    expect(k.rump_pub_etfs_register("/hidden", hostFile("x"), RUMP_ETFS_REG)).toBe(0);
    expect(k.rump_pub_etfs_register("/hdir", hostTree(), RUMP_ETFS_DIR)).toBe(0);
    expect(sys.rump_sys_stat("/hidden").st_size).toBe(1);
    expect(listdir(sys, "/").sort()).toEqual([".", "..", "dev", "tmp"]);
  });

  it("a multi-component key wins over rumpfs's own entries", () => {
    const { k, sys } = bootNode();
    expect(k.rump_pub_etfs_register("/dev/harddisk", hostFile("disk"), RUMP_ETFS_REG)).toBe(0);
    expect(k.rump_pub_etfs_register("/dev/null", hostFile("not null"), RUMP_ETFS_REG)).toBe(0);
    expect(readAll(sys, "/dev/harddisk")).toBe("disk");
    expect(readAll(sys, "/dev/null")).toBe("not null"); // the key, not the device
    expect(sys.rump_sys_stat("/dev/zero").st_rdev).not.toBe(0); // the rest of /dev is there
    expect(listdir(sys, "/dev")).not.toContain("harddisk");
    // compared byte for byte: "/dev//harddisk" is not the key
    expect(errnoOf(() => sys.rump_sys_stat("/dev//harddisk"))).toBe(ENOENT);
    expect(k.rump_pub_etfs_remove("/dev/null")).toBe(0);
    expect(sys.rump_sys_read(sys.rump_sys_open("/dev/null", O_RDONLY), new Uint8Array(4))).toBe(0);
  });

  it("BLK and CHR keys are rumpblk devices (major 197) over the host file", () => {
    const { k, sys } = bootNode();
    const hp = hostFile("s".repeat(512) + "t".repeat(512));
    expect(k.rump_pub_etfs_register("/blk", hp, RUMP_ETFS_BLK)).toBe(0);
    expect(k.rump_pub_etfs_register_withsize("/chr", hp, RUMP_ETFS_CHR, 512, 512)).toBe(0);
    const b = sys.rump_sys_stat("/blk");
    const c = sys.rump_sys_stat("/chr");
    expect(b.st_mode & S_IFMT).toBe(S_IFBLK);
    expect(c.st_mode & S_IFMT).toBe(S_IFCHR);
    expect(b.st_rdev >>> 8).toBe(197); // NetBSD major(): bits 8-19
    expect(c.st_rdev >>> 8).toBe(197);
    const fd = sys.rump_sys_open("/chr", O_RDONLY);
    const buf = new Uint8Array(512);
    expect(sys.rump_sys_read(fd, buf)).toBe(512);
    expect(text(buf)).toBe("t".repeat(512)); // the window starts at 512
    sys.rump_sys_close(fd);
    expect(k.rump_pub_etfs_register("/bad", hp, 5)).toBe(EINVAL);
    expect(k.rump_pub_etfs_register("/dirblk", hostTree(), RUMP_ETFS_BLK)).toBe(EINVAL);
  });
});

describe("DIR and DIR_SUBDIRS keys", () => {
  it("DIR shows the immediate children but does not descend", () => {
    const { k, sys } = bootNode();
    const top = hostTree();
    expect(k.rump_pub_etfs_register("/host", top, RUMP_ETFS_DIR)).toBe(0);
    expect(sys.rump_sys_stat("/host").st_mode & S_IFMT).toBe(S_IFDIR);
    expect(readAll(sys, "/host/a")).toBe("file a");
    expect(sys.rump_sys_stat("/host/sub").st_mode & S_IFMT).toBe(S_IFDIR);
    expect(errnoOf(() => sys.rump_sys_stat("/host/sub/b"))).toBe(ENOENT);
    expect(errnoOf(() => sys.rump_sys_stat("/host/nothere"))).toBe(ENOENT);
    expect(listdir(sys, "/host").sort()).toEqual([".", ".."]);
  });

  it("DIR_SUBDIRS maps the whole tree", () => {
    const { k, sys } = bootNode();
    const top = hostTree();
    expect(k.rump_pub_etfs_register("/tree", top, RUMP_ETFS_DIR_SUBDIRS)).toBe(0);
    expect(readAll(sys, "/tree/a")).toBe("file a");
    expect(readAll(sys, "/tree/sub/b")).toBe("file b");
    expect(readAll(sys, "/tree/sub/deeper/c")).toBe("file c");
    expect(readAll(sys, "/tree//sub///b")).toBe("file b");
    sys.rump_sys_chdir("/tree/sub");
    expect(readAll(sys, "deeper/c")).toBe("file c");
    sys.rump_sys_chdir("/");
    // written through to the host
    const fd = sys.rump_sys_open("/tree/sub/b", O_WRONLY);
    sys.rump_sys_write(fd, bytes("FILE"));
    sys.rump_sys_close(fd);
    expect(readFileSync(join(top, "sub", "b"), "utf8")).toBe("FILE b");
    expect(listdir(sys, "/tree/sub").sort()).toEqual([".", ".."]);
  });

  it("'..' inside an etfs directory is EOPNOTSUPP", () => {
    const { k, sys } = bootNode();
    const top = hostTree();
    expect(k.rump_pub_etfs_register("/t", top, RUMP_ETFS_DIR_SUBDIRS)).toBe(0);
    expect(errnoOf(() => sys.rump_sys_stat("/t/sub/.."))).toBe(EOPNOTSUPP);
    expect(errnoOf(() => sys.rump_sys_stat("/t/sub/../a"))).toBe(EOPNOTSUPP);
    expect(sys.rump_sys_stat("/t/sub/.").st_mode & S_IFMT).toBe(S_IFDIR);
  });

  it("creating inside an etfs directory is refused", () => {
    const { k, sys } = bootNode();
    const top = hostTree();
    expect(k.rump_pub_etfs_register("/t", top, RUMP_ETFS_DIR)).toBe(0);
    expect(errnoOf(() => sys.rump_sys_open("/t/new", O_CREAT | O_RDWR, 0o644))).toBe(EROFS);
  });

  it("ENOTDIR for a host file as DIR; EISDIR for a window on a DIR", () => {
    const { k } = bootNode();
    const top = hostTree();
    expect(k.rump_pub_etfs_register("/f", hostFile("x"), RUMP_ETFS_DIR)).toBe(ENOTDIR);
    expect(k.rump_pub_etfs_register("/g", hostFile("x"), RUMP_ETFS_DIR_SUBDIRS)).toBe(ENOTDIR);
    expect(
      k.rump_pub_etfs_register_withsize("/w", top, RUMP_ETFS_DIR, 1, RUMP_ETFS_SIZE_ENDOFF),
    ).toBe(EISDIR);
    expect(k.rump_pub_etfs_register_withsize("/w", top, RUMP_ETFS_DIR, 0, 10)).toBe(EISDIR);
    expect(k.rump_pub_etfs_register("/w", top, RUMP_ETFS_DIR)).toBe(0);
  });
});

describe("etfs_remove", () => {
  it("ENOENT for an unknown key; EBUSY while open; gone after", () => {
    const { k, sys } = bootNode();
    expect(k.rump_pub_etfs_remove("/none")).toBe(ENOENT);
    expect(k.rump_pub_etfs_register("/busy", hostFile("busy"), RUMP_ETFS_REG)).toBe(0);
    const fd = sys.rump_sys_open("/busy", O_RDONLY);
    expect(k.rump_pub_etfs_remove("/busy")).toBe(EBUSY);
    expect(readAll(sys, "/busy")).toBe("busy");
    sys.rump_sys_close(fd);
    expect(k.rump_pub_etfs_remove("/busy")).toBe(0);
    expect(errnoOf(() => sys.rump_sys_stat("/busy"))).toBe(ENOENT);
    expect(k.rump_pub_etfs_remove("/busy")).toBe(ENOENT);
    // the key can be registered again, to another host file
    expect(k.rump_pub_etfs_register("/busy", hostFile("again"), RUMP_ETFS_REG)).toBe(0);
    expect(readAll(sys, "/busy")).toBe("again");
  });

  it("EBUSY while a process has its cwd in a DIR key", () => {
    const { k, sys } = bootNode();
    expect(k.rump_pub_etfs_register("/cw", hostTree(), RUMP_ETFS_DIR)).toBe(0);
    k.rump_pub_lwproc_rfork(0);
    sys.rump_sys_chdir("/cw");
    expect(k.rump_pub_etfs_remove("/cw")).toBe(EBUSY);
    k.rump_pub_lwproc_releaselwp();
    expect(k.rump_pub_etfs_remove("/cw")).toBe(0);
  });

  it("lseek on an etfs file works like any file", () => {
    const { k, sys } = bootNode();
    expect(k.rump_pub_etfs_register("/s", hostFile("0123456789"), RUMP_ETFS_REG)).toBe(0);
    const fd = sys.rump_sys_open("/s", O_RDONLY);
    expect(sys.rump_sys_lseek(fd, 7, SEEK_SET)).toBe(7);
    expect(text(readN(sys, fd, 10))).toBe("789");
    sys.rump_sys_close(fd);
  });
});
