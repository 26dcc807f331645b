import { formatCheckpoint, NOTIFICATION_QUEUE_KEY } from '@meetings/events';
import type { DecodedEvent, EventType } from '@meetings/events';
import type { RedisUnit } from '../../adapters/redis/redis-target.js';
import type { Projector } from '../projector.js';
import { invitedJob, startedJobTemplate } from './notification-jobs.js';
import { ROOM_SCRIPT } from './room-script.js';
import { scriptCommand } from './script-command.js';

/**
 * The live rooms in Redis, for the WebSocket API and the notification worker.
 *
 * `room:<meetingId>` (hash, TTL 86400 s refreshed by every applied change) exists while a meeting
 * has participants or has started: the first MeetingStarted or ParticipantJoined creates it, and
 * MeetingEnded or MeetingCancelled deletes it. A waiting room everyone left stays (status
 * 'waiting', no participants) until the meeting starts, ends, is cancelled, or the TTL runs out.
 * The first four fields are the seed's; the others carry what the WebSocket API shows.
 *   meeting_id         the meeting's id
 *   participants       JSON array of the present participants' user ids, in join order (ties by id)
 *   created_at         epoch seconds of the event that created the key
 *   status             'waiting' before MeetingStarted, 'active' after
 *   participant_state  JSON object userId -> {role, isMuted, isVideoOn, joinedAt (ISO, ms: it
 *                      orders joins within a second)}, the present participants only (leaving or
 *                      removal deletes the entry, a rejoin adds a fresh one)
 *   participant_count  the number of `participants`
 *   lobby              JSON object userId -> {waitingSince (ISO)}: who waits in the lobby for a
 *                      host (query-api shows it to hosts only); a wait creates the room
 *   settings           JSON object of the meeting's settings {muteOnJoin, allowChat, access,
 *                      lobby}, copied from `room-settings:<meetingId>` whenever the room is written
 *   is_recording       '1' while a recording runs, else '0' (stopping it, or failing it while it
 *                      runs, clears it)
 *   recording_id       the running recording's id, '' when none; needed so that an earlier,
 *                      already stopped recording failing does not clear a later one
 *   sfu_node_id        the SFU node the meeting was placed on (MeetingPlacedOnSfuNode), '' before:
 *                      SFU nodes admit a meeting's participants only where it is placed
 *   version            the meeting stream version last applied
 *   updated_at         epoch seconds of the event last applied
 * Times are the events' `occurredAt`, never the clock, so a rebuild writes the same values.
 * Rooms written before this layout (`participants` an object, ISO times, status 'live') are not
 * read: the upgrade rebuilds the cache (README, "Room cache").
 *
 * `room-version:<meetingId>` (string, TTL 7 days refreshed) holds the last applied stream version
 * as well: the room is deleted when the meeting is over, and without this a redelivered event
 * would bring it back. An event at or below that version changes nothing at all; one above it
 * always advances the guard, and changes the room if it concerns one that exists (or creates it).
 * Versions have gaps (events of other types are not delivered here), so higher is all we ask.
 *
 * `room-settings:<meetingId>` (string, no TTL: a meeting may be scheduled far ahead) holds the
 * meeting's settings as JSON from MeetingScheduled on, MeetingSettingsChanged rewriting what it
 * names; MeetingEnded and MeetingCancelled delete it with the room.
 *
 * `meeting-invitees:<meetingId>` (set, no TTL like the settings) holds the user ids of the
 * meeting's invitees: ParticipantInvited adds one, InvitationRevoked removes it, MeetingEnded and
 * MeetingCancelled delete the set.
 *
 * `queue:notifications` (list, LPUSH) gets email jobs (NotificationJob in @meetings/events, the
 * recipient a user id, never an address): one for each new invitee, and when the meeting starts
 * one for each invitee not already in the room (nor its starter). The script call that applies
 * the event pushes them, so a redelivery pushes nothing; and only when the event is at most
 * `notifyMaxAgeSeconds` old: a rebuild from the start of the log updates the rooms but does not
 * announce meetings long past. Job ids are `<eventId>:<userId>`.
 *
 * Every change to a room (created, changed, deleted) is PUBLISHed to
 * `<channelPrefix>room-changes:<meetingId>` as {meetingId, version, type: <event type>,
 * room: <the hash as an object of strings, as HGETALL returns it, or null once deleted>}.
 * Events that are skipped, or that concern no room, publish nothing.
 *
 * Jobs and messages are the projection's side effects: `sideEffects: 'none'` (a blue/green
 * rebuild's new generation, rebuild/redis/) applies the state changes only, whatever the events'
 * age; the live run ('live', the default) announces what is recent enough.
 *
 * `<checkpointKey>:applied` (appliedKey) holds the log position of the furthest event run against
 * the keys, so that a rebuild can tell a batch half applied from none (room-script.ts).
 *
 * Each event is one Lua script call (room-script.ts) run with EVALSHA, EVAL when the server lost
 * the script (ioredis' defineCommand), so check, change, job and message happen together or not
 * at all. The call first checks the run's fence (the target's generation marker and checkpoint,
 * see RedisTarget): a Redis that lost the rooms refuses it, and the projection is rebuilt.
 * Events are applied one after another in log order; a failure stops the batch there, and the
 * retry skips what was already applied.
 */
export const ROOM_CACHE_EVENT_TYPES = [
  'MeetingScheduled',
  'MeetingSettingsChanged',
  'MeetingStarted',
  'MeetingEnded',
  'MeetingCancelled',
  'MeetingPlacedOnSfuNode',
  'ParticipantInvited',
  'InvitationRevoked',
  'ParticipantJoined',
  'ParticipantLeft',
  'ParticipantRemoved',
  'ParticipantMuted',
  'ParticipantUnmuted',
  'ParticipantVideoTurnedOn',
  'ParticipantVideoTurnedOff',
  'ParticipantRoleChanged',
  'ParticipantWaiting',
  'ParticipantAdmitted',
  'ParticipantDenied',
  'ParticipantLeftLobby',
  'RecordingStarted',
  'RecordingStopped',
  'RecordingFailed',
] as const satisfies readonly EventType[];

type RoomEventType = (typeof ROOM_CACHE_EVENT_TYPES)[number];
type RoomEvent = Extract<DecodedEvent, { type: RoomEventType }>;

export const ROOM_TTL_SECONDS = 86_400;
export const ROOM_VERSION_TTL_SECONDS = 7 * 86_400;
export const DEFAULT_NOTIFY_MAX_AGE_SECONDS = 600;
export { NOTIFICATION_QUEUE_KEY };

export const roomKey = (meetingId: string) => `room:${meetingId}`;
export const roomVersionKey = (meetingId: string) => `room-version:${meetingId}`;
export const roomSettingsKey = (meetingId: string) => `room-settings:${meetingId}`;
export const meetingInviteesKey = (meetingId: string) => `meeting-invitees:${meetingId}`;
/**
 * What every key of the room cache starts with (the notification queue is not its own: the
 * notification worker consumes it). A rebuild replaces exactly the keys starting so.
 */
export const ROOM_CACHE_KEY_STARTS = [
  roomKey(''),
  roomVersionKey(''),
  roomSettingsKey(''),
  meetingInviteesKey(''),
] as const;
/** Beside the run's checkpoint, under its name so that dumps and ops take it for bookkeeping. */
export const appliedKey = (checkpointKey: string) => `${checkpointKey}:applied`;
/** Without the client's prefix: PUBLISH channels are not keys, ioredis leaves them alone. */
export const roomChannel = (meetingId: string) => `room-changes:${meetingId}`;

/** A message on `room-changes:<meetingId>`. */
export interface RoomChange {
  meetingId: string;
  version: number;
  type: RoomEventType;
  room: Record<string, string> | null;
}

export interface RoomCacheOptions {
  /** 'none': no notification job, no message, only the state changes. Default 'live'. */
  sideEffects?: 'live' | 'none';
  /** Invitations and starts older than this announce nothing. Default 600. */
  notifyMaxAgeSeconds?: number;
  /** Put before channel names: the client's keyPrefix, which PUBLISH does not get. Default ''. */
  channelPrefix?: string;
  /** The clock the notification age is measured with. */
  now?: () => Date;
}

const COMMAND = 'roomCacheApply';

type RoomCommand = (
  roomKey: string,
  versionKey: string,
  queueKey: string,
  generationKey: string,
  checkpointKey: string,
  settingsKey: string,
  inviteesKey: string,
  appliedKey: string,
  ...argv: (string | number)[]
) => Promise<number>;

const handled: ReadonlySet<string> = new Set(ROOM_CACHE_EVENT_TYPES);
const isRoomEvent = (event: DecodedEvent): event is RoomEvent => handled.has(event.type);

export class RoomCacheProjector implements Projector<RedisUnit> {
  readonly name = 'room-cache';
  readonly eventTypes = ROOM_CACHE_EVENT_TYPES;

  private readonly announces: boolean;
  private readonly notifyMaxAgeMs: number;
  private readonly channelPrefix: string;
  private readonly now: () => Date;

  constructor(options: RoomCacheOptions = {}) {
    this.announces = (options.sideEffects ?? 'live') === 'live';
    this.notifyMaxAgeMs = (options.notifyMaxAgeSeconds ?? DEFAULT_NOTIFY_MAX_AGE_SECONDS) * 1000;
    this.channelPrefix = options.channelPrefix ?? '';
    this.now = options.now ?? (() => new Date());
  }

  async apply(tx: RedisUnit, events: readonly DecodedEvent[]): Promise<void> {
    const run = scriptCommand<RoomCommand>(tx.redis, COMMAND, 8, ROOM_SCRIPT);
    const [generationKey, checkpointKey] = tx.fence.keys;
    for (const event of events) {
      if (!isRoomEvent(event)) continue;
      const { meetingId } = event.data;
      await run(
        roomKey(meetingId),
        roomVersionKey(meetingId),
        NOTIFICATION_QUEUE_KEY,
        generationKey,
        checkpointKey,
        roomSettingsKey(meetingId),
        meetingInviteesKey(meetingId),
        appliedKey(checkpointKey),
        event.type,
        event.streamVersion,
        meetingId,
        event.occurredAt.toISOString(),
        JSON.stringify(event.data),
        this.jobTemplate(event),
        this.announces ? this.channelPrefix + roomChannel(meetingId) : '',
        ROOM_TTL_SECONDS,
        ROOM_VERSION_TTL_SECONDS,
        ...tx.fence.args,
        Math.floor(event.occurredAt.getTime() / 1000),
        formatCheckpoint(event.checkpoint),
      );
    }
  }

  /** The event's notification job (the script completes a start's per invitee); '' for none. */
  private jobTemplate(event: RoomEvent): string {
    if (!this.announces) return '';
    if (this.now().getTime() - event.occurredAt.getTime() > this.notifyMaxAgeMs) return '';
    if (event.type === 'ParticipantInvited') return invitedJob(event);
    if (event.type === 'MeetingStarted') return startedJobTemplate(event);
    return '';
  }
}
