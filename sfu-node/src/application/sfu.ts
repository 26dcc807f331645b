import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { placedElsewhere } from '../domain/placement.js';
import type { Room } from '../domain/room.js';
import { admit } from '../domain/rules.js';
import type { RoomSource } from '../ports/room-source.js';
import type { WorkerPool } from '../worker-pool.js';
import { SignalingError } from './errors.js';
import { MeetingRoom } from './meeting-room.js';
import type { MediaSettings, ProducerLog } from './meeting-room.js';
import type { Peer } from './peer.js';
import { CLOSE } from './peer-link.js';
import type { PeerLink } from './peer-link.js';
import type { PlacedRouter } from './room-routers.js';

export const MEDIA_CODECS: types.RouterRtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000 },
];

interface Entry {
  ready: Promise<MeetingRoom>;
  stopWatching: (() => Promise<void>) | null;
}

/** What records the node's meetings (recorder.ts): told of every room change and of rooms closing. */
export interface RoomRecordings {
  follow(room: MeetingRoom, cached: Room | null): void;
  roomClosed(room: MeetingRoom): void;
}

/** Peers a router takes before the meeting gets another router on another worker (SFU_MAX_PEERS_PER_ROUTER). */
export const DEFAULT_MAX_PEERS_PER_ROUTER = 200;

/** What a node carries, counted for its /metrics. */
export interface MediaCounts {
  rooms: number;
  peers: number;
  transports: number;
  producers: number;
  consumers: number;
}

/**
 * The node's meetings: a router per meeting, made when its first participant is admitted, on the
 * worker holding the fewest routers, and closed when the meeting ends (or its last peer leaves).
 * A meeting that outgrows `maxPeersPerRouter` gets more routers, each on another worker (the
 * least-loaded one it is not on yet), its producers piped between them (room-routers.ts).
 */
export class Sfu {
  private readonly meetings = new Map<string, Entry>();
  private readonly routersPerWorker = new Map<number, number>();

  constructor(
    private readonly pool: WorkerPool,
    private readonly rooms: RoomSource,
    private readonly media: MediaSettings,
    private readonly logger: Logger,
    private readonly producerLog: ProducerLog,
    /** This node's name: a meeting placed on another node is not served here. */
    private readonly nodeId: string,
    private readonly options: { maxPeersPerRouter?: number; recordings?: RoomRecordings } = {},
  ) {}

  /**
   * Admits a present participant of a started meeting placed here (or not placed); throws a
   * SignalingError otherwise.
   */
  async join(meetingId: string, userId: string, link: PeerLink): Promise<{ room: MeetingRoom; peer: Peer }> {
    const first = await this.rooms.get(meetingId);
    const admission = admit(first, userId);
    if (!admission.admitted) throw new SignalingError(admission.code, admission.message);
    this.requirePlacedHere(first!);
    const room = await this.meeting(meetingId);
    // Its last peer left while this join waited: a new router is made.
    if (room.closed) return this.join(meetingId, userId, link);
    // Read again now that changes are watched: a removal between the first read and the watch counts.
    const current = await this.rooms.get(meetingId);
    const again = admit(current, userId);
    const elsewhere = current !== null && placedElsewhere(current, this.nodeId);
    if (!again.admitted || elsewhere) {
      // A router made for this join alone must not outlive it.
      if (room.peers.size === 0) room.close(CLOSE.goingAway, 'no peer left');
      if (!again.admitted) throw new SignalingError(again.code, again.message);
      this.requirePlacedHere(current!);
    }
    if (room.closed) return this.join(meetingId, userId, link);
    const peer = room.attach(userId, link, current!);
    room.applyRoom(current);
    this.options.recordings?.follow(room, current);
    return { room, peer };
  }

  private requirePlacedHere(room: Room): void {
    if (!placedElsewhere(room, this.nodeId)) return;
    throw new SignalingError(
      'wrong-node',
      `the meeting is served by node ${room.sfuNodeId}: ask GET /meetings/${room.meetingId}/media-server where to connect`,
    );
  }

  /** The media this node carries now, for its /metrics (sfu-metrics.ts). */
  async mediaCounts(): Promise<MediaCounts> {
    const counts: MediaCounts = { rooms: 0, peers: 0, transports: 0, producers: 0, consumers: 0 };
    for (const entry of this.meetings.values()) {
      const room = await entry.ready.catch(() => null);
      if (!room || room.closed) continue;
      counts.rooms += 1;
      for (const peer of room.peers.values()) {
        counts.peers += 1;
        counts.transports += peer.transports.size;
        counts.producers += peer.producers.size;
        counts.consumers += peer.consumers.size;
      }
    }
    return counts;
  }

  /** What this node reports to the registry: the placer prefers the least-loaded node. */
  async load(): Promise<{ rooms: number; peers: number }> {
    const rooms = await Promise.all(
      [...this.meetings.values()].map((entry) =>
        entry.ready.then(
          (room) => room,
          () => null,
        ),
      ),
    );
    const open = rooms.filter((room): room is MeetingRoom => room !== null && !room.closed);
    return { rooms: open.length, peers: open.reduce((sum, room) => sum + room.peers.size, 0) };
  }

  private meeting(meetingId: string): Promise<MeetingRoom> {
    const existing = this.meetings.get(meetingId);
    if (existing) return existing.ready;
    const entry: Entry = { ready: this.open(meetingId, () => entry), stopWatching: null };
    this.meetings.set(meetingId, entry);
    entry.ready.catch(() => this.meetings.delete(meetingId));
    return entry.ready;
  }

  private async open(meetingId: string, entry: () => Entry): Promise<MeetingRoom> {
    const first = await this.newRouter(new Set());
    if (!first) throw new SignalingError('service-unavailable', 'no media worker is running');
    const log = this.logger.child({ meetingId });
    const routing = {
      first,
      another: (busyPids: ReadonlySet<number>) => this.newRouter(busyPids),
      maxPeersPerRouter: this.options.maxPeersPerRouter ?? DEFAULT_MAX_PEERS_PER_ROUTER,
    };
    const room = new MeetingRoom(
      meetingId,
      routing,
      this.media,
      log,
      (closed) => {
        if (this.meetings.get(meetingId) === entry()) this.meetings.delete(meetingId);
        void entry().stopWatching?.();
        this.options.recordings?.roomClosed(closed);
      },
      this.producerLog,
    );
    try {
      entry().stopWatching = await this.rooms.watch(meetingId, (r) => {
        // Placed elsewhere (this node's registration lapsed, or it was never the one): clients move.
        if (r && placedElsewhere(r, this.nodeId)) {
          room.close(CLOSE.moved, `the meeting moved to node ${r.sfuNodeId}`);
        } else {
          room.applyRoom(r);
          if (!room.closed) this.options.recordings?.follow(room, r);
        }
      });
    } catch (error) {
      room.close(CLOSE.restart, 'could not follow the meeting');
      throw error;
    }
    log.info({ workerPid: first.workerPid }, 'meeting router created');
    return room;
  }

  /**
   * A router on the worker holding the fewest routers, leaving out `busyPids`; null when no worker
   * is left. Counted from the start (two meetings opening at once spread) until it closes.
   */
  private async newRouter(busyPids: ReadonlySet<number>): Promise<PlacedRouter | null> {
    const count = (pid: number) => this.routersPerWorker.get(pid) ?? 0;
    const worker = this.pool.workers
      .filter((w) => !busyPids.has(w.pid))
      .reduce<types.Worker | null>(
        (best, w) => (best === null || count(w.pid) < count(best.pid) ? w : best),
        null,
      );
    if (!worker) return null;
    const { pid } = worker;
    const release = () => {
      if (count(pid) > 1) this.routersPerWorker.set(pid, count(pid) - 1);
      else this.routersPerWorker.delete(pid);
    };
    this.routersPerWorker.set(pid, count(pid) + 1);
    try {
      const router = await worker.createRouter({ mediaCodecs: MEDIA_CODECS });
      router.observer.once('close', release);
      return { router, workerPid: pid };
    } catch (error) {
      release();
      throw error;
    }
  }

  /** Routers per worker process id, as placement counts them. */
  routerCounts(): ReadonlyMap<number, number> {
    return new Map(this.routersPerWorker);
  }

  close(): void {
    for (const entry of this.meetings.values()) {
      void entry.ready.then(
        (room) => room.close(CLOSE.goingAway, 'server shutting down'),
        () => undefined,
      );
    }
  }
}
