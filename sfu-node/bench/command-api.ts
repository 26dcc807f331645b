import http from 'node:http';

// node:http with keep-alive: cheaper for this process than fetch.
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

/** POSTs to the command API; resolves with the parsed answer, rejects on a status ≥ 300. */
export function post(base: string, path: string, body?: unknown, token?: string): Promise<any> {
  return new Promise((resolve, reject) => {
    const headers = {
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    };
    const req = http.request(`${base}${path}`, { method: 'POST', agent, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () =>
        (res.statusCode ?? 0) >= 300
          ? reject(new Error(`${path}: ${res.statusCode} ${text}`))
          : resolve(text ? JSON.parse(text) : null),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
}

/** Closes the kept-alive connections. */
export function closeCommandApi(): void {
  agent.destroy();
}
