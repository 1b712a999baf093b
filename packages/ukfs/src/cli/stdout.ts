/**
 * fsu's standard output. A command's text goes out with plain write(2)
 * calls: process.stdout would load Node's whole stream machinery (some twenty
 * modules, milliseconds of every command's start) for a few lines. Streaming
 * commands (cat) use the stream, through stdout(); and so does everything
 * once a write would block (a non-blocking descriptor: EAGAIN), so that the
 * order of the output is kept.
 *
 * A closed pipe (fsu ls … | head) ends the process quietly, either way; any
 * other failed write (a full disk, /dev/full) is one line and exit status 1.
 */
import { writeSync } from "node:fs";

let stream: NodeJS.WriteStream | null = null;

/** A failed write to stdout: quiet at a closed pipe, else one line, and the end of the process. */
function failed(e: NodeJS.ErrnoException): never {
  if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
  process.stderr.write(`fsu: ${e.message} (stdout)\n`);
  process.exit(1);
}

/** process.stdout, with the closed-pipe handling attached on first use. */
export function stdout(): NodeJS.WriteStream {
  if (stream === null) {
    stream = process.stdout;
    stream.on("error", failed);
  }
  return stream;
}

/** Write all of `s` to standard output. */
export function writeOut(s: string): void {
  if (stream !== null) {
    stream.write(s);
    return;
  }
  const buf = Buffer.from(s, "utf8");
  let off = 0;
  try {
    while (off < buf.length) off += writeSync(1, buf, off, buf.length - off);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EAGAIN") failed(e as NodeJS.ErrnoException);
    stdout().write(buf.subarray(off));
  }
}
