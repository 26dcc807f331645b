import assert from 'node:assert/strict';
import { connect } from 'node:net';

/** What a server answered on a raw connection, and how long until it closed it. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: any;
  closedAfterMs: number;
}

/**
 * Writes `chunks` to a fresh connection `gapMs` apart (stopping once the server hangs up) and reads
 * until the server closes it: for what fetch cannot send (bad framing, slow clients).
 */
export function rawExchange(port: number, chunks: (string | Buffer)[], gapMs = 0): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const started = Date.now();
    const received: Buffer[] = [];
    let closed = false;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('the server did not close the connection within 15 s'));
    }, 15_000);
    socket.on('data', (chunk) => received.push(chunk));
    socket.on('error', () => {}); // a reset after the answer is fine: what was read counts
    socket.on('close', () => {
      closed = true;
      clearTimeout(timer);
      const text = Buffer.concat(received).toString('utf8');
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(
        lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]),
      );
      const bodyText = rest.join('\r\n\r\n');
      let body: unknown = bodyText;
      try {
        body = JSON.parse(bodyText);
      } catch {
        // not JSON: kept as text for the assertion message
      }
      resolve({
        status: Number(statusLine.split(' ')[1]),
        headers,
        body,
        closedAfterMs: Date.now() - started,
      });
    });
    const write = async () => {
      for (const chunk of chunks) {
        if (closed || socket.destroyed) return;
        socket.write(chunk);
        if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
      }
    };
    socket.once('connect', () => void write());
  });
}

/** A problem+json answer of `status` and `type`, after which the server closes the connection. */
export function assertRawProblem(res: RawAnswer, status: number, type: string): void {
  const where = JSON.stringify(res);
  assert.equal(res.status, status, where);
  assert.match(res.headers['content-type'] ?? '', /^application\/problem\+json/, where);
  assert.equal(res.headers.connection, 'close', where);
  assert.equal(res.body.status, status, where);
  assert.equal(res.body.type, `/problems/${type}`, where);
  for (const member of ['title', 'detail', 'instance', 'correlationId'])
    assert.equal(typeof res.body[member], 'string', `${member}: ${where}`);
}
