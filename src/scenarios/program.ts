/**
 * Run a whole guest program (our ROMs, a bootloader image) from its entry point at EL1 with the
 * MMU and caches off, as after reset, until it halts (HVC #0 or WFI) or runs out of budget.
 */
import { performance } from 'node:perf_hooks';
import { Machine, GUEST_RAM_IPA, type MachineOptions } from '../hyp/machine';
import { formatMigrationMode, type MigrationMode } from '../hyp/scheduler';
import type { LoadedImage } from '../rom/loaded-image';
import { enterEl1, guestRegister, loadImageIntoVm } from './guest-setup';
import { summarise, type ScenarioResult } from './result';

export interface ProgramRunOptions {
  readonly image: LoadedImage;
  readonly entry?: number;
  readonly preset?: string;
  readonly policy: MachineOptions['policy'];
  readonly migration?: MigrationMode;
  readonly seed?: number;
  readonly budget?: number;
  /** Vector guest exceptions through the guest's own table instead of stopping with a GuestException. */
  readonly takeExceptions?: boolean;
  /** Initial stack pointer (default: 128 KiB into RAM, as our ROMs expect). */
  readonly stackTop?: number;
  readonly guestRamBytes?: number;
  /** Largest p2m leaf mapping guest RAM (default 1 GiB; see MachineOptions). */
  readonly p2mMaxLeafBytes?: number;
  readonly trace?: MachineOptions['trace'];
}

export interface ProgramRunResult extends ScenarioResult {
  readonly haltReason: string;
  /** r0 / x0 at the end (our ROMs leave their result there). */
  readonly result: number;
}

export function runProgram(options: ProgramRunOptions): ProgramRunResult {
  const isa = options.image.isa === 'a64' ? 'a64' : 'a32';
  const preset = options.preset ?? (isa === 'a32' ? 'cubietruck' : 'server');
  const migration = options.migration ?? { kind: 'never' };
  const seed = options.seed ?? 1;
  const t0 = performance.now();
  const machine = new Machine({ preset, isa, policy: options.policy, migration, seed, guestRamBytes: options.guestRamBytes ?? 64 * 2 ** 20, p2mMaxLeafBytes: options.p2mMaxLeafBytes, trace: options.trace });
  const vm = machine.vms[0];
  const vcpu = vm.vcpus[0];
  // A guest exception (UNDEFINED, abort, SVC) stops the run with its kind, PC and word, unless asked to vector it.
  vcpu.cpu.exceptionPolicy = options.takeExceptions ? 'take' : 'stop';
  loadImageIntoVm(machine, vm, options.image);
  const entry = options.entry ?? options.image.entry;
  enterEl1(vcpu, entry, options.stackTop ?? GUEST_RAM_IPA + 0x2_0000, options.image.isa === 't32');
  const tRun = performance.now();
  const run = machine.run(vcpu, options.budget ?? 100_000_000);
  return {
    ...summarise(machine, { scenario: 'run', isa, preset, migration: formatMigrationMode(migration), seed, linesLost: 0, bufferLines: 0, instructions: run.instructions, wallMs: performance.now() - t0, guestMs: performance.now() - tRun }),
    haltReason: run.haltReason,
    result: guestRegister(vcpu, 0),
  };
}
