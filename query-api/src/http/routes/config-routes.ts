import { problems } from '@meetings/command-service/http';
import { ConfigKey } from '@meetings/events';
import { z } from 'zod';
import { SystemConfig } from '../../read/configs-reader.js';
import type { ConfigsReader } from '../../read/configs-reader.js';
import { itemsOf } from '../../read/models.js';
import { NoQuery } from '../query-params.js';
import { queryRoute } from '../route-spec.js';
import type { QueryRoute } from '../route-spec.js';

export function configRoutes(configs: ConfigsReader): QueryRoute[] {
  return [
    queryRoute({
      operationId: 'listSystemConfigs',
      path: '/configs',
      summary: 'The system configuration (an admin: every key; others: the public keys)',
      tag: 'configuration',
      query: NoQuery,
      projections: ['system-configs'],
      success: {
        description: 'Every key the caller may read',
        schema: itemsOf(SystemConfig, 'SystemConfigList'),
      },
      errors: [],
      handle: async ({ viewer }) => ({ items: await configs.list(viewer) }),
    }),
    queryRoute({
      operationId: 'getSystemConfig',
      path: '/configs/:key',
      summary: 'One configuration key (a non-public key: admins only; others get 404)',
      tag: 'configuration',
      params: z.object({ key: ConfigKey }),
      query: NoQuery,
      projections: ['system-configs'],
      success: { description: 'The key', schema: SystemConfig },
      errors: [404],
      etag: (body) => `"${(body as SystemConfig).version}"`,
      handle: async ({ params, viewer }) => {
        const config = await configs.get(viewer, params.key);
        if (!config)
          throw problems.notFound(`no configuration key ${params.key} that you may read`, 'config-not-found');
        return config;
      },
    }),
  ];
}
