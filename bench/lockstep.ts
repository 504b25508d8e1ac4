/**
 * What judging a run against bare metal costs: the boot-handoff guest (cubietruck, 128 KiB,
 * migrated after S/W op 768) under xen, timed without a comparison, with a live bare-metal run in
 * lockstep (a single `setway run`), and with a bare-metal run recorded once and replayed (what
 * `demo` and `sweep` do for their many runs of one guest). Ratios of medians from this one run.
 */
import { runBootHandoff } from '../src/scenarios/boot-handoff';
import { BareMetalRuns } from '../src/scenarios/lockstep/bare-metal-runs';
import { median } from './measure';

const base = { policy: 'xen', bufferBytes: 128 * 1024, migration: { kind: 'after-setway', k: 768 } } as const;

function wallMs(run: () => void, runs: number): number {
  run();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    run();
    times.push(performance.now() - t0);
  }
  return median(times);
}

export function benchLockstep(runs = 7): { bareMs: number; liveMs: number; replayedMs: number } {
  const bareMetal = new BareMetalRuns();
  // Interleaved rounds so drift in machine speed hits all three alike.
  const bare: number[] = [];
  const live: number[] = [];
  const replayed: number[] = [];
  for (let i = 0; i < 3; i++) {
    bare.push(wallMs(() => runBootHandoff({ ...base, compare: false }), runs));
    live.push(wallMs(() => runBootHandoff(base), runs));
    replayed.push(wallMs(() => runBootHandoff({ ...base, bareMetal }), runs));
  }
  return { bareMs: median(bare), liveMs: median(live), replayedMs: median(replayed) };
}
