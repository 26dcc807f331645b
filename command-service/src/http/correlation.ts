import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';

declare module 'express-serve-static-core' {
  interface Request {
    correlationId: string;
  }
}

const CORRELATION_ID = /^[\w.:-]{1,100}$/;

/** Takes the caller's X-Correlation-Id when usable, else makes one, and echoes it on the answer. */
export const correlation: RequestHandler = (req, res, next) => {
  const given = req.header('x-correlation-id');
  req.correlationId = given && CORRELATION_ID.test(given) ? given : randomUUID();
  res.setHeader('X-Correlation-Id', req.correlationId);
  next();
};
