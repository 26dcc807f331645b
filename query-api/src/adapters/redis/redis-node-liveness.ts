import type { Redis } from 'ioredis';
import type { FailureLogger } from '@meetings/db';
import type { NodeLiveness } from '../../ports/node-liveness.js';

/** `node:<service>:<id>`, under the deployment's REDIS_KEY_PREFIX (the client adds it). */
export const nodeKey = (service: string, nodeId: string) => `node:${service}:${nodeId}`;

/**
 * Without etcd: a Redis key with a TTL that the node sets again every third of it, so one missed
 * renewal (a pause, a Redis blip) does not make it look dead.
 */
export class RedisNodeLiveness implements NodeLiveness {
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly service: string,
    readonly nodeId: string,
    private readonly ttlSeconds: number,
    private readonly logger: FailureLogger,
  ) {}

  async start(): Promise<void> {
    await this.beat();
    this.timer = setInterval(
      () => {
        this.beat().catch((error: unknown) => this.logger.warn({ err: error }, 'node heartbeat failed'));
      },
      (this.ttlSeconds * 1000) / 3,
    );
    this.timer.unref();
  }

  async isAlive(nodeId: string): Promise<boolean> {
    return (await this.redis.exists(nodeKey(this.service, nodeId))) === 1;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.redis.del(nodeKey(this.service, this.nodeId));
  }

  private async beat(): Promise<void> {
    await this.redis.set(nodeKey(this.service, this.nodeId), String(Date.now()), 'EX', this.ttlSeconds);
  }
}
