export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export type Claim =
  | { outcome: 'claimed' }
  | { outcome: 'replay'; response: StoredResponse }
  | { outcome: 'mismatch' }
  | { outcome: 'in_progress' };

/** Remembers the answer of each (caller, Idempotency-Key). */
export interface IdempotencyStore {
  /** Claims the key for this request, or says why it cannot run. */
  claim(scope: string, key: string, requestHash: string): Promise<Claim>;
  complete(scope: string, key: string, response: StoredResponse): Promise<void>;
  /** Frees a claim whose request failed on our side, so a retry can run. */
  release(scope: string, key: string): Promise<void>;
  purgeExpired(): Promise<number>;
}
