import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { useTestDatabase } from '@meetings/db/testing';
import { streams } from '@meetings/events';
import type { DecodedEvent, EventData, EventType } from '@meetings/events';
import type pg from 'pg';
import { EventFactory } from '../../testing/event-factory.js';
import type { EventOptions } from '../../testing/event-factory.js';
import { applyInTransaction, snapshotTables } from '../../testing/postgres-projection.js';
import { meetingsProjector } from './meetings-projector.js';

const TABLES = ['meetings', 'meeting_participants', 'meeting_rooms', 'meeting_recordings'];

const database = useTestDatabase();

const apply = (events: readonly DecodedEvent[]) =>
  applyInTransaction(database.pool, meetingsProjector, events);

const one = async (sql: string, ...params: unknown[]) =>
  (await database.pool.query<Record<string, unknown>>(sql, params)).rows[0];

const meetingRow = (id: string) =>
  one(
    `SELECT creator_id, title, description, status, start_time, end_time, actual_start_at,
       actual_end_at, max_participants, is_recording, settings, cancel_reason, deleted_at, last_stream_version,
       created_at
     FROM meetings WHERE id = $1`,
    id,
  );
const participantRow = (meetingId: string, userId: string) =>
  one(
    `SELECT role, join_time, leave_time, leave_reason, removed_by, remove_reason, is_muted, is_video_on,
       last_stream_version
     FROM meeting_participants WHERE meeting_id = $1 AND user_id = $2`,
    meetingId,
    userId,
  );
const roomRow = (meetingId: string) =>
  one(
    `SELECT room_id, sfu_node_id, status, current_participants, opened_at, closed_at, last_stream_version,
       created_at
     FROM meeting_rooms WHERE meeting_id = $1`,
    meetingId,
  );
const recordingRow = (id: string) =>
  one(
    `SELECT meeting_id, started_by, stopped_by, status, started_at, stopped_at, completed_at, file_path,
       file_size, duration, format, failure_reason, deleted_at, last_stream_version
     FROM meeting_recordings WHERE id = $1`,
    id,
  );
const presentInView = async (meetingId: string) =>
  (await one('SELECT current_participants FROM active_meetings_stats WHERE meeting_id = $1', meetingId))
    ?.current_participants;

type MeetingEventType = Extract<
  EventType,
  `Meeting${string}` | `Participant${string}` | `Recording${string}`
>;

/** Events of one meeting's stream; `meetingId` is filled in. */
function meetingStream(f: EventFactory, meetingId = randomUUID()) {
  const streamId = streams.meeting(meetingId);
  const event = <T extends MeetingEventType>(
    type: T,
    data: Omit<EventData<T>, 'meetingId'>,
    options?: EventOptions,
  ) => f.event(streamId, type, { meetingId, ...data } as EventData<T>, options);
  return { meetingId, streamId, event };
}

interface Step {
  event: DecodedEvent;
  /** meeting_rooms.current_participants after the event; null: no room yet. */
  present: number | null;
  check?: () => Promise<void>;
}

/**
 * A meeting from scheduling to its end: a waiting participant, joins, mute/unmute, video off/on,
 * a promotion, a removal, a leave, rejoins, one recording completed, one failed while running, one
 * stopped by the end, and the leaves that ending emits.
 */
function meetingLife(f: EventFactory) {
  const m = meetingStream(f);
  const [host, ann, bob, cat] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  const [r1, r2, r3] = [randomUUID(), randomUUID(), randomUUID()];
  const e = {
    scheduled: m.event('MeetingScheduled', {
      hostId: host,
      title: 'Weekly sync',
      description: 'Status round',
      scheduledStartAt: '2026-03-02T10:00:00.000Z',
      scheduledEndAt: '2026-03-02T11:00:00.000Z',
      maxParticipants: 10,
      settings: { muteOnJoin: false, allowChat: true, access: 'open', lobby: false },
      passcodeVersion: null,
    }),
    updated: m.event('MeetingUpdated', {
      title: 'Weekly sync (moved)',
      description: null,
      maxParticipants: 5,
    }),
    annWaits: m.event('ParticipantJoined', {
      userId: ann,
      role: 'participant',
      isMuted: false,
      isVideoOn: true,
    }),
    started: m.event('MeetingStarted', { startedBy: host }),
    hostJoins: m.event('ParticipantJoined', { userId: host, role: 'host', isMuted: false, isVideoOn: true }),
    placedOnA: m.event('MeetingPlacedOnSfuNode', {
      sfuNodeId: 'sfu-a',
      previousSfuNodeId: null,
      reason: 'meeting_started',
    }),
    bobJoins: m.event('ParticipantJoined', {
      userId: bob,
      role: 'participant',
      isMuted: false,
      isVideoOn: true,
    }),
    bobMuted: m.event('ParticipantMuted', { userId: bob, mutedBy: host }),
    placedOnB: m.event('MeetingPlacedOnSfuNode', {
      sfuNodeId: 'sfu-b',
      previousSfuNodeId: 'sfu-a',
      reason: 'node_lost',
    }),
    bobUnmuted: m.event('ParticipantUnmuted', { userId: bob }),
    annVideoOff: m.event('ParticipantVideoTurnedOff', { userId: ann, turnedOffBy: host }),
    annVideoOn: m.event('ParticipantVideoTurnedOn', { userId: ann }),
    annPromoted: m.event('ParticipantRoleChanged', { userId: ann, role: 'host', changedBy: host }),
    r1Started: m.event('RecordingStarted', { recordingId: r1, startedBy: ann }),
    bobRemoved: m.event('ParticipantRemoved', {
      userId: bob,
      removedBy: host,
      reason: 'disruptive',
      banned: false,
    }),
    annLeaves: m.event('ParticipantLeft', { userId: ann, reason: 'left' }),
    bobRejoins: m.event('ParticipantJoined', {
      userId: bob,
      role: 'participant',
      isMuted: true,
      isVideoOn: false,
    }),
    catJoins: m.event('ParticipantJoined', {
      userId: cat,
      role: 'participant',
      isMuted: true,
      isVideoOn: true,
    }),
    r1Stopped: m.event('RecordingStopped', { recordingId: r1, stoppedBy: host }),
    r1Completed: m.event('RecordingCompleted', {
      recordingId: r1,
      storageKey: `recordings/${r1}.webm`,
      sizeBytes: 123_456_789,
      durationSeconds: 4.5,
      format: 'webm',
    }),
    r2Started: m.event('RecordingStarted', { recordingId: r2, startedBy: host }),
    r2Failed: m.event('RecordingFailed', { recordingId: r2, reason: 'encoder crashed' }),
    annRejoins: m.event('ParticipantJoined', { userId: ann, role: 'host', isMuted: false, isVideoOn: true }),
    r3Started: m.event('RecordingStarted', { recordingId: r3, startedBy: host }),
    // What EndMeeting emits: everyone present leaves, the recording stops, then the meeting ends.
    hostEnds: m.event('ParticipantLeft', { userId: host, reason: 'meeting_ended' }),
    bobEnds: m.event('ParticipantLeft', { userId: bob, reason: 'meeting_ended' }),
    catEnds: m.event('ParticipantLeft', { userId: cat, reason: 'meeting_ended' }),
    annEnds: m.event('ParticipantLeft', { userId: ann, reason: 'meeting_ended' }),
    r3Stopped: m.event('RecordingStopped', { recordingId: r3, stoppedBy: host }),
    ended: m.event('MeetingEnded', { endedBy: host }),
  };
  return { meetingId: m.meetingId, host, ann, bob, cat, r1, r2, r3, e, events: Object.values(e) };
}

test('reads every meeting-stream event (chat only moves the meeting row’s version)', () => {
  assert.equal(meetingsProjector.name, 'meetings');
  assert.deepEqual(
    [...meetingsProjector.eventTypes].sort(),
    [
      'MeetingScheduled',
      'MeetingUpdated',
      'MeetingStarted',
      'MeetingEnded',
      'MeetingCancelled',
      'MeetingPlacedOnSfuNode',
      'ParticipantJoined',
      'ParticipantLeft',
      'ParticipantRemoved',
      'ParticipantMuted',
      'ParticipantUnmuted',
      'ParticipantVideoTurnedOn',
      'ParticipantVideoTurnedOff',
      'ParticipantRoleChanged',
      'RecordingStarted',
      'RecordingStopped',
      'RecordingCompleted',
      'RecordingFailed',
      'ChatMessageSent',
      'MeetingSettingsChanged',
      'ParticipantInvited',
      'InvitationRevoked',
      'BanLifted',
      'ParticipantWaiting',
      'ParticipantAdmitted',
      'ParticipantDenied',
      'ParticipantLeftLobby',
    ].sort(),
  );
});

test('a meeting from scheduling to its end, one event at a time', async () => {
  const life = meetingLife(new EventFactory());
  const { meetingId, host, ann, bob, cat, r1, r2, r3, e } = life;
  const at = (event: DecodedEvent) => event.occurredAt;
  const version = (event: DecodedEvent) => String(event.streamVersion);

  const scheduledMeeting = {
    creator_id: host,
    title: 'Weekly sync',
    description: 'Status round',
    status: 'scheduled',
    start_time: new Date('2026-03-02T10:00:00.000Z'),
    end_time: new Date('2026-03-02T11:00:00.000Z'),
    actual_start_at: null,
    actual_end_at: null,
    max_participants: 10,
    is_recording: false,
    settings: { muteOnJoin: false, allowChat: true, access: 'open', lobby: false },
    cancel_reason: null,
    deleted_at: null,
    last_stream_version: '1',
    created_at: at(e.scheduled),
  };
  const updatedMeeting = {
    ...scheduledMeeting,
    title: 'Weekly sync (moved)',
    description: null,
    max_participants: 5,
    last_stream_version: '2',
  };
  const startedMeeting = {
    ...updatedMeeting,
    status: 'started',
    actual_start_at: at(e.started),
    last_stream_version: version(e.started),
  };
  const joined = (event: DecodedEvent, role: string, isMuted: boolean, isVideoOn: boolean) => ({
    role,
    join_time: at(event),
    leave_time: null,
    leave_reason: null,
    removed_by: null,
    remove_reason: null,
    is_muted: isMuted,
    is_video_on: isVideoOn,
    last_stream_version: version(event),
  });
  const recording = (id: string, started: DecodedEvent, startedBy: string) => ({
    meeting_id: meetingId,
    started_by: startedBy,
    stopped_by: null,
    status: 'recording',
    started_at: at(started),
    stopped_at: null,
    completed_at: null,
    file_path: null,
    file_size: null,
    duration: null,
    format: null,
    failure_reason: null,
    deleted_at: null,
    last_stream_version: version(started),
    id,
  });
  const { id: _r1, ...r1Recording } = recording(r1, e.r1Started, ann);
  const { id: _r2, ...r2Recording } = recording(r2, e.r2Started, host);
  const { id: _r3, ...r3Recording } = recording(r3, e.r3Started, host);
  const isRecording = async (expected: boolean) =>
    assert.equal((await meetingRow(meetingId))?.is_recording, expected);

  const steps: Step[] = [
    {
      event: e.scheduled,
      present: null,
      check: async () => assert.deepEqual(await meetingRow(meetingId), scheduledMeeting),
    },
    {
      event: e.updated,
      present: null,
      // null clears the description; the absent scheduledEndAt keeps its value.
      check: async () => assert.deepEqual(await meetingRow(meetingId), updatedMeeting),
    },
    {
      event: e.annWaits,
      present: null,
      check: async () =>
        assert.deepEqual(
          await participantRow(meetingId, ann),
          joined(e.annWaits, 'participant', false, true),
        ),
    },
    {
      event: e.started,
      present: 1, // the room opens with whoever waits
      check: async () => {
        assert.deepEqual(await meetingRow(meetingId), startedMeeting);
        assert.deepEqual(await roomRow(meetingId), {
          room_id: meetingId,
          sfu_node_id: null,
          status: 'open',
          current_participants: 1,
          opened_at: at(e.started),
          closed_at: null,
          last_stream_version: version(e.started),
          created_at: at(e.started),
        });
      },
    },
    {
      event: e.hostJoins,
      present: 2,
      check: async () =>
        assert.deepEqual(await participantRow(meetingId, host), joined(e.hostJoins, 'host', false, true)),
    },
    {
      event: e.placedOnA,
      present: 2,
      check: async () => assert.equal((await roomRow(meetingId))?.sfu_node_id, 'sfu-a'),
    },
    { event: e.bobJoins, present: 3 },
    {
      event: e.bobMuted,
      present: 3,
      check: async () =>
        assert.deepEqual(await participantRow(meetingId, bob), {
          ...joined(e.bobJoins, 'participant', true, true),
          last_stream_version: version(e.bobMuted),
        }),
    },
    {
      event: e.placedOnB,
      present: 3,
      check: async () => {
        const room = await roomRow(meetingId);
        assert.deepEqual([room?.sfu_node_id, room?.last_stream_version], ['sfu-b', version(e.placedOnB)]);
      },
    },
    {
      event: e.bobUnmuted,
      present: 3,
      check: async () =>
        assert.deepEqual(await participantRow(meetingId, bob), {
          ...joined(e.bobJoins, 'participant', false, true),
          last_stream_version: version(e.bobUnmuted),
        }),
    },
    {
      event: e.annVideoOff,
      present: 3,
      check: async () =>
        assert.deepEqual(await participantRow(meetingId, ann), {
          ...joined(e.annWaits, 'participant', false, false),
          last_stream_version: version(e.annVideoOff),
        }),
    },
    {
      event: e.annVideoOn,
      present: 3,
      check: async () => assert.equal((await participantRow(meetingId, ann))?.is_video_on, true),
    },
    {
      event: e.annPromoted,
      present: 3,
      check: async () =>
        assert.deepEqual(await participantRow(meetingId, ann), {
          ...joined(e.annWaits, 'host', false, true),
          last_stream_version: version(e.annPromoted),
        }),
    },
    {
      event: e.r1Started,
      present: 3,
      check: async () => {
        assert.deepEqual(await recordingRow(r1), r1Recording);
        await isRecording(true);
      },
    },
    {
      event: e.bobRemoved,
      present: 2,
      check: async () =>
        assert.deepEqual(await participantRow(meetingId, bob), {
          ...joined(e.bobJoins, 'participant', false, true),
          leave_time: at(e.bobRemoved),
          leave_reason: 'removed',
          removed_by: host,
          remove_reason: 'disruptive',
          last_stream_version: version(e.bobRemoved),
        }),
    },
    {
      event: e.annLeaves,
      present: 1,
      check: async () =>
        assert.deepEqual(await participantRow(meetingId, ann), {
          ...joined(e.annWaits, 'host', false, true),
          leave_time: at(e.annLeaves),
          leave_reason: 'left',
          last_stream_version: version(e.annLeaves),
        }),
    },
    {
      event: e.bobRejoins,
      present: 2, // the same row, its removal forgotten
      check: async () =>
        assert.deepEqual(
          await participantRow(meetingId, bob),
          joined(e.bobRejoins, 'participant', true, false),
        ),
    },
    { event: e.catJoins, present: 3 },
    {
      event: e.r1Stopped,
      present: 3,
      check: async () => {
        assert.deepEqual(await recordingRow(r1), {
          ...r1Recording,
          status: 'processing',
          stopped_by: host,
          stopped_at: at(e.r1Stopped),
          last_stream_version: version(e.r1Stopped),
        });
        await isRecording(false);
      },
    },
    {
      event: e.r1Completed,
      present: 3,
      check: async () => {
        assert.deepEqual(await recordingRow(r1), {
          ...r1Recording,
          status: 'completed',
          stopped_by: host,
          stopped_at: at(e.r1Stopped),
          completed_at: at(e.r1Completed),
          file_path: `recordings/${r1}.webm`,
          file_size: '123456789',
          duration: 5,
          format: 'webm',
          last_stream_version: version(e.r1Completed),
        });
        await isRecording(false);
      },
    },
    {
      event: e.r2Started,
      present: 3,
      check: async () => {
        assert.deepEqual(await recordingRow(r2), r2Recording);
        await isRecording(true);
      },
    },
    {
      event: e.r2Failed,
      present: 3,
      check: async () => {
        // Failing the running recording ends it: no stop, and the meeting no longer records.
        assert.deepEqual(await recordingRow(r2), {
          ...r2Recording,
          status: 'failed',
          failure_reason: 'encoder crashed',
          last_stream_version: version(e.r2Failed),
        });
        await isRecording(false);
      },
    },
    {
      event: e.annRejoins,
      present: 4,
      check: async () =>
        assert.deepEqual(await participantRow(meetingId, ann), joined(e.annRejoins, 'host', false, true)),
    },
    { event: e.r3Started, present: 4, check: () => isRecording(true) },
    { event: e.hostEnds, present: 3 },
    { event: e.bobEnds, present: 2 },
    { event: e.catEnds, present: 1 },
    { event: e.annEnds, present: 0 },
    {
      event: e.r3Stopped,
      present: 0,
      check: async () => {
        assert.equal((await recordingRow(r3))?.status, 'processing');
        await isRecording(false);
      },
    },
    { event: e.ended, present: 0 },
  ];
  assert.equal(steps.length, life.events.length, 'every event is a step');

  for (const [i, step] of steps.entries()) {
    const label = `step ${i + 1} (${step.event.type})`;
    await apply([step.event]);
    const room = await roomRow(meetingId);
    assert.equal(room?.current_participants ?? null, step.present, label);
    // The stored count agrees with the one active_meetings_stats computes while the meeting runs.
    const meeting = await meetingRow(meetingId);
    if (meeting?.status === 'started') assert.equal(await presentInView(meetingId), step.present, label);
    await step.check?.();
  }

  assert.deepEqual(await meetingRow(meetingId), {
    ...startedMeeting,
    status: 'ended',
    actual_end_at: at(e.ended),
    last_stream_version: version(e.ended),
  });
  assert.deepEqual(await roomRow(meetingId), {
    room_id: meetingId,
    sfu_node_id: 'sfu-b',
    status: 'closed',
    current_participants: 0,
    opened_at: at(e.started),
    closed_at: at(e.ended),
    last_stream_version: version(e.ended),
    created_at: at(e.started),
  });
  const endedBy = (event: DecodedEvent) => ({
    leave_time: at(event),
    leave_reason: 'meeting_ended',
    last_stream_version: version(event),
  });
  assert.deepEqual(await participantRow(meetingId, host), {
    ...joined(e.hostJoins, 'host', false, true),
    ...endedBy(e.hostEnds),
  });
  assert.deepEqual(await participantRow(meetingId, ann), {
    ...joined(e.annRejoins, 'host', false, true),
    ...endedBy(e.annEnds),
  });
  assert.deepEqual(await participantRow(meetingId, bob), {
    ...joined(e.bobRejoins, 'participant', true, false),
    ...endedBy(e.bobEnds),
  });
  assert.deepEqual(await participantRow(meetingId, cat), {
    ...joined(e.catJoins, 'participant', true, true),
    ...endedBy(e.catEnds),
  });
  const { rows: counts } = await database.pool.query(
    `SELECT (SELECT count(*)::int FROM meeting_participants WHERE meeting_id = $1) AS participants,
       (SELECT count(*)::int FROM meeting_recordings WHERE meeting_id = $1) AS recordings`,
    [meetingId],
  );
  assert.deepEqual(counts, [{ participants: 4, recordings: 3 }], 'one row per user, one per recording');
  assert.deepEqual(await recordingRow(r3), {
    ...r3Recording,
    status: 'processing',
    stopped_by: host,
    stopped_at: at(e.r3Stopped),
    last_stream_version: version(e.r3Stopped),
  });
});

test('a cancelled meeting: its waiting participants leave, it keeps the reason and never had a room', async () => {
  const m = meetingStream(new EventFactory());
  const [host, guest] = [randomUUID(), randomUUID()];
  const scheduled = m.event('MeetingScheduled', {
    hostId: host,
    title: 'Cancelled',
    description: null,
    scheduledStartAt: '2026-03-03T10:00:00.000Z',
    scheduledEndAt: null,
    maxParticipants: 3,
    settings: { muteOnJoin: true, allowChat: false, access: 'open', lobby: false },
    passcodeVersion: null,
  });
  const joined = m.event('ParticipantJoined', {
    userId: guest,
    role: 'participant',
    isMuted: true,
    isVideoOn: true,
  });
  const left = m.event('ParticipantLeft', { userId: guest, reason: 'meeting_ended' });
  const cancelled = m.event('MeetingCancelled', { cancelledBy: host, reason: 'host is ill' });
  await apply([scheduled, joined, left, cancelled]);

  assert.deepEqual(await meetingRow(m.meetingId), {
    creator_id: host,
    title: 'Cancelled',
    description: null,
    status: 'cancelled',
    start_time: new Date('2026-03-03T10:00:00.000Z'),
    end_time: null,
    actual_start_at: null,
    actual_end_at: null,
    max_participants: 3,
    is_recording: false,
    settings: { muteOnJoin: true, allowChat: false, access: 'open', lobby: false },
    cancel_reason: 'host is ill',
    deleted_at: null,
    last_stream_version: '4',
    created_at: scheduled.occurredAt,
  });
  assert.deepEqual(await participantRow(m.meetingId, guest), {
    role: 'participant',
    join_time: joined.occurredAt,
    leave_time: left.occurredAt,
    leave_reason: 'meeting_ended',
    removed_by: null,
    remove_reason: null,
    is_muted: true,
    is_video_on: true,
    last_stream_version: '3',
  });
  assert.equal(await roomRow(m.meetingId), undefined);
});

test('a stopped recording that fails while the next one runs leaves the meeting recording', async () => {
  const m = meetingStream(new EventFactory());
  const [host, first, second] = [randomUUID(), randomUUID(), randomUUID()];
  await apply([
    m.event('MeetingScheduled', {
      hostId: host,
      title: 'Recorded',
      description: null,
      scheduledStartAt: '2026-03-03T10:00:00.000Z',
      scheduledEndAt: null,
      maxParticipants: 3,
      settings: { muteOnJoin: false, allowChat: true, access: 'open', lobby: false },
      passcodeVersion: null,
    }),
    m.event('MeetingStarted', { startedBy: host }),
    m.event('RecordingStarted', { recordingId: first, startedBy: host }),
    m.event('RecordingStopped', { recordingId: first, stoppedBy: host }),
    m.event('RecordingStarted', { recordingId: second, startedBy: host }),
    m.event('RecordingFailed', { recordingId: first, reason: 'upload failed' }),
  ]);
  assert.equal((await meetingRow(m.meetingId))?.is_recording, true);
  assert.equal((await recordingRow(first))?.status, 'failed');
  assert.equal((await recordingRow(second))?.status, 'recording');
});

test('an ended meeting does not record, even in a history that ended without stopping', async () => {
  // Older histories could end with a recording running; finalizing another one later must not
  // bring the flag back.
  const m = meetingStream(new EventFactory());
  const [host, first, second] = [randomUUID(), randomUUID(), randomUUID()];
  await apply([
    m.event('MeetingScheduled', {
      hostId: host,
      title: 'Legacy',
      description: null,
      scheduledStartAt: '2026-03-03T10:00:00.000Z',
      scheduledEndAt: null,
      maxParticipants: 3,
      settings: { muteOnJoin: false, allowChat: true, access: 'open', lobby: false },
      passcodeVersion: null,
    }),
    m.event('MeetingStarted', { startedBy: host }),
    m.event('RecordingStarted', { recordingId: first, startedBy: host }),
    m.event('RecordingStopped', { recordingId: first, stoppedBy: host }),
    m.event('RecordingStarted', { recordingId: second, startedBy: host }),
    m.event('MeetingEnded', { endedBy: host }),
    m.event('RecordingFailed', { recordingId: first, reason: 'upload failed' }),
  ]);
  const meeting = await meetingRow(m.meetingId);
  assert.deepEqual(
    [meeting?.status, meeting?.is_recording, meeting?.last_stream_version],
    ['ended', false, '7'],
  );
});

test('applying the batch again, or any prefix of it, leaves every row identical', async () => {
  const { events } = meetingLife(new EventFactory());
  await apply(events);
  const once = await snapshotTables(database.pool, TABLES);
  assert.ok(once.meeting_participants!.length >= 4);

  await apply(events);
  assert.deepEqual(await snapshotTables(database.pool, TABLES), once, 'the whole batch again');
  for (let end = 1; end <= events.length; end++) {
    await apply(events.slice(0, end));
    assert.deepEqual(await snapshotTables(database.pool, TABLES), once, `the first ${end} events again`);
  }
  for (const [i, event] of events.entries()) {
    await apply([event]);
    assert.deepEqual(
      await snapshotTables(database.pool, TABLES),
      once,
      `event ${i + 1} (${event.type}) alone again`,
    );
  }
});

test('overlapping redeliveries end in the rows a single pass gives', async () => {
  const { meetingId, events } = meetingLife(new EventFactory());
  // Each table's rows of this meeting; updated_at is the projection's clock, participant ids a sequence.
  const rowsOf = async () => {
    const select = async (sql: string) => (await database.pool.query(sql, [meetingId])).rows;
    return {
      meetings: await select(`SELECT to_jsonb(t) - 'updated_at' AS r FROM meetings t WHERE id = $1`),
      participants: await select(`SELECT to_jsonb(t) - 'updated_at' - 'id' AS r FROM meeting_participants t
        WHERE meeting_id = $1 ORDER BY user_id`),
      rooms: await select(
        `SELECT to_jsonb(t) - 'updated_at' AS r FROM meeting_rooms t WHERE meeting_id = $1`,
      ),
      recordings: await select(`SELECT to_jsonb(t) - 'updated_at' AS r FROM meeting_recordings t
        WHERE meeting_id = $1 ORDER BY id`),
    };
  };

  // Batches of ten, each repeating the five events before it: [0,5), [0,10), [5,15), ...
  for (let end = 5; end < events.length + 5; end += 5) await apply(events.slice(Math.max(0, end - 10), end));
  const redelivered = await rowsOf();
  assert.equal(redelivered.participants.length, 4);

  for (const table of TABLES.slice(1))
    await database.pool.query(`DELETE FROM ${table} WHERE meeting_id = $1`, [meetingId]);
  await database.pool.query('DELETE FROM meetings WHERE id = $1', [meetingId]);
  await apply(events);
  assert.deepEqual(await rowsOf(), redelivered);
});

/** Each row of the meeting's tables, as the overlapping-redelivery test compares them. */
async function meetingRows(meetingId: string) {
  const select = async (sql: string) => (await database.pool.query(sql, [meetingId])).rows;
  return {
    meetings: await select(`SELECT to_jsonb(t) - 'updated_at' AS r FROM meetings t WHERE id = $1`),
    participants: await select(`SELECT to_jsonb(t) - 'updated_at' - 'id' AS r FROM meeting_participants t
      WHERE meeting_id = $1 ORDER BY user_id`),
    rooms: await select(`SELECT to_jsonb(t) - 'updated_at' AS r FROM meeting_rooms t WHERE meeting_id = $1`),
    recordings: await select(`SELECT to_jsonb(t) - 'updated_at' AS r FROM meeting_recordings t
      WHERE meeting_id = $1 ORDER BY id`),
  };
}

async function forget(meetingId: string) {
  for (const table of TABLES.slice(1))
    await database.pool.query(`DELETE FROM ${table} WHERE meeting_id = $1`, [meetingId]);
  await database.pool.query('DELETE FROM meetings WHERE id = $1', [meetingId]);
}

/** A running meeting whose second half changes the same rows many times over. */
function busyMeeting(f: EventFactory) {
  const m = meetingStream(f);
  const [host, ann, bob, cat] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  const [r1, r2, r3] = [randomUUID(), randomUUID(), randomUUID()];
  const joins = (userId: string, role: 'host' | 'participant', isMuted = false, isVideoOn = true) =>
    m.event('ParticipantJoined', { userId, role, isMuted, isVideoOn });
  const before = [
    m.event('MeetingScheduled', {
      hostId: host,
      title: 'Busy',
      description: null,
      scheduledStartAt: '2026-03-04T10:00:00.000Z',
      scheduledEndAt: null,
      maxParticipants: 10,
      settings: { muteOnJoin: false, allowChat: true, access: 'open', lobby: false },
      passcodeVersion: null,
    }),
    joins(host, 'host'),
    m.event('MeetingStarted', { startedBy: host }),
    joins(bob, 'participant'),
  ];
  const e = {
    annJoins: joins(ann, 'participant'),
    annMuted: m.event('ParticipantMuted', { userId: ann, mutedBy: host }),
    annLeaves: m.event('ParticipantLeft', { userId: ann, reason: 'left' }),
    annRejoins: joins(ann, 'host', false, false),
    bobRemoved: m.event('ParticipantRemoved', {
      userId: bob,
      removedBy: host,
      reason: 'spam',
      banned: false,
    }),
    bobRejoins: joins(bob, 'participant', true, true),
    catJoins: joins(cat, 'participant'),
    catLeaves: m.event('ParticipantLeft', { userId: cat, reason: 'left' }),
    r1Started: m.event('RecordingStarted', { recordingId: r1, startedBy: host }),
    r1Failed: m.event('RecordingFailed', { recordingId: r1, reason: 'disk full' }),
    r2Started: m.event('RecordingStarted', { recordingId: r2, startedBy: host }),
    r2Stopped: m.event('RecordingStopped', { recordingId: r2, stoppedBy: host }),
    r3Started: m.event('RecordingStarted', { recordingId: r3, startedBy: ann }),
  };
  return { meetingId: m.meetingId, host, ann, bob, cat, before, e, batch: Object.values(e) };
}

test('one batch with a join, leave and rejoin of the same user gives the rows of one event at a time', async () => {
  const { meetingId, ann, bob, cat, before, e, batch } = busyMeeting(new EventFactory());
  await apply(before);
  await apply(batch);
  const batched = await meetingRows(meetingId);

  // The room counts host and bob, who are only in the database, and ann; cat came and went.
  const room = await roomRow(meetingId);
  assert.deepEqual(
    [room?.current_participants, room?.last_stream_version],
    [3, String(e.catLeaves.streamVersion)],
  );
  assert.equal(await presentInView(meetingId), 3);
  assert.deepEqual(await participantRow(meetingId, ann), {
    role: 'host',
    join_time: e.annRejoins.occurredAt,
    leave_time: null,
    leave_reason: null,
    removed_by: null,
    remove_reason: null,
    is_muted: false,
    is_video_on: false,
    last_stream_version: String(e.annRejoins.streamVersion),
  });
  const created = await one(
    'SELECT created_at FROM meeting_participants WHERE meeting_id = $1 AND user_id = $2',
    meetingId,
    ann,
  );
  assert.deepEqual(
    created,
    { created_at: e.annJoins.occurredAt },
    'a rejoin keeps the row of the first join',
  );
  assert.deepEqual(
    [(await participantRow(meetingId, bob))?.removed_by, (await participantRow(meetingId, bob))?.is_muted],
    [null, true],
  );
  assert.equal((await participantRow(meetingId, cat))?.leave_reason, 'left');
  const meeting = await meetingRow(meetingId);
  assert.deepEqual(
    [meeting?.is_recording, meeting?.last_stream_version],
    [true, String(e.r3Started.streamVersion)],
  );

  await forget(meetingId);
  for (const event of [...before, ...batch]) await apply([event]);
  assert.deepEqual(await meetingRows(meetingId), batched);
});

test('a batch that starts with events older than the rows skips those, row by row', async () => {
  const { meetingId, before, batch } = busyMeeting(new EventFactory());
  const events = [...before, ...batch];
  await apply(events);
  const single = await meetingRows(meetingId);
  // Crashed after the first `k` events: the batch is redelivered from up to six events earlier.
  for (let k = 1; k < events.length; k++) {
    await forget(meetingId);
    for (const event of events.slice(0, k)) await apply([event]);
    await apply(events.slice(Math.max(0, k - 6)));
    assert.deepEqual(await meetingRows(meetingId), single, `redelivered after ${k} events`);
  }
});

test('a batch is applied with a constant number of statements', async () => {
  const lives = [meetingLife(new EventFactory()), meetingLife(new EventFactory())];
  const client = await database.pool.connect();
  const statements: string[] = [];
  const counting = Object.create(client) as pg.PoolClient;
  counting.query = ((...args: Parameters<pg.PoolClient['query']>) => {
    statements.push(String(args[0]));
    return (client.query as (...a: unknown[]) => unknown)(...args);
  }) as pg.PoolClient['query'];
  try {
    await client.query('BEGIN');
    await meetingsProjector.apply(counting, [...lives[0]!.events, ...lives[1]!.events]);
    await client.query('COMMIT');
  } finally {
    client.release();
  }
  // Five loads (meetings, rooms, participants, recordings, counts) and one upsert per table.
  assert.ok(statements.length <= 9, `${statements.length} statements`);
  assert.equal((await meetingRow(lives[1]!.meetingId))?.status, 'ended');
});
