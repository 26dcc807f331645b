import { Worker } from 'node:worker_threads';
import { SOCKETS } from './settings.js';

/**
 * The receiving thread's code. Plain JavaScript: a worker thread does not get tsx's loader.
 * RTCP is left out of the counts.
 */
const SINK = `
const dgram = require('node:dgram');
const { parentPort, workerData } = require('node:worker_threads');
const slots = new Int32Array(workerData.counts);
const slotOf = new Map();
(async () => {
  const ports = [];
  for (let i = 0; i < workerData.sockets; i++) {
    const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
    await new Promise((resolve) => socket.bind(0, '127.0.0.1', resolve));
    socket.on('message', (packet) => {
      if (packet.length < 12 || (packet[1] >= 200 && packet[1] <= 206)) return;
      const slot = slotOf.get(packet.readUInt32BE(8));
      if (slot !== undefined) Atomics.add(slots, slot, 1);
    });
    ports.push(socket.address().port);
  }
  parentPort.on('message', (m) => slotOf.set(m.ssrc, m.slot));
  parentPort.postMessage({ ports });
})();
`;

/**
 * The receiving side, a thread of its own (the main thread runs the signaling clients and the
 * relay): SOCKETS UDP sockets on 127.0.0.1 counting RTP packets per SSRC into shared slots.
 * Register `{ ssrc, slot }` before resuming a consumer; read the slots with Atomics.load.
 */
export class Sink {
  /** Packets received, by slot: room for `consumers` on each of the two sides. */
  readonly slots: Int32Array;
  /** The ports of its sockets, once bound. */
  readonly ports: Promise<number[]>;
  private readonly worker: Worker;
  private nextSlot = 0;

  constructor(consumers: number) {
    const counts = new SharedArrayBuffer(4 * 2 * (consumers + 1));
    this.slots = new Int32Array(counts);
    this.worker = new Worker(SINK, { eval: true, workerData: { sockets: SOCKETS, counts } });
    this.ports = new Promise<number[]>((resolve, reject) => {
      this.worker.once('message', (m: { ports: number[] }) => resolve(m.ports));
      this.worker.once('error', reject);
    });
  }

  /** A new slot counting the packets of `ssrc`. */
  registerSsrc(ssrc: number): number {
    const slot = this.nextSlot++;
    this.worker.postMessage({ ssrc, slot });
    return slot;
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}
