/*
 * The pure parts of recording a meeting: which node records, what ffmpeg is told (the SDP of the
 * streams and its arguments), how its exit reads, and whether a recording was held by a node
 * that was lost. The I/O is in application/recorder.ts and application/recording-session.ts.
 */

import type { Room } from './room.js';

/** One consumer's RTP as ffmpeg receives it: on `port` (RTCP on `port + 1`, ffmpeg's rule). */
export interface RecordedStream {
  kind: 'audio' | 'video';
  port: number;
  payloadType: number;
  /** The codec's name as in an rtpmap: `opus`, `VP8`. */
  codec: string;
  clockRate: number;
  channels?: number;
}

/** The recording the room cache says runs, if this node is the one to record it. */
export function recordingHere(room: Room | null, nodeId: string): string | null {
  if (!room?.recordingId) return null;
  // Placed on another node: that node records (or fails) it. Unplaced: the only node does.
  if (room.sfuNodeId !== null && room.sfuNodeId !== nodeId) return null;
  return room.recordingId;
}

/** An SDP that makes ffmpeg listen for every stream on the loopback (plain RTP, no encryption). */
export function recordingSdp(streams: readonly RecordedStream[]): string {
  const lines = ['v=0', 'o=- 0 0 IN IP4 127.0.0.1', 's=meeting recording', 'c=IN IP4 127.0.0.1', 't=0 0'];
  for (const s of streams) {
    const channels = s.kind === 'audio' && s.channels ? `/${s.channels}` : '';
    lines.push(
      `m=${s.kind} ${s.port} RTP/AVP ${s.payloadType}`,
      `a=rtpmap:${s.payloadType} ${s.codec}/${s.clockRate}${channels}`,
      'a=recvonly',
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

export interface FfmpegLimits {
  /** ffmpeg stops writing at this size (`-fs`). */
  maxBytes: number;
  /** ffmpeg stops after this much media (`-t`). */
  maxSeconds: number;
}

/** The container written: WebM holds opus and VP8 as they come (no transcoding). */
export const RECORDING_FORMAT = { extension: 'webm', contentType: 'video/webm', muxer: 'webm' } as const;

/**
 * ffmpeg reading the SDP and copying every stream into one WebM file. `q` on its stdin (or
 * SIGINT) makes it finish the file: a seekable WebM gets its duration and cues written then.
 */
export function ffmpegArguments(sdpPath: string, outputPath: string, limits: FfmpegLimits): string[] {
  return [
    ...['-hide_banner', '-nostats', '-loglevel', 'info'],
    // The SDP names udp and rtp; nothing else may be opened from it.
    ...['-protocol_whitelist', 'file,udp,rtp'],
    // Packets reordered within this delay are put back in order; the jitter of a loopback is nil.
    ...['-max_delay', '500000', '-analyzeduration', '5000000', '-fflags', '+genpts'],
    ...['-f', 'sdp', '-i', sdpPath],
    ...['-map', '0', '-c', 'copy'],
    ...['-fs', String(limits.maxBytes), '-t', String(limits.maxSeconds)],
    ...['-f', RECORDING_FORMAT.muxer, '-y', outputPath],
  ];
}

export interface FfmpegExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The node asked ffmpeg to finish (`q`, then SIGINT if it did not). */
  requested: boolean;
}

/**
 * Why an ffmpeg exit is a failure, or null when the file was finished: asked to stop and exited
 * 0 (`q`) or 255 (SIGINT: ffmpeg finishes the file and says so with 255), or stopped by itself at
 * a limit (`-fs`, `-t`: 0). Anything else (killed, crashed, refused its input) is a failure.
 */
export function ffmpegFailure(exit: FfmpegExit, lastLine: string): string | null {
  if (exit.code === 0) return null;
  if (exit.requested && exit.code === 255) return null;
  const detail = lastLine ? `: ${lastLine.slice(0, 300)}` : '';
  if (exit.signal) return `ffmpeg-killed: ${exit.signal}${detail}`;
  return `ffmpeg-exited: code ${exit.code}${detail}`;
}

/** The meeting stream's events, as far as a recording's holder is concerned. */
export interface MeetingFact {
  type: string;
  data: unknown;
  /** Its version in the meeting stream (the room cache's `version` counts the same). */
  version?: number;
}

/** The meeting stream version of the recording's start; null if it never started. */
export function startVersion(events: readonly MeetingFact[], recordingId: string): number | null {
  const started = events.find(
    (e) => e.type === 'RecordingStarted' && (e.data as { recordingId: string }).recordingId === recordingId,
  );
  return started?.version ?? null;
}

/**
 * True when the meeting was placed on another node because its node was lost (`node_lost`) after
 * the recording started: the lost node held the recording (or would have), and what it wrote
 * died with it. The new node must not carry on under the same id as if nothing was missing.
 */
export function heldByLostNode(events: readonly MeetingFact[], recordingId: string): boolean {
  let started = false;
  for (const e of events) {
    if (e.type === 'RecordingStarted' && (e.data as { recordingId: string }).recordingId === recordingId) {
      started = true;
    } else if (started && e.type === 'MeetingPlacedOnSfuNode') {
      if ((e.data as { reason: string }).reason === 'node_lost') return true;
    }
  }
  return false;
}
