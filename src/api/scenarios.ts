/** Ready-made experiments: the boot handoff, any flush function, whole programs, sweeps. */
export { runBootHandoff, type BootHandoffOptions } from '../scenarios/boot-handoff';
export { runFunction, HARNESS, type FunctionRunOptions, type FunctionRunResult } from '../scenarios/function-harness';
export { runProgram, type ProgramRunOptions, type ProgramRunResult } from '../scenarios/program';
export { sweep, summarisePolicies, DEFAULT_SWEEP_MIGRATIONS, type SweepOptions, type SweepRow, type PolicySummary, type SweepFunction } from '../scenarios/sweep';
export { wilsonInterval } from '../scenarios/confidence-interval';
export { runBoot, type BootOptions, type BootResult } from '../scenarios/boot';
export { runScriptGuest, SCRIPT_OPS, type ScriptOp, type ScriptGuestOptions, type ScriptGuestResult } from '../scenarios/script-guest';
/** Judging a run by what the guest saw, against the same guest on bare metal. */
export { lostData, describeDivergence, type Verdict, type Divergence, type ControlFlowCause } from '../scenarios/lockstep/verdict';
export { BareMetalRuns } from '../scenarios/lockstep/bare-metal-runs';
export { BARE_METAL_POLICY } from '../scenarios/lockstep/compare-with-bare-metal';
export { loadGuestImage, type ImageOptions } from '../scenarios/load-image';
export { loadRom, romPath } from '../scenarios/rom-images';
