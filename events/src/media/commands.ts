import type { z } from 'zod';
import { mediaEventSchemas } from './events.js';

/** Commands an SFU node issues about the streams it routes; their bodies mirror the events. */
export const PublishMediaStreamBody = mediaEventSchemas.MediaStreamPublished.omit({
  meetingId: true,
}).strict();
export const CloseMediaStreamBody = mediaEventSchemas.MediaStreamClosed.omit({ meetingId: true }).strict();
export const RecordQualitySampleBody = mediaEventSchemas.MediaStreamQualitySampled.omit({
  meetingId: true,
}).strict();

export type PublishMediaStreamBody = z.infer<typeof PublishMediaStreamBody>;
export type CloseMediaStreamBody = z.infer<typeof CloseMediaStreamBody>;
export type RecordQualitySampleBody = z.infer<typeof RecordQualitySampleBody>;
