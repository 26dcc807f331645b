export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** A claimed key: this request runs it, and must end the claim either way. */
export interface ClaimedKey {
  /** Records the answer durably (it survives whatever the events survive), then ends the claim. */
  complete(response: StoredResponse): Promise<void>;
  /** Ends the claim without an answer (the request failed on our side): a retry runs it again. */
  release(): Promise<void>;
}

export type Claim =
  | { outcome: 'claimed'; key: ClaimedKey }
  | { outcome: 'replay'; response: StoredResponse }
  | { outcome: 'mismatch' }
  | { outcome: 'in_progress' };

/** Remembers the answer of each (caller, Idempotency-Key). */
export interface IdempotencyStore {
  /**
   * Claims the key for this request, or says why it cannot run. A claim lives exactly as long as
   * the process holding it: one whose holder died (or whose database restarted) is taken over at
   * once, and the command's deterministic event ids keep the re-run from appending twice.
   */
  claim(scope: string, key: string, requestHash: string): Promise<Claim>;
  purgeExpired(): Promise<number>;
}
