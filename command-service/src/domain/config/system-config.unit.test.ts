import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigKey } from '@meetings/events';
import { fold } from '../decider.js';
import { AggregateNotFound, NotPermitted } from '../errors.js';
import { deciderSpec } from '../testing/decider-spec.js';
import type { SystemConfigCommand, SystemConfigEvent } from './decider.js';
import { systemConfigDecider } from './decider.js';

const ADMIN = '00000000-0000-4000-8000-000000000001';
const KEY = 'services.user-service.port';
const NOW = new Date('2030-01-01T08:00:00.000Z');

const spec = deciderSpec(systemConfigDecider);

const set = (body: { value: string; description?: string | null; isPublic?: boolean }, role = 'admin') =>
  ({
    type: 'SetSystemConfig',
    data: { key: KEY, actorRole: role, ...body },
    actorId: ADMIN,
    now: NOW,
  }) as SystemConfigCommand;
const remove = (role = 'admin') =>
  ({
    type: 'DeleteSystemConfig',
    data: { key: KEY, actorRole: role },
    actorId: ADMIN,
    now: NOW,
  }) as SystemConfigCommand;

const setEvent = (value: string, isPublic = false, description: string | null = null): SystemConfigEvent => ({
  type: 'SystemConfigSet',
  data: { key: KEY, value, description, isPublic, setBy: ADMIN },
});
const deleted: SystemConfigEvent = { type: 'SystemConfigDeleted', data: { key: KEY, deletedBy: ADMIN } };

describe('SetSystemConfig', () => {
  test('creates a key; an absent description is none and an absent flag is private', () => {
    spec
      .given([])
      .when(set({ value: '8080' }))
      .then([setEvent('8080')]);
    spec
      .given([])
      .when(set({ value: '8080', description: 'HTTP port', isPublic: true }))
      .then([setEvent('8080', true, 'HTTP port')]);
  });

  test('changes the value, the description or the flag; the same entry again appends nothing', () => {
    spec
      .given([setEvent('8080')])
      .when(set({ value: '8081' }))
      .then([setEvent('8081')]);
    spec
      .given([setEvent('8080')])
      .when(set({ value: '8080', isPublic: true }))
      .then([setEvent('8080', true)]);
    spec
      .given([setEvent('8080', true, 'd')])
      .when(set({ value: '8080' }))
      .then([setEvent('8080')]);
    spec
      .given([setEvent('8080', true, 'd')])
      .when(set({ value: '8080', description: 'd', isPublic: true }))
      .thenNothing();
  });

  test('sets a deleted key again', () => {
    spec
      .given([setEvent('8080'), deleted])
      .when(set({ value: '8080' }))
      .then([setEvent('8080')]);
  });

  test('admins only', () => {
    spec
      .given([])
      .when(set({ value: '1' }, 'user'))
      .thenThrows(NotPermitted, 'admin-only');
    spec
      .given([setEvent('1')])
      .when(set({ value: '1' }, 'user'))
      .thenThrows(NotPermitted, 'admin-only');
  });
});

describe('DeleteSystemConfig', () => {
  test('deletes a key; deleting it again appends nothing', () => {
    spec
      .given([setEvent('8080')])
      .when(remove())
      .then([deleted]);
    spec
      .given([setEvent('8080'), deleted])
      .when(remove())
      .thenNothing();
  });

  test('a key never set is not found; a plain user is refused before that', () => {
    spec.given([]).when(remove()).thenThrows(AggregateNotFound, 'config-not-found');
    spec.given([]).when(remove('user')).thenThrows(NotPermitted, 'admin-only');
    spec
      .given([setEvent('1')])
      .when(remove('user'))
      .thenThrows(NotPermitted, 'admin-only');
  });
});

describe('evolve', () => {
  test('follows set, change and delete', () => {
    assert.deepEqual(fold(systemConfigDecider, [setEvent('a', true, 'x')]).entry, {
      value: 'a',
      description: 'x',
      isPublic: true,
    });
    assert.deepEqual(fold(systemConfigDecider, [setEvent('a'), deleted]), { entry: null, everSet: true });
  });
});

describe('ConfigKey', () => {
  test('accepts dotted lowercase segments, refuses everything else', () => {
    for (const ok of ['a', 'services.user-service.port', 'meeting.max_duration', '0.1']) {
      assert.ok(ConfigKey.safeParse(ok).success, ok);
    }
    for (const bad of ['', 'A', 'a..b', '.a', 'a.', 'a/b', '-a', 'a.-b', 'a b', 'é', 'x'.repeat(201)]) {
      assert.ok(!ConfigKey.safeParse(bad).success, bad);
    }
  });
});
