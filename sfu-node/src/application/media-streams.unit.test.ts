import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { types } from 'mediasoup';
import { changedMeaningfully, qualityOf } from './media-streams.js';

const stat = (s: Partial<types.ProducerStat>) =>
  ({ bitrate: 0, fractionLost: 0, jitter: 0, ...s }) as types.ProducerStat;

test('quality: encodings summed, the worst loss and jitter, RTT only when reported', () => {
  assert.deepEqual(
    qualityOf([
      stat({ bitrate: 300_000, fractionLost: 64, jitter: 4 }),
      stat({ bitrate: 900_000, jitter: 9 }),
    ]),
    {
      bitrateKbps: 1200,
      packetLossPercent: 25,
      jitterMs: 9,
      rttMs: null,
    },
  );
  assert.equal(qualityOf([stat({ roundTripTime: 31.25 })]).rttMs, 31.3);
});

test('sampling: the first sample, then only meaningful changes', () => {
  const base = { bitrateKbps: 1000, packetLossPercent: 0, jitterMs: 5, rttMs: null };
  assert.ok(changedMeaningfully(null, base));
  assert.ok(!changedMeaningfully(base, { ...base, bitrateKbps: 1100, jitterMs: 9, packetLossPercent: 0.5 }));
  assert.ok(changedMeaningfully(base, { ...base, bitrateKbps: 1250 }));
  assert.ok(changedMeaningfully(base, { ...base, packetLossPercent: 1 }));
  assert.ok(changedMeaningfully(base, { ...base, jitterMs: 15 }));
  assert.ok(changedMeaningfully(base, { ...base, rttMs: 40 }));
  assert.ok(changedMeaningfully({ ...base, bitrateKbps: 30 }, { ...base, bitrateKbps: 0 }));
  assert.ok(!changedMeaningfully({ ...base, bitrateKbps: 0 }, { ...base, bitrateKbps: 0 }));
});
