import type { UserRole } from '@meetings/events';

export interface Session {
  sessionId: string;
  userId: string;
  username: string;
  role: UserRole;
  /** The user stream's version the role is from (at log-in, or the role change applied since). */
  roleVersion: number;
  createdAt: string;
  lastActiveAt: string;
  ip: string;
  userAgent: string;
}

export interface NewSession {
  userId: string;
  username: string;
  role: UserRole;
  /** The user stream's version the role was read at: a role change at or below it is not newer. */
  roleVersion: number;
  ip: string;
  userAgent: string;
}

/** Opaque bearer sessions with a sliding time-to-live. */
export interface SessionStore {
  /** Returns the bearer token; only its hash is stored. */
  create(session: NewSession): Promise<{ token: string; session: Session; expiresInSeconds: number }>;
  /** The session of a token, its time-to-live refreshed; null when unknown or expired. */
  touch(token: string): Promise<Session | null>;
  revoke(token: string): Promise<boolean>;
  /**
   * Which of these session ids still exist (unknown, expired and revoked ones are left out), in one
   * round trip however many are asked. Read-only: it refreshes no time-to-live, so a caller that
   * merely holds a session open (a WebSocket checking it every second) does not keep it alive.
   */
  alive(sessionIds: readonly string[]): Promise<Set<string>>;
}

/** Counts failed log-ins per username to refuse guessing (429). */
export interface LoginThrottle {
  isLocked(username: string): Promise<number>;
  recordFailure(username: string): Promise<void>;
  reset(username: string): Promise<void>;
}
