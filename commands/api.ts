import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { ContextFactory } from '../src/cli.js';
import { UsageError } from '../src/errors.js';
import type { ApiPlan } from '../src/providers/http/api-request.js';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'] as const;
type Method = (typeof METHODS)[number];

export interface ApiFlags {
  field?: string[];
  rawField?: string[];
  header?: string[];
  input?: string;
  paginate?: boolean;
  include?: boolean;
  silent?: boolean;
  maxPages?: string;
}

export type ApiRequestPlan = ApiPlan;

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** A typed --field value: true, false, null, numbers, @file (or @- for stdin); else the string. */
export function typedValue(raw: string, readFile: (path: string) => string): unknown {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  if (raw === 'null') return null;
  if (/^-?\d+(\.\d+)?$/.test(raw) && raw.length < 16) return Number(raw);
  if (raw.startsWith('@')) return readFile(raw.slice(1));
  return raw;
}

/** Sets a value at `a[b][c]` or `a[]` (append) in an object, gh-style. */
function assign(target: Record<string, unknown>, key: string, value: unknown): void {
  const m = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
  if (!m) throw new UsageError(`invalid field name '${key}'`, 'use name, name[sub] or name[] for arrays');
  const parts = [m[1]!, ...[...m[2]!.matchAll(/\[([^[\]]*)\]/g)].map((x) => x[1]!)];
  let cur: Record<string, unknown> | unknown[] = target;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const last = i === parts.length - 1;
    const nextIsArray = parts[i + 1] === '';
    if (Array.isArray(cur)) {
      if (last) cur.push(value);
      else {
        const child = nextIsArray ? [] : {};
        cur.push(child);
        cur = child;
      }
      continue;
    }
    if (last) {
      if (part === '') throw new UsageError(`invalid field name '${key}'`);
      cur[part] = value;
    } else {
      const existing = cur[part];
      if (existing === undefined) cur[part] = nextIsArray ? [] : {};
      else if (typeof existing !== 'object' || existing === null) throw new UsageError(`field '${key}' conflicts with an earlier value of '${part}'`);
      cur = cur[part] as Record<string, unknown> | unknown[];
    }
  }
}

/** Parses and validates everything before a request is sent (usage errors exit 2). */
export function planApiRequest(methodArg: string, pathArg: string | undefined, o: ApiFlags, readFile: (path: string) => string): ApiRequestPlan {
  let method = methodArg.toUpperCase();
  let path = pathArg;
  if (path === undefined) {
    // `deskctl api /api/v2/tickets` means GET
    if (methodArg.startsWith('/') || /^https?:\/\//.test(methodArg)) {
      path = methodArg;
      method = 'GET';
    } else throw new UsageError('missing PATH', 'e.g. deskctl api GET /api/v2/tickets');
  }
  if (!(METHODS as readonly string[]).includes(method)) throw new UsageError(`invalid method '${methodArg}'`, `use one of ${METHODS.join(', ')}`);
  if (!path.trim()) throw new UsageError('PATH is empty', 'e.g. /api/v2/users/me');
  const headers: Record<string, string> = {};
  for (const h of o.header ?? []) {
    const i = h.indexOf(':');
    if (i <= 0) throw new UsageError(`invalid --header '${h}'`, "use 'Name: value'");
    headers[h.slice(0, i).trim().toLowerCase()] = h.slice(i + 1).trim();
  }
  const params: Record<string, unknown> = {};
  const pairs: [string, unknown][] = [];
  for (const f of o.rawField ?? []) {
    const i = f.indexOf('=');
    if (i <= 0) throw new UsageError(`invalid --raw-field '${f}'`, 'use KEY=VALUE');
    pairs.push([f.slice(0, i), f.slice(i + 1)]);
  }
  for (const f of o.field ?? []) {
    const i = f.indexOf('=');
    if (i <= 0) throw new UsageError(`invalid --field '${f}'`, 'use KEY=VALUE (VALUE may be true, false, null, a number or @file)');
    pairs.push([f.slice(0, i), typedValue(f.slice(i + 1), readFile)]);
  }
  const maxPages = o.maxPages !== undefined ? Number(o.maxPages) : 1000;
  if (!Number.isInteger(maxPages) || maxPages < 1) throw new UsageError(`invalid --max-pages '${o.maxPages}'`, 'give a positive whole number');
  if (o.paginate && method !== 'GET') throw new UsageError('--paginate works with GET only');

  const query: Record<string, string | string[]> = {};
  let json: unknown;
  let body: string | undefined;
  const sendsBody = method !== 'GET' && method !== 'HEAD';
  if (o.input !== undefined) {
    if (!sendsBody) throw new UsageError(`--input sends a body; ${method} has none`, 'use POST, PUT or PATCH');
    body = readFile(o.input);
    headers['content-type'] ??= 'application/json';
  }
  if (pairs.length) {
    if (sendsBody && body === undefined) {
      for (const [k, v] of pairs) assign(params, k, v);
      json = params;
    } else {
      // GET (or with --input): fields become query parameters; k[]=v repeats
      for (const [k, v] of pairs) {
        const value = v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
        const existing = query[k];
        query[k] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
      }
    }
  }
  return { method: method as Method, path, query, json, body, headers, paginate: Boolean(o.paginate), maxPages };
}

export function register(program: Command, context: ContextFactory): void {
  const cmd = program
    .command('api')
    .description("Make an authenticated HTTP request to the helpdesk's API, with the profile's credentials, rate limit and retries")
    .argument('<method>', `${METHODS.join(', ')} (or the PATH, for GET)`)
    .argument('[path]', 'API path, e.g. /api/v2/users/me (relative to the profile URL)')
    .option('-F, --field <key=value>', 'typed parameter: true, false, null, numbers, @file; JSON body for POST/PUT/PATCH, query for GET', collect)
    .option('-f, --raw-field <key=value>', 'string parameter (no type conversion)', collect)
    .option('-H, --header <name:value>', 'extra request header', collect)
    .option('--input <file>', "request body from a file ('-' for standard input)")
    .option('--paginate', 'follow next pages and print all items as one JSON array')
    .option('--max-pages <n>', 'stop --paginate after this many pages (default 1000)')
    .option('-i, --include', 'print the status line and response headers before the body')
    .option('--silent', 'print nothing on success (the exit code tells)');
  cmd.addHelpText(
    'after',
    `
Examples:
  $ deskctl api /api/v2/users/me
  $ deskctl api GET /api/v2/tickets -F page[size]=10
  $ deskctl api GET /api/v2/search/export -f query='status<solved' -f filter[type]=ticket --paginate
  $ deskctl api PUT /api/v2/tickets/42 -F ticket[status]=solved -F ticket[comment][body]=@reply.txt
  $ deskctl --profile fd api GET /api/v2/agents/me
  $ echo '{"ticket":{"priority":"high"}}' | deskctl api PUT /api/v2/tickets/42 --input -

Writes that are not idempotent (POST, PATCH) are not repeated after an ambiguous failure (reset, timeout, 5xx).
`,
  );
  cmd.action(async (methodArg: string, pathArg: string | undefined, o: ApiFlags, c: Command) => {
    let stdinText: string | undefined;
    const readFile = (p: string) => {
      if (p === '-') return (stdinText ??= readFileSync(0, 'utf8'));
      try {
        return readFileSync(p, 'utf8');
      } catch (err) {
        throw new UsageError(`cannot read ${p}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'check the file name');
      }
    };
    const plan = planApiRequest(methodArg, pathArg, o, readFile);
    const ctx = context(c);
    const { runApiRequest } = await import('../src/providers/http/api-request.js');
    const out = await runApiRequest(await ctx.provider(), plan, { profileName: await ctx.profileName(), debug: (m) => ctx.io.debug(m) });
    if (o.silent) {
      if (out.failed) process.exitCode = 1;
      return;
    }
    if (o.include && out.head) ctx.output.text(out.head);
    if (out.body !== undefined) ctx.output.text(out.body);
    if (out.failed) {
      ctx.io.warn(out.failed);
      process.exitCode = 1;
    }
  });
}
