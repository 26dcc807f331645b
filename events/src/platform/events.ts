import { z } from 'zod';
import { Id } from '../common.js';

/**
 * A configuration key: dot-separated segments of lowercase letters, digits, `_` and `-`
 * (`services.user-service.port`). Each dot becomes a `/` in etcd, so the key above is mirrored to
 * `/meeting-system/config/services/user-service/port`, the seed's layout; with no `/` allowed
 * in a segment that mapping cannot make two keys collide.
 */
export const CONFIG_KEY_MAX_LENGTH = 200;
export const ConfigKey = z
  .string()
  .min(1)
  .max(CONFIG_KEY_MAX_LENGTH)
  .regex(
    /^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)*$/,
    'dot-separated segments of lowercase letters, digits, "_" and "-", each starting with a letter or digit',
  );

/** The value is text (the `config_value` column, and an etcd value as the seed shows: `"8080"`). */
export const CONFIG_VALUE_MAX_LENGTH = 16 * 1024;
export const CONFIG_DESCRIPTION_MAX_LENGTH = 1000;

/** The `config-<key>` stream: one per key, so keys change independently and each has its own ETag. */
export const systemConfigEventSchemas = {
  /** Creates the key or replaces its value, description and public flag (a PUT: all of them at once). */
  SystemConfigSet: z.object({
    key: ConfigKey,
    value: z.string().max(CONFIG_VALUE_MAX_LENGTH),
    description: z.string().max(CONFIG_DESCRIPTION_MAX_LENGTH).nullable(),
    /** Readable by every signed-in user through the query API; otherwise by admins only. */
    isPublic: z.boolean(),
    setBy: Id,
  }),
  SystemConfigDeleted: z.object({ key: ConfigKey, deletedBy: Id }),
} as const;

/**
 * The `signaling-<nodeId>` stream: the subscriptions of one query-api process's WebSockets, a row
 * of `signaling_sessions` each (a socket subscribed to two meetings is two sessions). One stream
 * per node makes the node its only writer while it lives, and lets a surviving node close all of
 * a dead node's sessions by reading one stream and appending under its version (see query-api).
 */
export const signalingSessionEventSchemas = {
  SignalingSessionOpened: z.object({
    sessionId: Id,
    /** The query-api instance holding the socket (its registry id). */
    nodeId: z.string().min(1).max(200),
    userId: Id,
    meetingId: Id,
  }),
  SignalingSessionClosed: z.object({
    sessionId: Id,
    nodeId: z.string().min(1).max(200),
    /**
     * `unsubscribed` or `socket-closed`: by the node itself; `node-dead`: its node stopped
     * renewing its liveness and a surviving node closed it.
     */
    reason: z.enum(['unsubscribed', 'socket-closed', 'node-dead']),
  }),
} as const;
