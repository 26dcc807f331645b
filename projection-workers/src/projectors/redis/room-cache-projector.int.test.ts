import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { streams } from '@meetings/events';
import type { DecodedEvent, EventData, EventType } from '@meetings/events';
import { Redis } from 'ioredis';
import { RedisTarget } from '../../adapters/redis/redis-target.js';
import type { RedisUnit } from '../../adapters/redis/redis-target.js';
import type { TargetRun } from '../../ports/checkpoint-store.js';
import { EventFactory } from '../../testing/event-factory.js';
import {
  NOTIFICATION_QUEUE_KEY,
  ROOM_TTL_SECONDS,
  ROOM_VERSION_TTL_SECONDS,
  RoomCacheProjector,
  roomChannel,
  roomKey,
  roomSettingsKey,
  roomVersionKey,
} from './room-cache-projector.js';
import type { MeetingStartedJob, RoomChange } from './room-cache-projector.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `test:${randomBytes(6).toString('hex')}:`;

/** The tests' clock: events are stamped shortly before it unless a test wants them old. */
const NOW = new Date('2030-01-01T09:00:00.000Z');
const recent = () => new MeetingStream(new Date(NOW.getTime() - 120_000));

/**
 * The events of one meeting's stream as the projector gets them, `occurredAt` a second apart from
 * `startAt`. `skip()` uses up versions for events it is not given (MeetingScheduled, chat, ...).
 */
class MeetingStream {
  readonly meetingId = randomUUID();
  private readonly streamId = streams.meeting(this.meetingId);
  private readonly factory: EventFactory;

  constructor(startAt: Date) {
    this.factory = new EventFactory(startAt);
  }

  skip(count = 1): void {
    for (let i = 0; i < count; i++) this.event('MeetingUpdated', {});
  }

  event<T extends EventType>(
    type: T,
    data: Omit<EventData<T>, 'meetingId'>,
    overrides: Partial<DecodedEvent> = {},
  ): DecodedEvent {
    const event = this.factory.event(this.streamId, type, {
      meetingId: this.meetingId,
      ...data,
    } as EventData<T>);
    return { ...event, ...overrides };
  }

  started = (startedBy: string) => this.event('MeetingStarted', { startedBy });
  ended = (endedBy: string) => this.event('MeetingEnded', { endedBy });
  cancelled = (cancelledBy: string) => this.event('MeetingCancelled', { cancelledBy, reason: null });
  joined = (
    userId: string,
    role: 'host' | 'participant' = 'participant',
    isMuted = false,
    isVideoOn = true,
  ) => this.event('ParticipantJoined', { userId, role, isMuted, isVideoOn });
  left = (userId: string, reason: 'left' | 'meeting_ended' = 'left') =>
    this.event('ParticipantLeft', { userId, reason });
  removed = (userId: string, removedBy: string) =>
    this.event('ParticipantRemoved', { userId, removedBy, reason: null, banned: false });
  muted = (userId: string, mutedBy = userId) => this.event('ParticipantMuted', { userId, mutedBy });
  unmuted = (userId: string) => this.event('ParticipantUnmuted', { userId });
  videoOn = (userId: string) => this.event('ParticipantVideoTurnedOn', { userId });
  videoOff = (userId: string, turnedOffBy = userId) =>
    this.event('ParticipantVideoTurnedOff', { userId, turnedOffBy });
  roleChanged = (userId: string, role: 'host' | 'participant', changedBy: string) =>
    this.event('ParticipantRoleChanged', { userId, role, changedBy });
  recordingStarted = (recordingId: string, startedBy: string) =>
    this.event('RecordingStarted', { recordingId, startedBy });
  recordingStopped = (recordingId: string, stoppedBy: string) =>
    this.event('RecordingStopped', { recordingId, stoppedBy });
  recordingFailed = (recordingId: string, reason = 'encoder crashed') =>
    this.event('RecordingFailed', { recordingId, reason });
}

interface Participant {
  role: 'host' | 'participant';
  isMuted: boolean;
  isVideoOn: boolean;
  joinedAt: string;
}
interface Room {
  meeting_id: string;
  status: 'waiting' | 'live';
  created_at: string;
  participants: Record<string, Participant>;
  participant_count: string;
  lobby: Record<string, { waitingSince: string }>;
  settings: Record<string, unknown>;
  is_recording: '0' | '1';
  recording_id: string;
  version: string;
  updated_at: string;
}

let redis: Redis;
let raw: Redis;
const projector = new RoomCacheProjector({ channelPrefix: PREFIX, now: () => NOW });

const iso = (event: DecodedEvent) => event.occurredAt.toISOString();

let run: TargetRun<RedisUnit>;

/** Applies through a run of the real target, fenced as in production (no checkpoint moved). */
async function applyWith(p: RoomCacheProjector, events: DecodedEvent[]): Promise<void> {
  await run.commit((tx) => p.apply(tx, events), null);
}

async function apply(...events: DecodedEvent[]): Promise<void> {
  await applyWith(projector, events);
}

async function readRoom(meetingId: string): Promise<Room | null> {
  const hash = await redis.hgetall(roomKey(meetingId));
  if (Object.keys(hash).length === 0) return null;
  const json = (field: string) => JSON.parse(hash[field]!) as unknown;
  return {
    ...hash,
    participants: json('participants'),
    lobby: json('lobby'),
    settings: json('settings'),
  } as Room;
}

async function readGuard(meetingId: string): Promise<number | null> {
  const text = await redis.get(roomVersionKey(meetingId));
  return text === null ? null : Number(text);
}

async function jobsOf(meetingId: string): Promise<MeetingStartedJob[]> {
  const all = await redis.lrange(NOTIFICATION_QUEUE_KEY, 0, -1);
  return all
    .map((text) => JSON.parse(text) as MeetingStartedJob)
    .filter((job) => job.meetingId === meetingId);
}

async function scanKeys(client: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, found] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    keys.push(...found);
    cursor = next;
  } while (cursor !== '0');
  return keys.sort();
}

/** Every key under the prefix: its type and value (room JSON parsed too), and apart its PTTL. */
async function dump(): Promise<{ values: Record<string, unknown>; ttls: Record<string, number> }> {
  const values: Record<string, unknown> = {};
  const ttls: Record<string, number> = {};
  for (const key of await scanKeys(raw, PREFIX)) {
    const type = await raw.type(key);
    let value: unknown;
    if (type === 'string') value = await raw.get(key);
    else if (type === 'list') value = await raw.lrange(key, 0, -1);
    else if (type === 'hash') {
      const hash = await raw.hgetall(key);
      value = { hash, participants: JSON.parse(hash.participants ?? 'null') };
    } else assert.fail(`unexpected ${type} at ${key}`);
    values[key] = { type, value };
    ttls[key] = await raw.pttl(key);
  }
  return { values, ttls };
}

async function assertRoomTtlFresh(meetingId: string): Promise<void> {
  const ttl = await redis.ttl(roomKey(meetingId));
  assert.ok(ttl > ROOM_TTL_SECONDS - 5 && ttl <= ROOM_TTL_SECONDS, `room TTL ${ttl}`);
}

before(async () => {
  redis = new Redis(REDIS_URL, { keyPrefix: PREFIX });
  raw = new Redis(REDIS_URL);
  run = await new RedisTarget(redis).open('room-cache');
});

after(async () => {
  const keys = await scanKeys(raw, PREFIX);
  if (keys.length) await raw.del(...keys);
  redis.disconnect();
  raw.disconnect();
});

describe('RoomCacheProjector', () => {
  test('follows a meeting from the waiting room to its end, the room checked after each event', async () => {
    const m = recent();
    const [HOST, ALICE, BOB] = [randomUUID(), randomUUID(), randomUUID()];
    const [REC_1, REC_2, REC_3] = [randomUUID(), randomUUID(), randomUUID()];
    m.skip(); // MeetingScheduled: not the room's business

    // Set by the steps, inside closures: declared wide so that TS does not narrow it to null.
    let expected = null as Room | null;
    const present = (e: DecodedEvent, role: Participant['role'] = 'participant'): Participant => ({
      role,
      isMuted: false,
      isVideoOn: true,
      joinedAt: iso(e),
    });
    const room = () => expected!;
    const steps: [DecodedEvent, (e: DecodedEvent) => void][] = [
      [
        m.joined(ALICE),
        (e) =>
          (expected = {
            meeting_id: m.meetingId,
            status: 'waiting',
            created_at: iso(e),
            participants: { [ALICE]: present(e) },
            participant_count: '1',
            // No MeetingScheduled was applied (skipped above), so no settings to copy.
            lobby: {},
            settings: {},
            is_recording: '0',
            recording_id: '',
            version: '',
            updated_at: '',
          }),
      ],
      [m.started(HOST), () => (room().status = 'live')],
      [m.joined(HOST, 'host'), (e) => (room().participants[HOST] = present(e, 'host'))],
      [m.muted(ALICE, HOST), () => (room().participants[ALICE]!.isMuted = true)],
      [m.videoOff(ALICE, HOST), () => (room().participants[ALICE]!.isVideoOn = false)],
      [m.roleChanged(ALICE, 'host', HOST), () => (room().participants[ALICE]!.role = 'host')],
      [m.unmuted(ALICE), () => (room().participants[ALICE]!.isMuted = false)],
      [m.videoOn(ALICE), () => (room().participants[ALICE]!.isVideoOn = true)],
      [
        m.joined(BOB, 'participant', true, false),
        (e) => (room().participants[BOB] = { ...present(e), isMuted: true, isVideoOn: false }),
      ],
      [m.removed(BOB, HOST), () => delete room().participants[BOB]],
      [m.joined(BOB), (e) => (room().participants[BOB] = present(e))],
      [
        m.recordingStarted(REC_1, HOST),
        () => Object.assign(room(), { is_recording: '1', recording_id: REC_1 }),
      ],
      [m.recordingStopped(REC_1, HOST), () => Object.assign(room(), { is_recording: '0', recording_id: '' })],
      [
        m.recordingStarted(REC_2, HOST),
        () => Object.assign(room(), { is_recording: '1', recording_id: REC_2 }),
      ],
      [m.recordingFailed(REC_1), () => undefined], // the stopped one failing leaves REC_2 running
      [m.recordingFailed(REC_2), () => Object.assign(room(), { is_recording: '0', recording_id: '' })],
      [
        m.recordingStarted(REC_3, HOST),
        () => Object.assign(room(), { is_recording: '1', recording_id: REC_3 }),
      ],
      [m.left(ALICE), () => delete room().participants[ALICE]],
      // Ending: everyone leaves, the recording stops, then the meeting ends.
      [m.left(HOST, 'meeting_ended'), () => delete room().participants[HOST]],
      [m.left(BOB, 'meeting_ended'), () => delete room().participants[BOB]],
      [m.recordingStopped(REC_3, HOST), () => Object.assign(room(), { is_recording: '0', recording_id: '' })],
      [m.ended(HOST), () => (expected = null)],
    ];

    for (const [event, change] of steps) {
      await apply(event);
      change(event);
      if (expected) {
        expected.version = String(event.streamVersion);
        expected.updated_at = iso(event);
        expected.participant_count = String(Object.keys(expected.participants).length);
      }
      assert.deepEqual(await readRoom(m.meetingId), expected, `after ${event.type} v${event.streamVersion}`);
      if (expected) await assertRoomTtlFresh(m.meetingId);
      assert.equal(await readGuard(m.meetingId), event.streamVersion);
    }

    assert.equal(await redis.exists(roomKey(m.meetingId)), 0);
    const guardTtl = await redis.ttl(roomVersionKey(m.meetingId));
    assert.ok(guardTtl > ROOM_VERSION_TTL_SECONDS - 5 && guardTtl <= ROOM_VERSION_TTL_SECONDS);

    const started = steps[1]![0];
    assert.deepEqual(await jobsOf(m.meetingId), [
      {
        jobId: started.eventId,
        type: 'meeting.started',
        meetingId: m.meetingId,
        startedBy: HOST,
        startedAt: iso(started),
        participantIds: [ALICE],
      },
    ]);
  });

  test('writes under the client prefix and refreshes the TTL on every applied change', async () => {
    const m = recent();
    const [HOST, ALICE] = [randomUUID(), randomUUID()];
    await apply(m.started(HOST));
    assert.equal(await raw.exists(`${PREFIX}room:${m.meetingId}`), 1);
    assert.equal(await raw.exists(`${PREFIX}room-version:${m.meetingId}`), 1);
    await assertRoomTtlFresh(m.meetingId);

    await redis.expire(roomKey(m.meetingId), 100);
    await redis.expire(roomVersionKey(m.meetingId), 100);
    await apply(m.joined(ALICE));
    await assertRoomTtlFresh(m.meetingId);
    assert.ok((await redis.ttl(roomVersionKey(m.meetingId))) > ROOM_VERSION_TTL_SECONDS - 5);

    // Even an event that changes no participant (not present) refreshes it: the room was touched.
    await redis.expire(roomKey(m.meetingId), 100);
    await apply(m.muted(randomUUID(), HOST));
    await assertRoomTtlFresh(m.meetingId);
    assert.deepEqual(Object.keys((await readRoom(m.meetingId))!.participants), [ALICE]);
  });

  test('settings from scheduling on, changes merged; the lobby in the room; the end removes both', async () => {
    const m = recent();
    const [HOST, ALICE, BOB] = [randomUUID(), randomUUID(), randomUUID()];
    const settings = { muteOnJoin: false, allowChat: true, access: 'invited' as const, lobby: true };
    const scheduled = m.event('MeetingScheduled', {
      hostId: HOST,
      title: 'Lobby',
      description: null,
      scheduledStartAt: '2030-01-01T10:00:00.000Z',
      scheduledEndAt: null,
      maxParticipants: 10,
      settings,
      passcodeVersion: null,
    });
    await apply(scheduled);
    assert.equal(await readRoom(m.meetingId), null, 'scheduling creates no room');
    assert.deepEqual(JSON.parse((await redis.get(roomSettingsKey(m.meetingId)))!), settings);

    // A wait creates the room: the host must see who waits before anyone is in.
    const aliceWaits = m.event('ParticipantWaiting', { userId: ALICE });
    const bobWaits = m.event('ParticipantWaiting', { userId: BOB });
    await apply(aliceWaits, bobWaits);
    let room = (await readRoom(m.meetingId))!;
    assert.equal(room.status, 'waiting');
    assert.deepEqual(room.settings, settings);
    assert.deepEqual(room.lobby, {
      [ALICE]: { waitingSince: iso(aliceWaits) },
      [BOB]: { waitingSince: iso(bobWaits) },
    });

    await apply(
      m.event('ParticipantAdmitted', { userId: ALICE, admittedBy: HOST }),
      m.joined(ALICE),
      m.event('ParticipantDenied', { userId: BOB, deniedBy: HOST }),
      m.event('MeetingSettingsChanged', { changedBy: HOST, lobby: false, access: 'open' }),
    );
    room = (await readRoom(m.meetingId))!;
    assert.deepEqual(room.lobby, {});
    assert.deepEqual(Object.keys(room.participants), [ALICE]);
    const changed = { ...settings, lobby: false, access: 'open' };
    assert.deepEqual(room.settings, changed);
    assert.deepEqual(JSON.parse((await redis.get(roomSettingsKey(m.meetingId)))!), changed);

    await apply(
      m.event('ParticipantWaiting', { userId: BOB }),
      m.event('ParticipantLeftLobby', { userId: BOB, reason: 'left' }),
    );
    assert.deepEqual((await readRoom(m.meetingId))!.lobby, {});

    await apply(m.cancelled(HOST));
    assert.equal(await readRoom(m.meetingId), null);
    assert.equal(await redis.get(roomSettingsKey(m.meetingId)), null);
  });

  test('a cancelled meeting deletes its waiting room, and nothing brings it back', async () => {
    const m = recent();
    const [HOST, ALICE, BOB] = [randomUUID(), randomUUID(), randomUUID()];
    m.skip();
    const events = [
      m.joined(ALICE),
      m.joined(BOB),
      m.left(ALICE, 'meeting_ended'),
      m.left(BOB, 'meeting_ended'),
      m.cancelled(HOST),
    ];
    await apply(...events.slice(0, 4));
    const waiting = await readRoom(m.meetingId);
    assert.equal(waiting?.status, 'waiting');
    assert.equal(waiting.participant_count, '0');
    assert.deepEqual(waiting.participants, {});

    await apply(events[4]!);
    assert.equal(await readRoom(m.meetingId), null);
    assert.equal(await readGuard(m.meetingId), events[4]!.streamVersion);

    // Redelivered after the end, the join that created the room is a no-op.
    await apply(events[0]!);
    await apply(...events);
    assert.equal(await readRoom(m.meetingId), null);
    assert.deepEqual(await jobsOf(m.meetingId), []);
  });

  test('redelivering any prefix of the events changes nothing and notifies no one twice', async () => {
    const m = recent();
    const [HOST, ALICE, BOB] = [randomUUID(), randomUUID(), randomUUID()];
    const REC = randomUUID();
    m.skip();
    const events = [
      m.joined(ALICE),
      m.started(HOST),
      m.joined(HOST, 'host'),
      m.muted(ALICE, HOST),
      m.joined(BOB),
      m.roleChanged(BOB, 'host', HOST),
      m.recordingStarted(REC, HOST),
      m.removed(BOB, HOST),
      m.joined(BOB),
      m.videoOff(BOB),
      m.left(ALICE),
      m.left(HOST, 'meeting_ended'),
      m.left(BOB, 'meeting_ended'),
      m.recordingStopped(REC, HOST),
      m.ended(HOST),
    ];
    for (let k = 1; k <= events.length; k++) {
      await apply(events[k - 1]!);
      const reference = await dump();
      for (let j = 1; j <= k; j++) {
        await apply(...events.slice(0, j));
        const again = await dump();
        assert.deepEqual(again.values, reference.values, `prefix ${j} redelivered after ${k} events`);
        for (const [key, ttl] of Object.entries(again.ttls)) {
          // Nothing was written, so no TTL was refreshed either.
          assert.ok(ttl <= reference.ttls[key]!, `${key} TTL refreshed by prefix ${j} after ${k}`);
        }
      }
      // All at once, in one batch, too.
      await apply(...events.slice(0, k), ...events.slice(0, k));
      assert.deepEqual((await dump()).values, reference.values);
    }
    const jobs = await jobsOf(m.meetingId);
    assert.equal(jobs.length, 1);
    assert.equal(jobs[0]!.jobId, events[1]!.eventId);
  });

  test('a MeetingStarted older than notifyMaxAgeSeconds updates the room but pushes no job', async () => {
    const strict = new RoomCacheProjector({ notifyMaxAgeSeconds: 60, channelPrefix: PREFIX, now: () => NOW });
    const HOST = randomUUID();
    const ALICE = randomUUID();

    const old = new MeetingStream(new Date(NOW.getTime() - 3_600_000)); // a rebuild, an hour later
    await applyWith(strict, [old.joined(ALICE), old.started(HOST)]);
    assert.equal((await readRoom(old.meetingId))?.status, 'live');
    assert.deepEqual(await jobsOf(old.meetingId), []);

    const justTooOld = new MeetingStream(new Date(NOW.getTime() - 61_000)); // started 61 s before NOW
    await applyWith(strict, [justTooOld.started(HOST)]);
    assert.equal((await readRoom(justTooOld.meetingId))?.status, 'live');
    assert.deepEqual(await jobsOf(justTooOld.meetingId), []);

    const justInTime = new MeetingStream(new Date(NOW.getTime() - 60_000)); // exactly 60 s before
    const started = justInTime.started(HOST);
    await applyWith(strict, [started]);
    assert.deepEqual(await jobsOf(justInTime.meetingId), [
      {
        jobId: started.eventId,
        type: 'meeting.started',
        meetingId: justInTime.meetingId,
        startedBy: HOST,
        startedAt: iso(started),
        participantIds: [],
      },
    ]);

    // The default is ten minutes.
    const defaults = new RoomCacheProjector({ now: () => NOW });
    const tenMinutes = new MeetingStream(new Date(NOW.getTime() - 600_000));
    const elevenMinutes = new MeetingStream(new Date(NOW.getTime() - 660_000));
    await applyWith(defaults, [tenMinutes.started(HOST), elevenMinutes.started(HOST)]);
    assert.equal((await jobsOf(tenMinutes.meetingId)).length, 1);
    assert.equal((await jobsOf(elevenMinutes.meetingId)).length, 0);
  });

  test('an out-of-date event is ignored, a newer one applies across version gaps', async () => {
    const m = recent();
    const [HOST, ALICE, BOB] = [randomUUID(), randomUUID(), randomUUID()];
    m.skip();
    const joined = m.joined(ALICE); // v2
    const started = m.started(HOST); // v3
    m.skip(3); // chat messages
    const mutedAlice = m.muted(ALICE, HOST); // v7
    await apply(joined, started, mutedAlice);
    const before = await dump();

    // Lower and equal versions with other content: neither applies.
    await apply(m.event('ParticipantLeft', { userId: ALICE, reason: 'left' }, { streamVersion: 5 }));
    await apply(
      m.event(
        'ParticipantJoined',
        { userId: BOB, role: 'host', isMuted: false, isVideoOn: true },
        { streamVersion: 7 },
      ),
    );
    assert.deepEqual((await dump()).values, before.values);

    const late = m.event('ParticipantUnmuted', { userId: ALICE }, { streamVersion: 12 });
    await apply(late);
    const room = await readRoom(m.meetingId);
    assert.equal(room?.version, '12');
    assert.equal(room.participants[ALICE]?.isMuted, false);
    await apply(m.event('ParticipantMuted', { userId: ALICE, mutedBy: HOST }, { streamVersion: 11 }));
    assert.equal((await readRoom(m.meetingId))?.participants[ALICE]?.isMuted, false);
  });

  test('events about a room that does not exist only advance the version guard', async () => {
    const m = recent();
    const [HOST, ALICE] = [randomUUID(), randomUUID()];
    m.skip(4);
    await apply(m.recordingStopped(randomUUID(), HOST), m.muted(ALICE), m.ended(HOST)); // v5..v7
    assert.equal(await readRoom(m.meetingId), null);
    assert.equal(await readGuard(m.meetingId), 7);
    // An older join, delivered late, cannot create the room any more.
    await apply(
      m.event(
        'ParticipantJoined',
        { userId: ALICE, role: 'participant', isMuted: false, isVideoOn: true },
        { streamVersion: 3 },
      ),
    );
    assert.equal(await readRoom(m.meetingId), null);
    assert.equal(await readGuard(m.meetingId), 7);
  });

  test('a subscriber receives every applied change in order, and nothing for redeliveries', async () => {
    const m = recent();
    const other = recent();
    const [HOST, ALICE] = [randomUUID(), randomUUID()];
    const REC = randomUUID();
    const subscriber = new Redis(REDIS_URL);
    const received: Record<string, RoomChange[]> = {};
    const waiters: (() => void)[] = [];
    subscriber.on('message', (channel: string, message: string) => {
      (received[channel] ??= []).push(JSON.parse(message) as RoomChange);
      for (const wake of waiters.splice(0)) wake();
    });
    const channel = PREFIX + roomChannel(m.meetingId);
    const otherChannel = PREFIX + roomChannel(other.meetingId);
    const messages = (name: string) => received[name] ?? [];
    async function waitFor(name: string, count: number): Promise<void> {
      const deadline = Date.now() + 5000;
      while (messages(name).length < count) {
        if (Date.now() > deadline) assert.fail(`${count} messages on ${name}, got ${messages(name).length}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
    }

    try {
      await subscriber.subscribe(channel, otherChannel);
      m.skip();
      const events = [
        m.joined(ALICE),
        m.started(HOST),
        m.joined(HOST, 'host'),
        m.recordingStarted(REC, HOST),
        m.muted(ALICE, HOST),
        m.left(ALICE, 'meeting_ended'),
        m.left(HOST, 'meeting_ended'),
        m.recordingStopped(REC, HOST),
        m.ended(HOST),
      ];
      const rooms: (Record<string, string> | null)[] = [];
      for (const event of events) {
        await apply(event);
        const hash = await redis.hgetall(roomKey(m.meetingId));
        rooms.push(Object.keys(hash).length ? hash : null);
      }
      await waitFor(channel, events.length);
      assert.deepEqual(
        messages(channel),
        events.map((event, i) => ({
          meetingId: m.meetingId,
          version: event.streamVersion,
          type: event.type,
          room: rooms[i],
        })),
      );

      // Redelivered, and after the end: no message. Messages of one connection arrive in order,
      // so once the other meeting's message is in, any from the redelivery would be too.
      await apply(...events);
      await apply(other.started(HOST));
      await waitFor(otherChannel, 1);
      assert.equal(messages(channel).length, events.length);
      assert.equal(messages(otherChannel)[0]?.room?.status, 'live');
    } finally {
      subscriber.disconnect();
    }
  });
});
