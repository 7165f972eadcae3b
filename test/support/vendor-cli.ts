/**
 * Runs bin/deskctl.js against a fake vendor server that lives in the test process: the CLI must run
 * asynchronously (startCli), or the fake could not answer it.
 *
 *   const cli = vendorCli(() => home, { DESKCTL_NOW: NOW, FRONT_TOKEN: TOKEN });
 *   await cli.run(['tickets', 'list']);              // { code, stdout, stderr }
 *   const rows = await cli.json<T[]>(['tickets', 'list']);   // adds --json, expects exit 0
 */
import { expect } from 'vitest';
import { startCli, type CliResult } from './cli.js';

export function vendorCli(home: () => string, baseEnv: Record<string, string | undefined>) {
  const run = (args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> =>
    startCli(args, { home: home(), env: { ...baseEnv, ...env } }).done;
  return {
    run,
    async json<T>(args: string[], env: Record<string, string | undefined> = {}): Promise<T> {
      const r = await run([...args, '--json'], env);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as T;
    },
  };
}
