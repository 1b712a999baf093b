/*
 * The README's example, verbatim between the region markers (readme.test.ts
 * checks that the README contains it and runs it).
 */
import {
  createSyscalls,
  ENOENT,
  O_CREAT,
  O_RDWR,
  RumpError,
  SYS_open,
  syscallnames,
  type SyscallTransport,
} from "../src/index.js";

export const log: string[] = [];

// #region example
// A stand-in kernel: records each call and answers open() with descriptor 3,
// everything else with ENOENT. A real kernel implements the same interface.
const transport: SyscallTransport = {
  retval: new Float64Array(2),
  syscall(num, a0, a1, a2) {
    log.push(`${syscallnames[num]}(${String(a0)}, ${String(a1)}, ${String(a2)})`);
    if (num !== SYS_open) return ENOENT;
    this.retval[0] = 3;
    return 0;
  },
};

const sys = createSyscalls(transport);
const fd = sys.rump_sys_open("/hello.txt", O_RDWR | O_CREAT, 0o644);
log.push(`fd ${fd}`); // fd 3

try {
  sys.rump_sys_stat("/missing");
} catch (e) {
  if (!(e instanceof RumpError)) throw e;
  log.push(`${e.code} ${e.syscall} ${e.path}`); // ENOENT stat /missing
  log.push(e.message); // ENOENT: no such file or directory, stat '/missing'
}
// #endregion
