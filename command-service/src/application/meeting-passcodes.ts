import { randomUUID } from 'node:crypto';
import { streams } from '@meetings/events';
import type { EventStore } from '@meetings/events';
import type {
  ChangeMeetingSettings,
  JoinMeeting,
  Meeting,
  MeetingCommand,
  ScheduleMeeting,
} from '../domain/index.js';
import { meetingDecider, meetingExists, requireMayChangeSettings } from '../domain/index.js';
import type { PasswordHasher } from '../ports/password-hasher.js';
import type { LoginThrottle } from '../ports/session-store.js';
import type { CommandHandler } from './command-handler.js';
import { TooManyAttempts } from './errors.js';
import type { RequestContext } from './request-context.js';

/** A meeting command as its route builds it: with the passcode a client typed, if any. */
export type MeetingCommandWithPasscode = MeetingCommand & { data: { passcode?: unknown } };

/**
 * Keeps passcodes on the write side and out of the deciders. A passcode's argon2 hash is appended
 * to the private `passcode-<meetingId>` stream (never relayed nor projected) and the meeting
 * stream records only its version there; to join, the passcode given is verified against the hash
 * of the meeting's current version and the decider is told which version it matched, so the rule
 * stays pure. Failed guesses are throttled per meeting and user.
 */
export class MeetingPasscodes {
  constructor(
    private readonly store: EventStore,
    private readonly commands: CommandHandler,
    private readonly hasher: PasswordHasher,
    private readonly throttle: LoginThrottle,
  ) {}

  /** The command a decider can take: plain passcodes replaced by versions or verification results. */
  async prepare(command: MeetingCommandWithPasscode, ctx: RequestContext): Promise<MeetingCommand> {
    switch (command.type) {
      case 'ScheduleMeeting':
        return this.schedule(command, ctx);
      case 'ChangeMeetingSettings':
        return this.changeSettings(command as SettingsWithPasscode, ctx);
      case 'JoinMeeting':
        return this.join(command as JoinWithPasscode);
      default:
        return command;
    }
  }

  /** Scheduling creates the meeting, so the actor is its host: nothing to check before storing. */
  private async schedule(command: ScheduleWithPasscode, ctx: RequestContext): Promise<ScheduleMeeting> {
    const { settings, ...data } = command.data;
    if (settings?.passcode === undefined) return command;
    const { passcode, ...rest } = settings;
    const passcodeVersion = await this.storeHash(data.meetingId, passcode, ctx);
    return { ...command, data: { ...data, settings: rest, passcodeVersion } };
  }

  /**
   * Host rights are checked before a hash is appended; the decider checks them again against the
   * state it decides on. A passcode equal to the current one is no change and stores nothing.
   */
  private async changeSettings(command: SettingsWithPasscode, ctx: RequestContext) {
    const { passcode, ...data } = command.data;
    const settings: ChangeMeetingSettings = { ...command, data };
    if (passcode === undefined) return settings;
    const meeting = await this.meeting(data.meetingId);
    if (!meeting) return settings; // the decider answers meeting-not-found
    requireMayChangeSettings(meeting, command.actorId);
    if ((await this.matchedVersion(meeting, passcode)) !== null) return settings;
    return {
      ...settings,
      data: { ...data, passcodeVersion: await this.storeHash(data.meetingId, passcode, ctx) },
    };
  }

  private async join(command: JoinWithPasscode): Promise<JoinMeeting> {
    const { passcode, ...data } = command.data;
    if (passcode === undefined) return { ...command, data };
    const key = `${data.meetingId}:${command.actorId}`;
    const lockedFor = await this.throttle.isLocked(key);
    if (lockedFor > 0) throw new TooManyAttempts(lockedFor, 'wrong passcodes');
    const meeting = await this.meeting(data.meetingId);
    const matchedVersion = meeting ? await this.matchedVersion(meeting, passcode) : null;
    if (matchedVersion === null) await this.throttle.recordFailure(key);
    else await this.throttle.reset(key);
    return { ...command, data: { ...data, passcode: { matchedVersion } } };
  }

  private async meeting(meetingId: string): Promise<Meeting | null> {
    const { state } = await this.commands.load(meetingDecider, streams.meeting(meetingId));
    return meetingExists(state) ? state : null;
  }

  /** The meeting's current passcode version when `passcode` is that passcode, else null. */
  private async matchedVersion(meeting: Meeting, passcode: string): Promise<number | null> {
    const version = meeting.passcodeVersion;
    const [stored] =
      version === null
        ? []
        : await this.store.readStream(streams.passcode(meeting.meetingId), { from: version, max: 1 });
    if (!stored) {
      await this.hasher.verifyNothing(passcode); // as slow as a real check: timing tells nothing
      return null;
    }
    const { passcodeHash } = stored.data as { passcodeHash: string };
    return (await this.hasher.verify(passcodeHash, passcode)) ? version : null;
  }

  /**
   * Appends the hash and answers its version. The event id is random even under an Idempotency-Key:
   * a retried request then stores a second hash nobody refers to (the meeting command it precedes
   * is replayed, not decided again), which is harmless, where a fixed id would fail the retry.
   */
  private async storeHash(meetingId: string, passcode: string, ctx: RequestContext): Promise<number> {
    const passcodeHash = await this.hasher.hash(passcode);
    const event = this.commands.toNewEvent(
      { type: 'PasscodeSet', data: { meetingId, passcodeHash } },
      ctx,
      'passcode',
    );
    const result = await this.store.appendToStream(
      streams.passcode(meetingId),
      [{ ...event, eventId: randomUUID() }],
      'any',
    );
    return result.nextExpectedVersion;
  }
}

type ScheduleWithPasscode = Omit<ScheduleMeeting, 'data'> & {
  data: Omit<ScheduleMeeting['data'], 'settings'> & {
    settings?: NonNullable<ScheduleMeeting['data']['settings']> & { passcode?: string };
  };
};
type SettingsWithPasscode = Omit<ChangeMeetingSettings, 'data'> & {
  data: ChangeMeetingSettings['data'] & { passcode?: string };
};
type JoinWithPasscode = Omit<JoinMeeting, 'data'> & {
  data: Omit<JoinMeeting['data'], 'passcode'> & { passcode?: string };
};
