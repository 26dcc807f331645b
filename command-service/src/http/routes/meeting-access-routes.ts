import { ChangeSettingsBody } from '@meetings/events';
import type { CommandHandler } from '../../application/command-handler.js';
import type { MeetingPasscodes } from '../../application/meeting-passcodes.js';
import type { RouteSpec } from '../route-spec.js';
import { meetingCommandRoute, ParticipantParams, withBody } from './meeting-routes.js';

/** Who may enter a meeting: its settings, invitations, the lobby and bans (all host only). */
export function meetingAccessRoutes(commands: CommandHandler, passcodes: MeetingPasscodes): RouteSpec[] {
  const command = meetingCommandRoute(commands, passcodes);
  return [
    command({
      operationId: 'changeMeetingSettings',
      method: 'patch',
      path: '/meetings/:meetingId/settings',
      summary:
        'Change a meeting’s settings: mute on join, chat, access mode, lobby, passcode (host only; ' +
        'turning the lobby off admits those waiting while seats remain)',
      type: 'ChangeMeetingSettings',
      body: ChangeSettingsBody,
      data: withBody,
    }),
    command({
      operationId: 'inviteParticipant',
      method: 'put',
      path: '/meetings/:meetingId/invitations/:userId',
      summary: 'Invite a user: they may see the meeting and enter it without a passcode (host only)',
      type: 'InviteParticipant',
      params: ParticipantParams,
      data: withBody,
    }),
    command({
      operationId: 'revokeInvitation',
      method: 'delete',
      path: '/meetings/:meetingId/invitations/:userId',
      summary: 'Revoke an invitation (host only)',
      type: 'RevokeInvitation',
      params: ParticipantParams,
      data: withBody,
    }),
    command({
      operationId: 'admitParticipant',
      path: '/meetings/:meetingId/lobby/:userId/admit',
      summary: 'Let a user waiting in the lobby into the meeting, if it is not full (host only)',
      type: 'AdmitParticipant',
      params: ParticipantParams,
      data: withBody,
    }),
    command({
      operationId: 'denyParticipant',
      path: '/meetings/:meetingId/lobby/:userId/deny',
      summary: 'Turn away a user waiting in the lobby (host only)',
      type: 'DenyParticipant',
      params: ParticipantParams,
      data: withBody,
    }),
    command({
      operationId: 'liftBan',
      method: 'delete',
      path: '/meetings/:meetingId/bans/:userId',
      summary: 'Lift a user’s ban from the meeting (host only)',
      type: 'LiftBan',
      params: ParticipantParams,
      data: withBody,
    }),
  ];
}
