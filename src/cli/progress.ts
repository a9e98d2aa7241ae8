/**
 * A progress line on stderr: a bar on a terminal, a plain line every 10% otherwise (logs, CI), so stdout stays
 * clean for --json.
 */
export class Progress {
  private readonly t0 = Date.now();
  private lastDecile = -1;
  private readonly tty: boolean;

  constructor(
    private readonly total: number,
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.tty = Boolean(stream.isTTY);
  }

  update(done: number, detail: string): void {
    const elapsed = (Date.now() - this.t0) / 1000;
    const eta = done > 0 ? (elapsed / done) * (this.total - done) : Number.NaN;
    const text = `${this.label} ${done}/${this.total}  ${detail}  ${fmtSeconds(elapsed)} elapsed${
      done < this.total && Number.isFinite(eta) ? `, ~${fmtSeconds(eta)} left` : ""
    }`;
    if (this.tty) {
      const width = 24;
      const filled = Math.round((done / this.total) * width);
      this.stream.write(`\r\x1b[2K[${"#".repeat(filled)}${".".repeat(width - filled)}] ${text}`);
      if (done === this.total) this.stream.write("\n");
      return;
    }
    const decile = Math.floor((done / this.total) * 10);
    if (decile !== this.lastDecile || done === this.total) {
      this.lastDecile = decile;
      this.stream.write(`${text}\n`);
    }
  }

  /** On a terminal, says what happens before the first item is done (logs get no such line). */
  starting(detail: string): void {
    if (this.tty) this.stream.write(`\r\x1b[2K${this.label} 0/${this.total}  ${detail}`);
  }

  /** Erases an unfinished bar, so that an error message stands on its own line. */
  clear(): void {
    if (this.tty) this.stream.write("\r\x1b[2K");
  }
}

function fmtSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.round(s - m * 60)).padStart(2, "0")}s`;
}
