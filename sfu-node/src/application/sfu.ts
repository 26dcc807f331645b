import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { admit } from '../domain/rules.js';
import type { RoomSource } from '../ports/room-source.js';
import type { WorkerPool } from '../worker-pool.js';
import { SignalingError } from './errors.js';
import { MeetingRoom } from './meeting-room.js';
import type { MediaSettings, ProducerLog } from './meeting-room.js';
import type { Peer } from './peer.js';
import { CLOSE } from './peer-link.js';
import type { PeerLink } from './peer-link.js';

export const MEDIA_CODECS: types.RouterRtpCodecCapability[] = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000 },
];

interface Entry {
  ready: Promise<MeetingRoom>;
  stopWatching: (() => Promise<void>) | null;
}

/**
 * The node's meetings: one router per meeting, made when its first participant is admitted, on the
 * worker holding the fewest routers, and closed when the meeting ends (or its last peer leaves).
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
  ) {}

  /** Admits a present participant of a started meeting; throws a SignalingError otherwise. */
  async join(meetingId: string, userId: string, link: PeerLink): Promise<{ room: MeetingRoom; peer: Peer }> {
    const admission = admit(await this.rooms.get(meetingId), userId);
    if (!admission.admitted) throw new SignalingError(admission.code, admission.message);
    const room = await this.meeting(meetingId);
    // Its last peer left while this join waited: a new router is made.
    if (room.closed) return this.join(meetingId, userId, link);
    // Read again now that changes are watched: a removal between the first read and the watch counts.
    const current = await this.rooms.get(meetingId);
    const again = admit(current, userId);
    if (!again.admitted) {
      // A router made for this join alone must not outlive it.
      if (room.peers.size === 0) room.close(CLOSE.goingAway, 'no peer left');
      throw new SignalingError(again.code, again.message);
    }
    if (room.closed) return this.join(meetingId, userId, link);
    const peer = room.attach(userId, link, current!);
    room.applyRoom(current);
    return { room, peer };
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
    const worker = this.leastLoadedWorker();
    const router = await worker.createRouter({ mediaCodecs: MEDIA_CODECS });
    this.routersPerWorker.set(worker.pid, (this.routersPerWorker.get(worker.pid) ?? 0) + 1);
    const log = this.logger.child({ meetingId, workerPid: worker.pid });
    const room = new MeetingRoom(
      meetingId,
      router,
      this.media,
      log,
      () => {
        this.routersPerWorker.set(worker.pid, (this.routersPerWorker.get(worker.pid) ?? 1) - 1);
        if (this.meetings.get(meetingId) === entry()) this.meetings.delete(meetingId);
        void entry().stopWatching?.();
      },
      this.producerLog,
    );
    try {
      entry().stopWatching = await this.rooms.watch(meetingId, (r) => room.applyRoom(r));
    } catch (error) {
      room.close(CLOSE.restart, 'could not follow the meeting');
      throw error;
    }
    log.info('meeting router created');
    return room;
  }

  private leastLoadedWorker(): types.Worker {
    const workers = this.pool.workers;
    if (workers.length === 0) throw new SignalingError('service-unavailable', 'no media worker is running');
    return workers.reduce((best, w) =>
      (this.routersPerWorker.get(w.pid) ?? 0) < (this.routersPerWorker.get(best.pid) ?? 0) ? w : best,
    );
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
