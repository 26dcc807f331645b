import { streams, WrongExpectedVersionError } from '@meetings/events';
import type { EventStore, LogInBody, RegisterUserBody } from '@meetings/events';
import { BusinessRuleViolation, userDecider } from '../domain/index.js';
import type { PasswordHasher } from '../ports/password-hasher.js';
import type { LoginThrottle, SessionStore } from '../ports/session-store.js';
import type { CommandHandler, CommandOutcome } from './command-handler.js';
import { InvalidCredentials, TooManyAttempts } from './errors.js';
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
 * the reservation streams `username-<name>` and `email-<address>` are created with "no stream" in
 * the same atomic append as the user, so two registrations can never both take a name.
 */
export class AccountService {
  constructor(
    private readonly store: EventStore,
    private readonly commands: CommandHandler,
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
    const appends = [
      {
        streamId: streams.username(body.username),
        events: [event({ type: 'UsernameReserved', data: { username: body.username, userId } }, 'username')],
        expectedVersion: 'no_stream' as const,
      },
      {
        streamId: streams.email(body.email),
        events: [event({ type: 'EmailReserved', data: { email: body.email, userId } }, 'email')],
        expectedVersion: 'no_stream' as const,
      },
      {
        streamId: userStream,
        events: registered.map((e, i) => event(e, `user#${i}`)),
        expectedVersion: 'no_stream' as const,
      },
      {
        streamId: streams.credentials(userId),
        events: [event({ type: 'PasswordSet', data: { userId, passwordHash } }, 'password')],
        expectedVersion: 'no_stream' as const,
      },
    ];
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
      if (error.streamId === appends[0]!.streamId) {
        throw new BusinessRuleViolation('username-taken', `the username "${body.username}" is already taken`);
      }
      if (error.streamId === appends[1]!.streamId) {
        throw new BusinessRuleViolation('email-taken', 'an account with this email address already exists');
      }
      throw error;
    }
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

  async logIn(body: LogInBody, client: { ip: string; userAgent: string }): Promise<LoggedIn> {
    const lockedFor = await this.throttle.isLocked(body.username);
    if (lockedFor > 0) throw new TooManyAttempts(lockedFor);
    const account = await this.findAccount(body.username);
    const valid = account
      ? await this.hasher.verify(account.passwordHash, body.password)
      : await this.hasher.verifyNothing(body.password).then(() => false);
    if (!account || !valid) {
      await this.throttle.recordFailure(body.username);
      throw new InvalidCredentials();
    }
    await this.throttle.reset(body.username);
    const { token, expiresInSeconds } = await this.sessions.create({
      userId: account.userId,
      username: account.username,
      role: account.role,
      roleVersion: account.version,
      ...client,
    });
    return { token, expiresInSeconds, userId: account.userId };
  }

  logOut(token: string): Promise<boolean> {
    return this.sessions.revoke(token);
  }

  /** Username → user id (reservation stream) → current password hash and profile. */
  private async findAccount(username: string) {
    const [reservation] = await this.store.readStream(streams.username(username), { max: 1 });
    if (!reservation) return null;
    const { userId } = reservation.data as { userId: string };
    const [credentials, user] = await Promise.all([
      this.store.readStream(streams.credentials(userId)),
      this.commands.load(userDecider, streams.user(userId)),
    ]);
    const passwordSet = credentials.at(-1);
    const profile = user.state;
    if (!passwordSet || profile.status !== 'registered') return null;
    return {
      userId,
      username: profile.username,
      role: profile.role,
      version: user.version,
      passwordHash: (passwordSet.data as { passwordHash: string }).passwordHash,
    };
  }
}
