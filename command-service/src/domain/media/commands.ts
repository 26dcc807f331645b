import type { CloseMediaStreamBody, PublishMediaStreamBody, RecordQualitySampleBody } from '@meetings/events';
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

export type MediaCommand = PublishMediaStream | CloseMediaStream | RecordQualitySample;
