/** A small fetch wrapper for e2e tests: JSON in, status + headers + parsed body out. */
export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  contentType: string;
}

export interface RequestOptions {
  token?: string;
  headers?: Record<string, string>;
  /** A raw body sent as is (for malformed JSON, wrong content types, oversize bodies). */
  raw?: string;
}

export function apiClient(baseUrl: string) {
  async function request<T = any>(
    method: string,
    path: string,
    body?: unknown,
    options: RequestOptions = {},
  ) {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let payload: string | undefined;
    if (options.raw !== undefined) payload = options.raw;
    else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      ...(payload !== undefined ? { body: payload } : {}),
    });
    const text = await res.text();
    const contentType = res.headers.get('content-type') ?? '';
    const parsed = text && contentType.includes('json') ? (JSON.parse(text) as T) : (text as T);
    return { status: res.status, headers: res.headers, body: parsed, contentType } satisfies ApiResponse<T>;
  }
  return {
    request,
    post: <T = any>(path: string, body?: unknown, options?: RequestOptions) =>
      request<T>('POST', path, body, options),
    patch: <T = any>(path: string, body?: unknown, options?: RequestOptions) =>
      request<T>('PATCH', path, body, options),
    put: <T = any>(path: string, body?: unknown, options?: RequestOptions) =>
      request<T>('PUT', path, body, options),
    delete: <T = any>(path: string, options?: RequestOptions) =>
      request<T>('DELETE', path, undefined, options),
    get: <T = any>(path: string, options?: RequestOptions) => request<T>('GET', path, undefined, options),
  };
}

export type ApiClient = ReturnType<typeof apiClient>;
