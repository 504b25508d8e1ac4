/**
 * What policies cost in wall time: the trap path (trapped S/W ops handled per second), one full
 * S/W flush of the cubietruck preset per policy, and how each policy's full-VM flush grows with
 * guest size for the same touched working set.
 */
import { readFileSync } from 'node:fs';
import { loadElf } from '../src/rom';
import { runFunction } from '../src/scenarios/function-harness';
import { romPath } from '../src/scenarios/rom-images';
import { median } from './measure';

const flushImage = () => loadElf(new Uint8Array(readFileSync(romPath('a32-set-way.o'))), { loadAddress: 0x4100_0000 });

function flushRun(policy: string, preset: string, bufferBytes: number, guestRamBytes?: number) {
  const image = flushImage();
  return runFunction({ image, entry: image.findSymbol('flush_dcache_all').address, policy, preset, bufferBytes, guestRamBytes });
}

/** Trapped S/W ops handled per second: the xen policy on the Cortex-A15 geometry QEMU reports (38,400 ops per flush). */
export function benchTrapPath(runs = 3): { opsPerSecond: number; opsPerRun: number } {
  const rates: number[] = [];
  let ops = 0;
  for (let i = 0; i < runs + 1; i++) {
    const r = flushRun('xen', 'qemu-cortex-a15', 0);
    ops = r.setWayOpsTrapped;
    if (i > 0) rates.push((r.setWayOpsTrapped / r.guestMs) * 1000);
  }
  return { opsPerSecond: median(rates), opsPerRun: ops };
}

/** Guest wall time of one full `flush_dcache_all` on the cubietruck preset, per policy (no buffer). */
export function benchFlushPerPolicy(policies: readonly string[], runs = 5): { policy: string; ms: number; setWayOps: number }[] {
  return policies.map((policy) => {
    flushRun(policy, 'cubietruck', 0);
    const times: number[] = [];
    let setWayOps = 0;
    for (let i = 0; i < runs; i++) {
      const r = flushRun(policy, 'cubietruck', 0);
      times.push(r.guestMs);
      setWayOps = r.setWayOps;
    }
    return { policy, ms: median(times), setWayOps };
  });
}

export interface ScalingRow {
  readonly policy: string;
  readonly guestBytes: number;
  readonly ms: number;
  readonly linesByAddress: number;
  readonly pagesFlushed: number;
}

/** Boot handoff around flush_dcache_all with a 256 KiB working set, in guests of growing size. */
export function benchScaling(policies: readonly string[], sizes: readonly number[]): ScalingRow[] {
  const rows: ScalingRow[] = [];
  for (const policy of policies) {
    for (const guestBytes of sizes) {
      const r = flushRun(policy, 'cubietruck', 256 * 1024, guestBytes);
      if (r.linesLost !== 0) throw new Error(`${policy} lost ${r.linesLost} lines in the scaling bench`);
      rows.push({ policy, guestBytes, ms: r.guestMs, linesByAddress: r.linesByAddress, pagesFlushed: r.pagesFlushed });
    }
  }
  return rows;
}
