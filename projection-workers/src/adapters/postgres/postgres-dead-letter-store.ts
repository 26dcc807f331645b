import type { EventEnvelope } from '@meetings/events';
import type pg from 'pg';
import type { DeadLetter, DeadLetterStore } from '../../ports/dead-letter-store.js';

interface Row {
  id: string;
  projection: string;
  event_id: string;
  stream_id: string;
  stream_version: string;
  global_position: string;
  event_type: string;
  error: string;
  attempts: number;
  status: DeadLetter['status'];
  failed_at: Date;
  resolved_at: Date | null;
}

const toDeadLetter = (r: Row): DeadLetter => ({
  id: Number(r.id),
  projection: r.projection,
  eventId: r.event_id,
  streamId: r.stream_id,
  streamVersion: Number(r.stream_version),
  globalPosition: Number(r.global_position),
  eventType: r.event_type,
  error: r.error,
  attempts: r.attempts,
  status: r.status,
  failedAt: r.failed_at,
  resolvedAt: r.resolved_at,
});

export class PostgresDeadLetterStore implements DeadLetterStore {
  constructor(private readonly pool: pg.Pool) {}

  async record(projection: string, event: EventEnvelope, error: string, attempts: number): Promise<void> {
    // A replay after a crash records the same event again: keep one row, with the latest error.
    await this.pool.query(
      `INSERT INTO projection_dead_letters
         (projection, event_id, stream_id, stream_version, global_position, event_type, error, attempts)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (projection, event_id) DO UPDATE SET error = EXCLUDED.error, failed_at = now(),
         attempts = projection_dead_letters.attempts + EXCLUDED.attempts, status = 'pending', resolved_at = NULL`,
      [
        projection,
        event.eventId,
        event.streamId,
        event.streamVersion,
        event.globalPosition,
        event.type,
        error,
        attempts,
      ],
    );
  }

  async list(filter: { projection?: string; status?: DeadLetter['status'] } = {}): Promise<DeadLetter[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT * FROM projection_dead_letters
       WHERE ($1::text IS NULL OR projection = $1) AND ($2::text IS NULL OR status = $2)
       ORDER BY id`,
      [filter.projection ?? null, filter.status ?? null],
    );
    return rows.map(toDeadLetter);
  }

  async get(id: number): Promise<DeadLetter | null> {
    const { rows } = await this.pool.query<Row>('SELECT * FROM projection_dead_letters WHERE id = $1', [id]);
    return rows[0] ? toDeadLetter(rows[0]) : null;
  }

  async markResolved(id: number): Promise<void> {
    await this.pool.query(
      `UPDATE projection_dead_letters SET status = 'resolved', resolved_at = now() WHERE id = $1`,
      [id],
    );
  }

  async markFailedAgain(id: number, error: string): Promise<void> {
    await this.pool.query(
      `UPDATE projection_dead_letters SET error = $2, attempts = attempts + 1, failed_at = now() WHERE id = $1`,
      [id, error],
    );
  }
}
