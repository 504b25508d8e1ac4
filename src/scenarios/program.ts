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
import { runJudged } from './lockstep/compare-with-bare-metal';
import type { GuestRun } from './lockstep/guest-run';
import type { Vcpu } from '../hyp/vcpu';
import { defaultPreset } from './default-preset';

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
  /** Fill stage 2 for RAM up front or on demand (default: as the policy's hypervisor does). */
  readonly populate?: MachineOptions['populate'];
  readonly trace?: MachineOptions['trace'];
  /** Compare the guest's loads with the same guest on bare metal (default true; false only to measure the bare cost). */
  readonly compare?: boolean;
  /** Attach a debugger (src/gdb) to the subject's vCPU before it runs; never to bare metal's. */
  readonly debug?: (machine: Machine, vcpus: readonly Vcpu[]) => void;
}

export interface ProgramRunResult extends ScenarioResult {
  readonly haltReason: string;
  /** r0 / x0 at the end (our ROMs leave their result there). */
  readonly result: number;
}

function prepareProgram(options: ProgramRunOptions, policy: MachineOptions['policy'], migration: MigrationMode, trace: MachineOptions['trace']): GuestRun {
  const isa = options.image.isa === 'a64' ? 'a64' : 'a32';
  const preset = options.preset ?? defaultPreset(isa);
  const machine = new Machine({ preset, isa, policy, migration, seed: options.seed ?? 1, guestRamBytes: options.guestRamBytes ?? 64 * 2 ** 20, p2mMaxLeafBytes: options.p2mMaxLeafBytes, populate: options.populate, trace });
  const vm = machine.vms[0];
  const vcpu = vm.vcpus[0];
  // A guest exception (UNDEFINED, abort, SVC) stops the run with its kind, PC and word, unless asked to vector it.
  vcpu.cpu.exceptionPolicy = options.takeExceptions ? 'take' : 'stop';
  loadImageIntoVm(machine, vm, options.image);
  const entry = options.entry ?? options.image.entry;
  enterEl1(vcpu, entry, options.stackTop ?? GUEST_RAM_IPA + 0x2_0000, options.image.isa === 't32');
  return { machine, vm, vcpu, budget: options.budget ?? 100_000_000 };
}

export function runProgram(options: ProgramRunOptions): ProgramRunResult {
  const isa = options.image.isa === 'a64' ? 'a64' : 'a32';
  const preset = options.preset ?? defaultPreset(isa);
  const migration = options.migration ?? { kind: 'never' };
  const seed = options.seed ?? 1;
  const t0 = performance.now();
  const { subject, run, verdict, guestMs } = runJudged((policy, m, trace) => {
    const g = prepareProgram(options, policy, m, trace);
    // The subject is the machine built with the caller's policy (bare metal's is bareMetalFor(policy)).
    if (policy === options.policy) options.debug?.(g.machine, [g.vcpu]);
    return g;
  }, {
    policy: options.policy,
    migration,
    trace: options.trace,
    compare: options.compare,
  });
  const { machine, vcpu } = subject;
  return {
    ...summarise(
      machine,
      { scenario: 'run', isa, preset, migration: formatMigrationMode(migration), seed, linesNotAtPoC: 0, bufferLines: 0, instructions: run.instructions, wallMs: performance.now() - t0, guestMs },
      verdict,
    ),
    haltReason: run.haltReason,
    result: guestRegister(vcpu, 0),
  };
}
