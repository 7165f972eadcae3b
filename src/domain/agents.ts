import { UsageError } from '../errors.js';
import type { Person } from './model.js';
import { UNASSIGNED } from './query.js';

/**
 * Resolves an agent reference from the command line: "me", "none", an id, an email, or a name
 * (exact, case-insensitive, or a unique prefix). Returns the agent id, or UNASSIGNED for "none".
 */
export function resolveAgentRef(ref: string, agents: Person[], me: Person | null): string {
  const r = ref.trim();
  const lower = r.toLowerCase();
  if (lower === 'none' || lower === 'unassigned') return UNASSIGNED;
  if (lower === 'me') {
    if (!me) throw new UsageError(`cannot tell who "me" is for this profile`, `set it with 'deskctl profile add ... --agent EMAIL', or name the agent`);
    return me.id;
  }
  const byId = agents.find((a) => a.id === r);
  if (byId) return byId.id;
  const byEmail = agents.find((a) => (a.email ?? '').toLowerCase() === lower);
  if (byEmail) return byEmail.id;
  const byName = agents.filter((a) => a.name.toLowerCase() === lower);
  if (byName.length === 1) return byName[0]!.id;
  const byPrefix = agents.filter((a) => a.name.toLowerCase().startsWith(lower) || a.name.toLowerCase().split(/\s+/).includes(lower));
  if (byPrefix.length === 1) return byPrefix[0]!.id;
  const names = (byPrefix.length ? byPrefix : agents).slice(0, 12).map((a) => a.email ?? a.name);
  throw new UsageError(
    byPrefix.length > 1 ? `agent '${ref}' is ambiguous` : `no agent matches '${ref}'`,
    `use an email or id: ${names.join(', ')}${agents.length > 12 ? ', ...' : ''}`,
  );
}
