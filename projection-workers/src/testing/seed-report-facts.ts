import { privateCategories, streamCategory } from '@meetings/events';
import type { DecodedEvent } from '@meetings/events';

/*
 * The facts seed-reporting.int.test.ts asks the read tables about, folded straight from the event
 * list: written from the event contracts and the seed's rules, sharing no code with the projectors
 * (nor with testing/expected/, so that a shared slip cannot hide).
 */

/** Counts per key, as sorted [key, count] pairs: the shape of a GROUP BY ... ORDER BY answer. */
export function tally(keys: Iterable<string>): [string, number][] {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** What the log says, folded the plain way: the facts the reports ask about. */
export function foldFacts(log: readonly DecodedEvent[]) {
  const usernames = new Map<string, string>();
  const meetings = new Map<string, { creator: string; status: string }>();
  const attendance = new Map<
    string,
    { meeting: string; user: string; role: string; join: Date | null; leave: Date | null }
  >();
  const recordings = new Map<string, string>();
  const streams = new Map<string, { kind: string; open: boolean; meeting: string; user: string }>();
  for (const e of log) {
    const key = (d: { meetingId: string; userId: string }) => `${d.meetingId}/${d.userId}`;
    switch (e.type) {
      case 'UserRegistered':
        usernames.set(e.data.userId, e.data.username);
        break;
      case 'MeetingScheduled':
        meetings.set(e.data.meetingId, { creator: e.data.hostId, status: 'scheduled' });
        // 000: creating a meeting adds its creator as a participant (a host not yet present).
        if (!attendance.has(`${e.data.meetingId}/${e.data.hostId}`))
          attendance.set(`${e.data.meetingId}/${e.data.hostId}`, {
            meeting: e.data.meetingId,
            user: e.data.hostId,
            role: 'host',
            join: null,
            leave: null,
          });
        break;
      case 'MeetingStarted':
      case 'MeetingEnded':
      case 'MeetingCancelled': {
        const status = { MeetingStarted: 'started', MeetingEnded: 'ended', MeetingCancelled: 'cancelled' }[
          e.type
        ];
        meetings.get(e.data.meetingId)!.status = status;
        break;
      }
      case 'ParticipantJoined':
        attendance.set(key(e.data), {
          meeting: e.data.meetingId,
          user: e.data.userId,
          role: e.data.role,
          join: e.occurredAt,
          leave: null,
        });
        break;
      case 'ParticipantLeft':
      case 'ParticipantRemoved':
        attendance.get(key(e.data))!.leave = e.occurredAt;
        break;
      case 'ParticipantRoleChanged':
        attendance.get(key(e.data))!.role = e.data.role;
        break;
      case 'RecordingStarted':
        recordings.set(e.data.recordingId, 'recording');
        break;
      case 'RecordingStopped':
        recordings.set(e.data.recordingId, 'processing');
        break;
      case 'RecordingCompleted':
        recordings.set(e.data.recordingId, 'completed');
        break;
      case 'RecordingFailed':
        recordings.set(e.data.recordingId, 'failed');
        break;
      case 'MediaStreamPublished':
        streams.set(e.data.mediaStreamId, {
          kind: e.data.kind,
          open: true,
          meeting: e.data.meetingId,
          user: e.data.userId,
        });
        break;
      case 'MediaStreamClosed':
        streams.get(e.data.mediaStreamId)!.open = false;
        break;
      default:
        break;
    }
  }
  return { usernames, meetings, attendance: [...attendance.values()], recordings, streams };
}

/** Never in the audit trail: secrets, reservations and private streams. */
const SECRET_TYPES = new Set(['PasswordSet', 'UsernameReserved', 'EmailReserved', 'PasscodeSet']);
export const audited = (e: DecodedEvent) =>
  !SECRET_TYPES.has(e.type) && !privateCategories.includes(streamCategory(e.streamId));
