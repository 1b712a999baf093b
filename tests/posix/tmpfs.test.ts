/**
 * tmpfs specifics: ta_size_max and ta_nodes_max (ENOSPC), sparse files,
 * the root's attributes; every limit leaves the file system usable.
 */
import { ENOSPC, O_CREAT, O_RDWR, O_WRONLY } from "@rump/syscalls";
import { describe, expect, it } from "vitest";
import { bootTmpfs, expectErrno, readBytes, readFile, writeFile } from "../helpers/kernel.js";

describe("tmpfs", () => {
  it("writes past ta_size_max fail with ENOSPC; freeing space makes room again", () => {
    const { sys } = bootTmpfs({ ta_size_max: 256 * 1024 });
    const fd = sys.rump_sys_open("f", O_WRONLY | O_CREAT, 0o644);
    const chunk = new Uint8Array(16 * 1024).fill(1);
    let written = 0;
    let error = 0;
    for (let i = 0; i < 64; i++) {
      try {
        written += sys.rump_sys_write(fd, chunk);
      } catch (e) {
        error = (e as { errno: number }).errno;
        break;
      }
    }
    expect(error).toBe(ENOSPC);
    expect(written).toBeLessThanOrEqual(256 * 1024);
    expect(written).toBeGreaterThan(0);
    expect(sys.rump_sys_fstat(fd).st_size).toBe(written);
    sys.rump_sys_close(fd);
    sys.rump_sys_unlink("f");
    writeFile(sys, "g", new Uint8Array(64 * 1024));
    expect(sys.rump_sys_stat("g").st_size).toBe(64 * 1024);
  });

  it("ftruncate past ta_size_max is not an error for a sparse file, writing into it may be", () => {
    const { sys } = bootTmpfs({ ta_size_max: 128 * 1024 });
    const fd = sys.rump_sys_open("f", O_RDWR | O_CREAT, 0o644);
    // a hole takes no pages in NetBSD's tmpfs (uvm aobj): growing is fine
    sys.rump_sys_ftruncate(fd, 10 * 1024 * 1024);
    expect(sys.rump_sys_fstat(fd).st_size).toBe(10 * 1024 * 1024);
    expect(sys.rump_sys_pread(fd, new Uint8Array(10), 10, 5 * 1024 * 1024)).toBe(10);
    expectErrno(() => {
      for (let off = 0; off < 10 * 1024 * 1024; off += 16 * 1024)
        sys.rump_sys_pwrite(fd, new Uint8Array(16 * 1024), 16 * 1024, off);
    }, ENOSPC);
  });

  it("creating more than ta_nodes_max nodes fails with ENOSPC for every kind of node", () => {
    const { sys } = bootTmpfs({ ta_nodes_max: 10 });
    let made = 0;
    let error = 0;
    for (let i = 0; i < 20; i++) {
      try {
        writeFile(sys, `f${i}`);
        made++;
      } catch (e) {
        error = (e as { errno: number }).errno;
        break;
      }
    }
    expect(error).toBe(ENOSPC);
    expect(made).toBeLessThan(10); // the root counts as a node
    expectErrno(() => sys.rump_sys_mkdir("d", 0o755), ENOSPC);
    expectErrno(() => sys.rump_sys_symlink("x", "l"), ENOSPC);
    expectErrno(() => sys.rump_sys_mkfifo("p", 0o644), ENOSPC);
    sys.rump_sys_unlink("f0");
    sys.rump_sys_mkdir("d", 0o755);
    if (made > 1) sys.rump_sys_link("f1", "hardlinks-are-free"); // a link is not a node
  });

  it("a sparse file reads zeros in its holes, data where written", () => {
    const { sys } = bootTmpfs();
    const fd = sys.rump_sys_open("f", O_RDWR | O_CREAT, 0o644);
    sys.rump_sys_pwrite(fd, new Uint8Array([1, 2, 3]), 3, 1 << 20);
    sys.rump_sys_pwrite(fd, new Uint8Array([9]), 1, 10);
    const d = readBytes(sys, "f");
    expect(d.length).toBe((1 << 20) + 3);
    expect(d[10]).toBe(9);
    expect(Array.from(d.subarray(1 << 20))).toEqual([1, 2, 3]);
    let nonzero = 0;
    for (let i = 0; i < 1 << 20; i++) if (i !== 10 && d[i] !== 0) nonzero++;
    expect(nonzero).toBe(0);
  });

  it("a tiny limit still mounts and serves small files", () => {
    const { sys } = bootTmpfs({ ta_size_max: 4096, ta_nodes_max: 4 });
    writeFile(sys, "f", "small");
    expect(readFile(sys, "f")).toBe("small");
  });
});
