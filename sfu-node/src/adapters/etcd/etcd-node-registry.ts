import { registerService, ServiceDirectory } from '@meetings/db';
import type { FailureLogger, Registration } from '@meetings/db';
import type { LiveNode, NodeRegistry } from '../../ports/node-registry.js';

export const SFU_SERVICE = 'sfu-node';

export interface EtcdNodeRegistryOptions {
  endpoints: readonly string[];
  nodeId: string;
  leaseTtlSeconds: number;
  host: string;
  port: number;
  /** The signaling URL clients are given. */
  url: string;
}

/**
 * `/meeting-system/services/sfu-node/instance_<nodeId>` (the seed's layout) → `{host, port,
 * metadata: {url, load: {peers, rooms}, startedAt, pid}}`, under a lease the node keeps alive: when
 * the process dies the key goes `ETCD_LEASE_TTL_SECONDS` later, and its meetings are placed again.
 */
export class EtcdNodeRegistry implements NodeRegistry {
  private readonly directory: ServiceDirectory;

  private constructor(
    private readonly registration: Registration,
    endpoints: readonly string[],
  ) {
    this.directory = new ServiceDirectory(endpoints);
  }

  static async register(options: EtcdNodeRegistryOptions, logger: FailureLogger): Promise<EtcdNodeRegistry> {
    const registration = await registerService(
      {
        endpoints: options.endpoints,
        service: SFU_SERVICE,
        instanceId: options.nodeId,
        host: options.host,
        port: options.port,
        leaseTtlSeconds: options.leaseTtlSeconds,
        metadata: { url: options.url, load: { peers: 0, rooms: 0 } },
      },
      logger,
    );
    return new EtcdNodeRegistry(registration, options.endpoints);
  }

  async live(): Promise<LiveNode[]> {
    const nodes: LiveNode[] = [];
    for (const [nodeId, instance] of await this.directory.instances(SFU_SERVICE)) {
      const { url, load } = instance.metadata as { url?: unknown; load?: { peers?: unknown } };
      if (typeof url !== 'string') continue;
      nodes.push({ nodeId, url, peers: typeof load?.peers === 'number' ? load.peers : 0 });
    }
    return nodes;
  }

  watch(onChange: () => void): Promise<() => Promise<void>> {
    return this.directory.watch(SFU_SERVICE, onChange);
  }

  report(load: { peers: number; rooms: number }): Promise<void> {
    return this.registration.update({ load });
  }

  async leave(): Promise<void> {
    await this.registration.stop();
    this.directory.close();
  }
}
