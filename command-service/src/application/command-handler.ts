import {
  currentSchemaVersion,
  decodeEvent,
  DuplicateEventIdError,
  parseEvent,
  WrongExpectedVersionError,
} from '@meetings/events';
import type {
  DomainEvent,
  EventStore,
  NewEvent,
  PersonalDataVault,
  UpcasterRegistry,
} from '@meetings/events';
import { LRUCache } from 'lru-cache';
import type { Decider } from '../domain/index.js';
import { ConcurrencyConflict, PreconditionFailed } from './errors.js';
import { KeyedLock } from './keyed-lock.js';
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

export interface CommandHandlerOptions {
  /** Decisions per command before giving up on a stream that keeps changing. */
  maxAttempts: number;
  /** How many events' worth of stream state to keep between commands (0: read whole streams). */
  cacheSize?: number;
  /**
   * Encrypts personal fields before appending and decrypts them when loading (see
   * PersonalDataVault). Without one, events are written and read as they are.
   */
  vault?: PersonalDataVault;
}

/** Where the stream stood when last read, and what it means. */
interface Loaded<State> {
  state: State;
  version: number;
  position: number;
  /** Per idempotency key, the stream's last event appended under it. */
  attempts: Map<string, { version: number; position: number }>;
}

/**
 * Runs a command against one stream: load, decide, append under the loaded version. A version
 * conflict reloads and decides again (decide re-checks every rule against the newer state), unless
 * the client pinned a version with If-Match.
 *
 * Commands on one stream are queued in this process, so they do not race each other; a race with
 * another process is still settled by the append's expected version. The state each stream was
 * last seen in is kept (least recently used first out), and every command reads only the events
 * appended since, whoever appended them: a cached state is never trusted without that read.
 */
export class CommandHandler {
  private readonly locks = new KeyedLock();
  private readonly cache: LRUCache<string, Loaded<unknown>> | null;
  private readonly maxAttempts: number;
  private readonly vault: PersonalDataVault | undefined;

  constructor(
    private readonly store: EventStore,
    private readonly upcasters: UpcasterRegistry,
    options: CommandHandlerOptions,
  ) {
    this.maxAttempts = options.maxAttempts;
    this.vault = options.vault;
    const cacheSize = options.cacheSize ?? 200_000;
    this.cache =
      cacheSize > 0
        ? new LRUCache({ maxSize: cacheSize, sizeCalculation: (loaded) => Math.max(1, loaded.version) })
        : null;
  }

  /** The stream's current state (for reads on the write side, such as logging in). */
  load<C, S, E extends DomainEvent>(decider: Decider<C, S, E>, streamId: string): Promise<Loaded<S>> {
    return this.locks.run(streamId, () => this.current(decider, streamId));
  }

  private async current<C, S, E extends DomainEvent>(
    decider: Decider<C, S, E>,
    streamId: string,
  ): Promise<Loaded<S>> {
    const cached = this.cache?.get(streamId) as Loaded<S> | undefined;
    const loaded = await this.catchUp(
      decider,
      streamId,
      cached ?? { state: decider.initialState(), version: 0, position: 0, attempts: new Map() },
    );
    if (this.cache && loaded !== cached) this.cache.set(streamId, loaded);
    return loaded;
  }

  /** Folds the events appended after `loaded` into a new state: only what it missed is read. */
  private async catchUp<C, S, E extends DomainEvent>(
    decider: Decider<C, S, E>,
    streamId: string,
    loaded: Loaded<S>,
  ): Promise<Loaded<S>> {
    const recorded = await this.store.readStream(streamId, { from: loaded.version + 1 });
    if (recorded.length === 0) return loaded;
    const decoded = recorded.map((r) => decodeEvent(this.upcasters, r));
    const events = this.vault ? await this.vault.reveal(decoded) : decoded;
    let state = loaded.state;
    for (const e of events) state = decider.evolve(state, { type: e.type, data: e.data } as E);
    // Copied only when a key is added: most commands of a stream came without one, or from elsewhere.
    let attempts = loaded.attempts;
    for (const e of events) {
      const key = e.metadata.idempotencyKey;
      if (!key) continue;
      if (attempts === loaded.attempts) attempts = new Map(attempts);
      attempts.set(key, { version: e.streamVersion, position: e.globalPosition });
    }
    const last = events.at(-1)!;
    return { state, version: last.streamVersion, position: last.globalPosition, attempts };
  }

  handle<C, S, E extends DomainEvent>(
    decider: Decider<C, S, E>,
    streamId: string,
    command: C,
    ctx: RequestContext,
    options: HandleOptions = {},
  ): Promise<CommandOutcome> {
    return this.locks.run(streamId, () => this.decideAndAppend(decider, streamId, command, ctx, options));
  }

  private async decideAndAppend<C, S, E extends DomainEvent>(
    decider: Decider<C, S, E>,
    streamId: string,
    command: C,
    ctx: RequestContext,
    options: HandleOptions,
  ): Promise<CommandOutcome> {
    let loaded = await this.current(decider, streamId);
    for (let attempt = 1; ; attempt++) {
      const earlier = ctx.idempotencyKey ? loaded.attempts.get(ctx.idempotencyKey) : undefined;
      if (earlier) return { streamId, ...earlier, replayed: true };
      if (options.expectedVersion !== undefined && options.expectedVersion !== loaded.version) {
        throw new PreconditionFailed(options.expectedVersion, loaded.version);
      }
      const decided = decider.decide(command, loaded.state);
      if (decided.length === 0) {
        return { streamId, version: loaded.version, position: loaded.position, replayed: false };
      }
      const newEvents = await this.conceal(
        decided.map((e, i) => this.toNewEvent(e, ctx, `${streamId}#${loaded.version + i + 1}`)),
      );
      try {
        // The next command's catch-up reads these events back: the cache never holds unread state.
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
        loaded = await this.current(decider, streamId);
      }
    }
  }

  /** Events as they may be appended: their personal fields encrypted when a vault is set. */
  conceal(events: NewEvent[]): Promise<NewEvent[]> {
    return this.vault ? this.vault.conceal(events) : Promise.resolve(events);
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
}
