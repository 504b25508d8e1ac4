/**
 * The real bug, as a scenario: a guest writes a pattern with its caches on, flushes by set/way,
 * turns its caches off and reads the buffer back from memory. Every line whose latest data was
 * still in some cache (on the pCPU the vCPU left, or in a system cache S/W cannot reach) reads
 * back stale: that line is lost.
 *
 * The guest is our boot-handoff ROM (roms/a32|a64/boot-handoff.s), which builds its own stage-1
 * tables, enables the MMU and caches, writes, flushes, disables and checks, then stops with
 * HVC #0 and its own count of mismatched words in r0/x0.
 */
import { performance } from 'node:perf_hooks';
import { Machine, type MachineOptions } from '../hyp/machine';
import type { MigrationMode } from '../hyp/scheduler';
import { formatMigrationMode } from '../hyp/scheduler';
import { GuestError } from '../hyp/guest-error';
import { enterEl1, guestRegister, linesLost, loadImageIntoVm } from './guest-setup';
import { HANDOFF, loadRom } from './rom-images';
import { summarise, type ScenarioResult } from './result';

export type HandoffFlush = 'all' | 'louis' | 'none';

export interface BootHandoffOptions {
  readonly isa?: 'a32' | 'a64';
  readonly preset?: string;
  readonly policy: MachineOptions['policy'];
  readonly migration?: MigrationMode;
  readonly seed?: number;
  /** Buffer size in bytes (multiple of 4; default 1 MiB). */
  readonly bufferBytes?: number;
  /** Which of the ROM's flush routines the guest calls (default 'all': DCCISW / DC CISW to LoC). */
  readonly flush?: HandoffFlush;
  readonly guestRamBytes?: number;
  /** Largest p2m leaf mapping guest RAM (default 1 GiB; see MachineOptions). */
  readonly p2mMaxLeafBytes?: number;
  readonly budget?: number;
  /** Vector guest exceptions through the guest's own table instead of stopping with a GuestException. */
  readonly takeExceptions?: boolean;
  readonly trace?: MachineOptions['trace'];
}

export function runBootHandoff(options: BootHandoffOptions): ScenarioResult & { readonly guestMismatchedWords: number } {
  const isa = options.isa ?? 'a32';
  const preset = options.preset ?? (isa === 'a32' ? 'cubietruck' : 'server');
  const migration = options.migration ?? { kind: 'never' };
  const seed = options.seed ?? 1;
  const bytes = options.bufferBytes ?? HANDOFF.bufferBytes;
  const t0 = performance.now();
  const machine = new Machine({
    preset,
    isa,
    policy: options.policy,
    migration,
    seed,
    guestRamBytes: options.guestRamBytes ?? 64 * 2 ** 20,
    p2mMaxLeafBytes: options.p2mMaxLeafBytes,
    trace: options.trace,
  });
  const vm = machine.vms[0];
  const vcpu = vm.vcpus[0];
  // A guest exception (UNDEFINED, abort, SVC) stops the run with its kind, PC and word, unless asked to vector it.
  vcpu.cpu.exceptionPolicy = options.takeExceptions ? 'take' : 'stop';
  const image = loadRom(`${isa}-boot-handoff.elf`);
  loadImageIntoVm(machine, vm, image);
  // Patch the parameter block the way a host loader would (roms/README.md).
  const param = (offset: number) => vm.ipaToPa(HANDOFF.paramBlock + offset);
  machine.memory.write32(param(HANDOFF.offsets.size), bytes);
  machine.memory.write32(param(HANDOFF.offsets.flush), HANDOFF.flushRoutine[options.flush ?? 'all']);
  enterEl1(vcpu, image.entry, HANDOFF.stackTop);
  const tRun = performance.now();
  const run = machine.run(vcpu, options.budget ?? 200_000_000);
  const done = machine.memory.read32(param(HANDOFF.offsets.done));
  if (done !== HANDOFF.doneMarker) {
    throw new GuestError(`boot-handoff ROM stopped (${run.haltReason}) without its DONE marker (found 0x${done.toString(16)})`);
  }
  const lost = linesLost(machine, vm, HANDOFF.buffer, bytes, HANDOFF.seed);
  return {
    ...summarise(machine, { scenario: 'boot-handoff', isa, preset, migration: formatMigrationMode(migration), seed, linesLost: lost, bufferLines: bytes / machine.caches.lineBytes, instructions: run.instructions, wallMs: performance.now() - t0, guestMs: performance.now() - tRun }),
    guestMismatchedWords: guestRegister(vcpu, 0),
  };
}
