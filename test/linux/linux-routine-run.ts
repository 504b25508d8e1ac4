/**
 * Helpers for running Linux's v7 cache routines from the real kernel under the function harness:
 * a register-preserving call shim for the routines that do not follow the AAPCS, the S/W operand
 * sequence a v7 walker must issue for a given cache geometry, and one run that keeps the machine
 * so a test can look inside the caches afterwards.
 */
import type { CacheIdentification, SetWayOp } from '../../src/exec/system-port';
import type { Machine } from '../../src/hyp/machine';
import type { MigrationMode } from '../../src/hyp/scheduler';
import { HARNESS, runFunction, type FunctionRunResult } from '../../src/scenarios/function-harness';
import type { LinuxKernelImage } from '../../src/linux/load-kernel';

/** How far a routine walks: to LoC, to LoUIS, or level 1 only. */
export type WalkLimit = 'loc' | 'louis' | 1;

export interface LinuxRoutine {
  readonly name: string;
  readonly limit: WalkLimit;
  /** The S/W instruction the routine issues: DCCISW ('cisw') or DCISW ('isw'). */
  readonly op: SetWayOp;
  /** Where the routine promises dirty data ends up: memory (PoC) or the Point of Unification. */
  readonly promise: 'poc' | 'pou';
  /**
   * The routine corrupts registers the AAPCS says a callee preserves (Linux documents the
   * v7_flush_dcache_* walkers as clobbering r0-r7 and r9-r11), and the harness keeps its buffer
   * address in r4-r6: call it through the register-preserving shim.
   */
  readonly clobbersCalleeSaved: boolean;
}

export const LINUX_V7_ROUTINES: readonly LinuxRoutine[] = [
  { name: 'v7_flush_kern_cache_all', limit: 'loc', op: 'cisw', promise: 'poc', clobbersCalleeSaved: false },
  { name: 'v7_flush_dcache_all', limit: 'loc', op: 'cisw', promise: 'poc', clobbersCalleeSaved: true },
  { name: 'v7_flush_dcache_louis', limit: 'louis', op: 'cisw', promise: 'pou', clobbersCalleeSaved: true },
  { name: 'v7_flush_kern_cache_louis', limit: 'louis', op: 'cisw', promise: 'pou', clobbersCalleeSaved: false },
  // Uses only r0-r3 and r12 (caller-saved), so the harness calls it directly.
  { name: 'v7_invalidate_l1', limit: 1, op: 'isw', promise: 'pou', clobbersCalleeSaved: false },
];

/** Where the shim goes: guest RAM between the stage-1 tables (16 KiB) and the pattern buffer. */
export const SHIM_ADDRESS = HARNESS.tables + 0x8000;

/**
 * A32 shim: push {r4-r12, lr} (ten registers keep the stack 8-byte aligned); ldr r12, [pc, #4];
 * blx r12; pop {r4-r12, pc}; then the routine's address as a literal (PC reads as the
 * instruction's address + 8, so the literal at offset 16 is pc + 4 for the load at offset 4).
 * The acceptance test checks these words against llvm-mc.
 */
export const SHIM_WORDS: readonly number[] = [0xe92d5ff0, 0xe59fc004, 0xe12fff3c, 0xe8bd9ff0];
export const SHIM_TEXT: readonly string[] = [
  'push {r4, r5, r6, r7, r8, r9, r10, r11, r12, lr}',
  'ldr r12, [pc, #4]',
  'blx r12',
  'pop {r4, r5, r6, r7, r8, r9, r10, r11, r12, pc}',
];

/**
 * The operands a v7 S/W walker issues, in its order, for the geometry the guest reads from CLIDR
 * and CCSIDR: each level from 1 up to the limit that has a data or unified cache (Ctype >= 2),
 * ways from the highest down in the outer loop, sets from the highest down in the inner loop
 * (the order of Linux 6.1's loops, read from the kernel's own disassembly; the Arm ARM's example
 * loop in D7.5.9 uses the same order). Operand: way << clz(ways-1) | set << log2(line bytes) |
 * (level-1) << 1, with no way field for a one-way cache (CCSIDR, CLIDR in D17).
 */
export function expectedWalkOperands(id: Pick<CacheIdentification, 'clidr' | 'ccsidr'>, limit: WalkLimit): number[] {
  const clidr = id.clidr();
  // CLIDR: LoUIS [23:21], LoC [26:24].
  const last = limit === 1 ? 1 : limit === 'louis' ? (clidr >>> 21) & 7 : (clidr >>> 24) & 7;
  const operands: number[] = [];
  for (let level = 1; level <= last; level++) {
    if (((clidr >>> (3 * (level - 1))) & 7) < 2) continue;
    const ccsidr = id.ccsidr((level - 1) << 1); // CSSELR: Level [3:1], InD 0
    const lineLog2 = (ccsidr & 7) + 4; // LineSize [2:0]
    const ways = ((ccsidr >>> 3) & 0x3ff) + 1; // Associativity [12:3]
    const sets = ((ccsidr >>> 13) & 0x7fff) + 1; // NumSets [27:13]
    const wayShift = Math.clz32(ways - 1);
    for (let way = ways - 1; way >= 0; way--) {
      for (let set = sets - 1; set >= 0; set--) {
        const wayField = ways === 1 ? 0 : way << wayShift;
        operands.push((wayField | (set << lineLog2) | ((level - 1) << 1)) >>> 0);
      }
    }
  }
  return operands;
}

export interface RoutineRunOptions {
  readonly policy: string;
  readonly migration?: MigrationMode;
  readonly seed?: number;
  readonly bufferBytes?: number;
}

export interface RoutineRun {
  readonly result: FunctionRunResult;
  /** The machine after the run: its caches still hold whatever the routine left in them. */
  readonly machine: Machine;
  readonly bufferPa: number;
}

/** Run one routine of the kernel, unmodified, on the cubietruck preset. */
export function runLinuxRoutine(kernel: LinuxKernelImage, routine: LinuxRoutine, options: RoutineRunOptions): RoutineRun {
  const target = kernel.findSymbol(routine.name).address;
  let machine: Machine | undefined;
  let bufferPa = 0;
  const result = runFunction({
    image: kernel,
    entry: routine.clobbersCalleeSaved ? SHIM_ADDRESS : target,
    policy: options.policy,
    preset: 'cubietruck',
    migration: options.migration ?? { kind: 'never' },
    seed: options.seed ?? 1,
    bufferBytes: options.bufferBytes ?? 64 * 1024,
    recordSetWay: true,
    // Called for the subject first, then for the bare-metal reference: keep the subject's machine.
    prepare: (m, vm) => {
      if (machine === undefined) {
        machine = m;
        bufferPa = vm.ipaToPa(HARNESS.buffer);
      }
      if (!routine.clobbersCalleeSaved) return;
      [...SHIM_WORDS, target].forEach((word, i) => m.memory.write32(vm.ipaToPa(SHIM_ADDRESS + 4 * i), word >>> 0));
    },
  });
  if (machine === undefined) throw new Error(`runFunction never called prepare for ${routine.name}`);
  return { result, machine, bufferPa };
}

/** Where the lost lines of a run are: how many buffer lines some cache holds dirty with bytes memory lacks, and per cache instance. */
export function dirtyHoldersOfLostLines(run: RoutineRun): { lost: number; dirtyIn: Map<string, number> } {
  const { machine, bufferPa, result } = run;
  const lineBytes = machine.caches.lineBytes;
  const dirtyIn = new Map<string, number>();
  const inMemory = new Uint8Array(lineBytes);
  let lost = 0;
  for (let line = 0; line < result.bufferLines; line++) {
    const pa = bufferPa + line * lineBytes;
    machine.memory.readBytes(pa, inMemory);
    const holders = machine.caches.inspectLine(pa).filter((c) => c.dirty && !sameBytes(c.bytes, inMemory));
    if (holders.length === 0) continue;
    lost++;
    // Instance names: 'cpu0.L1D', 'cluster0.L2'.
    for (const h of holders) dirtyIn.set(h.cache, (dirtyIn.get(h.cache) ?? 0) + 1);
  }
  return { lost, dirtyIn };
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
