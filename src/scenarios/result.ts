/** What a scenario run reports: the outcome (lines lost) and what it cost, in one flat record. */
import type { Machine } from '../hyp/machine';

export interface ScenarioResult {
  readonly scenario: string;
  readonly policy: string;
  readonly isa: 'a32' | 'a64';
  readonly preset: string;
  readonly migration: string;
  readonly seed: number;
  /** Cache lines of the buffer whose memory copy is stale after the guest's flush. */
  readonly linesLost: number;
  readonly bufferLines: number;
  readonly instructions: number;
  readonly traps: number;
  readonly setWayOps: number;
  readonly setWayOpsTrapped: number;
  readonly linesByAddress: number;
  readonly lineWriteBacks: number;
  readonly pagesFlushed: number;
  readonly stage2Faults: number;
  readonly migrations: number;
  readonly dirtyDiscarded: number;
  /** Longest stretch of EL2 work between two guest instructions (microseconds, simulated). */
  readonly longestEl2Us: number;
  readonly simulatedUs: number;
  readonly wallMs: number;
  /** Wall time of the guest run alone (machine built and image loaded before). */
  readonly guestMs: number;
}

export function summarise(
  machine: Machine,
  run: Pick<ScenarioResult, 'scenario' | 'isa' | 'preset' | 'migration' | 'seed' | 'linesLost' | 'bufferLines' | 'instructions' | 'wallMs' | 'guestMs'>,
): ScenarioResult {
  const c = machine.cost;
  let dirtyDiscarded = 0;
  for (const row of machine.caches.counters().perCpuLevel) dirtyDiscarded += row.dirtyDiscarded;
  return {
    ...run,
    policy: machine.policy.name,
    traps: c.traps,
    setWayOps: c.setWayOps,
    setWayOpsTrapped: c.setWayOpsTrapped,
    linesByAddress: c.linesByAddress,
    lineWriteBacks: c.lineWriteBacks,
    pagesFlushed: c.pagesFlushed,
    stage2Faults: c.stage2Faults,
    migrations: c.migrations,
    dirtyDiscarded,
    longestEl2Us: (c.longestEl2Cycles / c.model.clockHz) * 1e6,
    simulatedUs: c.microseconds,
  };
}
