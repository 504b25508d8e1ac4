/** Ready-made experiments: the boot handoff, any flush function, whole programs, sweeps. */
export { runBootHandoff, type BootHandoffOptions } from '../scenarios/boot-handoff';
export { runFunction, HARNESS, type FunctionRunOptions, type FunctionRunResult } from '../scenarios/function-harness';
export { runProgram, type ProgramRunOptions, type ProgramRunResult } from '../scenarios/program';
export { sweep, type SweepOptions, type SweepRow } from '../scenarios/sweep';
export { loadGuestImage, type ImageOptions } from '../scenarios/load-image';
export { loadRom, romPath } from '../scenarios/rom-images';
