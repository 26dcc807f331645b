import { UpcasterRegistry } from './upcaster-registry.js';

/**
 * The upcasters of every event whose schema changed.
 * ParticipantJoined v1 was `{meetingId, userId, isHost}`: v2 names a role and states the initial
 * audio/video state, which v1 participants joined with (unmuted, video on).
 * MeetingScheduled v1 had no access settings: anyone signed in could join, without a lobby or a
 * passcode, which is what v2 spells `access: 'open', lobby: false, passcodeVersion: null`.
 * ParticipantRemoved v1 was a kick, never a ban.
 */
export function createUpcasterRegistry(): UpcasterRegistry {
  return new UpcasterRegistry()
    .register('ParticipantJoined', 1, ({ isHost, ...rest }) => ({
      ...rest,
      role: isHost === true ? 'host' : 'participant',
      isMuted: false,
      isVideoOn: true,
    }))
    .register('MeetingScheduled', 1, (data) => ({
      ...data,
      settings: { ...(data.settings as Record<string, unknown>), access: 'open', lobby: false },
      passcodeVersion: null,
    }))
    .register('ParticipantRemoved', 1, (data) => ({ ...data, banned: false }));
}
