import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { apiClient, assertProblem } from '../testing/http.js';
import type { Get } from '../testing/http.js';
import { startQueryApi } from '../testing/query-process.js';
import type { QueryApiUnderTest } from '../testing/query-process.js';
import { ReadModelFixture } from '../testing/read-model-fixture.js';
import type { TestViewer } from '../testing/read-model-fixture.js';

let api: QueryApiUnderTest;
let fx: ReadModelFixture;
let get: Get;
let host: TestViewer, guest: TestViewer, other: TestViewer, outsider: TestViewer, admin: TestViewer;
let live: string, hidden: string;

before(async () => {
  api = await startQueryApi();
  fx = new ReadModelFixture(api.db.url, api.redisUrl, api.redisPrefix);
  get = apiClient(api.baseUrl);
  [host, guest, other, outsider, admin] = await Promise.all([
    fx.user(),
    fx.user(),
    fx.user(),
    fx.user(),
    fx.user('admin'),
  ]);
  live = await fx.meeting(host.userId, {
    status: 'started',
    actual_start_at: new Date(Date.now() - 90_000).toISOString(),
    is_recording: true,
  });
  hidden = await fx.meeting(outsider.userId, {
    status: 'started',
    actual_start_at: new Date().toISOString(),
  });
  await fx.participant(live, host.userId, { role: 'host', is_video_on: true });
  await fx.participant(live, guest.userId, { is_muted: true });
  await fx.participant(live, other.userId);
  await fx.participant(hidden, outsider.userId, { role: 'host' });
});

after(async () => {
  await fx?.close();
  await api?.stop();
});

/** Each of these is 404 for a caller who may not see the meeting, and for a meeting that does not exist. */
const perMeeting = (id: string) => [
  `/meetings/${id}/recordings`,
  `/meetings/${id}/media-streams`,
  `/meetings/${id}/chat-messages`,
  `/rooms/${id}`,
];

describe('visibility of a meeting’s activity', () => {
  test('a caller who may not see the meeting gets 404, as for a missing one', async () => {
    for (const path of [...perMeeting(hidden), ...perMeeting(randomUUID())]) {
      assertProblem(await get(path, host.token), 404, 'not-found', 'meeting-not-found');
    }
  });
});

describe('GET /meetings/:meetingId/recordings', () => {
  test('recordings in order of starting, with what completion recorded', async () => {
    const done = await fx.recording(live, {
      status: 'completed',
      started_by: host.userId,
      stopped_by: host.userId,
      started_at: '2030-01-07T09:05:00Z',
      stopped_at: '2030-01-07T09:15:00Z',
      completed_at: '2030-01-07T09:16:00Z',
      file_path: 'recordings/r1.mp4',
      file_size: 123456789012,
      duration: 600,
      format: 'mp4',
    });
    const running = await fx.recording(live, { started_by: host.userId, started_at: '2030-01-07T09:20:00Z' });
    await fx.recording(live, { started_at: '2030-01-07T09:25:00Z', deleted_at: '2030-01-08T00:00:00Z' });
    const res = await get(`/meetings/${live}/recordings`, guest.token);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(
      res.body.items.map((r: any) => r.id),
      [done, running],
      'deleted recordings are not listed',
    );
    assert.deepEqual(res.body.items[0], {
      id: done,
      meetingId: live,
      status: 'completed',
      startedBy: host.userId,
      stoppedBy: host.userId,
      startedAt: '2030-01-07T09:05:00.000Z',
      stoppedAt: '2030-01-07T09:15:00.000Z',
      completedAt: '2030-01-07T09:16:00.000Z',
      storageKey: 'recordings/r1.mp4',
      sizeBytes: 123456789012,
      durationSeconds: 600,
      format: 'mp4',
      failureReason: null,
    });
  });

  test('a stopped recording whose file is not stored yet is `processing`, the seed’s value', async () => {
    const id = await fx.recording(live, {
      status: 'processing',
      started_by: host.userId,
      stopped_by: host.userId,
      started_at: '2030-01-07T10:05:00Z',
      stopped_at: '2030-01-07T10:15:00Z',
    });
    const res = await get(`/meetings/${live}/recordings`, guest.token);
    const item = res.body.items.find((r: { id: string }) => r.id === id);
    assert.equal(item?.status, 'processing');
  });
});

describe('GET /meetings/:meetingId/media-streams', () => {
  test('streams with their last quality sample, filterable by status', async () => {
    const audio = await fx.mediaStream(live, host.userId, {
      bitrate: 48.5,
      packet_loss_percent: 0.5,
      jitter_ms: 3,
      rtt_ms: 20,
      last_sampled_at: '2030-01-07T09:03:00Z',
    });
    const video = await fx.mediaStream(live, guest.userId, {
      stream_type: 'video',
      codec: 'VP8',
      published_at: '2030-01-07T09:02:00Z',
      status: 'closed',
      close_reason: 'unpublished',
      closed_at: '2030-01-07T09:04:00Z',
    });
    const all = await get(`/meetings/${live}/media-streams`, other.token);
    assert.equal(all.status, 200, JSON.stringify(all.body));
    assert.deepEqual(
      all.body.items.map((s: any) => [s.id, s.kind, s.status]),
      [
        [audio, 'audio', 'active'],
        [video, 'video', 'closed'],
      ],
    );
    assert.equal(all.body.items[0].bitrateKbps, 48.5);
    assert.equal(all.body.items[0].lastSampledAt, '2030-01-07T09:03:00.000Z');
    assert.equal(all.body.items[1].closeReason, 'unpublished');
    const active = await get(`/meetings/${live}/media-streams?status=active`, admin.token);
    assert.deepEqual(
      active.body.items.map((s: any) => s.id),
      [audio],
    );
  });
});

describe('GET /meetings/:meetingId/chat-messages', () => {
  test('public messages for all, private ones only for sender, recipient and admins; paged', async () => {
    const t = (s: number) => new Date(Date.parse('2030-01-07T09:10:00Z') + s * 1000).toISOString();
    const hello = await fx.chat(live, host.userId, 'hello all', { sent_at: t(1) });
    const secret = await fx.chat(live, guest.userId, 'psst host', {
      sent_at: t(2),
      recipient_id: host.userId,
    });
    const reply = await fx.chat(live, host.userId, 'psst guest', {
      sent_at: t(3),
      recipient_id: guest.userId,
    });
    const bye = await fx.chat(live, other.userId, 'bye', { sent_at: t(4) });
    const ids = async (viewer: TestViewer) => {
      const res = await get(`/meetings/${live}/chat-messages`, viewer.token);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.items.map((m: any) => m.id);
    };
    assert.deepEqual(await ids(host), [hello, secret, reply, bye]);
    assert.deepEqual(await ids(guest), [hello, secret, reply, bye]);
    assert.deepEqual(await ids(other), [hello, bye], 'a third participant sees no private message');
    assert.deepEqual(await ids(admin), [hello, secret, reply, bye]);

    const first = await get(`/meetings/${live}/chat-messages?limit=1`, other.token);
    assert.deepEqual(first.body.items[0], {
      id: hello,
      meetingId: live,
      senderId: host.userId,
      recipientId: null,
      isPrivate: false,
      text: 'hello all',
      sentAt: t(1),
    });
    const second = await get(
      `/meetings/${live}/chat-messages?limit=1&cursor=${first.body.nextCursor}`,
      other.token,
    );
    assert.deepEqual(
      second.body.items.map((m: any) => m.id),
      [bye],
      'private messages skipped across pages',
    );
    assert.equal(second.body.nextCursor, null);
    const priv = await get(
      `/meetings/${live}/chat-messages?limit=2&cursor=${first.body.nextCursor}`,
      host.token,
    );
    assert.equal(priv.body.items[0].isPrivate, true);
  });
});

describe('GET /stats/active-meetings', () => {
  test('live counts; an admin sees every running meeting, a user those they may see', async () => {
    const asAdmin = await get('/stats/active-meetings', admin.token);
    assert.equal(asAdmin.status, 200, JSON.stringify(asAdmin.body));
    assert.deepEqual(asAdmin.body.items.map((s: any) => s.meetingId).sort(), [live, hidden].sort());
    const mine = await get('/stats/active-meetings', guest.token);
    assert.deepEqual(
      mine.body.items.map((s: any) => s.meetingId),
      [live],
    );
    const stats = mine.body.items[0];
    assert.equal(stats.hostId, host.userId);
    assert.equal(stats.currentParticipants, 3);
    assert.equal(stats.mutedParticipants, 1);
    assert.equal(stats.videoOnParticipants, 1);
    assert.equal(stats.isRecording, true);
    assert.ok(stats.durationSeconds >= 89, JSON.stringify(stats));
  });
});

describe('GET /operation-logs', () => {
  test('admins only: others get 403', async () => {
    assertProblem(await get('/operation-logs', host.token), 403, 'forbidden', 'admin-only');
  });

  test('filters by resource and actor, pages in order of occurrence', async () => {
    const resourceId = randomUUID();
    for (let i = 0; i < 5; i++) {
      await fx.operationLog({
        resource_id: resourceId,
        user_id: i % 2 ? guest.userId : host.userId,
        action: `Action${i}`,
        details: JSON.stringify({ n: i }),
        created_at: `2030-02-01T00:00:0${i}Z`,
      });
    }
    await fx.operationLog({ resource_type: 'user', resource_id: host.userId, user_id: host.userId });
    const byResource = await get(
      `/operation-logs?resourceType=meeting&resourceId=${resourceId}`,
      admin.token,
    );
    assert.equal(byResource.status, 200, JSON.stringify(byResource.body));
    assert.deepEqual(
      byResource.body.items.map((o: any) => o.action),
      ['Action0', 'Action1', 'Action2', 'Action3', 'Action4'],
    );
    assert.deepEqual(byResource.body.items[2].details, { n: 2 });
    assert.equal(typeof byResource.body.items[0].id, 'number');
    const byActor = await get(`/operation-logs?actorUserId=${guest.userId}`, admin.token);
    assert.deepEqual(
      byActor.body.items.map((o: any) => o.action),
      ['Action1', 'Action3'],
    );
    const seen: string[] = [];
    let cursor = '';
    for (let pages = 0; pages < 10; pages++) {
      const res = await get(`/operation-logs?resourceId=${resourceId}&limit=2${cursor}`, admin.token);
      seen.push(...res.body.items.map((o: any) => o.action));
      if (!res.body.nextCursor) break;
      cursor = `&cursor=${res.body.nextCursor}`;
    }
    assert.deepEqual(seen, ['Action0', 'Action1', 'Action2', 'Action3', 'Action4']);
  });
});

describe('GET /rooms/:meetingId', () => {
  test('the live room from Redis, participants parsed, in join order', async () => {
    await fx.room(live, {
      [guest.userId]: {
        role: 'participant',
        isMuted: true,
        isVideoOn: false,
        joinedAt: '2030-01-07T09:02:00.000Z',
      },
      [host.userId]: { role: 'host', isMuted: false, isVideoOn: true, joinedAt: '2030-01-07T09:01:00.000Z' },
    });
    const res = await get(`/rooms/${live}`, guest.token);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.meetingId, live);
    assert.equal(res.body.status, 'live');
    assert.equal(res.body.participantCount, 2);
    assert.equal(res.body.version, 5);
    assert.deepEqual(
      res.body.participants.map((p: any) => [p.userId, p.role, p.isMuted, p.isVideoOn]),
      [
        [host.userId, 'host', false, true],
        [guest.userId, 'participant', true, false],
      ],
    );
  });

  test('no live room is a 404 (for those who may see the meeting)', async () => {
    const quiet = await fx.meeting(host.userId);
    assertProblem(await get(`/rooms/${quiet}`, host.token), 404, 'not-found', 'room-not-found');
    assertProblem(await get(`/rooms/${quiet}`, outsider.token), 404, 'not-found', 'meeting-not-found');
  });
});
