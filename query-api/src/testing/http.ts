import assert from 'node:assert/strict';

/** A GET as a test sees it: status, headers, parsed body. */
export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  contentType: string;
  body: T;
}

export function apiClient(baseUrl: string) {
  return async function get<T = any>(
    path: string,
    token?: string,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<T>> {
    const res = await fetch(`${baseUrl}${path}`, {
      headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
    const text = await res.text();
    const contentType = res.headers.get('content-type') ?? '';
    const body = (text && contentType.includes('json') ? JSON.parse(text) : text) as T;
    return { status: res.status, headers: res.headers, contentType, body };
  };
}

export type Get = ReturnType<typeof apiClient>;

export const STACK_TRACE = /at .*\.(ts|js):\d+/;

/** Asserts an RFC 9457 answer with the status (and problem type, rule), never a stack trace. */
export function assertProblem(res: ApiResponse, status: number, type?: string, rule?: string): any {
  const where = `${res.status} ${JSON.stringify(res.body)}`;
  assert.equal(res.status, status, `expected ${status}, got ${where}`);
  assert.match(res.contentType, /^application\/problem\+json/, where);
  assert.equal(res.body.status, status, where);
  for (const member of ['type', 'title', 'detail', 'instance']) {
    assert.equal(typeof res.body[member], 'string', `${member} of ${where}`);
  }
  assert.doesNotMatch(JSON.stringify(res.body), STACK_TRACE, where);
  if (type !== undefined) assert.equal(res.body.type, `/problems/${type}`, where);
  if (rule !== undefined) assert.equal(res.body.rule, rule, where);
  return res.body;
}

/** Asserts a 400 validation problem naming (at least) each of `paths` in `errors[].path`. */
export function assertBadParameter(res: ApiResponse, ...paths: string[]): void {
  const body = assertProblem(res, 400, 'validation-failed');
  const named = (body.errors as { path: string }[]).map((e) => e.path);
  for (const path of paths) assert.ok(named.includes(path), `expected ${path}, got ${JSON.stringify(body)}`);
}

export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
