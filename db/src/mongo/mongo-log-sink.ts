import type { Collection, Document } from 'mongodb';
import { MONGO_COLLECTIONS } from './collections.js';
import { createMongo } from './mongo-client.js';
import type { MongoConnection } from './mongo-client.js';

/** pino's numeric levels: warn and above go to MongoDB. */
const LEVEL_NAMES: Record<number, string> = { 40: 'warn', 50: 'error', 60: 'fatal' };
export const MONGO_LOG_MIN_LEVEL = 40;

export interface MongoLogSinkOptions {
  url: string;
  database: string;
  service: string;
  /** Entries per insert (default 100). */
  batchSize?: number;
  /** Longest an entry waits before its batch is written (default 1000 ms). */
  flushIntervalMs?: number;
  /** Entries held while MongoDB is slow or away; beyond it new ones are dropped (default 5000). */
  maxBuffered?: number;
  /** Longest wait for a reachable server per insert (default 2000 ms). */
  serverSelectionTimeoutMS?: number;
}

export interface MongoLogSinkStats {
  written: number;
  /** Entries lost: the buffer was full, or their insert failed (MongoDB away). */
  dropped: number;
  buffered: number;
}

/** One `logs` document: the seed's fields, plus the correlation id when the line had one. */
export interface LogDocument {
  service: string;
  level: string;
  message: string;
  timestamp: Date;
  created_at: Date;
  correlation_id?: string;
  error?: string;
}

/**
 * A pino destination (use it in `pino.multistream` with level 'warn') that writes the service's
 * warnings and errors to the `logs` collection. It never blocks nor throws into the logger: lines
 * are parsed and buffered synchronously, written in batches by a timer, and when MongoDB is away
 * (or the buffer is full) entries are dropped and counted — a log sink must not take the service
 * down with it. Stdout keeps every line regardless.
 */
export class MongoLogSink {
  private readonly mongo: MongoConnection;
  private readonly logs: Collection<LogDocument>;
  private readonly batchSize: number;
  private readonly maxBuffered: number;
  private buffer: LogDocument[] = [];
  private readonly timer: NodeJS.Timeout;
  private inFlight: Promise<void> | null = null;
  private closed = false;
  private readonly counters = { written: 0, dropped: 0 };

  constructor(private readonly options: MongoLogSinkOptions) {
    this.mongo = createMongo({
      url: options.url,
      database: options.database,
      appName: `${options.service}-logs`,
      serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 2_000,
    });
    this.logs = this.mongo.db.collection<LogDocument>(MONGO_COLLECTIONS.logs);
    this.batchSize = options.batchSize ?? 100;
    this.maxBuffered = options.maxBuffered ?? 5_000;
    this.timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 1_000);
    this.timer.unref();
  }

  /** pino calls this with each serialized line (a JSON object and a newline). */
  write(line: string): void {
    if (this.closed) return;
    const doc = toLogDocument(line, this.options.service);
    if (!doc) return;
    if (this.buffer.length >= this.maxBuffered) {
      this.counters.dropped += 1;
      return;
    }
    this.buffer.push(doc);
    if (this.buffer.length >= this.batchSize) void this.flush();
  }

  stats(): MongoLogSinkStats {
    return { ...this.counters, buffered: this.buffer.length };
  }

  /** Writes what is buffered (one batch at a time); resolves when done, never rejects. */
  async flush(): Promise<void> {
    while (this.inFlight) await this.inFlight;
    if (this.buffer.length === 0) return;
    const batch = this.buffer.splice(0, this.batchSize);
    this.inFlight = this.logs
      .insertMany(batch, { ordered: false })
      .then(
        (result) => {
          this.counters.written += result.insertedCount;
          this.counters.dropped += batch.length - result.insertedCount;
        },
        () => {
          this.counters.dropped += batch.length;
        },
      )
      .finally(() => (this.inFlight = null));
    await this.inFlight;
    if (this.buffer.length >= this.batchSize) await this.flush();
  }

  /** Writes what is left (best effort) and closes the connection. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    this.closed = true;
    await this.mongo.close().catch(() => undefined);
  }
}

/** A pino line as a `logs` document, or null when it is below warn or not a JSON object. */
export function toLogDocument(line: string, service: string): LogDocument | null {
  let entry: Document;
  try {
    entry = JSON.parse(line) as Document;
  } catch {
    return null;
  }
  if (typeof entry !== 'object' || entry === null) return null;
  const level = typeof entry.level === 'number' ? entry.level : 0;
  if (level < MONGO_LOG_MIN_LEVEL) return null;
  const doc: LogDocument = {
    service: typeof entry.service === 'string' ? entry.service : service,
    level: LEVEL_NAMES[level] ?? String(level),
    message: typeof entry.msg === 'string' ? entry.msg.slice(0, 4_000) : '',
    timestamp: new Date(typeof entry.time === 'number' ? entry.time : Date.now()),
    created_at: new Date(),
  };
  if (typeof entry.correlationId === 'string') doc.correlation_id = entry.correlationId.slice(0, 200);
  const err = entry.err as { message?: unknown } | undefined;
  if (err && typeof err.message === 'string') doc.error = err.message.slice(0, 4_000);
  return doc;
}
