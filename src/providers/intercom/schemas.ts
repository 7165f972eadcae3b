import { z } from 'zod';

/**
 * The parts of Intercom REST API 2.14 bodies deskctl reads (api-specs/intercom/api.intercom.io.v2.14.yaml).
 * Loose objects: Intercom adds fields and deskctl must not break on them.
 */

const id = z.union([z.string(), z.number()]).transform((v) => String(v));
const ts = z.number().nullish();

export const IcAuthorSchema = z.looseObject({
  type: z.string().nullish(),
  id: id.nullish(),
  name: z.string().nullish(),
  email: z.string().nullish(),
});
export type IcAuthor = z.infer<typeof IcAuthorSchema>;

export const IcTagSchema = z.looseObject({ id: id, name: z.string() });

export const IcRatingSchema = z.looseObject({
  rating: z.number().nullish(),
  remark: z.string().nullish(),
  created_at: ts,
  contact: z.looseObject({ id: id.nullish() }).nullish(),
  teammate: z.looseObject({ id: id.nullish() }).nullish(),
});
export type IcRating = z.infer<typeof IcRatingSchema>;

export const IcStatisticsSchema = z.looseObject({
  first_admin_reply_at: ts,
  first_close_at: ts,
  last_close_at: ts,
  last_contact_reply_at: ts,
  last_admin_reply_at: ts,
  count_reopens: z.number().nullish(),
  time_to_admin_reply: z.number().nullish(),
  time_to_last_close: z.number().nullish(),
});

export const IcPartSchema = z.looseObject({
  id: id,
  part_type: z.string().nullish(),
  body: z.string().nullish(),
  created_at: ts,
  author: IcAuthorSchema.nullish(),
  redacted: z.boolean().nullish(),
});
export type IcPart = z.infer<typeof IcPartSchema>;

export const IcConversationSchema = z.looseObject({
  id: id,
  title: z.string().nullish(),
  created_at: ts,
  updated_at: ts,
  waiting_since: ts,
  snoozed_until: ts,
  open: z.boolean().nullish(),
  state: z.string().nullish(),
  priority: z.string().nullish(),
  admin_assignee_id: id.nullish(),
  team_assignee_id: id.nullish(),
  tags: z.looseObject({ tags: z.array(IcTagSchema).nullish() }).nullish(),
  conversation_rating: IcRatingSchema.nullish(),
  source: z
    .looseObject({
      type: z.string().nullish(),
      id: id.nullish(),
      subject: z.string().nullish(),
      body: z.string().nullish(),
      author: IcAuthorSchema.nullish(),
      url: z.string().nullish(),
    })
    .nullish(),
  contacts: z.looseObject({ contacts: z.array(z.looseObject({ id: id.nullish(), external_id: z.string().nullish() })).nullish() }).nullish(),
  custom_attributes: z.record(z.string(), z.unknown()).nullish(),
  statistics: IcStatisticsSchema.nullish(),
  conversation_parts: z
    .looseObject({ conversation_parts: z.array(IcPartSchema).nullish(), total_count: z.number().nullish() })
    .nullish(),
});
export type IcConversation = z.infer<typeof IcConversationSchema>;

export const IcConversationListSchema = z.looseObject({
  conversations: z.array(IcConversationSchema).default([]),
  total_count: z.number().nullish(),
  pages: z
    .looseObject({
      next: z.looseObject({ starting_after: z.string().nullish(), per_page: z.number().nullish() }).nullish(),
    })
    .nullish(),
});

export const IcAdminSchema = z.looseObject({
  id: id,
  name: z.string().nullish(),
  email: z.string().nullish(),
  team_ids: z.array(id).nullish(),
  away_mode_enabled: z.boolean().nullish(),
});
export type IcAdmin = z.infer<typeof IcAdminSchema>;

export const IcAdminListSchema = z.looseObject({ admins: z.array(IcAdminSchema).default([]) });

export const IcMeSchema = IcAdminSchema.extend({
  app: z.looseObject({ id_code: z.string().nullish(), region: z.string().nullish() }).nullish(),
});

export const IcTeamSchema = z.looseObject({ id: id, name: z.string(), admin_ids: z.array(id).nullish() });
export const IcTeamListSchema = z.looseObject({ teams: z.array(IcTeamSchema).default([]) });

export const IcTagListSchema = z.looseObject({ data: z.array(IcTagSchema).default([]) });

export const IcErrorListSchema = z.looseObject({
  type: z.string().nullish(),
  errors: z.array(z.looseObject({ code: z.string().nullish(), message: z.string().nullish() })).nullish(),
});

// ---- Intercom Tickets (workspaces with ticketing) ------------------------------------------------

export const IcTicketStateSchema = z.looseObject({
  id: id,
  category: z.string().nullish(),
  internal_label: z.string().nullish(),
  external_label: z.string().nullish(),
});

export const IcTicketSchema = z.looseObject({
  id: id,
  ticket_id: id.nullish(),
  category: z.string().nullish(),
  ticket_attributes: z.record(z.string(), z.unknown()).nullish(),
  ticket_state: IcTicketStateSchema.nullish(),
  ticket_type: z.looseObject({ id: id.nullish(), name: z.string().nullish() }).nullish(),
  contacts: z.looseObject({ contacts: z.array(z.looseObject({ id: id.nullish(), external_id: z.string().nullish() })).nullish() }).nullish(),
  admin_assignee_id: id.nullish(),
  team_assignee_id: id.nullish(),
  created_at: ts,
  updated_at: ts,
  open: z.boolean().nullish(),
  snoozed_until: ts,
  ticket_parts: z.looseObject({ ticket_parts: z.array(IcPartSchema).nullish() }).nullish(),
});
export type IcTicket = z.infer<typeof IcTicketSchema>;

export const IcTicketListSchema = z.looseObject({
  tickets: z.array(IcTicketSchema).default([]),
  pages: z
    .looseObject({ next: z.looseObject({ starting_after: z.string().nullish() }).nullish() })
    .nullish(),
});

export const IcTicketStateListSchema = z.looseObject({ data: z.array(IcTicketStateSchema).default([]) });
export const IcTicketTypeListSchema = z.looseObject({
  data: z.array(z.looseObject({ id: id, category: z.string().nullish(), archived: z.boolean().nullish() })).default([]),
});
