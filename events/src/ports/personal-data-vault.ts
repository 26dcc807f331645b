import type { EventWithData } from '../personal-data/personal-fields.js';

/**
 * Where the per-subject keys of personal data live (outside the log). Writers conceal events
 * before appending them; readers reveal what they read. Events without personal fields pass as
 * they are, without a look-up.
 */
export interface PersonalDataVault {
  /** Encrypts the personal fields; a subject's key is made on first use. Refuses an erased subject. */
  conceal<E extends EventWithData>(events: readonly E[]): Promise<E[]>;
  /** Decrypts the personal fields, erased where the subject's key was destroyed. */
  reveal<E extends EventWithData>(events: readonly E[]): Promise<E[]>;
  /** Destroys the subject's key: what was encrypted with it is unreadable for good. Idempotent. */
  destroy(subject: string): Promise<void>;
}
