import { z } from 'zod';
import type { Room } from '../read/models.js';

/** What a client may send. */
export const ClientMessage = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('subscribe'), meetingId: z.uuid() }),
  z.strictObject({ type: z.literal('unsubscribe'), meetingId: z.uuid() }),
  z.strictObject({ type: z.literal('ping') }),
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

/** What the server sends. */
export type ServerMessage =
  | { type: 'subscribed'; meetingId: string; room: Room | null }
  | { type: 'unsubscribed'; meetingId: string }
  | { type: 'room'; meetingId: string; version: number; change: string; room: Room | null }
  | { type: 'pong' }
  | { type: 'error'; error: WsErrorCode; detail: string; meetingId?: string };

export type WsErrorCode =
  | 'invalid-message'
  | 'meeting-not-found'
  | 'not-subscribed'
  | 'too-many-subscriptions'
  | 'service-unavailable'
  | 'internal-error';

/** Close codes: 4401 mirrors HTTP 401 (RFC 6455 leaves 4000-4999 to applications). */
export const CLOSE_UNAUTHORIZED = 4401;
export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_INTERNAL = 1011;
/** RFC 6455's "try again later": the session could not be checked while a server is away. */
export const CLOSE_TRY_AGAIN_LATER = 1013;

/** The reason of a 4401 close for a session that ended (logged out, expired, lost). */
export const SESSION_ENDED = 'the session has expired or was revoked';

/** Parses a client frame; a message for the client (never an exception) when it is not valid. */
export function parseClientMessage(raw: string): ClientMessage | { invalid: string } {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { invalid: 'not JSON' };
  }
  const result = ClientMessage.safeParse(json);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length ? `${issue.path.map(String).join('.')}: ` : '';
  return { invalid: `${where}${issue?.message ?? 'invalid message'}` };
}
