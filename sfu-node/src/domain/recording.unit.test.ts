import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ffmpegArguments,
  ffmpegFailure,
  heldByLostNode,
  recordingHere,
  recordingSdp,
  startVersion,
} from './recording.js';
import type { Room } from './room.js';

const REC = '6e0f1c2a-0000-4000-8000-0000000000aa';
const room = (sfuNodeId: string | null, recordingId: string | null): Room => ({
  meetingId: 'm',
  started: true,
  participants: new Map(),
  sfuNodeId,
  recordingId,
  version: 1,
});

test('the node the meeting is placed on records it; unplaced, the only node does', () => {
  assert.equal(recordingHere(room('sfu-a', REC), 'sfu-a'), REC);
  assert.equal(recordingHere(room(null, REC), 'sfu-a'), REC);
  assert.equal(recordingHere(room('sfu-b', REC), 'sfu-a'), null);
  assert.equal(recordingHere(room('sfu-a', null), 'sfu-a'), null);
  assert.equal(recordingHere(null, 'sfu-a'), null);
});

test('the SDP names each stream on its loopback port with its payload type and codec', () => {
  const sdp = recordingSdp([
    { kind: 'audio', port: 50000, payloadType: 100, codec: 'opus', clockRate: 48000, channels: 2 },
    { kind: 'video', port: 50002, payloadType: 101, codec: 'VP8', clockRate: 90000 },
  ]);
  assert.ok(sdp.endsWith('\r\n'));
  const lines = sdp.trim().split('\r\n');
  assert.ok(lines.includes('c=IN IP4 127.0.0.1'));
  assert.ok(lines.includes('m=audio 50000 RTP/AVP 100'));
  assert.ok(lines.includes('a=rtpmap:100 opus/48000/2'));
  assert.ok(lines.includes('m=video 50002 RTP/AVP 101'));
  assert.ok(lines.includes('a=rtpmap:101 VP8/90000'));
});

test('ffmpeg copies every stream into WebM within the size and time limits', () => {
  const args = ffmpegArguments('/d/r.sdp', '/d/r.webm', { maxBytes: 1_000_000, maxSeconds: 60 });
  const after = (flag: string) => args[args.indexOf(flag) + 1];
  assert.equal(after('-i'), '/d/r.sdp');
  assert.equal(after('-protocol_whitelist'), 'file,udp,rtp');
  assert.equal(after('-c'), 'copy');
  assert.equal(after('-fs'), '1000000');
  assert.equal(after('-t'), '60');
  assert.equal(after('-f'), 'sdp');
  assert.equal(args.at(-1), '/d/r.webm');
  assert.equal(args.at(-3), 'webm');
});

test("ffmpeg's exit: finished when asked or at a limit; killed or crashed is a failure", () => {
  assert.equal(ffmpegFailure({ code: 0, signal: null, requested: true }, ''), null);
  assert.equal(ffmpegFailure({ code: 255, signal: null, requested: true }, ''), null);
  assert.equal(ffmpegFailure({ code: 0, signal: null, requested: false }, ''), null);
  assert.equal(
    ffmpegFailure({ code: null, signal: 'SIGKILL', requested: false }, 'frame=1'),
    'ffmpeg-killed: SIGKILL: frame=1',
  );
  assert.equal(ffmpegFailure({ code: 255, signal: null, requested: false }, ''), 'ffmpeg-exited: code 255');
  assert.equal(
    ffmpegFailure({ code: 1, signal: null, requested: true }, 'Invalid data found'),
    'ffmpeg-exited: code 1: Invalid data found',
  );
  assert.equal(ffmpegFailure({ code: 1, signal: null, requested: true }, 'x'.repeat(999))!.length, 323);
});

test('a recording is held by a lost node when a node_lost placement follows its start', () => {
  const started = { type: 'RecordingStarted', data: { recordingId: REC } };
  const placed = (reason: string) => ({
    type: 'MeetingPlacedOnSfuNode',
    data: { reason, sfuNodeId: 'sfu-b' },
  });
  assert.equal(heldByLostNode([started, placed('node_lost')], REC), true);
  assert.equal(heldByLostNode([placed('node_lost'), started], REC), false);
  assert.equal(heldByLostNode([placed('meeting_started'), started, placed('meeting_started')], REC), false);
  assert.equal(heldByLostNode([started, placed('node_lost')], 'another'), false);
});

test("a recording's start version: what a room cache change must be newer than to speak of it", () => {
  const events = [
    { type: 'MeetingStarted', data: {}, version: 2 },
    { type: 'RecordingStarted', data: { recordingId: 'other' }, version: 3 },
    { type: 'RecordingStarted', data: { recordingId: REC }, version: 7 },
  ];
  assert.equal(startVersion(events, REC), 7);
  assert.equal(startVersion(events, 'missing'), null);
});
