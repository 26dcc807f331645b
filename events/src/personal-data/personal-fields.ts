import type { EventData, EventType } from '../registry.js';
import { isSealed, open, seal } from './field-cipher.js';

/** What an erased field reads as: a placeholder unique per subject (the read tables keep names unique), or null. */
type Erasure = 'placeholder' | 'null';

interface PersonalFields<T extends EventType> {
  /** Whose data it is: the key is that subject's. */
  subject(data: EventData<T>): string;
  fields: { readonly [K in keyof EventData<T> & string]?: Erasure };
}

/**
 * The personal fields of every event type that holds any, declared once: the write side encrypts
 * them before appending, every reader decrypts them with the subject's key. When that key is
 * destroyed (the account was deleted) they read as erased for good, in a rebuild too.
 */
const personalFields: { readonly [T in EventType]?: PersonalFields<T> } = {
  UserRegistered: {
    subject: (d) => d.userId,
    fields: { username: 'placeholder', email: 'placeholder', displayName: 'placeholder' },
  },
  UserProfileUpdated: { subject: (d) => d.userId, fields: { displayName: 'placeholder', avatarUrl: 'null' } },
  UsernameReserved: { subject: (d) => d.userId, fields: { username: 'placeholder' } },
  EmailReserved: { subject: (d) => d.userId, fields: { email: 'placeholder' } },
};

/** An event as writers and readers hold it; only its type and data matter here. */
export interface EventWithData {
  type: string;
  data: unknown;
}

/** What is known of a subject's key: the key, destroyed (erased for good), or none ever made. */
export type SubjectKey = Buffer | 'destroyed' | undefined;

/** The erased value of a field: `erased-<subject>`, unique as usernames and emails must be. */
export const erasedValue = (subject: string): string => `erased-${subject}`;

function declaration(event: EventWithData): PersonalFields<EventType> | undefined {
  return (personalFields as Record<string, PersonalFields<EventType> | undefined>)[event.type];
}

const aad = (subject: string, field: string) => `${subject}/${field}`;

/** The subject whose key the event's personal fields need, or null when it holds none. */
export function personalSubject(event: EventWithData): string | null {
  return declaration(event)?.subject(event.data as never) ?? null;
}

/** Whether any personal field of the event is encrypted (a reader needs the subject's key). */
export function holdsSealedData(event: EventWithData): boolean {
  const fields = declaration(event)?.fields ?? {};
  const data = event.data as Record<string, unknown>;
  return Object.keys(fields).some((f) => isSealed(data[f]));
}

/** The event with each personal string field encrypted under the subject's key. */
export function concealEvent<E extends EventWithData>(event: E, key: Buffer): E {
  const declared = declaration(event);
  if (!declared) return event;
  const data = { ...(event.data as Record<string, unknown>) };
  const subject = declared.subject(data as never);
  for (const field of Object.keys(declared.fields)) {
    const value = data[field];
    if (typeof value === 'string') data[field] = seal(key, aad(subject, field), value);
  }
  return { ...event, data };
}

/**
 * The event with its personal fields in clear: opened with the key, or erased when the key is gone
 * (or was never here, as in a copy of the log without its keys). Clear values pass as they are.
 */
export function revealEvent<E extends EventWithData>(event: E, key: SubjectKey): E {
  const declared = declaration(event);
  if (!declared || !holdsSealedData(event)) return event;
  const data = { ...(event.data as Record<string, unknown>) };
  const subject = declared.subject(data as never);
  for (const [field, erasure] of Object.entries<Erasure | undefined>(declared.fields)) {
    const value = data[field];
    if (!isSealed(value)) continue;
    const clear = Buffer.isBuffer(key) ? open(key, aad(subject, field), value) : null;
    data[field] = clear ?? (erasure === 'null' ? null : erasedValue(subject));
  }
  return { ...event, data };
}
