import { describe, expect, it } from 'vitest';
import { stateDbError } from '../../src/store/pg-errors.js';
import { parseStateUrl, resolveStateTarget, schemaForAccount, stateAccount, urlWithoutPassword, withPassword } from '../../src/store/state-url.js';

describe('state URLs', () => {
  it('never shows the password, in the userinfo or as a parameter', () => {
    expect(urlWithoutPassword('postgres://ann:s3cr%40t@db.example.com:5433/desk')).toBe('postgres://ann@db.example.com:5433/desk');
    expect(urlWithoutPassword('postgres://db.example.com/desk?password=s3cret&sslmode=require')).toBe('postgres://db.example.com/desk?sslmode=require');
    expect(urlWithoutPassword('postgres://ann:s3cret@[bad')).not.toContain('s3cret');
  });

  it('accepts postgres:// and postgresql:// with a host; anything else is a configuration error (exit 4)', () => {
    expect(parseStateUrl('postgresql://ann:pw@h/db', 'X')).toEqual({ url: 'postgresql://ann:pw@h/db', shown: 'postgresql://ann@h/db', password: 'pw' });
    for (const bad of ['mysql://h/db', 'not a url', 'postgres:///db']) {
      let err: unknown;
      try {
        parseStateUrl(bad, 'DESKCTL_STATE_URL');
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ exitCode: 4, message: expect.stringContaining('DESKCTL_STATE_URL') });
    }
  });

  it('puts a password kept apart into the URL, unless the URL has one', () => {
    expect(withPassword('postgres://ann@h/db', 'p@ss')).toBe('postgres://ann:p%40ss@h/db');
    expect(withPassword('postgres://ann:own@h/db', 'other')).toBe('postgres://ann:own@h/db');
    expect(withPassword('postgres://ann@h/db', undefined)).toBe('postgres://ann@h/db');
  });
});

describe('state namespaces', () => {
  it('is the helpdesk account, so differently named profiles on one account share state', () => {
    const a = stateAccount('ann', { provider: 'zendesk', url: 'https://Acme.zendesk.com/' });
    const b = stateAccount('work', { provider: 'zendesk', url: 'https://acme.zendesk.com' });
    expect(a).toBe(b);
    expect(a).not.toBe(stateAccount('x', { provider: 'zendesk', url: 'https://other.zendesk.com' }));
    // the embedded helpdesk (and a provider without a URL) cannot tell accounts apart: the profile name
    expect(stateAccount('default', { provider: 'local' })).toBe('local:profile:default');
    expect(stateAccount('team', { provider: 'local', stateNamespace: 'support' })).toBe('ns:support');
  });

  it('maps an account to a valid, distinct PostgreSQL schema name', () => {
    const s = schemaForAccount('zendesk:acme.zendesk.com');
    expect(s).toMatch(/^deskctl_zendesk_acme_zendesk_com_[0-9a-f]{10}$/);
    expect(schemaForAccount('zendesk:acme-zendesk.com')).not.toBe(s);
    expect(schemaForAccount(`x:${'a'.repeat(200)}`).length).toBeLessThanOrEqual(63);
  });

  it('takes DESKCTL_STATE_URL over the profile, and the profile password from its env var or secrets', () => {
    const secret = (key: string, envName?: string) => (envName ? `from-${envName}` : `stored-${key}`);
    const profile = { provider: 'zendesk' as const, url: 'https://acme.zendesk.com', stateUrl: 'postgres://ann@db/desk' };
    expect(resolveStateTarget({ env: {}, profileName: 'p', profile: { provider: 'local' }, secret })).toBeUndefined();
    const fromProfile = resolveStateTarget({ env: {}, profileName: 'p', profile, secret })!;
    expect(fromProfile).toMatchObject({ url: 'postgres://ann:stored-statePassword@db/desk', shown: 'postgres://ann@db/desk', account: 'zendesk:acme.zendesk.com' });
    expect(resolveStateTarget({ env: {}, profileName: 'p', profile: { ...profile, statePasswordEnv: 'PGPW' }, secret })!.url).toBe('postgres://ann:from-PGPW@db/desk');
    const fromEnv = resolveStateTarget({ env: { DESKCTL_STATE_URL: 'postgres://bob:pw@other/db', DESKCTL_STATE_NAMESPACE: 'night' }, profileName: 'p', profile, secret })!;
    expect(fromEnv).toMatchObject({ url: 'postgres://bob:pw@other/db', shown: 'postgres://bob@other/db', account: 'ns:night', source: 'DESKCTL_STATE_URL' });
  });
});

describe('state database errors', () => {
  const where = 'postgres://ann@db/desk';
  it('is exit 4 for what a person must fix, 1 for a server that is not there, and names no password', () => {
    expect(stateDbError({ code: '28P01', message: 'password authentication failed for user "ann"' }, where)).toMatchObject({ exitCode: 4, message: 'state database postgres://ann@db/desk: the password was refused' });
    expect(stateDbError({ code: '3D000' }, where)?.exitCode).toBe(4);
    expect(stateDbError({ code: '28000' }, where)?.exitCode).toBe(4);
    expect(stateDbError({ code: '42501' }, where)?.exitCode).toBe(4);
    expect(stateDbError(new Error('SASL: SCRAM-SERVER-FIRST-MESSAGE: client password must be a string'), where)?.exitCode).toBe(4);
    for (const code of ['ECONNREFUSED', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', '57P01', '57P03', '08006']) {
      expect(stateDbError({ code }, where)?.exitCode, code).toBe(1);
    }
    expect(stateDbError(new Error('timeout expired'), where)?.exitCode).toBe(1);
    expect(stateDbError(new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]), where)?.message).toContain('connection refused');
  });

  it('leaves a faulty statement alone (a programming error, not the database being unavailable)', () => {
    expect(stateDbError({ code: '42P01', message: 'relation "x" does not exist' }, where)).toBeUndefined();
  });
});
