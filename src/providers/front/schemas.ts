import { z } from 'zod';

/**
 * The parts of Front Core API bodies deskctl reads (api-specs/front/core-api.json).
 * Loose objects: Front adds fields over time and deskctl must not break on them.
 */

export const FrontTeammateSchema = z.looseObject({
  id: z.string(),
  email: z.string().nullish(),
  username: z.string().nullish(),
  first_name: z.string().nullish(),
  last_name: z.string().nullish(),
  is_admin: z.boolean().nullish(),
  is_blocked: z.boolean().nullish(),
  type: z.string().nullish(),
});
export type FrontTeammate = z.infer<typeof FrontTeammateSchema>;

export const FrontRecipientSchema = z.looseObject({
  name: z.string().nullish(),
  handle: z.string(),
  role: z.string().nullish(),
  _links: z.looseObject({ related: z.looseObject({ contact: z.string().nullish() }).nullish() }).nullish(),
});
export type FrontRecipient = z.infer<typeof FrontRecipientSchema>;

export const FrontTagSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
});
export type FrontTag = z.infer<typeof FrontTagSchema>;

export const FrontReminderSchema = z.looseObject({
  scheduled_at: z.number().nullish(),
});

export const FrontConversationSchema = z.looseObject({
  id: z.string(),
  type: z.string().nullish(),
  subject: z.string().nullish(),
  status: z.string(),
  status_category: z.string().nullish(),
  assignee: FrontTeammateSchema.nullish(),
  recipient: FrontRecipientSchema.nullish(),
  tags: z.array(FrontTagSchema).nullish(),
  custom_fields: z.record(z.string(), z.unknown()).nullish(),
  created_at: z.number().nullish(),
  updated_at: z.number().nullish(),
  waiting_since: z.number().nullish(),
  scheduled_reminders: z.array(FrontReminderSchema).nullish(),
});
export type FrontConversation = z.infer<typeof FrontConversationSchema>;

export const FrontMessageSchema = z.looseObject({
  id: z.string(),
  type: z.string().nullish(),
  is_inbound: z.boolean().nullish(),
  draft_mode: z.string().nullish(),
  created_at: z.number().nullish(),
  subject: z.string().nullish(),
  blurb: z.string().nullish(),
  author: FrontTeammateSchema.nullish(),
  recipients: z.array(FrontRecipientSchema).nullish(),
  body: z.string().nullish(),
  text: z.string().nullish(),
});
export type FrontMessage = z.infer<typeof FrontMessageSchema>;

export const FrontCommentSchema = z.looseObject({
  id: z.string(),
  author: FrontTeammateSchema.nullish(),
  body: z.string().nullish(),
  posted_at: z.number().nullish(),
});
export type FrontComment = z.infer<typeof FrontCommentSchema>;

export const FrontInboxSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  is_private: z.boolean().nullish(),
});
export type FrontInbox = z.infer<typeof FrontInboxSchema>;

export const FrontChannelSchema = z.looseObject({
  id: z.string(),
  type: z.string(),
  address: z.string().nullish(),
});
export type FrontChannel = z.infer<typeof FrontChannelSchema>;

export const FrontTeamSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
});
export type FrontTeam = z.infer<typeof FrontTeamSchema>;

export const FrontIdentitySchema = z.looseObject({ id: z.string(), name: z.string().nullish() });

export const FrontReplyAcceptedSchema = z.looseObject({
  status: z.string().nullish(),
  message_uid: z.string().nullish(),
});

/** Every Front list: `_results` plus `_pagination.next` (a full URL carrying page_token) when more exist. */
export const frontPage = <T extends z.ZodType>(item: T) =>
  z.looseObject({
    _pagination: z.looseObject({ next: z.string().nullish() }).nullish(),
    _results: z.array(item).default([]),
  });

export const FrontErrorSchema = z.looseObject({
  _error: z.looseObject({ status: z.number().nullish(), title: z.string().nullish(), message: z.string().nullish() }),
});
