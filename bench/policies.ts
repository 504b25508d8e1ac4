/**
 * What policies cost in wall time: the trap path (trapped S/W ops handled per second), one full
 * S/W flush of the cubietruck preset per policy, and how each policy's full-VM flush grows with
 * guest size for the same touched working set.
 */
import { readFileSync } from 'node:fs';
import { loadElf, loadRaw } from '../src/rom';
import { runFunction } from '../src/scenarios/function-harness';
import { lostData } from '../src/scenarios/lockstep/verdict';
import { romPath } from '../src/scenarios/rom-images';
import { median } from './measure';

const flushImage = () => loadElf(new Uint8Array(readFileSync(romPath('a32-set-way.o'))), { loadAddress: 0x4100_0000 });

/**
 * One flush_dcache_all. Timed runs pass compare = false: the bare cost of the policy, without the
 * bare-metal reference run in lockstep (which would roughly double guestMs). Judged runs give the verdict.
 */
function flushRun(policy: string, preset: string, bufferBytes: number, guestRamBytes?: number, p2mMaxLeafBytes?: number, compare = false) {
  const image = flushImage();
  return runFunction({ image, entry: image.findSymbol('flush_dcache_all').address, policy, preset, bufferBytes, guestRamBytes, p2mMaxLeafBytes, compare });
}

/**
 * A long S/W loop: 200,000 DCCISW with the same operand, then return. From llvm-mc 14:
 *   movw r1, #0xd40; movt r1, #0x3; mov r0, #2
 *   1: mcr p15, 0, r0, c7, c14, 2; subs r1, r1, #1; bne 1b; bx lr
 */
const SW_LOOP = Uint32Array.of(0xe3001d40, 0xe3401003, 0xe3a00002, 0xee070f5e, 0xe2511001, 0x1afffffc, 0xe12fff1e);

/** Trapped S/W ops handled per second: the xen policy on a long S/W loop (its one flush amortised). */
export function benchTrapPath(runs = 3): { opsPerSecond: number; opsPerRun: number } {
  const image = loadRaw(new Uint8Array(SW_LOOP.buffer), { address: 0x4100_0000, isa: 'a32' });
  const rates: number[] = [];
  let ops = 0;
  for (let i = 0; i < runs + 1; i++) {
    const r = runFunction({ image, entry: 0x4100_0000, policy: 'xen', preset: 'cubietruck', bufferBytes: 0, compare: false });
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
  /** Largest p2m leaf mapping guest RAM. */
  readonly leafBytes: number;
  readonly ms: number;
  readonly linesByAddress: number;
  readonly pagesFlushed: number;
}

/**
 * Boot handoff around flush_dcache_all with a 256 KiB working set, in guests of growing size,
 * with guest RAM mapped by the p2m in leaves of at most `leafBytes` (1 GiB: the largest aligned
 * blocks, as Xen's toolstack populates RAM). A first, untimed run is judged against bare metal
 * (and warms up); the timed runs measure the policy alone.
 */
export function benchScaling(policies: readonly string[], sizes: readonly number[], leafBytes = 2 ** 30, runs = 3): ScalingRow[] {
  const rows: ScalingRow[] = [];
  for (const policy of policies) {
    for (const guestBytes of sizes) {
      const times: number[] = [];
      let last: ReturnType<typeof flushRun> | undefined;
      const judged = flushRun(policy, 'cubietruck', 256 * 1024, guestBytes, leafBytes, true);
      if (lostData(judged)) throw new Error(`${policy} lost data in the scaling bench: ${judged.firstDivergence?.text ?? `${judged.dataLost} stale reads or destroyed lines`}`);
      for (let i = 0; i < runs; i++) {
        last = flushRun(policy, 'cubietruck', 256 * 1024, guestBytes, leafBytes);
        times.push(last.guestMs);
      }
      rows.push({ policy, guestBytes, leafBytes, ms: median(times), linesByAddress: last!.linesByAddress, pagesFlushed: last!.pagesFlushed });
    }
  }
  return rows;
}
