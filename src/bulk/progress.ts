import type { IO } from '../output/io.js';

export interface Progress {
  update(done: number): void;
  stop(): void;
}

const NONE: Progress = { update() {}, stop() {} };

/** A cli-progress bar on stderr, only when stderr is a terminal and --quiet is off. */
export async function createProgress(io: IO, total: number, label: string): Promise<Progress> {
  const stderr = io.stderr as NodeJS.WritableStream & { isTTY?: boolean };
  if (!stderr.isTTY || io.quiet || total < 2) return NONE;
  const { SingleBar } = await import('cli-progress');
  const bar = new SingleBar(
    {
      stream: stderr,
      format: `${label} {bar} {value}/{total} {percentage}% | eta {eta_formatted}`,
      barCompleteChar: '█',
      barIncompleteChar: '░',
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
      fps: 10,
    },
  );
  bar.start(total, 0);
  return {
    update: (done) => bar.update(done),
    stop: () => bar.stop(),
  };
}
