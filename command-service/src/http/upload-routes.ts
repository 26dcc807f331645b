import { randomUUID } from 'node:crypto';
import { Id } from '@meetings/events';
import { safeFileNameProblem } from '@meetings/storage';
import express from 'express';
import type { Request, RequestHandler } from 'express';
import type { Avatars } from '../application/files/avatars.js';
import { ByteLimit } from '../application/files/byte-limit.js';
import type { MeetingDocuments } from '../application/files/meeting-documents.js';
import { UploadTooLarge } from '../application/files/upload-errors.js';
import type { RequestContext } from '../application/request-context.js';
import type { Session } from '../ports/session-store.js';
import { fileProblemFromError } from './file-problems.js';
import { sendProblem, sendResult } from './pipeline.js';
import type { PipelineDeps } from './pipeline.js';
import { problems } from './problem.js';
import { rateLimited, rateLimitHeaders } from './rate-limit.js';
import { bearerToken, unstorableText } from './request-checks.js';
import type { HttpResult } from './route-spec.js';
import { answer } from './routes/command-answer.js';

export interface UploadDeps extends Pick<PipelineDeps, 'sessions' | 'rateLimiter' | 'logger'> {
  /** Without object storage (S3_ENDPOINT unset) their uploads throw StorageNotConfigured (503). */
  avatars: Avatars;
  documents: MeetingDocuments;
  avatarMaxBytes: number;
  documentMaxBytes: number;
}

interface Upload {
  req: Request;
  session: Session;
  ctx: RequestContext;
}

/**
 * The endpoints whose body is a file, not JSON: mounted before the JSON body parser, so the body
 * stays a stream. Each checks the caller, the rights and the declared length before it reads a
 * byte, and reads no further than its limit. No Idempotency-Key (a retry uploads again).
 */
export function uploadRouter(deps: UploadDeps): express.Router {
  const router = express.Router();
  router.put(
    '/users/me/avatar',
    uploadHandler(deps, 'uploadMyAvatar', async ({ req, session, ctx }) => {
      refuseDeclaredLength(req, deps.avatarMaxBytes);
      const bytes = await readLimited(req, deps.avatarMaxBytes);
      const uploaded = await deps.avatars.upload(session.userId, bytes, ctx);
      return answer(uploaded.outcome, 200, {
        avatarUrl: uploaded.avatarUrl,
        contentType: uploaded.contentType,
        sizeBytes: uploaded.sizeBytes,
      });
    }),
  );
  router.post(
    '/meetings/:meetingId/documents',
    uploadHandler(deps, 'attachMeetingDocument', async ({ req, ctx }) => {
      const meetingId = parseMeetingId(req.params.meetingId);
      const name = parseName(req.query.name);
      // Rights and length before the body: a refused upload is answered without reading it.
      await deps.documents.checkMayAttach(meetingId, ctx.actorUserId!);
      refuseDeclaredLength(req, deps.documentMaxBytes);
      const attached = await deps.documents.attach({ meetingId, name, body: req, ctx });
      return answer(
        attached.outcome,
        201,
        {
          documentId: attached.documentId,
          name: attached.name,
          sizeBytes: attached.sizeBytes,
          contentType: attached.contentType,
        },
        `/meetings/${meetingId}/documents/${attached.documentId}`,
      );
    }),
  );
  return router;
}

function uploadHandler(
  deps: UploadDeps,
  operationId: string,
  handle: (upload: Upload) => Promise<HttpResult>,
): RequestHandler {
  return async (req, res) => {
    const log = deps.logger.child({ correlationId: req.correlationId, operation: operationId });
    try {
      const token = bearerToken(req.header('authorization'));
      const session = token ? await deps.sessions.touch(token) : null;
      if (!session) {
        throw problems.unauthenticated(
          token ? 'the session has expired or was revoked' : 'send Authorization: Bearer <token>',
        );
      }
      if (deps.rateLimiter) {
        const quota = await deps.rateLimiter.take(session.userId);
        if (!quota.allowed) throw rateLimited(quota);
        for (const [name, value] of Object.entries(rateLimitHeaders(quota))) res.setHeader(name, value);
      }
      const encoding = (req.header('content-encoding') ?? 'identity').trim().toLowerCase();
      if (encoding !== 'identity') {
        throw problems.unsupportedMediaType('send the file as it is (Content-Encoding: identity)');
      }
      const ctx: RequestContext = {
        actorUserId: session.userId,
        correlationId: req.correlationId,
        commandId: randomUUID(),
        idempotencyKey: null,
        now: new Date(),
      };
      sendResult(res, await handle({ req, session, ctx }));
    } catch (error) {
      const problem = fileProblemFromError(error, req.correlationId);
      if (problem.status === 503) log.warn({ err: error }, 'upload failed: a server is unavailable');
      else if (problem.status >= 500) log.error({ err: error }, 'upload failed');
      else log.info({ status: problem.status, type: problem.type }, 'upload refused');
      if (!(await discardRest(req))) {
        res.setHeader('Connection', 'close');
        res.once('finish', () => req.socket.destroy());
      }
      sendProblem(req, res, problem);
    }
  };
}

/** How much of a refused body is still read and thrown away, so that the client gets the answer. */
const DISCARD_MAX_BYTES = 1024 * 1024;
const DISCARD_MAX_MS = 5000;

/**
 * After a refusal, the rest of a small body is read and discarded: a client still sending when the
 * connection closes sees a reset, not the answer. A larger rest (by Content-Length, or once more
 * than DISCARD_MAX_BYTES came) is not read: false, and the connection closes after the answer.
 */
function discardRest(req: Request): Promise<boolean> {
  if (req.readableEnded) return Promise.resolve(true);
  if (Number(req.header('content-length') ?? 0) > DISCARD_MAX_BYTES) return Promise.resolve(false);
  return new Promise((resolve) => {
    let read = 0;
    const done = (whole: boolean) => {
      clearTimeout(timer);
      req.off('data', onData);
      req.pause();
      resolve(whole);
    };
    const onData = (chunk: Buffer) => {
      read += chunk.length;
      if (read > DISCARD_MAX_BYTES) done(false);
    };
    const timer = setTimeout(() => done(false), DISCARD_MAX_MS);
    req.unpipe();
    req.on('data', onData);
    req.once('end', () => done(true));
    req.once('error', () => done(false));
    req.resume();
  });
}

/** 413 at once when the Content-Length already says too much. */
function refuseDeclaredLength(req: Request, limit: number): void {
  const declared = Number(req.header('content-length') ?? 0);
  if (declared > limit) throw new UploadTooLarge(limit);
}

/** The whole body, at most `limit` bytes (an avatar is small enough to hold in memory). */
async function readLimited(req: Request, limit: number): Promise<Buffer> {
  const guard = new ByteLimit(limit);
  // A client that goes away mid-body ends nothing: without this the read would wait for ever.
  req.once('close', () => {
    if (!req.readableEnded) guard.destroy(new Error('the client went away before the end of the body'));
  });
  const chunks: Buffer[] = [];
  for await (const chunk of req.pipe(guard)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function parseMeetingId(value: unknown): string {
  const parsed = Id.safeParse(value);
  if (!parsed.success) throw problems.validation([{ path: 'params.meetingId', message: 'must be a UUID' }]);
  return parsed.data;
}

/** `?name=` once, a safe file name (no path, no control characters, at most 255 bytes). */
function parseName(value: unknown): string {
  if (typeof value !== 'string') {
    throw problems.validation([{ path: 'query.name', message: 'give the file name once as ?name=' }]);
  }
  const problem = unstorableText(value) ?? safeFileNameProblem(value);
  if (problem) throw problems.validation([{ path: 'query.name', message: problem }]);
  return value.normalize('NFC');
}
