import { registerService, ServiceDirectory } from '@meetings/db';
import type { FailureLogger, Registration } from '@meetings/db';
import type { NodeLiveness } from '../../ports/node-liveness.js';

export interface EtcdNodeLivenessOptions {
  endpoints: readonly string[];
  service: string;
  nodeId: string;
  leaseTtlSeconds: number;
}

/**
 * With etcd, the service registration is the heartbeat: a node is alive while its
 * `/meeting-system/services/<service>/instance_<nodeId>` key is there, which its lease keeps for
 * `ETCD_LEASE_TTL_SECONDS` after the process stops renewing it.
 */
export class EtcdNodeLiveness implements NodeLiveness {
  readonly nodeId: string;
  private readonly directory: ServiceDirectory;
  private registration: Registration | null = null;

  constructor(
    private readonly options: EtcdNodeLivenessOptions,
    private readonly logger: FailureLogger,
  ) {
    this.nodeId = options.nodeId;
    this.directory = new ServiceDirectory(options.endpoints);
  }

  async start(address: { host: string; port: number }): Promise<void> {
    this.registration = await registerService(
      {
        endpoints: this.options.endpoints,
        service: this.options.service,
        instanceId: this.nodeId,
        leaseTtlSeconds: this.options.leaseTtlSeconds,
        ...address,
      },
      this.logger,
    );
  }

  isAlive(nodeId: string): Promise<boolean> {
    return this.directory.isRegistered(this.options.service, nodeId);
  }

  async stop(): Promise<void> {
    await this.registration?.stop();
    this.directory.close();
  }
}
