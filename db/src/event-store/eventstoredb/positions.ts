import { ANY, NO_STREAM, START as ESDB_START, STREAM_EXISTS } from '@eventstore/db-client';
import type { AppendExpectedRevision, CurrentRevision, Position, ReadPosition } from '@eventstore/db-client';
import { START } from '@meetings/events';
import type { Checkpoint, ExpectedVersion } from '@meetings/events';

/**
 * EventStoreDB's $all position is a (commit, prepare) pair of byte offsets in its transaction log;
 * $all is ordered by commit, then prepare. The port's Checkpoint is ordered the same way
 * (transactionId, then globalPosition), so the pair maps onto it field by field and
 * formatCheckpoint/parseCheckpoint store it as "<commit>:<prepare>" unchanged. An event's own
 * globalPosition is its prepare position: unique per event, where the commit position is shared
 * by the events of one append on servers that write them as one transaction.
 *
 * Offsets are bigints; a Number holds them exactly below 2^53 bytes (8 PiB of log), checked here.
 */
export function toCheckpoint(position: Position): Checkpoint {
  return { transactionId: toSafeNumber(position.commit), globalPosition: toSafeNumber(position.prepare) };
}

export function toReadPosition(checkpoint: Checkpoint): ReadPosition {
  if (checkpoint.transactionId === START.transactionId && checkpoint.globalPosition === START.globalPosition)
    return ESDB_START;
  return { commit: BigInt(checkpoint.transactionId), prepare: BigInt(checkpoint.globalPosition) };
}

/** Strictly after: readAll from a position may return the event at that position itself. */
export function isAfter(position: Position, checkpoint: Checkpoint): boolean {
  const commit = BigInt(checkpoint.transactionId);
  return (
    position.commit > commit ||
    (position.commit === commit && position.prepare > BigInt(checkpoint.globalPosition))
  );
}

/**
 * The port numbers stream versions from 1 (0: no stream); EventStoreDB numbers revisions from 0.
 * An exact version n is revision n - 1, and version 0 is "no stream".
 */
export function toExpectedRevision(expected: ExpectedVersion): AppendExpectedRevision {
  if (expected === 'any') return ANY;
  if (expected === 'stream_exists') return STREAM_EXISTS;
  if (expected === 'no_stream' || expected === 0) return NO_STREAM;
  if (!Number.isSafeInteger(expected) || expected < 0)
    throw new RangeError(`expected version must be a non-negative integer, got ${expected}`);
  return BigInt(expected - 1);
}

/** A stream's version from EventStoreDB's revision of its last event (no stream: 0). */
export function toVersion(revision: CurrentRevision | bigint): number {
  return revision === NO_STREAM ? 0 : toSafeNumber(BigInt(revision)) + 1;
}

export function toSafeNumber(value: bigint): number {
  if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER))
    throw new RangeError(`EventStoreDB position or revision ${value} is outside 0..2^53-1`);
  return Number(value);
}
