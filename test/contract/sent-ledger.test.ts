/**
 * The sent-ledger contract (test/support/ledger-contract.ts) against both state stores: SQLite (two
 * connections on one state.db) and PostgreSQL (two pools on one schema of a real server started by
 * scripts/start-postgres.sh, standing for two hosts). The PostgreSQL half runs under CI, with
 * DESKCTL_TEST_PG=1, or where PostgreSQL is installed; otherwise it skips with one line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { newOwnerId } from '../../src/store/owner.js';
import { StateStore } from '../../src/store/state-store.js';
import type { PgStateTarget } from '../../src/store/state-url.js';
import { ledgerContract } from '../support/ledger-contract.js';
import { pgForSuite } from '../support/pg-server.js';

const paths = (dir: string) => ({ configDir: dir, dataDir: join(dir, 'data'), templatesDir: join(dir, 'templates') });

/** Two handles on one store (two processes, or two hosts), and a cleanup that closes both and removes `dir`. */
async function twoLedgers(open: () => Promise<StateStore>, dir: string) {
  const [s1, s2] = [await open(), await open()];
  return {
    a: await s1.ledger(),
    b: await s2.ledger(),
    cleanup: async () => {
      await s1.close();
      await s2.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

ledgerContract('SQLite (two connections on one state.db)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'deskctl-ledger-'));
  return twoLedgers(() => StateStore.open(paths(dir), 'test'), dir);
});

const pg = await pgForSuite('sent-ledger contract on PostgreSQL');
afterAll(async () => {
  await pg?.stop();
});

let schemas = 0;
/** A fresh schema of one database, and a way to open it as another host would. */
async function pgAccount(): Promise<{ open: () => Promise<StateStore>; dir: string }> {
  const url = await pg!.freshDatabase('ledger');
  const target: PgStateTarget = { url, shown: url.replace(/:[^:@/]*@/, '@'), schema: `deskctl_ledger_${++schemas}`, account: 'test', source: 'test' };
  const dir = mkdtempSync(join(tmpdir(), 'deskctl-ledger-pg-'));
  return { dir, open: () => StateStore.open(paths(dir), 'test', target) };
}

if (pg) {
  ledgerContract('PostgreSQL (two pools on one schema)', async () => {
    const account = await pgAccount();
    return twoLedgers(account.open, account.dir);
  });
}

describe.skipIf(!pg)('sent ledger on PostgreSQL: holders on other hosts', () => {
  const NOW = new Date('2026-11-25T09:00:00Z');
  const since = new Date(NOW.getTime() - 30 * 86_400_000);
  const msg = (ticketId: string) => ({ ticketId, template: 'acknowledgement', body: `Hi, we got ticket ${ticketId}.`, public: true });

  it('claims racing from several hosts at once: every ticket goes to exactly one holder', async () => {
    const account = await pgAccount();
    const hosts = await Promise.all(Array.from({ length: 5 }, () => account.open()));
    const ledgers = await Promise.all(hosts.map((h) => h.ledger()));
    const holders = ledgers.map((_, i) => ({ id: `job:host${i}`, label: `job host${i}`, owner: newOwnerId() }));
    const ids = Array.from({ length: 40 }, (_, i) => String(i + 1));
    // every host claims every ticket, one at a time as a job's sends do, all at once
    const claims = await Promise.all(ids.flatMap((id) => ledgers.map((l, i) => l.claim(holders[i]!, [msg(id)], { since, leaseMs: 60_000 }).then((r) => r.claimed.map((m) => m.ticketId)))));
    const winners = new Map<string, number>();
    for (const id of claims.flat()) winners.set(id, (winners.get(id) ?? 0) + 1);
    expect(ids.filter((id) => winners.get(id) !== 1)).toEqual([]);
    for (const h of hosts) await h.close();
    rmSync(account.dir, { recursive: true, force: true });
  });

  it("a holder whose connection is gone (killed, or lost the network) no longer blocks anyone, however long its lease; a live one on another host does", async () => {
    const account = await pgAccount();
    const [laptop, cron] = [await account.open(), await account.open()];
    const onLaptop = await laptop.ledger();
    const onCron = await cron.ledger();
    // an owner id from "another host": only its registered connection tells whether it lives
    const owner = `laptop-${hostname()}/4242/${newOwnerId().split('/').pop()}`;
    await onLaptop.registerOwner(owner);
    const holder = { id: 'job:laptop', label: 'job laptop', owner };
    expect((await onLaptop.claim(holder, [msg('1'), msg('2')], { since, leaseMs: 3_600_000 })).claimed).toHaveLength(2);
    const held = await onCron.claim({ id: 'job:cron', label: 'job cron', owner: newOwnerId() }, [msg('1')], { since, leaseMs: 60_000 });
    expect(held.held.map((h) => h.claim.owner)).toEqual([owner]);

    await laptop.close(); // its connections end, as when the process is killed
    let claimed: string[] = [];
    for (let i = 0; i < 40 && claimed.length === 0; i++) {
      claimed = (await onCron.claim({ id: 'job:cron', label: 'job cron', owner: newOwnerId() }, [msg('1'), msg('2')], { since, leaseMs: 60_000 })).claimed.map((m) => m.ticketId);
      if (!claimed.length) await new Promise((r) => setTimeout(r, 50));
    }
    expect(claimed).toEqual(['1', '2']);
    await cron.close();
    rmSync(account.dir, { recursive: true, force: true });
  });
});
