import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/sqlite.js';
import { SqliteStateDb } from '../../src/store/sqlite-state-db.js';
import { numberPlaceholders } from '../../src/store/state-db.js';

describe('numberPlaceholders', () => {
  it('numbers ? outside quotes only', () => {
    expect(numberPlaceholders(`SELECT * FROM t WHERE a = ? AND b = '?' AND "c?" = ? LIMIT ?`)).toBe(
      `SELECT * FROM t WHERE a = $1 AND b = '?' AND "c?" = $2 LIMIT $3`,
    );
  });
});

describe('SqliteStateDb', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
  const open = async () => {
    const dir = mkdtempSync(join(tmpdir(), 'deskctl-statedb-'));
    dirs.push(dir);
    const db = new SqliteStateDb(await openDatabase(join(dir, 'state.db')));
    await db.migrate({ name: 't', sqlite: ['CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)'], postgres: [] });
    return db;
  };

  it('keeps another task out of an open transaction, and rolls back on a throw', async () => {
    const db = await open();
    const order: string[] = [];
    const inTx = db.transaction(async (tx) => {
      await tx.run('INSERT INTO t (v) VALUES (?)', ['a']);
      await new Promise((r) => setTimeout(r, 20));
      order.push('tx done');
      throw new Error('boom');
    });
    const outside = db.run('INSERT INTO t (v) VALUES (?)', ['b']).then(() => order.push('outside'));
    await expect(inTx).rejects.toThrow('boom');
    await outside;
    expect(order).toEqual(['tx done', 'outside']);
    expect(await db.all<{ v: string }>('SELECT v FROM t')).toEqual([{ v: 'b' }]);
    await db.close();
  });

  it('commits what the work wrote and returns its result', async () => {
    const db = await open();
    const n = await db.transaction(async (tx) => {
      await tx.run('INSERT INTO t (v) VALUES (?)', ['x']);
      return (await tx.get<{ n: number }>('SELECT COUNT(*) AS n FROM t'))!.n;
    });
    expect(n).toBe(1);
    expect((await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM t'))!.n).toBe(1);
    await db.close();
  });
});
