import { randomUUID } from 'node:crypto';
import { PostgresEventStore } from '@meetings/db';
import { currentSchemaVersion } from '@meetings/events';
import type { EventData, EventType } from '@meetings/events';
import { Redis } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';
import { createProjections, createRunners, ProjectionWorker } from '@meetings/projection-workers';

/**
 * The write side's log and the real projection worker, in the test process: events appended here
 * reach the read models the way they do in production, at the worker's pace.
 */
export class LiveLog {
  readonly pool: pg.Pool;
  private readonly redis: Redis;
  private readonly store: PostgresEventStore;
  private worker: ProjectionWorker | null = null;

  constructor(
    databaseUrl: string,
    redisUrl: string,
    private readonly redisPrefix: string,
  ) {
    this.pool = new pg.Pool({ connectionString: databaseUrl, max: 8 });
    this.pool.on('error', () => undefined);
    this.redis = new Redis(redisUrl, { keyPrefix: redisPrefix });
    this.store = new PostgresEventStore(this.pool);
  }

  /** Appends one event; returns its global position (what a command answers as `position`). */
  async append<T extends EventType>(streamId: string, type: T, data: EventData<T>): Promise<number> {
    const result = await this.store.appendToStream(
      streamId,
      [
        {
          eventId: randomUUID(),
          type,
          schemaVersion: currentSchemaVersion(type),
          data,
          metadata: {
            correlationId: randomUUID(),
            causationId: null,
            actorUserId: null,
            idempotencyKey: null,
          },
          occurredAt: new Date(),
        },
      ],
      'any',
    );
    return result.lastPosition;
  }

  /** Starts the projections (all, or those named) polling every 5 ms. */
  startWorker(only?: readonly string[]): void {
    const deps = {
      pool: this.pool,
      redis: this.redis,
      redisKeyPrefix: this.redisPrefix,
      logger: pino({ level: 'silent' }),
      batchSize: 200,
      pollIntervalMs: 5,
      maxAttempts: 2,
      notifyMaxAgeSeconds: 600,
    };
    const projections = createProjections(deps).filter((p) => !only || only.includes(p.projector.name));
    this.worker = new ProjectionWorker(createRunners(deps, projections), deps.logger);
    this.worker.start();
  }

  async stopWorker(): Promise<void> {
    await this.worker?.stop();
    this.worker = null;
  }

  async close(): Promise<void> {
    await this.stopWorker();
    this.redis.disconnect();
    await this.pool.end();
  }
}
