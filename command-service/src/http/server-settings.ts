import { z } from 'zod';

const Millis = z.coerce.number().int().positive().min(100).max(3_600_000);

/** How long a client may take to send its headers, its whole request, and between requests. */
export const HTTP_TIMEOUT_SETTINGS = {
  HTTP_HEADERS_TIMEOUT_MS: Millis.default(10_000),
  HTTP_REQUEST_TIMEOUT_MS: Millis.default(30_000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: Millis.default(5000),
};

/** node refuses a headers timeout longer than the request timeout. */
export const headersWithinRequest = (c: {
  HTTP_HEADERS_TIMEOUT_MS: number;
  HTTP_REQUEST_TIMEOUT_MS: number;
}) => c.HTTP_HEADERS_TIMEOUT_MS <= c.HTTP_REQUEST_TIMEOUT_MS;
export const HEADERS_WITHIN_REQUEST = {
  path: ['HTTP_HEADERS_TIMEOUT_MS'],
  message: 'must not exceed HTTP_REQUEST_TIMEOUT_MS',
};
