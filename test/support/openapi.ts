/**
 * Checks recorded requests and fake responses against a vendor's API description in DESKCTL_API_SPECS
 * (default ../shared/api-specs; see prereqs.ts).
 *
 *   const spec = await loadSpec('zendesk/support-oas.yaml');      // once per test file (beforeAll)
 *   spec.assertRequests(server.requests);                          // path, method, required params, body schema
 *   spec.assertResponse('GET', '/api/v2/tickets/1', 200, body);    // a fake body validates against the schema
 *
 * Uses openapi-backend@5.20.1 in quick mode (see ../shared/api-specs/README.md). Parsing the big YAML
 * takes seconds, so the parsed definition is cached as JSON in the OS temp folder (keyed by file size
 * and mtime); the first test file pays, the others read JSON.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { apiSpecsDir } from './prereqs.js';

export interface SpecRequest {
  method: string;
  /** Path without query string. */
  path: string;
  query?: URLSearchParams | Record<string, string | string[]>;
  headers?: Record<string, string | string[] | undefined>;
  /** Parsed JSON body. */
  body?: unknown;
}

export interface SpecCheck {
  valid: boolean;
  operationId?: string;
  errors: string[];
}

/**
 * Query parameters an operation's description documents in its text but does not declare (the Zendesk
 * description does this for some filters and sideloads). `evidence` must occur in the operation's
 * description or summary, so a relaxation is always grounded in the vendor's own text.
 */
export interface DocumentedParams {
  operationId: string;
  params: string[];
  evidence: string;
}

export interface SpecValidator {
  readonly file: string;
  operationId(method: string, path: string): string | undefined;
  validateRequest(req: SpecRequest, documented?: DocumentedParams[]): SpecCheck;
  /** Throws one error listing every request that does not match the description. */
  assertRequests(reqs: SpecRequest[], opts?: { ignore?: (req: SpecRequest) => boolean; documented?: DocumentedParams[] }): void;
  assertRequest(req: SpecRequest): void;
  validateResponse(method: string, path: string, status: number, body: unknown): SpecCheck;
  assertResponse(method: string, path: string, status: number, body: unknown): void;
  /** Operation ids seen by assertRequests so far (for a coverage note). */
  readonly seenOperations: Set<string>;
}

function loadDefinition(file: string): unknown {
  const st = statSync(file);
  const key = createHash('sha1').update(`${file}:${st.size}:${st.mtimeMs}`).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), 'deskctl-openapi-cache');
  const cached = join(dir, `${key}.json`);
  if (existsSync(cached)) {
    try {
      return JSON.parse(readFileSync(cached, 'utf8'));
    } catch {
      /* rebuild */
    }
  }
  return null;
}

async function parseDefinition(file: string): Promise<unknown> {
  const hit = loadDefinition(file);
  if (hit) return hit;
  const text = readFileSync(file, 'utf8');
  let def: unknown;
  if (file.endsWith('.json')) def = JSON.parse(text);
  else {
    const YAML = await import('yaml');
    def = YAML.parse(text, { maxAliasCount: -1 });
  }
  const st = statSync(file);
  const key = createHash('sha1').update(`${file}:${st.size}:${st.mtimeMs}`).digest('hex').slice(0, 16);
  const dir = join(tmpdir(), 'deskctl-openapi-cache');
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `${key}.${process.pid}.tmp`);
  writeFileSync(tmp, JSON.stringify(def));
  renameSync(tmp, join(dir, `${key}.json`));
  return def;
}

const toQueryObject = (q: SpecRequest['query']): Record<string, string | string[]> => {
  if (!q) return {};
  if (!(q instanceof URLSearchParams)) return q;
  const out: Record<string, string | string[]> = {};
  for (const k of new Set(q.keys())) {
    const all = q.getAll(k);
    out[k] = all.length > 1 ? all : all[0]!;
  }
  return out;
};

const describeErrors = (errors: unknown): string[] =>
  ((errors as { instancePath?: string; message?: string; params?: unknown }[] | null | undefined) ?? []).map(
    (e) => `${e.instancePath || '/'} ${e.message ?? ''}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`.trim(),
  );

/**
 * OpenAPI 3.0 descriptions (Front, Intercom) write `nullable: true` beside a `$ref` or a `oneOf` without a
 * `type`. Ajv refuses to compile that ("nullable" cannot be used without "type") or ignores it; the authors
 * mean "this, or null". Rewritten as `anyOf: [<schema>, {type: 'null'}]` so such responses validate as meant
 * (and a typeless `nullable: false`, which Ajv refuses as well, is dropped).
 */
function honourNullableSiblings<T>(node: T): T {
  const walk = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(walk);
    if (!x || typeof x !== 'object') return x;
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x as Record<string, unknown>)) o[k] = walk(v);
    if (o.nullable !== undefined && o.type === undefined) {
      const { nullable, description, example, ...inner } = o;
      // `nullable: false` without a type says nothing; `nullable: true` means "or null"
      if (nullable !== true) return { ...inner, ...(description !== undefined ? { description } : {}) };
      return { ...(description !== undefined ? { description } : {}), ...(example !== undefined ? { example } : {}), anyOf: [inner, { type: 'null' }] };
    }
    return o;
  };
  return walk(node) as T;
}

/** Loads a description relative to DESKCTL_API_SPECS (default ../shared/api-specs) (e.g. 'zendesk/support-oas.yaml'). */
export async function loadSpec(relative: string): Promise<SpecValidator> {
  const file = resolve(apiSpecsDir(), relative);
  const definition = honourNullableSiblings(await parseDefinition(file));
  const { default: OpenAPIBackend } = await import('openapi-backend');
  const addFormats = (await import('ajv-formats')).default as unknown as (ajv: unknown) => unknown;
  const api = new OpenAPIBackend({
    definition: definition as never,
    strict: false,
    quick: true,
    validate: true,
    customizeAjv: (ajv) => {
      addFormats(ajv);
      return ajv;
    },
  });
  await api.init();
  const seen = new Set<string>();

  const match = (method: string, path: string) => api.matchOperation({ method: method.toLowerCase(), path, headers: {} });

  const root = definition as { paths?: Record<string, Record<string, unknown>>; components?: { parameters?: Record<string, unknown> } };
  const deref = (p: unknown): { name?: string; in?: string } => {
    const ref = (p as { $ref?: string })?.$ref;
    if (ref?.startsWith('#/components/parameters/')) return (root.components?.parameters?.[ref.slice(24)] ?? {}) as { name?: string };
    return (p ?? {}) as { name?: string };
  };
  const queryParamNames = (op: { path: string; method: string; parameters?: unknown[] }): Set<string> => {
    const names = new Set<string>();
    const pathItem = root.paths?.[op.path] as { parameters?: unknown[] } | undefined;
    for (const p of [...(pathItem?.parameters ?? []), ...(op.parameters ?? [])]) {
      const d = deref(p);
      if (d.in === 'query' && d.name) names.add(d.name);
    }
    return names;
  };

  const validateRequest = (req: SpecRequest, documented: DocumentedParams[] = []): SpecCheck => {
    const op = match(req.method, req.path);
    if (!op) return { valid: false, errors: [`no operation ${req.method.toUpperCase()} ${req.path} in ${relative}`] };
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers ?? {})) if (v !== undefined) headers[k.toLowerCase()] = v;
    const declared = queryParamNames(op as never);
    const flat = toQueryObject(req.query);
    const query: Record<string, unknown> = {};
    const errors: string[] = [];
    for (const d of documented.filter((x) => x.operationId === op.operationId)) {
      const text = `${(op as { summary?: string }).summary ?? ''}\n${(op as { description?: string }).description ?? ''}`;
      if (!text.includes(d.evidence)) errors.push(`relaxation for ${d.params.join(', ')} claims '${d.evidence}' but the description of ${op.operationId} does not say so`);
      for (const p of d.params) delete flat[p];
    }
    for (const [k, v] of Object.entries(flat)) {
      // deepObject parameters (page[size]=100) are validated as page: { size: '100' }
      const m = /^([^[\]]+)\[([^[\]]+)\]$/.exec(k);
      if (m && !declared.has(k) && declared.has(m[1]!)) {
        const base = (query[m[1]!] ??= {}) as Record<string, unknown>;
        base[m[2]!] = v;
      } else query[k] = v;
    }
    const result = api.validateRequest(
      { method: req.method.toLowerCase(), path: req.path, query: query as Record<string, string>, headers, body: req.body },
      op,
    );
    if (errors.length) return { valid: false, operationId: op.operationId, errors: [...errors, ...describeErrors(result.errors)] };
    return { valid: result.valid, operationId: op.operationId, errors: describeErrors(result.errors) };
  };

  const validator: SpecValidator = {
    file,
    seenOperations: seen,
    operationId: (method, path) => match(method, path)?.operationId,
    validateRequest,
    assertRequest(req) {
      this.assertRequests([req]);
    },
    assertRequests(reqs, opts = {}) {
      const problems: string[] = [];
      for (const r of reqs) {
        if (opts.ignore?.(r)) continue;
        const check = validateRequest(r, opts.documented);
        if (check.operationId) seen.add(check.operationId);
        if (!check.valid) {
          const q = toQueryObject(r.query);
          const qs = Object.keys(q).length ? `?${new URLSearchParams(q as Record<string, string>).toString()}` : '';
          problems.push(`${r.method.toUpperCase()} ${r.path}${qs} (${check.operationId ?? 'unknown operation'}): ${check.errors.join('; ')}`);
        }
      }
      if (problems.length) throw new Error(`${problems.length} request(s) do not match ${relative}:\n  ${problems.join('\n  ')}`);
    },
    validateResponse(method, path, status, body) {
      const op = match(method, path);
      if (!op) return { valid: false, errors: [`no operation ${method.toUpperCase()} ${path} in ${relative}`] };
      const result = api.validateResponse(body, op, status);
      return { valid: result.valid, operationId: op.operationId, errors: describeErrors(result.errors) };
    },
    assertResponse(method, path, status, body) {
      const check = this.validateResponse(method, path, status, body);
      if (!check.valid) throw new Error(`fake response for ${method.toUpperCase()} ${path} (${check.operationId}) does not match ${relative}: ${check.errors.join('; ')}`);
    },
  };
  return validator;
}
