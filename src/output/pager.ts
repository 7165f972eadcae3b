import { spawn } from 'node:child_process';
import type { Writable } from 'node:stream';

export interface PagerChoice {
  env: NodeJS.ProcessEnv;
  /** The `pager` setting of config.json. */
  setting?: string;
  /** false with --no-pager. */
  enabled: boolean;
  stdoutIsTTY: boolean;
}

export const DEFAULT_PAGER = 'less -FRX';

/** The pager command: DESKCTL_PAGER, then the pager setting, then PAGER, then less -FRX; none off a terminal, "" or cat. */
export function resolvePager(c: PagerChoice): string | undefined {
  if (!c.enabled || !c.stdoutIsTTY) return undefined;
  const command = (c.env.DESKCTL_PAGER ?? c.setting ?? c.env.PAGER ?? DEFAULT_PAGER).trim();
  return command === '' || command === 'cat' ? undefined : command;
}

/**
 * Holds what a command writes to stdout while it runs, then shows it through the pager when it is
 * taller than the terminal (or writes it as it is). Anything interactive (a prompt, a live text
 * block) flushes it first, so a preview is on screen before its question and never inside a pager.
 */
export class PagedStdout {
  private chunks: string[] = [];

  constructor(
    private readonly stdout: Writable,
    private readonly pager: string | undefined,
    private readonly rows: number,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  write(content: string): void {
    if (this.pager) this.chunks.push(content);
    else this.stdout.write(content);
  }

  /** Writes what is held straight to stdout. */
  flush(): void {
    if (!this.chunks.length) return;
    this.stdout.write(this.chunks.join(''));
    this.chunks = [];
  }

  /** At the end of a command: the pager for long output, stdout for the rest. */
  async finish(): Promise<void> {
    const content = this.chunks.join('');
    this.chunks = [];
    if (!content) return;
    const lines = content.split('\n').length - (content.endsWith('\n') ? 1 : 0);
    if (!this.pager || lines < this.rows) {
      this.stdout.write(content);
      return;
    }
    const shown = await runPager(this.pager, content, this.env);
    if (!shown) this.stdout.write(content);
  }
}

/** Pipes content into the pager; false when the pager could not be started (the caller prints instead). */
function runPager(command: string, content: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  // Ctrl-C belongs to the pager while it runs (less uses it to stop a search)
  const ignore = () => undefined;
  process.on('SIGINT', ignore);
  return new Promise<boolean>((resolve) => {
    // LESS=FRX unless the user has their own: quit when it fits, keep colours, leave the text on screen
    const child = spawn(command, { shell: true, stdio: ['pipe', 'inherit', 'inherit'], env: { LESS: 'FRX', ...env } });
    child.stdin.on('error', () => undefined); // EPIPE: the user quit the pager before the end
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code !== 127 && code !== 126));
    child.stdin.end(content);
  }).finally(() => process.off('SIGINT', ignore));
}
