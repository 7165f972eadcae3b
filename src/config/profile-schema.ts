import { z } from 'zod';
import { CHANNELS } from '../domain/model.js';
import { PROVIDER_KINDS } from './profile.js';

// config.json as zod schemas (the types are in profile.ts): loaded by the config store only when there
// is a file to validate, and by commands that take SLA targets.

/** Per-channel first-response targets in seconds. */
export const SlaTargetsSchema = z.partialRecord(z.enum(CHANNELS), z.number().nonnegative());

export const ProfileSchema = z.looseObject({
  provider: z.enum(PROVIDER_KINDS),
  /** Base URL of the helpdesk (https, or http only for localhost). */
  url: z.string().optional(),
  /** Login (Zendesk API-token email, RT user, ...). */
  user: z.string().optional(),
  /** Name of an environment variable holding the token/key/password instead of the secrets file. */
  tokenEnv: z.string().optional(),
  passwordEnv: z.string().optional(),
  clientId: z.string().optional(),
  clientSecretEnv: z.string().optional(),
  /** Vendor-specific auth method: oauth | token | basic | ... */
  auth: z.string().optional(),
  region: z.string().optional(),
  /** Who "me" is when the helpdesk cannot tell from the credentials (the embedded one): agent id or email. */
  agent: z.string().optional(),
  /** Signature used by templates as {{ agent.signature }}. */
  signature: z.string().optional(),
  sla: SlaTargetsSchema.optional(),
  /** Client-side rate limit in requests per minute, shared by every request of the profile. */
  rateLimit: z.number().positive().optional(),
  concurrency: z.number().int().positive().optional(),
  /** How long a message sent to a ticket blocks sending it again without --allow-repeat (e.g. 30d). */
  repeatWindow: z.string().optional(),
  /** Team mode: deskctl's own state in this PostgreSQL database (postgres://USER@HOST/DB, no password). */
  stateUrl: z.string().optional(),
  /** Name of an environment variable holding the state database's password instead of the secrets file. */
  statePasswordEnv: z.string().optional(),
  /** Shares state under this name instead of the helpdesk account (see src/store/state-url.ts). */
  stateNamespace: z.string().optional(),
  /** Vendor-specific settings that do not deserve a top-level field. */
  options: z.record(z.string(), z.unknown()).optional(),
});

export const ConfigFileSchema = z.object({
  currentProfile: z.string().optional(),
  /** deskctl config set KEY VALUE (see src/config/settings.ts). */
  settings: z.record(z.string(), z.unknown()).optional(),
  profiles: z.record(z.string(), ProfileSchema).default({}),
});
