/** The part of a `ws` WebSocket a heartbeat needs. */
export interface PingedSocket {
  ping(): void;
  terminate(): void;
  on(event: 'pong', listener: () => void): unknown;
}

/**
 * Ping/pong liveness for a WebSocket server (query-api's rooms, the SFU's signaling): at each beat
 * a socket that has not answered the previous ping is cut, without a close handshake a dead peer
 * would never answer; the others are pinged again.
 */
export class SocketHeartbeat {
  private readonly alive = new WeakMap<PingedSocket, boolean>();

  track(ws: PingedSocket): void {
    this.alive.set(ws, true);
    ws.on('pong', () => this.alive.set(ws, true));
  }

  beat(clients: Iterable<PingedSocket>): void {
    for (const ws of clients) {
      if (this.alive.get(ws) === false) {
        ws.terminate();
        continue;
      }
      this.alive.set(ws, false);
      ws.ping();
    }
  }
}
