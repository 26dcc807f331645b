import type { Redis } from 'ioredis';
import type { Queryable } from './rows.js';

/**
 * The projections (names as projection-workers checkpoints them) whose read models an endpoint
 * reads. `room-cache` checkpoints in Redis, the others in projection_checkpoints.
 */
export type ProjectionName =
  | 'users'
  | 'meetings'
  | 'meeting-access'
  | 'media-streams'
  | 'chat'
  | 'operation-logs'
  | 'room-cache'
  | 'system-configs'
  | 'ai-tasks'
  | 'meeting-documents';

const REDIS_PROJECTIONS: ReadonlySet<ProjectionName> = new Set(['room-cache']);

/** Where the log sits: the writing transaction's id, then the position (the order readers apply). */
export interface LogPoint {
  transactionId: bigint;
  globalPosition: bigint;
}

export const atOrAfter = (a: LogPoint, b: LogPoint): boolean =>
  a.transactionId > b.transactionId ||
  (a.transactionId === b.transactionId && a.globalPosition >= b.globalPosition);

/** Reads projection checkpoints: PostgreSQL's table and Redis' `projection-checkpoint:<name>` keys. */
export class ProjectionCheckpoints {
  constructor(
    private readonly db: Queryable,
    /** With the deployment's key prefix. */
    private readonly redis: Redis,
  ) {}

  /** The log points of the events at `positions`; a position no event has is absent. */
  async eventsAt(positions: readonly number[]): Promise<Map<number, LogPoint>> {
    const { rows } = await this.db.query<{ pos: string; tx: string }>(
      `SELECT global_position::text AS pos, transaction_id::text AS tx
       FROM es_events WHERE global_position = ANY($1::bigint[])`,
      [positions],
    );
    return new Map(
      rows.map((r) => [Number(r.pos), { transactionId: BigInt(r.tx), globalPosition: BigInt(r.pos) }]),
    );
  }

  /** The checkpoints of `names`; a projection that never checkpointed is absent. */
  async load(names: readonly ProjectionName[]): Promise<Map<ProjectionName, LogPoint>> {
    const found = new Map<ProjectionName, LogPoint>();
    const inPostgres = names.filter((n) => !REDIS_PROJECTIONS.has(n));
    const inRedis = names.filter((n) => REDIS_PROJECTIONS.has(n));
    const [pgRows, redisValues] = await Promise.all([
      inPostgres.length
        ? this.db.query<{ projection: ProjectionName; tx: string; pos: string }>(
            `SELECT projection, transaction_id::text AS tx, global_position::text AS pos
             FROM projection_checkpoints WHERE projection = ANY($1::text[])`,
            [inPostgres],
          )
        : Promise.resolve({ rows: [] }),
      inRedis.length
        ? this.redis.mget(inRedis.map((n) => `projection-checkpoint:${n}`))
        : Promise.resolve([]),
    ]);
    for (const r of pgRows.rows) {
      found.set(r.projection, { transactionId: BigInt(r.tx), globalPosition: BigInt(r.pos) });
    }
    inRedis.forEach((name, i) => {
      const match = /^(\d+):(\d+)$/.exec(redisValues[i] ?? '');
      if (match) found.set(name, { transactionId: BigInt(match[1]!), globalPosition: BigInt(match[2]!) });
    });
    return found;
  }
}
