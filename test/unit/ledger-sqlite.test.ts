import { rmSync } from 'node:fs';
import { StateStore } from '../../src/store/state-store.js';
import { ledgerContract } from '../support/ledger-contract.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

ledgerContract('SQLite (two connections on one state.db)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'deskctl-ledger-'));
  const paths = { configDir: dir, dataDir: join(dir, 'data'), templatesDir: join(dir, 'templates') };
  const s1 = await StateStore.open(paths, 'test');
  const s2 = await StateStore.open(paths, 'test');
  return {
    a: await s1.ledger(),
    b: await s2.ledger(),
    cleanup: () => {
      s1.close();
      s2.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
