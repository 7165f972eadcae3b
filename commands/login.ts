import type { Command } from 'commander';
import type { ContextFactory } from '../src/cli.js';
import { parsePositiveInt } from '../src/domain/parse.js';
import { UsageError } from '../src/errors.js';
import { addOutputOptions, examples, outputFlags } from './_shared/output-flags.js';

/** Helpdesks whose sign-in is an OAuth flow deskctl runs itself. */
const LOGIN_PROVIDERS = ['zendesk'];

export interface LoginFlags {
  port?: string;
  scopes?: string;
  browser?: boolean;
  clientCredentials?: boolean;
  timeout?: string;
}

/** Validates the flags before any I/O. */
export function parseLoginFlags(o: LoginFlags): { port?: number; scopes?: string[]; clientCredentials: boolean; timeoutMs?: number } {
  let port: number | undefined;
  if (o.port !== undefined) {
    port = o.port === '0' ? 0 : parsePositiveInt(o.port, '--port');
    if (port > 65_535) throw new UsageError(`invalid --port '${o.port}'`, 'give a port between 1 and 65535 (0 = any free port)');
  }
  const scopes = o.scopes?.split(/[\s,]+/).filter(Boolean);
  if (o.scopes !== undefined && !scopes?.length) throw new UsageError('--scopes is empty', "give scopes like 'read write'");
  if (o.clientCredentials && o.port !== undefined) throw new UsageError('--port has no use with --client-credentials', 'drop one of them');
  const timeoutMs = o.timeout !== undefined ? parsePositiveInt(o.timeout, '--timeout') * 1000 : undefined;
  return { port, scopes, clientCredentials: Boolean(o.clientCredentials), timeoutMs };
}

export function register(program: Command, context: ContextFactory): void {
  const cmd = program
    .command('login')
    .description('Sign in to the helpdesk of a profile with OAuth (Zendesk) and store the token')
    .option('--port <n>', `loopback port for the OAuth redirect (default 47615; 0 = any free port)`)
    .option('--scopes <list>', "OAuth scopes (default: 'read write')")
    .option('--no-browser', 'do not open a browser; print the sign-in URL only')
    .option('--client-credentials', 'use the client-credentials grant (needs the client secret; for cron and scripts)')
    .option('--timeout <seconds>', 'how long to wait for the browser sign-in (default 300)');
  addOutputOptions(cmd, { status: true });
  examples(cmd, [
    'deskctl login --profile work                        # opens the Zendesk sign-in page, stores the token',
    'deskctl login --profile work --port 8765            # the OAuth client lists http://127.0.0.1:8765/callback',
    'deskctl login --profile cron --client-credentials   # no browser: the client secret gets the token',
    'BROWSER=firefox deskctl login                       # choose the browser',
  ]);
  cmd.addHelpText(
    'after',
    `
Register http://127.0.0.1:<port>/callback as a redirect URL of the OAuth client (Zendesk Admin Center >
Apps and integrations > APIs > OAuth clients). The token is stored in the profile's secrets (mode 0600)
and refreshed automatically; the profile switches to auth 'oauth'.
`,
  );
  cmd.action(async (o: LoginFlags & Record<string, unknown>, c: Command) => {
    const flags = parseLoginFlags(o);
    const ctx = context(c);
    const name = await ctx.profileName();
    const config = await ctx.config();
    const profile = config.getProfile(name);
    if (!LOGIN_PROVIDERS.includes(profile.provider)) {
      throw new UsageError(
        `deskctl login signs in to ${LOGIN_PROVIDERS.join(', ')}; profile '${name}' is ${profile.provider}`,
        profile.provider === 'local' ? 'pick a Zendesk profile with --profile NAME' : `store its credentials with 'deskctl profile add ${profile.provider} --name ${name} --with-token --force'`,
      );
    }
    const { zendeskLogin } = await import('../src/providers/zendesk/login.js');
    const { openInBrowser } = await import('../src/providers/oauth.js');
    const result = await zendeskLogin({
      profileName: name,
      profile,
      config,
      io: ctx.io,
      port: flags.port,
      scopes: flags.scopes,
      clientCredentials: flags.clientCredentials,
      timeoutMs: flags.timeoutMs,
      openBrowser: o.browser === false ? undefined : (url) => openInBrowser(url, ctx.env),
    });
    // one authenticated call proves the token works
    const provider = await ctx.provider();
    const me = await provider.currentAgent();
    const view = { profile: name, helpdesk: profile.provider, user: me?.name ?? null, email: me?.email ?? null, role: me?.role ?? null, ...result };
    ctx.output.record(
      view,
      () =>
        `${ctx.io.color.green('✓')} ${name}: signed in to Zendesk as ${me?.name ?? 'unknown'}${me?.email ? ` <${me.email}>` : ''}` +
        `${result.expiresAt ? ` (token refreshed automatically; expires ${result.expiresAt})` : ''}`,
      outputFlags(o),
    );
  });
}
