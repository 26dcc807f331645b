/** Server notifications (sfu-node/README.md). */
export type Notification =
  | { notification: 'newProducer'; data: ProducerInfo }
  | { notification: 'producerClosed'; data: { producerId: string; userId: string } }
  | { notification: 'producerPaused'; data: { producerId: string; userId: string; by: PauseCause } }
  | { notification: 'producerResumed'; data: { producerId: string; userId: string } }
  | { notification: 'peerLeft'; data: { userId: string } };

export type PauseCause = 'owner' | 'meeting';

export interface ProducerInfo {
  producerId: string;
  userId: string;
  kind: 'audio' | 'video';
  source: 'mic' | 'camera' | 'screen';
  paused: boolean;
}

/** Close codes (4000-4999 are the application's in RFC 6455). */
export const CLOSE = {
  unauthorized: 4401,
  /** Removed, banned or left: no longer a present participant. */
  notParticipant: 4403,
  /** The same user joined the meeting from another connection. */
  replaced: 4409,
  meetingEnded: 4410,
  /** The meeting was placed on another node (this one's registration lapsed): ask where, and rejoin. */
  moved: 4412,
  goingAway: 1001,
  /** The worker holding the meeting died: join again, a new router is made. */
  restart: 1012,
} as const;

/** The signaling connection a peer talks through, as the application layer sees it. */
export interface PeerLink {
  notify(message: Notification): void;
  close(code: number, reason: string): void;
}
