import { BlockList, isIP } from 'node:net';

/*
 * Where a plain recv transport may send a consumer's RTP (connectPlainTransport). The client names
 * the address; unchecked, that would let anyone make the SFU send media (RTP whose payload a
 * publisher of the same client chooses, once per consumer: an amplifier) to any host and port,
 * including the SFU host's own loopback services. The rule:
 *
 * - the destination is of the family the SFU's transports listen on (SFU_LISTEN_IP);
 * - its ports are 1024 or above (no well-known service: DNS, NTP, SNMP, syslog ...);
 * - it is the very address the client's signaling connection comes from, or, when that connection
 *   comes from loopback (a client on the SFU's host, which can reach loopback anyway), any
 *   loopback address. So a client can only send media to itself.
 *
 * A connection whose address is not known (it came through a proxy: the upgrade carried a
 * Forwarded, X-Forwarded-For or X-Real-IP header) is refused: behind a proxy on the SFU's host
 * every client would look like loopback.
 */

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** The lowest port a plain recv transport may send to. */
export const MIN_DESTINATION_PORT = 1024;

export interface PlainDestination {
  ip: string;
  port: number;
  rtcpPort?: number | undefined;
}

type Family = 'ipv4' | 'ipv6';

function familyOf(ip: string): Family | null {
  const version = isIP(ip);
  return version === 4 ? 'ipv4' : version === 6 ? 'ipv6' : null;
}

/** `::ffff:a.b.c.d` (an IPv4 client of a dual-stack socket) as `a.b.c.d`. */
function unmapped(ip: string): string {
  const match = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return match ? match[1]! : ip;
}

function isLoopback(ip: string): boolean {
  const family = familyOf(ip);
  return family !== null && LOOPBACK.check(ip, family);
}

function sameAddress(a: string, b: string): boolean {
  const family = familyOf(a);
  if (!family || familyOf(b) !== family) return false;
  // BlockList compares addresses, not spellings (`::1` and `0:0:0:0:0:0:0:1`).
  const one = new BlockList();
  one.addAddress(a, family);
  return one.check(b, family);
}

/**
 * Null when the SFU may send to `destination` for a client whose signaling connection comes from
 * `clientAddress` (undefined: not known); otherwise why not, naming the param.
 */
export function plainDestinationRefusal(
  destination: PlainDestination,
  clientAddress: string | undefined,
  listenIp: string,
): string | null {
  const family = familyOf(destination.ip);
  const listenFamily = familyOf(listenIp);
  if (!family || family !== listenFamily) {
    return `ip: must be an ${listenFamily === 'ipv6' ? 'IPv6' : 'IPv4'} address, the family the SFU listens on`;
  }
  for (const name of ['port', 'rtcpPort'] as const) {
    const port = destination[name];
    if (port !== undefined && port < MIN_DESTINATION_PORT) {
      return `${name}: must be ${MIN_DESTINATION_PORT} or above`;
    }
  }
  if (clientAddress === undefined) {
    return 'ip: the address of your connection is not known (it came through a proxy): plain RTP is not sent out to it';
  }
  const client = unmapped(clientAddress);
  if (isLoopback(client) ? isLoopback(destination.ip) : sameAddress(client, destination.ip)) return null;
  return isLoopback(client)
    ? 'ip: must be a loopback address, as your connection comes from loopback'
    : `ip: must be the address your connection comes from (${client})`;
}
