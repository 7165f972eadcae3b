import { it } from 'vitest';
import { readFileSync } from 'node:fs';
it('dbg', async () => {
  const YAML = await import('yaml');
  const def = YAML.parse(readFileSync('/work/shared/api-specs/intercom/api.intercom.io.v2.14.yaml', 'utf8'), { maxAliasCount: -1 });
  const out: string[] = [];
  const walk = (x: any, p: string) => {
    if (Array.isArray(x)) return x.forEach((v, i) => walk(v, p + '/' + i));
    if (!x || typeof x !== 'object') return;
    if (x.nullable === true && x.type === undefined) out.push(p + ' ' + Object.keys(x).join(','));
    for (const [k, v] of Object.entries(x)) walk(v, p + '/' + k);
  };
  walk(def, '');
  console.log(out.length, out.join('\n'));
});
