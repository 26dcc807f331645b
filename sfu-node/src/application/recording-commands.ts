import { randomUUID } from 'node:crypto';
import { CommandHandler } from '@meetings/command-service/commands';
import { DomainError, meetingDecider } from '@meetings/command-service/domain';
import type { Meeting, MeetingCommand, MeetingState } from '@meetings/command-service/domain';
import { CompleteRecordingBody, decodeEvent, streams } from '@meetings/events';
import type { EventStore, UpcasterRegistry } from '@meetings/events';
import type { MeetingFact } from '../domain/recording.js';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]+/g;

export interface RecordingFile {
  storageKey: string;
  sizeBytes: number;
  durationSeconds: number;
  format: string;
}

/**
 * The recorder's writes and reads of meeting streams, as the node itself (`sfu:<nodeId>`, the
 * identity the meeting decider lets complete and fail recordings). Appends are decided on the
 * stream's version and decided again on a conflict, so a host's stop, a meeting's end or another
 * node's failure racing with this one yield one consistent outcome: a finalized recording refuses
 * a second finalization (`recording-already-finalized`), answered here as false.
 */
export class RecordingCommands {
  private readonly commands: CommandHandler;
  private readonly actorId: string;

  constructor(
    private readonly store: EventStore,
    private readonly upcasters: UpcasterRegistry,
    nodeId: string,
  ) {
    this.commands = new CommandHandler(store, upcasters, { maxAttempts: 10, cacheSize: 0 });
    this.actorId = `sfu:${nodeId}`;
  }

  /** False when the recording was finalized already (or is unknown). */
  async complete(meetingId: string, recordingId: string, file: RecordingFile): Promise<boolean> {
    // The same bounds as the HTTP body had: whatever is accepted fits every read model.
    const body = CompleteRecordingBody.parse(file);
    return await this.run({ type: 'CompleteRecording', data: { meetingId, recordingId, ...body } });
  }

  /** False when the recording was finalized already (or is unknown). */
  async fail(meetingId: string, recordingId: string, reason: string): Promise<boolean> {
    // One line: ffmpeg's last line may carry terminal control characters.
    const text = reason.replace(CONTROL, ' ').trim().slice(0, 1000) || 'unknown';
    return await this.run({ type: 'FailRecording', data: { meetingId, recordingId, reason: text } });
  }

  async state(meetingId: string): Promise<MeetingState> {
    return (await this.commands.load(meetingDecider, streams.meeting(meetingId))).state;
  }

  /** The meeting stream's events, for heldByLostNode. */
  async facts(meetingId: string): Promise<MeetingFact[]> {
    const recorded = await this.store.readStream(streams.meeting(meetingId));
    return recorded.map((r) => {
      const e = decodeEvent(this.upcasters, r);
      return { type: e.type, data: e.data, version: Number(r.streamVersion) };
    });
  }

  private async run(partial: Omit<MeetingCommand, 'actorId' | 'now'>): Promise<boolean> {
    const now = new Date();
    const command = { ...partial, actorId: this.actorId, now } as MeetingCommand;
    try {
      await this.commands.handle(meetingDecider, streams.meeting(command.data.meetingId), command, {
        actorUserId: null,
        correlationId: this.actorId,
        commandId: randomUUID(),
        idempotencyKey: null,
        now,
      });
      return true;
    } catch (error) {
      if (error instanceof DomainError) return false;
      throw error;
    }
  }
}

/** A recording's status in a meeting state ('recording', 'stopped', …), undefined if unknown. */
export function recordingStatus(state: MeetingState, recordingId: string) {
  return (state as Partial<Meeting>).recordings?.get(recordingId);
}
