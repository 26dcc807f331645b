import { describe, test } from 'node:test';
import { AggregateNotFound, AlreadyExists, BusinessRuleViolation, NotPermitted } from '../errors.js';
import {
  ALICE,
  CAROL,
  CREATOR,
  MEETING,
  cancelled,
  command,
  ended,
  event,
  runningWithAliceAndBob,
  scheduled,
  spec,
  started,
  uuid,
} from '../testing/meeting-fixtures.js';
import { MAX_DOCUMENTS_PER_MEETING } from './decide-documents.js';

const DOC_1 = uuid(30);
const DOC_2 = uuid(31);
const FILE = { name: 'notes.pdf', sizeBytes: 1234, contentType: 'application/pdf' };
const attach = (documentId: string, actorId: string, name = FILE.name) =>
  command('AttachDocument', { documentId, ...FILE, name }, actorId);
const remove = (documentId: string, actorId = CREATOR, reason: 'removed' | 'upload_failed' = 'removed') =>
  command('RemoveDocument', { documentId, reason }, actorId);
const key = (name: string, documentId?: string) =>
  `media/documents/meeting_${MEETING}_${documentId ? `${documentId.replace(/-/g, '')}_` : ''}${name}`;
const attached = (documentId: string, uploadedBy: string, name = FILE.name, storageKey = key(name)) =>
  event('MeetingDocumentAttached', { documentId, ...FILE, name, storageKey, uploadedBy });

describe('AttachDocument', () => {
  test('a present participant or a host attaches under the seed key', () => {
    spec
      .given(runningWithAliceAndBob())
      .when(attach(DOC_1, ALICE))
      .then([attached(DOC_1, ALICE)]);
    // The creator is a host even when absent, and before the meeting starts.
    spec
      .given([scheduled()])
      .when(attach(DOC_1, CREATOR))
      .then([attached(DOC_1, CREATOR)]);
    spec
      .given([scheduled(), started(), ended()])
      .when(attach(DOC_1, CREATOR))
      .then([attached(DOC_1, CREATOR)]);
  });

  test('names are kept in NFC', () => {
    spec
      .given([scheduled()])
      .when(attach(DOC_1, CREATOR, 'Cafe\u0301.pdf'))
      .then([attached(DOC_1, CREATOR, 'Caf\u00e9.pdf')]);
  });

  test('a name taken (even by a removed document) gets a key with the document id', () => {
    spec
      .given([...runningWithAliceAndBob(), attached(DOC_1, ALICE)])
      .when(attach(DOC_2, CREATOR))
      .then([attached(DOC_2, CREATOR, FILE.name, key(FILE.name, DOC_2))]);
    spec
      .given([
        ...runningWithAliceAndBob(),
        attached(DOC_1, ALICE),
        event('MeetingDocumentRemoved', { documentId: DOC_1, removedBy: CREATOR, reason: 'removed' }),
      ])
      .when(attach(DOC_2, ALICE))
      .then([attached(DOC_2, ALICE, FILE.name, key(FILE.name, DOC_2))]);
  });

  test('outsiders, and a cancelled meeting, are refused', () => {
    spec
      .given(runningWithAliceAndBob())
      .when(attach(DOC_1, CAROL))
      .thenThrows(NotPermitted, 'participants-only');
    spec.given([scheduled()]).when(attach(DOC_1, ALICE)).thenThrows(NotPermitted, 'participants-only');
    spec
      .given([scheduled(), cancelled()])
      .when(attach(DOC_1, CREATOR))
      .thenThrows(BusinessRuleViolation, 'meeting-cancelled');
    spec.given([]).when(attach(DOC_1, CREATOR)).thenThrows(AggregateNotFound, 'meeting-not-found');
  });

  test('one id, one document; at most MAX_DOCUMENTS_PER_MEETING live ones', () => {
    spec
      .given([...runningWithAliceAndBob(), attached(DOC_1, ALICE)])
      .when(attach(DOC_1, ALICE, 'other.pdf'))
      .thenThrows(AlreadyExists, 'document-exists');
    const full = Array.from({ length: MAX_DOCUMENTS_PER_MEETING }, (_, i) =>
      attached(uuid(1000 + i), CREATOR, `f${i}.pdf`),
    );
    spec
      .given([scheduled(), ...full])
      .when(attach(DOC_1, CREATOR))
      .thenThrows(BusinessRuleViolation, 'too-many-documents');
  });
});

describe('RemoveDocument', () => {
  const withDocument = () => [...runningWithAliceAndBob(), attached(DOC_1, ALICE)];

  test('a host removes a document', () => {
    spec
      .given(withDocument())
      .when(remove(DOC_1))
      .then([event('MeetingDocumentRemoved', { documentId: DOC_1, removedBy: CREATOR, reason: 'removed' })]);
  });

  test('the uploader may not remove it (only hosts); nor may anyone a document that is not there', () => {
    spec.given(withDocument()).when(remove(DOC_1, ALICE)).thenThrows(NotPermitted, 'host-only');
    spec.given(withDocument()).when(remove(DOC_2)).thenThrows(AggregateNotFound, 'document-not-found');
    spec
      .given([
        ...withDocument(),
        event('MeetingDocumentRemoved', { documentId: DOC_1, removedBy: CREATOR, reason: 'removed' }),
      ])
      .when(remove(DOC_1))
      .thenThrows(AggregateNotFound, 'document-not-found');
  });

  test('a failed upload is taken back for its uploader only, once', () => {
    spec
      .given(withDocument())
      .when(remove(DOC_1, ALICE, 'upload_failed'))
      .then([
        event('MeetingDocumentRemoved', { documentId: DOC_1, removedBy: ALICE, reason: 'upload_failed' }),
      ]);
    spec
      .given(withDocument())
      .when(remove(DOC_1, CAROL, 'upload_failed'))
      .then([]);
  });
});
