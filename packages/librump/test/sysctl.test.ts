/**
 * sysctl (kern_sysctl.c) at its edges: short buffers (ENOMEM with as much
 * as fits), who may write (EPERM for non-root and for read-only nodes),
 * malformed names and values, and that every kernel has its own values.
 */
import { describe, expect, it } from "vitest";
import {
  CTL_KERN,
  CTL_VFS,
  EINVAL,
  ENOENT,
  ENOMEM,
  ENOTDIR,
  EPERM,
  KERN_HOSTNAME,
  KERN_MAXVNODES,
  KERN_OSRELEASE,
  KERN_OSREV,
  KERN_OSTYPE,
  O_CREAT,
  O_RDWR,
  VFS_FSTYPES,
  VFS_GENERIC,
  type RumpSyscalls,
} from "@rump/syscalls";
import { boot, bytes, errnoOf, type Booted } from "./helpers/kernel.js";

function int32(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, v, true);
  return b;
}

function readString(sys: RumpSyscalls, name: number[]): string {
  const len = { v: 0 };
  sys.rump_sys___sysctl(name, null, len, null);
  const buf = new Uint8Array(len.v);
  sys.rump_sys___sysctl(name, buf, len, null);
  return new TextDecoder().decode(buf.subarray(0, len.v - 1));
}

function readInt(sys: RumpSyscalls, name: number[]): number {
  const buf = new Uint8Array(4);
  sys.rump_sys___sysctl(name, buf, { v: 4 }, null);
  return new DataView(buf.buffer).getInt32(0, true);
}

/** Run `fn` as an unprivileged process (uid 1000). */
function asUser<T>(t: Booted, fn: () => T): T {
  t.k.rump_pub_lwproc_rfork(0);
  t.sys.rump_sys_setuid(1000);
  try {
    return fn();
  } finally {
    t.k.rump_pub_lwproc_releaselwp();
  }
}

describe("short buffers", () => {
  it("a string: as much as fits is copied, then ENOMEM", () => {
    const { sys } = boot();
    const buf = new Uint8Array(16).fill(0xff);
    const len = { v: 3 };
    expect(errnoOf(() => sys.rump_sys___sysctl([CTL_KERN, KERN_OSTYPE], buf, len, null))).toBe(
      ENOMEM,
    );
    expect(new TextDecoder().decode(buf.subarray(0, 3))).toBe("Net");
    expect(buf[3]).toBe(0xff); // nothing beyond the given length
  });

  it("the length that counts is *oldlenp, not the buffer's", () => {
    const { sys } = boot();
    const buf = new Uint8Array(64);
    expect(errnoOf(() => sys.rump_sys___sysctl([CTL_KERN, KERN_OSTYPE], buf, { v: 6 }, null))).toBe(
      ENOMEM,
    ); // "NetBSD" without room for the NUL
    const len = { v: 7 };
    sys.rump_sys___sysctl([CTL_KERN, KERN_OSTYPE], buf, len, null);
    expect(len.v).toBe(7);
    expect(new TextDecoder().decode(buf.subarray(0, 7))).toBe("NetBSD\0");
    // a larger length than needed: the used length comes back
    const big = { v: 64 };
    sys.rump_sys___sysctl([CTL_KERN, KERN_OSRELEASE], buf, big, null);
    expect(big.v).toBe(readString(sys, [CTL_KERN, KERN_OSRELEASE]).length + 1);
  });

  it("an int needs 4 bytes", () => {
    const { sys } = boot();
    for (const n of [0, 1, 3]) {
      expect(
        errnoOf(() =>
          sys.rump_sys___sysctl([CTL_KERN, KERN_OSREV], new Uint8Array(8), { v: n }, null),
        ),
        `oldlen ${n}`,
      ).toBe(ENOMEM);
    }
    const len = { v: 0 };
    sys.rump_sys___sysctl([CTL_KERN, KERN_MAXVNODES], null, len, null);
    expect(len.v).toBe(4);
    expect(readInt(sys, [CTL_KERN, KERN_OSREV])).toBe(799003400);
  });

  it("the size of vfs.generic.fstypes grows with the list", () => {
    const { sys } = boot();
    const len = { v: 0 };
    sys.rump_sys___sysctl([CTL_VFS, VFS_GENERIC, VFS_FSTYPES], null, len, null);
    const s = readString(sys, [CTL_VFS, VFS_GENERIC, VFS_FSTYPES]);
    expect(len.v).toBe(s.length + 1);
    expect(s.split(" ").sort()).toEqual(["cd9660", "ext2fs", "ffs", "msdos", "rumpfs", "tmpfs"]);
  });
});

describe("who may write", () => {
  it("non-root: EPERM for kern.hostname and kern.maxvnodes, reading is fine", () => {
    const t = boot();
    const { sys } = t;
    asUser(t, () => {
      expect(sys.rump_sys_geteuid()).toBe(1000);
      expect(
        errnoOf(() =>
          sys.rump_sys___sysctl([CTL_KERN, KERN_HOSTNAME], null, null, bytes("evil\0")),
        ),
      ).toBe(EPERM);
      expect(
        errnoOf(() => sys.rump_sys___sysctl([CTL_KERN, KERN_MAXVNODES], null, null, int32(10))),
      ).toBe(EPERM);
      expect(readString(sys, [CTL_KERN, KERN_OSTYPE])).toBe("NetBSD");
      expect(readInt(sys, [CTL_KERN, KERN_MAXVNODES])).toBe(t.k.params.nvnodes);
    });
    expect(readInt(sys, [CTL_KERN, KERN_MAXVNODES])).toBe(t.k.params.nvnodes);
    expect(readString(sys, [CTL_KERN, KERN_HOSTNAME])).not.toBe("evil");
  });

  it("a non-root write with a read buffer still gets the old value and EPERM", () => {
    const t = boot(undefined, { hostname: "box", pid: 42 });
    asUser(t, () => {
      const buf = new Uint8Array(64);
      const len = { v: 64 };
      expect(
        errnoOf(() => t.sys.rump_sys___sysctl([CTL_KERN, KERN_HOSTNAME], buf, len, bytes("x\0"))),
      ).toBe(EPERM);
      expect(new TextDecoder().decode(buf.subarray(0, len.v - 1))).toBe("rump-00042.box");
    });
  });

  it("read-only nodes refuse writes even from root", () => {
    const { sys } = boot();
    for (const name of [
      [CTL_KERN, KERN_OSTYPE],
      [CTL_KERN, KERN_OSRELEASE],
      [CTL_KERN, KERN_OSREV],
      [CTL_VFS, VFS_GENERIC, VFS_FSTYPES],
    ]) {
      expect(
        errnoOf(() => sys.rump_sys___sysctl(name, null, null, bytes("x\0"))),
        String(name),
      ).toBe(EPERM);
    }
    expect(readString(sys, [CTL_KERN, KERN_OSTYPE])).toBe("NetBSD");
  });

  it("root sets kern.hostname; each kernel keeps its own", () => {
    const a = boot(undefined, { hostname: "hosta" });
    const b = boot(undefined, { hostname: "hostb" });
    expect(readString(a.sys, [CTL_KERN, KERN_HOSTNAME])).toBe("rump-00000.hosta");
    a.sys.rump_sys___sysctl([CTL_KERN, KERN_HOSTNAME], null, null, bytes("renamed\0"));
    expect(readString(a.sys, [CTL_KERN, KERN_HOSTNAME])).toBe("renamed");
    expect(readString(b.sys, [CTL_KERN, KERN_HOSTNAME])).toBe("rump-00000.hostb");
    // a name of MAXHOSTNAMELEN (256) bytes or more is EINVAL
    expect(
      errnoOf(() =>
        a.sys.rump_sys___sysctl([CTL_KERN, KERN_HOSTNAME], null, null, bytes("h".repeat(256))),
      ),
    ).toBe(EINVAL);
    a.sys.rump_sys___sysctl([CTL_KERN, KERN_HOSTNAME], null, null, bytes("h".repeat(255)));
    expect(readString(a.sys, [CTL_KERN, KERN_HOSTNAME])).toBe("h".repeat(255));
  });
});

describe("kern.maxvnodes", () => {
  it("takes a 4-byte int of at least 1; other sizes and values are EINVAL", () => {
    const { k, sys } = boot();
    const name = [CTL_KERN, KERN_MAXVNODES];
    const dflt = k.params.nvnodes;
    expect(errnoOf(() => sys.rump_sys___sysctl(name, null, null, new Uint8Array(2)))).toBe(EINVAL);
    expect(errnoOf(() => sys.rump_sys___sysctl(name, null, null, new Uint8Array(8)))).toBe(EINVAL);
    expect(errnoOf(() => sys.rump_sys___sysctl(name, null, null, int32(0)))).toBe(EINVAL);
    expect(errnoOf(() => sys.rump_sys___sysctl(name, null, null, int32(-5)))).toBe(EINVAL);
    expect(readInt(sys, name)).toBe(dflt);
    // set and get the old value in one call
    const old = new Uint8Array(4);
    sys.rump_sys___sysctl(name, old, { v: 4 }, int32(2000));
    expect(new DataView(old.buffer).getInt32(0, true)).toBe(dflt);
    expect(readInt(sys, name)).toBe(2000);
  });

  it("lowering it reclaims idle vnodes at once", () => {
    const { k, sys } = boot();
    sys.rump_sys_mkdir("/tmp/many", 0o755);
    for (let i = 0; i < 50; i++) {
      sys.rump_sys_close(sys.rump_sys_open(`/tmp/many/${i}`, O_CREAT | O_RDWR, 0o644));
    }
    expect(k.vfs.numvnodes).toBeGreaterThan(50);
    sys.rump_sys___sysctl([CTL_KERN, KERN_MAXVNODES], null, null, int32(10));
    expect(k.vfs.numvnodes).toBeLessThanOrEqual(10);
    // everything is still reachable
    for (let i = 0; i < 50; i += 9) expect(sys.rump_sys_stat(`/tmp/many/${i}`).st_size).toBe(0);
    expect(k.vfs.numvnodes).toBeLessThanOrEqual(10);
  });
});

describe("names", () => {
  it("too short or too long a name is EINVAL", () => {
    const { sys } = boot();
    expect(
      errnoOf(() => sys.rump_sys___sysctl([CTL_KERN], new Uint8Array(8), { v: 8 }, null)),
    ).toBe(EINVAL);
    expect(errnoOf(() => sys.rump_sys___sysctl([], new Uint8Array(8), { v: 8 }, null))).toBe(
      EINVAL,
    );
    expect(
      errnoOf(() =>
        sys.rump_sys___sysctl(new Array<number>(13).fill(1), new Uint8Array(8), { v: 8 }, null),
      ),
    ).toBe(EINVAL);
  });

  it("unknown nodes are ENOENT; below a leaf ENOTDIR", () => {
    const { sys } = boot();
    const buf = new Uint8Array(8);
    expect(errnoOf(() => sys.rump_sys___sysctl([CTL_KERN, 9999], buf, { v: 8 }, null))).toBe(
      ENOENT,
    );
    expect(errnoOf(() => sys.rump_sys___sysctl([77, 1], buf, { v: 8 }, null))).toBe(ENOENT);
    expect(
      errnoOf(() => sys.rump_sys___sysctl([CTL_KERN, KERN_OSTYPE, 1], buf, { v: 8 }, null)),
    ).toBe(ENOTDIR);
    expect(readString(sys, [CTL_KERN, KERN_OSTYPE])).toBe("NetBSD");
  });
});
