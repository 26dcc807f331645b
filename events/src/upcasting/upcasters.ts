import { UpcasterRegistry } from './upcaster-registry.js';

/**
 * The upcasters of every event whose schema changed.
 * ParticipantJoined v1 was `{meetingId, userId, isHost}`: v2 names a role and states the initial
 * audio/video state, which v1 participants joined with (unmuted, video on).
 */
export function createUpcasterRegistry(): UpcasterRegistry {
  return new UpcasterRegistry().register('ParticipantJoined', 1, ({ isHost, ...rest }) => ({
    ...rest,
    role: isHost === true ? 'host' : 'participant',
    isMuted: false,
    isVideoOn: true,
  }));
}
