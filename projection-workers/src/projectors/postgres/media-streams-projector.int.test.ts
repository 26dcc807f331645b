import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { useTestDatabase } from '@meetings/db/testing';
import { streams } from '@meetings/events';
import type { DecodedEvent, EventData } from '@meetings/events';
import type pg from 'pg';
import { EventFactory } from '../../testing/event-factory.js';
import { applyInTransaction, snapshotTables } from '../../testing/postgres-projection.js';
import { mediaStreamsProjector } from './media-streams-projector.js';

const database = useTestDatabase();

const apply = (events: readonly DecodedEvent[]) =>
  applyInTransaction(database.pool, mediaStreamsProjector, events);

const streamRow = async (id: string) =>
  (
    await database.pool.query(
      `SELECT meeting_id, user_id, stream_type, sfu_node_id, producer_id, codec, status, close_reason, published_at,
         closed_at, bitrate, packet_loss_percent, jitter_ms, rtt_ms, last_sampled_at, last_stream_version,
         created_at
       FROM media_streams WHERE id = $1`,
      [id],
    )
  ).rows[0] as Record<string, unknown> | undefined;

type MediaType = 'MediaStreamPublished' | 'MediaStreamClosed' | 'MediaStreamQualitySampled';

/** One meeting's media stream: a microphone sampled twice, then closed, and a camera sampled once. */
function mediaHistory(f: EventFactory) {
  const [meetingId, userId, audio, video] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  const event = <T extends MediaType>(type: T, data: Omit<EventData<T>, 'meetingId'>) =>
    f.event(streams.media(meetingId), type, { meetingId, ...data } as EventData<T>);
  const e = {
    audioPublished: event('MediaStreamPublished', {
      mediaStreamId: audio,
      userId,
      kind: 'audio',
      sfuNodeId: 'sfu-1',
      producerId: 'producer-a',
      codec: 'opus',
    }),
    videoPublished: event('MediaStreamPublished', {
      mediaStreamId: video,
      userId,
      kind: 'video',
      sfuNodeId: 'sfu-2',
      producerId: 'producer-v',
      codec: 'VP8',
    }),
    audioSample1: event('MediaStreamQualitySampled', {
      mediaStreamId: audio,
      sampledAt: '2026-03-02T09:00:30.000Z',
      bitrateKbps: 32,
      packetLossPercent: 0.5,
      jitterMs: 4,
      rttMs: 40,
    }),
    videoSample: event('MediaStreamQualitySampled', {
      mediaStreamId: video,
      sampledAt: '2026-03-02T09:00:31.000Z',
      bitrateKbps: 1500,
      packetLossPercent: 0,
      jitterMs: 9.5,
      rttMs: null,
    }),
    audioSample2: event('MediaStreamQualitySampled', {
      mediaStreamId: audio,
      sampledAt: '2026-03-02T09:00:40.000Z',
      bitrateKbps: 48.25,
      packetLossPercent: 2,
      jitterMs: 6,
      rttMs: 55,
    }),
    audioClosed: event('MediaStreamClosed', { mediaStreamId: audio, reason: 'participant_left' }),
  };
  return { meetingId, userId, audio, video, e, events: Object.values(e) };
}

test('reads the three media events', () => {
  assert.equal(mediaStreamsProjector.name, 'media-streams');
  assert.deepEqual(mediaStreamsProjector.eventTypes, [
    'MediaStreamPublished',
    'MediaStreamClosed',
    'MediaStreamQualitySampled',
  ]);
});

test('publishing, sampling and closing: the quality columns hold the latest sample', async () => {
  const { meetingId, userId, audio, video, e } = mediaHistory(new EventFactory());
  await apply([e.audioPublished, e.videoPublished]);
  const audioRow = {
    meeting_id: meetingId,
    user_id: userId,
    stream_type: 'audio',
    sfu_node_id: 'sfu-1',
    producer_id: 'producer-a',
    codec: 'opus',
    status: 'active',
    close_reason: null,
    published_at: e.audioPublished.occurredAt,
    closed_at: null,
    bitrate: null,
    packet_loss_percent: null,
    jitter_ms: null,
    rtt_ms: null,
    last_sampled_at: null,
    last_stream_version: '1',
    created_at: e.audioPublished.occurredAt,
  };
  assert.deepEqual(await streamRow(audio), audioRow);

  await apply([e.audioSample1, e.videoSample]);
  const sampled = {
    ...audioRow,
    bitrate: 32,
    packet_loss_percent: 0.5,
    jitter_ms: 4,
    rtt_ms: 40,
    last_sampled_at: new Date('2026-03-02T09:00:30.000Z'),
    last_stream_version: '3',
  };
  assert.deepEqual(await streamRow(audio), sampled);
  assert.deepEqual(await streamRow(video), {
    ...audioRow,
    stream_type: 'video',
    sfu_node_id: 'sfu-2',
    producer_id: 'producer-v',
    codec: 'VP8',
    published_at: e.videoPublished.occurredAt,
    bitrate: 1500,
    packet_loss_percent: 0,
    jitter_ms: 9.5,
    rtt_ms: null,
    last_sampled_at: new Date('2026-03-02T09:00:31.000Z'),
    last_stream_version: '4',
    created_at: e.videoPublished.occurredAt,
  });

  await apply([e.audioSample2]);
  const resampled = {
    ...sampled,
    bitrate: 48.25,
    packet_loss_percent: 2,
    jitter_ms: 6,
    rtt_ms: 55,
    last_sampled_at: new Date('2026-03-02T09:00:40.000Z'),
    last_stream_version: '5',
  };
  assert.deepEqual(await streamRow(audio), resampled);

  await apply([e.audioClosed]);
  assert.deepEqual(await streamRow(audio), {
    ...resampled,
    status: 'closed',
    close_reason: 'participant_left',
    closed_at: e.audioClosed.occurredAt,
    last_stream_version: '6',
  });
  // A redelivered older sample does not overwrite the newer one.
  await apply([e.audioSample1]);
  assert.equal((await streamRow(audio))?.bitrate, 48.25);
});

test('applying the batch again, or any prefix of it, leaves every row identical', async () => {
  const { events } = mediaHistory(new EventFactory());
  await apply(events);
  const once = await snapshotTables(database.pool, ['media_streams']);
  await apply(events);
  assert.deepEqual(await snapshotTables(database.pool, ['media_streams']), once);
  for (let end = 1; end <= events.length; end++) {
    await apply(events.slice(0, end));
    assert.deepEqual(
      await snapshotTables(database.pool, ['media_streams']),
      once,
      `the first ${end} events again`,
    );
  }
});

/** Applies a batch in one transaction and returns the statements the projector sent. */
async function applyCounted(events: readonly DecodedEvent[]): Promise<string[]> {
  const client = await database.pool.connect();
  const statements: string[] = [];
  const counting = Object.create(client) as pg.PoolClient;
  counting.query = ((...args: Parameters<pg.PoolClient['query']>) => {
    statements.push(String(args[0]));
    return (client.query as (...a: unknown[]) => unknown)(...args);
  }) as pg.PoolClient['query'];
  try {
    await client.query('BEGIN');
    await mediaStreamsProjector.apply(counting, events);
    await client.query('COMMIT');
  } finally {
    client.release();
  }
  return statements;
}

test('many samples of a stream in one batch: one load, one write, the latest sample wins', async () => {
  const f = new EventFactory();
  const { audio, video, e } = mediaHistory(f);
  const sample = (mediaStreamId: string, i: number) =>
    f.event(streams.media(e.audioPublished.data.meetingId), 'MediaStreamQualitySampled', {
      meetingId: e.audioPublished.data.meetingId,
      mediaStreamId,
      sampledAt: new Date(Date.UTC(2026, 2, 2, 10, 0, i)).toISOString(),
      bitrateKbps: 100 + i,
      packetLossPercent: i % 100,
      jitterMs: i / 4,
      rttMs: i % 10 === 7 ? null : i,
    });
  const samples = Array.from({ length: 120 }, (_, i) => sample(i % 3 === 0 ? video : audio, i));
  const [last, lastVideo] = [samples[119]!, samples[117]!]; // the last audio and video samples

  const statements = await applyCounted([e.audioPublished, e.videoPublished, ...samples]);
  assert.equal(statements.length, 2, 'one SELECT of the streams, one upsert of both rows');

  const audioRow = await streamRow(audio);
  assert.deepEqual(
    [audioRow?.bitrate, audioRow?.packet_loss_percent, audioRow?.jitter_ms, audioRow?.rtt_ms],
    [219, 19, 29.75, 119],
  );
  assert.deepEqual(audioRow?.last_sampled_at, new Date(last.data.sampledAt));
  assert.equal(audioRow?.last_stream_version, String(last.streamVersion));
  const videoRow = await streamRow(video);
  assert.deepEqual([videoRow?.bitrate, videoRow?.rtt_ms], [217, null]);
  assert.equal(videoRow?.last_stream_version, String(lastVideo.streamVersion));
});

test('events of a batch older than their rows are skipped, the newer ones applied', async () => {
  const { audio, video, e } = mediaHistory(new EventFactory());
  await apply([e.audioPublished, e.videoPublished, e.audioSample1, e.videoSample, e.audioSample2]);
  const before = await streamRow(video);

  // A redelivery from an earlier checkpoint: everything but the close is already applied.
  await apply([e.audioSample1, e.videoPublished, e.audioSample2, e.audioClosed, e.audioSample1]);
  assert.deepEqual(await streamRow(video), before);
  const audioRow = await streamRow(audio);
  assert.deepEqual(
    [audioRow?.status, audioRow?.bitrate, audioRow?.last_stream_version],
    ['closed', 48.25, String(e.audioClosed.streamVersion)],
  );

  // Events for a stream this database has never seen published change nothing (no row to update).
  const { audio: unseen, e: other } = mediaHistory(new EventFactory());
  await apply([other.audioSample1, other.audioClosed]);
  assert.equal(await streamRow(unseen), undefined);
});
