import { PostgresEventStore } from '@meetings/db';
import { compareCheckpoints, createUpcasterRegistry } from '@meetings/events';
import type { Checkpoint } from '@meetings/events';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Logger } from 'pino';
import { RedisTarget } from '../../adapters/redis/redis-target.js';
import type { RedisUnit } from '../../adapters/redis/redis-target.js';
import { RoomCacheProjector } from '../../projectors/redis/room-cache-projector.js';
import { ProjectionRunner } from '../../runner/projection-runner.js';
import { generationRunName } from '../postgres/generations.js';
import { BoundedLogSource } from './bounded-log-source.js';
import { GenerationDeadLetters } from './generation-dead-letters.js';
import { NotingProjector } from './noting-projector.js';

/**
 * The new generation of the room cache and how it is brought to a position: the live projector
 * without side effects, run by the ordinary runner (batches, dead letters) against its own
 * RedisTarget under the generation's prefix, over the log bounded at that position.
 */
export class GenerationBuild {
  readonly projector: NotingProjector;
  /** Where its dead letters and its run are kept apart from the live ones. */
  readonly runName: string;
  private readonly target: RedisTarget;
  private readonly upcasters = createUpcasterRegistry();
  private reached: Checkpoint | null = null;
  private runner: ProjectionRunner<RedisUnit> | null = null;

  constructor(
    private readonly deps: { pool: pg.Pool; batchSize: number; notifyMaxAgeSeconds: number },
    private readonly log: Logger,
    client: Redis,
    generation: string,
  ) {
    const room = new RoomCacheProjector({
      sideEffects: 'none',
      notifyMaxAgeSeconds: deps.notifyMaxAgeSeconds,
    });
    this.projector = new NotingProjector(room);
    this.runName = generationRunName({ projection: room.name, generation });
    this.target = new RedisTarget(client);
  }

  /** Where the generation stands: the runner's position once it has opened the generation. */
  get position(): Checkpoint | null {
    const running = this.runner?.position;
    if (running && (!this.reached || compareCheckpoints(running, this.reached) > 0)) return running;
    return this.reached;
  }

  /** Reads where the generation stands (an interrupted rebuild left it somewhere). */
  async load(): Promise<Checkpoint | null> {
    this.reached = await this.target.loadCheckpoint(this.projector.name);
    return this.reached;
  }

  /** Applies the log up to `until` (to the head when null); returns the generation's checkpoint. */
  async upTo(until: Checkpoint | null, signal: AbortSignal): Promise<Checkpoint | null> {
    await this.load();
    this.runner = new ProjectionRunner({
      projector: this.projector,
      target: this.target,
      source: new BoundedLogSource(new PostgresEventStore(this.deps.pool), until),
      deadLetters: new GenerationDeadLetters(this.deps.pool, this.runName),
      upcasters: this.upcasters,
      logger: this.log,
      batchSize: this.deps.batchSize,
    });
    await this.runner.run(signal);
    signal.throwIfAborted();
    return this.load();
  }
}
