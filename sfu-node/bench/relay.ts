import type { ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { setTimeout as sleep } from 'node:timers/promises';
import { spawnVp8Feed } from '../src/testing/ffmpeg-publisher.js';
import { log } from './output.js';

/** A producer's plain transport: where the relay sends the feed. */
export interface Input {
  port: number;
  rtcpPort: number;
}

/**
 * The feed: ffmpeg → this relay → the side being measured (`target`), or nowhere between the
 * windows, counting what it relays.
 */
export class Relay {
  target: Input | null = null;
  relayed = 0;
  relayedBytes = 0;
  private readonly sockets: dgram.Socket[] = [];

  /** Binds the relay's sockets and starts ffmpeg's VP8 feed into them; returns ffmpeg. */
  async start(): Promise<ChildProcess> {
    const bind = async () => {
      const s = dgram.createSocket({ type: 'udp4', recvBufferSize: 1024 * 1024 });
      await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
      this.sockets.push(s);
      return s;
    };
    const [rtpIn, rtcpIn, rtpOut, rtcpOut] = await Promise.all([bind(), bind(), bind(), bind()]);
    rtpIn.on('message', (packet: Buffer) => {
      if (!this.target) return;
      this.relayed++;
      this.relayedBytes += packet.length;
      rtpOut.send(packet, this.target.port, '127.0.0.1');
    });
    rtcpIn.on('message', (packet: Buffer) => {
      if (this.target) rtcpOut.send(packet, this.target.rtcpPort, '127.0.0.1');
    });
    const feed = spawnVp8Feed(rtpIn.address().port, rtcpIn.address().port);
    feed.stderr!.on('data', (d: Buffer) => log(`ffmpeg: ${d.toString().trim()}`));
    return feed;
  }

  /** The feed's rate into `input`, once warmed up (ffmpeg's first frames) before anything is measured. */
  async rate(input: Input): Promise<{ pps: number; kbps: number }> {
    this.target = input;
    await sleep(2000);
    const from = { packets: this.relayed, bytes: this.relayedBytes, at: performance.now() };
    await sleep(3000);
    const feedSeconds = (performance.now() - from.at) / 1000;
    const pps = (this.relayed - from.packets) / feedSeconds;
    const kbps = ((this.relayedBytes - from.bytes) * 8) / feedSeconds / 1000;
    this.target = null;
    return { pps, kbps };
  }

  close(): void {
    for (const s of this.sockets) s.close();
  }
}
