import {
  currentSchemaVersion,
  decodeEvent,
  DuplicateEventIdError,
  parseEvent,
  WrongExpectedVersionError,
} from '@meetings/events';
import type { DecodedEvent, DomainEvent, EventStore, NewEvent, UpcasterRegistry } from '@meetings/events';
import type { Decider } from '../domain/index.js';
import { ConcurrencyConflict, PreconditionFailed } from './errors.js';
import { metadataOf, newId } from './request-context.js';
import type { RequestContext } from './request-context.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface CommandOutcome {
  streamId: string;
  /** The stream's version after the command (unchanged when the command was a no-op). */
  version: number;
  /** Global position of the stream's last event. */
  position: number;
  /** True when an earlier attempt with the same idempotency key had already appended. */
  replayed: boolean;
}

export interface HandleOptions {
  /** The version the client expects (If-Match); a mismatch is PreconditionFailed, never retried. */
  expectedVersion?: number;
}

interface Loaded<State> {
  state: State;
  version: number;
  position: number;
  events: DecodedEvent[];
}

/**
 * Runs a command against one stream: load, decide, append under the loaded version. A version
 * conflict reloads and decides again (decide re-checks every rule against the newer state), unless
 * the client pinned a version with If-Match.
 */
export class CommandHandler {
  constructor(
    private readonly store: EventStore,
    private readonly upcasters: UpcasterRegistry,
    /** Decisions per command before giving up on a stream that keeps changing. */
    private readonly maxAttempts: number,
  ) {}

  async load<C, S, E extends DomainEvent>(decider: Decider<C, S, E>, streamId: string): Promise<Loaded<S>> {
    return this.catchUp(decider, streamId, {
      state: decider.initialState(),
      version: 0,
      position: 0,
      events: [],
    });
  }

  /** Folds the events appended after `loaded` into it: a lost race costs only the events it missed. */
  private async catchUp<C, S, E extends DomainEvent>(
    decider: Decider<C, S, E>,
    streamId: string,
    loaded: Loaded<S>,
  ): Promise<Loaded<S>> {
    const recorded = await this.store.readStream(streamId, { from: loaded.version + 1 });
    if (recorded.length === 0) return loaded;
    const events = recorded.map((r) => decodeEvent(this.upcasters, r));
    let state = loaded.state;
    for (const e of events) state = decider.evolve(state, { type: e.type, data: e.data } as E);
    const last = events.at(-1)!;
    return {
      state,
      version: last.streamVersion,
      position: last.globalPosition,
      events: [...loaded.events, ...events],
    };
  }

  async handle<C, S, E extends DomainEvent>(
    decider: Decider<C, S, E>,
    streamId: string,
    command: C,
    ctx: RequestContext,
    options: HandleOptions = {},
  ): Promise<CommandOutcome> {
    let loaded = await this.load(decider, streamId);
    for (let attempt = 1; ; attempt++) {
      const earlier = this.earlierAttempt(loaded, streamId, ctx);
      if (earlier) return earlier;
      if (options.expectedVersion !== undefined && options.expectedVersion !== loaded.version) {
        throw new PreconditionFailed(options.expectedVersion, loaded.version);
      }
      const decided = decider.decide(command, loaded.state);
      if (decided.length === 0) {
        return { streamId, version: loaded.version, position: loaded.position, replayed: false };
      }
      const newEvents = decided.map((e, i) =>
        this.toNewEvent(e, ctx, `${streamId}#${loaded.version + i + 1}`),
      );
      try {
        const result = await this.store.appendToStream(streamId, newEvents, loaded.version);
        return {
          streamId,
          version: result.nextExpectedVersion,
          position: result.lastPosition,
          replayed: false,
        };
      } catch (error) {
        // DuplicateEventIdError: a racing attempt of the same idempotent request won; catching up finds it.
        if (!(error instanceof WrongExpectedVersionError) && !(error instanceof DuplicateEventIdError))
          throw error;
        if (options.expectedVersion !== undefined && error instanceof WrongExpectedVersionError) {
          throw new PreconditionFailed(options.expectedVersion, error.actual);
        }
        if (attempt >= this.maxAttempts) throw new ConcurrencyConflict(streamId);
        // Jittered backoff spreads a burst of writers (a whole room joining at once) over time.
        await sleep(Math.random() * Math.min(2 ** attempt, 50));
        loaded = await this.catchUp(decider, streamId, loaded);
      }
    }
  }

  /** Validates what the decider produced: an invalid event must never reach the log. */
  toNewEvent(event: DomainEvent, ctx: RequestContext, idPurpose: string): NewEvent {
    const valid = parseEvent(event.type, event.data);
    return {
      eventId: newId(ctx, idPurpose),
      type: valid.type,
      schemaVersion: currentSchemaVersion(valid.type),
      data: valid.data,
      metadata: metadataOf(ctx),
      occurredAt: ctx.now,
    };
  }

  private earlierAttempt(
    loaded: Loaded<unknown>,
    streamId: string,
    ctx: RequestContext,
  ): CommandOutcome | null {
    if (!ctx.idempotencyKey) return null;
    const mine = loaded.events.filter((e) => e.metadata.idempotencyKey === ctx.idempotencyKey);
    const last = mine.at(-1);
    if (!last) return null;
    return { streamId, version: last.streamVersion, position: last.globalPosition, replayed: true };
  }
}
