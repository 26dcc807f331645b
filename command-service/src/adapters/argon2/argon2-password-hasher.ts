import { hash, verify } from '@node-rs/argon2';
import type { Algorithm } from '@node-rs/argon2';

// `Algorithm` is a const enum, which isolated modules cannot read at run time.
const ARGON2ID: Algorithm.Argon2id = 2;
import type { PasswordHasher } from '../../ports/password-hasher.js';

/**
 * argon2id through `@node-rs/argon2`: its binary ships in a per-platform npm package, so nothing is
 * built or downloaded at install (the `argon2` package's prebuilt binary crashes on load on Debian 12).
 */
export class Argon2PasswordHasher implements PasswordHasher {
  private readonly options: {
    algorithm: Algorithm;
    memoryCost: number;
    timeCost: number;
    parallelism: number;
  };
  private decoy: Promise<string> | undefined;

  constructor(memoryCostKib: number, timeCost: number) {
    this.options = { algorithm: ARGON2ID, memoryCost: memoryCostKib, timeCost, parallelism: 1 };
  }

  hash(password: string): Promise<string> {
    return hash(password, this.options);
  }

  async verify(passwordHash: string, password: string): Promise<boolean> {
    try {
      return await verify(passwordHash, password);
    } catch {
      return false; // an unparsable stored hash never matches
    }
  }

  async verifyNothing(password: string): Promise<void> {
    this.decoy ??= this.hash('decoy password, never matched');
    await this.verify(await this.decoy, password);
  }
}
