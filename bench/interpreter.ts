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
import { median } from './measure';

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

/**
 * Guest instructions per second of one run of `iterations` passes (by wall time, and by this
 * process's CPU time), and the registers it left.
 */
function runLoop(loop: BenchLoop, iterations: number): { rate: number; cpuRate: number; registers: number[] } {
  const isa = loop.isa as 'a32' | 'a64';
  const words = loop.words;
  const machine = new Machine({ preset: isa === 'a32' ? 'cubietruck' : 'qemu-cortex-a53', isa, policy: 'passthrough', guestRamBytes: 32 * 2 ** 20 });
  const vm = machine.vms[0];
  const vcpu = vm.vcpus[0];
  machine.memory.writeBytes(vm.ipaToPa(CODE), loopImage(loop));
  if (isa === 'a32') installShortDescriptorTables(machine, vm, vcpu, HARNESS.tables, []);
  else installA64Tables(machine, vm, vcpu, HARNESS.tables);
  enterEl1(vcpu, CODE, HARNESS.stackTop, loop.thumb === true);
  // SCTLR.M, C, I: the loops run with translation and caches on, as a booted guest does.
  vcpu.sysregs.set(SysReg.SCTLR, (vcpu.sysregs.get(SysReg.SCTLR) | 0x1005) >>> 0);
  setGuestRegister(vcpu, 0, iterations);
  setGuestRegister(vcpu, 1, BUFFER + BENCH_BUFFER_BIAS);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const run = machine.run(vcpu, iterations * words.length + 100);
  const cpu = process.cpuUsage(c0);
  const ms = performance.now() - t0;
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return { rate: (run.instructions / ms) * 1000, cpuRate: (run.instructions / cpuMs) * 1000, registers: Array.from({ length: 8 }, (_, r) => guestRegister(vcpu, r)) };
}

/** `registerFold` of the registers a loop leaves after `iterations` passes (to check QEMU's run of the same loop). */
export function loopRegisterFold(loop: BenchLoop, iterations: number): number {
  return registerFold(runLoop(loop, iterations).registers);
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
  runLoop(a, 20_000);
  runLoop(b, 20_000);
  for (let i = 0; i < runs; i++) {
    bestA = Math.max(bestA, runLoop(a, iterations).cpuRate);
    bestB = Math.max(bestB, runLoop(b, iterations).cpuRate);
  }
  return bestA / bestB;
}

/** Each timed run lasts about this long, so start-up and V8's tiering are noise, as for QEMU's runs. */
const RUN_MS = 250;

/** Every bench loop, or those whose name is in `names`. */
export function benchInterpreter(runs = 3, names?: readonly string[]): InterpreterResult[] {
  return BENCH_LOOPS.filter((loop) => names === undefined || names.includes(loop.name)).map((loop) => {
    const isa = loop.isa as 'a32' | 'a64';
    // Calibrate: double a run until it lasts RUN_MS (the short runs also let V8 optimise).
    let iterations = 20_000;
    while (iterations < loop.iterations) {
      const rate = runLoop(loop, iterations).rate;
      if ((iterations * loop.words.length * 1000) / rate >= RUN_MS) break;
      iterations *= 2;
    }
    const rates: number[] = [];
    for (let i = 0; i < runs; i++) rates.push(runLoop(loop, iterations).rate);
    return { name: loop.name, isa, instructionsPerSecond: median(rates) };
  });
}
