import { streams } from '@meetings/events';
import type { BlindIndex, EventStore } from '@meetings/events';

/**
 * Where names and passwords are found on the write side. A name's reservation stream is named by
 * its blind digest (`username-<hmac>`), so no stream id holds a name; accounts registered before
 * that hold theirs under the clear name (`username-alice`), which is looked up second. No stream
 * of that older form is ever created again, so checking it before an append is race-free.
 */
export class AccountDirectory {
  constructor(
    private readonly store: EventStore,
    private readonly index: BlindIndex,
  ) {}

  /** The log-in throttle's key of a username: its digest. */
  throttleKey(username: string): string {
    return this.index.digest('username', username);
  }

  usernameStream(username: string): string {
    return streams.username(this.index.digest('username', username));
  }

  emailStream(email: string): string {
    return streams.email(this.index.digest('email', email));
  }

  /** Whether the name was reserved before reservations were named by digest. */
  async takenBefore(kind: 'username' | 'email', name: string): Promise<boolean> {
    const legacy = kind === 'username' ? streams.username(name) : streams.email(name);
    return (await this.store.readStream(legacy, { max: 1 })).length > 0;
  }

  /** The id of the user holding the username, or null. */
  async userIdOf(username: string): Promise<string | null> {
    for (const streamId of [this.usernameStream(username), streams.username(username)]) {
      const [reservation] = await this.store.readStream(streamId, { max: 1 });
      if (reservation) return (reservation.data as { userId: string }).userId;
    }
    return null;
  }

  /** The user's current password hash, or null. */
  async passwordHashOf(userId: string): Promise<string | null> {
    const passwordSet = (await this.store.readStream(streams.credentials(userId))).at(-1);
    return passwordSet ? (passwordSet.data as { passwordHash: string }).passwordHash : null;
  }
}
