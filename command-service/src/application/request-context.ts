import { randomUUID } from 'node:crypto';
import type { EventMetadata } from '@meetings/events';
import { v5 as uuidv5 } from 'uuid';

const ID_NAMESPACE = '6f1c7a52-4f0e-4d8e-9a53-2a4c9e8f3b10';

/** What a command carries from its HTTP request: who asks, how to trace it, how to make it idempotent. */
export interface RequestContext {
  actorUserId: string | null;
  correlationId: string;
  /** Identifies this command; the causation id of every event it appends. */
  commandId: string;
  /** `<scope>:<Idempotency-Key>#<request hash prefix>` when the client sent a key. */
  idempotencyKey: string | null;
  now: Date;
}

export function metadataOf(ctx: RequestContext): EventMetadata {
  return {
    correlationId: ctx.correlationId,
    causationId: ctx.commandId,
    actorUserId: ctx.actorUserId,
    idempotencyKey: ctx.idempotencyKey,
  };
}

/**
 * A new id for something the command creates. With an idempotency key it is derived from the key,
 * so a retried request names the same meeting, user or event and cannot create a second one.
 */
export function newId(ctx: RequestContext, purpose: string): string {
  return ctx.idempotencyKey ? uuidv5(`${ctx.idempotencyKey}\n${purpose}`, ID_NAMESPACE) : randomUUID();
}
