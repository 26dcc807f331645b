import { ActiveMeetingStats, itemsOf, OperationLogPage } from '../../read/models.js';
import type { ReportsReader } from '../../read/reports-reader.js';
import { NoQuery, OperationLogQuery } from '../query-params.js';
import { queryRoute } from '../route-spec.js';
import type { QueryRoute } from '../route-spec.js';

export function reportRoutes(reports: ReportsReader): QueryRoute[] {
  return [
    queryRoute({
      operationId: 'activeMeetingStats',
      path: '/stats/active-meetings',
      summary: 'Running meetings with live counts (an admin: all; others: the meetings they may see)',
      tag: 'reports',
      query: NoQuery,
      projections: ['meetings', 'meeting-access', 'media-streams'],
      success: {
        description: 'One row per running meeting',
        schema: itemsOf(ActiveMeetingStats, 'ActiveMeetingStatsList'),
      },
      errors: [],
      handle: async ({ viewer }) => ({ items: await reports.activeMeetings(viewer) }),
    }),
    queryRoute({
      operationId: 'listOperationLogs',
      path: '/operation-logs',
      summary: 'The audit trail, one entry per event, in order of occurrence (admins only)',
      tag: 'reports',
      adminOnly: true,
      query: OperationLogQuery,
      projections: ['operation-logs'],
      success: { description: 'A page of the audit trail', schema: OperationLogPage },
      errors: [403],
      handle: ({ query }) => reports.operationLogs(query),
    }),
  ];
}
