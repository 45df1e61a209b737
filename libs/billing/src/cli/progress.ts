/** A progress bar on stderr (redrawn in place on a terminal, a line per 10 % otherwise). */
export interface Progress {
  update(done: number, total: number): void;
  finish(message: string): void;
}

const WIDTH = 30;

export function stderrProgress(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  let lastDecile = -1;
  return {
    update(done, total) {
      const share = total === 0 ? 1 : done / total;
      if (stream.isTTY) {
        const filled = Math.round(share * WIDTH);
        stream.write(
          `\r${label} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${done}/${total} ${Math.floor(share * 100)}%`,
        );
        return;
      }
      const decile = Math.floor(share * 10);
      if (decile !== lastDecile) {
        lastDecile = decile;
        stream.write(`${label}: ${done}/${total} (${decile * 10}%)\n`);
      }
    },
    finish(message) {
      stream.write(`${stream.isTTY ? '\n' : ''}${message}\n`);
    },
  };
}
