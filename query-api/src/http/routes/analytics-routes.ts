import { HttpProblem } from '@meetings/command-service/http';
import { z } from 'zod';
import { resultsOnlyAbout } from '../../read/ai-result-audience.js';
import { AiResultList, DailyAnalyticsList, MeetingAnalyticsView } from '../../read/analytics-models.js';
import type { AnalyticsReader } from '../../read/analytics-reader.js';
import type { MeetingsReader } from '../../read/meetings-reader.js';
import { Limit, MeetingParams, NoQuery } from '../query-params.js';
import { queryRoute } from '../route-spec.js';
import type { QueryRoute } from '../route-spec.js';
import { meetingNotFound } from './meeting-routes.js';

/** The longest range GET /analytics/daily answers, in days. */
export const MAX_DAILY_RANGE_DAYS = 366;
const DAY_MS = 86_400_000;

/** A calendar day `YYYY-MM-DD` that exists (no 2026-02-30). */
const Day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a day as YYYY-MM-DD')
  .refine((day) => {
    const at = Date.parse(`${day}T00:00:00.000Z`);
    return Number.isFinite(at) && new Date(at).toISOString().slice(0, 10) === day;
  }, 'not a calendar day');

export const DailyQuery = z
  .strictObject({
    from: Day.optional().describe('First UTC day (default: 29 days before `to`).'),
    to: Day.optional().describe('Last UTC day, inclusive (default: 29 days after `from`, else today).'),
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, {
    path: ['to'],
    message: '`to` must not be before `from`',
  })
  .refine(
    (q) => !q.from || !q.to || (Date.parse(q.to) - Date.parse(q.from)) / DAY_MS < MAX_DAILY_RANGE_DAYS,
    { path: ['to'], message: `at most ${MAX_DAILY_RANGE_DAYS} days` },
  );

export const AiResultsQuery = z.strictObject({
  analysisType: z
    .string()
    .regex(/^[a-z0-9_]{1,100}$/, 'lowercase letters, digits and _')
    .optional()
    .describe('Only results of this analysis, e.g. `speaking_time`, `emotion_detection`.'),
  limit: Limit,
});

/** 503 when this deployment has no MongoDB (MONGO_URL unset). */
export const analyticsNotConfigured = () =>
  new HttpProblem(
    503,
    'analytics-not-configured',
    'Analytics not configured',
    'this deployment keeps no analytics (MONGO_URL is not set)',
  );

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * The MongoDB analytics: a meeting's (those who may see the meeting, as GET /meetings/{id}), its
 * AI results (the same), and the daily rollups (admins). `analytics` is null without MONGO_URL.
 * `minPosition` is not waited for here: the analytics checkpoint lives in MongoDB.
 */
export function analyticsRoutes(meetings: MeetingsReader, analytics: AnalyticsReader | null): QueryRoute[] {
  const reader = (): AnalyticsReader => {
    if (!analytics) throw analyticsNotConfigured();
    return analytics;
  };
  return [
    queryRoute({
      operationId: 'getMeetingAnalytics',
      path: '/meetings/:meetingId/analytics',
      summary: 'A meeting’s analytics: participants, concurrency, minutes, timeline, chat, quality, speaking',
      tag: 'analytics',
      params: MeetingParams,
      query: NoQuery,
      projections: [],
      success: {
        description: 'The meeting’s analytics (zeros before anything happened)',
        schema: MeetingAnalyticsView,
      },
      errors: [404],
      handle: async ({ params: { meetingId }, viewer }) => {
        const source = reader();
        if (!(await meetings.isVisible(viewer, meetingId))) throw meetingNotFound(meetingId);
        return source.meeting(meetingId);
      },
    }),
    queryRoute({
      operationId: 'listMeetingAiResults',
      path: '/meetings/:meetingId/ai-results',
      summary: 'The results of the meeting’s AI tasks, oldest first',
      tag: 'analytics',
      params: MeetingParams,
      query: AiResultsQuery,
      projections: [],
      success: { description: 'Up to `limit` results', schema: AiResultList },
      errors: [404],
      handle: async ({ params: { meetingId }, query, viewer }) => {
        const source = reader();
        if (!(await meetings.isVisible(viewer, meetingId))) throw meetingNotFound(meetingId);
        const onlyAbout = await resultsOnlyAbout(viewer, meetingId, meetings);
        return { items: await source.aiResults(meetingId, query.analysisType, query.limit, onlyAbout) };
      },
    }),
    queryRoute({
      operationId: 'listDailyAnalytics',
      path: '/analytics/daily',
      summary: 'Daily rollups per UTC day (admins only)',
      description: `Days without meetings are left out; a range is at most ${MAX_DAILY_RANGE_DAYS} days.`,
      tag: 'analytics',
      adminOnly: true,
      query: DailyQuery,
      projections: [],
      success: { description: 'The rollups, by day', schema: DailyAnalyticsList },
      errors: [403],
      handle: async ({ query }) => {
        const source = reader();
        // Thirty days by default: ending today, or starting at `from` when only it is given.
        const to = query.to ?? (query.from ? day(Date.parse(query.from) + 29 * DAY_MS) : day(Date.now()));
        const from = query.from ?? day(Date.parse(to) - 29 * DAY_MS);
        return { items: await source.daily(from, to) };
      },
    }),
  ];
}
