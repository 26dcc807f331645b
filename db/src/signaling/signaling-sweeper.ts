import { streams, WrongExpectedVersionError } from '@meetings/events';
import type { EventStore } from '@meetings/events';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { FailureLogger } from '../outage.js';
import { RedisLock } from '../redis-lock.js';
import { signalingEvent } from './signaling-recorder.js';

/** Whether a node still lives, as the sweeping service's registry says; and the sweeper's own id. */
export interface SweepLiveness {
  readonly nodeId: string;
  isAlive(nodeId: string): Promise<boolean>;
}

type SweepLogger = FailureLogger & { info(obj: object, msg: string): void };

export interface SignalingSweeperDeps {
  pool: pg.Pool;
  store: Pick<EventStore, 'appendToStream' | 'readStream'>;
  liveness: SweepLiveness;
  /**
   * The nodes this sweeper judges (by node id): query-api and SFU nodes share signaling_sessions but
   * each service knows only its own nodes' liveness. The lock is per `lockName`.
   */
  owns: (nodeId: string) => boolean;
  lockName: string;
  /** The sessions' Redis client (with the deployment's key prefix): the sweep's lock lives there. */
  redis: Redis;
  logger: SweepLogger;
  intervalMs: number;
}

/**
 * The lock of one sweep at a time across nodes: a sweeper dying mid-sweep holds it this long at
 * most, and less with frequent sweeps (the lock is renewed while a sweep runs, so its TTL need not
 * cover a slow one). A fixed 10 s let a node killed while sweeping delay the sweep of its own
 * sessions by 10 s, whatever the heartbeat TTL.
 */
const MAX_LOCK_TTL_MS = 10_000;
const lockTtlMs = (intervalMs: number) => Math.min(MAX_LOCK_TTL_MS, Math.max(1_000, 5 * intervalMs));

/**
 * Closes the sessions of nodes that died without closing them (SIGKILL, a lost machine): every
 * interval one node (whichever takes the Redis lock) lists the nodes with connected sessions in
 * `signaling_sessions`, and for each whose heartbeat lapsed reads its signaling stream (the read
 * model may lag it) and appends a `node-dead` close of every session still open, at the version it
 * read. A dead node writes nothing more, so that append wins; if it does not, the node was alive
 * after all (or another sweep was faster) and the next sweep looks again.
 */
export class SignalingSweeper {
  private readonly lock: RedisLock;
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;

  constructor(private readonly deps: SignalingSweeperDeps) {
    this.lock = new RedisLock(deps.redis, deps.lockName, {
      holderId: deps.liveness.nodeId,
      ttlMs: lockTtlMs(deps.intervalMs),
    });
  }

  start(): void {
    this.timer = setInterval(() => {
      this.sweeping ??= this.sweep()
        .then(
          () => undefined,
          (error: unknown) => this.deps.logger.warn({ err: error }, 'signaling sweep failed'),
        )
        .finally(() => (this.sweeping = null));
    }, this.deps.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.sweeping;
  }

  /** One sweep, if no other node is sweeping; resolves to the number of sessions it closed. */
  async sweep(): Promise<number> {
    let closed = 0;
    await this.lock.runExclusive(async (lost) => {
      const { liveness } = this.deps;
      // Our own heartbeat missing means the liveness store lost its data (a Redis restarted
      // empty) or cannot be trusted now: every node would look dead.
      if (!(await liveness.isAlive(liveness.nodeId))) {
        this.deps.logger.warn({}, 'own heartbeat not found; skipping the signaling sweep');
        return;
      }
      for (const nodeId of await this.nodesWithSessions()) {
        if (lost.aborted) return;
        if (await liveness.isAlive(nodeId)) continue;
        closed += await this.closeAll(nodeId);
      }
    });
    return closed;
  }

  private async nodesWithSessions(): Promise<string[]> {
    const { rows } = await this.deps.pool.query<{ node_id: string }>(
      `SELECT DISTINCT node_id FROM signaling_sessions WHERE status = 'connected' AND node_id <> $1`,
      [this.deps.liveness.nodeId],
    );
    return rows.map((r) => r.node_id).filter(this.deps.owns);
  }

  private async closeAll(nodeId: string): Promise<number> {
    const stream = streams.signaling(nodeId);
    const events = await this.deps.store.readStream(stream);
    const open = new Set<string>();
    for (const event of events) {
      const { sessionId } = event.data as { sessionId: string };
      if (event.type === 'SignalingSessionOpened') open.add(sessionId);
      else if (event.type === 'SignalingSessionClosed') open.delete(sessionId);
    }
    const last = events.at(-1);
    if (open.size === 0 || !last) return 0;
    const closes = [...open].map((sessionId) =>
      signalingEvent('SignalingSessionClosed', { sessionId, nodeId, reason: 'node-dead' }, null),
    );
    try {
      await this.deps.store.appendToStream(stream, closes, last.streamVersion);
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError)) throw error;
      this.deps.logger.info({ nodeId }, 'a node taken for dead wrote its stream meanwhile; left alone');
      return 0;
    }
    this.deps.logger.info({ nodeId, sessions: open.size }, 'closed the signaling sessions of a dead node');
    return open.size;
  }
}
