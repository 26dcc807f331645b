import { privateCategories, streamCategory } from '@meetings/events';
import type { DecodedEvent } from '@meetings/events';
import { foldAccessTables } from './expected-access.js';
import type { AccessTables } from './expected-access.js';
import { foldMeetingTables } from './expected-meetings.js';
import type { MeetingTables } from './expected-meetings.js';
import { iso, participantKey } from './rows.js';
import type { ActiveMeetingStatsRow, MediaStreamRow, OperationLogRow, UserRow } from './rows.js';

/*
 * Every read table as an independent fold of the log (see expected-meetings.ts for the meeting
 * stream's tables). Columns are the projected ones: created_at/updated_at and bigserial ids are
 * local facts of the database, not of the log, and are left out (operation_logs.created_at is the
 * event's time, a fact of the log, and its projected_at is left out instead).
 */

export interface ExpectedTables extends MeetingTables, AccessTables {
  users: UserRow[];
  media_streams: MediaStreamRow[];
  operation_logs: OperationLogRow[];
}

/** Event types that carry secrets or reservations; they never reach a read model. */
const PRIVATE_TYPES: ReadonlySet<string> = new Set([
  'PasswordSet',
  'UsernameReserved',
  'EmailReserved',
  'PasscodeSet',
]);

export function foldUsers(events: readonly DecodedEvent[]): UserRow[] {
  const users = new Map<string, UserRow>();
  for (const event of events) {
    if (event.type === 'UserRegistered') {
      const d = event.data;
      users.set(d.userId, {
        id: d.userId,
        username: d.username,
        email: d.email,
        full_name: d.displayName,
        avatar_url: null,
        role: d.role,
        status: 'active',
        last_login_at: null,
        deleted_at: null,
        last_stream_version: event.streamVersion,
      });
    } else if (event.type === 'UserProfileUpdated') {
      const user = users.get(event.data.userId);
      if (!user) throw new Error(`profile update of unregistered user ${event.data.userId}`);
      if (event.data.displayName !== undefined) user.full_name = event.data.displayName;
      if (event.data.avatarUrl !== undefined) user.avatar_url = event.data.avatarUrl;
      user.last_stream_version = event.streamVersion;
    }
  }
  return [...users.values()];
}

export function foldMediaStreams(events: readonly DecodedEvent[]): MediaStreamRow[] {
  const rows = new Map<string, MediaStreamRow>();
  const row = (id: string) => {
    const found = rows.get(id);
    if (!found) throw new Error(`media stream ${id} was never published`);
    return found;
  };
  for (const event of events) {
    const at = iso(event.occurredAt);
    switch (event.type) {
      case 'MediaStreamPublished': {
        const d = event.data;
        rows.set(d.mediaStreamId, {
          id: d.mediaStreamId,
          meeting_id: d.meetingId,
          user_id: d.userId,
          participant_id: participantKey(d.meetingId, d.userId),
          // A meeting has one room, whose id is the meeting's.
          room_id: d.meetingId,
          stream_type: d.kind,
          sfu_node_id: d.sfuNodeId,
          producer_id: d.producerId,
          codec: d.codec,
          // Nothing in the media events gives a resolution.
          resolution: null,
          status: 'active',
          close_reason: null,
          published_at: at,
          closed_at: null,
          bitrate: null,
          packet_loss_percent: null,
          jitter_ms: null,
          rtt_ms: null,
          last_sampled_at: null,
          last_stream_version: event.streamVersion,
        });
        break;
      }
      case 'MediaStreamClosed': {
        const stream = row(event.data.mediaStreamId);
        stream.status = 'closed';
        stream.close_reason = event.data.reason;
        stream.closed_at = at;
        stream.last_stream_version = event.streamVersion;
        break;
      }
      case 'MediaStreamQualitySampled': {
        // The quality columns hold the latest sample; its time is the SFU's, not the event's.
        const d = event.data;
        const stream = row(d.mediaStreamId);
        stream.bitrate = d.bitrateKbps;
        stream.packet_loss_percent = d.packetLossPercent;
        stream.jitter_ms = d.jitterMs;
        stream.rtt_ms = d.rttMs;
        stream.last_sampled_at = iso(d.sampledAt);
        stream.last_stream_version = event.streamVersion;
        break;
      }
      default:
        break;
    }
  }
  return [...rows.values()];
}

/** The audit trail: one row per public event, its data as it was recorded. */
export function foldOperationLogs(events: readonly DecodedEvent[]): OperationLogRow[] {
  return events.flatMap((event) => {
    const category = streamCategory(event.streamId);
    if (PRIVATE_TYPES.has(event.type) || privateCategories.includes(category)) return [];
    return [
      {
        event_id: event.eventId,
        user_id: event.metadata.actorUserId,
        action: event.type,
        resource_type: category,
        resource_id: event.streamId.slice(`${category}-`.length),
        details: JSON.parse(JSON.stringify(event.data)) as unknown,
        correlation_id: event.metadata.correlationId,
        created_at: iso(event.occurredAt),
      },
    ];
  });
}

export function foldTables(events: readonly DecodedEvent[]): ExpectedTables {
  return {
    users: foldUsers(events),
    ...foldMeetingTables(events),
    ...foldAccessTables(events),
    media_streams: foldMediaStreams(events),
    operation_logs: foldOperationLogs(events),
  };
}

/** The running meetings with their live counts, as active_meetings_stats should show them. */
export function expectedActiveMeetings(tables: ExpectedTables): ActiveMeetingStatsRow[] {
  return tables.meetings
    .filter((m) => m.status === 'started' && m.deleted_at === null)
    .map((m) => {
      const here = tables.meeting_participants.filter(
        (p) => p.meeting_id === m.id && p.join_time !== null && p.leave_time === null,
      );
      return {
        meeting_id: m.id,
        title: m.title,
        creator_id: m.creator_id,
        start_time: m.start_time,
        actual_start_at: m.actual_start_at,
        current_participants: here.length,
        muted_participants: here.filter((p) => p.is_muted).length,
        video_on_participants: here.filter((p) => p.is_video_on).length,
        is_recording: m.is_recording,
        active_media_streams: tables.media_streams.filter(
          (s) => s.meeting_id === m.id && s.status === 'active',
        ).length,
      };
    });
}
