/**
 * The console: fds 0, 1 and 2 of pid 1 are one write-only file whose
 * writes go to the host console (rumpuser_putchar) and whose reads return
 * nothing (cons.c).
 */
import { ENOTTY, ESPIPE, EINVAL, S_IFCHR } from "../gen/constants.js";
import type { Kauth_cred } from "../sys/kauth.js";
import type { Stat } from "../sys/stat.js";
import { uiomove, type Uio } from "../sys/uio.js";
import { DTYPE_MISC, File, FREAD, FWRITE, type Fileops } from "../kern/sys_file.js";
import type { Kernel } from "./kernel.js";

export function consoleFile(k: Kernel, cred: Kauth_cred): File {
  const chunk = new Uint8Array(512);
  const ops: Fileops = {
    fo_read: () => 0,
    fo_write(_fp: File, uio: Uio): number {
      while (uio.uio_resid > 0) {
        const n = Math.min(chunk.length, uio.uio_resid);
        uiomove(chunk, 0, n, uio);
        for (let i = 0; i < n; i++) k.host.putchar(chunk[i]!);
      }
      return 0;
    },
    fo_ioctl: () => ENOTTY,
    fo_fcntl: () => EINVAL,
    fo_stat(_fp: File, sb: Stat): number {
      sb.st_mode = S_IFCHR | 0o600;
      sb.st_nlink = 1;
      sb.st_blksize = 512;
      return 0;
    },
    fo_close: () => 0,
    fo_seek: () => ESPIPE,
  };
  return new File(FREAD | FWRITE, DTYPE_MISC, ops, null, cred);
}
