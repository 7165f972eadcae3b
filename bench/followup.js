// Follow-up benchmarks: scheduling throughput, due selection, and `followup run` over the embedded helpdesk.
// Run after `npx tsc -p .`: node bench/followup.js
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createContext } from '../dist/src/context.js';
import { listFollowups, runDue, scheduleFollowups } from '../dist/src/followups/index.js';
import { templateComposer } from '../dist/src/followups/compose.js';
import { templateDirs } from '../dist/src/templates/index.js';

const T0 = '2026-11-25T10:00:00.000Z';
const root = resolve(import.meta.dirname, '..');
const ms = (t) => Number(process.hrtime.bigint() - t) / 1e6;
const home = mkdtempSync(join(tmpdir(), 'deskctl-bench-followup-'));
const env = { ...process.env, DESKCTL_HOME: home, DESKCTL_NOW: T0, NO_COLOR: '1' };
delete env.DESKCTL_PROFILE;

try {
  const ctx = createContext({}, { env });
  const provider = await ctx.provider(); // seeds the demo helpdesk on first use
  const store = await ctx.store();
  const tickets = [];
  for await (const page of provider.listTickets({})) tickets.push(...page);
  const now = new Date(T0);

  // 1. scheduling: 10,000 follow-ups in one all-or-nothing transaction
  const N = 10_000;
  const inputs = Array.from({ length: N }, (_, i) => ({
    ticketId: tickets[i % tickets.length].id,
    template: 'follow-up-check-in',
    dueAt: new Date(now.getTime() + (1 + (i % 500)) * 60_000),
    now,
    tz: 'UTC',
    unlessReplied: false,
    skipIfClosed: false,
  }));
  let t = process.hrtime.bigint();
  await scheduleFollowups(store, inputs, { dedupe: false });
  const scheduleMs = ms(t);
  console.log(`schedule ${N} follow-ups (one transaction): ${scheduleMs.toFixed(0)} ms (${((N / scheduleMs) * 1000).toFixed(0)}/s)`);

  // 2. due selection
  t = process.hrtime.bigint();
  const due = await listFollowups(store, { dueBy: new Date(now.getTime() + 30 * 60_000) });
  console.log(`list due (${due.length} of ${N}): ${ms(t).toFixed(1)} ms`);

  // 3. run over the first 600 due (one process, then what is left is not due)
  const runAt = new Date(now.getTime() + 60 * 60_000); // 60 minutes: 60 * 20 = 1200 due
  const compose = templateComposer({ dirs: templateDirs(ctx, root), provider, agent: await provider.currentAgent(), now: runAt });
  t = process.hrtime.bigint();
  const summary = await runDue({ store, provider, compose, now: runAt, limit: 600 });
  const runMs = ms(t);
  console.log(`followup run, ${summary.sent} sent in-process (local helpdesk): ${runMs.toFixed(0)} ms (${(runMs / summary.sent).toFixed(2)} ms per follow-up)`);
  await ctx.close();

  // 4. two concurrent CLI runs over the remaining due ones
  const bin = join(root, 'bin', 'deskctl.js');
  const runCli = () =>
    new Promise((res) => {
      const c = spawn(process.execPath, [bin, 'followup', 'run', '--json'], { env: { ...env, DESKCTL_NOW: runAt.toISOString() } });
      let out = '';
      c.stdout.on('data', (d) => (out += d));
      c.on('close', (code) => res({ code, summary: JSON.parse(out || '{}') }));
    });
  t = process.hrtime.bigint();
  const [a, b] = await Promise.all([runCli(), runCli()]);
  const both = ms(t);
  console.log(
    `two concurrent 'followup run' processes: ${a.summary.sent} + ${b.summary.sent} sent (${a.summary.lockedBy || b.summary.lockedBy ? 'second found the lock held' : 'no overlap'}), ${both.toFixed(0)} ms wall`,
  );
} finally {
  rmSync(home, { recursive: true, force: true });
}
