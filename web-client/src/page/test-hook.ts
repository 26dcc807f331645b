import type { ReceivedStats } from './received-stats.js';

export type ClientState =
  'signed-out' | 'signed-in' | 'joining' | 'joined' | 'reconnecting' | 'left' | 'failed';

/**
 * `window.meetingClient`: what a browser test reads instead of scraping the page. `stats()` gives
 * the inbound-rtp statistics of every track received (one entry per consumer).
 */
export interface MeetingClientHook {
  state: ClientState;
  /** Why the state is what it is, when it is not plain (left, failed, reconnecting). */
  detail: string | null;
  userId: string | null;
  /** How many times the page joined the meeting's media (a rejoin after a close code adds one). */
  sfuJoins: number;
  stats(): Promise<ReceivedStats[]>;
}

declare global {
  interface Window {
    meetingClient: MeetingClientHook;
  }
}

export function installHook(stats: () => Promise<ReceivedStats[]>): MeetingClientHook {
  window.meetingClient = { state: 'signed-out', detail: null, userId: null, sfuJoins: 0, stats };
  return window.meetingClient;
}
