import { MongoLogSink } from './mongo-log-sink.js';
import type { MongoSettings } from './mongo-settings.js';

/** What pino needs of a destination. */
export interface LogDestination {
  write(line: string): void;
}

/** The sinks made by logDestination, so a graceful stop can flush them. */
const sinks: MongoLogSink[] = [];

/**
 * A service logger's destination: with `MONGO_URL` set, every line still goes to stdout and its
 * warnings and errors also to MongoDB's `logs` (MongoLogSink: batched, dropped when MongoDB is
 * away); without it, undefined, and pino keeps its default stdout destination.
 */
export function logDestination(
  service: string,
  settings: Partial<MongoSettings> | undefined,
): LogDestination | undefined {
  if (!settings?.MONGO_URL) return undefined;
  const sink = new MongoLogSink({
    url: settings.MONGO_URL,
    database: settings.MONGO_DATABASE ?? 'meeting_system',
    service,
  });
  sinks.push(sink);
  return {
    write(line: string) {
      process.stdout.write(line);
      sink.write(line);
    },
  };
}

/** Flushes and closes the log sinks of this process (best effort, for graceful stops). */
export async function closeLogSinks(): Promise<void> {
  await Promise.all(sinks.splice(0).map((sink) => sink.close()));
}
