import { ETCD_ROOT } from '@meetings/db';
import type { DecodedEvent, EventType } from '@meetings/events';
import type { EtcdWrites } from '../../adapters/etcd/etcd-target.js';
import type { Projector } from '../projector.js';

/** The seed's configuration namespace; the mirror owns everything under it. */
export const CONFIG_PREFIX = `${ETCD_ROOT}/config/`;

/** `services.user-service.port` → `/meeting-system/config/services/user-service/port` (see ConfigKey). */
export const configEtcdKey = (key: string) => `${CONFIG_PREFIX}${key.split('.').join('/')}`;

const EVENT_TYPES: readonly EventType[] = ['SystemConfigSet', 'SystemConfigDeleted'];

/**
 * The system configuration mirrored into etcd, for what reads its configuration there (the seed's
 * layout): the value as text, nothing else (description and public flag stay in system_configs).
 * No version guard per key: the target applies each batch exactly once, in log order (so this
 * projection reads the event store's log in the Kafka profile too, see `Projection.readsLog`).
 */
export class ConfigMirrorProjector implements Projector<EtcdWrites> {
  readonly name = 'config-mirror';
  readonly eventTypes = EVENT_TYPES;

  apply(writes: EtcdWrites, events: readonly DecodedEvent[]): Promise<void> {
    for (const event of events) {
      if (event.type === 'SystemConfigSet') writes.put(configEtcdKey(event.data.key), event.data.value);
      else if (event.type === 'SystemConfigDeleted') writes.delete(configEtcdKey(event.data.key));
    }
    // Nothing to wait for: the target writes the batch in its transaction.
    return Promise.resolve();
  }
}
