import { z } from 'zod';
import type { Queryable } from './rows.js';
import type { Viewer } from './visibility.js';

const Uuid = z.uuid();

export const MeetingDocument = z
  .object({
    id: Uuid,
    meetingId: Uuid,
    name: z.string().describe('The file name the uploader gave (NFC); downloads are offered under it'),
    sizeBytes: z.number().int(),
    contentType: z
      .string()
      .describe('Judged from the bytes at upload (application/octet-stream when unknown)'),
    uploadedBy: Uuid,
    uploadedAt: z.iso.datetime(),
  })
  .meta({ id: 'MeetingDocument' });
export type MeetingDocument = z.infer<typeof MeetingDocument>;

/** What a download hands out: a presigned GET URL of the object store, and until when it works. */
export const DownloadLink = z
  .object({
    url: z.string().describe('A presigned GET URL of the object store; no Authorization header needed'),
    expiresAt: z.iso.datetime(),
  })
  .meta({ id: 'DownloadLink' });
export type DownloadLink = z.infer<typeof DownloadLink>;

interface DocumentRow {
  id: string;
  meeting_id: string;
  name: string;
  storage_key: string;
  size_bytes: string;
  content_type: string;
  uploaded_by: string;
  uploaded_at: Date;
}

const toDocument = (r: DocumentRow): MeetingDocument => ({
  id: r.id,
  meetingId: r.meeting_id,
  name: r.name,
  sizeBytes: Number(r.size_bytes),
  contentType: r.content_type,
  uploadedBy: r.uploaded_by,
  uploadedAt: r.uploaded_at.toISOString(),
});

/** At most this many documents are listed (a meeting holds at most 100 live ones). */
export const DOCUMENTS_LISTED = 100;

/** The read models behind file downloads: documents, recordings' files, avatars. */
export class FilesReader {
  constructor(private readonly db: Queryable) {}

  async documentsOf(meetingId: string): Promise<MeetingDocument[]> {
    const { rows } = await this.db.query<DocumentRow>(
      `SELECT * FROM meeting_documents WHERE meeting_id = $1::uuid AND deleted_at IS NULL
       ORDER BY uploaded_at, id LIMIT ${DOCUMENTS_LISTED}`,
      [meetingId],
    );
    return rows.map(toDocument);
  }

  async document(
    meetingId: string,
    documentId: string,
  ): Promise<(MeetingDocument & { storageKey: string }) | null> {
    const { rows } = await this.db.query<DocumentRow>(
      `SELECT * FROM meeting_documents WHERE id = $1::uuid AND meeting_id = $2::uuid AND deleted_at IS NULL`,
      [documentId, meetingId],
    );
    const row = rows[0];
    return row ? { ...toDocument(row), storageKey: row.storage_key } : null;
  }

  /** A recording of the meeting: its status and, once completed, its object key. */
  async recording(
    meetingId: string,
    recordingId: string,
  ): Promise<{ status: string; filePath: string | null } | null> {
    const { rows } = await this.db.query<{ status: string; file_path: string | null }>(
      `SELECT status, file_path FROM meeting_recordings
       WHERE id = $1::uuid AND meeting_id = $2::uuid AND deleted_at IS NULL`,
      [recordingId, meetingId],
    );
    return rows[0] ? { status: rows[0].status, filePath: rows[0].file_path } : null;
  }

  /**
   * Who may download a meeting's recordings: admins, the meeting's creator, and those who attended
   * it (joined at least once; a removed participant included, as for the meeting's history). Mere
   * invitees who never came may see the meeting but not its recordings.
   */
  async mayDownloadRecordings(viewer: Viewer, meetingId: string): Promise<boolean> {
    if (viewer.isAdmin) return true;
    const { rows } = await this.db.query(
      `SELECT 1 FROM meetings m WHERE m.id = $1::uuid AND m.deleted_at IS NULL AND (m.creator_id = $2::uuid
         OR EXISTS (SELECT 1 FROM meeting_participants p WHERE p.meeting_id = m.id AND p.user_id = $2::uuid
           AND p.join_time IS NOT NULL))`,
      [meetingId, viewer.userId],
    );
    return rows.length > 0;
  }

  /** The user's `avatar_url` (null: none, or no such user, or deleted). */
  async avatarUrlOf(userId: string): Promise<string | null> {
    const { rows } = await this.db.query<{ avatar_url: string | null }>(
      `SELECT avatar_url FROM users WHERE id = $1::uuid AND deleted_at IS NULL`,
      [userId],
    );
    return rows[0]?.avatar_url ?? null;
  }
}
