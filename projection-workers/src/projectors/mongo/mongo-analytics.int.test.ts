import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createMongo, MONGO_COLLECTIONS, ensureMongoIndexes, participantId } from '@meetings/db';
import type { Db, MongoConnection } from '@meetings/db';
import { mongoServerLabel, startTestMongo } from '@meetings/db/testing';
import type { TestMongo } from '@meetings/db/testing';
import { streams } from '@meetings/events';
import type { DecodedEvent } from '@meetings/events';
import { MongoTarget } from '../../adapters/mongodb/mongo-target.js';
import { CheckpointConflict } from '../../ports/checkpoint-store.js';
import { EventFactory } from '../../testing/event-factory.js';
import { MongoAnalyticsProjector } from './mongo-analytics-projector.js';

const T0 = Date.parse('2026-12-01T10:00:00.000Z');
const at = (seconds: number) => ({ occurredAt: new Date(T0 + seconds * 1000) });

const [A, B, C, D] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
const M = randomUUID();
const M2 = randomUUID();
const SA = randomUUID();
const SB = randomUUID();
const TASK = randomUUID();

/** The scenario in log order: a meeting's two streams interleaved, a second meeting, an AI task. */
function scenario(): DecodedEvent[] {
  const f = new EventFactory(new Date(T0));
  const meeting = streams.meeting(M);
  const media = streams.media(M);
  const join = (userId: string, s: number) =>
    f.event(
      meeting,
      'ParticipantJoined',
      { meetingId: M, userId, role: 'participant', isMuted: false, isVideoOn: true },
      at(s),
    );
  const chat = (senderId: string, recipientId: string | null, text: string, s: number) =>
    f.event(
      meeting,
      'ChatMessageSent',
      { meetingId: M, messageId: randomUUID(), senderId, recipientId, text },
      at(s),
    );
  const quality = (
    mediaStreamId: string,
    bitrateKbps: number,
    packetLossPercent: number,
    jitterMs: number,
    rttMs: number | null,
    s: number,
  ) =>
    f.event(
      media,
      'MediaStreamQualitySampled',
      {
        meetingId: M,
        mediaStreamId,
        sampledAt: new Date(T0 + s * 1000).toISOString(),
        bitrateKbps,
        packetLossPercent,
        jitterMs,
        rttMs,
      },
      at(s),
    );
  const speaking = (userId: string, speakingMs: number, s: number) =>
    f.event(
      media,
      'ParticipantSpeakingSampled',
      {
        meetingId: M,
        userId,
        producerId: `p-${userId}`,
        sampledAt: new Date(T0 + s * 1000).toISOString(),
        windowMs: 10_000,
        speakingMs,
      },
      at(s),
    );
  const published = (mediaStreamId: string, userId: string, kind: 'audio' | 'video', s: number) =>
    f.event(
      media,
      'MediaStreamPublished',
      {
        meetingId: M,
        mediaStreamId,
        userId,
        kind,
        sfuNodeId: 'sfu-1',
        producerId: `p-${mediaStreamId}`,
        codec: 'opus',
      },
      at(s),
    );
  const left = (userId: string, reason: 'left' | 'meeting_ended', s: number) =>
    f.event(meeting, 'ParticipantLeft', { meetingId: M, userId, reason }, at(s));
  return [
    f.event(meeting, 'MeetingStarted', { meetingId: M, startedBy: A }, at(0)),
    join(A, 0),
    published(SA, A, 'audio', 5),
    join(B, 60),
    published(SB, B, 'video', 65),
    quality(SA, 40, 1, 10, 20, 70),
    quality(SA, 60, 3, 20, null, 80),
    quality(SB, 500, 0, 5, 30, 90),
    join(C, 120),
    chat(A, null, 'hello', 130),
    chat(A, B, 'secret', 140),
    speaking(A, 4000, 150),
    speaking(B, 2500, 160),
    left(B, 'left', 300),
    f.event(
      meeting,
      'ParticipantRemoved',
      { meetingId: M, userId: C, removedBy: A, reason: null, banned: false },
      at(420),
    ),
    join(B, 600),
    chat(B, null, 'back', 610),
    speaking(A, 1500, 620),
    left(A, 'meeting_ended', 900),
    left(B, 'meeting_ended', 900),
    f.event(meeting, 'MeetingEnded', { meetingId: M, endedBy: A }, at(900)),
    f.event(
      streams.aiTask(TASK),
      'AiTaskCompleted',
      {
        taskId: TASK,
        meetingId: M,
        taskType: 'speaking_time',
        results: [
          { userId: A, analysisType: 'speaking_time', result: { speakingMs: 5500 } },
          { userId: B, analysisType: 'speaking_time', result: { speakingMs: 2500 } },
          { userId: null, analysisType: 'speaking_time', result: { totalMs: 8000 } },
        ],
      },
      at(950),
    ),
    // A second meeting the same day, never started: it counts for the day of its first join.
    f.event(
      streams.meeting(M2),
      'ParticipantJoined',
      { meetingId: M2, userId: D, role: 'host', isMuted: false, isVideoOn: true },
      at(1000),
    ),
    f.event(streams.meeting(M2), 'ParticipantLeft', { meetingId: M2, userId: D, reason: 'left' }, at(1060)),
  ];
}

const projector = new MongoAnalyticsProjector();
/** One delivery's events: a redelivery or rebuild hands the very same ones (ids, versions) again. */
const EVENTS = scenario();

/** Applies `events` in batches of `size`, each with the checkpoint after it. */
async function project(db: Db, events: readonly DecodedEvent[], size: number): Promise<void> {
  const run = await new MongoTarget(db).open(projector.name);
  for (let i = 0; i < events.length; i += size) {
    const batch = events.slice(i, i + size);
    await run.commit((tx) => projector.apply(tx, batch), batch[batch.length - 1]!.checkpoint);
  }
}

/** Every analytics collection, sorted by `_id` (derived, so equal across rebuilds). */
async function dump(db: Db): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const name of [
    MONGO_COLLECTIONS.chatHistory,
    MONGO_COLLECTIONS.aiResults,
    MONGO_COLLECTIONS.meetingAnalytics,
    MONGO_COLLECTIONS.dailyAnalytics,
    MONGO_COLLECTIONS.erasedUsers,
  ]) {
    const docs = await db.collection(name).find({}).sort({ _id: 1 }).toArray();
    out[name] = docs.map((doc) => ({ ...doc, _id: doc._id.toHexString() }));
  }
  return out;
}

const date = (s: number) => new Date(T0 + s * 1000);

describe(`mongo-analytics projection (${mongoServerLabel()})`, () => {
  let mongo: TestMongo;
  let conn: MongoConnection;
  let incremental: Record<string, unknown[]>;

  before(async () => {
    mongo = await startTestMongo();
    conn = createMongo({ url: mongo.url, database: mongo.database });
    await ensureMongoIndexes(conn.db);
    await ensureMongoIndexes(conn.db); // idempotent
  });
  after(async () => {
    await conn?.client
      .db(`${mongo.database}_rebuild`)
      .dropDatabase()
      .catch(() => undefined);
    await conn?.close();
    await mongo?.stop();
  });

  test('projects a meeting (both streams), its chat and an AI task into exact documents', async () => {
    await project(conn.db, EVENTS, 3);
    const db = conn.db;
    const meeting = await db
      .collection(MONGO_COLLECTIONS.meetingAnalytics)
      .findOne({ meeting_id: M }, { projection: { _id: 0 } });
    assert.ok(meeting);
    assert.deepEqual(meeting.versions, { meeting: 13, media: 8 });
    assert.deepEqual(meeting.participants, [A, B, C]);
    assert.equal(meeting.participant_count, 3);
    assert.equal(meeting.peak_concurrency, 3);
    assert.equal(meeting.current_participants, 0);
    assert.equal(meeting.participant_ms, (900 + 540 + 300) * 1000);
    assert.equal(meeting.participant_minutes, 29);
    assert.equal(meeting.day, '2026-12-01');
    assert.deepEqual(meeting.started_at, date(0));
    assert.deepEqual(meeting.ended_at, date(900));
    assert.deepEqual(meeting.timeline, [
      { user_id: A, action: 'joined', at: date(0) },
      { user_id: B, action: 'joined', at: date(60) },
      { user_id: C, action: 'joined', at: date(120) },
      { user_id: B, action: 'left', at: date(300) },
      { user_id: C, action: 'removed', at: date(420) },
      { user_id: B, action: 'joined', at: date(600) },
      { user_id: A, action: 'left', at: date(900) },
      { user_id: B, action: 'left', at: date(900) },
    ]);
    assert.equal(meeting.chat_count, 3);
    assert.equal(meeting.speaking_ms_total, 8000);
    const pa = meeting.per_participant[A];
    assert.deepEqual(pa, {
      participant_id: participantId(M, A),
      joins: 1,
      present_ms: 900_000,
      present_since: null,
      speaking_ms: 5500,
      chat_messages: 2,
    });
    assert.equal(meeting.per_participant[B].present_ms, 540_000);
    assert.equal(meeting.per_participant[B].joins, 2);
    assert.equal(meeting.per_participant[C].present_ms, 300_000);
    assert.deepEqual(meeting.quality.audio, {
      samples: 2,
      bitrate_kbps_sum: 100,
      bitrate_kbps_avg: 50,
      packet_loss_percent_avg: 2,
      packet_loss_percent_sum: 4,
      packet_loss_percent_max: 3,
      jitter_ms_sum: 30,
      jitter_ms_avg: 15,
      rtt_samples: 1,
      rtt_ms_sum: 20,
      rtt_ms_avg: 20,
    });
    assert.equal(meeting.quality.video.samples, 1);
    assert.equal(meeting.quality.video.rtt_ms_avg, 30);

    const chats = await db
      .collection(MONGO_COLLECTIONS.chatHistory)
      .find({ meeting_id: M }, { projection: { _id: 0, message_id: 0 } })
      .sort({ timestamp: 1 })
      .toArray();
    assert.deepEqual(chats, [
      {
        meeting_id: M,
        sender_id: A,
        message: 'hello',
        timestamp: date(130),
        created_at: date(130),
        erased: false,
      },
      {
        meeting_id: M,
        sender_id: B,
        message: 'back',
        timestamp: date(610),
        created_at: date(610),
        erased: false,
      },
    ]);
    assert.equal(
      await db.collection(MONGO_COLLECTIONS.chatHistory).countDocuments({ message: 'secret' }),
      0,
      'private messages are not copied',
    );

    const results = await db
      .collection(MONGO_COLLECTIONS.aiResults)
      .find({ meeting_id: M }, { projection: { _id: 0 } })
      .sort({ item: 1 })
      .toArray();
    assert.deepEqual(
      results.map((r) => [r.participant_id, r.user_id, r.analysis_type, r.result, r.created_at]),
      [
        [participantId(M, A), A, 'speaking_time', { speakingMs: 5500 }, date(950)],
        [participantId(M, B), B, 'speaking_time', { speakingMs: 2500 }, date(950)],
        [null, null, 'speaking_time', { totalMs: 8000 }, date(950)],
      ],
    );

    const daily = await db
      .collection(MONGO_COLLECTIONS.dailyAnalytics)
      .find({}, { projection: { _id: 0 } })
      .toArray();
    assert.deepEqual(daily, [
      {
        day: '2026-12-01',
        meetings: 2,
        participants: 4,
        participant_ms: 1_800_000,
        participant_minutes: 30,
        chat_messages: 3,
        speaking_ms: 8000,
        peak_concurrency: 3,
      },
    ]);
    incremental = await dump(db);
  });

  test('redelivery (the whole log again, then a slice) changes nothing', async () => {
    const run = await new MongoTarget(conn.db).open(projector.name);
    await run.commit((tx) => projector.apply(tx, EVENTS), null);
    await run.commit((tx) => projector.apply(tx, EVENTS.slice(5, 12)), null);
    assert.deepEqual(await dump(conn.db), incremental);
  });

  test('a rebuild from scratch in one batch, and one with each stream delivered apart, equal the incremental result', async () => {
    const rebuild = conn.client.db(`${mongo.database}_rebuild`);
    await project(rebuild, EVENTS, 1000);
    assert.deepEqual(await dump(rebuild), incremental);
    await rebuild.dropDatabase();
    // Kafka orders per stream only: the media stream may arrive wholly before the meeting's.
    const mediaFirst = [
      ...EVENTS.filter((e) => e.streamId.startsWith('media-')),
      ...EVENTS.filter((e) => !e.streamId.startsWith('media-')),
    ];
    await project(rebuild, mediaFirst, 4);
    assert.deepEqual(await dump(rebuild), incremental);
  });

  test('checkpoints are fenced: a stale run writes nothing and a lost database starts over', async () => {
    const target = new MongoTarget(conn.db);
    const first = await target.open('fencing-test');
    const second = await target.open('fencing-test');
    assert.equal(first.checkpoint, null);
    await first.commit(null, { transactionId: 5, globalPosition: 5 });
    let ran = false;
    await assert.rejects(
      second.commit(() => Promise.resolve(void (ran = true)), { transactionId: 6, globalPosition: 6 }),
      CheckpointConflict,
    );
    assert.equal(ran, false, 'the stale run did not write');
    assert.deepEqual(await target.loadCheckpoint('fencing-test'), { transactionId: 5, globalPosition: 5 });
    // The database lost the checkpoint (dropped, restored from an old backup): the run is refused
    // and a new one starts from the beginning of the log.
    await conn.db.collection(MONGO_COLLECTIONS.checkpoints).deleteMany({ projection: 'fencing-test' });
    await assert.rejects(first.commit(null, { transactionId: 7, globalPosition: 7 }), CheckpointConflict);
    assert.equal((await target.open('fencing-test')).checkpoint, null);
  });

  test('a deleted user keeps no chat text nor AI results, also those arriving after the deletion', async () => {
    const f = new EventFactory(new Date(T0 + 2000_000));
    const deleted = f.event(streams.user(A), 'UserDeleted', { userId: A, deletedBy: A });
    const later = f.event(streams.aiTask(randomUUID()), 'AiTaskCompleted', {
      taskId: randomUUID(),
      meetingId: M,
      taskType: 'emotion_detection',
      results: [
        { userId: A, analysisType: 'emotion_detection', result: { label: 'positive', confidence: 0.9 } },
      ],
    });
    const run = await new MongoTarget(conn.db).open(projector.name);
    await run.commit((tx) => projector.apply(tx, [deleted]), null);
    await run.commit((tx) => projector.apply(tx, [later, deleted]), null);
    const db = conn.db;
    const chats = await db.collection(MONGO_COLLECTIONS.chatHistory).find({ sender_id: A }).toArray();
    assert.deepEqual(
      chats.map((c) => [c.message, c.erased]),
      [[null, true]],
    );
    const results = await db.collection(MONGO_COLLECTIONS.aiResults).find({ user_id: A }).toArray();
    assert.equal(results.length, 2);
    for (const r of results) assert.deepEqual([r.result, r.erased], [null, true]);
    // Others keep theirs.
    assert.equal(
      (await db.collection(MONGO_COLLECTIONS.chatHistory).findOne({ sender_id: B }))?.message,
      'back',
    );
    assert.deepEqual((await db.collection(MONGO_COLLECTIONS.aiResults).findOne({ user_id: B }))?.result, {
      speakingMs: 2500,
    });
  });
});
