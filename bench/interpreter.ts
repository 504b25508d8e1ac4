/**
 * Guest instructions per second of our executors on the same loop bodies QEMU user mode runs
 * (bench/qemu.ts), through the full memory system: stage 1 and stage 2 on, caches on.
 */
import { SysReg } from '../src/exec/sysregs/ids';
import { Machine } from '../src/hyp/machine';
import { enterEl1, guestRegister, setGuestRegister } from '../src/scenarios/guest-setup';
import { installA64Tables, installShortDescriptorTables } from '../src/scenarios/stage1-identity';
import { HARNESS } from '../src/scenarios/function-harness';
import { BENCH_BUFFER_BIAS, BENCH_LOOPS, registerFold, type BenchLoop } from './qemu';
import { cpuSeconds } from './measure';

const HVC0 = { a32: 0xe1400070, a64: 0xd4000002 } as const;
/** HVC #0 in T32 (hvc.w, first halfword 0xf7e0). */
const T32_HVC0 = [0xf7e0, 0x8000];
const CODE = HARNESS.imageArea;
const BUFFER = HARNESS.buffer;

export interface InterpreterResult {
  readonly name: string;
  readonly isa: 'a32' | 'a64';
  readonly instructionsPerSecond: number;
}

/** The loop and the HVC that ends it, as the bytes of the image. */
function loopImage(loop: BenchLoop): Uint8Array {
  if (loop.thumb) {
    const halfwords = Array.from(loop.words).flatMap((w) => (w > 0xffff ? [w >>> 16, w & 0xffff] : [w]));
    return new Uint8Array(Uint16Array.from([...halfwords, ...T32_HVC0]).buffer);
  }
  const code = new Uint32Array(loop.words.length + 1);
  code.set(loop.words);
  code[loop.words.length] = HVC0[loop.isa as 'a32' | 'a64'];
  return new Uint8Array(code.buffer);
}

/** A Machine set up to run `loop` from its first word (built outside any timed region). */
interface LoopMachine {
  readonly machine: Machine;
  readonly vcpu: Machine['vms'][number]['vcpus'][number];
}

function loopMachine(loop: BenchLoop): LoopMachine {
  const isa = loop.isa as 'a32' | 'a64';
  const machine = new Machine({ preset: isa === 'a32' ? 'cubietruck' : 'qemu-cortex-a53', isa, policy: 'passthrough', guestRamBytes: 32 * 2 ** 20 });
  const vm = machine.vms[0];
  const vcpu = vm.vcpus[0];
  machine.memory.writeBytes(vm.ipaToPa(CODE), loopImage(loop));
  if (isa === 'a32') installShortDescriptorTables(machine, vm, vcpu, HARNESS.tables, []);
  else installA64Tables(machine, vm, vcpu, HARNESS.tables);
  // SCTLR.M, C, I: the loops run with translation and caches on, as a booted guest does.
  vcpu.sysregs.set(SysReg.SCTLR, (vcpu.sysregs.get(SysReg.SCTLR) | 0x1005) >>> 0);
  return { machine, vcpu };
}

/**
 * Run `iterations` passes from the loop's entry state (R0/X0 the count, R1/X1 the buffer, the
 * others zero, flags clear) to the HVC after it: the instructions retired, the CPU seconds of
 * `machine.run` alone, and the registers left.
 */
function runFromEntry(m: LoopMachine, loop: BenchLoop, iterations: number): { instructions: number; seconds: number; registers: number[] } {
  const { machine, vcpu } = m;
  enterEl1(vcpu, CODE, HARNESS.stackTop, loop.thumb === true);
  for (let r = 2; r <= 12; r++) setGuestRegister(vcpu, r, 0);
  setGuestRegister(vcpu, 0, iterations);
  setGuestRegister(vcpu, 1, BUFFER + BENCH_BUFFER_BIAS);
  let instructions = 0;
  const seconds = cpuSeconds(() => {
    instructions = machine.run(vcpu, iterations * loop.words.length + 100).instructions;
  });
  return { instructions, seconds, registers: Array.from({ length: 8 }, (_, r) => guestRegister(vcpu, r)) };
}

/** `registerFold` of the registers a loop leaves after `iterations` passes (to check QEMU's run of the same loop). */
export function loopRegisterFold(loop: BenchLoop, iterations: number): number {
  return registerFold(runFromEntry(loopMachine(loop), loop, iterations).registers);
}

/**
 * Guest instructions per CPU second of one timed run of `iterations` passes in a Machine that has
 * already run the loop once (its translations, cache lines and compiled block in place, as in a
 * guest that has been running), so the run measures the loop, not the Machine's first steps.
 */
function warmRate(loop: BenchLoop, iterations: number): number {
  const m = loopMachine(loop);
  runFromEntry(m, loop, 1000);
  const run = runFromEntry(m, loop, iterations);
  return run.instructions / run.seconds;
}

/** Passes of `loop` that last about `seconds` of CPU at `rate` instructions per second (R0/X0 holds the count: below 2^32). */
function passesFor(loop: BenchLoop, rate: number, seconds: number): number {
  return Math.min(2 ** 32 - 1, Math.max(1000, Math.ceil((rate * seconds) / loop.words.length)));
}

/**
 * Instructions per second of `loop` over those of `base` (t32-alu over a32-alu): runs of the two
 * alternate, each rate is the best of `runs` by CPU time, so load from other work on the machine
 * (which stretches wall time, and differently from one run to the next) mostly drops out.
 */
export function relativeRate(loop: string, base: string, runs = 7, iterations = 4_000_000): number {
  const [a, b] = [loop, base].map((name) => BENCH_LOOPS.find((l) => l.name === name)!);
  let bestA = 0;
  let bestB = 0;
  warmRate(a, 20_000);
  warmRate(b, 20_000);
  for (let i = 0; i < runs; i++) {
    bestA = Math.max(bestA, warmRate(a, iterations));
    bestB = Math.max(bestB, warmRate(b, iterations));
  }
  return bestA / bestB;
}

/** How `benchInterpreter(runs)` times, for the table. */
export const interpreterMethod = (runs: number): string => `CPU time of the run alone (process.cpuUsage), warm Machine and JIT, best of ${runs} runs of >= 1 s`;

/** Warm-up: runs double from 20,000 passes until one lasts this long (V8 has then optimised the block and the run loop). */
const WARM_SECONDS = 0.2;

/**
 * Every bench loop, or those whose name is in `names`: the best rate by CPU time of `runs` runs
 * of at least `minSeconds` each, after a warm-up. A Machine is built and warmed outside the timed
 * region (a fresh one costs tens of milliseconds in its first run), and CPU time is not stretched
 * by other work on a loaded machine as wall time is.
 */
export function benchInterpreter(runs = 3, names?: readonly string[], minSeconds = 1): InterpreterResult[] {
  return BENCH_LOOPS.filter((loop) => names === undefined || names.includes(loop.name)).map((loop) => {
    const isa = loop.isa as 'a32' | 'a64';
    let iterations = 20_000;
    let rate = warmRate(loop, iterations);
    while ((iterations * loop.words.length) / rate < WARM_SECONDS && iterations < 2 ** 31) {
      iterations *= 2;
      rate = Math.max(rate, warmRate(loop, iterations));
    }
    // Runs sized from the fastest warm-up rate, with a margin: each lasts at least minSeconds.
    let timed = passesFor(loop, rate, 1.2 * minSeconds);
    let best = 0;
    for (let i = 0; i < runs; i++) best = Math.max(best, warmRate(loop, timed));
    // Faster than the warm-up promised (the machine got quieter): again, with longer runs.
    if ((timed * loop.words.length) / best < minSeconds) {
      timed = passesFor(loop, best, 1.2 * minSeconds);
      for (let i = 0; i < runs; i++) best = Math.max(best, warmRate(loop, timed));
    }
    return { name: loop.name, isa, instructionsPerSecond: best };
  });
}
