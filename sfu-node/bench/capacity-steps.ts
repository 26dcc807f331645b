import { cell, logHeader } from './capacity-table.js';
import { log, pct, seconds } from './output.js';
import { cpuSeconds } from './process-stats.js';
import { DEBUG, STEPS } from './settings.js';
import type { Side } from './side.js';
import type { Window, Windows } from './windows.js';

/**
 * For each N of STEPS: both sides (those that have not failed) grown to N consumers and settled,
 * then measured in the order raw, project, project, raw (drift on this shared machine hits both
 * alike); one row of the table per N.
 */
export async function runCapacitySteps(raw: Side, project: Side, windows: Windows): Promise<void> {
  logHeader();
  const setupTimes: string[] = [];
  for (const n of STEPS) {
    const active = [raw, project].filter((s) => s.failedAt === null);
    if (active.length === 0) break;
    for (const side of active) {
      const t = performance.now();
      const cpu = side.nodePid ? cpuSeconds(side.nodePid) : 0;
      await side.grow(n);
      const node = side.nodePid
        ? ` (sfu-node ${pct((cpuSeconds(side.nodePid) - cpu) / ((performance.now() - t) / 1000))} CPU)`
        : '';
      setupTimes.push(`${side.name} ${n}: ${seconds(t)}${node}`);
    }
    for (const side of active) await windows.settle(side, n);
    const order = active.length === 2 ? [raw, project, project, raw] : [active[0]!, active[0]!];
    const measured = new Map<Side, Window[]>();
    for (const side of order) {
      const w = await windows.measure(side, n);
      if (DEBUG) {
        const r = w.received.map((x) => x / w.fed);
        log(
          `  ${side.name}: fed ${w.fed}, min ${pct(Math.min(...r))}, zero ${r.filter((x) => x === 0).length}, below 99% ${r.filter((x) => x < 0.99).length}, over 100% ${r.filter((x) => x > 1).length}, cpu ${pct(w.workerCpu / w.wall)}`,
        );
      }
      measured.set(side, [...(measured.get(side) ?? []), w]);
    }
    const all = [...measured.values()].flat();
    const sum = (key: 'receiverDrops' | 'inputDrops' | 'otherDrops') => all.reduce((a, w) => a + w[key], 0);
    const drops = `${sum('receiverDrops')} / ${sum('inputDrops')} / ${sum('otherDrops')}`;
    log(
      `${String(n).padStart(6)} │      ${cell(raw, measured.get(raw))} │          ${cell(project, measured.get(project))} │ ${drops}`,
    );
  }
  log(`(consumers added, per step and side: ${setupTimes.join(', ')})`);
}
