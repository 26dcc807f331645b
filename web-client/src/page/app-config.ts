/** Where the page finds the services: `GET /config.json` of the server that served it. */
export interface AppConfig {
  commandApiUrl: string;
  queryApiUrl: string;
  /** The SFU's signaling WebSocket; null: ask the query API which node holds the meeting. */
  sfuUrl: string | null;
}

export async function loadAppConfig(): Promise<AppConfig> {
  const res = await fetch('/config.json', { cache: 'no-store' });
  if (!res.ok) throw new Error(`config.json: ${res.status}`);
  return (await res.json()) as AppConfig;
}
