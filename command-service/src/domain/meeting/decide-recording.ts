import { AggregateNotFound, AlreadyExists, BusinessRuleViolation, NotPermitted } from '../errors.js';
import type { CompleteRecording, FailRecording, StartRecording, StopRecording } from './commands.js';
import { requireHost, requireStatus } from './rules.js';
import type { Meeting, MeetingEvent, RecordingStatus } from './state.js';

/** One recording at a time, and only of a running meeting. */
export function startRecording(command: StartRecording, meeting: Meeting): MeetingEvent[] {
  const { meetingId, recordingId } = command.data;
  requireHost(meeting, command.actorId);
  requireStatus(meeting, ['started']);
  if (meeting.activeRecordingId !== null) {
    throw new BusinessRuleViolation('already-recording', 'The meeting is already being recorded.');
  }
  // Ids come from the caller; reusing one would merge two recordings' histories.
  if (meeting.recordings.has(recordingId)) {
    throw new AlreadyExists('recording-exists', 'A recording with this id already exists.');
  }
  return [{ type: 'RecordingStarted', data: { meetingId, recordingId, startedBy: command.actorId } }];
}

export function stopRecording(command: StopRecording, meeting: Meeting): MeetingEvent[] {
  const { meetingId, recordingId } = command.data;
  requireHost(meeting, command.actorId);
  if (meeting.activeRecordingId === null) {
    throw new BusinessRuleViolation('not-recording', 'The meeting is not being recorded.');
  }
  if (meeting.activeRecordingId !== recordingId) {
    throw new BusinessRuleViolation('recording-not-active', 'That recording is not the one in progress.');
  }
  return [{ type: 'RecordingStopped', data: { meetingId, recordingId, stoppedBy: command.actorId } }];
}

/**
 * The recorder is an SFU node acting as itself (`sfu:<nodeId>`, the actor the node's commands
 * carry; a user's id is a uuid and never starts so). Only it knows whether a file was written and
 * uploaded, so only it completes or fails a recording: a host must not be able to claim a file
 * exists, nor hide a recording the node is still uploading.
 */
export function isRecorder(actorId: string): boolean {
  return actorId.startsWith('sfu:');
}

function requireRecorder(actorId: string): void {
  if (!isRecorder(actorId)) {
    throw new NotPermitted('recorder-only', 'Only the media server recording the meeting can do this.');
  }
}

/**
 * A recording's file exists only once it stopped, so completion needs a stopped recording. It may
 * arrive after the meeting ended (processing takes time), hence no meeting status check.
 */
export function completeRecording(command: CompleteRecording, meeting: Meeting): MeetingEvent[] {
  const { meetingId, recordingId, storageKey, sizeBytes, durationSeconds, format } = command.data;
  requireRecorder(command.actorId);
  const status = requireUnfinalizedRecording(meeting, recordingId);
  if (status === 'recording') {
    throw new BusinessRuleViolation(
      'recording-not-stopped',
      'The recording must be stopped before it is completed.',
    );
  }
  return [
    {
      type: 'RecordingCompleted',
      data: { meetingId, recordingId, storageKey, sizeBytes, durationSeconds, format },
    },
  ];
}

/**
 * A recording can fail while still running (ffmpeg died, the node was lost) as well as after
 * stopping (empty file, upload failed). Failing a running one emits
 * only RecordingFailed: evolve clears the active recording, so no separate stop is recorded.
 */
export function failRecording(command: FailRecording, meeting: Meeting): MeetingEvent[] {
  const { meetingId, recordingId, reason } = command.data;
  requireRecorder(command.actorId);
  requireUnfinalizedRecording(meeting, recordingId);
  return [{ type: 'RecordingFailed', data: { meetingId, recordingId, reason } }];
}

function requireUnfinalizedRecording(meeting: Meeting, recordingId: string): 'recording' | 'stopped' {
  const status: RecordingStatus | undefined = meeting.recordings.get(recordingId);
  if (status === undefined) {
    throw new AggregateNotFound('recording-not-found', 'This meeting has no recording with that id.');
  }
  if (status === 'completed' || status === 'failed') {
    throw new BusinessRuleViolation('recording-already-finalized', `The recording has already ${status}.`);
  }
  return status;
}
