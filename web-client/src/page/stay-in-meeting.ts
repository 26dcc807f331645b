import type { AppConfig } from './app-config.js';
import type { Session } from './command-api.js';
import type { Grid } from './grid.js';
import { whereToConnect } from './media-server.js';
import { MeetingSession } from './meeting-session.js';
import type { ClientState } from './test-hook.js';

/*
 * Keeps the user in the meeting's media across what the SFU side may do: a node that hands the
 * meeting over or restarts a worker closes the socket with a code that means "join again", and the
 * page then asks again where the meeting is and rejoins; the other codes end the stay.
 */

/** Close codes after which the meeting goes on (elsewhere, or on a fresh router). */
const JOIN_AGAIN = new Map([
  [4412, 'the meeting moved to another media server'],
  [1012, 'the media worker restarted'],
  // Not named by the brief's two codes, but the same remedy: the node goes, or failed a check.
  [1001, 'the media server is shutting down'],
  [1013, 'the media server could not check the session'],
  [1006, 'the connection to the media server was lost'],
]);

/** Close codes that end the stay, and what to tell the user. */
const FINAL = new Map([
  [4401, 'the session expired or was revoked: sign in again'],
  [4403, 'you are no longer in this meeting'],
  [4409, 'you joined this meeting from another window'],
  [4410, 'the meeting is over'],
]);

/** Connecting or joining failed this many times in a row: give up. */
const MAX_FAILURES = 5;
/** A session that lasted this long was a success: failures count from zero again. */
const STABLE_MS = 10_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const backoff = (failures: number) => Math.min(250 * 2 ** failures, 8000);

export interface Stay {
  config: AppConfig;
  session: Session;
  meetingId: string;
  /** The log position of the command API's join (null: joined before), for the first look-up. */
  joinPosition: number | null;
  local: MediaStream;
  grid: Grid;
  onState(state: ClientState, detail?: string): void;
  /** The live connection, for the stats; null between two. */
  onMedia(media: MeetingSession | null): void;
}

export async function stayInMeeting(stay: Stay): Promise<void> {
  const { config, session, meetingId, local, grid } = stay;
  let failures = 0;
  let minPosition = stay.joinPosition;
  for (;;) {
    let media: MeetingSession;
    try {
      const url = await whereToConnect(config, session.token, meetingId, minPosition);
      media = await MeetingSession.open(url, session.token, meetingId, session.userId, local, grid);
    } catch (error) {
      failures++;
      const detail = error instanceof Error ? error.message : String(error);
      if (failures >= MAX_FAILURES) return stay.onState('failed', detail);
      stay.onState('reconnecting', detail);
      await sleep(backoff(failures));
      continue;
    }
    const joinedAt = Date.now();
    minPosition = null; // seen once: later look-ups need not wait for it
    stay.onMedia(media);
    stay.onState('joined');
    const closed = await media.closed;
    media.dispose();
    stay.onMedia(null);
    const again = JOIN_AGAIN.get(closed.code);
    if (!again)
      return stay.onState('left', FINAL.get(closed.code) ?? `closed (${closed.code} ${closed.reason})`);
    failures = Date.now() - joinedAt > STABLE_MS ? 0 : failures + 1;
    if (failures >= MAX_FAILURES) return stay.onState('failed', again);
    stay.onState('reconnecting', again);
    await sleep(failures === 0 ? 0 : backoff(failures));
  }
}
