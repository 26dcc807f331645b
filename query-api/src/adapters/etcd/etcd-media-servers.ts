import { ServiceDirectory } from '@meetings/db';
import type { MediaServer, MediaServers } from '../../ports/media-servers.js';

/** sfu-node's registrations (`/meeting-system/services/sfu-node/instance_<id>`, metadata.url). */
export class EtcdMediaServers implements MediaServers {
  private readonly directory: ServiceDirectory;

  constructor(endpoints: readonly string[]) {
    this.directory = new ServiceDirectory(endpoints);
  }

  async locate(sfuNodeId: string): Promise<MediaServer | null> {
    const instance = await this.directory.instance('sfu-node', sfuNodeId);
    const url = instance?.metadata.url;
    return typeof url === 'string' ? { sfuNodeId, url } : null;
  }

  close(): void {
    this.directory.close();
  }
}
