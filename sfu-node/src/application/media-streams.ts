import { randomUUID } from 'node:crypto';
import { DomainError, mediaDecider } from '@meetings/command-service/domain';
import type { MediaCommand, MediaEvent, MediaState } from '@meetings/command-service/domain';
import {
  currentSchemaVersion,
  decodeEvent,
  parseEvent,
  streams,
  WrongExpectedVersionError,
} from '@meetings/events';
import type {
  CloseMediaStreamBody,
  EventMetadata,
  EventStore,
  MediaKind,
  NewEvent,
  RecordQualitySampleBody,
  UpcasterRegistry,
} from '@meetings/events';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import type { MediaSource } from '../domain/rules.js';
import { AudioLevels } from './audio-levels.js';

export type CloseReason = CloseMediaStreamBody['reason'];

export interface MediaStreamSettings {
  /** `sfuNodeId` of the events; the metadata names the writer `sfu:<nodeId>`. */
  nodeId: string;
  /** At most one sample per producer this often (and only a meaningful change). */
  sampleIntervalMs: number;
  /** Decisions per command before giving up on a stream that keeps changing (default 10). */
  maxAttempts?: number;
  /** The audio level (dBov, -127 to 0) above which a producer counts as speaking (default -50). */
  speakingThresholdDbov?: number;
}

type Quality = Omit<RecordQualitySampleBody, 'mediaStreamId' | 'sampledAt'>;

interface Tracked {
  meetingId: string;
  userId: string;
  mediaStreamId: string;
  /** Speaking time counted since `windowStart` (audio producers: AudioLevels). */
  speakingMs: number;
  windowStart: number;
  producer: types.Producer;
  timer: NodeJS.Timeout;
  sampling: boolean;
  last: Quality | null;
}

interface Loaded {
  state: MediaState;
  version: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A sample worth a write: the first one, or one that moved enough to matter on a dashboard. Below
 * these, two samples tell the same story (bitrate wobbles by a few percent every second).
 */
export function changedMeaningfully(previous: Quality | null, next: Quality): boolean {
  if (!previous) return true;
  const bitrateDelta = Math.abs(next.bitrateKbps - previous.bitrateKbps);
  if (bitrateDelta >= Math.max(16, 0.2 * previous.bitrateKbps)) return true;
  if (Math.abs(next.packetLossPercent - previous.packetLossPercent) >= 1) return true;
  if (Math.abs(next.jitterMs - previous.jitterMs) >= 10) return true;
  if ((next.rttMs === null) !== (previous.rttMs === null)) return true;
  return next.rttMs !== null && previous.rttMs !== null && Math.abs(next.rttMs - previous.rttMs) >= 20;
}

/** A producer's receive statistics (one entry per encoding) as one sample. */
export function qualityOf(stats: readonly types.ProducerStat[]): Quality {
  const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
  const rtts = stats.flatMap((s) => (s.roundTripTime === undefined ? [] : [s.roundTripTime]));
  return {
    bitrateKbps: round(stats.reduce((sum, s) => sum + s.bitrate, 0) / 1000),
    // fractionLost is RTCP's: the lost fraction of the last interval, in 256ths.
    packetLossPercent: round(Math.min(100, (Math.max(0, ...stats.map((s) => s.fractionLost)) / 256) * 100)),
    jitterMs: round(Math.max(0, ...stats.map((s) => s.jitter))),
    rttMs: rtts.length > 0 ? round(Math.max(...rtts)) : null,
  };
}

/**
 * Appends the node's producers to `media-<meetingId>` as media streams: published when a producer
 * is created, sampled while it lives, closed with it. Each command goes through the media decider
 * (the same rules as anywhere else) and is appended under the stream version it was decided on; a
 * conflict (another node, or this one from an earlier run) reads the newer events and decides again.
 * Writes of one meeting are queued in order; a failed write is logged, never thrown at the media.
 */
export class MediaStreamRecorder {
  private readonly tracked = new Map<string, Tracked>();
  private readonly queues = new Map<string, Promise<void>>();
  private readonly loaded = new Map<string, Loaded>();
  private readonly metadata: EventMetadata;
  private readonly maxAttempts: number;
  private readonly levels: AudioLevels;

  constructor(
    private readonly store: EventStore,
    private readonly upcasters: UpcasterRegistry,
    private readonly settings: MediaStreamSettings,
    private readonly log: Logger,
  ) {
    // actorUserId must be a user's uuid: the node is named where a writer is traced (correlation).
    this.metadata = {
      correlationId: `sfu:${settings.nodeId}`,
      causationId: null,
      actorUserId: null,
      idempotencyKey: null,
    };
    this.maxAttempts = settings.maxAttempts ?? 10;
    this.levels = new AudioLevels(
      settings.speakingThresholdDbov ?? -50,
      (producerId, ms) => {
        const tracked = this.tracked.get(producerId);
        if (tracked) tracked.speakingMs += ms;
      },
      log,
    );
  }

  /** The producer was created (on `router`): publishes its stream and starts sampling it. */
  published(
    meetingId: string,
    userId: string,
    producer: types.Producer,
    source: MediaSource,
    router?: types.Router,
  ): void {
    const mediaStreamId = randomUUID();
    const kind: MediaKind = source === 'screen' ? 'screen' : producer.kind;
    const mimeType = producer.rtpParameters.codecs[0]?.mimeType ?? 'unknown';
    const codec = mimeType.slice(mimeType.indexOf('/') + 1);
    const tracked: Tracked = {
      meetingId,
      userId,
      mediaStreamId,
      speakingMs: 0,
      windowStart: Date.now(),
      producer,
      sampling: false,
      last: null,
      timer: setInterval(() => void this.sample(tracked), this.settings.sampleIntervalMs),
    };
    tracked.timer.unref();
    this.tracked.set(producer.id, tracked);
    if (router) this.levels.add(router, producer);
    this.enqueue(meetingId, {
      type: 'PublishMediaStream',
      data: {
        meetingId,
        mediaStreamId,
        userId,
        kind,
        sfuNodeId: this.settings.nodeId,
        producerId: producer.id,
        codec,
      },
      actorId: this.metadata.correlationId,
      now: new Date(),
    });
  }

  /** The producer closed: stops sampling and closes its stream. */
  closed(producerId: string, reason: CloseReason): void {
    const tracked = this.tracked.get(producerId);
    if (!tracked) return;
    this.tracked.delete(producerId);
    clearInterval(tracked.timer);
    this.speakingSample(tracked);
    this.enqueue(tracked.meetingId, {
      type: 'CloseMediaStream',
      data: { meetingId: tracked.meetingId, mediaStreamId: tracked.mediaStreamId, reason },
      actorId: this.metadata.correlationId,
      now: new Date(),
    });
  }

  /**
   * The speaking time of the window that ends now, if any: one sample per producer per interval
   * at most (the sampling timer's), none for a silent window; the next window starts now.
   */
  private speakingSample(tracked: Tracked): void {
    const now = Date.now();
    const windowMs = Math.max(1, Math.round(now - tracked.windowStart));
    const speakingMs = Math.min(windowMs, Math.round(tracked.speakingMs));
    tracked.windowStart = now;
    tracked.speakingMs = 0;
    if (speakingMs <= 0) return;
    this.enqueue(tracked.meetingId, {
      type: 'RecordSpeakingSample',
      data: {
        meetingId: tracked.meetingId,
        mediaStreamId: tracked.mediaStreamId,
        userId: tracked.userId,
        producerId: tracked.producer.id,
        sampledAt: new Date(now).toISOString(),
        windowMs,
        speakingMs,
      },
      actorId: this.metadata.correlationId,
      now: new Date(now),
    });
  }

  private async sample(tracked: Tracked): Promise<void> {
    if (this.tracked.has(tracked.producer.id)) this.speakingSample(tracked);
    if (tracked.sampling || tracked.producer.closed) return;
    tracked.sampling = true;
    try {
      const quality = qualityOf(await tracked.producer.getStats());
      if (!this.tracked.has(tracked.producer.id) || !changedMeaningfully(tracked.last, quality)) return;
      tracked.last = quality;
      this.enqueue(tracked.meetingId, {
        type: 'RecordQualitySample',
        data: {
          meetingId: tracked.meetingId,
          mediaStreamId: tracked.mediaStreamId,
          sampledAt: new Date().toISOString(),
          ...quality,
        },
        actorId: this.metadata.correlationId,
        now: new Date(),
      });
    } catch (error) {
      // The producer closed while its stats were read: its close is recorded instead.
      if (!tracked.producer.closed) this.log.warn({ err: error }, 'could not read producer stats');
    } finally {
      tracked.sampling = false;
    }
  }

  private enqueue(meetingId: string, command: MediaCommand): void {
    const previous = this.queues.get(meetingId) ?? Promise.resolve();
    const next = previous
      .then(() => this.execute(meetingId, command))
      .catch((error: unknown) => {
        const level = error instanceof DomainError ? 'warn' : 'error';
        this.log[level](
          { err: error, meetingId, command: command.type, mediaStreamId: command.data.mediaStreamId },
          'media stream event not recorded',
        );
      })
      .finally(() => {
        if (this.queues.get(meetingId) !== next) return;
        this.queues.delete(meetingId);
        // Nothing left to write for the meeting: its cached state is dropped with its queue.
        if (![...this.tracked.values()].some((t) => t.meetingId === meetingId)) this.loaded.delete(meetingId);
      });
    this.queues.set(meetingId, next);
  }

  private async execute(meetingId: string, command: MediaCommand): Promise<void> {
    const streamId = streams.media(meetingId);
    for (let attempt = 1; ; attempt++) {
      const loaded = await this.catchUp(meetingId, streamId);
      const decided = mediaDecider.decide(command, loaded.state);
      const events = decided.map((e) => this.toNewEvent(e, command.now));
      try {
        const result = await this.store.appendToStream(streamId, events, loaded.version);
        let state = loaded.state;
        for (const e of decided) state = mediaDecider.evolve(state, e);
        this.loaded.set(meetingId, { state, version: result.nextExpectedVersion });
        return;
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError) || attempt >= this.maxAttempts) throw error;
        await sleep(Math.random() * Math.min(2 ** attempt, 50));
      }
    }
  }

  /** The meeting's media state, with whatever was appended since it was last read. */
  private async catchUp(meetingId: string, streamId: string): Promise<Loaded> {
    const cached = this.loaded.get(meetingId) ?? { state: mediaDecider.initialState(), version: 0 };
    const recorded = await this.store.readStream(streamId, { from: cached.version + 1 });
    if (recorded.length === 0) return cached;
    let state = cached.state;
    for (const r of recorded) {
      const e = decodeEvent(this.upcasters, r);
      state = mediaDecider.evolve(state, { type: e.type, data: e.data } as MediaEvent);
    }
    const loaded = { state, version: recorded.at(-1)!.streamVersion };
    this.loaded.set(meetingId, loaded);
    return loaded;
  }

  private toNewEvent(event: MediaEvent, now: Date): NewEvent {
    const valid = parseEvent(event.type, event.data);
    return {
      eventId: randomUUID(),
      type: valid.type,
      schemaVersion: currentSchemaVersion(valid.type),
      data: valid.data,
      metadata: this.metadata,
      occurredAt: now,
    };
  }

  /** Waits for every queued write (before the event store's pool is closed). */
  async flush(): Promise<void> {
    while (this.queues.size > 0) await Promise.all(this.queues.values());
  }

  /** Stops sampling; closes already queued are still written (see flush). */
  stop(): void {
    for (const t of this.tracked.values()) clearInterval(t.timer);
  }
}
