import type { UserRole } from '@meetings/events';

export interface Session {
  sessionId: string;
  userId: string;
  username: string;
  /** As of the log-in (the session ends with the account, so no erased address outlives it). */
  email: string;
  role: UserRole;
  /** The user stream's version the role is from (at log-in, or the role change applied since). */
  roleVersion: number;
  /** Epoch seconds. */
  loginTime: number;
  /** Epoch seconds of the last use. */
  lastActivity: number;
  ip: string;
  userAgent: string;
}

export interface NewSession {
  userId: string;
  username: string;
  email: string;
  role: UserRole;
  /** The user stream's version the role was read at: a role change at or below it is not newer. */
  roleVersion: number;
  ip: string;
  userAgent: string;
}

/**
 * The user's sessions were ended as of a user stream version newer than the one the new session
 * was read at: a log-in that raced a disable or a deletion.
 */
export class SessionsRevoked extends Error {
  override readonly name = 'SessionsRevoked';
  constructor(readonly userId: string) {
    super(`the sessions of ${userId} were revoked after this log-in read the account`);
  }
}

/** Opaque bearer sessions with a sliding time-to-live. */
export interface SessionStore {
  /**
   * Returns the bearer token; only its hash is stored. Throws SessionsRevoked, atomically with the
   * creation, when the user's sessions were ended at a version newer than `roleVersion`.
   */
  create(session: NewSession): Promise<{ token: string; session: Session; expiresInSeconds: number }>;
  /** The session of a token, its time-to-live refreshed; null when unknown or expired. */
  touch(token: string): Promise<Session | null>;
  revoke(token: string): Promise<boolean>;
  /**
   * Ends every session of the user read from a stream version older than `version` (that of the
   * disable or deletion), and every later creation of one; returns how many ended.
   */
  revokeUser(userId: string, version: number): Promise<number>;
  /**
   * Which of these session ids still exist (unknown, expired and revoked ones are left out), in one
   * round trip however many are asked. Read-only: it refreshes no time-to-live, so a caller that
   * merely holds a session open (a WebSocket checking it every second) does not keep it alive.
   */
  alive(sessionIds: readonly string[]): Promise<Set<string>>;
}

/**
 * Counts failed log-ins per name to refuse guessing (429). `name` is the blind digest of the
 * username (see BlindIndex), so no key holds a username.
 */
export interface LoginThrottle {
  isLocked(name: string): Promise<number>;
  recordFailure(name: string): Promise<void>;
  reset(name: string): Promise<void>;
}
