import type { Readable } from 'node:stream';
import { PassThrough } from 'node:stream';
import type { Transform } from 'node:stream';
import { streams } from '@meetings/events';
import { tempUploadKey } from '@meetings/storage';
import type { ObjectStore } from '@meetings/storage';
import { meetingDecider } from '../../domain/index.js';
import type { Meeting } from '../../domain/index.js';
import { mayAttachDocument } from '../../domain/meeting/decide-documents.js';
import { requireMeeting } from '../../domain/meeting/rules.js';
import type { Logger } from '../../logger.js';
import type { CommandHandler, CommandOutcome, HandleOptions } from '../command-handler.js';
import { newId } from '../request-context.js';
import type { RequestContext } from '../request-context.js';
import { ByteLimit } from './byte-limit.js';
import { sniffContentType } from './sniff.js';
import { EmptyUpload, StorageNotConfigured } from './upload-errors.js';

export interface DocumentAttached {
  outcome: CommandOutcome;
  documentId: string;
  name: string;
  storageKey: string;
  sizeBytes: number;
  contentType: string;
}

export interface AttachRequest {
  meetingId: string;
  /** Already checked against the safe name rule (storage's safeFileNameProblem). */
  name: string;
  body: Readable;
  ctx: RequestContext;
}

/**
 * Documents attached to a meeting. An upload streams to `temp/uploads/<uuid>` (multipart, never
 * whole in memory), then the meeting's decider attaches it and picks its key, then the object is
 * copied there server-side. The event comes before the copy so that two uploads of one name can
 * never copy onto the same key (the second decision sees the first's key taken); should the copy
 * fail, the document is taken back (MeetingDocumentRemoved `upload_failed`).
 */
export class MeetingDocuments {
  constructor(
    /** null: no object storage; uploads are refused, removal still runs its command. */
    private readonly store: ObjectStore | null,
    private readonly commands: CommandHandler,
    private readonly maxBytes: number,
    private readonly logger: Logger,
  ) {}

  /** The rights check an upload passes before a byte of its body is read (the decider's own). */
  async checkMayAttach(meetingId: string, actorId: string): Promise<void> {
    mayAttachDocument(await this.meeting(meetingId), actorId);
  }

  async attach(request: AttachRequest): Promise<DocumentAttached> {
    if (!this.store) throw new StorageNotConfigured();
    return this.attachTo(this.store, request);
  }

  private async attachTo(
    store: ObjectStore,
    { meetingId, name, body, ctx }: AttachRequest,
  ): Promise<DocumentAttached> {
    const actorId = ctx.actorUserId!;
    const tempKey = tempUploadKey();
    const limit = new ByteLimit(this.maxBytes);
    try {
      const through = new PassThrough();
      // The limit fails the pipeline, and so the upload, as soon as the body passes it; a failed
      // upload ends the pipeline in turn (else the body would wait on backpressure for ever).
      const [put, piped] = await Promise.allSettled([
        store.put(tempKey, through, { contentType: 'application/octet-stream' }).catch((error: unknown) => {
          through.destroy(error as Error);
          throw error;
        }),
        pump(body, limit, through),
      ]);
      if (piped.status === 'rejected') throw piped.reason;
      if (put.status === 'rejected') throw put.reason;
      const stored = put.value;
      if (stored.sizeBytes === 0) throw new EmptyUpload();
      const contentType = (await sniffContentType(limit.head())) ?? 'application/octet-stream';
      const documentId = newId(ctx, 'document');
      const outcome = await this.commands.handle(
        meetingDecider,
        streams.meeting(meetingId),
        {
          type: 'AttachDocument',
          data: { meetingId, documentId, name, sizeBytes: stored.sizeBytes, contentType },
          actorId,
          now: ctx.now,
        },
        ctx,
      );
      const storageKey = (await this.meeting(meetingId)).documents.get(documentId)?.storageKey;
      if (storageKey)
        await this.copyInPlace(store, tempKey, storageKey, contentType, meetingId, documentId, ctx);
      return {
        outcome,
        documentId,
        name: name.normalize('NFC'),
        storageKey: storageKey ?? '',
        sizeBytes: stored.sizeBytes,
        contentType,
      };
    } finally {
      await store
        .remove(tempKey)
        .catch((error: unknown) =>
          this.logger.warn({ err: error, key: tempKey }, 'temp upload not removed; the sweeper will'),
        );
    }
  }

  /** A host removes a document: the event, then the object. */
  async remove(
    meetingId: string,
    documentId: string,
    ctx: RequestContext,
    options: HandleOptions,
  ): Promise<CommandOutcome> {
    const before = await this.meeting(meetingId).catch(() => null);
    const storageKey = before?.documents.get(documentId)?.storageKey;
    const outcome = await this.commands.handle(
      meetingDecider,
      streams.meeting(meetingId),
      {
        type: 'RemoveDocument',
        data: { meetingId, documentId, reason: 'removed' },
        actorId: ctx.actorUserId!,
        now: ctx.now,
      },
      ctx,
      options,
    );
    if (storageKey) await this.store?.remove(storageKey);
    return outcome;
  }

  private async copyInPlace(
    store: ObjectStore,
    tempKey: string,
    storageKey: string,
    contentType: string,
    meetingId: string,
    documentId: string,
    ctx: RequestContext,
  ): Promise<void> {
    try {
      await store.copy(tempKey, storageKey, { contentType });
    } catch (error) {
      this.logger.error(
        { err: error, meetingId, documentId },
        'document copy failed; taking the document back',
      );
      await this.commands.handle(
        meetingDecider,
        streams.meeting(meetingId),
        {
          type: 'RemoveDocument',
          data: { meetingId, documentId, reason: 'upload_failed' },
          actorId: ctx.actorUserId!,
          now: ctx.now,
        },
        { ...ctx, commandId: newId(ctx, 'document-upload-failed'), idempotencyKey: null },
      );
      throw error;
    }
  }

  private async meeting(meetingId: string): Promise<Meeting> {
    const loaded = await this.commands.load(meetingDecider, streams.meeting(meetingId));
    return requireMeeting(loaded.state);
  }
}

/**
 * body → limit → through, failing on the first error of body or limit. Unlike stream.pipeline it
 * leaves the body (the HTTP request) alive on failure, so that a 413 can still be answered.
 */
function pump(body: Readable, limit: Transform, through: PassThrough): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (error: Error) => {
      body.unpipe(limit);
      through.destroy(error);
      reject(error);
    };
    body.once('error', fail);
    // A client that goes away mid-body does not always make its request emit an error.
    body.once('close', () => {
      if (!body.readableEnded) fail(new Error('the client went away before the end of the body'));
    });
    limit.once('error', fail);
    through.once('finish', () => resolve());
    body.pipe(limit).pipe(through);
  });
}
