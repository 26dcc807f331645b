import type { PresentParticipant, Room } from './room.js';

/** What a producer carries, as its client declares it in `produce`'s appData. */
export type MediaSource = 'mic' | 'camera' | 'screen';

/** Why a user may not take part in a meeting's media; the signaling error codes. */
export type RefusalCode = 'meeting-not-started' | 'not-a-participant';

export type Admission =
  | { admitted: true; participant: PresentParticipant }
  | { admitted: false; code: RefusalCode; message: string };

/**
 * Only a present participant of a started meeting gets media. No room means no meeting running
 * (the cache deletes it at the end, and never creates it for an unknown meeting). A lobby waiter,
 * a removed or banned user and one who left are not in `participants`.
 */
export function admit(room: Room | null, userId: string): Admission {
  if (!room || !room.started) {
    return { admitted: false, code: 'meeting-not-started', message: 'the meeting is not running' };
  }
  const participant = room.participants.get(userId);
  if (!participant) {
    return {
      admitted: false,
      code: 'not-a-participant',
      message:
        'join the meeting through the command API first (a lobby waiter, a removed or banned user is not present)',
    };
  }
  return { admitted: true, participant };
}

/**
 * Whether the meeting holds a producer paused regardless of its owner: a muted participant's
 * microphone, and a camera whose owner's video is off. A screen share follows neither flag: it is
 * neither the participant's voice nor their camera.
 */
export function pausedByMeeting(source: MediaSource, participant: PresentParticipant): boolean {
  if (source === 'mic') return participant.isMuted;
  if (source === 'camera') return !participant.isVideoOn;
  return false;
}

/** What must happen to a connected user when their meeting's room changes. */
export type Verdict =
  | { kind: 'keep'; participant: PresentParticipant }
  | { kind: 'disconnect'; reason: 'meeting-ended' | 'not-a-participant' };

export function verdictFor(room: Room | null, userId: string): Verdict {
  const admission = admit(room, userId);
  if (admission.admitted) return { kind: 'keep', participant: admission.participant };
  return {
    kind: 'disconnect',
    reason: admission.code === 'meeting-not-started' ? 'meeting-ended' : 'not-a-participant',
  };
}
