import { UsageError } from './errors.js';

/** Inclusive global positions of the log, both at least 1, `from` not after `to`. */
export interface PositionRange {
  from: number;
  to: number;
}

/** Checks a range against the head of the log (its last global position, 0 when empty). */
export function checkRange(range: PositionRange, head: number): void {
  for (const [flag, value] of [
    ['--from', range.from],
    ['--to', range.to],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 1)
      throw new UsageError(`${flag} must be a global position (an integer of at least 1), got ${value}`);
  }
  if (range.from > range.to)
    throw new UsageError(`bad position range: --from ${range.from} is after --to ${range.to}`);
  if (range.from > head)
    throw new UsageError(`bad position range: --from ${range.from} is past the head of the log (${head})`);
}

export const inRange = (range: PositionRange, position: number): boolean =>
  position >= range.from && position <= range.to;
