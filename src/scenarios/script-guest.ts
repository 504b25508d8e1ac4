/**
 * A guest whose behaviour is data (roms/a64/script-guest.s): a list of stores, loads, set/way
 * flushes, cache toggles and maintenance by address over a buffer, run by our ROM with the real
 * set/way routines. Property tests generate scripts and schedules and check each policy's
 * verdict against bare metal.
 */
import { performance } from 'node:perf_hooks';
import { Machine, type MachineOptions } from '../hyp/machine';
import { formatMigrationMode, type MigrationMode } from '../hyp/scheduler';
import { GuestError } from '../hyp/guest-error';
import { enterEl1, guestRegister, loadImageIntoVm } from './guest-setup';
import { runJudged } from './lockstep/compare-with-bare-metal';
import type { BareMetalRuns } from './lockstep/bare-metal-runs';
import type { GuestRun } from './lockstep/guest-run';
import { summarise, type ScenarioResult } from './result';
import { HANDOFF, loadRom } from './rom-images';

export const SCRIPT_OPS = ['end', 'store', 'load', 'flush-all', 'flush-louis', 'invalidate-l1', 'caches-on', 'caches-off', 'civac', 'cvac'] as const;
export type ScriptOpName = (typeof SCRIPT_OPS)[number];

export interface ScriptOp {
  readonly op: ScriptOpName;
  /** Range in the buffer (bytes; multiples of 4), and the store pattern's seed. */
  readonly offset?: number;
  readonly bytes?: number;
  readonly seed?: number;
}

/** Where the ROM reads its script (roms/a64/script-guest.s) and the buffer the offsets are from. */
const SCRIPT_BASE = 0x4003_0000;
const SCRIPT_LIMIT = 0x4004_0000;

export interface ScriptGuestOptions {
  readonly script: readonly ScriptOp[];
  readonly preset?: string;
  readonly policy: MachineOptions['policy'];
  readonly migration?: MigrationMode;
  readonly seed?: number;
  readonly budget?: number;
  readonly trace?: MachineOptions['trace'];
  readonly compare?: boolean;
  /** Bare-metal runs recorded once and shared by every run of the same script. */
  readonly bareMetal?: BareMetalRuns;
}

export interface ScriptGuestResult extends ScenarioResult {
  /** Sum of every word the guest loaded (x0 at the end). */
  readonly result: number;
}

function encodeScript(script: readonly ScriptOp[]): Uint8Array {
  const words = new Uint32Array((script.length + 1) * 4);
  script.forEach((s, i) => {
    const code = SCRIPT_OPS.indexOf(s.op);
    if (code < 0) throw new GuestError(`script op ${i}: unknown operation '${String(s.op)}'`);
    words.set([code, s.offset ?? 0, s.bytes ?? 0, s.seed ?? 0], i * 4);
  });
  // The final all-zero entry is `end`.
  if (SCRIPT_BASE + words.byteLength > SCRIPT_LIMIT) throw new GuestError(`script of ${script.length} operations does not fit its 64 KiB area`);
  return new Uint8Array(words.buffer);
}

function prepareScriptGuest(options: ScriptGuestOptions, policy: MachineOptions['policy'], migration: MigrationMode, trace: MachineOptions['trace']): GuestRun {
  const machine = new Machine({ preset: options.preset ?? 'cubietruck', isa: 'a64', policy, migration, seed: options.seed ?? 1, guestRamBytes: 16 * 2 ** 20, trace });
  const vm = machine.vms[0];
  const vcpu = vm.vcpus[0];
  vcpu.cpu.exceptionPolicy = 'stop';
  const image = loadRom('a64-script-guest.elf');
  loadImageIntoVm(machine, vm, image);
  machine.memory.writeBytes(vm.ipaToPa(SCRIPT_BASE), encodeScript(options.script));
  enterEl1(vcpu, image.entry, HANDOFF.stackTop);
  return { machine, vm, vcpu, budget: options.budget ?? 50_000_000 };
}

export function runScriptGuest(options: ScriptGuestOptions): ScriptGuestResult {
  const migration = options.migration ?? { kind: 'never' };
  const seed = options.seed ?? 1;
  const t0 = performance.now();
  const { subject, run, verdict, guestMs } = runJudged((policy, m, trace) => prepareScriptGuest(options, policy, m, trace), {
    policy: options.policy,
    migration,
    trace: options.trace,
    compare: options.compare,
    bareMetal: options.bareMetal && { runs: options.bareMetal, key: JSON.stringify([options.preset, options.budget, options.script]) },
  });
  if (verdict?.guestFailure == null && run.haltReason !== 'halted') throw new GuestError(`script guest stopped with '${run.haltReason}'`);
  const result = guestRegister(subject.vcpu, 0);
  if (verdict?.guestFailure == null && result === 0xffffffff) throw new GuestError('script guest met an unknown operation');
  const { machine } = subject;
  return {
    ...summarise(
      machine,
      { scenario: 'script', isa: 'a64', preset: options.preset ?? 'cubietruck', migration: formatMigrationMode(migration), seed, linesNotAtPoC: 0, bufferLines: 0, instructions: run.instructions, wallMs: performance.now() - t0, guestMs },
      verdict,
    ),
    result,
  };
}
