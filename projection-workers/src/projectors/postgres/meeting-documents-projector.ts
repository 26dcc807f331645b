import type { DecodedEvent } from '@meetings/events';
import type { ClientBase } from 'pg';
import type { Projector } from '../projector.js';

type Attached = Extract<DecodedEvent, { type: 'MeetingDocumentAttached' }>;
type Removed = Extract<DecodedEvent, { type: 'MeetingDocumentRemoved' }>;

/**
 * Meeting documents into `meeting_documents`, one row per document. Each event is applied only
 * above the row's `last_stream_version` (its meeting stream's version), so redelivery is a no-op
 * and a removal (a soft delete) can never be undone by its attachment arriving again.
 */
export const meetingDocumentsProjector: Projector<ClientBase> = {
  name: 'meeting-documents',
  eventTypes: ['MeetingDocumentAttached', 'MeetingDocumentRemoved'],
  async apply(tx, events) {
    for (const event of events) {
      if (event.type === 'MeetingDocumentAttached') await attach(tx, event);
      else if (event.type === 'MeetingDocumentRemoved') await remove(tx, event);
    }
  },
};

async function attach(tx: ClientBase, { data, streamVersion, occurredAt }: Attached): Promise<void> {
  await tx.query(
    `INSERT INTO meeting_documents
       (id, meeting_id, name, storage_key, size_bytes, content_type, uploaded_by, uploaded_at, last_stream_version)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (id) DO NOTHING`,
    [
      data.documentId,
      data.meetingId,
      data.name,
      data.storageKey,
      data.sizeBytes,
      data.contentType,
      data.uploadedBy,
      occurredAt.toISOString(),
      streamVersion,
    ],
  );
}

async function remove(tx: ClientBase, { data, streamVersion, occurredAt }: Removed): Promise<void> {
  await tx.query(
    `UPDATE meeting_documents
     SET deleted_at = $2, removed_by = $3, removal_reason = $4, last_stream_version = $5
     WHERE id = $1 AND last_stream_version < $5`,
    [data.documentId, occurredAt.toISOString(), data.removedBy, data.reason, streamVersion],
  );
}
