import { gauge, websocketGauge } from '@meetings/command-service/http';
import type { Registry } from '@meetings/command-service/http';
import type { MediaCounts, Sfu } from '../application/sfu.js';

export interface SfuMetricsSources {
  sfu: Pick<Sfu, 'mediaCounts'>;
  recordings: { readonly activeRecordings: number };
  signaling: { readonly connections: number };
}

const MEDIA: readonly [keyof MediaCounts, string][] = [
  ['rooms', 'Meeting rooms open on this node'],
  ['peers', 'Participants with media on this node (including those within their reconnection grace)'],
  ['transports', 'WebRTC and plain transports open on this node'],
  ['producers', 'Producers (sent tracks) on this node'],
  ['consumers', 'Consumers (received tracks) on this node'],
];

/**
 * The SFU's gauges, read when scraped: `sfu_rooms`, `sfu_peers`, `sfu_transports`,
 * `sfu_producers`, `sfu_consumers`, `sfu_recordings_active` and
 * `websocket_connections{server="signaling"}`. No labels per meeting or user: a node's totals.
 */
export function sfuMetrics(registry: Registry, sources: SfuMetricsSources): void {
  for (const [kind, help] of MEDIA) {
    gauge(registry, {
      name: `sfu_${kind}`,
      help,
      async collect() {
        this.set((await sources.sfu.mediaCounts())[kind]);
      },
    });
  }
  gauge(registry, {
    name: 'sfu_recordings_active',
    help: 'Recordings this node is running now',
    collect() {
      this.set(sources.recordings.activeRecordings);
    },
  });
  websocketGauge(registry, 'signaling', () => sources.signaling.connections);
}
