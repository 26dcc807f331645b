import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { isOutage } from './outage.js';

// Each shape below was captured from a real failure (pg 8.23, pg-pool 3.14, ioredis 5.11,
// PostgreSQL 15, Redis 7); outage.int.test.ts and the services' outage e2e tests provoke them live.

/** Node's socket error, as net builds it. */
function socketError(code: string, message: string): Error {
  return Object.assign(new Error(message), {
    errno: -111,
    code,
    syscall: 'connect',
    address: '127.0.0.1',
    port: 9,
  });
}

/** A PostgreSQL error reply, as pg-protocol builds it. */
function databaseError(code: string, message: string, severity = 'FATAL'): Error {
  return Object.assign(new pg.DatabaseError(message, 100, 'error'), { code, severity });
}

/** ioredis's MaxRetriesPerRequestError: an AbortError whose name is its class's. */
class MaxRetriesPerRequestError extends Error {
  constructor(max: number) {
    super(
      `Reached the max retries per request limit (which is ${max}). Refer to "maxRetriesPerRequest" option for details.`,
    );
  }
  override get name() {
    return this.constructor.name;
  }
}

const outages: [string, unknown][] = [
  ['pg: connect to a closed port', socketError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9')],
  ['pg: reset by the peer', socketError('ECONNRESET', 'read ECONNRESET')],
  ['pg: write to a closed socket', socketError('EPIPE', 'write EPIPE')],
  ['pg: connect timed out (kernel)', socketError('ETIMEDOUT', 'connect ETIMEDOUT 10.0.0.1:5432')],
  ['pg: server closed the connection mid-query', new Error('Connection terminated unexpectedly')],
  ['pg: client.end() under a pending query', new Error('Connection terminated')],
  [
    'pg-pool: connection timeout of a new client',
    new Error('Connection terminated due to connection timeout', {
      cause: new Error('Connection terminated unexpectedly'),
    }),
  ],
  ['pg-pool: no client within connectionTimeoutMillis', new Error('timeout exceeded when trying to connect')],
  ['pg.Client: connectionTimeoutMillis', new Error('timeout expired')],
  [
    'pg: a held client queried after its connection failed',
    new Error('Client has encountered a connection error and is not queryable'),
  ],
  [
    'PostgreSQL: backend terminated / immediate shutdown',
    databaseError('57P01', 'terminating connection due to administrator command'),
  ],
  [
    'PostgreSQL: crash of another backend',
    databaseError('57P02', 'terminating connection because of crash of another server process'),
  ],
  ['PostgreSQL: starting up', databaseError('57P03', 'the database system is starting up')],
  ['PostgreSQL: in recovery', databaseError('57P03', 'the database system is not yet accepting connections')],
  ['PostgreSQL: too many clients', databaseError('53300', 'sorry, too many clients already')],
  ['PostgreSQL: connection failure (08006)', databaseError('08006', 'connection failure')],
  ['PostgreSQL: connection exception (08000)', databaseError('08000', 'connection exception')],
  ['ioredis: offline queue flushed', new MaxRetriesPerRequestError(1)],
  ['ioredis: closed client', new Error('Connection is closed.')],
  [
    'ioredis: reconnecting without offline queue',
    new Error("Stream isn't writeable and enableOfflineQueue options is false"),
  ],
  ['ioredis: commandTimeout', new Error('Command timed out')],
  [
    'ioredis: connectTimeout',
    Object.assign(new Error('connect ETIMEDOUT'), {
      errorno: 'ETIMEDOUT',
      code: 'ETIMEDOUT',
      syscall: 'connect',
    }),
  ],
  [
    'Redis: loading its dataset',
    Object.assign(new Error('LOADING Redis is loading the dataset in memory'), { name: 'ReplyError' }),
  ],
  [
    "node: happy eyeballs' AggregateError",
    new AggregateError([socketError('ECONNREFUSED', 'connect ECONNREFUSED ::1:5432')], ''),
  ],
  [
    'an error caused by an outage',
    new Error('relay failed', { cause: socketError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9') }),
  ],
];

const faults: [string, unknown][] = [
  ['PostgreSQL: unique violation', databaseError('23505', 'duplicate key value', 'ERROR')],
  ['PostgreSQL: syntax error', databaseError('42601', 'syntax error at or near "SELEC"', 'ERROR')],
  ['PostgreSQL: serialization failure', databaseError('40001', 'could not serialize access', 'ERROR')],
  [
    'PostgreSQL: statement timeout',
    databaseError('57014', 'canceling statement due to statement timeout', 'ERROR'),
  ],
  ['PostgreSQL: undefined table', databaseError('42P01', 'relation "nope" does not exist', 'ERROR')],
  ['PostgreSQL: unknown database', databaseError('3D000', 'database "nope" does not exist')],
  ['pg: a client queried after end()', new Error('Client was closed and is not queryable')],
  [
    'Redis: wrong arguments',
    Object.assign(new Error("ERR wrong number of arguments for 'hset' command"), { name: 'ReplyError' }),
  ],
  ['a TypeError', new TypeError("Cannot read properties of undefined (reading 'x')")],
  ['a file that is missing', Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' })],
  ['a message that only mentions a connection', new Error('invalid connection string')],
  ['a string', 'Connection terminated unexpectedly'],
  ['null', null],
  ['undefined', undefined],
  ['a number code', Object.assign(new Error('x'), { code: 8006 })],
];

for (const [what, error] of outages) test(`an outage: ${what}`, () => assert.equal(isOutage(error), true));
for (const [what, error] of faults)
  test(`not an outage: ${what}`, () => assert.equal(isOutage(error), false));

test('a cycle of causes ends', () => {
  const a: { message: string; cause?: unknown } = { message: 'a' };
  a.cause = { message: 'b', cause: a };
  assert.equal(isOutage(a), false);
});
