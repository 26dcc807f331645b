import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseNode, isPlacer, placedElsewhere, placementReason } from './placement.js';
import type { Room } from './room.js';

test('the placer is the live node with the smallest id, and no one when none is live', () => {
  assert.equal(isPlacer('sfu-a', ['sfu-b', 'sfu-a']), true);
  assert.equal(isPlacer('sfu-b', ['sfu-b', 'sfu-a']), false);
  // sfu-a died: its key went, and sfu-b takes over placing.
  assert.equal(isPlacer('sfu-b', ['sfu-b', 'sfu-c']), true);
  assert.equal(isPlacer('sfu-a', []), false);
});

test('the least-loaded node: fewest meetings placed, then fewest peers, then the smallest id', () => {
  const nodes = [
    { nodeId: 'sfu-c', peers: 0 },
    { nodeId: 'sfu-a', peers: 40 },
    { nodeId: 'sfu-b', peers: 3 },
  ];
  assert.equal(chooseNode(nodes, new Map()), 'sfu-c');
  assert.equal(chooseNode(nodes, new Map([['sfu-c', 1]])), 'sfu-b');
  assert.equal(
    chooseNode(
      nodes,
      new Map([
        ['sfu-c', 1],
        ['sfu-b', 1],
        ['sfu-a', 1],
      ]),
    ),
    'sfu-c',
  );
  assert.equal(
    chooseNode(
      [
        { nodeId: 'sfu-b', peers: 0 },
        { nodeId: 'sfu-a', peers: 0 },
      ],
      new Map(),
    ),
    'sfu-a',
  );
  assert.equal(chooseNode([], new Map()), null);
});

test('a meeting needs placing when it has no node, or its node is not live', () => {
  const live = new Set(['sfu-a']);
  assert.equal(placementReason(null, live), 'meeting_started');
  assert.equal(placementReason('sfu-a', live), null);
  assert.equal(placementReason('sfu-gone', live), 'node_lost');
});

test('a meeting placed on another node is not served here; an unplaced one is', () => {
  const room = (sfuNodeId: string | null): Room => ({
    meetingId: 'm',
    started: true,
    participants: new Map(),
    sfuNodeId,
    recordingId: null,
    version: 3,
  });
  assert.equal(placedElsewhere(room('sfu-b'), 'sfu-a'), true);
  assert.equal(placedElsewhere(room('sfu-a'), 'sfu-a'), false);
  assert.equal(placedElsewhere(room(null), 'sfu-a'), false);
});
