import type {
  CloseMediaStreamBody,
  EventData,
  PublishMediaStreamBody,
  RecordQualitySampleBody,
} from '@meetings/events';
import type { DomainCommand } from '../decider.js';

/** Issued by SFU nodes: `actorId` is the node, trusted by the transport, so no permission rules apply. */
export type PublishMediaStream = DomainCommand<
  'PublishMediaStream',
  { meetingId: string } & PublishMediaStreamBody
>;
export type CloseMediaStream = DomainCommand<
  'CloseMediaStream',
  { meetingId: string } & CloseMediaStreamBody
>;
export type RecordQualitySample = DomainCommand<
  'RecordQualitySample',
  { meetingId: string } & RecordQualitySampleBody
>;

/**
 * How long a producer's owner spoke in a window (the node's audio-level observer). The command
 * names the producer's media stream, which must be open; the event carries the producer and user.
 */
export type RecordSpeakingSample = DomainCommand<
  'RecordSpeakingSample',
  { mediaStreamId: string } & EventData<'ParticipantSpeakingSampled'>
>;

export type MediaCommand = PublishMediaStream | CloseMediaStream | RecordQualitySample | RecordSpeakingSample;
