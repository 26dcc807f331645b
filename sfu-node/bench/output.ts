import { loadavg } from 'node:os';

/** What the bench prints with, and the formats of its figures. */
export const log = (line: string) => console.log(line);
export const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
/** Time elapsed since a performance.now() reading. */
export const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;
export const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
