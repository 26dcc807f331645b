/**
 * Which tables each PostgreSQL projection owns (writes, and nobody else does), and which tables
 * outside them it reads or touches. A blue/green rebuild builds a new generation of exactly the
 * owned tables and switches them together; `uses` are reached through views onto the live tables,
 * so the projector's SQL runs unchanged with the generation's schema alone on its search_path (an
 * undeclared table is an error there, never a silent write into the live one).
 */
export interface ReadModelTables {
  owns: readonly string[];
  uses?: readonly string[];
  /**
   * Columns of an owned table that no event sets (a queue's own bookkeeping): the switch copies
   * them from the live rows, keyed by `key`, so the rebuild does not reset them.
   */
  carryOver?: { table: string; key: string; columns: readonly string[] };
}

export const READ_MODEL_TABLES: Readonly<Record<string, ReadModelTables>> = {
  users: { owns: ['users'], uses: ['personal_data_keys'] },
  meetings: { owns: ['meetings', 'meeting_participants', 'meeting_rooms', 'meeting_recordings'] },
  'meeting-access': { owns: ['meeting_invitations', 'meeting_bans'] },
  'media-streams': { owns: ['media_streams'] },
  chat: { owns: ['signaling_messages'] },
  'operation-logs': { owns: ['operation_logs'] },
  'system-configs': { owns: ['system_configs'] },
  'signaling-sessions': { owns: ['signaling_sessions'] },
  'ai-tasks': {
    owns: ['ai_tasks'],
    carryOver: {
      table: 'ai_tasks',
      key: 'task_id',
      columns: [
        'dispatched_at',
        'deliveries',
        'lease_owner',
        'lease_expires_at',
        'settled_at',
        'dead_lettered_at',
      ],
    },
  },
  'meeting-documents': { owns: ['meeting_documents'] },
};
