import { z } from 'zod';

export const Id = z.string().uuid();
/** An ISO 8601 date-time with an offset, as events carry it (old events are read as they were). */
export const IsoDateTime = z.string().datetime({ offset: true });

const EARLIEST = Date.UTC(1970, 0, 1);
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const MAX_OFFSET_MINUTES = 14 * 60;
const PARTS = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|([+-])(\d{2}):?(\d{2}))$/i;

const daysIn = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/**
 * Why `text` is not a date-time every store holds (PostgreSQL timestamptz, MongoDB dates, JS
 * Dates, ISO strings in Redis), or null when it is: a real calendar date and time, an offset
 * within ±14:00 (the widest in use), and an instant from 1970-01-01 to 9999-12-31 UTC.
 */
export function storableDateTimeProblem(text: string): string | null {
  const m = PARTS.exec(text);
  if (!m) return 'not an ISO 8601 date-time with an offset';
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return 'no such calendar date';
  if (hour > 23 || minute > 59 || second > 59) return 'no such time of day';
  const offset =
    m[7]!.toUpperCase() === 'Z' ? 0 : (Number(m[9]) * 60 + Number(m[10])) * (m[8] === '-' ? -1 : 1);
  if (Math.abs(offset) > MAX_OFFSET_MINUTES || Number(m[10] ?? 0) > 59)
    return 'the offset must be within ±14:00';
  const instant = Date.parse(text);
  if (Number.isNaN(instant) || instant < EARLIEST || instant > LATEST) {
    return 'must be between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59Z';
  }
  return null;
}

/** A date-time a command may accept: one every read model can hold (see storableDateTimeProblem). */
export const StorableDateTime = IsoDateTime.superRefine((text, ctx) => {
  const problem = storableDateTimeProblem(text);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
