/**
 * What a scenario run reports in one flat record: the verdict from the guest's own eyes (compared
 * with bare metal, src/scenarios/lockstep/verdict.ts) and what the policy cost.
 */
import type { Machine } from '../hyp/machine';
import type { ControlFlowCause, Divergence, Verdict } from './lockstep/verdict';

export interface ScenarioResult {
  readonly scenario: string;
  readonly policy: string;
  readonly isa: 'a32' | 't32' | 'a64';
  readonly preset: string;
  readonly migration: string;
  readonly seed: number;
  /** The loss figure: staleReads + dataDestroyed (what `--expect-no-loss` and the demo use). */
  readonly dataLost: number;
  /** Guest loads that returned other data than on bare metal (and not the guest's latest store). */
  readonly staleReads: number;
  /** Dirty data the guest wrote that exists nowhere at the end, where on bare metal it does (lines). */
  readonly dataDestroyed: number;
  /** Loads that returned newer data than bare metal did (a policy cleaning more than asked): not a loss. */
  readonly fresherReads: number;
  readonly loadsCompared: number;
  readonly controlFlowDiverged: boolean;
  /** What preceded a control-flow divergence; 'unexplained' counts as a loss (src/scenarios/lockstep/verdict.ts). */
  readonly controlFlowCause: ControlFlowCause | null;
  readonly firstDivergence: Divergence | null;
  /** Final registers that differ from bare metal's, or null. */
  readonly finalStateDiffers: string | null;
  /** The guest failed where bare metal finished (the error), or null. A loss. */
  readonly guestFailure: string | null;
  /** Informative only: lines of the buffer whose memory copy is not the pattern after the run. */
  readonly linesNotAtPoC: number;
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
  /** Wall time of the guest run alone (machines built and images loaded before). */
  readonly guestMs: number;
}

type RunFacts = Pick<ScenarioResult, 'scenario' | 'isa' | 'preset' | 'migration' | 'seed' | 'linesNotAtPoC' | 'bufferLines' | 'instructions' | 'wallMs' | 'guestMs'>;

/** Verdict fields when no bare-metal comparison ran (benchmarks of the bare cost): NaN, never a false "0". */
const NOT_COMPARED = {
  dataLost: NaN,
  staleReads: NaN,
  dataDestroyed: NaN,
  fresherReads: NaN,
  loadsCompared: 0,
  controlFlowDiverged: false,
  controlFlowCause: null,
  firstDivergence: null,
  finalStateDiffers: null,
  guestFailure: null,
} as const;

export function summarise(machine: Machine, run: RunFacts, verdict: Verdict | null): ScenarioResult {
  const c = machine.cost;
  let dirtyDiscarded = 0;
  for (const row of machine.caches.counters().perCpuLevel) dirtyDiscarded += row.dirtyDiscarded;
  const judged =
    verdict === null
      ? NOT_COMPARED
      : {
          dataLost: verdict.staleReads + verdict.dataDestroyed,
          staleReads: verdict.staleReads,
          dataDestroyed: verdict.dataDestroyed,
          fresherReads: verdict.fresherReads,
          loadsCompared: verdict.loadsCompared,
          controlFlowDiverged: verdict.controlFlowDiverged,
          controlFlowCause: verdict.controlFlowCause,
          firstDivergence: verdict.firstDivergence,
          finalStateDiffers: verdict.finalStateDiffers,
          guestFailure: verdict.guestFailure,
        };
  return {
    scenario: run.scenario,
    policy: machine.policy.name,
    isa: run.isa,
    preset: run.preset,
    migration: run.migration,
    seed: run.seed,
    ...judged,
    linesNotAtPoC: run.linesNotAtPoC,
    bufferLines: run.bufferLines,
    instructions: run.instructions,
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
    wallMs: run.wallMs,
    guestMs: run.guestMs,
  };
}
