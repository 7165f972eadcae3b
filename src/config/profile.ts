import type { z } from 'zod';
// type-only: zod and the schemas load only when there is a config file to validate (start-up cost)
import type { ConfigFileSchema, ProfileSchema, SlaTargetsSchema } from './profile-schema.js';

export const PROVIDER_KINDS = ['local', 'zendesk', 'freshdesk', 'helpscout', 'front', 'intercom', 'rt'] as const;
export type ProviderKind = (typeof PROVIDER_KINDS)[number];

export { DEFAULT_PROFILE } from './paths.js';

export type SlaTargets = z.infer<typeof SlaTargetsSchema>;
export type Profile = z.infer<typeof ProfileSchema>;
export type ConfigFile = z.infer<typeof ConfigFileSchema>;

export const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** The profile a fresh install uses: the embedded helpdesk. */
export const implicitLocalProfile = (): Profile => ({ provider: 'local' });
