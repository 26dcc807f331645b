import { participantId } from '@meetings/db';
import type { DecodedEvent, EventType } from '@meetings/events';

/** Meeting-stream events that shape a meeting's analytics. */
export const MEETING_ANALYTICS_MEETING_EVENTS = [
  'MeetingStarted',
  'MeetingEnded',
  'MeetingCancelled',
  'ParticipantJoined',
  'ParticipantLeft',
  'ParticipantRemoved',
  'ChatMessageSent',
] as const satisfies readonly EventType[];

/** Media-stream events (the SFU's `media-<meetingId>`) that shape it too. */
export const MEETING_ANALYTICS_MEDIA_EVENTS = [
  'MediaStreamPublished',
  'MediaStreamQualitySampled',
  'ParticipantSpeakingSampled',
] as const satisfies readonly EventType[];

type AnalyticsEventType =
  (typeof MEETING_ANALYTICS_MEETING_EVENTS)[number] | (typeof MEETING_ANALYTICS_MEDIA_EVENTS)[number];
export type MeetingAnalyticsEvent = Extract<DecodedEvent, { type: AnalyticsEventType }>;

/** The longest join/leave timeline kept per meeting (a document stays far below MongoDB's 16 MiB). */
export const TIMELINE_LIMIT = 5_000;

export interface ParticipantAnalytics {
  /** The seed's participant id of (meeting, user): as meeting_participants.id. */
  participant_id: string;
  joins: number;
  /** Time present, summed over closed stays (ms). */
  present_ms: number;
  /** Since when the user is present, null when not. */
  present_since: Date | null;
  speaking_ms: number;
  chat_messages: number;
}

export interface QualitySummary {
  samples: number;
  bitrate_kbps_sum: number;
  bitrate_kbps_avg: number;
  packet_loss_percent_avg: number;
  packet_loss_percent_sum: number;
  packet_loss_percent_max: number;
  jitter_ms_sum: number;
  jitter_ms_avg: number;
  rtt_samples: number;
  rtt_ms_sum: number;
  /** null when no sample carried a round-trip time. */
  rtt_ms_avg: number | null;
}

export interface TimelineEntry {
  user_id: string;
  action: 'joined' | 'left' | 'removed';
  at: Date;
}

/** A `meeting_analytics` document (its `_id` is mongoId(`meeting:<meetingId>`)). */
export interface MeetingAnalytics {
  meeting_id: string;
  /** Last applied version of each source stream: `meeting-<id>` and `media-<id>`. */
  versions: { meeting: number; media: number };
  started_at: Date | null;
  ended_at: Date | null;
  cancelled: boolean;
  /** UTC day (YYYY-MM-DD) the meeting counts for in daily_analytics: its start, else its first join. */
  day: string | null;
  /** User ids, in first-join order. */
  participants: string[];
  participant_count: number;
  current_participants: number;
  peak_concurrency: number;
  participant_ms: number;
  /** participant_ms in minutes, two decimals. */
  participant_minutes: number;
  per_participant: Record<string, ParticipantAnalytics>;
  timeline: TimelineEntry[];
  timeline_truncated: boolean;
  /** Every chat message, private ones included (counted only: their text is never copied). */
  chat_count: number;
  /** Media stream id -> its publisher and kind, to file quality samples under. */
  media_streams: Record<string, { user_id: string; kind: string }>;
  /** Per media kind (audio, video, screen). */
  quality: Record<string, QualitySummary>;
  speaking_ms_total: number;
  /** occurredAt of the last applied event. */
  updated_at: Date | null;
}

export function emptyMeetingAnalytics(meetingId: string): MeetingAnalytics {
  return {
    meeting_id: meetingId,
    versions: { meeting: 0, media: 0 },
    started_at: null,
    ended_at: null,
    cancelled: false,
    day: null,
    participants: [],
    participant_count: 0,
    current_participants: 0,
    peak_concurrency: 0,
    participant_ms: 0,
    participant_minutes: 0,
    per_participant: {},
    timeline: [],
    timeline_truncated: false,
    chat_count: 0,
    media_streams: {},
    quality: {},
    speaking_ms_total: 0,
    updated_at: null,
  };
}

const utcDay = (at: Date) => at.toISOString().slice(0, 10);
const round = (value: number, digits: number) => Number(value.toFixed(digits));

/** Which source stream an event comes from, by its stream id's category. */
export function sourceOf(event: MeetingAnalyticsEvent): 'meeting' | 'media' {
  return event.streamId.startsWith('media-') ? 'media' : 'meeting';
}

/**
 * Applies one event to a meeting's analytics, pure. An event at or below the stored version of
 * its own source stream returns the state unchanged (a redelivery); the two streams are
 * versioned apart, as they are ordered apart. Times are the events' `occurredAt`.
 */
export function evolveMeetingAnalytics(
  state: MeetingAnalytics,
  event: MeetingAnalyticsEvent,
): MeetingAnalytics {
  const source = sourceOf(event);
  if (event.streamVersion <= state.versions[source]) return state;
  const next: MeetingAnalytics = structuredClone(state);
  next.versions[source] = event.streamVersion;
  next.updated_at = event.occurredAt;
  apply(next, event);
  next.participant_minutes = round(next.participant_ms / 60_000, 2);
  return next;
}

function participant(state: MeetingAnalytics, userId: string): ParticipantAnalytics {
  state.per_participant[userId] ??= {
    participant_id: participantId(state.meeting_id, userId),
    joins: 0,
    present_ms: 0,
    present_since: null,
    speaking_ms: 0,
    chat_messages: 0,
  };
  return state.per_participant[userId];
}

function addTimeline(state: MeetingAnalytics, entry: TimelineEntry): void {
  if (state.timeline.length >= TIMELINE_LIMIT) state.timeline_truncated = true;
  else state.timeline.push(entry);
}

/** Ends a stay: its time counts from the join to `at`. */
function leave(state: MeetingAnalytics, userId: string, at: Date): boolean {
  const p = state.per_participant[userId];
  if (!p?.present_since) return false;
  const ms = Math.max(0, at.getTime() - p.present_since.getTime());
  p.present_ms += ms;
  state.participant_ms += ms;
  p.present_since = null;
  state.current_participants -= 1;
  return true;
}

function apply(state: MeetingAnalytics, event: MeetingAnalyticsEvent): void {
  const at = event.occurredAt;
  switch (event.type) {
    case 'MeetingStarted':
      state.started_at ??= at;
      state.day = utcDay(state.started_at);
      return;
    case 'MeetingEnded':
      state.ended_at = at;
      // Stays still open end with the meeting (their ParticipantLeft usually came first).
      for (const userId of Object.keys(state.per_participant)) leave(state, userId, at);
      return;
    case 'MeetingCancelled':
      state.cancelled = true;
      return;
    case 'ParticipantJoined': {
      const p = participant(state, event.data.userId);
      if (p.present_since) return;
      if (p.joins === 0) state.participants.push(event.data.userId);
      p.joins += 1;
      p.present_since = at;
      state.participant_count = state.participants.length;
      state.current_participants += 1;
      state.peak_concurrency = Math.max(state.peak_concurrency, state.current_participants);
      state.day ??= utcDay(at);
      addTimeline(state, { user_id: event.data.userId, action: 'joined', at });
      return;
    }
    case 'ParticipantLeft':
      if (leave(state, event.data.userId, at)) {
        addTimeline(state, { user_id: event.data.userId, action: 'left', at });
      }
      return;
    case 'ParticipantRemoved':
      if (leave(state, event.data.userId, at)) {
        addTimeline(state, { user_id: event.data.userId, action: 'removed', at });
      }
      return;
    case 'ChatMessageSent':
      state.chat_count += 1;
      participant(state, event.data.senderId).chat_messages += 1;
      return;
    case 'MediaStreamPublished':
      state.media_streams[event.data.mediaStreamId] = { user_id: event.data.userId, kind: event.data.kind };
      return;
    case 'MediaStreamQualitySampled': {
      const kind = state.media_streams[event.data.mediaStreamId]?.kind ?? 'unknown';
      state.quality[kind] = addSample(state.quality[kind], event.data);
      return;
    }
    case 'ParticipantSpeakingSampled':
      participant(state, event.data.userId).speaking_ms += event.data.speakingMs;
      state.speaking_ms_total += event.data.speakingMs;
      return;
  }
}

type QualitySample = Extract<MeetingAnalyticsEvent, { type: 'MediaStreamQualitySampled' }>['data'];

function addSample(summary: QualitySummary | undefined, sample: QualitySample): QualitySummary {
  const s: QualitySummary = summary ?? {
    samples: 0,
    bitrate_kbps_sum: 0,
    bitrate_kbps_avg: 0,
    packet_loss_percent_avg: 0,
    packet_loss_percent_sum: 0,
    packet_loss_percent_max: 0,
    jitter_ms_sum: 0,
    jitter_ms_avg: 0,
    rtt_samples: 0,
    rtt_ms_sum: 0,
    rtt_ms_avg: null,
  };
  s.samples += 1;
  s.bitrate_kbps_sum += sample.bitrateKbps;
  s.packet_loss_percent_sum += sample.packetLossPercent;
  s.packet_loss_percent_max = Math.max(s.packet_loss_percent_max, sample.packetLossPercent);
  s.jitter_ms_sum += sample.jitterMs;
  if (sample.rttMs !== null) {
    s.rtt_samples += 1;
    s.rtt_ms_sum += sample.rttMs;
  }
  s.bitrate_kbps_avg = round(s.bitrate_kbps_sum / s.samples, 3);
  s.packet_loss_percent_avg = round(s.packet_loss_percent_sum / s.samples, 3);
  s.jitter_ms_avg = round(s.jitter_ms_sum / s.samples, 3);
  s.rtt_ms_avg = s.rtt_samples > 0 ? round(s.rtt_ms_sum / s.rtt_samples, 3) : null;
  return s;
}
