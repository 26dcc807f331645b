import { log, pct } from './output.js';
import { DELIVERY } from './settings.js';
import type { Side } from './side.js';
import type { Window } from './windows.js';

// Columns: delivery (min / mean over the consumers), worker CPU (share of a core at the
// feed's rate), worker CPU per packet sent (µs), and for the project the sfu-node process's CPU.
const columns = (delivery: string, cpu: string, cost: string, node?: string) =>
  `${delivery.padEnd(17)} ${cpu.padStart(6)} ${cost.padStart(9)}${node === undefined ? '' : ` ${node.padStart(8)}`}`;

export function logHeader(): void {
  log(
    `${'N'.padStart(6)} │ raw: ${columns('delivery', 'CPU', 'µs/packet')} │ project: ${columns('delivery', 'CPU', 'µs/packet', 'sfu-node')} │ socket drops: receiver / producer input / other`,
  );
}

/**
 * One side's cell of a step's row, from its windows at that step (none: it has stopped). Records
 * on `side` whether it delivered N, with its CPU, or where its packets went missing.
 */
export function cell(side: Side, windows: Window[] | undefined): string {
  if (!windows) return columns('(stopped)', '', '', side.nodePid ? '' : undefined);
  const fed = windows.reduce((a, w) => a + w.fed, 0);
  const ratios = windows[0]!.received.map((_, i) => windows.reduce((a, w) => a + w.received[i]!, 0) / fed);
  const min = Math.min(...ratios);
  const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length;
  const wall = windows.reduce((a, w) => a + w.wall, 0);
  const workerCpu = windows.reduce((a, w) => a + w.workerCpu, 0) / wall;
  const nodeCpu = windows.reduce((a, w) => a + w.nodeCpu, 0) / wall;
  const n = ratios.length;
  // ffmpeg's rate moves with the machine's load: CPU per packet sent compares windows fairly.
  const cost = (windows.reduce((a, w) => a + w.workerCpu, 0) / fed / n) * 1e6;
  if (min >= DELIVERY) {
    side.passed = { n, workerCpu, ...(side.nodePid ? { nodeCpu } : {}) };
    side.costAt.set(n, cost);
  } else {
    side.failedAt = n;
    const drops = (key: 'receiverDrops' | 'inputDrops' | 'otherDrops') =>
      windows.reduce((a, w) => a + w[key], 0);
    side.failure = {
      min,
      mean,
      receiverDrops: drops('receiverDrops'),
      inputDrops: drops('inputDrops'),
      otherDrops: drops('otherDrops'),
    };
  }
  const delivery = `${pct(min)} / ${pct(mean)}${min >= DELIVERY ? '' : ' ✗'}`;
  return columns(delivery, pct(workerCpu), cost.toFixed(2), side.nodePid ? pct(nodeCpu) : undefined);
}
