/**
 * A progress bar on stderr for copies of more than 8 MiB when stderr is a
 * terminal (FSU_PROGRESS=1 forces it, FSU_PROGRESS=0 turns it off).
 */
export const PROGRESS_MIN = 8 << 20;

export function progressWanted(total: number): boolean {
  const env = process.env.FSU_PROGRESS;
  if (env === "0") return false;
  if (env === "1") return true;
  return process.stderr.isTTY === true && total > PROGRESS_MIN;
}

const mib = (n: number): string => (n / (1 << 20)).toFixed(1);

export class Progress {
  private done = 0;
  private last = 0;
  private readonly t0 = performance.now();
  private shown = false;

  constructor(
    private readonly total: number,
    private readonly enabled: boolean,
  ) {}

  add(n: number): void {
    this.done += n;
    if (!this.enabled) return;
    const now = performance.now();
    if (now - this.last < 100) return;
    this.last = now;
    this.draw(now);
  }

  private draw(now: number): void {
    const frac = this.total > 0 ? Math.min(1, this.done / this.total) : 1;
    const width = 30;
    const fill = Math.round(frac * width);
    const secs = (now - this.t0) / 1000;
    const rate = secs > 0 ? this.done / secs : 0;
    process.stderr.write(
      `\r[${"#".repeat(fill)}${"-".repeat(width - fill)}] ${String(Math.floor(frac * 100)).padStart(3)}%` +
        `  ${mib(this.done)}/${mib(this.total)} MiB  ${mib(rate)} MiB/s `,
    );
    this.shown = true;
  }

  /** Draw the final state and end the line. */
  finish(): void {
    if (!this.enabled) return;
    this.draw(performance.now());
    if (this.shown) process.stderr.write("\n");
  }
}
