import type { Knex } from 'knex';

/**
 * `meeting_documents` (issue 12, not in the seed's schema): the files attached to a meeting, projected
 * from `meeting-<id>` streams (MeetingDocumentAttached / MeetingDocumentRemoved). The object itself
 * lives in object storage under `storage_key`; a removed document keeps its row with `deleted_at`
 * (and who removed it, and why), so a late redelivery of its attachment cannot bring it back.
 * No foreign keys, as for the other read tables: projections run at their own speeds.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE meeting_documents (
      id uuid PRIMARY KEY,
      meeting_id uuid NOT NULL,
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
      storage_key text NOT NULL CHECK (length(storage_key) BETWEEN 1 AND 1024),
      size_bytes bigint NOT NULL CHECK (size_bytes >= 0),
      content_type text NOT NULL,
      uploaded_by uuid NOT NULL,
      uploaded_at timestamptz NOT NULL,
      removed_by uuid,
      removal_reason text CHECK (removal_reason IN ('removed', 'upload_failed')),
      deleted_at timestamptz,
      last_stream_version bigint NOT NULL DEFAULT 0 CHECK (last_stream_version >= 0),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX meeting_documents_meeting_idx ON meeting_documents (meeting_id, uploaded_at, id)
      WHERE deleted_at IS NULL;
    CREATE TRIGGER meeting_documents_set_updated_at BEFORE UPDATE ON meeting_documents
      FOR EACH ROW EXECUTE FUNCTION set_updated_at();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE IF EXISTS meeting_documents;');
}
