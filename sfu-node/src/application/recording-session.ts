import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { ffmpegArguments, recordingSdp } from '../domain/recording.js';
import type { FfmpegExit, FfmpegLimits, RecordedStream } from '../domain/recording.js';

export interface SessionFiles {
  /** The media file ffmpeg writes. */
  media: string;
  /** ffmpeg's stderr (the seed's `.log` companion). */
  log: string;
  sdp: string;
}

export interface SessionOptions extends FfmpegLimits {
  router: types.Router;
  /** The producers recorded; each must be available on `router` (piped already). */
  producers: readonly types.Producer[];
  files: SessionFiles;
  /** The ffmpeg binary (`ffmpeg` on the PATH by default). */
  ffmpegPath: string;
  log: Logger;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Video a plain receiver takes: no RTX, no feedback it would never send (README, "Plain RTP out"). */
function receiverCapabilities(router: types.Router): types.RtpCapabilities {
  return {
    codecs: (router.rtpCapabilities.codecs ?? [])
      .filter((c) => c.mimeType.toLowerCase() !== 'video/rtx')
      .map((c) => ({ ...c, rtcpFeedback: [] })),
    headerExtensions: [],
  };
}

/** Binding fails with EADDRINUSE once someone (ffmpeg) holds the port. */
function udpPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => resolve(false));
    socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
  });
}

/** An even loopback UDP port whose next one is free too (ffmpeg takes RTCP on port + 1). */
async function freePortPair(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const socket = createSocket('udp4');
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => {
        const { port: p } = socket.address();
        socket.close(() => resolve(p));
      });
    });
    const even = port % 2 === 0 ? port : port + 1;
    if (even + 1 < 65536 && (await udpPortFree(even)) && (await udpPortFree(even + 1))) return even;
  }
  throw new Error('no free UDP port pair on the loopback');
}

/**
 * A compound RTCP packet, an empty receiver report then a BYE (RFC 3550 6.4.2, 6.6), to each
 * stream's RTCP port (ffmpeg's `port + 1`). ffmpeg drops anything under 12 bytes as no RTP, so a
 * lone BYE (8 bytes) would be ignored; it counts one BYE per packet and ends the input when the
 * count equals its streams, so each stream gets exactly one.
 */
async function sendByes(ports: readonly number[]): Promise<void> {
  const socket = createSocket('udp4');
  try {
    for (const [i, port] of ports.entries()) {
      const packet = Buffer.from([0x80, 201, 0, 1, 0, 0, 0, 0, 0x81, 203, 0, 1, 0, 0, 0, 0]);
      packet.writeUInt32BE(i + 1, 4);
      packet.writeUInt32BE(i + 1, 12);
      await new Promise<void>((resolve, reject) =>
        socket.send(packet, port + 1, '127.0.0.1', (error) => (error ? reject(error) : resolve())),
      );
    }
  } finally {
    socket.close();
  }
}

/**
 * One ffmpeg process recording a fixed set of producers: a plain transport per producer on the
 * loopback (rtcpMux false, comedia false: the SFU sends to ffmpeg's ports), a consumer on each,
 * and ffmpeg reading the SDP that describes them. Consumers start paused and are resumed once
 * ffmpeg listens, then keyframes are asked for so the file opens on a picture.
 */
export class RecordingSession {
  private readonly transports: types.PlainTransport[] = [];
  private readonly consumers: types.Consumer[] = [];
  private ffmpeg: ChildProcess | null = null;
  private requested = false;
  private keyframeTimers: NodeJS.Timeout[] = [];
  private ports: number[] = [];
  private stopping: Promise<FfmpegExit> | null = null;
  /** The last line ffmpeg wrote on stderr: the reason given when it fails. */
  lastLine = '';
  /** Resolves when ffmpeg exits, however it exits. */
  exited!: Promise<FfmpegExit>;

  private constructor(private readonly options: SessionOptions) {}

  static async start(options: SessionOptions): Promise<RecordingSession> {
    const session = new RecordingSession(options);
    try {
      await session.begin();
      return session;
    } catch (error) {
      session.kill();
      throw error;
    }
  }

  private async begin(): Promise<void> {
    const { router, producers, files, log } = this.options;
    const capabilities = receiverCapabilities(router);
    const streams: RecordedStream[] = [];
    for (const producer of producers) {
      const port = await freePortPair();
      const transport = await router.createPlainTransport({
        listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
        rtcpMux: false,
        comedia: false,
        appData: { recording: true },
      });
      this.transports.push(transport);
      await transport.connect({ ip: '127.0.0.1', port, rtcpPort: port + 1 });
      const consumer = await transport.consume({
        producerId: producer.id,
        rtpCapabilities: capabilities,
        paused: true,
      });
      this.consumers.push(consumer);
      const codec = consumer.rtpParameters.codecs[0]!;
      streams.push({
        kind: consumer.kind,
        port,
        payloadType: codec.payloadType,
        codec: codec.mimeType.slice(codec.mimeType.indexOf('/') + 1),
        clockRate: codec.clockRate,
        channels: codec.channels,
      });
    }
    await writeFile(files.sdp, recordingSdp(streams));
    const ffmpeg = spawn(this.options.ffmpegPath, ffmpegArguments(files.sdp, files.media, this.options), {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    this.ffmpeg = ffmpeg;
    const logFile = createWriteStream(files.log);
    this.exited = new Promise((resolve) => {
      ffmpeg.once('error', (error) => {
        this.lastLine = `cannot run ${this.options.ffmpegPath}: ${error.message}`;
        logFile.end();
        resolve({ code: null, signal: null, requested: this.requested });
      });
      ffmpeg.once('close', (code, signal) => {
        logFile.end();
        resolve({ code, signal, requested: this.requested });
      });
    });
    ffmpeg.stdin.on('error', () => undefined);
    ffmpeg.stderr.on('data', (chunk: Buffer) => {
      logFile.write(chunk);
      const lines = chunk.toString('utf8').trim().split('\n');
      const last = lines.at(-1)?.trim();
      if (last) this.lastLine = last;
    });
    void this.exited.then(() => this.closeMedia());
    this.ports = streams.map((s) => s.port);
    await this.untilListening(this.ports);
    for (const consumer of this.consumers) await consumer.resume();
    this.askKeyframes();
    log.info({ streams: streams.map((s) => `${s.kind}:${s.codec}`), pid: ffmpeg.pid }, 'recording started');
  }

  /** ffmpeg binds the SDP's ports before it probes: media sent earlier would be lost. */
  private async untilListening(ports: number[]): Promise<void> {
    const deadline = Date.now() + 10_000;
    let exited = false;
    void this.exited.then(() => (exited = true));
    for (const port of ports) {
      while (await udpPortFree(port)) {
        if (exited) throw new Error(`ffmpeg exited before listening: ${this.lastLine}`);
        if (Date.now() > deadline) throw new Error('ffmpeg did not listen within 10 s');
        await sleep(50);
      }
    }
  }

  /** Now and twice more: the first request may reach the sender before its stream settled. */
  private askKeyframes(): void {
    const ask = () => {
      for (const c of this.consumers)
        if (c.kind === 'video' && !c.closed) void c.requestKeyFrame().catch(() => {});
    };
    ask();
    this.keyframeTimers = [1000, 2500].map((ms) => setTimeout(ask, ms));
  }

  get pid(): number | undefined {
    return this.ffmpeg?.pid;
  }

  /**
   * Makes ffmpeg finish the file; resolves with how it exited. The media stops (the transports
   * close), then each stream gets an RTCP BYE on its RTCP port: ffmpeg's RTP input ends (EOF)
   * once every stream said BYE, and ffmpeg writes the trailer and exits 0. `q` on its stdin is
   * sent too, but ffmpeg reads it only between packets: with no media coming (the room closed)
   * its input blocks and only the BYEs end it. SIGINT after `graceMs` (once: a second one
   * aborts the output unfinished), SIGKILL after twice that.
   */
  stop(graceMs = 5000): Promise<FfmpegExit> {
    this.stopping ??= this.finishFile(graceMs);
    return this.stopping;
  }

  private async finishFile(graceMs: number): Promise<FfmpegExit> {
    const ffmpeg = this.ffmpeg;
    if (!ffmpeg || ffmpeg.exitCode !== null || ffmpeg.signalCode !== null) return this.exited;
    this.requested = true;
    this.closeMedia();
    ffmpeg.stdin!.end('q');
    await sendByes(this.ports).catch(() => undefined);
    const escalate = [
      setTimeout(() => ffmpeg.kill('SIGINT'), graceMs),
      setTimeout(() => ffmpeg.kill('SIGKILL'), graceMs * 2),
    ];
    const exit = await this.exited;
    escalate.forEach(clearTimeout);
    return exit;
  }

  /** The media stops reaching ffmpeg (the room closed): consumers and transports go. */
  closeMedia(): void {
    for (const t of this.keyframeTimers) clearTimeout(t);
    for (const transport of this.transports) if (!transport.closed) transport.close();
  }

  kill(): void {
    this.closeMedia();
    if (this.ffmpeg && this.ffmpeg.exitCode === null) this.ffmpeg.kill('SIGKILL');
  }
}
