import { DomainError, mediaDecider, meetingDecider, userDecider } from '@meetings/command-service/domain';
import type { Decider, MediaCommand, MeetingCommand, MeetingState } from '@meetings/command-service/domain';
import { currentSchemaVersion, streams } from '@meetings/events';
import type { DomainEvent, EventStore, NewEvent } from '@meetings/events';

/** A small seeded PRNG (mulberry32): the same seed gives the same history. */
export function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const hex = (n: number) => Array.from({ length: n }, () => int(16).toString(16)).join('');
  return {
    next,
    int,
    pick: <T>(xs: readonly T[]): T => xs[int(xs.length)]!,
    uuid: () => `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[int(4)]}${hex(3)}-${hex(12)}`,
  };
}

export interface ScenarioOptions {
  seed: number;
  users: number;
  meetings: number;
  /** Stop once about this many events are in the log. */
  events: number;
}

interface Aggregate<C, S> {
  streamId: string;
  decider: Decider<C, S, DomainEvent>;
  state: S;
  version: number;
}

/**
 * Drives users, meetings and media streams through the real deciders with random but mostly valid
 * commands (joins, leaves, mutes, removals, role changes, recordings, chat, media), appending what
 * they decide, meetings interleaved in the log. Refused commands are simply skipped.
 */
export async function runScenario(store: EventStore, options: ScenarioOptions): Promise<{ events: number }> {
  const rnd = prng(options.seed);
  let total = 0;
  const now = new Date();

  async function execute<C, S>(agg: Aggregate<C, S>, command: C, actorUserId: string | null): Promise<void> {
    let decided: DomainEvent[];
    try {
      decided = agg.decider.decide(command, agg.state);
    } catch (error) {
      if (error instanceof DomainError) return;
      throw error;
    }
    if (decided.length === 0) return;
    const events: NewEvent[] = decided.map((e) => ({
      eventId: rnd.uuid(),
      type: e.type,
      schemaVersion: currentSchemaVersion(e.type),
      data: e.data,
      metadata: { correlationId: rnd.uuid(), causationId: null, actorUserId, idempotencyKey: null },
      occurredAt: new Date(now.getTime() + total * 1000),
    }));
    const result = await store.appendToStream(agg.streamId, events, agg.version);
    for (const e of decided) agg.state = agg.decider.evolve(agg.state, e);
    agg.version = result.nextExpectedVersion;
    total += events.length;
  }

  const users: string[] = [];
  for (let i = 0; i < options.users; i++) {
    const userId = rnd.uuid();
    users.push(userId);
    const user = {
      streamId: streams.user(userId),
      decider: userDecider,
      state: userDecider.initialState(),
      version: 0,
    };
    const data = {
      userId,
      username: `user${options.seed}_${i}`,
      email: `user${options.seed}_${i}@example.com`,
    };
    await execute(user, { type: 'RegisterUser', data, actorId: userId, now }, userId);
    if (rnd.int(3) === 0) {
      await execute(
        user,
        { type: 'UpdateProfile', data: { userId, displayName: `User ${i}` }, actorId: userId, now },
        userId,
      );
    }
  }

  const meetings = Array.from({ length: options.meetings }, () => {
    const meetingId = rnd.uuid();
    return {
      meetingId,
      host: rnd.pick(users),
      meeting: {
        streamId: streams.meeting(meetingId),
        decider: meetingDecider,
        state: meetingDecider.initialState(),
        version: 0,
      },
      media: {
        streamId: streams.media(meetingId),
        decider: mediaDecider,
        state: mediaDecider.initialState(),
        version: 0,
      },
      openStreams: [] as string[],
      recordings: [] as string[],
    };
  });

  for (const m of meetings) {
    const data = {
      meetingId: m.meetingId,
      title: `Meeting ${m.meetingId.slice(0, 4)}`,
      scheduledStartAt: '2030-01-01T09:00:00Z',
      maxParticipants: 2 + rnd.int(12),
      // Mostly open, so that joins succeed; some for invitees only, some with a lobby.
      settings: { access: rnd.pick(['open', 'open', 'invited'] as const), lobby: rnd.int(4) === 0 },
    };
    await execute(m.meeting, { type: 'ScheduleMeeting', data, actorId: m.host, now }, m.host);
  }

  while (total < options.events) {
    const m = rnd.pick(meetings);
    const state = m.meeting.state as MeetingState & {
      participants?: ReadonlyMap<string, unknown>;
      waiting?: ReadonlySet<string>;
      banned?: ReadonlySet<string>;
    };
    const present = state.participants ? [...state.participants.keys()] : [];
    const waiting = state.waiting ? [...state.waiting] : [];
    const someone = present.length > 0 && rnd.int(4) > 0 ? rnd.pick(present) : rnd.pick(users);
    const meetingId = m.meetingId;
    const act = (type: MeetingCommand['type'], actorId: string, extra: Record<string, unknown> = {}) =>
      execute(m.meeting, { type, data: { meetingId, ...extra }, actorId, now } as MeetingCommand, actorId);
    const roll = rnd.int(100);
    if (roll < 22) await act('JoinMeeting', rnd.pick(users));
    else if (roll < 30) await act('LeaveMeeting', someone);
    else if (roll < 38) await act('MuteParticipant', rnd.int(2) ? someone : m.host, { userId: someone });
    else if (roll < 44) await act('UnmuteParticipant', someone, { userId: someone });
    else if (roll < 48) await act('TurnVideoOff', someone, { userId: someone });
    else if (roll < 52) await act('TurnVideoOn', someone, { userId: someone });
    else if (roll < 55)
      await act('ChangeParticipantRole', m.host, {
        userId: someone,
        role: rnd.pick(['host', 'participant']),
      });
    else if (roll < 58) await act('RemoveParticipant', m.host, { userId: someone, ban: rnd.int(3) === 0 });
    else if (roll < 62) {
      await act('StartMeeting', m.host);
      // An SFU node places it (again, as after a node loss, when it was placed already).
      const placed = (state as { sfuNodeId?: string | null }).sfuNodeId ?? null;
      // A node's service identity: no user acts (actorUserId null), as in sfu-node's Placer.
      const data = {
        meetingId,
        sfuNodeId: rnd.pick(['sfu-1', 'sfu-2']),
        reason: placed ? ('node_lost' as const) : ('meeting_started' as const),
      };
      await execute(m.meeting, { type: 'PlaceMeetingOnSfuNode', data, actorId: 'sfu:scenario', now }, null);
    } else if (roll < 66) {
      const recordingId = rnd.uuid();
      m.recordings.push(recordingId);
      await act('StartRecording', m.host, { recordingId });
    } else if (roll < 69 && m.recordings.length)
      await act('StopRecording', m.host, { recordingId: m.recordings.at(-1) });
    else if (roll < 71 && m.recordings.length) {
      // The recorder's part: an SFU node's service identity, as in sfu-node's recorder.
      const data = {
        meetingId,
        recordingId: rnd.pick(m.recordings),
        storageKey: `rec/${meetingId}.webm`,
        sizeBytes: rnd.int(1e9),
        durationSeconds: rnd.int(7200),
        format: 'webm',
      };
      await execute(m.meeting, { type: 'CompleteRecording', data, actorId: 'sfu:scenario', now }, null);
    } else if (roll < 72 && m.recordings.length) {
      const data = { meetingId, recordingId: rnd.pick(m.recordings), reason: 'encoder crashed' };
      await execute(m.meeting, { type: 'FailRecording', data, actorId: 'sfu:scenario', now }, null);
    } else if (roll < 80)
      await act('SendChatMessage', someone, {
        messageId: rnd.uuid(),
        text: `hello ${rnd.int(1000)}`,
        ...(rnd.int(4) === 0 && present.length ? { recipientId: rnd.pick(present) } : {}),
      });
    else if (roll < 90) {
      const mediaCommand = (type: MediaCommand['type'], data: Record<string, unknown>) =>
        execute(m.media, { type, data: { meetingId, ...data }, actorId: 'sfu-1', now } as MediaCommand, null);
      if (m.openStreams.length === 0 || rnd.int(3) === 0) {
        const mediaStreamId = rnd.uuid();
        m.openStreams.push(mediaStreamId);
        await mediaCommand('PublishMediaStream', {
          mediaStreamId,
          userId: someone,
          kind: rnd.pick(['audio', 'video', 'screen']),
          sfuNodeId: 'sfu-1',
          producerId: rnd.uuid(),
          codec: 'opus',
        });
      } else if (rnd.int(4) === 0) {
        await mediaCommand('CloseMediaStream', {
          mediaStreamId: m.openStreams.shift(),
          reason: 'unpublished',
        });
      } else {
        await mediaCommand('RecordQualitySample', {
          mediaStreamId: rnd.pick(m.openStreams),
          sampledAt: new Date(now.getTime() + total).toISOString(),
          bitrateKbps: rnd.int(3000),
          packetLossPercent: rnd.int(10),
          jitterMs: rnd.int(50),
          rttMs: rnd.int(300),
        });
      }
    } else if (roll < 92) await act('UpdateMeeting', m.host, { title: `Renamed ${rnd.int(100)}` });
    else if (roll < 94) await act('EndMeeting', m.host);
    else if (roll < 95) await act('CancelMeeting', m.host, { reason: 'no longer needed' });
    else if (roll < 96) await act('JoinMeeting', m.host);
    else await accessCommand(rnd, act, m.host, { users, waiting, banned: [...(state.banned ?? [])] });
  }
  return { events: total };
}

type Act = (type: MeetingCommand['type'], actorId: string, extra?: Record<string, unknown>) => Promise<void>;

/** Invitations, the lobby, bans and settings, by the host (the deciders refuse what does not apply). */
function accessCommand(
  rnd: ReturnType<typeof prng>,
  act: Act,
  host: string,
  who: { users: readonly string[]; waiting: readonly string[]; banned: readonly string[] },
): Promise<void> {
  const waiting = who.waiting.length > 0 ? rnd.pick(who.waiting) : rnd.pick(who.users);
  switch (rnd.int(7)) {
    case 0:
      return act('InviteParticipant', host, { userId: rnd.pick(who.users) });
    case 1:
      return act('RevokeInvitation', host, { userId: rnd.pick(who.users) });
    case 2:
      return act('AdmitParticipant', host, { userId: waiting });
    case 3:
      return act('DenyParticipant', host, { userId: waiting });
    case 4:
      return act('LiftBan', host, {
        userId: who.banned.length > 0 ? rnd.pick(who.banned) : rnd.pick(who.users),
      });
    case 5:
      return act('ChangeMeetingSettings', host, {
        lobby: rnd.int(2) === 0,
        access: rnd.pick(['open', 'invited']),
      });
    default:
      return act('LeaveMeeting', waiting);
  }
}
