import { documentKey } from '@meetings/storage';
import { AggregateNotFound, AlreadyExists, BusinessRuleViolation, NotPermitted } from '../errors.js';
import type { AttachDocument, RemoveDocument } from './commands.js';
import { isHost, requireHost, requireStatus } from './rules.js';
import type { Meeting, MeetingEvent } from './state.js';

/** Live documents a meeting may hold: one participant must not be able to fill the bucket. */
export const MAX_DOCUMENTS_PER_MEETING = 100;

/**
 * Who may attach: a host (the creator even when absent) or a participant present in the meeting;
 * invitees who never came, people in the lobby and banned users may not. Also the check the
 * upload route runs before it reads a byte of the body.
 */
export function mayAttachDocument(meeting: Meeting, actorId: string): void {
  requireStatus(meeting, ['scheduled', 'started', 'ended']);
  if (!isHost(meeting, actorId) && !meeting.participants.has(actorId)) {
    throw new NotPermitted(
      'participants-only',
      'Only the hosts and the participants present in the meeting can attach documents.',
    );
  }
  if (meeting.documents.size >= MAX_DOCUMENTS_PER_MEETING) {
    throw new BusinessRuleViolation(
      'too-many-documents',
      `A meeting holds at most ${MAX_DOCUMENTS_PER_MEETING} documents; a host can remove some.`,
    );
  }
}

/**
 * The key is the seed's `media/documents/meeting_<id>_<name>` unless a document of the meeting
 * ever had it; then the document id (hex, no dashes) goes before the name. Document ids are
 * random, so no uploader can choose a name that takes that second key away.
 */
export function attachDocument(command: AttachDocument, meeting: Meeting): MeetingEvent[] {
  const { meetingId, documentId, name, sizeBytes, contentType } = command.data;
  mayAttachDocument(meeting, command.actorId);
  const plain = documentKey(meetingId, name);
  const storageKey = meeting.documentKeys.has(plain) ? documentKey(meetingId, name, hex(documentId)) : plain;
  // Ids come from the caller (derived from an Idempotency-Key on retries): one id, one document.
  if (meeting.documents.has(documentId) || meeting.documentKeys.has(storageKey)) {
    throw new AlreadyExists('document-exists', 'A document with this id already exists.');
  }
  return [
    {
      type: 'MeetingDocumentAttached',
      data: {
        meetingId,
        documentId,
        name: name.normalize('NFC'),
        storageKey,
        sizeBytes,
        contentType,
        uploadedBy: command.actorId,
      },
    },
  ];
}

export function removeDocument(command: RemoveDocument, meeting: Meeting): MeetingEvent[] {
  const { meetingId, documentId, reason } = command.data;
  const document = meeting.documents.get(documentId);
  if (reason === 'upload_failed') {
    // Only for the uploader, and only the service issues it (no route takes a reason).
    if (!document || document.uploadedBy !== command.actorId) return [];
  } else {
    requireHost(meeting, command.actorId);
    if (!document)
      throw new AggregateNotFound('document-not-found', 'This meeting has no document with that id.');
  }
  return [
    { type: 'MeetingDocumentRemoved', data: { meetingId, documentId, removedBy: command.actorId, reason } },
  ];
}

const hex = (id: string) => id.replace(/-/g, '').toLowerCase();
