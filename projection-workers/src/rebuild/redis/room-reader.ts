import type { Redis } from 'ioredis';
import { roomKey, roomVersionKey } from '../../projectors/redis/room-cache-projector.js';

export interface ReaderReport {
  rounds: number;
  /** Keys read each round, at the end. */
  keys: number;
  violations: string[];
}

const DISCOVER_EVERY = 20;
/** Between rounds: a reader that never paused would starve the writers under test of Redis. */
const PAUSE_MS = 5;

/**
 * A reader of the room cache as the services read it (fixed key names under their prefix),
 * reading in a loop until stopped. A meeting's `room-version` once seen must stay and never go
 * back; a room there at the start must stay (its meeting gets no event meanwhile: the test only
 * adds meetings) with its version never going back. New meetings are picked up as they appear.
 */
export async function startReader(
  redis: Redis,
  ignored: readonly string[],
): Promise<{ stop(): Promise<ReaderReport> }> {
  const prefix = redis.options.keyPrefix ?? '';
  const ids = async (start: string) =>
    (await redis.keys(`${prefix}${start}*`))
      .map((key) => key.slice(prefix.length + start.length))
      .filter((id) => !ignored.includes(id));
  const versions = new Map<string, number>();
  for (const id of await ids(roomVersionKey(''))) versions.set(id, 0);
  const rooms = new Map<string, number>((await ids(roomKey(''))).map((id) => [id, 0]));
  const report: ReaderReport = { rounds: 0, keys: 0, violations: [] };
  let running = true;

  const check = (what: string, last: Map<string, number>, id: string, value: string | null) => {
    if (value === null) report.violations.push(`${what}:${id} missing in round ${report.rounds}`);
    else if (Number(value) < last.get(id)!) {
      report.violations.push(`${what}:${id} went from ${last.get(id)} to ${value} in round ${report.rounds}`);
    } else last.set(id, Number(value));
  };

  const loop = (async () => {
    while (running) {
      if (report.rounds % DISCOVER_EVERY === 0) {
        for (const id of await ids(roomVersionKey(''))) if (!versions.has(id)) versions.set(id, 0);
      }
      const meetingIds = [...versions.keys()];
      const roomIds = [...rooms.keys()];
      const pipeline = redis.pipeline();
      for (const id of meetingIds) pipeline.get(roomVersionKey(id));
      for (const id of roomIds) pipeline.hget(roomKey(id), 'version');
      const answers = ((await pipeline.exec()) ?? []).map(([error, value]) => {
        if (error) throw error;
        return value as string | null;
      });
      meetingIds.forEach((id, i) => check('room-version', versions, id, answers[i]!));
      roomIds.forEach((id, i) => check('room', rooms, id, answers[meetingIds.length + i]!));
      report.rounds += 1;
      report.keys = answers.length;
      await new Promise((resolve) => setTimeout(resolve, PAUSE_MS));
    }
  })();

  return {
    async stop() {
      running = false;
      await loop;
      redis.disconnect();
      return report;
    },
  };
}
