import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { PostgresEventStore } from '@meetings/db';
import { createTestDatabase } from '@meetings/db/testing';
import type { TestDatabase } from '@meetings/db/testing';
import { WrongExpectedVersionError, createUpcasterRegistry, streams } from '@meetings/events';
import type { EventStore } from '@meetings/events';
import pg from 'pg';
import { meetingDecider } from '../domain/index.js';
import type { MeetingCommand } from '../domain/index.js';
import { CommandHandler } from './command-handler.js';
import type { RequestContext } from './request-context.js';

let db: TestDatabase;
let pool: pg.Pool;
let store: PostgresEventStore;

before(async () => {
  db = await createTestDatabase();
  pool = new pg.Pool({ connectionString: db.url, max: 10 });
  store = new PostgresEventStore(pool);
});
after(async () => {
  pool.on('error', () => undefined);
  await pool.end();
  await db.drop();
});

/** Counts the appends that lost a race for their expected version. */
function countingLostRaces(inner: EventStore) {
  const counted = { lost: 0 };
  const wrapped: EventStore = Object.create(inner) as EventStore;
  wrapped.appendToStream = async (...args) => {
    try {
      return await inner.appendToStream(...args);
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) counted.lost += 1;
      throw error;
    }
  };
  return { store: wrapped, counted };
}

const handler = (s: EventStore = store, cacheSize?: number) =>
  new CommandHandler(s, createUpcasterRegistry(), {
    maxAttempts: 20,
    ...(cacheSize === undefined ? {} : { cacheSize }),
  });

const ctx = (actorUserId: string, idempotencyKey: string | null = null): RequestContext => ({
  actorUserId,
  correlationId: randomUUID(),
  commandId: randomUUID(),
  idempotencyKey,
  now: new Date(),
});

function meeting(host = randomUUID()) {
  const meetingId = randomUUID();
  const streamId = streams.meeting(meetingId);
  const run = (h: CommandHandler, type: MeetingCommand['type'], actor: string, extra = {}, key?: string) =>
    h.handle(
      meetingDecider,
      streamId,
      { type, data: { meetingId, ...extra }, actorId: actor, now: new Date() } as MeetingCommand,
      ctx(actor, key ?? null),
    );
  const schedule = (h: CommandHandler) =>
    run(h, 'ScheduleMeeting', host, {
      title: 'Standup',
      scheduledStartAt: '2030-01-01T09:00:00Z',
      maxParticipants: 50,
      settings: { access: 'open' },
    });
  return { meetingId, streamId, host, run, schedule };
}

test('a cached stream is caught up on what another process appended before the next decision', async () => {
  // Two handlers stand for two command-service processes sharing one event store.
  const [a, b] = [handler(), handler()];
  const m = meeting();
  const guest = randomUUID();
  await m.schedule(a);
  await m.run(a, 'StartMeeting', m.host);
  await m.run(a, 'JoinMeeting', guest);
  await m.run(a, 'MuteParticipant', guest, { userId: guest });
  // Elsewhere, the guest unmutes: `a` still holds the muted state.
  await m.run(b, 'UnmuteParticipant', guest, { userId: guest });
  // Muting again must append: on `a`'s stale state it would be a no-op.
  const muted = await m.run(a, 'MuteParticipant', guest, { userId: guest });
  assert.equal(muted.version, 6);
  const types = (await store.readStream(m.streamId)).map((e) => e.type);
  assert.deepEqual(types.slice(-3), ['ParticipantMuted', 'ParticipantUnmuted', 'ParticipantMuted']);
});

test('commands on one stream queue in the process instead of racing for versions', async () => {
  const { store: counting, counted } = countingLostRaces(store);
  const h = handler(counting);
  const m = meeting();
  await m.schedule(h);
  await m.run(h, 'StartMeeting', m.host);
  const guests = Array.from({ length: 30 }, () => randomUUID());
  const outcomes = await Promise.all(guests.map((g) => m.run(h, 'JoinMeeting', g)));
  assert.deepEqual(
    outcomes.map((o) => o.version).sort((x, y) => x - y),
    Array.from({ length: 30 }, (_, i) => i + 3),
  );
  assert.equal(counted.lost, 0, 'no append lost a race');
});

test('an idempotent retry finds its first attempt although another process appended it', async () => {
  const [a, b] = [handler(), handler()];
  const m = meeting();
  const guest = randomUUID();
  await m.schedule(a);
  await m.run(a, 'StartMeeting', m.host);
  const first = await m.run(b, 'JoinMeeting', guest, {}, 'join-key');
  await m.run(b, 'MuteParticipant', m.host, { userId: guest });
  const retry = await m.run(a, 'JoinMeeting', guest, {}, 'join-key');
  assert.deepEqual(retry, { ...first, replayed: true });
  assert.equal((await store.readStream(m.streamId)).length, 4, 'nothing appended twice');
});

test('without a cache every command reads the whole stream, with the same outcomes', async () => {
  const [cached, uncached] = [handler(store), handler(store, 0)];
  const m = meeting();
  await m.schedule(uncached);
  await m.run(cached, 'StartMeeting', m.host);
  const guest = randomUUID();
  assert.equal((await m.run(uncached, 'JoinMeeting', guest)).version, 3);
  // Joining twice is refused by the rule, whichever handler saw the first join.
  await assert.rejects(m.run(cached, 'JoinMeeting', guest));
  await assert.rejects(m.run(uncached, 'JoinMeeting', guest));
});
