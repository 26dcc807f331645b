import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { streams } from '@meetings/events';
import type { DecodedEvent, EmailJob, EventData, EventType } from '@meetings/events';
import { Redis } from 'ioredis';
import { RedisTarget } from '../../adapters/redis/redis-target.js';
import type { RedisUnit } from '../../adapters/redis/redis-target.js';
import type { TargetRun } from '../../ports/checkpoint-store.js';
import { EventFactory } from '../../testing/event-factory.js';
import {
  meetingInviteesKey,
  NOTIFICATION_QUEUE_KEY,
  ROOM_TTL_SECONDS,
  ROOM_VERSION_TTL_SECONDS,
  RoomCacheProjector,
  roomChannel,
  roomKey,
  roomSettingsKey,
  roomVersionKey,
} from './room-cache-projector.js';
import type { RoomChange } from './room-cache-projector.js';

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
  invited = (userId: string, invitedBy: string) => this.event('ParticipantInvited', { userId, invitedBy });
  revoked = (userId: string, revokedBy: string) => this.event('InvitationRevoked', { userId, revokedBy });
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
  placed = (sfuNodeId: string, previousSfuNodeId: string | null = null) =>
    this.event('MeetingPlacedOnSfuNode', {
      sfuNodeId,
      previousSfuNodeId,
      reason: previousSfuNodeId ? 'node_lost' : 'meeting_started',
    });
}

interface Participant {
  role: 'host' | 'participant';
  isMuted: boolean;
  isVideoOn: boolean;
  joinedAt: string;
}
interface Room {
  meeting_id: string;
  status: 'waiting' | 'active';
  /** Epoch seconds, as the seed has it. */
  created_at: string;
  /** The seed's list of user ids, in join order. */
  participants: string[];
  participant_state: Record<string, Participant>;
  participant_count: string;
  lobby: Record<string, { waitingSince: string }>;
  settings: Record<string, unknown>;
  is_recording: '0' | '1';
  recording_id: string;
  /** The node the meeting was placed on; '' before. */
  sfu_node_id: string;
  version: string;
  updated_at: string;
}

let redis: Redis;
let raw: Redis;
const projector = new RoomCacheProjector({ channelPrefix: PREFIX, now: () => NOW });

const iso = (event: DecodedEvent) => event.occurredAt.toISOString();
const seconds = (event: DecodedEvent) => String(Math.floor(event.occurredAt.getTime() / 1000));

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
    participant_state: json('participant_state'),
    lobby: json('lobby'),
    settings: json('settings'),
  } as Room;
}

async function readGuard(meetingId: string): Promise<number | null> {
  const text = await redis.get(roomVersionKey(meetingId));
  return text === null ? null : Number(text);
}

type QueuedJob = Omit<EmailJob, 'attempt'>;

/** The meeting's jobs, oldest first. */
async function jobsOf(meetingId: string): Promise<QueuedJob[]> {
  const all = await redis.lrange(NOTIFICATION_QUEUE_KEY, 0, -1);
  return all
    .map((text) => JSON.parse(text) as QueuedJob)
    .filter((job) => job.meetingId === meetingId)
    .reverse();
}

const startedJob = (event: DecodedEvent, meetingId: string, userId: string): QueuedJob => ({
  jobId: `${event.eventId}:${userId}`,
  type: 'email',
  to: { userId },
  kind: 'meeting.started',
  meetingId,
  createdAt: iso(event),
  subject: 'A meeting you are invited to has started',
  message: `Meeting ${meetingId} has started. Open the meetings app to join it.`,
});

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
    else if (type === 'set') value = (await raw.smembers(key)).sort();
    else if (type === 'hash') {
      const hash = await raw.hgetall(key);
      value = {
        hash,
        participants: JSON.parse(hash.participants ?? 'null'),
        participant_state: JSON.parse(hash.participant_state ?? 'null'),
      };
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
            created_at: seconds(e),
            participants: [ALICE],
            participant_state: { [ALICE]: present(e) },
            participant_count: '1',
            // No MeetingScheduled was applied (skipped above), so no settings to copy.
            lobby: {},
            settings: {},
            is_recording: '0',
            recording_id: '',
            sfu_node_id: '',
            version: '',
            updated_at: '',
          }),
      ],
      [m.started(HOST), () => (room().status = 'active')],
      [m.placed('sfu-a'), () => (room().sfu_node_id = 'sfu-a')],
      [m.joined(HOST, 'host'), (e) => (room().participant_state[HOST] = present(e, 'host'))],
      [m.muted(ALICE, HOST), () => (room().participant_state[ALICE]!.isMuted = true)],
      [m.videoOff(ALICE, HOST), () => (room().participant_state[ALICE]!.isVideoOn = false)],
      [m.roleChanged(ALICE, 'host', HOST), () => (room().participant_state[ALICE]!.role = 'host')],
      [m.unmuted(ALICE), () => (room().participant_state[ALICE]!.isMuted = false)],
      [m.videoOn(ALICE), () => (room().participant_state[ALICE]!.isVideoOn = true)],
      [
        m.joined(BOB, 'participant', true, false),
        (e) => (room().participant_state[BOB] = { ...present(e), isMuted: true, isVideoOn: false }),
      ],
      [m.removed(BOB, HOST), () => delete room().participant_state[BOB]],
      [m.joined(BOB), (e) => (room().participant_state[BOB] = present(e))],
      // The node was lost: the meeting moves, its participants and their state stay.
      [m.placed('sfu-b', 'sfu-a'), () => (room().sfu_node_id = 'sfu-b')],
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
      [m.left(ALICE), () => delete room().participant_state[ALICE]],
      // Ending: everyone leaves, the recording stops, then the meeting ends.
      [m.left(HOST, 'meeting_ended'), () => delete room().participant_state[HOST]],
      [m.left(BOB, 'meeting_ended'), () => delete room().participant_state[BOB]],
      [m.recordingStopped(REC_3, HOST), () => Object.assign(room(), { is_recording: '0', recording_id: '' })],
      [m.ended(HOST), () => (expected = null)],
    ];

    for (const [event, change] of steps) {
      await apply(event);
      change(event);
      if (expected) {
        expected.version = String(event.streamVersion);
        expected.updated_at = seconds(event);
        // The steps add participants in join order (a rejoin after a removal goes last).
        expected.participants = Object.keys(expected.participant_state);
        expected.participant_count = String(expected.participants.length);
      }
      assert.deepEqual(await readRoom(m.meetingId), expected, `after ${event.type} v${event.streamVersion}`);
      if (expected) await assertRoomTtlFresh(m.meetingId);
      assert.equal(await readGuard(m.meetingId), event.streamVersion);
    }

    assert.equal(await redis.exists(roomKey(m.meetingId)), 0);
    const guardTtl = await redis.ttl(roomVersionKey(m.meetingId));
    assert.ok(guardTtl > ROOM_VERSION_TTL_SECONDS - 5 && guardTtl <= ROOM_VERSION_TTL_SECONDS);

    // Nobody was invited, so nobody is told.
    assert.deepEqual(await jobsOf(m.meetingId), []);
  });

  test('each new invitee gets an email job; at the start, every invitee not in the room one more', async () => {
    const m = recent();
    const [HOST, ALICE, BOB, CAROL, DAVE] = [1, 2, 3, 4, 5].map(() => randomUUID()) as [
      string,
      string,
      string,
      string,
      string,
    ];
    const invitees = [ALICE, BOB, CAROL, DAVE];
    const invites = invitees.map((id) => m.invited(id, HOST));
    const again = m.invited(ALICE, HOST); // already invited: no second job
    await apply(...invites, again, m.revoked(DAVE, HOST), m.joined(ALICE));
    const started = m.started(HOST);
    await apply(started);

    const jobs = await jobsOf(m.meetingId);
    assert.deepEqual(
      jobs.slice(0, 4).map((j) => [j.jobId, j.kind, j.to.userId]),
      invites.map((e, i) => [`${e.eventId}:${invitees[i]}`, 'meeting.invited', invitees[i]]),
    );
    assert.equal(jobs[0]!.subject, 'You are invited to a meeting');
    assert.equal(jobs[0]!.createdAt, iso(invites[0]!));
    // Alice is in the room and Dave's invitation was revoked: Bob and Carol, in id order.
    const expected = [BOB, CAROL].sort().map((id) => startedJob(started, m.meetingId, id));
    assert.deepEqual(jobs.slice(4), expected);
    assert.deepEqual(
      (await redis.smembers(meetingInviteesKey(m.meetingId))).sort(),
      [ALICE, BOB, CAROL].sort(),
    );

    await apply(m.ended(HOST));
    assert.equal(await redis.exists(meetingInviteesKey(m.meetingId)), 0);
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
    assert.deepEqual((await readRoom(m.meetingId))!.participants, [ALICE]);
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
    assert.deepEqual(room.participants, [ALICE]);
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
    assert.deepEqual(waiting.participants, []);
    assert.deepEqual(waiting.participant_state, {});

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
      m.invited(BOB, HOST),
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
    assert.deepEqual(
      jobs.map((j) => j.jobId),
      [`${events[0]!.eventId}:${BOB}`, `${events[2]!.eventId}:${BOB}`],
    );
  });

  test('an invitation or start older than notifyMaxAgeSeconds pushes no job', async () => {
    const strict = new RoomCacheProjector({ notifyMaxAgeSeconds: 60, channelPrefix: PREFIX, now: () => NOW });
    const defaults = new RoomCacheProjector({ now: () => NOW });
    const [HOST, BOB] = [randomUUID(), randomUUID()];
    /** Bob invited `age + 1` s before NOW, the meeting started `age` s before: the jobs' kinds. */
    async function kinds(p: RoomCacheProjector, age: number) {
      const m = new MeetingStream(new Date(NOW.getTime() - (age + 1) * 1000));
      const started = [m.invited(BOB, HOST), m.started(HOST)];
      await applyWith(p, started);
      assert.equal((await readRoom(m.meetingId))?.status, 'active');
      const jobs = await jobsOf(m.meetingId);
      if (jobs.length === 1) assert.deepEqual(jobs[0], startedJob(started[1]!, m.meetingId, BOB));
      return jobs.map((j) => j.kind);
    }

    assert.deepEqual(await kinds(strict, 3600), []); // a rebuild, an hour later
    assert.deepEqual(await kinds(strict, 61), []);
    assert.deepEqual(await kinds(strict, 60), ['meeting.started']);
    assert.deepEqual(await kinds(strict, 59), ['meeting.invited', 'meeting.started']);
    // The default is ten minutes.
    assert.deepEqual(await kinds(defaults, 600), ['meeting.started']);
    assert.deepEqual(await kinds(defaults, 660), []);
  });

  test("sideEffects 'none' applies the same state, recent or not, and pushes and publishes nothing", async () => {
    const quiet = new RoomCacheProjector({ sideEffects: 'none', channelPrefix: PREFIX, now: () => NOW });
    const [HOST, BOB] = [randomUUID(), randomUUID()];
    const subscriber = new Redis(REDIS_URL);
    let messages = 0;
    subscriber.on('pmessage', () => (messages += 1));
    try {
      await subscriber.psubscribe(`${PREFIX}*`, `${roomChannel('')}*`);
      const queued = await redis.llen(NOTIFICATION_QUEUE_KEY);
      const m = recent();
      const events = [m.invited(BOB, HOST), m.joined(HOST, 'host'), m.started(HOST), m.joined(BOB)];
      await applyWith(quiet, events);
      // The live projector on a twin stream gives the same room, with its job and messages.
      const twin = recent();
      const live = [twin.invited(BOB, HOST), twin.joined(HOST, 'host'), twin.started(HOST), twin.joined(BOB)];
      await applyWith(projector, live);
      const quietRoom = (await readRoom(m.meetingId))!;
      const liveRoom = (await readRoom(twin.meetingId))!;
      assert.deepEqual({ ...quietRoom, meeting_id: twin.meetingId }, liveRoom);
      assert.deepEqual(await redis.smembers(meetingInviteesKey(m.meetingId)), [BOB]);
      assert.deepEqual(await jobsOf(m.meetingId), []);
      const announced = (await jobsOf(twin.meetingId)).map((j) => j.kind);
      assert.deepEqual(announced, ['meeting.invited', 'meeting.started'], 'the live twin announced');
      assert.equal(await redis.llen(NOTIFICATION_QUEUE_KEY), queued + 2);
      // Messages of one connection arrive in order: the live twin's come after any quiet one.
      const deadline = Date.now() + 5000;
      while (messages < live.length - 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(
        messages,
        live.length - 1,
        'only the live twin published (its invitation concerns no room)',
      );
    } finally {
      subscriber.disconnect();
    }
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
    assert.equal(room.participant_state[ALICE]?.isMuted, false);
    await apply(m.event('ParticipantMuted', { userId: ALICE, mutedBy: HOST }, { streamVersion: 11 }));
    assert.equal((await readRoom(m.meetingId))?.participant_state[ALICE]?.isMuted, false);
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
      assert.equal(messages(otherChannel)[0]?.room?.status, 'active');
    } finally {
      subscriber.disconnect();
    }
  });
});
