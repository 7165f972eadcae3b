import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { ContextFactory } from '../src/cli.js';
import type { ConfigStore } from '../src/config/config-store.js';
import { DEFAULT_PROFILE, PROFILE_NAME, PROVIDER_KINDS, type Profile, type ProviderKind } from '../src/config/profile.js';
import { SlaTargetsSchema } from '../src/config/profile-schema.js';
import { checkBaseUrl, requirementsFor } from '../src/config/requirements.js';
import type { Context } from '../src/context.js';
import { CHANNELS } from '../src/domain/model.js';
import { parseDurationMs, parseEnum, parsePositiveInt } from '../src/domain/parse.js';
import { ConfigError, UsageError } from '../src/errors.js';
import { registerSecret } from '../src/output/redact.js';
import { STATE_PASSWORD_SECRET } from '../src/store/state-secret.js';
import { addOutputOptions, collectList, examples, outputFlags } from './_shared/output-flags.js';

interface ProfileRow {
  name: string;
  current: boolean;
  provider: string;
  url: string | null;
  user: string | null;
}

/** Parses --sla chat=60s,email=24h into seconds per channel. */
export function parseSlaFlags(values: string[]): Profile['sla'] {
  const out: Record<string, number> = {};
  for (const v of values) {
    const [ch, dur] = v.split('=');
    const channel = parseEnum(ch ?? '', CHANNELS, '--sla channel');
    const ms = dur === '0' ? 0 : parseDurationMs(dur ?? '');
    if (ms === undefined) throw new UsageError(`invalid --sla target '${v}'`, 'use CHANNEL=DURATION, e.g. chat=60s or email=24h');
    out[channel] = ms / 1000;
  }
  return SlaTargetsSchema.parse(out);
}

function parseOptionFlags(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const i = v.indexOf('=');
    if (i <= 0) throw new UsageError(`invalid --option '${v}'`, 'use KEY=VALUE');
    out[v.slice(0, i)] = v.slice(i + 1);
  }
  return out;
}

async function buildProfile(ctx: Context, kindArg: string | undefined, o: Record<string, unknown>, config: ConfigStore) {
  const interactive = ctx.io.interactive;
  const ask = interactive ? await ctx.prompts('the missing flags') : undefined;
  let kind = kindArg;
  if (!kind) {
    if (!ask) throw new UsageError('which helpdesk?', `give it as the first argument: ${PROVIDER_KINDS.join(', ')}`);
    kind = await ask.select({
      message: 'Which helpdesk?',
      choices: PROVIDER_KINDS.map((k) => ({ value: k, name: k === 'local' ? 'local — the embedded helpdesk on this machine (sandbox, demo, imports)' : `${k} — ${requirementsFor(k, {}).label}`, short: k })),
    });
  }
  const provider = parseEnum(kind, PROVIDER_KINDS, 'helpdesk') as ProviderKind;
  let name = o.name as string | undefined;
  if (!name) {
    if (!ask) throw new UsageError('the profile needs a name', 'give --name NAME');
    name = await ask.input({ message: 'Profile name (for --profile NAME)', default: provider === 'local' ? 'sandbox' : provider, validate: (v) => PROFILE_NAME.test(v) || 'letters, digits, dot, dash, underscore' });
  }
  if (!PROFILE_NAME.test(name)) throw new UsageError(`invalid profile name '${name}'`, 'use letters, digits, dot, dash or underscore');
  if (config.hasProfile(name) && name !== DEFAULT_PROFILE && !o.force) {
    throw new UsageError(`profile '${name}' already exists`, 'pass --force to replace it, or choose another --name');
  }
  const profile: Profile = { provider };
  const copy: Array<[keyof Profile, string]> = [
    ['url', 'url'], ['user', 'user'], ['tokenEnv', 'tokenEnv'], ['passwordEnv', 'passwordEnv'], ['clientId', 'clientId'],
    ['clientSecretEnv', 'clientSecretEnv'], ['auth', 'auth'], ['region', 'region'], ['agent', 'agent'], ['signature', 'signature'],
  ];
  for (const [field, flag] of copy) if (o[flag] !== undefined) (profile as Record<string, unknown>)[field] = String(o[flag]);
  if (profile.region !== undefined) profile.region = parseEnum(profile.region, ['us', 'eu', 'au'] as const, '--region');
  if (o.rateLimit !== undefined) profile.rateLimit = parsePositiveInt(String(o.rateLimit), '--rate-limit');
  if (o.concurrency !== undefined) profile.concurrency = parsePositiveInt(String(o.concurrency), '--concurrency');
  if ((o.sla as string[] | undefined)?.length) profile.sla = parseSlaFlags(o.sla as string[]);
  if ((o.option as string[] | undefined)?.length) profile.options = parseOptionFlags(o.option as string[]);

  const req = requirementsFor(provider, profile);
  for (const f of req.fields) {
    if (profile[f.field] !== undefined) continue;
    if (!ask) throw new UsageError(`${req.label} needs ${f.flag}`, f.example ? `e.g. ${f.flag} ${f.example}` : `give ${f.flag}`);
    (profile as Record<string, unknown>)[f.field] = (
      await ask.input({ message: f.example ? `${f.prompt}, e.g. ${f.example}:` : `${f.prompt}:`, validate: (v) => Boolean(v.trim()) || `${f.flag.replace(/^--/, '')} is needed` })
    ).trim();
  }
  const statePassword = await stateSettings(profile, o);
  if (profile.url) {
    const problem = checkBaseUrl(profile.url);
    if (problem) throw new UsageError(problem, 'use the https:// address of the helpdesk');
    profile.url = profile.url.replace(/\/+$/, '');
  }
  // secrets: from --with-token (stdin), an env var named in the profile, or a hidden prompt
  const secrets: Record<string, string> = {};
  for (const s of req.secrets) {
    if (profile[s.envField]) continue;
    if (o.withToken) {
      const value = readFileSync(0, 'utf8').trim();
      if (!value) throw new UsageError(`no ${s.label} on standard input`, `pipe it in: deskctl profile add ${provider} ... --with-token < token.txt`);
      secrets[s.key] = value;
      continue;
    }
    if (!ask && s.optional) continue;
    if (!ask) {
      throw new UsageError(
        `${req.label} needs ${/^[aeiou]/i.test(s.label) ? 'an' : 'a'} ${s.label}`,
        `name an environment variable with --${s.envField.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} VAR, or pipe it with --with-token`,
      );
    }
    const answer = await ask.password({ message: `${s.label} (stored in ${config.paths.configDir}/secrets.json, mode 0600)`, mask: '*' });
    if (answer || !s.optional) secrets[s.key] = answer;
  }
  if (statePassword) secrets[STATE_PASSWORD_SECRET] = statePassword;
  return { name, profile, secrets };
}

/**
 * Team mode flags: the state URL is stored without its password; a password written in it goes to
 * secrets.json (0600) like a token. Returns that password, if any.
 */
async function stateSettings(profile: Profile, o: Record<string, unknown>): Promise<string | undefined> {
  if (o.statePasswordEnv !== undefined) profile.statePasswordEnv = String(o.statePasswordEnv);
  if (o.stateNamespace !== undefined) profile.stateNamespace = String(o.stateNamespace);
  if (o.stateUrl === undefined) {
    if (profile.statePasswordEnv || profile.stateNamespace) throw new UsageError('--state-password-env and --state-namespace need --state-url', 'give --state-url postgres://USER@HOST:PORT/DB');
    return undefined;
  }
  const { parseStateUrl, urlWithoutPassword } = await import('../src/store/state-url.js');
  let parsed;
  try {
    parsed = parseStateUrl(String(o.stateUrl), '--state-url');
  } catch (err) {
    throw new UsageError((err as Error).message, 'use postgres://USER@HOST:PORT/DATABASE');
  }
  profile.stateUrl = urlWithoutPassword(parsed.url);
  registerSecret(parsed.password);
  return parsed.password;
}

export function register(program: Command, context: ContextFactory): void {
  const profile = program.command('profile').alias('profiles').description('Add, list, switch and test helpdesk profiles');
  examples(profile, ['deskctl profile add zendesk --name work --url https://acme.zendesk.com --client-id deskctl --client-secret-env ZD_SECRET', 'deskctl profile use work', 'deskctl profile test']);

  const add = profile
    .command('add')
    .argument('[helpdesk]', `one of ${PROVIDER_KINDS.join(', ')}`)
    .description('Add a helpdesk profile (asks for what is missing on a terminal)')
    .option('-n, --name <name>', 'profile name')
    .option('--url <url>', 'helpdesk base URL (https; http only for localhost)')
    .option('--user <user>', 'login: agent email (Zendesk API token) or RT user')
    .option('--token-env <var>', 'read the API token/key from this environment variable')
    .option('--password-env <var>', 'read the password from this environment variable')
    .option('--client-id <id>', 'OAuth client id')
    .option('--client-secret-env <var>', 'read the OAuth client secret from this environment variable')
    .option('--with-token', 'read the token/key/password/secret from standard input and store it (mode 0600)')
    .option('--auth <method>', 'auth method where there is a choice: oauth | token | basic')
    .option('--region <region>', 'Intercom region: us | eu | au')
    .option('--agent <email>', 'who "me" is, where the helpdesk cannot tell (embedded helpdesk)')
    .option('--signature <text>', 'signature for templates ({{ agent.signature }})')
    .option('--rate-limit <n>', 'requests per minute allowed by your plan')
    .option('--concurrency <n>', 'parallel requests for bulk operations')
    .option('--sla <targets>', 'first-response targets, e.g. chat=60s,email=24h', collectList)
    .option('--option <key=value>', 'vendor-specific setting (repeatable)', (v: string, p: string[] = []) => [...p, v])
    .option('--state-url <url>', "team mode: keep deskctl's own state in this PostgreSQL database (postgres://USER@HOST:PORT/DB; a password in it is moved to the secrets file)")
    .option('--state-password-env <var>', 'read the state database password from this environment variable')
    .option('--state-namespace <name>', 'share state under this name instead of the helpdesk account')
    .option('--use', 'make it the current profile')
    .option('--force', 'replace an existing profile of that name')
    .action(async (kind: string | undefined, o: Record<string, unknown>, cmd: Command) => {
      const ctx = context(cmd);
      const config = await ctx.config();
      // the program's global --rate-limit (this run) shadows the subcommand's flag of the same name
      const rateLimit = o.rateLimit ?? (cmd.optsWithGlobals() as { rateLimit?: unknown }).rateLimit;
      const { name, profile: p, secrets } = await buildProfile(ctx, kind, { ...o, rateLimit }, config);
      await config.addProfile(name, p, secrets);
      if (o.use) await config.useProfile(name);
      ctx.io.info(`${ctx.io.errColor.green('✓')} Added profile '${name}' (${p.provider})${o.use ? ' and made it current' : ''}.${p.provider === 'zendesk' && p.clientId && !secrets.client_secret && !p.clientSecretEnv ? ` Sign in with: deskctl login --profile ${name}` : ` Check it with: deskctl profile test ${name}`}`);
    });
  examples(add, [
    'deskctl profile add zendesk --name work --url https://acme.zendesk.com --client-id deskctl --client-secret-env ZENDESK_SECRET',
    'deskctl profile add zendesk --name legacy --url https://acme.zendesk.com --user me@acme.com --auth token --with-token < token.txt',
    'deskctl profile add freshdesk --name fd --url https://acme.freshdesk.com --token-env FRESHDESK_KEY --rate-limit 200',
    'deskctl profile add rt --name rt --url https://rt.example.org --user alice --password-env RT_PASSWORD',
    'deskctl profile add local --name sandbox --agent alex.rivera@northwind.example',
    'deskctl profile add zendesk --name team --url https://acme.zendesk.com --token-env ZD_TOKEN --state-url postgres://deskctl@db.internal/deskctl --state-password-env DESKCTL_DB_PASSWORD',
  ]);

  const list = addOutputOptions(profile.command('list').alias('ls').description('List profiles')).action(async (o: Record<string, unknown>, cmd: Command) => {
    const ctx = context(cmd);
    const config = await ctx.config();
    const current = await ctx.profileName();
    const rows: ProfileRow[] = config.profileNames().map((name) => {
      const p = config.getProfile(name);
      return { name, current: name === current, provider: p.provider, url: p.url ?? null, user: p.user ?? p.clientId ?? p.agent ?? null };
    });
    ctx.output.list(
      rows,
      {
        columns: [
          { key: 'name', header: 'name', value: (r) => r.name, cell: (r, c) => (r.current ? c.green(`* ${r.name}`) : `  ${r.name}`) },
          { key: 'provider', header: 'helpdesk', value: (r) => r.provider },
          { key: 'url', header: 'url', value: (r) => r.url, cell: (r, c) => r.url ?? c.dim('-'), flex: true },
          { key: 'user', header: 'user', value: (r) => r.user, cell: (r, c) => r.user ?? c.dim('-'), flex: true },
          { key: 'current', header: 'current', value: (r) => r.current },
        ],
        defaultFields: ['name', 'provider', 'url', 'user'],
      },
      outputFlags(o),
    );
  });
  examples(list, ['deskctl profile list', 'deskctl profile list --json']);

  const use = profile.command('use').argument('<name>').description('Make a profile the current one').action(async (name: string, _o: unknown, cmd: Command) => {
    const ctx = context(cmd);
    await (await ctx.config()).useProfile(name);
    ctx.io.info(`${ctx.io.errColor.green('✓')} Now using profile '${name}'.`);
  });
  examples(use, ['deskctl profile use work', 'DESKCTL_PROFILE=work deskctl tickets list   # for one call']);

  const remove = profile
    .command('remove')
    .alias('rm')
    .argument('<name>')
    .description('Remove a profile and its stored secrets (its local data stays on disk)')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (name: string, o: { yes?: boolean }, cmd: Command) => {
      const ctx = context(cmd);
      const config = await ctx.config();
      config.getProfile(name);
      if (name === DEFAULT_PROFILE && !config.profileNames().includes(name)) throw new ConfigError(`profile '${name}' is built in`);
      if (!o.yes) {
        const p = await ctx.prompts('--yes');
        if (!(await p.confirm({ message: `Remove profile '${name}' and its secrets?`, default: false }))) return;
      }
      await config.removeProfile(name);
      ctx.io.info(`${ctx.io.errColor.green('✓')} Removed profile '${name}'.`);
    });
  examples(remove, ['deskctl profile remove old-zendesk --yes']);

  const show = addOutputOptions(profile.command('show').argument('[name]', 'profile (default: current)').description('Show a profile; secrets are masked')).action(
    async (nameArg: string | undefined, o: Record<string, unknown>, cmd: Command) => {
      const ctx = context(cmd);
      const config = await ctx.config();
      const name = nameArg ?? (await ctx.profileName());
      const p = config.getProfile(name);
      const req = requirementsFor(p.provider, p);
      const secrets: Record<string, string> = {};
      const stored = config.secretKeys(name);
      for (const s of req.secrets) {
        const env = p[s.envField] as string | undefined;
        secrets[s.key] = env ? `from $${env} (${process.env[env] ? 'set' : 'NOT SET'})` : stored.includes(s.key) ? 'stored (****)' : 'missing';
      }
      if (p.stateUrl) {
        const env = p.statePasswordEnv;
        secrets[STATE_PASSWORD_SECRET] = env ? `from $${env} (${process.env[env] ? 'set' : 'NOT SET'})` : stored.includes(STATE_PASSWORD_SECRET) ? 'stored (****)' : 'none (PGPASSWORD or ~/.pgpass, if any)';
      }
      for (const k of stored) secrets[k] ??= 'stored (****)';
      const view = { name, current: name === (await ctx.profileName()), ...p, secrets };
      ctx.output.record(
        view,
        () =>
          Object.entries(view)
            .flatMap(([k, v]) => {
              const label = ctx.io.color.bold(k.padEnd(16));
              if (v && typeof v === 'object' && !Array.isArray(v)) {
                const entries = Object.entries(v as Record<string, unknown>);
                if (!entries.length) return [`${label}${ctx.io.color.dim('none')}`];
                // one line per key (secrets, SLA targets), indented under the label
                return entries.map(([sk, sv], i) => `${i ? ' '.repeat(16) : label}${sk}: ${typeof sv === 'object' ? JSON.stringify(sv) : String(sv)}`);
              }
              return [`${label}${Array.isArray(v) ? v.join(', ') : String(v)}`];
            })
            .join('\n'),
        outputFlags(o),
      );
    },
  );
  examples(show, ['deskctl profile show', 'deskctl profile show work --json']);

  const test = addOutputOptions(profile.command('test').argument('[name]', 'profile (default: current)').description('Make one cheap authenticated call and report the account')).action(
    async (nameArg: string | undefined, o: Record<string, unknown>, cmd: Command) => {
      const ctx = context(nameArg ? withProfile(cmd, nameArg) : cmd);
      const started = Date.now();
      const provider = await ctx.provider();
      const describe = (provider as { describeAccount?: () => Promise<{ account: string; user?: string; rateLimit?: string }> }).describeAccount;
      const info = describe ? await describe.call(provider) : { account: provider.displayName, user: (await provider.currentAgent())?.name };
      const result = { profile: await ctx.profileName(), helpdesk: provider.kind, ...info, ms: Date.now() - started };
      ctx.output.record(
        result,
        () => `${ctx.io.color.green('✓')} ${result.profile}: ${info.account}${info.user ? `, signed in as ${info.user}` : ''}${info.rateLimit ? `, rate limit ${info.rateLimit}` : ''} (${result.ms} ms)`,
        outputFlags(o),
      );
    },
  );
  examples(test, ['deskctl profile test', 'deskctl profile test work']);
}

/** Lets `profile test NAME` pick the profile like --profile NAME would. */
function withProfile(cmd: Command, name: string): Command {
  cmd.setOptionValueWithSource('profile', name, 'cli');
  let root: Command = cmd;
  while (root.parent) root = root.parent;
  root.setOptionValueWithSource('profile', name, 'cli');
  return cmd;
}
