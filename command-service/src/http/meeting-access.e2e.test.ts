import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertProblem, assertValidation, EventLog, meetingBody, newUsers } from '../testing/e2e.js';
import type { TestUser } from '../testing/e2e.js';
import { apiClient } from '../testing/http-client.js';
import type { ApiClient, ApiResponse } from '../testing/http-client.js';
import { startServiceProcess } from '../testing/service-process.js';
import type { ServiceUnderTest } from '../testing/service-process.js';

/**
 * Who may enter a meeting: access modes, passcodes (hashed in their own stream), invitations, the
 * lobby and bans, end to end. Generic bad input (types, unknown and missing fields, 401, 404,
 * non-host 403) of these endpoints is covered for every route by bad-input.e2e.test.ts.
 */

const MAX_PASSCODE_FAILURES = 3;

let svc: ServiceUnderTest;
let api: ApiClient;
let log: EventLog;
let host: TestUser;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let dave: TestUser;

before(async () => {
  svc = await startServiceProcess({ LOGIN_MAX_FAILURES: String(MAX_PASSCODE_FAILURES) });
  api = apiClient(svc.baseUrl);
  log = new EventLog(svc.db.url);
  [host, alice, bob, carol, dave] = await newUsers(api, 'host', 'alice', 'bob', 'carol', 'dave');
});

after(async () => {
  await log?.close();
  await svc?.stop();
});

const as = (user: TestUser) => ({ token: user.token });
const post = (path: string, user: TestUser, body?: unknown) => api.post(path, body, as(user));
const put = (path: string, user: TestUser) => api.request('PUT', path, undefined, as(user));
const del = (path: string, user: TestUser) => api.request('DELETE', path, undefined, as(user));
const patch = (path: string, user: TestUser, body: unknown) => api.patch(path, body, as(user));

/** A meeting's stream, checked after each command: the types it appended, or that it appended none. */
class Meeting {
  seen = 0;
  constructor(readonly id: string) {}

  get base() {
    return `/meetings/${this.id}`;
  }

  static async schedule(settings?: Record<string, unknown>): Promise<Meeting> {
    const res = await post('/meetings', host, meetingBody({ settings }));
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const m = new Meeting(res.body.meetingId as string);
    m.seen = 1;
    return m;
  }

  async events() {
    return log.stream(`meeting-${this.id}`);
  }

  async appended(res: ApiResponse, types: string[]) {
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const fresh = (await this.events()).slice(this.seen);
    assert.deepEqual(
      fresh.map((e) => e.type),
      types,
    );
    assert.equal(res.body.version, this.seen + types.length);
    this.seen += types.length;
    return fresh;
  }

  async refused(res: ApiResponse, status: number, rule: string, type?: string) {
    const defaultType = { 403: 'forbidden', 409: 'business-rule-violated' }[status];
    assertProblem(res, status, type ?? defaultType, rule);
    assert.equal((await this.events()).length, this.seen, 'a refused command appended');
  }
}

const passcodeEvents = (m: Meeting) => log.stream(`passcode-${m.id}`);

describe('access modes', () => {
  test('a new meeting is for invitees only, without a lobby or a passcode', async () => {
    const m = await Meeting.schedule(undefined);
    const [scheduled] = await m.events();
    assert.deepEqual(scheduled!.data.settings, {
      muteOnJoin: false,
      allowChat: true,
      access: 'invited',
      lobby: false,
    });
    assert.equal(scheduled!.data.passcodeVersion, null);
    await m.refused(await post(`${m.base}/join`, alice), 403, 'not-invited');
    await m.appended(await post(`${m.base}/join`, host), ['ParticipantJoined']);
  });

  test('a host invites (idempotently), the invitee joins; others may not invite; revoking closes the door', async () => {
    const m = await Meeting.schedule({ access: 'invited' });
    const [invited] = await m.appended(await put(`${m.base}/invitations/${alice.userId}`, host), [
      'ParticipantInvited',
    ]);
    assert.deepEqual(invited!.data, { meetingId: m.id, userId: alice.userId, invitedBy: host.userId });
    await m.appended(await put(`${m.base}/invitations/${alice.userId}`, host), []);
    await m.appended(await post(`${m.base}/join`, alice), ['ParticipantJoined']);
    await m.refused(await put(`${m.base}/invitations/${bob.userId}`, alice), 403, 'host-only');
    await m.refused(await del(`${m.base}/invitations/${alice.userId}`, alice), 403, 'host-only');

    await m.appended(await put(`${m.base}/invitations/${bob.userId}`, host), ['ParticipantInvited']);
    await m.appended(await del(`${m.base}/invitations/${bob.userId}`, host), ['InvitationRevoked']);
    await m.appended(await del(`${m.base}/invitations/${bob.userId}`, host), []);
    await m.refused(await post(`${m.base}/join`, bob), 403, 'not-invited');
  });

  test('anonymous requests are 401 on every new endpoint', async () => {
    const m = await Meeting.schedule();
    for (const [method, path] of [
      ['PUT', `${m.base}/invitations/${alice.userId}`],
      ['DELETE', `${m.base}/invitations/${alice.userId}`],
      ['DELETE', `${m.base}/bans/${alice.userId}`],
      ['POST', `${m.base}/lobby/${alice.userId}/admit`],
      ['POST', `${m.base}/lobby/${alice.userId}/deny`],
      ['PATCH', `${m.base}/settings`],
    ] as const) {
      assertProblem(await api.request(method, path, method === 'PATCH' ? { lobby: true } : undefined), 401);
    }
  });
});

describe('passcodes', () => {
  test('a passcode meeting needs a passcode of 4 to 64 characters', async () => {
    const schedule = (settings: unknown) => post('/meetings', host, meetingBody({ settings }));
    assertValidation(await schedule({ access: 'passcode' }), 'body.settings.passcode');
    assertValidation(await schedule({ access: 'passcode', passcode: 'abc' }), 'body.settings.passcode');
    assertValidation(
      await schedule({ access: 'passcode', passcode: 'x'.repeat(65) }),
      'body.settings.passcode',
    );
    assertValidation(await schedule({ access: 'passcode', passcode: 1234 }), 'body.settings.passcode');
    assertValidation(
      await post(`/meetings/${host.userId}/join`, alice, { passcode: 'abc' }),
      'body.passcode',
    );
  });

  test('only an argon2 hash is stored, in its own stream; the meeting names its version', async () => {
    const m = await Meeting.schedule({ access: 'passcode', passcode: 'open sesame' });
    const [scheduled] = await m.events();
    assert.equal(scheduled!.data.passcodeVersion, 1);
    assert.doesNotMatch(JSON.stringify(scheduled), /open sesame|argon2/);
    const [stored] = await passcodeEvents(m);
    assert.equal(stored!.type, 'PasscodeSet');
    assert.match(stored!.data.passcodeHash, /^\$argon2id\$/);
    assert.doesNotMatch(JSON.stringify(stored), /open sesame/);
  });

  test('joining: none given, a wrong one, the right one; invitees and hosts need none', async () => {
    const m = await Meeting.schedule({ access: 'passcode', passcode: 'open sesame' });
    await m.refused(await post(`${m.base}/join`, alice), 403, 'passcode-required');
    await m.refused(
      await post(`${m.base}/join`, alice, { passcode: 'open says me' }),
      403,
      'wrong-passcode',
      'wrong-passcode',
    );
    await m.appended(await post(`${m.base}/join`, alice, { passcode: 'open sesame' }), ['ParticipantJoined']);
    await m.appended(await put(`${m.base}/invitations/${bob.userId}`, host), ['ParticipantInvited']);
    await m.appended(await post(`${m.base}/join`, bob), ['ParticipantJoined']);
    await m.appended(await post(`${m.base}/join`, host), ['ParticipantJoined']);
  });

  test('a new passcode replaces the old; the same one again changes nothing; only hosts store one', async () => {
    const m = await Meeting.schedule({ access: 'passcode', passcode: 'first one' });
    const [changed] = await m.appended(await patch(`${m.base}/settings`, host, { passcode: 'second one' }), [
      'MeetingSettingsChanged',
    ]);
    assert.deepEqual(changed!.data, { meetingId: m.id, changedBy: host.userId, passcodeVersion: 2 });
    await m.appended(await patch(`${m.base}/settings`, host, { passcode: 'second one' }), []);
    assert.equal((await passcodeEvents(m)).length, 2);

    await m.refused(
      await post(`${m.base}/join`, carol, { passcode: 'first one' }),
      403,
      'wrong-passcode',
      'wrong-passcode',
    );
    await m.appended(await post(`${m.base}/join`, carol, { passcode: 'second one' }), ['ParticipantJoined']);
    // Host rights are checked before anything is hashed or stored.
    await m.refused(await patch(`${m.base}/settings`, carol, { passcode: 'mine now' }), 403, 'host-only');
    assert.equal((await passcodeEvents(m)).length, 2);
  });

  test(`after ${MAX_PASSCODE_FAILURES} wrong passcodes a user must wait (429), others may still try`, async () => {
    const m = await Meeting.schedule({ access: 'passcode', passcode: 'open sesame' });
    for (let i = 0; i < MAX_PASSCODE_FAILURES; i++) {
      await m.refused(
        await post(`${m.base}/join`, dave, { passcode: `guess ${i}` }),
        403,
        'wrong-passcode',
        'wrong-passcode',
      );
    }
    const locked = await post(`${m.base}/join`, dave, { passcode: 'open sesame' });
    assertProblem(locked, 429, 'too-many-requests');
    assert.ok(Number(locked.headers.get('retry-after')) > 0);
    await m.appended(await post(`${m.base}/join`, alice, { passcode: 'open sesame' }), ['ParticipantJoined']);
  });
});

describe('the lobby', () => {
  test('non-hosts wait; hosts admit (or deny); a waiting user may leave; hosts go straight in', async () => {
    const m = await Meeting.schedule({ access: 'open', lobby: true });
    await m.appended(await post(`${m.base}/join`, host), ['ParticipantJoined']);
    const [waiting] = await m.appended(await post(`${m.base}/join`, alice), ['ParticipantWaiting']);
    assert.deepEqual(waiting!.data, { meetingId: m.id, userId: alice.userId });
    await m.refused(await post(`${m.base}/join`, alice), 409, 'already-in-lobby');
    await m.refused(await post(`${m.base}/lobby/${alice.userId}/admit`, alice), 403, 'host-only');
    const [admitted, joined] = await m.appended(await post(`${m.base}/lobby/${alice.userId}/admit`, host), [
      'ParticipantAdmitted',
      'ParticipantJoined',
    ]);
    assert.equal(admitted!.data.admittedBy, host.userId);
    assert.equal(joined!.data.userId, alice.userId);
    await m.refused(await post(`${m.base}/lobby/${alice.userId}/admit`, host), 409, 'not-in-lobby');

    await m.appended(await post(`${m.base}/join`, bob), ['ParticipantWaiting']);
    await m.refused(await post(`${m.base}/lobby/${bob.userId}/deny`, alice), 403, 'host-only');
    await m.appended(await post(`${m.base}/lobby/${bob.userId}/deny`, host), ['ParticipantDenied']);
    await m.appended(await post(`${m.base}/join`, bob), ['ParticipantWaiting']);
    await m.appended(await post(`${m.base}/leave`, bob), ['ParticipantLeftLobby']);
  });

  test('turning the lobby off lets those waiting in while seats remain', async () => {
    const m = await Meeting.schedule({ access: 'open', lobby: true });
    await m.appended(await patch(m.base, host, { maxParticipants: 2 }), ['MeetingUpdated']);
    for (const user of [alice, bob, carol])
      await m.appended(await post(`${m.base}/join`, user), ['ParticipantWaiting']);
    const events = await m.appended(await patch(`${m.base}/settings`, host, { lobby: false }), [
      'MeetingSettingsChanged',
      'ParticipantAdmitted',
      'ParticipantJoined',
      'ParticipantAdmitted',
      'ParticipantJoined',
    ]);
    assert.deepEqual(
      events.filter((e) => e.type === 'ParticipantJoined').map((e) => e.data.userId),
      [alice.userId, bob.userId],
    );
    // Carol still waits: the meeting is full, a host may admit her once a seat frees up.
    await m.refused(await post(`${m.base}/lobby/${carol.userId}/admit`, host), 409, 'meeting-full');
    await m.appended(await post(`${m.base}/leave`, bob), ['ParticipantLeft']);
    await m.appended(await post(`${m.base}/lobby/${carol.userId}/admit`, host), [
      'ParticipantAdmitted',
      'ParticipantJoined',
    ]);
  });
});

describe('bans', () => {
  test('a banned user may not join, wait or be invited until a host lifts the ban', async () => {
    const m = await Meeting.schedule({ access: 'open' });
    await m.appended(await post(`${m.base}/join`, alice), ['ParticipantJoined']);
    const [removed] = await m.appended(
      await post(`${m.base}/participants/${alice.userId}/remove`, host, { ban: true }),
      ['ParticipantRemoved'],
    );
    assert.equal(removed!.data.banned, true);
    await m.refused(await post(`${m.base}/join`, alice), 403, 'banned');
    await m.refused(await put(`${m.base}/invitations/${alice.userId}`, host), 409, 'user-banned');
    await m.appended(await patch(`${m.base}/settings`, host, { lobby: true }), ['MeetingSettingsChanged']);
    await m.refused(await post(`${m.base}/join`, alice), 403, 'banned');

    await m.appended(await post(`${m.base}/join`, bob), ['ParticipantWaiting']);
    await m.appended(await post(`${m.base}/lobby/${bob.userId}/admit`, host), [
      'ParticipantAdmitted',
      'ParticipantJoined',
    ]);
    await m.refused(await del(`${m.base}/bans/${alice.userId}`, bob), 403, 'host-only');
    await m.appended(await del(`${m.base}/bans/${alice.userId}`, host), ['BanLifted']);
    await m.appended(await del(`${m.base}/bans/${alice.userId}`, host), []);
    await m.appended(await post(`${m.base}/join`, alice), ['ParticipantWaiting']);
  });

  test('a removal without ban is a kick: the user comes back', async () => {
    const m = await Meeting.schedule({ access: 'open' });
    await m.appended(await post(`${m.base}/join`, carol), ['ParticipantJoined']);
    const [removed] = await m.appended(
      await post(`${m.base}/participants/${carol.userId}/remove`, host, {}),
      ['ParticipantRemoved'],
    );
    assert.equal(removed!.data.banned, false);
    await m.appended(await post(`${m.base}/join`, carol), ['ParticipantJoined']);
  });
});

describe('settings', () => {
  test('only what changes is recorded; nothing when nothing changes', async () => {
    const m = await Meeting.schedule({ access: 'invited' });
    const [changed] = await m.appended(
      await patch(`${m.base}/settings`, host, { access: 'open', allowChat: true, muteOnJoin: true }),
      ['MeetingSettingsChanged'],
    );
    assert.deepEqual(changed!.data, {
      meetingId: m.id,
      changedBy: host.userId,
      access: 'open',
      muteOnJoin: true,
    });
    await m.appended(await patch(`${m.base}/settings`, host, { access: 'open', muteOnJoin: true }), []);
  });

  test('passcode access without any passcode is refused; not once the meeting is over', async () => {
    const m = await Meeting.schedule({ access: 'open' });
    await m.refused(await patch(`${m.base}/settings`, host, { access: 'passcode' }), 409, 'passcode-missing');
    await m.appended(await post(`${m.base}/start`, host), ['MeetingStarted']);
    await m.appended(await post(`${m.base}/end`, host), ['MeetingEnded']);
    await m.refused(await patch(`${m.base}/settings`, host, { lobby: true }), 409, 'meeting-already-ended');
  });

  test('bad bodies: unknown fields, wrong types, an empty body', async () => {
    const m = await Meeting.schedule({ access: 'open' });
    const settings = (body: unknown) => patch(`${m.base}/settings`, host, body);
    assertValidation(await settings({ access: 'everyone' }), 'body.access');
    assertValidation(await settings({ lobby: 'on' }), 'body.lobby');
    assertValidation(await settings({ passcode: 'abc' }), 'body.passcode');
    assertValidation(await settings({ passcodeVersion: 3 }), 'body');
    assertValidation(await settings({}), 'body');
    assertValidation(
      await post(`${m.base}/participants/${alice.userId}/remove`, host, { ban: 1 }),
      'body.ban',
    );
    assertValidation(await put(`${m.base}/invitations/not-a-uuid`, host), 'params.userId');
    assert.equal((await m.events()).length, m.seen);
  });
});
