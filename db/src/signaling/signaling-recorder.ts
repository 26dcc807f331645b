import { randomUUID } from 'node:crypto';
import { currentSchemaVersion, streams, WrongExpectedVersionError } from '@meetings/events';
import type { EventData, EventStore, ExpectedVersion, NewEvent } from '@meetings/events';
import type { FailureLogger } from '../outage.js';

export type CloseReason = Exclude<EventData<'SignalingSessionClosed'>['reason'], 'node-dead'>;

interface Pending {
  event: NewEvent;
  sessionId: string;
  settle: (error?: Error) => void;
}

/** How long a failed append of closes waits before it is tried again. */
const RETRY_DELAY_MS = 1000;

type SignalingType = 'SignalingSessionOpened' | 'SignalingSessionClosed';

export function signalingEvent<T extends SignalingType>(
  type: T,
  data: EventData<T>,
  actorUserId: string | null,
): NewEvent {
  return {
    eventId: randomUUID(),
    type,
    schemaVersion: currentSchemaVersion(type),
    data,
    metadata: { correlationId: randomUUID(), causationId: null, actorUserId, idempotencyKey: null },
    occurredAt: new Date(),
  };
}

/**
 * Writes this node's `signaling-<nodeId>` stream: a session opened when a WebSocket subscribes to
 * a meeting, closed when it unsubscribes or the socket goes. The only writer while the node lives,
 * so appends are queued and go one at a time, each with the version the previous one left (several
 * queued events go in one append). The other writer is a surviving node's sweeper, and only when
 * it took this node for dead: that append conflicts with ours; the stream is read again, closes of
 * sessions it closed already are dropped, and the rest is appended at the new version.
 *
 * An open that cannot be appended (the database away) fails the subscription: the caller answers
 * an error. A close cannot fail anything: it is retried until it is written or the recorder stops,
 * so that a database blip does not leave a session open for as long as its node lives.
 */
export class SignalingRecorder {
  private readonly stream: string;
  private version: ExpectedVersion = 'no_stream';
  private readonly open = new Set<string>();
  private queue: Pending[] = [];
  private writing: Promise<void> | null = null;
  private stopping = false;

  constructor(
    private readonly store: Pick<EventStore, 'appendToStream' | 'readStream'>,
    readonly nodeId: string,
    private readonly logger: FailureLogger,
  ) {
    this.stream = streams.signaling(nodeId);
  }

  /** Records a new session; resolves once it is in the log. */
  opened(session: { sessionId: string; userId: string; meetingId: string }): Promise<void> {
    const data = { ...session, nodeId: this.nodeId };
    return this.enqueue(session.sessionId, signalingEvent('SignalingSessionOpened', data, session.userId));
  }

  /** Records the end of a session (after its open, whether or not that was written yet). */
  closed(sessionId: string, reason: CloseReason): void {
    const event = signalingEvent('SignalingSessionClosed', { sessionId, nodeId: this.nodeId, reason }, null);
    this.enqueue(sessionId, event).catch((error: unknown) =>
      this.logger.error({ err: error, sessionId }, 'could not record the end of a signaling session'),
    );
  }

  /**
   * Closes (`node-dead`) the sessions a previous life of this node left open: a node whose id
   * outlives its process (an SFU node's name) starts by reading its stream. Resolves with how many
   * it closed. Call it before the first `opened`.
   */
  async recover(): Promise<number> {
    const events = await this.store.readStream(this.stream);
    const left = new Set<string>();
    for (const event of events) {
      const { sessionId } = event.data as { sessionId: string };
      if (event.type === 'SignalingSessionOpened') left.add(sessionId);
      else if (event.type === 'SignalingSessionClosed') left.delete(sessionId);
    }
    const last = events.at(-1);
    if (!last) return 0;
    this.version = last.streamVersion;
    if (left.size === 0) return 0;
    const closes = [...left].map((sessionId) =>
      signalingEvent('SignalingSessionClosed', { sessionId, nodeId: this.nodeId, reason: 'node-dead' }, null),
    );
    const result = await this.store.appendToStream(this.stream, closes, last.streamVersion);
    this.version = result.nextExpectedVersion;
    return left.size;
  }

  /** Writes what is queued (closes included, one more try each) and stops retrying. */
  async stop(): Promise<void> {
    this.stopping = true;
    while (this.writing) await this.writing;
  }

  private enqueue(sessionId: string, event: NewEvent): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const settle = (error?: Error) => (error ? reject(error) : resolve());
      this.queue.push({ event, sessionId, settle });
      this.kick();
    });
  }

  private kick(): void {
    this.writing ??= this.drain()
      .catch((error: unknown) => this.logger.error({ err: error }, 'signaling recorder failed'))
      .finally(() => {
        this.writing = null;
        // Queued between the end of the loop and this callback.
        if (this.queue.length > 0) this.kick();
      });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0);
      // A close of a session whose open was never written (it failed) or that is closed already.
      const opening = new Set<string>();
      const write = batch.filter(({ event, sessionId }) => {
        if (event.type === 'SignalingSessionOpened') opening.add(sessionId);
        return event.type === 'SignalingSessionOpened' || opening.has(sessionId) || this.open.has(sessionId);
      });
      for (const skipped of batch.filter((p) => !write.includes(p))) skipped.settle();
      if (write.length === 0) continue;
      try {
        const result = await this.store.appendToStream(
          this.stream,
          write.map((p) => p.event),
          this.version,
        );
        this.version = result.nextExpectedVersion;
        for (const { event, sessionId } of write) {
          if (event.type === 'SignalingSessionOpened') this.open.add(sessionId);
          else this.open.delete(sessionId);
        }
        for (const p of write) p.settle();
      } catch (error) {
        await this.failed(write, error);
      }
    }
  }

  /**
   * After a conflict everything is tried again at the version read back. After any other failure
   * (the database away) opens fail to their callers and closes are tried again after a pause.
   */
  private async failed(write: Pending[], error: unknown): Promise<void> {
    if (error instanceof WrongExpectedVersionError) {
      try {
        await this.catchUp();
        this.queue.unshift(...write);
        return;
      } catch (readError) {
        error = readError;
      }
    }
    this.logger.warn({ err: error, stream: this.stream }, 'signaling append failed');
    const closes = write.filter((p) => p.event.type === 'SignalingSessionClosed');
    const reason = error instanceof Error ? error : new Error('signaling append failed', { cause: error });
    for (const p of write) if (this.stopping || !closes.includes(p)) p.settle(reason);
    if (this.stopping) return;
    await new Promise((r) => setTimeout(r, RETRY_DELAY_MS));
    this.queue.unshift(...closes);
  }

  /** Takes in what another node appended to this stream (a sweeper's closes). */
  private async catchUp(): Promise<void> {
    const from = typeof this.version === 'number' ? this.version + 1 : 1;
    const foreign = await this.store.readStream(this.stream, { from });
    for (const event of foreign) {
      const data = event.data as { sessionId: string };
      if (event.type === 'SignalingSessionClosed') this.open.delete(data.sessionId);
      this.version = event.streamVersion;
    }
    this.logger.warn(
      { stream: this.stream, events: foreign.length },
      'another node wrote this node’s stream',
    );
  }
}
