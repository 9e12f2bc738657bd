// A progress bar for long CLI work: redrawn in place on a TTY, silent otherwise (logs stay clean).

export class ProgressBar {
  readonly #total: number;
  readonly #label: string;
  readonly #tty: boolean;
  readonly #started = performance.now();
  #lastDraw = 0;

  constructor(label: string, total: number, stream: NodeJS.WriteStream = process.stderr) {
    this.#label = label;
    this.#total = Math.max(1, total);
    this.#tty = stream.isTTY === true;
  }

  update(done: number): void {
    if (!this.#tty) return;
    const now = performance.now();
    if (now - this.#lastDraw < 100 && done < this.#total) return;
    this.#lastDraw = now;
    const fraction = Math.min(1, done / this.#total);
    const width = 30;
    const filled = Math.round(fraction * width);
    const rate = done / Math.max(0.001, (now - this.#started) / 1000);
    process.stderr.write(
      `\r${this.#label} [${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%  ${Math.round(rate).toLocaleString('en-US')}/s `,
    );
  }

  finish(): void {
    if (!this.#tty) return;
    this.update(this.#total);
    process.stderr.write('\n');
  }
}
