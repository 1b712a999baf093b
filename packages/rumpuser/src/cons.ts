/**
 * The host console (rumpuser_putchar, rumpuser_dprintf): two line-buffered
 * streams feeding one sink. `putchar` takes bytes (the kernel's printf emits
 * UTF-8 a byte at a time), `dprintf` takes text. A line goes to the sink
 * without its '\n'; an over-long line is cut at MAX_LINE bytes.
 */

/** Which stream a line came from: the kernel console or host debug output. */
export type ConsoleStream = "console" | "debug";

/** Where finished lines go (host option `console`). */
export type ConsoleSink = (line: string, stream: ConsoleStream) => void;

const MAX_LINE = 4096;
const NL = 0x0a;

export class HostConsole {
  private readonly bytes = new Uint8Array(MAX_LINE);
  private nbytes = 0;
  private debugText = "";
  private readonly decoder = new TextDecoder();

  constructor(private readonly sink: ConsoleSink) {}

  /** One console byte; the line is emitted at '\n'. */
  putchar(ch: number): void {
    if ((ch & 0xff) === NL) {
      this.flushConsole(false);
      return;
    }
    if (this.nbytes === MAX_LINE) this.flushConsole(true);
    this.bytes[this.nbytes++] = ch & 0xff;
  }

  /** Debug text; each complete line is emitted, the rest waits for its '\n'. */
  dprintf(msg: string): void {
    let text = this.debugText + msg;
    let nl = text.indexOf("\n");
    while (nl >= 0) {
      this.sink(text.slice(0, nl), "debug");
      text = text.slice(nl + 1);
      nl = text.indexOf("\n");
    }
    while (text.length > MAX_LINE) {
      this.sink(text.slice(0, MAX_LINE), "debug");
      text = text.slice(MAX_LINE);
    }
    this.debugText = text;
  }

  /** Emit whatever is pending on both streams (exit, shutdown). */
  flush(): void {
    if (this.nbytes > 0) this.flushConsole(false);
    if (this.debugText !== "") {
      const t = this.debugText;
      this.debugText = "";
      this.sink(t, "debug");
    }
  }

  /** `cut`: the line goes on; keep a split UTF-8 sequence for the next part */
  private flushConsole(cut: boolean): void {
    const line = this.decoder.decode(this.bytes.subarray(0, this.nbytes), { stream: cut });
    this.nbytes = 0;
    this.sink(line, "console");
  }
}
