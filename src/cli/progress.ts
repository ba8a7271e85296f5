/** A progress bar on stderr when it is a terminal; nothing otherwise (logs and pipes stay clean). */
import cliProgress from 'cli-progress';

export interface Progress {
  update(done: number): void;
  stop(): void;
}

export function progress(total: number, label: string): Progress {
  if (!process.stderr.isTTY) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total} | {rate}/s | eta {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = performance.now();
  bar.start(total, 0, { rate: 0 });
  return {
    update(done) {
      const rate = Math.round(done / Math.max((performance.now() - started) / 1000, 0.001));
      bar.update(done, { rate });
    },
    stop() {
      bar.stop();
    },
  };
}
