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
}
