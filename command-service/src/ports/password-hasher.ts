export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
  /** Spends the time of a verification, so an unknown username answers as slowly as a wrong password. */
  verifyNothing(password: string): Promise<void>;
}
