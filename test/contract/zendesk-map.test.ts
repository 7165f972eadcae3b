/** Zendesk JSON -> domain mapping (pure): statuses, priorities, channels, roles, ratings. */
import { describe, expect, it } from 'vitest';
import {
  channelFromZendesk,
  commentFromZendesk,
  priorityFromZendesk,
  priorityToZendesk,
  ratingFromLegacy,
  ratingFromSurveyResponse,
  statusFromZendesk,
  STATUS_TO_ZD,
  ticketFromZendesk,
  ZdSurveyResponseSchema,
  ZdTicketSchema,
} from '../../src/providers/zendesk/map.js';
import { STATUSES } from '../../src/domain/model.js';

describe('zendesk mapping', () => {
  it('maps statuses both ways (hold <-> on_hold)', () => {
    for (const s of STATUSES) expect(statusFromZendesk(STATUS_TO_ZD[s])).toBe(s);
    expect(STATUS_TO_ZD.on_hold).toBe('hold');
  });

  it('maps priorities, null meaning none', () => {
    expect(priorityFromZendesk(null)).toBe('none');
    expect(priorityFromZendesk('URGENT')).toBe('urgent');
    expect(priorityToZendesk('none')).toBeNull();
    expect(priorityToZendesk('high')).toBe('high');
  });

  it('maps via channels to the domain channels', () => {
    const cases: [string | number | null, string][] = [
      ['email', 'email'], ['web', 'web'], ['web_widget', 'web'], ['mobile_sdk', 'web'], ['chat', 'chat'], ['native_messaging', 'chat'],
      ['voice', 'phone'], ['twitter', 'social'], ['facebook', 'social'], ['whatsapp', 'social'], ['sms', 'social'], ['api', 'api'],
      ['rule', 'other'], ['closed_ticket', 'other'], [null, 'other'], [4, 'other'],
    ];
    for (const [via, ch] of cases) expect(channelFromZendesk(via), String(via)).toBe(ch);
  });

  it('computes first response from reply_time (seconds for messaging, else minutes) and solvedAt only when solved', () => {
    const raw = ZdTicketSchema.parse({ id: 7, subject: null, raw_subject: 'Raw', status: 'open', created_at: '2026-11-01T10:00:00Z', updated_at: '2026-11-01T12:00:00Z', requester_id: 1 });
    const look = (m: object) => ({ users: () => undefined, groups: new Map(), metrics: () => m as never, baseUrl: 'https://acme.zendesk.com/' });
    const t = ticketFromZendesk(raw, look({ reply_time_in_minutes: { calendar: 15 }, solved_at: '2026-11-01T11:00:00Z', reopens: 2, replies: 3 }));
    expect(t.subject).toBe('Raw');
    expect(t.firstResponseAt).toBe('2026-11-01T10:15:00.000Z');
    expect(t.solvedAt).toBeNull();
    expect(t.reopenCount).toBe(2);
    expect(t.publicReplyCount).toBe(3);
    expect(t.url).toBe('https://acme.zendesk.com/agent/tickets/7');
    expect(t.requester).toMatchObject({ id: '1', role: 'customer' });
    const m = ticketFromZendesk(raw, look({ reply_time_in_seconds: { calendar: 42 }, reply_time_in_minutes: { calendar: 1 } }));
    expect(m.firstResponseAt).toBe('2026-11-01T10:00:42.000Z');
    const solved = ticketFromZendesk({ ...raw, status: 'closed' }, look({ solved_at: '2026-11-01T11:00:00Z' }));
    expect(solved.solvedAt).toBe('2026-11-01T11:00:00Z');
  });

  it('treats comments by Zendesk itself as system', () => {
    const c = commentFromZendesk({ id: '1', author_id: '-1', body: 'Automation', created_at: '2026-11-01T10:00:00Z', public: true }, '7', () => undefined);
    expect(c.authorRole).toBe('system');
  });

  it('maps legacy ratings good/bad to 1/0 and skips offered ones', () => {
    const base = { id: '1', ticket_id: '5', created_at: '2026-11-01T10:00:00Z' };
    expect(ratingFromLegacy({ ...base, score: 'good' })).toMatchObject({ score: 1, scale: { min: 0, max: 1 } });
    expect(ratingFromLegacy({ ...base, score: 'bad', comment: 'slow' })).toMatchObject({ score: 0, comment: 'slow' });
    expect(ratingFromLegacy({ ...base, score: 'offered' })).toBeNull();
  });

  it('maps CSAT survey responses on 5-point and 2-point scales', () => {
    const resp = (rating: number, options?: number[]) =>
      ZdSurveyResponseSchema.parse({
        id: 'x',
        subject_zrns: ['zen:ticket:99'],
        answers: [
          { type: 'rating_scale', rating, created_at: '2026-11-02T00:00:00Z', question: { type: 'rating_scale_emoji', sub_type: 'customer_satisfaction', options: options?.map((r) => ({ rating: r })) } },
          { type: 'open_ended', value: 'thanks' },
        ],
      });
    expect(ratingFromSurveyResponse(resp(4))).toMatchObject({ ticketId: '99', score: 4, scale: { min: 1, max: 5 }, comment: 'thanks' });
    expect(ratingFromSurveyResponse(resp(2, [1, 2]))).toMatchObject({ score: 1, scale: { min: 0, max: 1 } });
    expect(ratingFromSurveyResponse(resp(1, [1, 2]))).toMatchObject({ score: 0 });
    expect(ratingFromSurveyResponse(resp(2), 2)).toMatchObject({ score: 1, scale: { min: 0, max: 1 } });
  });
});
