import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { PostgresEventStore } from '@meetings/db';
import { useTestDatabase } from '@meetings/db/testing';
import { createUpcasterRegistry, currentSchemaVersion, parseEvent, streams } from '@meetings/events';
import type { EventType } from '@meetings/events';
import { pino } from 'pino';
import { heldByLostNode } from '../domain/recording.js';
import type { NodeRegistry } from '../ports/node-registry.js';
import { Placer } from './placer.js';
import { RecordingCommands } from './recording-commands.js';

/*
 * A lost node's recording, on a real PostgreSQL event store: when the placer moves the meeting
 * away from a node that is gone (node_lost), the recording that node held fails (`recorder-lost`),
 * as the placer's node; a second writer of the same outcome (the new node's recorder, racing) is
 * refused as already finalized. The registry and the read model of open rooms are the ports,
 * given by hand (etcd and the projection are exercised in placement.e2e.test.ts).
 */

const hooks = useTestDatabase(2);
const HOST = randomUUID();
const log = pino({ level: 'silent' });

async function append(meetingId: string, type: EventType, data: Record<string, unknown>, version: number) {
  const valid = parseEvent(type, { meetingId, ...data });
  const store = new PostgresEventStore(hooks.pool);
  await store.appendToStream(
    streams.meeting(meetingId),
    [
      {
        eventId: randomUUID(),
        type: valid.type,
        schemaVersion: currentSchemaVersion(valid.type),
        data: valid.data,
        metadata: { correlationId: 'test', causationId: null, actorUserId: HOST, idempotencyKey: null },
        occurredAt: new Date(),
      },
    ],
    version === 0 ? 'no_stream' : version,
  );
}

/** A running meeting placed on sfu-a, recording `recordingId`. */
async function recordingOnA(meetingId: string, recordingId: string) {
  await append(
    meetingId,
    'MeetingScheduled',
    {
      hostId: HOST,
      title: 'Lost',
      description: null,
      scheduledStartAt: '2030-01-01T09:00:00.000Z',
      scheduledEndAt: null,
      maxParticipants: 10,
      settings: { muteOnJoin: false, allowChat: true, access: 'open', lobby: false },
      passcodeVersion: null,
    },
    0,
  );
  await append(meetingId, 'MeetingStarted', { startedBy: HOST }, 1);
  await append(
    meetingId,
    'MeetingPlacedOnSfuNode',
    { sfuNodeId: 'sfu-a', previousSfuNodeId: null, reason: 'meeting_started' },
    2,
  );
  await append(meetingId, 'RecordingStarted', { recordingId, startedBy: HOST }, 3);
}

test('the placer fails the recording of the node it moves a meeting away from', async () => {
  const meetingId = randomUUID();
  const recordingId = randomUUID();
  await recordingOnA(meetingId, recordingId);
  const store = new PostgresEventStore(hooks.pool);
  const upcasters = createUpcasterRegistry();
  const registry: NodeRegistry = {
    live: () => Promise.resolve([{ nodeId: 'sfu-b', peers: 0, url: 'ws://127.0.0.1:1/ws' }]),
    watch: () => Promise.resolve(() => Promise.resolve()),
    report: () => Promise.resolve(),
    leave: () => Promise.resolve(),
  };
  const rooms = {
    unplaced: () => Promise.resolve([{ meetingId, sfuNodeId: 'sfu-a' }]),
    countsByNode: () => Promise.resolve(new Map<string, number>()),
  };
  const placer = new Placer(store, upcasters, registry, rooms, { nodeId: 'sfu-b', intervalMs: 60_000 }, log);
  assert.equal(await placer.pass(), 1);

  const recorded = await store.readStream(streams.meeting(meetingId));
  const tail = recorded.slice(4).map((r) => ({ type: r.type, data: r.data, by: r.metadata.correlationId }));
  assert.deepEqual(tail, [
    {
      type: 'MeetingPlacedOnSfuNode',
      data: { meetingId, sfuNodeId: 'sfu-b', previousSfuNodeId: 'sfu-a', reason: 'node_lost' },
      by: 'sfu:sfu-b',
    },
    { type: 'RecordingFailed', data: { meetingId, recordingId, reason: 'recorder-lost' }, by: 'sfu:sfu-b' },
  ]);

  // The new node's recorder reads the same history and would fail it too: refused, not doubled.
  const commands = new RecordingCommands(store, upcasters, 'sfu-b');
  assert.equal(heldByLostNode(await commands.facts(meetingId), recordingId), true);
  assert.equal(await commands.fail(meetingId, recordingId, 'recorder-lost'), false);
  assert.equal((await store.readStream(streams.meeting(meetingId))).length, 6);
});

test('a recording completes once: a failure racing the completion is refused', async () => {
  const meetingId = randomUUID();
  const recordingId = randomUUID();
  await recordingOnA(meetingId, recordingId);
  await append(meetingId, 'RecordingStopped', { recordingId, stoppedBy: HOST }, 4);
  const store = new PostgresEventStore(hooks.pool);
  const a = new RecordingCommands(store, createUpcasterRegistry(), 'sfu-a');
  const b = new RecordingCommands(store, createUpcasterRegistry(), 'sfu-b');
  const file = { storageKey: 'recordings/x.webm', sizeBytes: 10, durationSeconds: 1.5, format: 'webm' };
  const outcomes = await Promise.all([
    a.complete(meetingId, recordingId, file),
    b.fail(meetingId, recordingId, 'x'),
  ]);
  assert.deepEqual(outcomes.filter(Boolean), [true], 'exactly one of them is appended');
  const finals = (await store.readStream(streams.meeting(meetingId))).filter((r) =>
    ['RecordingCompleted', 'RecordingFailed'].includes(r.type),
  );
  assert.equal(finals.length, 1);
  // Out of bounds for every read model: refused before anything is appended.
  await assert.rejects(
    a.complete(meetingId, randomUUID(), { ...file, durationSeconds: 1e308 }),
    /durationSeconds/,
  );
});
