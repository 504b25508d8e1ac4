/**
 * Run any flush function from any image under the boot-handoff harness: the host loads the image,
 * writes identity (and, for a kernel, link-address) stage-1 tables, and starts the harness stub,
 * which turns MMU and caches on, writes the pattern, calls the function with a valid stack and
 * LR, turns caches off, reads back uncached and stops. `bufferBytes: 0` just calls the function.
 */
import { performance } from 'node:perf_hooks';
import { Machine, GUEST_RAM_IPA, type MachineOptions } from '../hyp/machine';
import { formatMigrationMode, type MigrationMode } from '../hyp/scheduler';
import { GuestError } from '../hyp/guest-error';
import { MachineConfigError } from '../hyp/machine-config-error';
import type { SetWayRecord } from '../hyp/vcpu';
import type { Vm } from '../hyp/vm';
import type { LoadedImage } from '../rom/loaded-image';
import { enterEl1, guestRegister, linesLost, loadImageIntoVm, setGuestRegister } from './guest-setup';
import { HANDOFF_STUB_A32, HANDOFF_STUB_A64 } from './harness-stub';
import { ImageOptionError } from './image-error';
import { summarise, type ScenarioResult } from './result';
import { runJudged } from './lockstep/compare-with-bare-metal';
import type { BareMetalRuns } from './lockstep/bare-metal-runs';
import type { GuestRun } from './lockstep/guest-run';
import { installA64Tables, installShortDescriptorTables, type ExtraWindow } from './stage1-identity';
import { defaultPreset } from './default-preset';

/** Harness layout in guest RAM (IPA = VA): stub, stack, tables, buffer; images from 16 MiB up. */
export const HARNESS = {
  stub: GUEST_RAM_IPA,
  stackTop: GUEST_RAM_IPA + 0x2_0000,
  tables: GUEST_RAM_IPA + 0x2_0000,
  buffer: GUEST_RAM_IPA + 0x10_0000,
  imageArea: GUEST_RAM_IPA + 0x100_0000,
  seed: 0x5eed_5eeb,
} as const;

const MIB = 2 ** 20;

export interface FunctionRunOptions {
  readonly image: LoadedImage;
  /** Address of the function (link address); Thumb functions have isa 't32'. */
  readonly entry: number;
  readonly thumb?: boolean;
  readonly preset?: string;
  readonly policy: MachineOptions['policy'];
  readonly migration?: MigrationMode;
  readonly seed?: number;
  /** Pattern buffer in bytes (default 128 KiB); 0 runs the function alone. */
  readonly bufferBytes?: number;
  readonly budget?: number;
  /** Vector guest exceptions through the guest's own table instead of stopping with a GuestException. */
  readonly takeExceptions?: boolean;
  readonly trace?: MachineOptions['trace'];
  /** Record every S/W op (operand, pCPU, trapped) into the result. */
  readonly recordSetWay?: boolean;
  /**
   * Called after the image is loaded and before the guest runs (tests and benches touch memory
   * here): for the subject's machine first, then for the bare-metal reference's, which must be
   * prepared the same way.
   */
  readonly prepare?: (machine: Machine, vm: Vm) => void;
  /** Guest RAM (default: 64 MiB, or enough for the image). */
  readonly guestRamBytes?: number;
  /** Largest p2m leaf mapping guest RAM (default 1 GiB; see MachineOptions). */
  readonly p2mMaxLeafBytes?: number;
  /** Fill stage 2 for RAM up front or on demand (default: as the policy's hypervisor does). */
  readonly populate?: MachineOptions['populate'];
  /** Compare the guest's loads with the same guest on bare metal (default true; false only to measure the bare cost). */
  readonly compare?: boolean;
  /** Bare-metal runs recorded once and shared by every run of the same guest (demo, sweep). */
  readonly bareMetal?: BareMetalRuns;
}

export interface FunctionRunResult extends ScenarioResult {
  /** The harness's own count of buffer words that read back other than the pattern (r0/x0). */
  readonly guestMismatchedWords: number;
  readonly setWayLog?: readonly SetWayRecord[];
}

/** Where each part of the image goes: identity if it lies in RAM above the harness area, else a window. */
function placeImage(image: LoadedImage, isa: 'a32' | 'a64', ramEnd: number): { windows: ExtraWindow[]; shift: number } {
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of image.segments) {
    lo = Math.min(lo, s.address);
    hi = Math.max(hi, s.address + s.bytes.length);
  }
  if (lo >= HARNESS.imageArea && hi <= ramEnd) return { windows: [], shift: 0 };
  if (isa === 'a64') {
    throw new ImageOptionError(
      `A64 image at 0x${lo.toString(16)}-0x${hi.toString(16)} is outside guest RAM 0x${HARNESS.imageArea.toString(16)}-0x${ramEnd.toString(16)} ` +
        '(link it there or load a raw image with --load)',
    );
  }
  // AArch32: map the image's 1 MiB-aligned link window onto IPAs in the image area.
  const va = Math.floor(lo / MIB) * MIB;
  const bytes = Math.ceil((hi - va) / MIB) * MIB;
  if (HARNESS.imageArea + bytes > ramEnd) throw new ImageOptionError(`image of ${bytes >> 20} MiB does not fit guest RAM above the harness (see --guest-ram)`);
  if (va < ramEnd && va + bytes > GUEST_RAM_IPA) throw new ImageOptionError(`image link window 0x${va.toString(16)} overlaps guest RAM`);
  return { windows: [{ va, ipa: HARNESS.imageArea, bytes }], shift: HARNESS.imageArea - va };
}

/** Build the machine and load the guest for one run of `options` (subject or bare-metal reference). */
function prepareFunctionRun(options: FunctionRunOptions, policy: MachineOptions['policy'], migration: MigrationMode, trace: MachineOptions['trace']): GuestRun {
  const isa = options.image.isa === 'a64' ? 'a64' : 'a32';
  const preset = options.preset ?? defaultPreset(isa);
  const bytes = options.bufferBytes ?? 128 * 1024;
  let imageBytes = 0;
  for (const s of options.image.segments) imageBytes += s.bytes.length;
  const guestRamBytes = options.guestRamBytes ?? Math.max(64 * MIB, Math.ceil((16 * MIB + imageBytes + 2 * MIB) / (16 * MIB)) * 16 * MIB);
  const machine = new Machine({ preset, isa, policy, migration, seed: options.seed ?? 1, guestRamBytes, p2mMaxLeafBytes: options.p2mMaxLeafBytes, populate: options.populate, trace });
  // The buffer lies between the harness's tables and its image area; a larger one would leave RAM.
  const bufferRoom = HARNESS.imageArea - HARNESS.buffer;
  if (bytes > bufferRoom) throw new MachineConfigError(`a buffer of ${bytes / 1024} KiB does not fit the harness's ${bufferRoom / 1024} KiB buffer area (--buffer-kib)`);
  const harnessBytes = HARNESS.imageArea - GUEST_RAM_IPA;
  if (guestRamBytes < harnessBytes + imageBytes) {
    throw new MachineConfigError(`guest RAM of ${guestRamBytes} bytes cannot hold the harness (${harnessBytes >> 20} MiB) and the image (${imageBytes} bytes) (--guest-ram)`);
  }
  const vm: Vm = machine.vms[0];
  const vcpu = vm.vcpus[0];
  // A guest exception (UNDEFINED, abort, SVC) stops the run with its kind, PC and word, unless asked to vector it.
  vcpu.cpu.exceptionPolicy = options.takeExceptions ? 'take' : 'stop';
  const ramEnd = vm.ramIpa + vm.ramBytes;
  const { windows, shift } = placeImage(options.image, isa, ramEnd);
  const shifted = shift === 0 ? options.image : { ...options.image, segments: options.image.segments.map((s) => ({ ...s, address: s.address + shift })) };
  loadImageIntoVm(machine, vm, shifted as LoadedImage);
  const stub = isa === 'a32' ? HANDOFF_STUB_A32 : HANDOFF_STUB_A64;
  machine.memory.writeBytes(vm.ipaToPa(HARNESS.stub), new Uint8Array(stub.buffer.slice(0)));
  if (isa === 'a32') installShortDescriptorTables(machine, vm, vcpu, HARNESS.tables, windows);
  else installA64Tables(machine, vm, vcpu, HARNESS.tables);
  const [rBuf, rSize, rSeed, rFn] = isa === 'a32' ? [4, 5, 6, 7] : [19, 20, 21, 22];
  setGuestRegister(vcpu, rBuf, HARNESS.buffer);
  setGuestRegister(vcpu, rSize, bytes);
  setGuestRegister(vcpu, rSeed, HARNESS.seed);
  setGuestRegister(vcpu, rFn, (options.entry | (options.thumb ? 1 : 0)) >>> 0);
  enterEl1(vcpu, HARNESS.stub, HARNESS.stackTop);
  options.prepare?.(machine, vm);
  return { machine, vm, vcpu, budget: options.budget ?? 100_000_000 };
}

/** Everything but the policy, schedule, seed and trace (the image is the BareMetalRuns' own: one per image). */
function bareMetalKey(o: FunctionRunOptions): string {
  return JSON.stringify(['function', o.entry, o.thumb, o.preset, o.bufferBytes, o.budget, o.takeExceptions, o.guestRamBytes, o.p2mMaxLeafBytes]);
}

export function runFunction(options: FunctionRunOptions): FunctionRunResult {
  const isa = options.image.isa === 'a64' ? 'a64' : 'a32';
  const preset = options.preset ?? defaultPreset(isa);
  const migration = options.migration ?? { kind: 'never' };
  const seed = options.seed ?? 1;
  const bytes = options.bufferBytes ?? 128 * 1024;
  const t0 = performance.now();
  const { subject, run, verdict, guestMs } = runJudged((policy, m, trace) => {
    const g = prepareFunctionRun(options, policy, m, trace);
    if (options.recordSetWay && policy === options.policy) g.vcpu.setWayLog = [];
    return g;
  }, {
    policy: options.policy,
    migration,
    trace: options.trace,
    compare: options.compare,
    // A `prepare` hook may touch memory differently each time: such runs get a live reference.
    bareMetal: options.bareMetal && options.prepare === undefined ? { runs: options.bareMetal, key: bareMetalKey(options) } : undefined,
  });
  const { machine, vm, vcpu } = subject;
  if (verdict?.guestFailure == null && run.haltReason !== 'halted') throw new GuestError(`harness stopped with '${run.haltReason}' before its final HVC`);
  const notAtPoC = bytes === 0 ? 0 : linesLost(machine, vm, HARNESS.buffer, bytes, HARNESS.seed, isa === 'a64' ? 8 : 4);
  return {
    ...summarise(
      machine,
      {
        scenario: 'function',
        isa,
        preset,
        migration: formatMigrationMode(migration),
        seed,
        linesNotAtPoC: notAtPoC,
        bufferLines: bytes / machine.caches.lineBytes,
        instructions: run.instructions,
        wallMs: performance.now() - t0,
        guestMs,
      },
      verdict,
    ),
    guestMismatchedWords: guestRegister(vcpu, 0),
    setWayLog: vcpu.setWayLog,
  };
}
