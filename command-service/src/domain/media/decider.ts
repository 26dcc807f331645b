import type { Decider } from '../decider.js';
import { AlreadyExists, BusinessRuleViolation } from '../errors.js';
import type { MediaCommand, RecordSpeakingSample } from './commands.js';
import type { MediaEvent, MediaState } from './state.js';
import { initialMediaState } from './state.js';

/**
 * Commands map one to one onto events; the rules only keep each stream's life in order:
 * published once, then sampled while open, then closed once.
 */
export function decide(command: MediaCommand, state: MediaState): MediaEvent[] {
  const { mediaStreamId } = command.data;
  if (command.type === 'PublishMediaStream') {
    if (state.streams.has(mediaStreamId)) {
      throw new AlreadyExists(
        'media-stream-exists',
        'A media stream with this id has already been published.',
      );
    }
    return [{ type: 'MediaStreamPublished', data: { ...command.data } }];
  }
  if (state.streams.get(mediaStreamId) !== 'open') {
    throw new BusinessRuleViolation('media-stream-not-open', 'This media stream is not open.');
  }
  switch (command.type) {
    case 'CloseMediaStream':
      return [{ type: 'MediaStreamClosed', data: { ...command.data } }];
    case 'RecordQualitySample':
      return [{ type: 'MediaStreamQualitySampled', data: { ...command.data } }];
    case 'RecordSpeakingSample':
      return speakingSampled(command);
  }
}

/** A window's speaking time: never more than the window, and a silent window is not a sample. */
function speakingSampled(command: RecordSpeakingSample): MediaEvent[] {
  const { mediaStreamId: _stream, ...data } = command.data;
  if (data.speakingMs <= 0 || data.speakingMs > data.windowMs) {
    throw new BusinessRuleViolation(
      'invalid-speaking-sample',
      'Speaking time must be above zero and at most the window.',
    );
  }
  return [{ type: 'ParticipantSpeakingSampled', data }];
}

export function evolve(state: MediaState, event: MediaEvent): MediaState {
  switch (event.type) {
    case 'MediaStreamPublished':
      return { streams: new Map(state.streams).set(event.data.mediaStreamId, 'open') };
    case 'MediaStreamClosed':
      return { streams: new Map(state.streams).set(event.data.mediaStreamId, 'closed') };
    case 'MediaStreamQualitySampled':
    case 'ParticipantSpeakingSampled':
      return state; // samples feed read models; no rule depends on them
  }
}

/** The `media-<meetingId>` stream's decider. */
export const mediaDecider: Decider<MediaCommand, MediaState, MediaEvent> = {
  initialState: initialMediaState,
  decide,
  evolve,
};
