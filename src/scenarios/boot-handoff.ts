/**
 * The real bug, as a scenario: a guest writes a pattern with its caches on, flushes by set/way,
 * turns its caches off and reads the buffer back from memory. Every line whose latest data was
 * still in some cache (on the pCPU the vCPU left, or in a system cache S/W cannot reach) reads
 * back stale: that line is lost.
 *
 * The guest is our boot-handoff ROM (roms/a32|t32|a64/boot-handoff.s; t32 is the A32 program
 * written for Thumb state, run on the same AArch32 vCPU), which builds its own stage-1 tables,
 * enables the MMU and caches, writes, flushes, disables and checks, then stops with HVC #0 and
 * its own count of mismatched words in r0/x0.
 */
import { performance } from 'node:perf_hooks';
import { Machine, type MachineOptions } from '../hyp/machine';
import type { MigrationMode } from '../hyp/scheduler';
import { formatMigrationMode } from '../hyp/scheduler';
import { GuestError } from '../hyp/guest-error';
import { MachineConfigError } from '../hyp/machine-config-error';
import { enterEl1, guestRegister, linesLost, loadImageIntoVm } from './guest-setup';
import { HANDOFF, loadRom } from './rom-images';
import { summarise, type ScenarioResult } from './result';
import { runJudged } from './lockstep/compare-with-bare-metal';
import type { BareMetalRuns } from './lockstep/bare-metal-runs';
import type { GuestRun } from './lockstep/guest-run';
import { defaultPreset } from './default-preset';

export type HandoffFlush = 'all' | 'louis' | 'none';

export interface BootHandoffOptions {
  /** The ROM (default a32); t32 runs on an AArch32 vCPU entered in Thumb state. */
  readonly isa?: 'a32' | 't32' | 'a64';
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
  /** Fill stage 2 for RAM up front or on demand (default: as the policy's hypervisor does). */
  readonly populate?: MachineOptions['populate'];
  readonly budget?: number;
  /** Vector guest exceptions through the guest's own table instead of stopping with a GuestException. */
  readonly takeExceptions?: boolean;
  readonly trace?: MachineOptions['trace'];
  /** Compare the guest's loads with the same guest on bare metal (default true; false only to measure the bare cost). */
  readonly compare?: boolean;
  /** Bare-metal runs recorded once and shared by every run of the same guest (demo, sweep). */
  readonly bareMetal?: BareMetalRuns;
}

/** The vCPU's execution state for the ROM: T32 code runs in AArch32. */
function machineIsa(isa: BootHandoffOptions['isa']): 'a32' | 'a64' {
  return isa === 'a64' ? 'a64' : 'a32';
}

function prepareBootHandoff(options: BootHandoffOptions, policy: MachineOptions['policy'], migration: MigrationMode, trace: MachineOptions['trace']): GuestRun {
  const isa = options.isa ?? 'a32';
  const preset = options.preset ?? defaultPreset(machineIsa(isa));
  const machine = new Machine({
    preset,
    isa: machineIsa(isa),
    policy,
    migration,
    seed: options.seed ?? 1,
    guestRamBytes: options.guestRamBytes ?? 64 * 2 ** 20,
    p2mMaxLeafBytes: options.p2mMaxLeafBytes,
    populate: options.populate,
    trace,
  });
  const vm = machine.vms[0];
  const vcpu = vm.vcpus[0];
  // A guest exception (UNDEFINED, abort, SVC) stops the run with its kind, PC and word, unless asked to vector it.
  vcpu.cpu.exceptionPolicy = options.takeExceptions ? 'take' : 'stop';
  const image = loadRom(`${isa}-boot-handoff.elf`);
  loadImageIntoVm(machine, vm, image);
  // The ROM writes, flushes and reads back at least one word, all within guest RAM.
  const bufferBytes = options.bufferBytes ?? HANDOFF.bufferBytes;
  const room = vm.ramIpa + vm.ramBytes - HANDOFF.buffer;
  if (!(bufferBytes >= 4 && bufferBytes <= room && bufferBytes % 4 === 0)) {
    throw new MachineConfigError(`the boot-handoff buffer (--buffer-kib) must hold 4 bytes to ${room / 1024} KiB in words, not ${bufferBytes} bytes`);
  }
  // Patch the parameter block the way a host loader would (roms/README.md).
  const param = (offset: number) => vm.ipaToPa(HANDOFF.paramBlock + offset);
  machine.memory.write32(param(HANDOFF.offsets.size), bufferBytes);
  machine.memory.write32(param(HANDOFF.offsets.flush), HANDOFF.flushRoutine[options.flush ?? 'all']);
  // The T32 ROM's ELF entry has bit 0 set (AAELF32 e_entry): the loader reports its ISA as t32.
  enterEl1(vcpu, image.entry, HANDOFF.stackTop, image.isa === 't32');
  return { machine, vm, vcpu, budget: options.budget ?? 200_000_000 };
}

/** Everything but the policy, schedule, seed and trace: what makes the bare-metal run what it is. */
function bareMetalKey(o: BootHandoffOptions): string {
  return JSON.stringify(['boot-handoff', o.isa, o.preset, o.bufferBytes, o.flush, o.guestRamBytes, o.p2mMaxLeafBytes, o.budget, o.takeExceptions]);
}

export function runBootHandoff(options: BootHandoffOptions): ScenarioResult & { readonly guestMismatchedWords: number } {
  const isa = options.isa ?? 'a32';
  const preset = options.preset ?? defaultPreset(machineIsa(isa));
  const migration = options.migration ?? { kind: 'never' };
  const seed = options.seed ?? 1;
  const bytes = options.bufferBytes ?? HANDOFF.bufferBytes;
  const t0 = performance.now();
  const { subject, run, verdict, guestMs } = runJudged((policy, m, trace) => prepareBootHandoff(options, policy, m, trace), {
    policy: options.policy,
    migration,
    trace: options.trace,
    compare: options.compare,
    bareMetal: options.bareMetal && { runs: options.bareMetal, key: bareMetalKey(options) },
  });
  const { machine, vm, vcpu } = subject;
  // The ROM writes its marker with caches off: memory holds it, unless stage 2 forces Write-Back
  // (FEAT_S2FWB), where the write went into the coherent caches, as the host reading it would see.
  const donePa = vm.ipaToPa(HANDOFF.paramBlock + HANDOFF.offsets.done);
  const done = machine.policy.stage2ForcedWriteBack === true ? machine.caches.peek(vcpu.pcpu, donePa, 4) : machine.memory.read32(donePa);
  if (verdict?.guestFailure == null && done !== HANDOFF.doneMarker) {
    throw new GuestError(`boot-handoff ROM stopped (${run.haltReason}) without its DONE marker (found 0x${done.toString(16)})`);
  }
  const notAtPoC = linesLost(machine, vm, HANDOFF.buffer, bytes, HANDOFF.seed);
  return {
    ...summarise(
      machine,
      { scenario: 'boot-handoff', isa, preset, migration: formatMigrationMode(migration), seed, linesNotAtPoC: notAtPoC, bufferLines: bytes / machine.caches.lineBytes, instructions: run.instructions, wallMs: performance.now() - t0, guestMs },
      verdict,
    ),
    guestMismatchedWords: guestRegister(vcpu, 0),
  };
}
