import type { EventOf } from './define-projector.js';
import type { MeetingsState } from './meetings-state.js';
import { timestamp } from './versioned-rows.js';

/*
 * meeting_recordings (id = recordingId) and the meeting's is_recording flag, from the meeting
 * stream, folded in memory. As everywhere: rows chosen by key, changed only below the event's
 * stream version. Status, in the seed's words where it has them: `recording` while it runs (the
 * seed names no value for that), `processing` from the stop until the file is stored, then
 * `completed` or `failed`.
 */

export function insertStarted(
  state: MeetingsState,
  { data, streamVersion, occurredAt }: EventOf<'RecordingStarted'>,
) {
  const startedAt = timestamp(occurredAt);
  state.recordings.upsert(
    data.recordingId,
    streamVersion,
    () => ({
      id: data.recordingId,
      meeting_id: data.meetingId,
      started_by: data.startedBy,
      stopped_by: null,
      status: 'recording',
      started_at: startedAt,
      stopped_at: null,
      completed_at: null,
      file_path: null,
      file_size: null,
      duration: null,
      format: null,
      failure_reason: null,
      last_stream_version: streamVersion,
      created_at: startedAt,
    }),
    // A replaced start keeps what later events set (stop, completion): only these columns change.
    (r) => {
      r.meeting_id = data.meetingId;
      r.started_by = data.startedBy;
      r.status = 'recording';
      r.started_at = startedAt;
    },
  );
}

export function markStopped(
  state: MeetingsState,
  { data, streamVersion, occurredAt }: EventOf<'RecordingStopped'>,
) {
  state.recordings.update(data.recordingId, streamVersion, (r) => {
    // The seed's `processing`: stopped, and the file not stored yet (RecordingCompleted/Failed follow).
    r.status = 'processing';
    r.stopped_by = data.stoppedBy;
    r.stopped_at = timestamp(occurredAt);
  });
}

/**
 * The file is stored: `completed`. Sizes go to bigint as PostgreSQL would have parsed them from a
 * parameter; the duration is whole seconds, as the seed's `duration INT` (rounded half up).
 */
export function markCompleted(
  state: MeetingsState,
  { data, streamVersion, occurredAt }: EventOf<'RecordingCompleted'>,
) {
  state.recordings.update(data.recordingId, streamVersion, (r) => {
    r.status = 'completed';
    r.completed_at = timestamp(occurredAt);
    r.file_path = data.storageKey;
    r.file_size = String(data.sizeBytes);
    r.duration = Math.round(data.durationSeconds);
    r.format = data.format;
  });
}

/** A running recording may fail too: it then ends without a stop (stopped_at stays NULL). */
export function markFailed(state: MeetingsState, { data, streamVersion }: EventOf<'RecordingFailed'>) {
  state.recordings.update(data.recordingId, streamVersion, (r) => {
    r.status = 'failed';
    r.failure_reason = data.reason;
  });
}

/**
 * Sets meetings.is_recording from the recording rows rather than from the event alone: a stopped
 * recording may fail while the next one runs, and that failure must not clear the flag. Only a
 * running meeting records (MeetingEnded clears the flag, even for a history without the stop).
 */
export function refreshIsRecording(
  state: MeetingsState,
  event: EventOf<'RecordingStarted' | 'RecordingStopped' | 'RecordingFailed'>,
) {
  const { meetingId } = event.data;
  state.meetings.update(meetingId, event.streamVersion, (m) => {
    m.is_recording = m.status === 'started' && state.recording(meetingId);
  });
}
