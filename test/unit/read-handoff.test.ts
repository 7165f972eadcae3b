import { afterEach, describe, expect, it, vi } from 'vitest';
import { ReadHandoff } from '../../src/providers/read-handoff.js';

describe('ReadHandoff: one read of a ticket handed to the next', () => {
  afterEach(() => vi.useRealTimers());
  const counter = () => {
    let n = 0;
    return { fetch: async () => ++n, count: () => n };
  };

  it('hands a read on once: the take after it reuses it, the one after that reads again', async () => {
    const h = new ReadHandoff<number>();
    const c = counter();
    expect(await h.read('7', c.fetch)).toBe(1);
    expect(await h.take('7', c.fetch)).toBe(1);
    expect(await h.take('7', c.fetch)).toBe(2);
    expect(c.count()).toBe(2);
  });

  it('never across a write (forget), nor to another ticket, nor when it is older than its limit', async () => {
    vi.useFakeTimers({ now: 0 });
    const h = new ReadHandoff<number>(5_000);
    const c = counter();
    await h.read('7', c.fetch);
    expect(await h.take('8', c.fetch)).toBe(2);
    h.forget('7');
    expect(await h.take('7', c.fetch)).toBe(3);
    await h.read('7', c.fetch);
    vi.setSystemTime(5_001);
    expect(await h.take('7', c.fetch)).toBe(5);
  });

  it('reuse keeps a recent read for the reads after it, and reads (and holds) when there is none', async () => {
    const h = new ReadHandoff<number>();
    const c = counter();
    expect(await h.reuse('7', c.fetch)).toBe(1);
    expect(await h.reuse('7', c.fetch)).toBe(1);
    expect(await h.take('7', c.fetch)).toBe(1);
    expect(await h.reuse('7', c.fetch)).toBe(2);
  });

  it('does not hand on a failed read', async () => {
    const h = new ReadHandoff<number>();
    await expect(h.read('7', async () => Promise.reject(new Error('503')))).rejects.toThrow('503');
    expect(await h.take('7', async () => 42)).toBe(42);
  });
});
