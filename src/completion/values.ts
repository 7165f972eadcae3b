import { PROVIDER_KINDS } from '../config/profile.js';
import { CHANNELS, PRIORITIES, STATUSES } from '../domain/model.js';
import { SORT_FIELDS } from '../domain/query.js';
import { metricCatalog } from '../metrics/catalog.js';
import type { DynamicValues } from './dynamic.js';

/** Where the values of an option or argument come from, for shell completion. */
export type ValueSource =
  | { kind: 'words'; words: readonly string[] }
  /** Asked at completion time: `deskctl __complete NAME`; `also` are offered with them (me, none). */
  | { kind: 'dynamic'; name: DynamicValues; also?: readonly string[] }
  | { kind: 'files' };


const words = (list: readonly string[]): ValueSource => ({ kind: 'words', words: list });
const dynamic = (name: DynamicValues, also?: readonly string[]): ValueSource => ({ kind: 'dynamic', name, also });
const files: ValueSource = { kind: 'files' };

const TIME_UNITS = ['day', 'week', 'month'];
const statuses = words([...STATUSES, 'unsolved']);

/**
 * Values by an option's long flag (the commands and flags themselves come from the command tree).
 * An option whose flag is not here and has no choices completes nothing (free text).
 */
export const OPTION_VALUES: Record<string, ValueSource> = {
  '--profile': dynamic('profiles'),
  '--into': dynamic('profiles'),
  '--template': dynamic('templates'),
  '--status': statuses,
  '--set-status': words(STATUSES),
  '--only-if-status': words(STATUSES),
  '--priority': words(PRIORITIES),
  '--channel': words(CHANNELS),
  '--assignee': dynamic('agents', ['me', 'none']),
  '--group': dynamic('groups', ['none']),
  '--sort': words(SORT_FIELDS.flatMap((f) => [f, `${f}:asc`, `${f}:desc`])),
  '--sla': words(['breached', 'at-risk', 'ok', 'met']),
  '--group-by': words(['agent', 'channel', 'group', 'tag', ...TIME_UNITS]),
  '--by': words(TIME_UNITS),
  '--source': words(['walk', 'apply']),
  '--mode': words(['all-match', 'first-match']),
  '--auth': words(['oauth', 'token', 'basic']),
  '--region': words(['us', 'eu', 'au']),
  '--out': files,
  '--body-file': files,
  '--ids-file': files,
  '--failed-out': files,
  '--rules': files,
  '--input': files,
  '--log': files,
};

/** Values of a command's positional arguments, by command path. */
export const ARGUMENT_VALUES: Record<string, ValueSource> = {
  'profile use': dynamic('profiles'),
  'profile remove': dynamic('profiles'),
  'profile show': dynamic('profiles'),
  'profile test': dynamic('profiles'),
  'profile add': words(PROVIDER_KINDS),
  'templates show': dynamic('templates'),
  'templates preview': dynamic('templates'),
  'templates lint': dynamic('templates'),
  'metrics trend': words(metricCatalog([...CHANNELS]).map((d) => d.name).filter((n) => !/^sla-(api|other)$/.test(n))),
  'import': files,
  'completion': words(['bash', 'zsh', 'fish']),
  'config get': dynamic('config-keys'),
  'config set': dynamic('config-keys'),
  'config unset': dynamic('config-keys'),
};
