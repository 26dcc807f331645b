import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { assertProblem, EventLog, meetingBody, newUsers, UUID } from '../testing/e2e.js';
import type { StoredEvent, TestUser } from '../testing/e2e.js';
import { apiClient } from '../testing/http-client.js';
import type { ApiClient, ApiResponse } from '../testing/http-client.js';
import { startServiceProcess } from '../testing/service-process.js';
import type { ServiceUnderTest } from '../testing/service-process.js';

let svc: ServiceUnderTest;
let api: ApiClient;
let log: EventLog;
let host: TestUser;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let dave: TestUser;

before(async () => {
  svc = await startServiceProcess();
  api = apiClient(svc.baseUrl);
  log = new EventLog(svc.db.url);
  [host, alice, bob, carol, dave] = await newUsers(api, 'host', 'alice', 'bob', 'carol', 'dave');
});

after(async () => {
  await log?.close();
  await svc?.stop();
});

/**
 * A meeting's stream as the tests expect it to grow: every answer must carry the previous version
 * plus the number of events the command appended (also as ETag), a larger global position when it
 * appended, and the stream must hold exactly those events.
 */
class MeetingStream {
  version = 0;
  position = 0;
  meetingId = '';

  get streamId() {
    return `meeting-${this.meetingId}`;
  }

  get base() {
    return `/meetings/${this.meetingId}`;
  }

  async appended(res: ApiResponse, status: number, types: string[]): Promise<StoredEvent[]> {
    assert.equal(res.status, status, JSON.stringify(res.body));
    assert.match(res.contentType, /^application\/json/);
    assert.equal(res.body.streamId, this.streamId);
    assert.equal(
      res.body.version,
      this.version + types.length,
      `version after ${types.join(', ') || 'a no-op'}`,
    );
    assert.equal(res.headers.get('etag'), `"${res.body.version}"`);
    if (types.length > 0) assert.ok(res.body.position > this.position, 'the position did not increase');
    else assert.equal(res.body.position, this.position);

    const events = (await log.stream(this.streamId)).filter((e) => e.version > this.version);
    assert.deepEqual(
      events.map((e) => e.type),
      types,
    );
    events.forEach((e, i) => {
      assert.equal(e.version, this.version + i + 1);
      if (i > 0) assert.ok(e.position > events[i - 1]!.position);
    });
    if (events.length > 0) assert.equal(events.at(-1)!.position, res.body.position);
    this.version = res.body.version;
    this.position = res.body.position;
    return events;
  }

  unchanged(res: ApiResponse, status = 200) {
    return this.appended(res, status, []);
  }

  async refused(res: ApiResponse, status: number, rule: string) {
    const type = { 403: 'forbidden', 404: 'not-found', 409: 'business-rule-violated' }[status];
    assertProblem(res, status, type, rule);
    assert.equal((await log.stream(this.streamId)).length, this.version, 'a refused command appended');
  }
}

const post = (path: string, user: TestUser, body?: unknown) => api.post(path, body, { token: user.token });

describe('a meeting from scheduling to its end', () => {
  const m = new MeetingStream();
  const recordings: string[] = [];
  const participant = (user: TestUser) => `${m.base}/participants/${user.userId}`;

  test('the host schedules it: 201 with the meeting id, Location and ETag', async () => {
    const res = await post('/meetings', host, {
      title: '  Planning  ',
      description: 'Quarterly planning',
      scheduledStartAt: '2030-03-01T10:00:00+01:00',
      scheduledEndAt: '2030-03-01T11:00:00+01:00',
      maxParticipants: 10,
      settings: { muteOnJoin: false, access: 'open' },
    });
    assert.equal(res.status, 201);
    assert.match(res.body.meetingId, UUID);
    assert.equal(res.headers.get('location'), `/meetings/${res.body.meetingId}`);
    m.meetingId = res.body.meetingId;
    const [scheduled] = await m.appended(res, 201, ['MeetingScheduled']);
    assert.deepEqual(scheduled!.data, {
      meetingId: m.meetingId,
      hostId: host.userId,
      title: 'Planning',
      description: 'Quarterly planning',
      scheduledStartAt: '2030-03-01T10:00:00+01:00',
      scheduledEndAt: '2030-03-01T11:00:00+01:00',
      maxParticipants: 10,
      settings: { muteOnJoin: false, allowChat: true, access: 'open', lobby: false },
      passcodeVersion: null,
    });
    assert.equal(scheduled!.metadata.actorUserId, host.userId);
  });

  test('commands on an unknown meeting are 404 meeting-not-found', async () => {
    const unknown = `/meetings/${randomUUID()}`;
    for (const path of ['start', 'join', 'end', 'recordings']) {
      assertProblem(await post(`${unknown}/${path}`, host), 404, 'not-found', 'meeting-not-found');
    }
    assertProblem(
      await api.patch(unknown, { title: 'x' }, { token: host.token }),
      404,
      'not-found',
      'meeting-not-found',
    );
    assertProblem(
      await post(`${unknown}/chat-messages`, host, { text: 'hi' }),
      404,
      'not-found',
      'meeting-not-found',
    );
  });

  test('the host and others join before the start', async () => {
    const [hostJoined] = await m.appended(await post(`${m.base}/join`, host), 200, ['ParticipantJoined']);
    assert.deepEqual(hostJoined!.data, {
      meetingId: m.meetingId,
      userId: host.userId,
      role: 'host',
      isMuted: false,
      isVideoOn: true,
    });
    for (const user of [alice, bob, carol]) {
      const [joined] = await m.appended(await post(`${m.base}/join`, user), 200, ['ParticipantJoined']);
      assert.deepEqual(joined!.data, {
        meetingId: m.meetingId,
        userId: user.userId,
        role: 'participant',
        isMuted: false,
        isVideoOn: true,
      });
      assert.equal(joined!.metadata.actorUserId, user.userId);
    }
  });

  test('joining twice is 409 already-in-meeting', async () => {
    await m.refused(await post(`${m.base}/join`, alice), 409, 'already-in-meeting');
  });

  test('a participant who is not a host cannot start it: 403 host-only', async () => {
    await m.refused(await post(`${m.base}/start`, bob), 403, 'host-only');
    await m.refused(await post(`${m.base}/start`, dave), 403, 'host-only');
  });

  test('the host promotes a participant, who can then start the meeting and mute others', async () => {
    const [promoted] = await m.appended(
      await api.put(`${participant(alice)}/role`, { role: 'host' }, { token: host.token }),
      200,
      ['ParticipantRoleChanged'],
    );
    assert.deepEqual(promoted!.data, {
      meetingId: m.meetingId,
      userId: alice.userId,
      role: 'host',
      changedBy: host.userId,
    });
    await m.unchanged(await api.put(`${participant(alice)}/role`, { role: 'host' }, { token: host.token }));

    const [started] = await m.appended(await post(`${m.base}/start`, alice), 200, ['MeetingStarted']);
    assert.deepEqual(started!.data, { meetingId: m.meetingId, startedBy: alice.userId });
    await m.refused(await post(`${m.base}/start`, host), 409, 'meeting-already-started');

    const [muted] = await m.appended(await post(`${participant(bob)}/mute`, alice), 200, [
      'ParticipantMuted',
    ]);
    assert.deepEqual(muted!.data, { meetingId: m.meetingId, userId: bob.userId, mutedBy: alice.userId });
  });

  test('everyone mutes and unmutes themselves; hosts mute others; nobody unmutes others', async () => {
    const [muted] = await m.appended(await post(`${participant(carol)}/mute`, carol), 200, [
      'ParticipantMuted',
    ]);
    assert.deepEqual(muted!.data, { meetingId: m.meetingId, userId: carol.userId, mutedBy: carol.userId });
    await m.unchanged(await post(`${participant(carol)}/mute`, carol));

    await m.refused(await post(`${participant(alice)}/mute`, bob), 403, 'host-only');
    await m.refused(await post(`${participant(carol)}/unmute`, bob), 403, 'cannot-unmute-others');
    await m.refused(await post(`${participant(bob)}/unmute`, host), 403, 'cannot-unmute-others');

    const [unmuted] = await m.appended(await post(`${participant(bob)}/unmute`, bob), 200, [
      'ParticipantUnmuted',
    ]);
    assert.deepEqual(unmuted!.data, { meetingId: m.meetingId, userId: bob.userId });
    await m.unchanged(await post(`${participant(bob)}/unmute`, bob));
    await m.appended(await post(`${participant(carol)}/unmute`, carol), 200, ['ParticipantUnmuted']);

    await m.appended(await post(`${participant(carol)}/mute`, host), 200, ['ParticipantMuted']);
    await m.refused(await post(`${participant(dave)}/mute`, host), 409, 'participant-not-present');
  });

  test('video: off and on for yourself, off for others by a host, never on for others', async () => {
    const [off] = await m.appended(await post(`${participant(bob)}/video-off`, bob), 200, [
      'ParticipantVideoTurnedOff',
    ]);
    assert.deepEqual(off!.data, { meetingId: m.meetingId, userId: bob.userId, turnedOffBy: bob.userId });
    await m.unchanged(await post(`${participant(bob)}/video-off`, bob));
    const [on] = await m.appended(await post(`${participant(bob)}/video-on`, bob), 200, [
      'ParticipantVideoTurnedOn',
    ]);
    assert.deepEqual(on!.data, { meetingId: m.meetingId, userId: bob.userId });
    await m.unchanged(await post(`${participant(bob)}/video-on`, bob));

    await m.refused(await post(`${participant(carol)}/video-off`, bob), 403, 'host-only');
    const [offByHost] = await m.appended(await post(`${participant(carol)}/video-off`, host), 200, [
      'ParticipantVideoTurnedOff',
    ]);
    assert.equal(offByHost!.data.turnedOffBy, host.userId);
    await m.refused(await post(`${participant(carol)}/video-on`, host), 403, 'cannot-turn-on-others-video');
    await m.appended(await post(`${participant(carol)}/video-on`, carol), 200, ['ParticipantVideoTurnedOn']);
  });

  test('a participant leaves, cannot leave twice, and can join again', async () => {
    const [left] = await m.appended(await post(`${m.base}/leave`, bob), 200, ['ParticipantLeft']);
    assert.deepEqual(left!.data, { meetingId: m.meetingId, userId: bob.userId, reason: 'left' });
    await m.refused(await post(`${m.base}/leave`, bob), 409, 'not-in-meeting');
    const [rejoined] = await m.appended(await post(`${m.base}/join`, bob), 200, ['ParticipantJoined']);
    assert.equal(rejoined!.data.userId, bob.userId);
    assert.equal(rejoined!.data.role, 'participant');
  });

  test('a host removes a participant, who may come back; the creator and oneself cannot be removed', async () => {
    const [removed] = await m.appended(
      await post(`${participant(carol)}/remove`, host, { reason: 'Connection echo' }),
      200,
      ['ParticipantRemoved'],
    );
    assert.deepEqual(removed!.data, {
      meetingId: m.meetingId,
      userId: carol.userId,
      removedBy: host.userId,
      reason: 'Connection echo',
      banned: false,
    });
    await m.refused(await post(`${participant(carol)}/remove`, host), 409, 'participant-not-present');
    await m.refused(await post(`${participant(carol)}/mute`, carol), 409, 'participant-not-present');
    await m.refused(await post(`${participant(host)}/remove`, alice), 409, 'cannot-remove-creator');
    await m.refused(await post(`${participant(alice)}/remove`, alice), 409, 'cannot-remove-self');
    await m.refused(await post(`${participant(bob)}/remove`, bob, {}), 403, 'host-only');

    await m.appended(await post(`${m.base}/join`, carol), 200, ['ParticipantJoined']);
  });

  test('recording: start, stop; one at a time; only the SFU completes or fails it', async () => {
    const started = await post(`${m.base}/recordings`, host);
    assert.equal(started.status, 201);
    assert.match(started.body.recordingId, UUID);
    assert.equal(started.headers.get('location'), null);
    const recording = `${m.base}/recordings/${started.body.recordingId}`;
    const [recStarted] = await m.appended(started, 201, ['RecordingStarted']);
    assert.deepEqual(recStarted!.data, {
      meetingId: m.meetingId,
      recordingId: started.body.recordingId,
      startedBy: host.userId,
    });

    await m.refused(await post(`${m.base}/recordings`, alice), 409, 'already-recording');
    await m.refused(await post(`${m.base}/recordings`, bob), 403, 'host-only');
    await m.refused(
      await post(`${m.base}/recordings/${randomUUID()}/stop`, host),
      409,
      'recording-not-active',
    );

    const [stopped] = await m.appended(await post(`${recording}/stop`, host), 200, ['RecordingStopped']);
    assert.deepEqual(stopped!.data, {
      meetingId: m.meetingId,
      recordingId: started.body.recordingId,
      stoppedBy: host.userId,
    });
    await m.refused(await post(`${recording}/stop`, host), 409, 'not-recording');
    // The recorder (an SFU node, as itself) finalizes recordings: no route lets a host claim a file.
    const before = await log.count();
    for (const [path, body] of [
      ['complete', { storageKey: 'k', sizeBytes: 1, durationSeconds: 1, format: 'webm' }],
      ['fail', { reason: 'disk full' }],
    ] as const) {
      assert.equal((await post(`${recording}/${path}`, host, body)).status, 404, path);
    }
    assert.equal(await log.count(), before);
    recordings.push(started.body.recordingId);

    const second = await post(`${m.base}/recordings`, alice);
    await m.appended(second, 201, ['RecordingStarted']);
    assert.notEqual(second.body.recordingId, started.body.recordingId);
    await m.appended(await post(`${m.base}/recordings/${second.body.recordingId}/stop`, alice), 200, [
      'RecordingStopped',
    ]);
    recordings.push(second.body.recordingId);

    // A third one keeps running until the meeting ends.
    const third = await post(`${m.base}/recordings`, host);
    await m.appended(third, 201, ['RecordingStarted']);
    recordings.push(third.body.recordingId);
  });

  test('chat: to everyone and to one participant, only between people in the meeting', async () => {
    const toAll = await post(`${m.base}/chat-messages`, alice, { text: 'Hello everyone' });
    assert.equal(toAll.status, 201);
    assert.match(toAll.body.messageId, UUID);
    const [sent] = await m.appended(toAll, 201, ['ChatMessageSent']);
    assert.deepEqual(sent!.data, {
      meetingId: m.meetingId,
      messageId: toAll.body.messageId,
      senderId: alice.userId,
      recipientId: null,
      text: 'Hello everyone',
    });

    const direct = await post(`${m.base}/chat-messages`, alice, {
      text: 'Psst, Bob',
      recipientId: bob.userId,
    });
    const [whispered] = await m.appended(direct, 201, ['ChatMessageSent']);
    assert.equal(whispered!.data.recipientId, bob.userId);
    assert.equal(whispered!.data.senderId, alice.userId);
    assert.notEqual(direct.body.messageId, toAll.body.messageId);

    await m.refused(
      await post(`${m.base}/chat-messages`, alice, { text: 'Dave?', recipientId: dave.userId }),
      409,
      'recipient-not-present',
    );
    await m.refused(
      await post(`${m.base}/chat-messages`, dave, { text: 'Let me in' }),
      409,
      'not-in-meeting',
    );
  });

  test('the host updates it; an unchanged update appends nothing; others cannot', async () => {
    const [updated] = await m.appended(
      await api.patch(m.base, { title: 'Planning (extended)', maxParticipants: 20 }, { token: host.token }),
      200,
      ['MeetingUpdated'],
    );
    assert.deepEqual(updated!.data, {
      meetingId: m.meetingId,
      title: 'Planning (extended)',
      maxParticipants: 20,
    });
    await m.unchanged(await api.patch(m.base, { title: 'Planning (extended)' }, { token: host.token }));
    await m.refused(await api.patch(m.base, { title: 'Mine now' }, { token: bob.token }), 403, 'host-only');
    await m.refused(
      await api.patch(m.base, { maxParticipants: 2 }, { token: host.token }),
      409,
      'max-participants-too-low',
    );
  });

  test('ending it: everyone present leaves, the running recording stops, then MeetingEnded', async () => {
    await m.refused(await post(`${m.base}/end`, bob), 403, 'host-only');
    const events = await m.appended(await post(`${m.base}/end`, host), 200, [
      'ParticipantLeft',
      'ParticipantLeft',
      'ParticipantLeft',
      'ParticipantLeft',
      'RecordingStopped',
      'MeetingEnded',
    ]);
    const left = events.filter((e) => e.type === 'ParticipantLeft');
    assert.deepEqual(
      left.map((e) => e.data.userId).sort(),
      [host, alice, bob, carol].map((u) => u.userId).sort(),
    );
    for (const e of left) assert.equal(e.data.reason, 'meeting_ended');
    assert.deepEqual(events[4]!.data, {
      meetingId: m.meetingId,
      recordingId: recordings[2],
      stoppedBy: host.userId,
    });
    assert.deepEqual(events[5]!.data, { meetingId: m.meetingId, endedBy: host.userId });
    // One command, one transaction: every event carries the same causation.
    assert.equal(new Set(events.map((e) => e.metadata.causationId)).size, 1);
  });

  test('an ended meeting cannot be joined, started, ended or recorded', async () => {
    await m.refused(await post(`${m.base}/join`, dave), 409, 'meeting-not-joinable');
    await m.refused(await post(`${m.base}/join`, bob), 409, 'meeting-not-joinable');
    await m.refused(await post(`${m.base}/start`, host), 409, 'meeting-already-ended');
    await m.refused(await post(`${m.base}/end`, host), 409, 'meeting-already-ended');
    await m.refused(await post(`${m.base}/recordings`, host), 409, 'meeting-already-ended');
    await m.refused(
      await post(`${m.base}/chat-messages`, alice, { text: 'anyone?' }),
      409,
      'meeting-already-ended',
    );
    await m.refused(await post(`${m.base}/leave`, alice), 409, 'not-in-meeting');
    await m.refused(await post(`${m.base}/recordings/${recordings[2]}/stop`, host), 409, 'not-recording');
  });

  test('its stream is contiguous and ends at the last answered version', async () => {
    const events = await log.stream(m.streamId);
    assert.deepEqual(
      events.map((e) => e.version),
      events.map((_e, i) => i + 1),
    );
    assert.equal(events.length, m.version);
    assert.equal(events.at(-1)!.position, m.position);
  });
});

describe('capacity', () => {
  const m = new MeetingStream();

  test('a meeting for two refuses a third participant with 409 meeting-full until someone leaves', async () => {
    const res = await post('/meetings', host, meetingBody({ title: 'One on one', maxParticipants: 2 }));
    m.meetingId = res.body.meetingId;
    await m.appended(res, 201, ['MeetingScheduled']);
    await m.appended(await post(`${m.base}/join`, alice), 200, ['ParticipantJoined']);
    await m.appended(await post(`${m.base}/join`, bob), 200, ['ParticipantJoined']);
    await m.refused(await post(`${m.base}/join`, carol), 409, 'meeting-full');
    // The creator has no reserved seat either.
    await m.refused(await post(`${m.base}/join`, host), 409, 'meeting-full');

    await m.appended(await post(`${m.base}/leave`, alice), 200, ['ParticipantLeft']);
    await m.appended(await post(`${m.base}/join`, carol), 200, ['ParticipantJoined']);
  });

  test('a capacity below 2 cannot be scheduled', async () => {
    const before = await log.count();
    const res = await post('/meetings', host, meetingBody({ maxParticipants: 1 }));
    assertProblem(res, 400, 'validation-failed');
    assert.equal(await log.count(), before);
  });
});

describe('cancelling', () => {
  const m = new MeetingStream();

  test('the host cancels a scheduled meeting: those waiting leave, then MeetingCancelled', async () => {
    const res = await post('/meetings', host, meetingBody({ title: 'Maybe' }));
    m.meetingId = res.body.meetingId;
    await m.appended(res, 201, ['MeetingScheduled']);
    await m.appended(await post(`${m.base}/join`, dave), 200, ['ParticipantJoined']);
    await m.refused(await post(`${m.base}/cancel`, dave, { reason: 'mine' }), 403, 'host-only');

    const events = await m.appended(await post(`${m.base}/cancel`, host, { reason: 'Postponed' }), 200, [
      'ParticipantLeft',
      'MeetingCancelled',
    ]);
    assert.deepEqual(events[0]!.data, {
      meetingId: m.meetingId,
      userId: dave.userId,
      reason: 'meeting_ended',
    });
    assert.deepEqual(events[1]!.data, {
      meetingId: m.meetingId,
      cancelledBy: host.userId,
      reason: 'Postponed',
    });
  });

  test('a cancelled meeting cannot be joined, started or cancelled again', async () => {
    await m.refused(await post(`${m.base}/join`, dave), 409, 'meeting-not-joinable');
    await m.refused(await post(`${m.base}/start`, host), 409, 'meeting-cancelled');
    await m.refused(await post(`${m.base}/cancel`, host), 409, 'meeting-cancelled');
  });

  test('a started meeting cannot be cancelled (it is ended instead); a reason is optional', async () => {
    const other = new MeetingStream();
    const res = await post('/meetings', host, meetingBody({ title: 'Started' }));
    other.meetingId = res.body.meetingId;
    await other.appended(res, 201, ['MeetingScheduled']);
    await other.appended(await post(`${other.base}/start`, host), 200, ['MeetingStarted']);
    await other.refused(await post(`${other.base}/cancel`, host), 409, 'meeting-already-started');

    const third = new MeetingStream();
    const scheduled = await post('/meetings', host, meetingBody({ title: 'No reason' }));
    third.meetingId = scheduled.body.meetingId;
    await third.appended(scheduled, 201, ['MeetingScheduled']);
    const [cancelled] = await third.appended(await post(`${third.base}/cancel`, host), 200, [
      'MeetingCancelled',
    ]);
    assert.equal(cancelled!.data.reason, null);
  });
});

describe('schedule and settings', () => {
  test('an end at or before the start is 409 invalid-schedule, when scheduling and when updating', async () => {
    const before = await log.count();
    for (const scheduledEndAt of ['2030-01-07T08:59:00Z', '2030-01-07T09:00:00Z']) {
      const res = await post('/meetings', host, meetingBody({ scheduledEndAt }));
      assertProblem(res, 409, 'business-rule-violated', 'invalid-schedule');
    }
    assert.equal(await log.count(), before);

    const m = new MeetingStream();
    const res = await post('/meetings', host, meetingBody({ scheduledEndAt: '2030-01-07T10:00:00Z' }));
    m.meetingId = res.body.meetingId;
    await m.appended(res, 201, ['MeetingScheduled']);
    await m.refused(
      await api.patch(m.base, { scheduledStartAt: '2030-01-07T11:00:00Z' }, { token: host.token }),
      409,
      'invalid-schedule',
    );
    const [moved] = await m.appended(
      await api.patch(
        m.base,
        { scheduledStartAt: '2030-01-07T11:00:00Z', scheduledEndAt: null },
        { token: host.token },
      ),
      200,
      ['MeetingUpdated'],
    );
    assert.deepEqual(moved!.data, {
      meetingId: m.meetingId,
      scheduledStartAt: '2030-01-07T11:00:00Z',
      scheduledEndAt: null,
    });
  });

  test('muteOnJoin mutes whoever joins; allowChat false refuses chat with 409 chat-disabled', async () => {
    const m = new MeetingStream();
    const res = await post(
      '/meetings',
      host,
      meetingBody({ settings: { muteOnJoin: true, allowChat: false, access: 'open' } }),
    );
    m.meetingId = res.body.meetingId;
    const [scheduled] = await m.appended(res, 201, ['MeetingScheduled']);
    assert.deepEqual(scheduled!.data.settings, {
      muteOnJoin: true,
      allowChat: false,
      access: 'open',
      lobby: false,
    });
    const [joined] = await m.appended(await post(`${m.base}/join`, alice), 200, ['ParticipantJoined']);
    assert.equal(joined!.data.isMuted, true);
    await m.appended(await post(`${m.base}/start`, host), 200, ['MeetingStarted']);
    await m.refused(await post(`${m.base}/chat-messages`, alice, { text: 'hello?' }), 409, 'chat-disabled');
  });

  test('chat needs a started meeting', async () => {
    const m = new MeetingStream();
    const res = await post('/meetings', host, meetingBody());
    m.meetingId = res.body.meetingId;
    await m.appended(res, 201, ['MeetingScheduled']);
    await m.appended(await post(`${m.base}/join`, alice), 200, ['ParticipantJoined']);
    await m.refused(
      await post(`${m.base}/chat-messages`, alice, { text: 'early' }),
      409,
      'meeting-not-started',
    );
    await m.refused(await post(`${m.base}/recordings`, host), 409, 'meeting-not-started');
    await m.refused(await post(`${m.base}/end`, host), 409, 'meeting-not-started');
  });
});

describe('promoted hosts', () => {
  test('act only while present, come back as hosts, and lose host powers when demoted', async () => {
    const m = new MeetingStream();
    const res = await post('/meetings', host, meetingBody({ title: 'Handover' }));
    m.meetingId = res.body.meetingId;
    await m.appended(res, 201, ['MeetingScheduled']);
    for (const user of [alice, bob])
      await m.appended(await post(`${m.base}/join`, user), 200, ['ParticipantJoined']);
    const alicePath = `${m.base}/participants/${alice.userId}`;
    const bobPath = `${m.base}/participants/${bob.userId}`;
    await m.appended(await api.put(`${alicePath}/role`, { role: 'host' }, { token: host.token }), 200, [
      'ParticipantRoleChanged',
    ]);

    await m.appended(await post(`${m.base}/leave`, alice), 200, ['ParticipantLeft']);
    await m.refused(await post(`${bobPath}/mute`, alice), 403, 'host-only');
    const [back] = await m.appended(await post(`${m.base}/join`, alice), 200, ['ParticipantJoined']);
    assert.equal(back!.data.role, 'host');
    await m.appended(await post(`${bobPath}/mute`, alice), 200, ['ParticipantMuted']);

    // A promoted host may not demote the creator, but the creator may demote them.
    await m.refused(
      await api.put(
        `${m.base}/participants/${host.userId}/role`,
        { role: 'participant' },
        { token: alice.token },
      ),
      409,
      'cannot-demote-creator',
    );
    await m.appended(
      await api.put(`${alicePath}/role`, { role: 'participant' }, { token: host.token }),
      200,
      ['ParticipantRoleChanged'],
    );
    await m.refused(await post(`${m.base}/start`, alice), 403, 'host-only');
    // The creator keeps host powers without being present.
    await m.appended(await post(`${m.base}/start`, host), 200, ['MeetingStarted']);
  });
});
