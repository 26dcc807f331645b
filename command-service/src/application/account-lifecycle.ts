import { streams } from '@meetings/events';
import type { PersonalDataVault, UserStatus } from '@meetings/events';
import { NotPermitted, userDecider } from '../domain/index.js';
import type { PasswordHasher } from '../ports/password-hasher.js';
import type { Session, SessionStore } from '../ports/session-store.js';
import type { AccountDirectory } from './account-directory.js';
import type { CommandHandler, CommandOutcome, HandleOptions } from './command-handler.js';
import type { RequestContext } from './request-context.js';

/**
 * Disabling, enabling and deleting accounts. The sessions of a disabled or deleted account end
 * right after the append, here; the session projection ends them too when it applies the event,
 * should this process die in between (see REVOKE_USER_SESSIONS_LUA: both mean the same).
 */
export class AccountLifecycle {
  constructor(
    private readonly commands: CommandHandler,
    private readonly directory: AccountDirectory,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionStore,
    private readonly vault: PersonalDataVault,
    /** What else a deletion erases (the avatar object); a failure fails the request, and its retry erases again. */
    private readonly erasers: readonly ((userId: string) => Promise<void>)[] = [],
  ) {}

  async setStatus(
    userId: string,
    status: UserStatus,
    actor: Session,
    ctx: RequestContext,
    options: HandleOptions,
  ): Promise<CommandOutcome> {
    const outcome = await this.commands.handle(
      userDecider,
      streams.user(userId),
      {
        type: 'SetUserStatus',
        data: { userId, status, actorRole: actor.role },
        actorId: actor.userId,
        now: ctx.now,
      },
      ctx,
      options,
    );
    if (status === 'disabled') await this.sessions.revokeUser(userId, outcome.version);
    return outcome;
  }

  /**
   * The password again, then the deletion; after the append (a deletion that failed to append
   * leaves the data readable) the sessions end and the key of personal data is destroyed. Should
   * this process die in between, the session projection ends the sessions and the users projection
   * destroys the key when they apply the deletion; a retry appends nothing and does both again.
   */
  async deleteAccount(
    userId: string,
    password: string,
    ctx: RequestContext,
    options: HandleOptions,
  ): Promise<CommandOutcome> {
    const passwordHash = await this.directory.passwordHashOf(userId);
    if (!passwordHash || !(await this.hasher.verify(passwordHash, password))) {
      throw new NotPermitted('wrong-password', 'The password is not right; the account is not deleted.');
    }
    const outcome = await this.commands.handle(
      userDecider,
      streams.user(userId),
      { type: 'DeleteUser', data: { userId }, actorId: userId, now: ctx.now },
      ctx,
      options,
    );
    await this.sessions.revokeUser(userId, outcome.version);
    await this.vault.destroy(userId);
    for (const erase of this.erasers) await erase(userId);
    return outcome;
  }
}
