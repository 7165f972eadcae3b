import type { EffectiveSetting } from '../../config/settings.js';
import type { ListSpec } from '../format.js';

export const settingsListSpec = (): ListSpec<EffectiveSetting> => ({
  columns: [
    { key: 'key', header: 'SETTING', value: (s) => s.key },
    { key: 'value', header: 'VALUE', value: (s) => s.value },
    { key: 'source', header: 'FROM', value: (s) => s.source, cell: (s, c) => (s.source === 'default' ? c.dim(s.source) : s.source) },
    { key: 'description', header: 'DESCRIPTION', value: (s) => s.description, flex: true, min: 20 },
  ],
  defaultFields: ['key', 'value', 'source', 'description'],
});

export interface PathRow {
  name: string;
  path: string;
  exists: boolean;
  description: string;
}

export const pathListSpec = (): ListSpec<PathRow> => ({
  columns: [
    { key: 'name', header: 'WHAT', value: (p) => p.name },
    { key: 'path', header: 'PATH', value: (p) => p.path, cell: (p, c) => (p.exists ? p.path : `${p.path} ${c.dim('(not yet)')}`) },
    { key: 'exists', header: 'EXISTS', value: (p) => p.exists },
    { key: 'description', header: 'HOLDS', value: (p) => p.description, flex: true, min: 16 },
  ],
  defaultFields: ['name', 'path', 'description'],
});
