import { afterAll, describe, expect, it } from 'vitest';
import { DeskctlError } from '../../src/errors.js';
import { FrontProvider } from '../../src/providers/front/provider.js';
import { HelpScoutProvider } from '../../src/providers/helpscout/provider.js';
import { HttpClient } from '../../src/providers/http.js';
import { IntercomProvider } from '../../src/providers/intercom/provider.js';
import type { HelpdeskProvider } from '../../src/providers/provider.js';
import { RtProvider } from '../../src/providers/rt/index.js';
import { checkCapabilities } from '../../src/tickets/service.js';

// providers are only constructed here: nothing is sent (the port is never contacted)
const http = new HttpClient({ vendor: 'Test', baseUrl: 'http://127.0.0.1:9' });
afterAll(() => http.close());
const now = () => new Date('2026-11-25T09:00:00Z');

const refusal = (provider: HelpdeskProvider, patch: Parameters<typeof checkCapabilities>[1]): DeskctlError => {
  try {
    checkCapabilities(provider, patch);
  } catch (err) {
    expect(err).toBeInstanceOf(DeskctlError);
    return err as DeskctlError;
  }
  throw new Error('expected a refusal');
};

describe('checkCapabilities', () => {
  it("RT without a tags field: refuses tag changes with RT's own hint (--option tagsField=NAME)", () => {
    const rt = new RtProvider(http, { webBase: 'http://127.0.0.1:9' });
    for (const patch of [{ addTags: ['vip'] }, { removeTags: ['vip'] }]) {
      const err = refusal(rt, patch);
      expect(err.message).toBe('Request Tracker has no tags');
      expect(err.hint).toMatch(/--option tagsField=NAME/);
    }
  });

  it('RT with a tags field: tag changes pass', () => {
    expect(() => checkCapabilities(new RtProvider(http, { webBase: 'http://127.0.0.1:9', tagsField: 'Tags' }), { addTags: ['vip'] })).not.toThrow();
  });

  it("uses Help Scout's, Front's and Intercom's priority hints", () => {
    const hs = refusal(new HelpScoutProvider({ http, now }), { priority: 'high' });
    expect(hs.message).toBe('Help Scout has no priority field');
    expect(hs.hint).toMatch(/^drop --priority; use tags/);
    expect(refusal(new FrontProvider({ http, now }), { priority: 'high' }).hint).toBe('leave out --priority for Front profiles (use a tag instead)');
    expect(refusal(new IntercomProvider({ http, now }), { priority: 'high' }).hint).toBe('leave out --priority for Intercom profiles');
  });

  it('falls back to the generic hint, and names every gap', () => {
    const caps = { priority: false, channels: false, groups: false, internalNotes: false, tags: false, ratings: [], serverFilters: [], defaultConcurrency: 1 };
    const bare = { displayName: 'Bare Desk', capabilities: caps } as unknown as HelpdeskProvider;
    const err = refusal(bare, { priority: 'low', group: 'Billing' });
    expect(err.message).toBe('Bare Desk has no priority field and has no groups');
    expect(err.hint).toBe('leave that flag out for this profile');
    const hinted = { displayName: 'Bare Desk', capabilities: { ...caps, hints: { tags: 'use a custom field' } } } as unknown as HelpdeskProvider;
    const both = refusal(hinted, { group: 'Billing', addTags: ['x'] });
    expect(both.message).toBe('Bare Desk has no groups and has no tags');
    expect(both.hint).toBe('leave that flag out for this profile; use a custom field');
  });
});
