import { randomUUID } from 'node:crypto';
import { CommandHandler } from '@meetings/command-service/commands';
import { DomainError, meetingDecider } from '@meetings/command-service/domain';
import type { PlaceMeetingOnSfuNode } from '@meetings/command-service/domain';
import { streams } from '@meetings/events';
import type { EventStore, UpcasterRegistry } from '@meetings/events';
import type { Logger } from 'pino';
import { chooseNode, isPlacer, placementReason } from '../domain/placement.js';
import type { NodeRegistry } from '../ports/node-registry.js';
import type { OpenRooms } from '../ports/open-rooms.js';
import { RecordingCommands } from './recording-commands.js';

export interface PlacerSettings {
  nodeId: string;
  /** A pass runs this often, and whenever the registry changes. */
  intervalMs: number;
}

/**
 * Gives every open meeting a live node: one that has none yet (it just started) and one whose
 * node's registration went (the process died, its lease ran out). Only the placer node acts (see
 * isPlacer); the decision is the meeting decider's PlaceMeetingOnSfuNode, appended with this node's
 * service identity under the version it was decided on, so a racing placer or a meeting that ended
 * meanwhile cannot produce a wrong event. Passes never overlap; a failed one is logged and the
 * next one tries again.
 */
export class Placer {
  private readonly commands: CommandHandler;
  private readonly recordings: RecordingCommands;
  private timer: NodeJS.Timeout | null = null;
  private stopWatching: (() => Promise<void>) | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(
    store: EventStore,
    upcasters: UpcasterRegistry,
    private readonly registry: NodeRegistry,
    private readonly rooms: OpenRooms,
    private readonly settings: PlacerSettings,
    private readonly log: Logger,
  ) {
    this.commands = new CommandHandler(store, upcasters, { maxAttempts: 10, cacheSize: 10_000 });
    this.recordings = new RecordingCommands(store, upcasters, settings.nodeId);
  }

  async start(): Promise<void> {
    this.stopWatching = await this.registry.watch(() => this.poke());
    this.timer = setInterval(() => this.poke(), this.settings.intervalMs);
    this.poke();
  }

  /** Runs a pass now, or right after the one running. */
  poke(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pass()
      .then(() => undefined)
      .catch((error: unknown) => this.log.warn({ err: error }, 'placement pass failed'))
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.poke();
        }
      });
  }

  /** One pass; resolves with how many meetings it placed. */
  async pass(): Promise<number> {
    const nodes = await this.registry.live();
    const liveIds = nodes.map((n) => n.nodeId);
    if (!isPlacer(this.settings.nodeId, liveIds)) return 0;
    const live = new Set(liveIds);
    const waiting = await this.rooms.unplaced(liveIds);
    if (waiting.length === 0) return 0;
    // Rooms on nodes that are gone count for no one.
    const placedOn = new Map([...(await this.rooms.countsByNode())].filter(([id]) => live.has(id)));
    let placed = 0;
    for (const room of waiting) {
      if (this.stopped) break;
      const reason = placementReason(room.sfuNodeId, live);
      const target = reason && chooseNode(nodes, placedOn);
      if (!reason || !target) continue;
      if (await this.place(room.meetingId, target, reason)) {
        placedOn.set(target, (placedOn.get(target) ?? 0) + 1);
        placed++;
      }
    }
    return placed;
  }

  private async place(
    meetingId: string,
    sfuNodeId: string,
    reason: 'meeting_started' | 'node_lost',
  ): Promise<boolean> {
    const now = new Date();
    const command: PlaceMeetingOnSfuNode = {
      type: 'PlaceMeetingOnSfuNode',
      data: { meetingId, sfuNodeId, reason },
      actorId: `sfu:${this.settings.nodeId}`,
      now,
    };
    try {
      const before = await this.commands.load(meetingDecider, streams.meeting(meetingId));
      const outcome = await this.commands.handle(meetingDecider, streams.meeting(meetingId), command, {
        // actorUserId is a user's uuid: the node is named where a writer is traced (correlation).
        actorUserId: null,
        correlationId: `sfu:${this.settings.nodeId}`,
        commandId: randomUUID(),
        idempotencyKey: null,
        now,
      });
      if (outcome.version === before.version) return false;
      this.log.info({ meetingId, sfuNodeId, reason }, 'meeting placed');
      if (reason === 'node_lost') {
        await this.failLostRecordings(meetingId).catch((error: unknown) =>
          this.log.error({ err: error, meetingId }, 'could not fail the recordings of a lost node'),
        );
      }
      return true;
    } catch (error) {
      // The meeting ended (or was never started) since the read model said otherwise.
      if (error instanceof DomainError) return false;
      throw error;
    }
  }

  /**
   * What the lost node was recording (or still uploading) died with it: failed now, so no
   * recording of the meeting stays `recording` or `processing`. The new node checks the same
   * (recorder.ts, heldByLostNode) before recording; whichever appends first wins, the other's
   * failure is refused as already finalized.
   */
  private async failLostRecordings(meetingId: string): Promise<void> {
    const state = await this.recordings.state(meetingId);
    const recordings = 'recordings' in state ? state.recordings : new Map<string, string>();
    for (const [recordingId, status] of recordings) {
      if (status !== 'recording' && status !== 'stopped') continue;
      if (await this.recordings.fail(meetingId, recordingId, 'recorder-lost')) {
        this.log.warn({ meetingId, recordingId }, 'recording of a lost node failed');
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.stopWatching?.().catch(() => undefined);
    await this.running;
  }
}
