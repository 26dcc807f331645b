import {
  CancelMeetingBody,
  ChangeRoleBody,
  Id,
  RemoveParticipantBody,
  JoinMeetingBody,
  ScheduleMeetingBody,
  SendChatMessageBody,
  streams,
  UpdateMeetingBody,
} from '@meetings/events';
import { z } from 'zod';
import type { CommandHandler } from '../../application/command-handler.js';
import type { MeetingCommandWithPasscode, MeetingPasscodes } from '../../application/meeting-passcodes.js';
import { newId } from '../../application/request-context.js';
import type { MeetingCommand } from '../../domain/index.js';
import { meetingDecider } from '../../domain/index.js';
import { route } from '../route-spec.js';
import type { RouteSpec } from '../route-spec.js';
import { answer, CommandAnswer } from './command-answer.js';

export const MeetingParams = z.object({ meetingId: Id });
export const ParticipantParams = MeetingParams.extend({ userId: Id });
const RecordingParams = MeetingParams.extend({ recordingId: Id });
const NoBody = z.object({}).strict();

export type MeetingCommandSpec = Omit<
  RouteSpec,
  'handle' | 'auth' | 'tag' | 'ifMatch' | 'success' | 'errors' | 'method'
> & {
  method?: RouteSpec['method'];
  /** Builds the command's data from params and body; `created` names an id the command creates. */
  data: (input: {
    params: Record<string, string>;
    body: Record<string, unknown>;
    newId: (purpose: string) => string;
  }) => Record<string, unknown>;
  type: MeetingCommand['type'];
  created?: string;
  /** Error statuses beyond those of every meeting command. */
  errors?: readonly number[];
};

type Spec = MeetingCommandSpec;

/**
 * Builds the route of a meeting command: same pipeline for all, differing in path, schemas and the
 * command they build. Passcodes a body carries are turned into what a decider may see first.
 */
export function meetingCommandRoute(commands: CommandHandler, passcodes: MeetingPasscodes) {
  return (spec: Spec): RouteSpec =>
    route({
      method: spec.method ?? 'post',
      path: spec.path,
      operationId: spec.operationId,
      summary: spec.summary,
      tag: 'meetings',
      auth: true,
      ifMatch: true,
      params: spec.params ?? MeetingParams,
      body: spec.body ?? NoBody,
      success: {
        status: spec.created ? 201 : 200,
        description: 'Accepted: appended to the meeting stream (or already in that state).',
        schema: spec.created ? CommandAnswer.extend({ [spec.created]: Id }) : CommandAnswer,
      },
      errors: [403, 404, 409, 412, ...(spec.errors ?? [])],
      handle: async ({ params, body, ctx, expectedVersion }) => {
        const data = spec.data({
          params: params as Record<string, string>,
          body: body as Record<string, unknown>,
          newId: (purpose) => newId(ctx, purpose),
        });
        const meetingId = data.meetingId as string;
        // params and body were validated against this route's schemas, which define the command's data.
        const command = { type: spec.type, data, actorId: ctx.actorUserId!, now: ctx.now };
        const outcome = await commands.handle(
          meetingDecider,
          streams.meeting(meetingId),
          await passcodes.prepare(command as unknown as MeetingCommandWithPasscode, ctx),
          ctx,
          expectedVersion === undefined ? {} : { expectedVersion },
        );
        if (!spec.created) return answer(outcome);
        const id = data[spec.created] as string;
        const location = spec.type === 'ScheduleMeeting' ? `/meetings/${meetingId}` : undefined;
        return answer(outcome, 201, { [spec.created]: id }, location);
      },
    });
}

export const self: Spec['data'] = ({ params }) => ({ meetingId: params.meetingId });
export const withBody: Spec['data'] = ({ params, body }) => ({ ...params, ...body });

/** Every meeting command of the meeting's life, participants, recording and chat. */
export function meetingRoutes(commands: CommandHandler, passcodes: MeetingPasscodes): RouteSpec[] {
  const command = meetingCommandRoute(commands, passcodes);

  return [
    command({
      operationId: 'scheduleMeeting',
      path: '/meetings',
      summary: 'Schedule a meeting; the caller becomes its host',
      type: 'ScheduleMeeting',
      params: z.object({}),
      body: ScheduleMeetingBody,
      created: 'meetingId',
      data: ({ body, newId }) => ({ meetingId: newId('meeting'), ...body }),
    }),
    command({
      operationId: 'updateMeeting',
      method: 'patch',
      path: '/meetings/:meetingId',
      summary: 'Change a meeting’s title, description, schedule or capacity (host only)',
      type: 'UpdateMeeting',
      body: UpdateMeetingBody,
      data: withBody,
    }),
    command({
      operationId: 'startMeeting',
      path: '/meetings/:meetingId/start',
      summary: 'Start a scheduled meeting (host only)',
      type: 'StartMeeting',
      data: self,
    }),
    command({
      operationId: 'endMeeting',
      path: '/meetings/:meetingId/end',
      summary: 'End a started meeting: everyone leaves, recording stops (host only)',
      type: 'EndMeeting',
      data: self,
    }),
    command({
      operationId: 'cancelMeeting',
      path: '/meetings/:meetingId/cancel',
      summary: 'Cancel a scheduled meeting (host only)',
      type: 'CancelMeeting',
      body: CancelMeetingBody,
      data: withBody,
    }),
    command({
      operationId: 'joinMeeting',
      path: '/meetings/:meetingId/join',
      summary:
        'Join a scheduled or started meeting, as its access mode allows (a passcode when needed); ' +
        'with the lobby on, wait there for a host',
      type: 'JoinMeeting',
      body: JoinMeetingBody,
      data: withBody,
      errors: [429], // too many wrong passcodes
    }),
    command({
      operationId: 'leaveMeeting',
      path: '/meetings/:meetingId/leave',
      summary: 'Leave a meeting, or its lobby',
      type: 'LeaveMeeting',
      data: self,
    }),
    command({
      operationId: 'removeParticipant',
      path: '/meetings/:meetingId/participants/:userId/remove',
      summary: 'Remove a participant, banning them with `ban: true` (host only)',
      type: 'RemoveParticipant',
      params: ParticipantParams,
      body: RemoveParticipantBody,
      data: withBody,
    }),
    command({
      operationId: 'muteParticipant',
      path: '/meetings/:meetingId/participants/:userId/mute',
      summary: 'Mute yourself, or anyone as a host',
      type: 'MuteParticipant',
      params: ParticipantParams,
      data: withBody,
    }),
    command({
      operationId: 'unmuteParticipant',
      path: '/meetings/:meetingId/participants/:userId/unmute',
      summary: 'Unmute yourself',
      type: 'UnmuteParticipant',
      params: ParticipantParams,
      data: withBody,
    }),
    command({
      operationId: 'turnVideoOn',
      path: '/meetings/:meetingId/participants/:userId/video-on',
      summary: 'Turn your video on',
      type: 'TurnVideoOn',
      params: ParticipantParams,
      data: withBody,
    }),
    command({
      operationId: 'turnVideoOff',
      path: '/meetings/:meetingId/participants/:userId/video-off',
      summary: 'Turn your video off, or anyone’s as a host',
      type: 'TurnVideoOff',
      params: ParticipantParams,
      data: withBody,
    }),
    command({
      operationId: 'changeParticipantRole',
      method: 'put',
      path: '/meetings/:meetingId/participants/:userId/role',
      summary: 'Promote a participant to host or demote a host (host only)',
      type: 'ChangeParticipantRole',
      params: ParticipantParams,
      body: ChangeRoleBody,
      data: withBody,
    }),
    command({
      operationId: 'startRecording',
      path: '/meetings/:meetingId/recordings',
      summary: 'Start recording a started meeting (host only)',
      type: 'StartRecording',
      created: 'recordingId',
      data: ({ params, newId }) => ({ ...params, recordingId: newId('recording') }),
    }),
    command({
      operationId: 'stopRecording',
      path: '/meetings/:meetingId/recordings/:recordingId/stop',
      summary: 'Stop the active recording (host only)',
      type: 'StopRecording',
      params: RecordingParams,
      data: withBody,
    }),
    // No completeRecording nor failRecording route: the SFU node recording the meeting completes or
    // fails it as itself (sfu-node/README.md, "Recording"); a host must not claim a file exists.
    command({
      operationId: 'sendChatMessage',
      path: '/meetings/:meetingId/chat-messages',
      summary: 'Send a chat message to everyone or to one participant',
      type: 'SendChatMessage',
      body: SendChatMessageBody,
      created: 'messageId',
      data: ({ params, body, newId }) => ({ ...params, messageId: newId('message'), ...body }),
    }),
  ];
}
