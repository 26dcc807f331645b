import type { EventEnvelope } from '@meetings/events';

export interface DeadLetter {
  id: number;
  projection: string;
  eventId: string;
  streamId: string;
  streamVersion: number;
  globalPosition: number;
  eventType: string;
  error: string;
  attempts: number;
  status: 'pending' | 'resolved';
  failedAt: Date;
  resolvedAt: Date | null;
}

/** Events a projection could not apply: recorded with the error, listed and retried by ops. */
export interface DeadLetterStore {
  record(projection: string, event: EventEnvelope, error: string, attempts: number): Promise<void>;
  list(filter?: { projection?: string; status?: DeadLetter['status'] }): Promise<DeadLetter[]>;
  get(id: number): Promise<DeadLetter | null>;
  markResolved(id: number): Promise<void>;
  markFailedAgain(id: number, error: string): Promise<void>;
}
