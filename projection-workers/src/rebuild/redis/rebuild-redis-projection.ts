import { compareCheckpoints, formatCheckpoint } from '@meetings/events';
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Logger } from 'pino';
import { ROOM_CACHE_KEY_STARTS } from '../../projectors/redis/room-cache-projector.js';
import { sleep } from '../../runner/sleep.js';
import { RebuildRefused } from '../rebuild-progress.js';
import type { RebuildOptions, RebuildResult } from '../rebuild-progress.js';
import { adoptDeadLetters } from './generation-dead-letters.js';
import { GenerationBuild } from './generation-build.js';
import {
  claimGeneration,
  generationPrefix,
  livePosition,
  readLiveState,
  runKeys,
} from './generation-keys.js';
import type { LiveState } from './generation-keys.js';
import { scanKeys } from './key-scan.js';
import { ProgressReporter } from './progress-reporter.js';
import { listKeys, switchGeneration } from './switch-generation.js';
import type { KeyLists } from './switch-generation.js';

export interface RedisRebuildDeps {
  pool: pg.Pool;
  /** The live client, its keyPrefix the services' REDIS_KEY_PREFIX. */
  redis: Redis;
  keyPrefix: string;
  logger: Logger;
  batchSize: number;
  notifyMaxAgeSeconds: number;
}

/** Switch attempts before giving up when the live run never pauses long enough. */
const SWITCH_ATTEMPTS = 1_000;

/** The live run kept moving between the catch-up and the switch, every time. */
export class SwitchStarved extends Error {
  override readonly name = 'SwitchStarved';
}

/**
 * Rebuilds the Redis room cache blue/green: the same projector, without side effects, builds a new
 * generation under `<keyPrefix>rebuild:<generation>:` from the PostgreSQL log up to where the
 * live run stands; the keys of both sides are listed once; then, as long as the live run moves
 * before the switch, the generation catches up with it again (a few events) and the switch is
 * retried: one script that switches readers only if the live run did nothing since its position
 * was read (switch-generation.ts). Interrupted (abort, crash), the live keys are untouched and the
 * next call resumes the generation from its own checkpoint. An abort rejects with the signal's
 * reason.
 *
 * The live run must read the log: one fed by Kafka keeps no log checkpoint to switch at.
 */
export async function rebuildRedisProjection(
  deps: RedisRebuildDeps,
  name: 'room-cache',
  options: RebuildOptions = {},
): Promise<RebuildResult> {
  if (name !== 'room-cache') {
    throw new RebuildRefused(
      name === 'session-roles'
        ? 'session-roles cannot be rebuilt beside the live keys: it updates live login sessions in place'
        : `${String(name)} is not a Redis projection that can be rebuilt`,
    );
  }
  const started = Date.now();
  const signal = options.signal ?? new AbortController().signal;
  const live = runKeys(name);
  const { generation, resumed } = await claimGeneration(deps.redis, name);
  const log = deps.logger.child({ projection: name, generation });
  const client = deps.redis.duplicate({ keyPrefix: deps.keyPrefix + generationPrefix(generation) });
  const build = new GenerationBuild(deps, log, client, generation);
  const progress = new ProgressReporter(
    deps.pool,
    { projection: name, generation },
    options.onProgress,
    options.progressEveryMs,
  );
  log.info({ resumed }, 'rebuilding the room cache beside the live one');
  try {
    let expected = await readLiveState(deps.redis, live);
    await refuseUnswitchable(deps, expected);
    await build.load();
    await progress.start('building', () => build.position);
    let at = await build.upTo(livePosition(expected), signal);
    let keys: KeyLists | null = null;
    for (let attempt = 1; attempt <= SWITCH_ATTEMPTS; attempt++) {
      if (!keys || keys.marker !== expected.marker) {
        // Both sides stand at `expected`: what either creates from now on, its meetings tell.
        build.projector.touched.clear();
        keys = await listKeys(deps.redis, deps.keyPrefix, generation, expected.marker);
      }
      const until = livePosition(expected);
      if (until === null || (at && compareCheckpoints(at, until) === 0)) {
        progress.enter('switching', () => at);
        const text = at ? formatCheckpoint(at) : '';
        const outcome = await switchGeneration(deps.redis, {
          projection: name,
          generation,
          live,
          expected,
          at: text,
          keys,
          touched: build.projector.touched,
        });
        if (outcome === 'switched') {
          if (at) await adoptDeadLetters(deps.pool, name, build.runName, at);
          progress.enter('switched', () => at);
          log.info({ at: text, attempts: attempt }, 'readers switched to the rebuilt room cache');
          return {
            projection: name,
            generation,
            resumed,
            switchedAt: at,
            seconds: (Date.now() - started) / 1000,
          };
        }
      }
      // The live run moved (or, having lost its keys, stands behind the generation): follow it.
      // Out of step with its batches, so that a pause between two is met.
      await sleep(Math.random() * 3, signal);
      signal.throwIfAborted();
      expected = await readLiveState(deps.redis, live);
      progress.enter('catching-up', () => build.position);
      at = await build.upTo(livePosition(expected), signal);
    }
    throw new SwitchStarved(`${name}: the live run moved before each of ${SWITCH_ATTEMPTS} switch attempts`);
  } finally {
    progress.stop();
    client.disconnect();
  }
}

/**
 * A live run with keys but no log checkpoint reads Kafka: its position is consumer offsets, which
 * a switch cannot match, and switching at the start would throw its keys away.
 */
async function refuseUnswitchable(deps: RedisRebuildDeps, state: LiveState): Promise<void> {
  if (state.checkpoint !== '' || state.marker === '') return;
  const keys = await scanKeys(deps.redis, deps.keyPrefix, ROOM_CACHE_KEY_STARTS);
  if (keys.size > 0) {
    throw new RebuildRefused(
      'the live room-cache run keeps no log checkpoint (it reads Kafka?): it cannot be switched at its position',
    );
  }
}
