import { createHash } from 'node:crypto';
import { MongoClient, ObjectId } from 'mongodb';
import type { Db } from 'mongodb';

export interface MongoConnection {
  client: MongoClient;
  db: Db;
  close(): Promise<void>;
}

export interface MongoConnectOptions {
  url: string;
  database: string;
  /** Application name shown by the server (`db.currentOp()`). */
  appName?: string;
  /** How long an operation waits for a reachable server before it fails (an outage). */
  serverSelectionTimeoutMS?: number;
}

/**
 * A client for the analytics database. It connects lazily (the first operation does), so a
 * service starts while MongoDB is away; an operation fails after `serverSelectionTimeoutMS`
 * (default 5 s) rather than hanging, and the driver reconnects by itself afterwards.
 */
export function createMongo(options: MongoConnectOptions): MongoConnection {
  const client = new MongoClient(options.url, {
    appName: options.appName ?? 'meetings',
    serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 5_000,
    connectTimeoutMS: 5_000,
    maxPoolSize: 10,
    // Deterministic writes are retried by the driver once after a failover, as MongoDB documents.
    retryWrites: true,
  });
  return { client, db: client.db(options.database), close: () => client.close() };
}

/**
 * The `_id` of a document keyed by `key` (a meeting id, a message id, a day…): the first 12
 * bytes of SHA-256(key) as an ObjectId. Derived, so a rebuild from the log writes the same ids;
 * an ObjectId, because the test stand-in (CongoDB) accepts no other `_id` type on upserts. The
 * natural key is always stored beside it in its own field.
 */
export function mongoId(key: string): ObjectId {
  return new ObjectId(createHash('sha256').update(key).digest().subarray(0, 12));
}

/**
 * The seed's participant id of a (meeting, user) pair, as the PostgreSQL read tables derive it:
 * `md5(meeting_id || ':' || user_id)::uuid` (README, "Differences from the seed").
 */
export function participantId(meetingId: string, userId: string): string {
  const hex = createHash('md5').update(`${meetingId}:${userId}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
