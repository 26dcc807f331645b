import { createWorker } from 'mediasoup';
import type { types } from 'mediasoup';
import { MEDIA_CODECS } from '../src/application/sfu.js';
import { VP8_FEED_RTP_PARAMETERS } from '../src/testing/ffmpeg-publisher.js';
import { plainReceiverCapabilities } from '../src/testing/plain-receiver.js';
import { log } from './output.js';
import { SOCKETS } from './settings.js';
import type { Side } from './side.js';
import type { Sink } from './sink.js';

/** A mediasoup worker of the project's binary, driven directly by this process. */
export async function startRawWorker(workerBin: string): Promise<types.Worker> {
  const worker = await createWorker({ workerBin, logLevel: 'warn', rtcMinPort: 20000, rtcMaxPort: 29999 });
  worker.on('died', (error) => log(`raw worker died: ${String(error)}`));
  return worker;
}

/**
 * Raw mediasoup, as infra/mediasoup/capacity.mjs: a router with the project's codecs, the feed's
 * producer on a plain transport, and each consumer on a plain transport of its own sending to one
 * of the sink's ports.
 */
export async function rawSide(worker: types.Worker, sink: Sink, sinkPorts: number[]): Promise<Side> {
  const router = await worker.createRouter({ mediaCodecs: MEDIA_CODECS });
  const rawCapabilities = plainReceiverCapabilities(router.rtpCapabilities);
  const listenInfo = { protocol: 'udp' as const, ip: '127.0.0.1' };
  const rawIn = await router.createPlainTransport({ listenInfo, rtcpMux: false, comedia: true });
  const rawProducer = await rawIn.produce({ kind: 'video', rtpParameters: VP8_FEED_RTP_PARAMETERS });
  const raw: Side = {
    name: 'raw',
    input: { port: rawIn.tuple.localPort, rtcpPort: rawIn.rtcpTuple!.localPort },
    workerPid: worker.pid,
    slots: [],
    passed: null,
    failedAt: null,
    costAt: new Map(),
    grow: async (n) => {
      while (raw.slots.length < n) {
        const i = raw.slots.length;
        const t = await router.createPlainTransport({ listenInfo, rtcpMux: true, comedia: false });
        await t.connect({ ip: '127.0.0.1', port: sinkPorts[i % SOCKETS]! });
        const c = await t.consume({
          producerId: rawProducer.id,
          rtpCapabilities: rawCapabilities,
          paused: true,
        });
        raw.slots.push(sink.registerSsrc(c.rtpParameters.encodings![0]!.ssrc!));
        await c.resume();
      }
    },
  };
  return raw;
}
