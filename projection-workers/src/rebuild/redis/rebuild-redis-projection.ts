import { compareCheckpoints, formatCheckpoint, START } from '@meetings/events';
import type { Checkpoint } from '@meetings/events';
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
  /** Given: the live run reads Kafka (the full profile), and is met with the relay held still. */
  kafka?: KafkaLiveRun;
}

/**
 * On the Kafka path the live run's position is its consumer offsets, not a log checkpoint. With the
 * relay held still, Kafka holds the log up to the relay's checkpoint; once the live run has applied
 * all of it, it stands exactly there, and the generation can be brought to the same point.
 */
export interface KafkaLiveRun {
  /** Holds the relay still until released (adapters/postgres/postgres-relay-pause.ts). */
  pauseRelay(): Promise<{ release(): Promise<void> }>;
  relayCheckpoint(): Promise<Checkpoint | null>;
  /** Messages the relay has committed that the live run has yet to apply. */
  unappliedRelayed(): Promise<number>;
}

/** Switch attempts before giving up when the live run never pauses long enough. */
const SWITCH_ATTEMPTS = 1_000;
/**
 * On the Kafka path: how long a switch may wait for its moment; the live run's lag under which the
 * relay is held (a few batches: applying them takes far less than `KAFKA_DRAIN_MS`); and how long
 * one attempt holds the relay for the live run to apply the rest.
 */
const KAFKA_SWITCH_TIMEOUT_MS = 10 * 60_000;
const KAFKA_PAUSE_MAX_LAG = 1_000;
const KAFKA_DRAIN_MS = 2_000;

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
 * reason. A live run that reads Kafka is met where the relay was held still (`KafkaLiveRun`).
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
  log.info({ resumed, kafka: Boolean(deps.kafka) }, 'rebuilding the room cache beside the live one');
  let keys: KeyLists | null = null;
  /** Switches at `at`, where both sides stand and the live run stood when `expected` was read. */
  const trySwitch = async (
    at: Checkpoint | null,
    expected: LiveState,
    attempt: number,
  ): Promise<RebuildResult | null> => {
    if (!keys || keys.marker !== expected.marker) {
      // Both sides stand at `expected`: what either creates from now on, its meetings tell.
      build.projector.touched.clear();
      keys = await listKeys(deps.redis, deps.keyPrefix, generation, expected.marker);
    }
    progress.enter('switching', () => at);
    const text = at ? formatCheckpoint(at) : '';
    const outcome = await switchGeneration(deps.redis, {
      projection: name,
      generation,
      live,
      expected,
      at: text,
      moveLiveCheckpoint: !deps.kafka,
      keys,
      touched: build.projector.touched,
    });
    if (outcome !== 'switched') return null;
    if (at) await adoptDeadLetters(deps.pool, name, build.runName, at);
    progress.enter('switched', () => at);
    log.info({ at: text, attempts: attempt }, 'readers switched to the rebuilt room cache');
    return { projection: name, generation, resumed, switchedAt: at, seconds: (Date.now() - started) / 1000 };
  };
  try {
    let expected = await readLiveState(deps.redis, live);
    if (!deps.kafka) await refuseUnswitchable(deps, expected);
    await build.load();
    await progress.start('building', () => build.position);
    if (deps.kafka) {
      const readLive = () => readLiveState(deps.redis, live);
      return await switchBehindPausedRelay(deps.kafka, readLive, build, trySwitch, signal);
    }
    let at = await build.upTo(livePosition(expected), signal);
    for (let attempt = 1; attempt <= SWITCH_ATTEMPTS; attempt++) {
      const until = livePosition(expected);
      if (until === null || (at && compareCheckpoints(at, until) === 0)) {
        const switched = await trySwitch(at, expected, attempt);
        if (switched) return switched;
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
 * The Kafka path: the generation is built up to the relay's checkpoint while everything runs.
 * Then, once the live run is within `KAFKA_PAUSE_MAX_LAG` messages of the relay, the relay is held
 * still, the live run given `KAFKA_DRAIN_MS` to apply all it published, the generation brought to
 * the relay's checkpoint (a few events), and the switch run; the relay goes on at once after it.
 * An attempt gives way when the live run does not drain in time, or has run events past the
 * relay's checkpoint (a relay that died between publishing a batch and committing it: its
 * successor publishes the batch again).
 */
async function switchBehindPausedRelay(
  kafka: KafkaLiveRun,
  readLive: () => Promise<LiveState>,
  build: GenerationBuild,
  trySwitch: (at: Checkpoint | null, expected: LiveState, attempt: number) => Promise<RebuildResult | null>,
  signal: AbortSignal,
): Promise<RebuildResult> {
  const deadline = Date.now() + KAFKA_SWITCH_TIMEOUT_MS;
  let attempt = 0;
  while (Date.now() < deadline) {
    // Caught up while the relay runs, so that a pause is short.
    await build.upTo((await kafka.relayCheckpoint()) ?? START, signal);
    if ((await kafka.unappliedRelayed()) > KAFKA_PAUSE_MAX_LAG) {
      await sleep(100, signal);
      continue;
    }
    attempt++;
    const paused = await kafka.pauseRelay();
    try {
      const head = (await kafka.relayCheckpoint()) ?? START;
      if (await drained(kafka, signal)) {
        const expected = await readLive();
        const applied = livePosition(expected);
        if (!applied || compareCheckpoints(applied, head) <= 0) {
          const at = await build.upTo(head, signal);
          const switched = await trySwitch(at, expected, attempt);
          if (switched) return switched;
        }
      }
    } finally {
      await paused.release();
    }
    await sleep(100 + Math.random() * 100, signal);
  }
  throw new SwitchStarved(
    `room-cache: in ${KAFKA_SWITCH_TIMEOUT_MS / 60_000} minutes and ${attempt} attempts, the live run never applied what the relay had published within ${KAFKA_DRAIN_MS} ms (is it running?)`,
  );
}

async function drained(kafka: KafkaLiveRun, signal: AbortSignal): Promise<boolean> {
  const deadline = Date.now() + KAFKA_DRAIN_MS;
  while ((await kafka.unappliedRelayed()) > 0) {
    if (Date.now() > deadline) return false;
    await sleep(20, signal);
  }
  return true;
}

/**
 * Without `kafka`: a live run with keys but no log checkpoint reads Kafka, whose position (consumer
 * offsets) only the Kafka path can meet; switching at the start would throw its keys away.
 */
async function refuseUnswitchable(deps: RedisRebuildDeps, state: LiveState): Promise<void> {
  if (state.checkpoint !== '' || state.marker === '') return;
  const keys = await scanKeys(deps.redis, deps.keyPrefix, ROOM_CACHE_KEY_STARTS);
  if (keys.size > 0) {
    throw new RebuildRefused(
      'the live room-cache run keeps no log checkpoint (it reads Kafka?): rebuild it with KAFKA_BROKERS set, so that the switch meets it behind the relay',
    );
  }
}
