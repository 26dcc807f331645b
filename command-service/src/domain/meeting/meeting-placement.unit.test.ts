import { describe, test } from 'node:test';
import { BusinessRuleViolation } from '../errors.js';
import { cancelled, command, ended, event, scheduled, spec, started } from '../testing/meeting-fixtures.js';

const NODE = 'sfu:sfu-a';
const place = (sfuNodeId: string, reason: 'meeting_started' | 'node_lost' = 'meeting_started') =>
  command('PlaceMeetingOnSfuNode', { sfuNodeId, reason }, NODE);
const placed = (
  sfuNodeId: string,
  previousSfuNodeId: string | null,
  reason: 'meeting_started' | 'node_lost' = 'meeting_started',
) => event('MeetingPlacedOnSfuNode', { sfuNodeId, previousSfuNodeId, reason });

describe('PlaceMeetingOnSfuNode', () => {
  test('a started meeting is placed on the node, naming none before it', () => {
    spec
      .given([scheduled(), started()])
      .when(place('sfu-a'))
      .then([placed('sfu-a', null)]);
  });

  test('placing it again where it is decides nothing: racing placers append one event', () => {
    spec
      .given([scheduled(), started(), placed('sfu-a', null)])
      .when(place('sfu-a'))
      .then([]);
  });

  test('a lost node hands its meeting on, naming the node it left', () => {
    spec
      .given([scheduled(), started(), placed('sfu-a', null)])
      .when(place('sfu-b', 'node_lost'))
      .then([placed('sfu-b', 'sfu-a', 'node_lost')]);
  });

  test('a meeting that is not running has no media to place', () => {
    spec.given([scheduled()]).when(place('sfu-a')).thenThrows(BusinessRuleViolation, 'meeting-not-started');
    spec
      .given([scheduled(), started(), ended()])
      .when(place('sfu-a'))
      .thenThrows(BusinessRuleViolation, 'meeting-already-ended');
    spec
      .given([scheduled(), cancelled()])
      .when(place('sfu-a'))
      .thenThrows(BusinessRuleViolation, 'meeting-cancelled');
  });
});
