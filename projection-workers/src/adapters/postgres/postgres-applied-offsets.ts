import type pg from 'pg';
import type { AppliedOffsets } from '../../ports/applied-offsets.js';

/** `projection_kafka_offsets`: where each Kafka-fed projection stands on each partition. */
export class PostgresAppliedOffsets implements AppliedOffsets {
  constructor(private readonly pool: pg.Pool) {}

  async record(projection: string, topic: string, partition: number, nextOffset: bigint): Promise<void> {
    // Last write wins: whatever is written was applied, so a stale lower value only makes a
    // read wait longer, and a consumer group reset to the start is followed, not ignored.
    await this.pool.query(
      `INSERT INTO projection_kafka_offsets (projection, topic, "partition", next_offset)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (projection, topic, "partition")
       DO UPDATE SET next_offset = EXCLUDED.next_offset, updated_at = now()`,
      [projection, topic, partition, nextOffset.toString()],
    );
  }

  /**
   * How many messages of the batches the relay has committed `projection` has yet to apply: on
   * each partition, from its offset (0 when it has none) to the furthest end a batch recorded there
   * (relay_offsets). 0 with the relay held still: the projection has applied all it can be sent,
   * bar a batch a relay published and died before committing.
   */
  async unappliedRelayed(projection: string): Promise<number> {
    const { rows } = await this.pool.query<{ behind: string }>(
      `SELECT coalesce(sum(greatest(r.end_offset - coalesce(p.next_offset, 0), 0)), 0)::text AS behind
       FROM (SELECT topic, "partition", max(end_offset) AS end_offset
             FROM relay_offsets GROUP BY topic, "partition") r
       LEFT JOIN projection_kafka_offsets p
         ON p.projection = $1 AND p.topic = r.topic AND p."partition" = r."partition"`,
      [projection],
    );
    return Number(rows[0]!.behind);
  }
}
