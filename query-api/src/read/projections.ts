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

/** The key of `appliedThroughKafka`'s answers. */
export const kafkaKey = (target: LogPoint, name: string): string =>
  `${target.transactionId}:${target.globalPosition} ${name}`;

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

  /**
   * On the Kafka path (README "Kafka"): which of `names` have applied each of `targets`, judged
   * from offsets: the relay's checkpoint is at or past the target, and on every partition a batch
   * published from before the target reached, the projection's applied offset is at or past where
   * that batch ended there (a partition no such batch reached needs nothing). Keys:
   * `<transactionId>:<globalPosition> <name>`. Empty where no relay runs.
   */
  async appliedThroughKafka(
    targets: readonly LogPoint[],
    names: readonly ProjectionName[],
  ): Promise<Set<string>> {
    const { rows } = await this.db.query<{ tx: string; pos: string; name: string }>(
      `WITH t AS (SELECT * FROM unnest($1::bigint[], $2::bigint[]) AS t(tx, pos)),
       relay AS (
         SELECT transaction_id AS tx, global_position AS pos
         FROM projection_checkpoints WHERE projection = 'kafka-relay'),
       need AS (
         SELECT t.tx, t.pos, o.topic, o."partition", max(o.end_offset) AS end_offset
         FROM t JOIN relay_offsets o
           ON (o.from_transaction_id, o.from_global_position) < (t.tx, t.pos)
         GROUP BY t.tx, t.pos, o.topic, o."partition")
       SELECT t.tx::text AS tx, t.pos::text AS pos, n.name
       FROM t JOIN relay r ON (r.tx, r.pos) >= (t.tx, t.pos)
       CROSS JOIN unnest($3::text[]) AS n(name)
       WHERE NOT EXISTS (
         SELECT 1 FROM need d
         LEFT JOIN projection_kafka_offsets k
           ON k.projection = n.name AND k.topic = d.topic AND k."partition" = d."partition"
         WHERE d.tx = t.tx AND d.pos = t.pos
           AND (k.next_offset IS NULL OR k.next_offset < d.end_offset))`,
      [
        targets.map((t) => t.transactionId.toString()),
        targets.map((t) => t.globalPosition.toString()),
        names,
      ],
    );
    return new Set(
      rows.map((r) => kafkaKey({ transactionId: BigInt(r.tx), globalPosition: BigInt(r.pos) }, r.name)),
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
