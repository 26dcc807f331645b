/** Where an SFU node takes signaling connections, as its registration says. */
export interface MediaServer {
  sfuNodeId: string;
  url: string;
}

/** The SFU nodes' registry, read-only: a node is found while it is registered (alive). */
export interface MediaServers {
  locate(sfuNodeId: string): Promise<MediaServer | null>;
}
