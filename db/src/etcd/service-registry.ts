import { randomUUID } from 'node:crypto';
import { Etcd3 } from 'etcd3';
import type { Lease } from 'etcd3';
import { z } from 'zod';
import type { FailureLogger } from '../outage.js';

/** The etcd settings every service shares; with no ETCD_ENDPOINTS a service runs without etcd. */
export const ETCD_SETTINGS = {
  /** Comma-separated client URLs (`http://10.0.0.5:2379,http://10.0.0.6:2379`). */
  ETCD_ENDPOINTS: z
    .string()
    .optional()
    .transform((text) => (text ? text.split(',').map((url) => url.trim()) : []))
    .pipe(z.array(z.string().url())),
  /** How long an instance stays registered after its process stops renewing (a crash). */
  ETCD_LEASE_TTL_SECONDS: z.coerce.number().int().min(2).max(3600).default(10),
};

export const ETCD_ROOT = '/meeting-system';
export const serviceKey = (service: string, instanceId: string) =>
  `${ETCD_ROOT}/services/${service}/instance_${instanceId}`;

export interface Registration {
  readonly instanceId: string;
  /** Puts the key again with new metadata (merged over the first), under the same lease. */
  update(metadata: Record<string, unknown>): Promise<void>;
  /** Revokes the lease: the key goes at once, not after the TTL. */
  stop(): Promise<void>;
}

export interface RegistrationOptions {
  endpoints: readonly string[];
  service: string;
  host: string;
  port: number;
  leaseTtlSeconds: number;
  /** Defaults to a new UUID: an instance is one process's life. */
  instanceId?: string;
  metadata?: Record<string, unknown>;
}

/**
 * Registers this process under `/meeting-system/services/<service>/instance_<id>` (the seed's
 * layout) with a lease the etcd3 client keeps alive. A lease lost while etcd was away is granted
 * anew and the key put again, so an instance that outlived an outage is listed again.
 */
export async function registerService(
  options: RegistrationOptions,
  logger: FailureLogger,
): Promise<Registration> {
  const instanceId = options.instanceId ?? randomUUID();
  const key = serviceKey(options.service, instanceId);
  const first = { startedAt: new Date().toISOString(), pid: process.pid, ...options.metadata };
  let value = JSON.stringify({ host: options.host, port: options.port, metadata: first });
  const client = new Etcd3({ hosts: [...options.endpoints] });
  let stopped = false;
  let lease: Lease;
  const grant = async (): Promise<void> => {
    lease = client.lease(options.leaseTtlSeconds);
    lease.on('lost', (error) => {
      if (stopped) return;
      logger.warn({ err: error, key }, 'etcd lease lost; registering again');
      setTimeout(
        () => void grant().catch((e: unknown) => logger.warn({ err: e, key }, 'etcd registration failed')),
        1000,
      );
    });
    await lease.put(key).value(value);
  };
  try {
    await grant();
  } catch (error) {
    client.close();
    throw error;
  }
  return {
    instanceId,
    update: async (metadata) => {
      value = JSON.stringify({ host: options.host, port: options.port, metadata: { ...first, ...metadata } });
      if (!stopped) await lease.put(key).value(value);
    },
    stop: async () => {
      stopped = true;
      await lease
        .revoke()
        .catch((error: unknown) => logger.warn({ err: error, key }, 'etcd lease revoke failed'));
      client.close();
    },
  };
}

/** What an instance registered: where it listens, and what it says of itself. */
export const RegisteredInstance = z.object({
  host: z.string(),
  port: z.number().int(),
  metadata: z.record(z.string(), z.unknown()).default({}),
});
export type RegisteredInstance = z.infer<typeof RegisteredInstance>;

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** Reads who is registered: an instance is listed while its lease lives (its process renews it). */
export class ServiceDirectory {
  private readonly client: Etcd3;

  constructor(endpoints: readonly string[]) {
    this.client = new Etcd3({ hosts: [...endpoints] });
  }

  isRegistered(service: string, instanceId: string): Promise<boolean> {
    return this.client.get(serviceKey(service, instanceId)).exists();
  }

  /** One registered instance; null when it is not registered (or its value is not ours). */
  async instance(service: string, instanceId: string): Promise<RegisteredInstance | null> {
    const text = await this.client.get(serviceKey(service, instanceId)).string();
    const parsed = RegisteredInstance.safeParse(text === null ? null : parseJson(text));
    return parsed.success ? parsed.data : null;
  }

  /** The registered instances of a service, by instance id (values that are not JSON are left out). */
  async instances(service: string): Promise<Map<string, RegisteredInstance>> {
    const prefix = `${ETCD_ROOT}/services/${service}/instance_`;
    const found = new Map<string, RegisteredInstance>();
    for (const [key, text] of Object.entries(await this.client.getAll().prefix(prefix).strings())) {
      const parsed = RegisteredInstance.safeParse(parseJson(text));
      if (parsed.success) found.set(key.slice(prefix.length), parsed.data);
    }
    return found;
  }

  /** Calls `onChange` whenever an instance of the service registers, updates or goes; returns a stop. */
  async watch(service: string, onChange: () => void): Promise<() => Promise<void>> {
    const watcher = await this.client.watch().prefix(`${ETCD_ROOT}/services/${service}/instance_`).create();
    watcher.on('put', onChange).on('delete', onChange).on('connected', onChange);
    return () => watcher.cancel();
  }

  close(): void {
    this.client.close();
  }
}
