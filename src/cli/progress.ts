/** @module A one-line progress display on stderr, only when stderr is a terminal. */

/** Minimum milliseconds between redraws. */
export const PROGRESS_INTERVAL_MS = 250;

function human(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return String(Math.round(n));
}

export function humanBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(2)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(1)} KiB`;
  return `${n} B`;
}

/** Redraws "read X of Y (p%), N packets/s, elapsed" at most every PROGRESS_INTERVAL_MS. */
export class Progress {
  private readonly enabled: boolean;
  private readonly started = performance.now();
  private lastDraw = 0;
  private drawn = false;

  constructor(
    private readonly label: string,
    stream: NodeJS.WriteStream = process.stderr,
    private readonly out: NodeJS.WriteStream = stream,
  ) {
    this.enabled = stream.isTTY === true && process.env.CI === undefined;
  }

  update(done: number, total: number | undefined, packets: number): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (now - this.lastDraw < PROGRESS_INTERVAL_MS) return;
    this.lastDraw = now;
    const secs = (now - this.started) / 1000;
    const pct = total !== undefined && total > 0 ? ` (${((100 * done) / total).toFixed(0)}%)` : "";
    const of = total !== undefined ? ` of ${humanBytes(total)}` : "";
    const rate = secs > 0 ? human(packets / secs) : "0";
    const line = `${this.label}: ${humanBytes(done)}${of}${pct}, ${human(packets)} packets, ${rate} packets/s, ${secs.toFixed(1)} s`;
    this.out.write(`\r\x1b[2K${line}`);
    this.drawn = true;
  }

  done(): void {
    if (this.drawn) this.out.write("\r\x1b[2K");
    this.drawn = false;
  }
}
