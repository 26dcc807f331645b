import { currentSchemaVersion, isEventType, parseEvent, UnknownEventTypeError } from '../registry.js';
import type { DomainEvent } from '../registry.js';

/** Turns the data of `type` at `fromVersion` into its shape at `fromVersion + 1`. */
export type Upcaster = (data: Record<string, unknown>) => Record<string, unknown>;

export class MissingUpcasterError extends Error {
  override readonly name = 'MissingUpcasterError';
  constructor(
    readonly eventType: string,
    readonly fromVersion: number,
  ) {
    super(`no upcaster for ${eventType} from schema version ${fromVersion}`);
  }
}

/**
 * Upcasters chained version by version: an event stored at an old schema version is read at the
 * current one, so deciders and projectors only ever see current shapes.
 */
export class UpcasterRegistry {
  private readonly upcasters = new Map<string, Upcaster>();

  register(type: string, fromVersion: number, upcaster: Upcaster): this {
    const key = `${type}@${fromVersion}`;
    if (this.upcasters.has(key)) throw new Error(`upcaster ${key} registered twice`);
    this.upcasters.set(key, upcaster);
    return this;
  }

  /** Returns the event at its current schema version, validated. */
  upcast(type: string, schemaVersion: number, data: unknown): { event: DomainEvent; schemaVersion: number } {
    if (!isEventType(type)) throw new UnknownEventTypeError(type);
    const target = currentSchemaVersion(type);
    let version = schemaVersion;
    let current = data as Record<string, unknown>;
    while (version < target) {
      const upcaster = this.upcasters.get(`${type}@${version}`);
      if (!upcaster) throw new MissingUpcasterError(type, version);
      current = upcaster(current);
      version += 1;
    }
    return { event: parseEvent(type, current), schemaVersion: version };
  }
}
