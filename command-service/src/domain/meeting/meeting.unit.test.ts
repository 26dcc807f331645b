import { describe, test } from 'node:test';
import { AggregateNotFound, AlreadyExists, BusinessRuleViolation, NotPermitted } from '../errors.js';
import {
  ALICE,
  BOB,
  CREATOR,
  END_AT,
  MSG,
  REC_1,
  START_AT,
  cancelled,
  command,
  ended,
  event,
  joined,
  recordingStarted,
  runningWithAliceAndBob,
  runningWithAliceAsHost,
  scheduled,
  spec,
  started,
} from '../testing/meeting-fixtures.js';
import type { MeetingCommand } from './commands.js';

const schedule = (
  data: Partial<Omit<Extract<MeetingCommand, { type: 'ScheduleMeeting' }>['data'], 'meetingId'>>,
) => command('ScheduleMeeting', { title: 'Weekly sync', scheduledStartAt: START_AT, ...data });

describe('ScheduleMeeting', () => {
  test('schedules a new meeting with the creator as host and the defaults filled in', () => {
    // Secure by default: only invitees may enter until the host opens the meeting.
    const settings = { muteOnJoin: false, allowChat: true, access: 'invited', lobby: false } as const;
    spec
      .given([])
      .when(schedule({}))
      .then([scheduled({ scheduledEndAt: null, settings })]);
  });

  test('keeps the given fields and completes partial settings with the defaults', () => {
    spec
      .given([])
      .when(
        schedule({
          description: 'Agenda',
          scheduledEndAt: END_AT,
          maxParticipants: 8,
          settings: { muteOnJoin: true },
        }),
      )
      .then([
        scheduled({
          description: 'Agenda',
          maxParticipants: 8,
          settings: { muteOnJoin: true, allowChat: true, access: 'invited', lobby: false },
        }),
      ]);
  });

  test('refuses an end before or at the start', () => {
    spec
      .given([])
      .when(schedule({ scheduledEndAt: '2030-01-01T08:59:00.000Z' }))
      .thenThrows(BusinessRuleViolation, 'invalid-schedule');
    spec
      .given([])
      .when(schedule({ scheduledEndAt: START_AT }))
      .thenThrows(BusinessRuleViolation, 'invalid-schedule');
  });

  test('refuses to schedule a meeting that already exists', () => {
    spec.given([scheduled()]).when(schedule({})).thenThrows(AlreadyExists, 'meeting-exists');
  });
});

describe('a meeting that does not exist', () => {
  const commands: MeetingCommand[] = [
    command('UpdateMeeting', { title: 'New' }),
    command('StartMeeting', {}),
    command('EndMeeting', {}),
    command('CancelMeeting', {}),
    command('JoinMeeting', {}, ALICE),
    command('LeaveMeeting', {}, ALICE),
    command('RemoveParticipant', { userId: ALICE }),
    command('MuteParticipant', { userId: ALICE }),
    command('UnmuteParticipant', { userId: ALICE }, ALICE),
    command('TurnVideoOn', { userId: ALICE }, ALICE),
    command('TurnVideoOff', { userId: ALICE }, ALICE),
    command('ChangeParticipantRole', { userId: ALICE, role: 'host' }),
    command('StartRecording', { recordingId: REC_1 }),
    command('StopRecording', { recordingId: REC_1 }),
    command('CompleteRecording', {
      recordingId: REC_1,
      storageKey: 'k',
      sizeBytes: 1,
      durationSeconds: 1,
      format: 'webm',
    }),
    command('FailRecording', { recordingId: REC_1, reason: 'lost' }),
    command('SendChatMessage', { messageId: MSG, text: 'hi' }, ALICE),
  ];
  for (const cmd of commands) {
    test(`refuses ${cmd.type}`, () => {
      spec.given([]).when(cmd).thenThrows(AggregateNotFound, 'meeting-not-found');
    });
  }
});

describe('StartMeeting', () => {
  test('the creator starts a scheduled meeting, even without having joined', () => {
    spec.given([scheduled()]).when(command('StartMeeting', {})).then([started()]);
  });

  test('only a host may start it', () => {
    spec
      .given([scheduled(), joined(ALICE)])
      .when(command('StartMeeting', {}, ALICE))
      .thenThrows(NotPermitted, 'host-only');
  });

  test('only a scheduled meeting can start', () => {
    const start = command('StartMeeting', {});
    spec
      .given([scheduled(), started()])
      .when(start)
      .thenThrows(BusinessRuleViolation, 'meeting-already-started');
    spec
      .given([scheduled(), started(), ended()])
      .when(start)
      .thenThrows(BusinessRuleViolation, 'meeting-already-ended');
    spec.given([scheduled(), cancelled()]).when(start).thenThrows(BusinessRuleViolation, 'meeting-cancelled');
  });
});

describe('EndMeeting', () => {
  test('lets everyone leave, stops the recording, then ends, in that order', () => {
    spec
      .given([...runningWithAliceAndBob(), joined(CREATOR, 'host'), recordingStarted(REC_1)])
      .when(command('EndMeeting', {}))
      .then([
        event('ParticipantLeft', { userId: ALICE, reason: 'meeting_ended' }),
        event('ParticipantLeft', { userId: BOB, reason: 'meeting_ended' }),
        event('ParticipantLeft', { userId: CREATOR, reason: 'meeting_ended' }),
        event('RecordingStopped', { recordingId: REC_1, stoppedBy: CREATOR }),
        ended(),
      ]);
  });

  test('an empty meeting without recording just ends', () => {
    spec.given([scheduled(), started()]).when(command('EndMeeting', {})).then([ended()]);
  });

  test('only a host may end it', () => {
    spec
      .given(runningWithAliceAndBob())
      .when(command('EndMeeting', {}, ALICE))
      .thenThrows(NotPermitted, 'host-only');
  });

  test('only a started meeting can end', () => {
    const end = command('EndMeeting', {});
    spec.given([scheduled()]).when(end).thenThrows(BusinessRuleViolation, 'meeting-not-started');
    spec
      .given([scheduled(), started(), ended()])
      .when(end)
      .thenThrows(BusinessRuleViolation, 'meeting-already-ended');
    spec.given([scheduled(), cancelled()]).when(end).thenThrows(BusinessRuleViolation, 'meeting-cancelled');
  });
});

describe('CancelMeeting', () => {
  test('cancels a scheduled meeting, with or without a reason', () => {
    spec.given([scheduled()]).when(command('CancelMeeting', {})).then([cancelled()]);
    spec
      .given([scheduled()])
      .when(command('CancelMeeting', { reason: 'Holiday' }))
      .then([event('MeetingCancelled', { cancelledBy: CREATOR, reason: 'Holiday' })]);
  });

  test('lets participants waiting in the scheduled meeting leave first', () => {
    spec
      .given([scheduled(), joined(ALICE)])
      .when(command('CancelMeeting', {}))
      .then([event('ParticipantLeft', { userId: ALICE, reason: 'meeting_ended' }), cancelled()]);
  });

  test('only a host may cancel it', () => {
    spec
      .given([scheduled(), joined(ALICE)])
      .when(command('CancelMeeting', {}, ALICE))
      .thenThrows(NotPermitted, 'host-only');
  });

  test('only a scheduled meeting can be cancelled', () => {
    const cancel = command('CancelMeeting', {});
    spec
      .given([scheduled(), started()])
      .when(cancel)
      .thenThrows(BusinessRuleViolation, 'meeting-already-started');
    spec
      .given([scheduled(), cancelled()])
      .when(cancel)
      .thenThrows(BusinessRuleViolation, 'meeting-cancelled');
  });
});

describe('UpdateMeeting', () => {
  test('emits only the fields that change', () => {
    spec
      .given([scheduled()])
      .when(command('UpdateMeeting', { title: 'Weekly sync', description: 'Agenda', maxParticipants: 50 }))
      .then([event('MeetingUpdated', { description: 'Agenda', maxParticipants: 50 })]);
  });

  test('emits nothing when nothing changes', () => {
    spec
      .given([scheduled()])
      .when(
        command('UpdateMeeting', {
          title: 'Weekly sync',
          description: null,
          scheduledStartAt: START_AT,
          scheduledEndAt: END_AT,
          maxParticipants: 100,
        }),
      )
      .thenNothing();
  });

  test('a started meeting can still be updated', () => {
    spec
      .given([scheduled(), started()])
      .when(command('UpdateMeeting', { title: 'Retro' }))
      .then([event('MeetingUpdated', { title: 'Retro' })]);
  });

  test('an ended or cancelled meeting cannot', () => {
    const update = command('UpdateMeeting', { title: 'Retro' });
    spec
      .given([scheduled(), started(), ended()])
      .when(update)
      .thenThrows(BusinessRuleViolation, 'meeting-already-ended');
    spec
      .given([scheduled(), cancelled()])
      .when(update)
      .thenThrows(BusinessRuleViolation, 'meeting-cancelled');
  });

  test('only a host may update it; a promoted host may', () => {
    spec
      .given(runningWithAliceAndBob())
      .when(command('UpdateMeeting', { title: 'Mine' }, ALICE))
      .thenThrows(NotPermitted, 'host-only');
    spec
      .given(runningWithAliceAsHost())
      .when(command('UpdateMeeting', { title: 'Ours' }, ALICE))
      .then([event('MeetingUpdated', { title: 'Ours' })]);
  });

  test('the limit cannot go below the present participant count, but may equal it', () => {
    const given = runningWithAliceAndBob();
    spec
      .given(given)
      .when(command('UpdateMeeting', { maxParticipants: 1 }))
      .thenThrows(BusinessRuleViolation, 'max-participants-too-low');
    spec
      .given(given)
      .when(command('UpdateMeeting', { maxParticipants: 2 }))
      .then([event('MeetingUpdated', { maxParticipants: 2 })]);
  });

  test('the resulting schedule must still end after it starts', () => {
    const given = [scheduled()];
    spec
      .given(given)
      .when(command('UpdateMeeting', { scheduledStartAt: END_AT }))
      .thenThrows(BusinessRuleViolation, 'invalid-schedule');
    spec
      .given(given)
      .when(command('UpdateMeeting', { scheduledEndAt: '2030-01-01T08:00:00.000Z' }))
      .thenThrows(BusinessRuleViolation, 'invalid-schedule');
    spec
      .given(given)
      .when(command('UpdateMeeting', { scheduledStartAt: END_AT, scheduledEndAt: null }))
      .then([event('MeetingUpdated', { scheduledStartAt: END_AT, scheduledEndAt: null })]);
  });
});
