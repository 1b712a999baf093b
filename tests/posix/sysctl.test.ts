/** __sysctl(3): kern.ostype, kern.osrelease, kern.hostname, kern.maxvnodes, vfs.generic.fstypes. */
import {
  CTL_KERN,
  CTL_VFS,
  ENOMEM,
  ENOENT,
  EPERM,
  KERN_HOSTNAME,
  KERN_MAXVNODES,
  KERN_OSRELEASE,
  KERN_OSTYPE,
  out,
  VFS_FSTYPES,
  VFS_GENERIC,
  type RumpSyscalls,
} from "@rump/syscalls";
import { describe, expect, it } from "vitest";
import { asUser, bootTmpfs, dec, enc, expectErrno, GID, UID } from "../helpers/kernel.js";

function sysctlString(sys: RumpSyscalls, name: number[]): string {
  const len = out(0);
  sys.rump_sys___sysctl(name, null, len, null);
  const buf = new Uint8Array(len.v);
  sys.rump_sys___sysctl(name, buf, len, null);
  const s = dec.decode(buf.subarray(0, len.v));
  return s.endsWith("\0") ? s.slice(0, -1) : s;
}

describe("sysctl", () => {
  it('kern.ostype is "NetBSD"; kern.osrelease looks like a release', () => {
    const { sys } = bootTmpfs();
    expect(sysctlString(sys, [CTL_KERN, KERN_OSTYPE])).toBe("NetBSD");
    expect(sysctlString(sys, [CTL_KERN, KERN_OSRELEASE])).toMatch(/^\d+\.\d+/);
  });

  it("the size query (null buffer) reports the length including the NUL", () => {
    const { sys } = bootTmpfs();
    const len = out(0);
    sys.rump_sys___sysctl([CTL_KERN, KERN_OSTYPE], null, len, null);
    expect(len.v).toBe(7);
  });

  it("a buffer too small is ENOMEM", () => {
    const { sys } = bootTmpfs();
    expectErrno(
      () => sys.rump_sys___sysctl([CTL_KERN, KERN_OSTYPE], new Uint8Array(3), out(3), null),
      ENOMEM,
    );
  });

  it("kern.hostname can be set by root and read back; non-root gets EPERM", () => {
    const t = bootTmpfs();
    const name = enc.encode("rumphost\0");
    t.sys.rump_sys___sysctl([CTL_KERN, KERN_HOSTNAME], null, null, name);
    expect(sysctlString(t.sys, [CTL_KERN, KERN_HOSTNAME])).toBe("rumphost");
    asUser(t, UID, GID, () => {
      expect(sysctlString(t.sys, [CTL_KERN, KERN_HOSTNAME])).toBe("rumphost");
      expectErrno(
        () => t.sys.rump_sys___sysctl([CTL_KERN, KERN_HOSTNAME], null, null, enc.encode("x\0")),
        EPERM,
      );
    });
  });

  it("kern.maxvnodes is a positive int", () => {
    const { sys } = bootTmpfs();
    const buf = new Uint8Array(4);
    const len = out(4);
    sys.rump_sys___sysctl([CTL_KERN, KERN_MAXVNODES], buf, len, null);
    expect(len.v).toBe(4);
    expect(new DataView(buf.buffer).getInt32(0, true)).toBeGreaterThan(0);
  });

  it('vfs.generic.fstypes lists "tmpfs"', () => {
    const { sys } = bootTmpfs();
    expect(sysctlString(sys, [CTL_VFS, VFS_GENERIC, VFS_FSTYPES]).split(" ")).toContain("tmpfs");
  });

  it("an unknown name is ENOENT and the kernel stays usable", () => {
    const { sys } = bootTmpfs();
    expectErrno(
      () => sys.rump_sys___sysctl([CTL_KERN, 9999], new Uint8Array(8), out(8), null),
      ENOENT,
    );
    expect(sysctlString(sys, [CTL_KERN, KERN_OSTYPE])).toBe("NetBSD");
  });
});
