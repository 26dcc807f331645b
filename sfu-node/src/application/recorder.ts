import type { ObjectStore } from '@meetings/storage';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { ffmpegFailure, heldByLostNode, recordingHere, startVersion } from '../domain/recording.js';
import type { Room } from '../domain/room.js';
import type { RoomSource } from '../ports/room-source.js';
import type { UnfinishedRecordings } from '../ports/unfinished-recordings.js';
import type { MeetingRoom } from './meeting-room.js';
import { recordingStatus } from './recording-commands.js';
import { leftManifests, recordingFiles, removeFiles, writeManifest } from './recording-files.js';
import type { RecordingFiles } from './recording-files.js';
import type { RecordingCommands } from './recording-commands.js';
import { uploadRecording } from './recording-upload.js';
import { RecordingSession } from './recording-session.js';

export interface RecorderSettings {
  nodeId: string;
  /** Where files are written while recording (RECORDING_DIR). */
  dir: string;
  maxBytes: number;
  maxSeconds: number;
  /** null: no object storage configured, every recording fails with `storage-not-configured`. */
  storage: ObjectStore | null;
  ffmpegPath?: string;
  ffprobePath?: string;
  /** How long to wait after the first producer for the others to arrive (default 1000 ms). */
  settleMs?: number;
  /** Upload tries before `upload-failed` (default 3), the first retry after `retryMs` (default 1000). */
  uploadAttempts?: number;
  retryMs?: number;
  /** How often the read model is searched for recordings no room showed (default 5000 ms). */
  sweepIntervalMs?: number;
  /** No registry: meetings placed nowhere are this node's too. */
  servesUnplaced: boolean;
}

interface Active {
  meetingId: string;
  recordingId: string;
  startedAt: Date;
  /** The meeting's room on this node (null until a peer brings one; replaced when it closed and was made again). */
  room: MeetingRoom | null;
  session: RecordingSession | null;
  /** Set once the outcome is being written: nothing else may finalize it. */
  settled: boolean;
  stopped: boolean;
  /**
   * The meeting stream version of its RecordingStarted: a room older than that (the room cache
   * behind the read model the sweep found it in) says nothing about it. Unknown: Infinity.
   */
  startedVersion: number;
  unwatch: (() => Promise<void>) | null;
  finishing: Promise<void> | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Records the meetings of this node that the room cache says are recording: when a recording
 * appears (`is_recording`, `recording_id`) on a meeting placed here (or unplaced), ffmpeg records
 * the producers the meeting has then (recording-session.ts); when it goes (stopped, or the meeting
 * ended) ffmpeg finishes the file, which is probed, uploaded and completed (recording-upload.ts).
 * Every way a recording can end without a file appends RecordingFailed with the reason, so none
 * stays `recording` or `processing`. A manifest per recording in the directory lets the node's
 * next life fail what this one held (recover).
 */
export class Recorder {
  private readonly active = new Map<string, Active>();

  /** Recordings this node is running now (its /metrics). */
  get activeRecordings(): number {
    return this.active.size;
  }
  /** Recordings this process handled: a repeated room change must not start them again. */
  private readonly handled = new Set<string>();
  private closing = false;
  private sweeper: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;

  constructor(
    private readonly commands: RecordingCommands,
    private readonly rooms: RoomSource,
    private readonly unfinished: UnfinishedRecordings,
    private readonly settings: RecorderSettings,
    private readonly log: Logger,
  ) {}

  /**
   * Follows, besides rooms, the read model: a recording of a meeting of this node that no peer
   * here brought a room for (nobody connected, or the node started after it began) is tracked as
   * well, so its stop still ends in an event (`no-media` when nothing was recorded).
   */
  startSweeping(): void {
    const sweep = () => {
      if (this.sweeping || this.closing) return;
      this.sweeping = this.sweep()
        .catch((error: unknown) => this.log.warn({ err: error }, 'recording sweep failed'))
        .finally(() => (this.sweeping = null));
    };
    this.sweeper = setInterval(sweep, this.settings.sweepIntervalMs ?? 5000);
    sweep();
  }

  private async sweep(): Promise<void> {
    for (const { meetingId, recordingId } of await this.unfinished.of(
      this.settings.nodeId,
      this.settings.servesUnplaced,
    )) {
      this.track(meetingId, recordingId, null);
    }
  }

  /** Fails what a previous life of this node (same name, same directory) left recording. */
  async recover(): Promise<number> {
    let failed = 0;
    for (const left of await leftManifests(this.settings.dir)) {
      try {
        const { meetingId, recordingId } = await left.read();
        if (await this.commands.fail(meetingId, recordingId, 'recorder-restarted')) failed++;
        await removeFiles(this.files(recordingId));
      } catch (error) {
        this.log.error(
          { err: error, manifest: left.path },
          'could not fail a recording left by a previous run',
        );
      }
    }
    return failed;
  }

  /** The room cache changed (or a peer joined): starts a recording this node should make. */
  follow(room: MeetingRoom, cached: Room | null): void {
    const recordingId = recordingHere(cached, this.settings.nodeId);
    if (recordingId) this.track(room.meetingId, recordingId, room);
  }

  private track(meetingId: string, recordingId: string, room: MeetingRoom | null): void {
    if (this.closing || !UUID.test(recordingId)) return;
    const existing = this.active.get(recordingId);
    if (existing) {
      if (room && !existing.session && (!existing.room || existing.room.closed)) existing.room = room;
      return;
    }
    if (this.handled.has(recordingId)) return;
    this.handled.add(recordingId);
    const active: Active = {
      meetingId,
      recordingId,
      startedAt: new Date(),
      room,
      session: null,
      settled: false,
      stopped: false,
      startedVersion: Number.POSITIVE_INFINITY,
      unwatch: null,
      finishing: null,
    };
    this.active.set(recordingId, active);
    this.begin(active).catch((error: unknown) => this.failNow(active, `recorder-error: ${message(error)}`));
  }

  /** The meeting's room closed (its last peer left): ffmpeg finishes; the upload waits for the stop. */
  roomClosed(room: MeetingRoom): void {
    for (const active of this.active.values()) {
      if (active.room !== room || !active.session) continue;
      void active.session.stop().then((exit) => {
        const failure = ffmpegFailure(exit, active.session!.lastLine);
        if (failure && !active.stopped) this.failNow(active, failure);
      });
    }
  }

  private async begin(active: Active): Promise<void> {
    const { meetingId, recordingId } = active;
    const log = this.log.child({ meetingId, recordingId });
    // Its stop is followed from here on, whatever becomes of the room on this node.
    // Room changes count from here on (older ones are ignored until the start's version is known);
    // the state read after it says whether the recording stopped before.
    active.unwatch = await this.rooms.watch(meetingId, (r) => this.onRoomChange(active, r));
    const facts = await this.commands.facts(meetingId);
    active.startedVersion = startVersion(facts, recordingId) ?? Number.POSITIVE_INFINITY;
    const status = recordingStatus(await this.commands.state(meetingId), recordingId);
    if (status !== 'recording' && status !== 'stopped') {
      // Finalized already (a previous life, another node), or unknown: its files are not this one's.
      return this.drop(active, { files: false });
    }
    if (heldByLostNode(facts, recordingId)) return this.failNow(active, 'recorder-lost');
    if (!this.settings.storage) return this.failNow(active, 'storage-not-configured');
    if (status === 'stopped' && !active.stopped) {
      // Stopped before this node saw it (nobody was connected here): nothing was recorded.
      active.stopped = true;
      active.finishing = this.finish(active);
      return;
    }
    const producers = await this.untilProducers(active);
    if (!producers || !active.room) return;
    const { router } = active.room;
    for (const p of producers) await active.room.routers.available(p.id, router);
    // From here a crash loses media: the manifest lets the node's next life fail the recording.
    const { nodeId, dir } = this.settings;
    await writeManifest(dir, { meetingId, recordingId, nodeId, startedAt: active.startedAt });
    active.session = await RecordingSession.start({
      router,
      producers,
      files: this.files(recordingId),
      ffmpegPath: this.settings.ffmpegPath ?? 'ffmpeg',
      maxBytes: this.settings.maxBytes,
      maxSeconds: this.settings.maxSeconds,
      log,
    });
    if (active.settled || active.stopped) {
      if (active.settled) active.session.kill();
      return;
    }
    void active.session.exited.then((exit) => {
      // ffmpeg died by itself (killed, crashed): the recording fails now, not at the stop.
      const failure = exit.requested ? null : ffmpegFailure(exit, active.session!.lastLine);
      if (failure) this.failNow(active, failure);
      else if (!exit.requested) log.warn('ffmpeg reached a limit: the recording waits for its stop');
    });
  }

  /**
   * The producers of the meeting once there is one (and `settleMs` later, for the rest of a
   * client's tracks); null when the recording ended first. Producers made later are not recorded.
   */
  private async untilProducers(active: Active): Promise<types.Producer[] | null> {
    const present = () =>
      [...(active.room?.peers.values() ?? [])].flatMap((peer) =>
        [...peer.producers.values()].map((pp) => pp.producer).filter((p) => !p.closed),
      );
    while (present().length === 0 || !active.room || active.room.closed) {
      if (active.settled || active.stopped) return null;
      await sleep(250);
    }
    await sleep(this.settings.settleMs ?? 1000);
    const producers = present();
    return active.settled || active.stopped || producers.length === 0 ? null : producers;
  }

  private onRoomChange(active: Active, room: Room | null): void {
    if (active.settled || active.stopped) return;
    if (room && room.version < active.startedVersion) return;
    if (room && room.sfuNodeId !== null && room.sfuNodeId !== this.settings.nodeId) {
      // Placed on another node (this one's registration lapsed): that node fails it too; first wins.
      return this.failNow(active, 'recorder-lost');
    }
    if (room?.recordingId === active.recordingId) return;
    active.stopped = true;
    active.finishing = this.finish(active);
  }

  /** The recording stopped (or the meeting ended): finish the file, upload it, complete it. */
  private async finish(active: Active): Promise<void> {
    const { session } = active;
    if (!session) return this.failNow(active, 'no-media: no producer was published while recording');
    const exit = await session.stop();
    const failure = ffmpegFailure(exit, session.lastLine);
    if (failure) return this.failNow(active, failure);
    if (active.settled) return;
    active.settled = true;
    const log = this.log.child({ meetingId: active.meetingId, recordingId: active.recordingId });
    try {
      const outcome = await uploadRecording({
        ...active,
        files: this.files(active.recordingId),
        storage: this.settings.storage!,
        commands: this.commands,
        ffprobePath: this.settings.ffprobePath ?? 'ffprobe',
        attempts: this.settings.uploadAttempts ?? 3,
        retryMs: this.settings.retryMs ?? 1000,
        log,
      });
      if (outcome.failure) await this.commands.fail(active.meetingId, active.recordingId, outcome.failure);
    } catch (error) {
      log.error({ err: error }, 'recording not finalized');
    } finally {
      await this.drop(active);
    }
  }

  /** Appends RecordingFailed (once) and lets the recording go; the media file is kept. */
  private failNow(active: Active, reason: string): void {
    if (active.settled) return;
    active.settled = true;
    active.session?.kill();
    this.log.warn(
      { meetingId: active.meetingId, recordingId: active.recordingId, reason },
      'recording failed',
    );
    active.finishing = this.commands
      .fail(active.meetingId, active.recordingId, reason)
      .then(() => undefined)
      .catch((error: unknown) => this.log.error({ err: error, reason }, 'RecordingFailed not appended'))
      .finally(() => this.drop(active));
  }

  /** Lets the recording go; its manifest and SDP are removed (`files`), never its media or log. */
  private async drop(active: Active, { files = true } = {}): Promise<void> {
    active.settled = true;
    active.session?.closeMedia();
    if (this.active.get(active.recordingId) === active) this.active.delete(active.recordingId);
    await active.unwatch?.().catch(() => undefined);
    // After a successful upload recording-upload.ts removed the media and its log already; a
    // failed recording's stay for an operator.
    if (files) await removeFiles(this.files(active.recordingId));
  }

  private files(recordingId: string): RecordingFiles {
    return recordingFiles(this.settings.dir, recordingId);
  }

  /**
   * Shutting down: uploads already under way finish; recordings still running fail
   * (`recorder-shutdown`), since nothing would stop and upload them once the node is gone.
   */
  async close(): Promise<void> {
    this.closing = true;
    if (this.sweeper) clearInterval(this.sweeper);
    await this.sweeping;
    for (const active of [...this.active.values()]) {
      if (!active.stopped) this.failNow(active, 'recorder-shutdown');
    }
    // Each one's drop (its manifest removed) runs before its promise resolves.
    await Promise.all([...this.active.values()].map((a) => a.finishing ?? Promise.resolve()));
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
