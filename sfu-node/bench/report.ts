import { load, log, pct } from './output.js';
import { JOIN_WARMUP, JOINS, STEPS } from './settings.js';
import type { Side } from './side.js';

const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

/** How far a side went: the largest N it delivered, and why it stopped. */
function describe(side: Side): string {
  let end = ' (the cap: no failure)';
  if (side.failure) {
    const f = side.failure;
    // Every consumer short by the same packets: they were lost before the fan-out.
    const upstream = f.mean - f.min < 0.002 ? ', every consumer the same packets' : '';
    end = `; below 99% at N=${side.failedAt} (min ${pct(f.min)}${upstream}; socket drops: ${f.inputDrops} at the producer's input, ${f.receiverDrops} at the receiver, ${f.otherDrops} elsewhere)`;
  }
  if (!side.passed) return `none${end}`;
  const { n, workerCpu, nodeCpu } = side.passed;
  const node = nodeCpu !== undefined ? `, the sfu-node process ${pct(nodeCpu)}` : '';
  return `${n} consumers at ${pct(workerCpu)} of a core${node}${end}`;
}

/** The summary: capacity of both sides, the overhead, join time. */
export function logSummary(results: {
  feed: { pps: number; kbps: number };
  raw: Side;
  project: Side;
  firstRtp: number[];
  firstVideo: number[];
}): void {
  const { feed, raw, project, firstRtp, firstVideo } = results;
  log('');
  log(
    `bench:sfu summary — one VP8 producer (${feed.kbps.toFixed(0)} kbit/s, ${feed.pps.toFixed(0)} packets/s), one mediasoup worker, every consumer ≥ 99% of packets`,
  );
  log(`  raw mediasoup:       ${describe(raw)}`);
  log(`  project (signaling): ${describe(project)}`);
  if (raw.passed && project.passed) {
    // The largest N both delivered (both measured there, in the same interleaved windows).
    const common = Math.min(raw.passed.n, project.passed.n);
    const [rawCost, projectCost] = [raw.costAt.get(common)!, project.costAt.get(common)!];
    log(
      `  overhead: ${(((projectCost - rawCost) / rawCost) * 100).toFixed(1)}% (worker CPU per packet sent, project's path over raw mediasoup's, at N=${common}, the largest N both delivered: ${projectCost.toFixed(2)} vs ${rawCost.toFixed(2)} µs; target < 10%)`,
    );
    if (raw.passed.n !== project.passed.n) {
      log(
        `  consumer capacity (in the steps ${STEPS.join(', ')}): ${project.passed.n} through the project vs ${raw.passed.n} raw`,
      );
    }
  }
  log(
    `  join time, ${JOINS} sequential werift joins (after ${JOIN_WARMUP} unmeasured), WebSocket opened → first RTP packet: p50 ${percentile(firstRtp, 50).toFixed(0)} ms, p99 ${percentile(firstRtp, 99).toFixed(0)} ms`,
  );
  log(
    `    first video packet (waits for ffmpeg's next keyframe, one a second): p50 ${percentile(firstVideo, 50).toFixed(0)} ms, p99 ${percentile(firstVideo, 99).toFixed(0)} ms`,
  );
  log(`  load average at the end: ${load()} (this machine is shared: figures move with it)`);
}
