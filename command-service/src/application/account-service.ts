import { streams, WrongExpectedVersionError } from '@meetings/events';
import type { EventStore, LogInBody, RegisterUserBody } from '@meetings/events';
import { BusinessRuleViolation, NotPermitted, userDecider } from '../domain/index.js';
import type { PasswordHasher } from '../ports/password-hasher.js';
import { SessionsRevoked } from '../ports/session-store.js';
import type { LoginThrottle, SessionStore } from '../ports/session-store.js';
import type { AccountDirectory } from './account-directory.js';
import type { CommandHandler, CommandOutcome } from './command-handler.js';
import { AccountDisabled, InvalidCredentials, TooManyAttempts } from './errors.js';
import { newId } from './request-context.js';
import type { RequestContext } from './request-context.js';

export interface Registered extends CommandOutcome {
  userId: string;
}

export interface LoggedIn {
  token: string;
  expiresInSeconds: number;
  userId: string;
}

/**
 * Registration, log-in and log-out. Uniqueness of usernames and emails is an append condition:
 * the reservation streams (named by the names' blind digests, see AccountDirectory) are created
 * with "no stream" in the same atomic append as the user, so two registrations can never both take
 * a name. Every personal field is encrypted before the append (see PersonalDataVault).
 */
export class AccountService {
  constructor(
    private readonly store: EventStore,
    private readonly commands: CommandHandler,
    private readonly directory: AccountDirectory,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionStore,
    private readonly throttle: LoginThrottle,
  ) {}

  async register(body: RegisterUserBody, ctx: RequestContext): Promise<Registered> {
    const userId = newId(ctx, 'user');
    const userStream = streams.user(userId);
    const registered = userDecider.decide(
      { type: 'RegisterUser', data: { userId, ...body }, actorId: userId, now: ctx.now },
      userDecider.initialState(),
    );
    const passwordHash = await this.hasher.hash(body.password);
    const event = (e: Parameters<CommandHandler['toNewEvent']>[0], purpose: string) =>
      this.commands.toNewEvent(e, { ...ctx, actorUserId: ctx.actorUserId ?? userId }, purpose);
    const [usernameReserved, emailReserved, ...userEvents] = await this.commands.conceal([
      event({ type: 'UsernameReserved', data: { username: body.username, userId } }, 'username'),
      event({ type: 'EmailReserved', data: { email: body.email, userId } }, 'email'),
      ...registered.map((e, i) => event(e, `user#${i}`)),
    ]);
    const appends = [
      {
        streamId: this.directory.usernameStream(body.username),
        events: [usernameReserved!],
        expectedVersion: 'no_stream' as const,
      },
      {
        streamId: this.directory.emailStream(body.email),
        events: [emailReserved!],
        expectedVersion: 'no_stream' as const,
      },
      { streamId: userStream, events: userEvents, expectedVersion: 'no_stream' as const },
      {
        streamId: streams.credentials(userId),
        events: [event({ type: 'PasswordSet', data: { userId, passwordHash } }, 'password')],
        expectedVersion: 'no_stream' as const,
      },
    ];
    await this.refuseNamesTakenBefore(body);
    try {
      const results = await this.store.appendToStreams(appends);
      const user = results[2]!;
      return {
        streamId: userStream,
        version: user.nextExpectedVersion,
        position: user.lastPosition,
        replayed: false,
        userId,
      };
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError)) throw error;
      const replay = await this.earlierRegistration(userStream, userId, ctx);
      if (replay) return replay;
      if (error.streamId === appends[0]!.streamId) throw usernameTaken(body.username);
      if (error.streamId === appends[1]!.streamId) throw emailTaken();
      throw error;
    }
  }

  /** Names reserved under their clear form, before reservations were named by digest, are taken too. */
  private async refuseNamesTakenBefore(body: RegisterUserBody): Promise<void> {
    const [username, email] = await Promise.all([
      this.directory.takenBefore('username', body.username),
      this.directory.takenBefore('email', body.email),
    ]);
    if (username) throw usernameTaken(body.username);
    if (email) throw emailTaken();
  }

  /** A retried registration (same idempotency key, so the same user id) finds the user it created. */
  private async earlierRegistration(
    userStream: string,
    userId: string,
    ctx: RequestContext,
  ): Promise<Registered | null> {
    if (!ctx.idempotencyKey) return null;
    const events = await this.store.readStream(userStream);
    const last = events.at(-1);
    if (!last || events[0]?.metadata.idempotencyKey !== ctx.idempotencyKey) return null;
    return {
      streamId: userStream,
      version: last.streamVersion,
      position: last.globalPosition,
      replayed: true,
      userId,
    };
  }

  /**
   * The password first; only then is a disabled account told so (AccountDisabled). The log-in is
   * recorded on the user stream (its time projects to `users.last_login_at`), and the session is
   * made from the state read after that append: a disable appended before it refuses the log-in,
   * one appended after it has raised the revocation marker the session's creation checks.
   */
  async logIn(
    body: LogInBody,
    client: { ip: string; userAgent: string },
    ctx: RequestContext,
  ): Promise<LoggedIn> {
    const throttleKey = this.directory.throttleKey(body.username);
    const lockedFor = await this.throttle.isLocked(throttleKey);
    if (lockedFor > 0) throw new TooManyAttempts(lockedFor);
    const account = await this.findAccount(body.username);
    const valid = account
      ? await this.hasher.verify(account.passwordHash, body.password)
      : await this.hasher.verifyNothing(body.password).then(() => false);
    if (!account || !valid) {
      await this.throttle.recordFailure(throttleKey);
      throw new InvalidCredentials();
    }
    await this.throttle.reset(throttleKey);
    const { userId } = account;
    const stream = streams.user(userId);
    try {
      await this.commands.handle(
        userDecider,
        stream,
        { type: 'RecordLogIn', data: { userId }, actorId: userId, now: ctx.now },
        { ...ctx, actorUserId: userId },
      );
      const current = await this.commands.load(userDecider, stream);
      if (current.state.status !== 'registered') throw new InvalidCredentials();
      const { token, expiresInSeconds } = await this.sessions.create({
        userId,
        username: current.state.username,
        email: current.state.email,
        role: current.state.role,
        roleVersion: current.version,
        ...client,
      });
      return { token, expiresInSeconds, userId };
    } catch (error) {
      throw await this.refusal(error, stream);
    }
  }

  /** What a log-in that lost a race with a disable or a deletion answers. */
  private async refusal(error: unknown, stream: string): Promise<unknown> {
    if (error instanceof NotPermitted && error.rule === 'account-disabled') return new AccountDisabled();
    if (error instanceof BusinessRuleViolation && error.rule === 'user-deleted')
      return new InvalidCredentials();
    if (!(error instanceof SessionsRevoked)) return error;
    const { state } = await this.commands.load(userDecider, stream);
    return state.status === 'registered' ? new AccountDisabled() : new InvalidCredentials();
  }

  logOut(token: string): Promise<boolean> {
    return this.sessions.revoke(token);
  }

  /** Username → user id → current password hash; none for a deleted account. */
  private async findAccount(username: string) {
    const userId = await this.directory.userIdOf(username);
    if (!userId) return null;
    const [passwordHash, user] = await Promise.all([
      this.directory.passwordHashOf(userId),
      this.commands.load(userDecider, streams.user(userId)),
    ]);
    if (!passwordHash || user.state.status !== 'registered') return null;
    return { userId, passwordHash };
  }
}

const usernameTaken = (username: string) =>
  new BusinessRuleViolation('username-taken', `the username "${username}" is already taken`);
const emailTaken = () =>
  new BusinessRuleViolation('email-taken', 'an account with this email address already exists');
