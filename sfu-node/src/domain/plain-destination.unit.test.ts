import assert from 'node:assert/strict';
import { test } from 'node:test';
import { plainDestinationRefusal } from './plain-destination.js';

const allowed = (ip: string, client: string | undefined, listenIp = '127.0.0.1', port = 40000) =>
  plainDestinationRefusal({ ip, port }, client, listenIp) === null;

test('plain destination: a client on loopback may name any loopback address, nothing else', () => {
  assert.ok(allowed('127.0.0.1', '127.0.0.1'));
  assert.ok(allowed('127.0.0.2', '127.0.0.1'));
  // An IPv4 client of a dual-stack server.
  assert.ok(allowed('127.0.0.1', '::ffff:127.0.0.1'));
  // Loopback over IPv6, to an SFU that listens on IPv4.
  assert.ok(allowed('127.0.0.1', '::1'));
  assert.ok(allowed('::1', '::1', '::1'));
  assert.ok(allowed('0:0:0:0:0:0:0:1', '::1', '::'));
  for (const ip of ['10.0.0.5', '192.168.1.20', '8.8.8.8', '0.0.0.0', '255.255.255.255', '224.0.0.1']) {
    assert.equal(
      plainDestinationRefusal({ ip, port: 40000 }, '127.0.0.1', '0.0.0.0'),
      'ip: must be a loopback address, as your connection comes from loopback',
      ip,
    );
  }
});

test('plain destination: a remote client may name its own address only', () => {
  assert.ok(allowed('203.0.113.7', '203.0.113.7', '0.0.0.0'));
  assert.ok(allowed('203.0.113.7', '::ffff:203.0.113.7', '0.0.0.0'));
  assert.ok(allowed('2001:db8::7', '2001:db8:0:0:0:0:0:7', '::'));
  assert.equal(
    plainDestinationRefusal({ ip: '203.0.113.8', port: 40000 }, '203.0.113.7', '0.0.0.0'),
    'ip: must be the address your connection comes from (203.0.113.7)',
  );
  // Not the SFU host's own loopback services.
  assert.ok(!allowed('127.0.0.1', '203.0.113.7', '0.0.0.0'));
  assert.ok(!allowed('::1', '2001:db8::7', '::'));
});

test('plain destination: the listen family, ports from 1024, and a known client address', () => {
  assert.equal(
    plainDestinationRefusal({ ip: '::1', port: 40000 }, '::1', '127.0.0.1'),
    'ip: must be an IPv4 address, the family the SFU listens on',
  );
  assert.equal(
    plainDestinationRefusal({ ip: '127.0.0.1', port: 40000 }, '127.0.0.1', '::'),
    'ip: must be an IPv6 address, the family the SFU listens on',
  );
  assert.equal(
    plainDestinationRefusal({ ip: 'localhost', port: 40000 }, '127.0.0.1', '127.0.0.1'),
    'ip: must be an IPv4 address, the family the SFU listens on',
  );
  assert.equal(
    plainDestinationRefusal({ ip: '127.0.0.1', port: 53 }, '127.0.0.1', '127.0.0.1'),
    'port: must be 1024 or above',
  );
  assert.equal(
    plainDestinationRefusal({ ip: '127.0.0.1', port: 40000, rtcpPort: 123 }, '127.0.0.1', '127.0.0.1'),
    'rtcpPort: must be 1024 or above',
  );
  assert.ok(allowed('127.0.0.1', '127.0.0.1', '127.0.0.1', 1024));
  assert.match(
    plainDestinationRefusal({ ip: '127.0.0.1', port: 40000 }, undefined, '127.0.0.1')!,
    /^ip: the address of your connection is not known/,
  );
});
