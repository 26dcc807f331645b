import { randomUUID } from 'node:crypto';
import { createServer, STATUS_CODES } from 'node:http';
import type { RequestListener, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { HttpProblem } from './problem.js';

/** How long a client may take: to send its headers, its whole request, and between requests. */
export interface HttpTimeouts {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

/**
 * The node HTTP server of a service: slow clients are cut after the timeouts (node checks them
 * every `connectionsCheckingInterval`, 30 s by default, so it is tightened here), and requests its
 * parser refuses are answered with a problem document instead of a bare status line.
 */
export function createHttpServer(app: RequestListener, timeouts: HttpTimeouts, logger: Logger): Server {
  const server = createServer(
    {
      headersTimeout: timeouts.headersTimeoutMs,
      requestTimeout: timeouts.requestTimeoutMs,
      keepAliveTimeout: timeouts.keepAliveTimeoutMs,
      connectionsCheckingInterval: checkingInterval(timeouts),
    },
    app,
  );
  server.headersTimeout = timeouts.headersTimeoutMs;
  server.requestTimeout = timeouts.requestTimeoutMs;
  server.keepAliveTimeout = timeouts.keepAliveTimeoutMs;
  server.on('clientError', answerClientError(logger));
  return server;
}

/** A timeout fires at most a quarter of itself (and at most a second) late. */
function checkingInterval(t: HttpTimeouts): number {
  return Math.max(25, Math.min(1000, Math.floor(Math.min(t.headersTimeoutMs, t.requestTimeoutMs) / 4)));
}

interface ClientError extends Error {
  code?: string;
  reason?: string;
}

/** What a request the HTTP parser refused (or one that timed out) is answered with. */
export function clientErrorProblem(error: ClientError, correlationId: string): HttpProblem {
  const extensions = { correlationId, ...(error.code ? { code: error.code } : {}) };
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new HttpProblem(
        408,
        'request-timeout',
        'Request timeout',
        'the request was not received in time',
        extensions,
      );
    case 'HPE_HEADER_OVERFLOW':
      return new HttpProblem(
        431,
        'headers-too-large',
        'Request header fields too large',
        'the request line and headers are too large',
        extensions,
      );
    case 'HPE_INVALID_METHOD':
      return new HttpProblem(
        400,
        'bad-request',
        'Bad request',
        'the request method is not an HTTP method',
        extensions,
      );
    default:
      return new HttpProblem(
        400,
        'bad-request',
        'Bad request',
        `the request is not valid HTTP/1.1${error.reason ? ` (${error.reason.replace(/[^\x20-\x7e]/g, '')})` : ''}`,
        extensions,
      );
  }
}

/**
 * `clientError`: answers with a raw problem+json response and closes the connection, unless the
 * client is gone or a response is already under way on the socket (writing would corrupt it).
 */
export function answerClientError(logger: Logger) {
  return (error: ClientError, socket: Duplex): void => {
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const correlationId = randomUUID();
    const problem = clientErrorProblem(error, correlationId);
    logger.info(
      { correlationId, status: problem.status, code: error.code, reason: error.reason },
      'request refused by the HTTP parser',
    );
    const body = JSON.stringify(problem.toJSON(`urn:uuid:${correlationId}`));
    socket.end(
      [
        `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? 'Bad Request'}`,
        'Content-Type: application/problem+json',
        `Content-Length: ${Buffer.byteLength(body)}`,
        `X-Correlation-Id: ${correlationId}`,
        'Connection: close',
        '',
        body,
      ].join('\r\n'),
    );
  };
}
