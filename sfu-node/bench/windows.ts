import { setTimeout as sleep } from 'node:timers/promises';
import { cpuSeconds, udpDrops } from './process-stats.js';
import type { Relay } from './relay.js';
import { SETTLE_SECONDS, WINDOW_SECONDS } from './settings.js';
import type { Side } from './side.js';
import type { Sink } from './sink.js';

/** What one window of feed measured of one side. */
export interface Window {
  fed: number;
  received: number[];
  workerCpu: number;
  nodeCpu: number;
  wall: number;
  receiverDrops: number;
  inputDrops: number;
  otherDrops: number;
}

/**
 * The feed given to one side at a time, between two silences: every packet relayed in a window
 * has arrived, or is lost, before the counters are read.
 */
export class Windows {
  /** The sink's own ports: drops there mean this process fell behind. */
  private readonly receiverPorts: Set<number>;

  constructor(
    private readonly relay: Relay,
    private readonly sink: Sink,
    sinkPorts: number[],
  ) {
    this.receiverPorts = new Set(sinkPorts);
  }

  /** Until the counters of `mine` stop moving: what was relayed has arrived, or is lost. */
  private async quiet(mine: number[]) {
    await sleep(300);
    const deadline = performance.now() + 10_000;
    let last = -1;
    let still = performance.now();
    for (;;) {
      const sum = mine.reduce((a, s) => a + Atomics.load(this.sink.slots, s), 0);
      if (sum !== last) [last, still] = [sum, performance.now()];
      else if (performance.now() - still >= 300 || performance.now() > deadline) return;
      await sleep(50);
    }
  }

  /** The feed until every consumer has had packets (a keyframe first), and SETTLE_SECONDS more. */
  async settle(side: Side, n: number): Promise<void> {
    this.relay.target = side.input;
    const deadline = performance.now() + 30_000;
    while (
      side.slots.slice(0, n).some((s) => Atomics.load(this.sink.slots, s) === 0) &&
      performance.now() < deadline
    )
      await sleep(50);
    await sleep(SETTLE_SECONDS * 1000);
    this.relay.target = null;
  }

  /** WINDOW_SECONDS of feed to the first `n` consumers of `side`: packets, CPU and socket drops. */
  async measure(side: Side, n: number): Promise<Window> {
    const { relay, sink } = this;
    const mine = side.slots.slice(0, n);
    await this.quiet(mine);
    const d0 = udpDrops();
    const r0 = relay.relayed;
    const c0 = mine.map((s) => Atomics.load(sink.slots, s));
    const [w0, n0] = [cpuSeconds(side.workerPid), side.nodePid ? cpuSeconds(side.nodePid) : 0];
    const t0 = performance.now();
    relay.target = side.input;
    await sleep(WINDOW_SECONDS * 1000);
    relay.target = null;
    const [w1, n1] = [cpuSeconds(side.workerPid), side.nodePid ? cpuSeconds(side.nodePid) : 0];
    const wall = (performance.now() - t0) / 1000;
    await this.quiet(mine);
    if (relay.relayed === r0) throw new Error('the feed stopped (ffmpeg)');
    const d1 = udpDrops();
    let [receiverDrops, inputDrops, otherDrops] = [0, 0, 0];
    for (const [port, drops] of d1) {
      const delta = drops - (d0.get(port) ?? 0);
      if (this.receiverPorts.has(port)) receiverDrops += delta;
      else if (port === side.input.port) inputDrops += delta;
      else otherDrops += delta;
    }
    return {
      fed: relay.relayed - r0,
      received: mine.map((s, i) => Atomics.load(sink.slots, s) - c0[i]!),
      workerCpu: w1 - w0,
      nodeCpu: n1 - n0,
      wall,
      receiverDrops,
      inputDrops,
      otherDrops,
    };
  }
}
