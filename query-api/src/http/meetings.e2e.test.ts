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
let alice: TestViewer, bob: TestViewer, carol: TestViewer, admin: TestViewer;
const m: Record<'a' | 'b' | 'c' | 'd', string> = { a: '', b: '', c: '', d: '' };

before(async () => {
  api = await startQueryApi();
  fx = new ReadModelFixture(api.db.url, api.redisUrl, api.redisPrefix);
  get = apiClient(api.baseUrl);
  [alice, bob, carol, admin] = await Promise.all([fx.user(), fx.user(), fx.user(), fx.user('admin')]);
  m.a = await fx.meeting(alice.userId, {
    title: 'A',
    status: 'started',
    start_time: '2030-01-07T09:00:00Z',
    actual_start_at: '2030-01-07T09:01:00Z',
  });
  m.b = await fx.meeting(carol.userId, { title: 'B', start_time: '2030-01-08T09:00:00Z' });
  m.c = await fx.meeting(alice.userId, {
    title: 'C',
    status: 'cancelled',
    cancel_reason: 'no agenda',
    start_time: '2030-01-09T09:00:00Z',
  });
  m.d = await fx.meeting(carol.userId, { title: 'D', start_time: '2030-01-10T09:00:00Z' });
  await fx.participant(m.a, alice.userId, { role: 'host', join_time: '2030-01-07T09:01:00Z' });
  await fx.participant(m.a, bob.userId, { join_time: '2030-01-07T09:02:00Z', is_muted: true });
  await fx.participant(m.d, bob.userId, {
    join_time: '2030-01-10T09:00:00Z',
    leave_time: '2030-01-10T09:30:00Z',
    leave_reason: 'left',
  });
});

after(async () => {
  await fx?.close();
  await api?.stop();
});

const titles = (body: { items: { title: string }[] }) => body.items.map((i) => i.title).join(',');

describe('GET /meetings', () => {
  test('each user sees the meetings they host or attend, an admin all, by scheduled start', async () => {
    const expected: [TestViewer, string][] = [
      [alice, 'A,C'],
      [bob, 'A,D'],
      [carol, 'B,D'],
      [admin, 'A,B,C,D'],
    ];
    for (const [viewer, list] of expected) {
      const res = await get('/meetings', viewer.token);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(titles(res.body), list);
      assert.equal(res.body.nextCursor, null);
    }
  });

  test('a meeting is answered in full', async () => {
    const res = await get('/meetings?status=started', alice.token);
    assert.deepEqual(res.body.items[0], {
      id: m.a,
      hostId: alice.userId,
      title: 'A',
      description: null,
      status: 'started',
      scheduledStartAt: '2030-01-07T09:00:00.000Z',
      scheduledEndAt: null,
      actualStartAt: '2030-01-07T09:01:00.000Z',
      actualEndAt: null,
      maxParticipants: 50,
      isRecording: false,
      settings: { muteOnJoin: false, allowChat: true, access: 'open', lobby: false },
      cancelReason: null,
      version: 1,
      createdAt: res.body.items[0].createdAt,
      updatedAt: res.body.items[0].updatedAt,
    });
  });

  test('filters: status, host, scheduled range, combined with visibility', async () => {
    assert.equal(titles((await get('/meetings?status=cancelled', alice.token)).body), 'C');
    assert.equal(titles((await get(`/meetings?hostId=${carol.userId}`, admin.token)).body), 'B,D');
    assert.equal(titles((await get(`/meetings?hostId=${carol.userId}`, bob.token)).body), 'D');
    const range = '/meetings?from=2030-01-08T09:00:00Z&to=2030-01-10T09:00:00Z';
    assert.equal(titles((await get(range, admin.token)).body), 'B,C', 'from inclusive, to exclusive');
    const offset = '/meetings?from=2030-01-08T10:00:00%2B01:00';
    assert.equal(titles((await get(offset, admin.token)).body), 'B,C,D', 'offsets are understood');
    assert.equal(titles((await get('/meetings?status=ended', admin.token)).body), '');
  });
});

describe('GET /meetings/:meetingId', () => {
  test('the meeting with its participants, in order of joining', async () => {
    const res = await get(`/meetings/${m.a}`, bob.token);
    assert.equal(res.status, 200);
    assert.equal(res.body.title, 'A');
    assert.deepEqual(
      res.body.participants.map((p: any) => [p.userId, p.role, p.isMuted, p.joinedAt]),
      [
        [alice.userId, 'host', false, '2030-01-07T09:01:00.000Z'],
        [bob.userId, 'participant', true, '2030-01-07T09:02:00.000Z'],
      ],
    );
    const left = await get(`/meetings/${m.d}`, bob.token);
    assert.equal(left.status, 200, 'a participant who left still sees the meeting');
    assert.equal(left.body.participants[0].leaveReason, 'left');
  });

  test('a meeting the caller may not see is a 404 exactly like a missing one', async () => {
    const hidden = await get(`/meetings/${m.b}`, alice.token);
    const missing = await get(`/meetings/${randomUUID()}`, alice.token);
    for (const res of [hidden, missing]) assertProblem(res, 404, 'not-found', 'meeting-not-found');
    assert.deepEqual(Object.keys(hidden.body).sort(), Object.keys(missing.body).sort());
    assert.equal((await get(`/meetings/${m.b}`, admin.token)).status, 200, 'an admin sees all');
  });
});

describe('GET /users/me/meetings', () => {
  test('the meetings the caller hosts or attended, whatever their role', async () => {
    assert.equal(titles((await get('/users/me/meetings', bob.token)).body), 'A,D');
    assert.equal(titles((await get('/users/me/meetings', carol.token)).body), 'B,D');
    assert.equal(titles((await get('/users/me/meetings', admin.token)).body), '', 'an admin attends nothing');
    assert.equal(titles((await get('/users/me/meetings?status=scheduled', carol.token)).body), 'B,D');
    assert.equal(titles((await get('/users/me/meetings?to=2030-01-09T00:00:00Z', alice.token)).body), 'A');
  });
});

describe('keyset pagination', () => {
  test('no row that existed at the first page is skipped or repeated while rows are inserted', async () => {
    const host = await fx.user();
    const base = Date.parse('2031-03-01T00:00:00Z');
    const at = (minutes: number, micros = 0) =>
      new Date(base + minutes * 60_000).toISOString().replace('Z', `${String(micros).padStart(3, '0')}Z`);
    const original: { id: string; time: string }[] = [];
    // Ties on the timestamp (ordered by id) and times a microsecond apart, which a JS Date cannot tell apart.
    for (let i = 0; i < 23; i++) {
      const time = i < 6 ? at(10) : i < 10 ? at(20, i) : at(30 + i);
      original.push({ id: await fx.meeting(host.userId, { start_time: time }), time });
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `/meetings?hostId=${host.userId}&limit=4${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await get(query, host.token);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.ok(res.body.items.length <= 4);
      seen.push(...res.body.items.map((i: { id: string }) => i.id));
      cursor = res.body.nextCursor;
      pages += 1;
      // Between pages: rows before the cursor, tied with it, and after it.
      await fx.meeting(host.userId, { start_time: at(0), title: 'early' });
      await fx.meeting(host.userId, { start_time: at(20, 5), title: 'tie' });
      await fx.meeting(host.userId, { start_time: at(500 + pages), title: 'late' });
    } while (cursor && pages < 50);
    assert.equal(new Set(seen).size, seen.length, 'no row repeated');
    const ids = new Set(original.map((o) => o.id));
    const expected = [...original]
      .sort((x, y) => x.time.localeCompare(y.time) || x.id.localeCompare(y.id))
      .map((o) => o.id);
    assert.deepEqual(
      seen.filter((id) => ids.has(id)),
      expected,
      'every original row once, in (scheduledStartAt, id) order',
    );
  });

  test('limit defaults to 20 and caps the page', async () => {
    const host = await fx.user();
    for (let i = 0; i < 22; i++) await fx.meeting(host.userId, { start_time: `2032-01-01T00:${10 + i}:00Z` });
    const first = await get('/users/me/meetings', host.token);
    assert.equal(first.body.items.length, 20);
    const second = await get(`/users/me/meetings?cursor=${first.body.nextCursor}`, host.token);
    assert.equal(second.body.items.length, 2);
    assert.equal(second.body.nextCursor, null);
    const exact = await get('/users/me/meetings?limit=22', host.token);
    assert.equal(exact.body.items.length, 22);
    assert.equal(exact.body.nextCursor, null, 'no empty last page');
  });
});
