import { StorableDateTime } from '@meetings/events';
import { z } from 'zod';
import type { CursorKind } from '../read/cursor.js';
import { decodeCursor, InvalidCursor } from '../read/cursor.js';
import { MeetingStatus } from '../read/models.js';

/*
 * Query-string parameters: each arrives as one string (a repeated one as an array, refused), so
 * numbers are parsed from digits only — "1e2", "0x10" or " 5" are mistakes, not numbers.
 */

export const Uuid = z.uuid();

const integer = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,16}$/, 'expected an integer')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** Parsed from text, documented as the integer it is. */
const documentedInteger = (min: number, max?: number) =>
  ({ type: 'integer', minimum: min, ...(max === undefined ? {} : { maximum: max }) }) as const;

export const Limit = integer(1, 100)
  .optional()
  .default(20)
  .meta({ ...documentedInteger(1, 100), default: 20, description: 'Page size, 1 to 100 (default 20).' });

/** A global position as a command answered it. */
export const MinPosition = integer(1, Number.MAX_SAFE_INTEGER)
  .optional()
  .meta({
    ...documentedInteger(1),
    description:
      'Read-your-writes: the `position` a command answered. The query waits until the read model has applied it (503 with Retry-After after the timeout; 400 when no event has this position).',
  });

export const cursor = (kind: CursorKind) =>
  z
    .string()
    .transform((value, ctx) => {
      try {
        return decodeCursor(kind, value);
      } catch (error) {
        if (!(error instanceof InvalidCursor)) throw error;
        ctx.addIssue({ code: 'custom', message: error.message });
        return z.NEVER;
      }
    })
    .optional()
    .describe('The `nextCursor` of the previous page (opaque).');

const Timestamp = StorableDateTime;

export const MeetingListQuery = z
  .strictObject({
    status: MeetingStatus.optional(),
    hostId: Uuid.optional(),
    from: Timestamp.optional().describe('Scheduled to start at or after this time.'),
    to: Timestamp.optional().describe('Scheduled to start before this time.'),
    limit: Limit,
    cursor: cursor('meetings'),
  })
  .refine((q) => !q.from || !q.to || Date.parse(q.from) <= Date.parse(q.to), {
    path: ['to'],
    message: '`to` must not be before `from`',
  });

export const ChatQuery = z.strictObject({ limit: Limit, cursor: cursor('chat') });

export const MediaStreamQuery = z.strictObject({ status: z.enum(['active', 'closed']).optional() });

export const OperationLogQuery = z.strictObject({
  resourceType: z.string().min(1).max(50).optional().describe('The stream category: meeting, user, media.'),
  resourceId: z.string().min(1).max(200).optional(),
  actorUserId: Uuid.optional(),
  limit: Limit,
  cursor: cursor('operation-logs'),
});

export const NoQuery = z.strictObject({});

export const MeetingParams = z.object({ meetingId: Uuid });
