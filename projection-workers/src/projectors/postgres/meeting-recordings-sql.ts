import type { ClientBase } from 'pg';
import type { EventOf } from './define-projector.js';

/*
 * meeting_recordings (id = recordingId) and the meeting's is_recording flag, from the meeting
 * stream. As everywhere: rows chosen by key, changed only below the event's stream version.
 */

export function insertStarted(
  tx: ClientBase,
  { data, streamVersion, occurredAt }: EventOf<'RecordingStarted'>,
) {
  return tx.query(
    `INSERT INTO meeting_recordings AS r
       (id, meeting_id, started_by, status, started_at, last_stream_version, created_at)
     VALUES ($1, $2, $3, 'recording', $4, $5, $4)
     ON CONFLICT (id) DO UPDATE SET
       meeting_id = EXCLUDED.meeting_id,
       started_by = EXCLUDED.started_by,
       status = EXCLUDED.status,
       started_at = EXCLUDED.started_at,
       last_stream_version = EXCLUDED.last_stream_version
     WHERE r.last_stream_version < EXCLUDED.last_stream_version`,
    [data.recordingId, data.meetingId, data.startedBy, occurredAt, streamVersion],
  );
}

export function markStopped(
  tx: ClientBase,
  { data, streamVersion, occurredAt }: EventOf<'RecordingStopped'>,
) {
  return tx.query(
    `UPDATE meeting_recordings SET status = 'stopped', stopped_by = $3, stopped_at = $4, last_stream_version = $2
     WHERE id = $1 AND last_stream_version < $2`,
    [data.recordingId, streamVersion, data.stoppedBy, occurredAt],
  );
}

export function markCompleted(
  tx: ClientBase,
  { data, streamVersion, occurredAt }: EventOf<'RecordingCompleted'>,
) {
  return tx.query(
    `UPDATE meeting_recordings SET
       status = 'completed', completed_at = $3, storage_key = $4, size_bytes = $5, duration_seconds = $6,
       format = $7, last_stream_version = $2
     WHERE id = $1 AND last_stream_version < $2`,
    [
      data.recordingId,
      streamVersion,
      occurredAt,
      data.storageKey,
      data.sizeBytes,
      data.durationSeconds,
      data.format,
    ],
  );
}

/** A running recording may fail too: it then ends without a stop (stopped_at stays NULL). */
export function markFailed(tx: ClientBase, { data, streamVersion }: EventOf<'RecordingFailed'>) {
  return tx.query(
    `UPDATE meeting_recordings SET status = 'failed', failure_reason = $3, last_stream_version = $2
     WHERE id = $1 AND last_stream_version < $2`,
    [data.recordingId, streamVersion, data.reason],
  );
}

/**
 * Sets meetings.is_recording from the recording rows rather than from the event alone: a stopped
 * recording may fail while the next one runs, and that failure must not clear the flag. Only a
 * running meeting records (MeetingEnded clears the flag, even for a history without the stop).
 */
export function refreshIsRecording(
  tx: ClientBase,
  event: EventOf<'RecordingStarted' | 'RecordingStopped' | 'RecordingFailed'>,
) {
  return tx.query(
    `UPDATE meetings m SET
       is_recording = m.status = 'started' AND EXISTS (
         SELECT 1 FROM meeting_recordings r WHERE r.meeting_id = m.id AND r.status = 'recording'),
       last_stream_version = $2
     WHERE m.id = $1 AND m.last_stream_version < $2`,
    [event.data.meetingId, event.streamVersion],
  );
}
