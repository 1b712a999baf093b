import { describe, expect, it } from "vitest";
import {
  createSyscalls,
  ENOENT,
  ENOSYS,
  ENOTEMPTY,
  EINVAL,
  O_CREAT,
  O_RDWR,
  RUMP_SYSCALL_STUBS,
  RumpError,
  S_IFREG,
  SYS___getdents30,
  SYS___mount50,
  SYS___stat50,
  SYS_getpid,
  SYS_open,
  SYS_pipe,
  SYS_read,
  SYS_readv,
  SYS_utimensat,
  SYS_write,
  parseDirents,
  type Stat,
} from "../src/index.js";
import * as api from "../src/index.js";
import { SYSCALL_RUMP_NUMBERS } from "@rump/librump";
import { RecordingTransport } from "./fake_transport.js";

function setup(): { t: RecordingTransport; sys: ReturnType<typeof createSyscalls> } {
  const t = new RecordingTransport();
  return { t, sys: createSyscalls(t) };
}

describe("stubs against a recording transport", () => {
  it("read: number, argument order, nbyte defaulting to buf.length, retval[0] as result", () => {
    const { t, sys } = setup();
    const buf = new Uint8Array(16);
    t.answer = () => ({ rv0: 5 });
    expect(sys.rump_sys_read(7, buf)).toBe(5);
    expect(t.last).toEqual({ num: SYS_read, args: [7, buf, 16] });
    expect(t.last.args[1]).toBe(buf);
    sys.rump_sys_read(7, buf, 4);
    expect(t.last.args).toEqual([7, buf, 4]);
  });

  it("write", () => {
    const { t, sys } = setup();
    const data = new TextEncoder().encode("hello");
    t.answer = () => ({ rv0: 5 });
    expect(sys.rump_sys_write(3, data)).toBe(5);
    expect(t.last).toEqual({ num: SYS_write, args: [3, data, 5] });
  });

  it("open: mode is 0 unless given; failure throws RumpError with the path", () => {
    const { t, sys } = setup();
    t.answer = () => ({ rv0: 3 });
    expect(sys.rump_sys_open("/a", O_RDWR)).toBe(3);
    expect(t.last).toEqual({ num: SYS_open, args: ["/a", O_RDWR, 0] });
    sys.rump_sys_open("/b", O_RDWR | O_CREAT, 0o644);
    expect(t.last.args).toEqual(["/b", O_RDWR | O_CREAT, 0o644]);

    t.answer = () => ({ error: ENOENT, rv0: 99 });
    let err: unknown;
    try {
      sys.rump_sys_open("/nonexistent", O_RDWR);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RumpError);
    expect(err).toMatchObject({ errno: 2, code: "ENOENT", syscall: "open", path: "/nonexistent" });
    expect((err as RumpError).message).toBe(
      "ENOENT: no such file or directory, open '/nonexistent'",
    );
  });

  it("open with a byte path: passed unchanged, decoded for the error", () => {
    const { t, sys } = setup();
    const p = new TextEncoder().encode("/d\u00e9j\u00e0");
    t.answer = () => ({ error: ENOENT });
    expect(() => sys.rump_sys_open(p, 0)).toThrow(
      "ENOENT: no such file or directory, open '/d\u00e9j\u00e0'",
    );
    expect(t.last.args[0]).toBe(p);
  });

  it("stat → __stat50 (439): the stub allocates the Stat, the kernel fills it, the stub returns it", () => {
    const { t, sys } = setup();
    t.answer = (_num, args) => ({
      fill: () => {
        const st = args[1] as Stat;
        st.st_mode = S_IFREG | 0o644;
        st.st_size = 1234;
      },
    });
    const st = sys.rump_sys_stat("/f");
    expect(t.last.num).toBe(SYS___stat50);
    expect(t.last.num).toBe(439);
    expect(t.last.args[0]).toBe("/f");
    expect(t.last.args[1]).toBe(st);
    expect(st.st_size).toBe(1234);
    expect(st.st_mode).toBe(0o100644);
    const st2 = sys.rump_sys_stat("/f");
    expect(st2).not.toBe(st);
    t.answer = () => ({ error: ENOENT });
    expect(() => sys.rump_sys_stat("/g")).toThrow("ENOENT: no such file or directory, stat '/g'");
  });

  it("getdents → __getdents30 (390): bytes returned, records parsed with parseDirents", () => {
    const { t, sys } = setup();
    t.answer = (_num, args) => {
      const buf = args[1] as Uint8Array;
      const dv = new DataView(buf.buffer, buf.byteOffset);
      dv.setBigUint64(0, 2n, true);
      dv.setUint16(8, 16, true);
      dv.setUint16(10, 1, true);
      dv.setUint8(12, 4);
      buf[13] = 0x2e;
      return { rv0: 16 };
    };
    const buf = new Uint8Array(512);
    const n = sys.rump_sys_getdents(5, buf);
    expect(t.last).toEqual({ num: SYS___getdents30, args: [5, buf, 512] });
    expect(SYS___getdents30).toBe(390);
    expect(parseDirents(buf, n)).toEqual([
      { d_fileno: 2, d_reclen: 16, d_namlen: 1, d_type: 4, d_name: "." },
    ]);
  });

  it("mount → __mount50 (410): data object passed as is, data_len -1 unless given", () => {
    const { t, sys } = setup();
    const args = { fspec: "/dev/disk" };
    sys.rump_sys_mount("ffs", "/mnt", 1, args);
    expect(t.last).toEqual({ num: SYS___mount50, args: ["ffs", "/mnt", 1, args, -1] });
    expect(SYS___mount50).toBe(410);
    sys.rump_sys_mount("tmpfs", "/tmp", 0, null, 0);
    expect(t.last.args).toEqual(["tmpfs", "/tmp", 0, null, 0]);
    t.answer = () => ({ error: EINVAL });
    expect(() => sys.rump_sys_mount("ffs", "/mnt", 0, null)).toThrow(
      "EINVAL: invalid argument, mount '/mnt'",
    );
  });

  it("pipe: no arguments, both retvals returned", () => {
    const { t, sys } = setup();
    t.answer = () => ({ rv0: 4, rv1: 5 });
    expect(sys.rump_sys_pipe()).toEqual([4, 5]);
    expect(t.last).toEqual({ num: SYS_pipe, args: [] });
  });

  it("pipe2: the kernel fills the descriptor pair the stub returns", () => {
    const { t, sys } = setup();
    t.answer = (_n, args) => ({
      fill: () => {
        const fds = args[0] as [number, number];
        fds[0] = 6;
        fds[1] = 7;
      },
    });
    expect(sys.rump_sys_pipe2(0)).toEqual([6, 7]);
  });

  it("utimensat: the [atime, mtime] pair or null goes through unchanged", () => {
    const { t, sys } = setup();
    const times = [
      { tv_sec: 1, tv_nsec: 2 },
      { tv_sec: 3, tv_nsec: 4 },
    ] as const;
    sys.rump_sys_utimensat(-100, "/f", times, 0);
    expect(t.last.num).toBe(SYS_utimensat);
    expect(t.last.args).toEqual([-100, "/f", times, 0]);
    sys.rump_sys_utimensat(-100, "/f", null, 0);
    expect(t.last.args[2]).toBeNull();
  });

  it("readv: the buffers and their count", () => {
    const { t, sys } = setup();
    const iov = [new Uint8Array(2), new Uint8Array(3)];
    t.answer = () => ({ rv0: 5 });
    expect(sys.rump_sys_readv(3, iov)).toBe(5);
    expect(t.last).toEqual({ num: SYS_readv, args: [3, iov, 2] });
  });

  it("lseek and pread: PAD slots are not passed", () => {
    const { t, sys } = setup();
    t.answer = () => ({ rv0: 2 ** 40 });
    expect(sys.rump_sys_lseek(3, 2 ** 40, 0)).toBe(2 ** 40);
    expect(t.last.args).toEqual([3, 2 ** 40, 0]);
    const buf = new Uint8Array(8);
    sys.rump_sys_pread(3, buf, 8, 4096);
    expect(t.last.args).toEqual([3, buf, 8, 4096]);
  });

  it("getpid (NOERR): returns retval[0] and does not throw", () => {
    const { t, sys } = setup();
    t.answer = () => ({ error: ENOSYS, rv0: 1 });
    expect(sys.rump_sys_getpid()).toBe(1);
    expect(t.last).toEqual({ num: SYS_getpid, args: [] });
  });

  it("sync (NOERR void) returns undefined; rmdir failure carries its errno", () => {
    const { t, sys } = setup();
    expect(sys.rump_sys_sync()).toBeUndefined();
    t.answer = () => ({ error: ENOTEMPTY });
    expect(() => sys.rump_sys_rmdir("/d")).toThrow("ENOTEMPTY: directory not empty, rmdir '/d'");
  });

  it("__sysctl: MIB array and its length, buffers, Out slot", () => {
    const { t, sys } = setup();
    const old = new Uint8Array(64);
    const len = { v: 64 };
    sys.rump_sys___sysctl([1, 10], old, len, null);
    expect(t.last.args).toEqual([[1, 10], 2, old, len, null, 0]);
  });

  it("reaches every RUMP syscall", () => {
    const nums = Object.values(RUMP_SYSCALL_STUBS);
    expect(nums).toHaveLength(218);
    expect([...new Set(nums)].sort((a, b) => a - b)).toEqual(
      [...SYSCALL_RUMP_NUMBERS].sort((a, b) => a - b),
    );
    const sys = createSyscalls(new RecordingTransport());
    for (const name of Object.keys(RUMP_SYSCALL_STUBS)) {
      expect(typeof (sys as unknown as Record<string, unknown>)[name]).toBe("function");
      expect(typeof (api as Record<string, unknown>)[name]).toBe("function");
    }
  });
});
