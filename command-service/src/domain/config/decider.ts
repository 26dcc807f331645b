import type {
  DomainEventOf,
  SetSystemConfigBody,
  systemConfigEventSchemas,
  UserRole,
} from '@meetings/events';
import type { Decider, DomainCommand } from '../decider.js';
import { AggregateNotFound, NotPermitted } from '../errors.js';

/** The role comes from the caller's session, which follows role changes at once (see SessionStore). */
export type SetSystemConfig = DomainCommand<
  'SetSystemConfig',
  { key: string; actorRole: UserRole } & SetSystemConfigBody
>;
export type DeleteSystemConfig = DomainCommand<'DeleteSystemConfig', { key: string; actorRole: UserRole }>;
export type SystemConfigCommand = SetSystemConfig | DeleteSystemConfig;

export type SystemConfigEvent = DomainEventOf<keyof typeof systemConfigEventSchemas>;

export interface SystemConfigEntry {
  value: string;
  description: string | null;
  isPublic: boolean;
}

/** `entry` null: never set, or deleted (`everSet` tells them apart, for the 404). */
export interface SystemConfigState {
  readonly entry: SystemConfigEntry | null;
  readonly everSet: boolean;
}

export const initialSystemConfigState = (): SystemConfigState => ({ entry: null, everSet: false });

const sameEntry = (a: SystemConfigEntry, b: SystemConfigEntry) =>
  a.value === b.value && a.description === b.description && a.isPublic === b.isPublic;

function requireAdmin(command: SystemConfigCommand): void {
  if (command.data.actorRole !== 'admin') {
    throw new NotPermitted('admin-only', 'Only an admin can change the system configuration.');
  }
}

/** Setting what is already there and deleting what is already gone append nothing (safe retries). */
export function decide(command: SystemConfigCommand, state: SystemConfigState): SystemConfigEvent[] {
  requireAdmin(command);
  const { key } = command.data;
  if (command.type === 'SetSystemConfig') {
    const entry: SystemConfigEntry = {
      value: command.data.value,
      description: command.data.description ?? null,
      isPublic: command.data.isPublic ?? false,
    };
    if (state.entry && sameEntry(state.entry, entry)) return [];
    return [{ type: 'SystemConfigSet', data: { key, ...entry, setBy: command.actorId } }];
  }
  if (!state.everSet) {
    throw new AggregateNotFound('config-not-found', 'This configuration key has never been set.');
  }
  if (!state.entry) return [];
  return [{ type: 'SystemConfigDeleted', data: { key, deletedBy: command.actorId } }];
}

export function evolve(state: SystemConfigState, event: SystemConfigEvent): SystemConfigState {
  switch (event.type) {
    case 'SystemConfigSet': {
      const { value, description, isPublic } = event.data;
      return { entry: { value, description, isPublic }, everSet: true };
    }
    case 'SystemConfigDeleted':
      return { entry: null, everSet: true };
  }
}

/** The `config-<key>` stream's decider. */
export const systemConfigDecider: Decider<SystemConfigCommand, SystemConfigState, SystemConfigEvent> = {
  initialState: initialSystemConfigState,
  decide,
  evolve,
};
