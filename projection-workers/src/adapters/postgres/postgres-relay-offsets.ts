import type { Checkpoint } from '@meetings/events';
import type pg from 'pg';
import type { PublishedOffset, RelayOffsetLog } from '../../relay/ports.js';

export interface PostgresRelayOffsetsOptions {
  /** Rows younger than this stay one per batch and partition; older ones fold into one per partition. */
  exactForSeconds?: number;
  /** How often, at most, the relay folds. */
  foldEveryMs?: number;
}

/**
 * `relay_offsets`, written in the relay's checkpoint transaction. Old rows of a partition are
 * folded into one with the earliest `from` and the highest offset: a position before the fold then
 * waits for more of that partition than it strictly needs, never for less, and the table holds
 * about one row per partition plus the batches of the last `exactForSeconds`.
 */
export class PostgresRelayOffsets implements RelayOffsetLog<pg.ClientBase> {
  private readonly exactForSeconds: number;
  private readonly foldEveryMs: number;
  private foldedAt = 0;

  constructor(options: PostgresRelayOffsetsOptions = {}) {
    this.exactForSeconds = options.exactForSeconds ?? 10;
    this.foldEveryMs = options.foldEveryMs ?? 5000;
  }

  async record(tx: pg.ClientBase, from: Checkpoint, offsets: readonly PublishedOffset[]): Promise<void> {
    await tx.query(
      `INSERT INTO relay_offsets (topic, "partition", end_offset, from_transaction_id, from_global_position)
       SELECT t, p, o, $4, $5 FROM unnest($1::text[], $2::int[], $3::bigint[]) AS x(t, p, o)`,
      [
        offsets.map((o) => o.topic),
        offsets.map((o) => o.partition),
        offsets.map((o) => o.endOffset.toString()),
        from.transactionId,
        from.globalPosition,
      ],
    );
    if (Date.now() - this.foldedAt < this.foldEveryMs) return;
    this.foldedAt = Date.now();
    await tx.query(
      `WITH old AS (
         DELETE FROM relay_offsets WHERE recorded_at < now() - make_interval(secs => $1)
         RETURNING topic, "partition", end_offset, from_transaction_id, from_global_position, recorded_at)
       INSERT INTO relay_offsets
         (topic, "partition", end_offset, from_transaction_id, from_global_position, recorded_at)
       SELECT topic, "partition", max(end_offset),
         (min(ARRAY[from_transaction_id, from_global_position]))[1],
         (min(ARRAY[from_transaction_id, from_global_position]))[2],
         max(recorded_at)
       FROM old GROUP BY topic, "partition"`,
      [this.exactForSeconds],
    );
  }
}
