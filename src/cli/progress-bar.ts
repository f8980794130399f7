/**
 * A one-line progress bar on stderr. On a terminal it redraws in place; otherwise (logs, CI) it
 * prints a line at each quarter, so logs stay short.
 */
export interface ProgressBar {
  update(done: number): void;
  finish(): void;
}

export function progressBar(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): ProgressBar {
  const tty = stream.isTTY === true;
  let lastQuarter = -1;
  let lastDraw = 0;
  const render = (done: number) => {
    const fraction = total > 0 ? Math.min(1, done / total) : 0;
    const width = 30;
    const filled = Math.round(fraction * width);
    return `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}%`;
  };
  return {
    update(done) {
      if (tty) {
        const now = Date.now();
        if (now - lastDraw < 100) return;
        lastDraw = now;
        stream.write(`\r${render(done)}`);
        return;
      }
      const quarter = total > 0 ? Math.floor((4 * Math.min(done, total)) / total) : 0;
      if (quarter > lastQuarter && quarter < 4) {
        lastQuarter = quarter;
        stream.write(`${render(done)}\n`);
      }
    },
    finish() {
      stream.write(tty ? `\r${render(total)}\n` : `${render(total)}\n`);
    },
  };
}
