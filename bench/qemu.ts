/**
 * QEMU user-mode speed on small integer loops, as the yardstick for our executors: the lead's
 * bench runs the same loop bodies (`QEMU_BENCH_LOOPS[].words`) in A32Cpu/A64Cpu and reports the ratio.
 *
 * Each loop runs in a static Linux ELF (llvm-mc + ld.lld) under qemu-arm/qemu-aarch64, timed by
 * the child's CPU time (bash's `times`: not stretched by other work on a loaded machine, as wall
 * time is, and comparable with setway's rows, also by CPU time). Process start-up is removed by
 * timing the same program with zero iterations and subtracting; the loop runs at least a second
 * (iterations scaled up from a short run) and each figure is the fastest of several runs.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { linkProgram } from '../test/oracles/link';
import { assemble, type Isa } from '../test/oracles/llvm-mc';
import { QEMU_USER_CPU } from '../test/oracles/qemu-user';
import { LD_LLD, LLVM_MC, QEMU_AARCH64, QEMU_ARM, QEMU_SYSTEM_AARCH64, QEMU_SYSTEM_ARM, findTool, tool } from '../test/oracles/tools';
import { childCpuRun } from './measure';

export interface BenchResult {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
}

/**
 * One loop. Entry state: R0/X0 = iteration count (at least 1), R1/X1 = address of a zeroed
 * 4 KiB buffer plus 1024 (accesses stay within [-16, +1040) of it), every other register 0,
 * flags clear. The body ends with the decrement and the backward branch to its first word, so
 * one iteration executes every word once.
 */
export interface BenchLoop {
  readonly name: string;
  readonly isa: Isa;
  readonly source: readonly string[];
  /**
   * The body as little-endian instruction words (checked against llvm-mc in test/oracles); for a
   * T32 loop one entry per instruction as llvm-objdump prints it (a 32-bit one first halfword high).
   */
  readonly words: Uint32Array;
  /** The loop runs in T32 state (isa 'a32': the AArch32 programs and CPUs). */
  readonly thumb?: boolean;
  /** Iterations of the first QEMU run (scaled up until one lasts a second). */
  readonly iterations: number;
}

export const BENCH_BUFFER_BYTES = 4096;
export const BENCH_BUFFER_BIAS = 1024;

export const QEMU_BENCH_LOOPS: readonly BenchLoop[] = [
  {
    name: 'a32-alu',
    isa: 'a32',
    source: ['add r2, r2, r0', 'eor r3, r3, r2, lsl #3', 'orr r4, r4, r3, lsr #1', 'and r5, r4, #0xff00', 'sub r6, r6, r5, ror #7', 'bic r7, r6, r2', 'adds r9, r9, r7', 'movs r10, r9, asr #2', 'cmp r7, r3', 'addhi r8, r8, #1', 'subs r0, r0, #1', 'bne .-44'],
    words: Uint32Array.of(0xe0822000, 0xe0233182, 0xe18440a3, 0xe2045cff, 0xe04663e5, 0xe1c67002, 0xe0999007, 0xe1b0a149, 0xe1570003, 0x82888001, 0xe2500001, 0x1afffff3),
    iterations: 40_000_000,
  },
  {
    name: 'a32-load-store',
    isa: 'a32',
    source: ['ldr r2, [r1, #4]', 'add r2, r2, r0', 'str r2, [r1, #8]', 'ldrb r3, [r1, #9]', 'strb r3, [r1, #16]', 'ldr r4, [r1, r3, lsl #2]', 'str r4, [r1, #-4]!', 'add r1, r1, #4', 'ldrh r5, [r1, #2]', 'strh r5, [r1, #32]', 'subs r0, r0, #1', 'bne .-44'],
    words: Uint32Array.of(0xe5912004, 0xe0822000, 0xe5812008, 0xe5d13009, 0xe5c13010, 0xe7914103, 0xe5214004, 0xe2811004, 0xe1d150b2, 0xe1c152b0, 0xe2500001, 0x1afffff3),
    iterations: 20_000_000,
  },
  {
    name: 'a64-alu',
    isa: 'a64',
    source: ['add x2, x2, x0', 'eor x3, x3, x2, lsl #3', 'orr w4, w4, w3, lsr #1', 'and x5, x4, #0xff00', 'eon x6, x6, x5, ror #7', 'bic w7, w6, w2', 'adds x9, x9, x7', 'asr x10, x9, #2', 'cmp x7, x3', 'csinc x8, x8, x8, ls', 'subs x0, x0, #1', 'b.ne .-44'],
    words: Uint32Array.of(0x8b000042, 0xca020c63, 0x2a430484, 0x92781c85, 0xcae51cc6, 0x0a2200c7, 0xab070129, 0x9342fd2a, 0xeb0300ff, 0x9a889508, 0xf1000400, 0x54fffea1),
    iterations: 40_000_000,
  },
  {
    name: 'a64-load-store',
    isa: 'a64',
    source: ['ldr x2, [x1, #8]', 'add x2, x2, x0', 'str x2, [x1, #16]', 'ldrb w3, [x1, #17]', 'strb w3, [x1, #32]', 'ldr w4, [x1, x3, lsl #2]', 'stp x2, x4, [x1, #-16]!', 'add x1, x1, #16', 'ldp w5, w6, [x1, #4]', 'str w5, [x1, #64]', 'subs x0, x0, #1', 'b.ne .-44'],
    words: Uint32Array.of(0xf9400422, 0x8b000042, 0xf9000822, 0x39404423, 0x39008023, 0xb8637824, 0xa9bf1022, 0x91004021, 0x29409825, 0xb9004025, 0xf1000400, 0x54fffea1),
    iterations: 20_000_000,
  },
];

/**
 * The a32-alu loop in T32 (Thumb-2, llvm-mc --triple=thumbv7a chooses the 16-bit forms where they
 * exist): the same operations on the same registers; the conditional ADD needs an IT, so a pass is
 * 13 instructions. Checked against llvm-mc in test/t32/bench-loop.test.ts.
 */
export const T32_ALU_LOOP: BenchLoop = {
  name: 't32-alu',
  isa: 'a32',
  thumb: true,
  source: ['1: add r2, r2, r0', 'eor.w r3, r3, r2, lsl #3', 'orr.w r4, r4, r3, lsr #1', 'and r5, r4, #0xff00', 'sub.w r6, r6, r5, ror #7', 'bic.w r7, r6, r2', 'adds.w r9, r9, r7', 'asrs.w r10, r9, #2', 'cmp r7, r3', 'it hi', 'addhi.w r8, r8, #1', 'subs r0, r0, #1', 'bne 1b'],
  words: Uint32Array.of(0x4402, 0xea8303c2, 0xea440453, 0xf404457f, 0xeba616f5, 0xea260702, 0xeb190907, 0xea5f0aa9, 0x429f, 0xbf88, 0xf1080801, 0x1e40, 0xd1ea),
  iterations: 40_000_000,
};

/** Every loop `npm run bench` runs in setway and QEMU user mode (t32-alu next to a32-alu). */
export const BENCH_LOOPS: readonly BenchLoop[] = QEMU_BENCH_LOOPS.flatMap((loop) => (loop.name === 'a32-alu' ? [loop, T32_ALU_LOOP] : [loop]));

/** `.inst` lines of a loop body (`.inst.n`/`.inst.w` for T32, whose wide instructions are written first halfword high). */
function bodyLines(loop: BenchLoop): string[] {
  if (!loop.thumb) return Array.from(loop.words, (w) => `  .inst 0x${w.toString(16)}`);
  return Array.from(loop.words, (w) => `  .inst.${w > 0xffff ? 'w' : 'n'} 0x${w.toString(16)}`);
}

/** Source of the whole program: entry state, the loop (skipped for zero iterations), exit(0). */
export function benchProgramSource(loop: BenchLoop, iterations: number): string {
  const body = bodyLines(loop);
  const buf = `.bss\n.balign 16\nbuf: .space ${BENCH_BUFFER_BYTES}\n`;
  if (loop.thumb) {
    // An odd entry address starts qemu-arm in T32 state; T32 has no MSR (immediate): flags cleared from a zero register.
    const zero = [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((r) => `  mov.w r${r}, #0`);
    return ['.syntax unified', '.thumb', '.text', '.globl _start', '.type _start, %function', '.thumb_func', '_start:', `  ldr r0, =${iterations}`, `  ldr r1, =buf + ${BENCH_BUFFER_BIAS}`, ...zero, '  msr APSR_nzcvq, r2', '  cmp r0, #0', '  beq 2f', ...body, '2: movs r0, #0', '  movs r7, #1', '  svc #0', '.ltorg', buf].join('\n');
  }
  if (loop.isa === 'a32') {
    const zero = Array.from({ length: 13 }, (_, i) => i + 2).map((r) => `  mov r${r}, #0`);
    return ['.syntax unified', '.arm', '.text', '.globl _start', '_start:', `  ldr r0, =${iterations}`, `  ldr r1, =buf + ${BENCH_BUFFER_BIAS}`, ...zero.filter((z) => !z.includes('r13') && !z.includes('r14')), '  msr APSR_nzcvq, #0', '  cmp r0, #0', '  beq 2f', ...body, '2: mov r0, #0', '  mov r7, #1', '  svc #0', '.ltorg', buf].join('\n');
  }
  const zero = Array.from({ length: 29 }, (_, i) => `  mov x${i + 2}, #0`);
  return ['.text', '.globl _start', '_start:', `  ldr x0, =${iterations}`, `  ldr x1, =buf + ${BENCH_BUFFER_BIAS}`, ...zero, '  cbz x0, 2f', '  msr nzcv, xzr', ...body, '2: mov x0, #0', '  mov x8, #93', '  svc #0', '.ltorg', buf].join('\n');
}

/** How the QEMU rows are timed, for the table. */
export const QEMU_METHOD = "the child's CPU time (bash times), start-up (a zero-iteration run) subtracted, fastest of 3 runs of >= 1 s";

/** CPU seconds of the fastest of `runs` runs of `command args` (each must exit with `status`, when given). */
function fastestCpu(command: string, args: readonly string[], runs: number, status?: number): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const r = childCpuRun(command, args, 120_000);
    if (status !== undefined && r.status !== status) throw new Error(`bench: ${args.at(-1)} under ${command} ended with status ${r.status} signal ${r.signal}`);
    best = Math.min(best, r.cpuSeconds);
  }
  return best;
}

/**
 * Iterations of a loop whose run (less `startup` CPU seconds) lasts at least `minSeconds`, scaled
 * up from `first` (at most 2^31), and the fastest loop time at that count over `runs` runs.
 * `build(n)`: the program of n iterations; `time(path, runs)`: its fastest CPU seconds.
 */
function scaledLoop(first: number, minSeconds: number, runs: number, startup: number, build: (n: number) => string, time: (path: string, runs: number) => number): { iterations: number; seconds: number } {
  let iterations = first;
  let seconds = time(build(iterations), 1) - startup;
  while (seconds < minSeconds && iterations < 2 ** 31) {
    iterations = Math.min(2 ** 31, Math.ceil(iterations * Math.min(16, Math.max(2, (1.2 * minSeconds) / Math.max(seconds, 1e-3)))));
    seconds = time(build(iterations), 1) - startup;
  }
  return { iterations, seconds: Math.max(time(build(iterations), runs) - startup, 1e-3) };
}

/** Guest instructions per second of each loop (or those named in `loops`) under QEMU user mode (entries absent when the tools are). */
export function benchQemu(options: { runs?: number; minSeconds?: number; loops?: readonly string[] } = {}): BenchResult[] {
  const runs = options.runs ?? 3;
  const minSeconds = options.minSeconds ?? 1;
  const results: BenchResult[] = [];
  if (findTool(...LLVM_MC) === null || findTool(...LD_LLD) === null) return results;
  const dir = mkdtempSync(join(tmpdir(), 'setway-bench-'));
  try {
    for (const loop of BENCH_LOOPS) {
      if (options.loops !== undefined && !options.loops.includes(loop.name)) continue;
      const group = loop.isa === 'a32' ? QEMU_ARM : QEMU_AARCH64;
      if (findTool(...group) === null) continue;
      const qemu = tool(group);
      const build = (n: number): string => {
        const p = join(dir, `${loop.name}-${n}.elf`);
        writeFileSync(p, linkProgram(benchProgramSource(loop, n), loop.isa));
        chmodSync(p, 0o755);
        return p;
      };
      const time = (path: string, n: number): number => fastestCpu(qemu, ['-cpu', QEMU_USER_CPU[loop.isa], path], n, 0);
      const startup = time(build(0), runs);
      const { iterations, seconds } = scaledLoop(loop.iterations, minSeconds, runs, startup, build, time);
      results.push({ name: `qemu-user ${loop.name}`, value: Math.round((iterations * loop.words.length) / seconds), unit: 'insn/s' });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

// ---- QEMU system mode: the same loops with the MMU and caches on, as setway runs them ----

/** Guest RAM on `virt`; the stage 1 tables and the loop's buffer sit in it. */
const VIRT_RAM = 0x4000_0000;
const SYSTEM_TABLES = VIRT_RAM + 0x4000;
const SYSTEM_BUFFER = VIRT_RAM + 0x10_0000;
/** Semihosting parameter block for the exit call (reason, exit code). */
const SEMIHOSTING_BLOCK = VIRT_RAM + 0x8000;
/** ADP_Stopped_ApplicationExit: with SYS_EXIT (A64) or SYS_EXIT_EXTENDED (A32), QEMU exits with the block's code. */
const ADP_STOPPED_APPLICATION_EXIT = 0x20026;

/**
 * R2..R6 (X2..X6, low halves), each shifted left by its number less 2, XORed and folded to a
 * byte: the loops' results, which the image returns as QEMU's exit status so a run is checked
 * against setway's registers after the same number of iterations.
 */
export function registerFold(regs: readonly number[]): number {
  let v = 0;
  for (let r = 2; r <= 6; r++) v ^= regs[r] << (r - 2);
  v ^= v >>> 16;
  v ^= v >>> 8;
  return v & 0xff;
}

/**
 * A flat image for `-bios` (flash at address 0): identity-map the address space as Normal
 * Write-Back (A32 short-descriptor 1 MiB sections, G5; A64 1 GiB level 1 blocks with T0SZ 32,
 * D8.3), turn on the MMU, D-cache and I-cache (SCTLR.M, C, I), set the loop's entry state
 * (R0/X0 iterations, R1/X1 the buffer plus BENCH_BUFFER_BIAS, the rest zero), run it, and exit
 * through semihosting with `registerFold` of the registers as the status.
 */
export function benchSystemImageSource(loop: BenchLoop, iterations: number): string {
  const body = Array.from(loop.words, (w) => `  .inst 0x${w.toString(16)}`);
  if (loop.isa === 'a32') {
    const zero = Array.from({ length: 11 }, (_, i) => `  mov r${i + 2}, #0`);
    return [
      '.syntax unified', '.arm', '.text',
      `  ldr r0, =0x${SYSTEM_TABLES.toString(16)}`,
      '  ldr r2, =0x11c0e', // section: S, TEX 001, AP 11, C, B (Normal Write-Back, shareable)
      '  mov r1, #0',
      '1: orr r3, r2, r1, lsl #20', '  str r3, [r0, r1, lsl #2]', '  add r1, r1, #1', '  cmp r1, #4096', '  bne 1b',
      '  mcr p15, 0, r0, c2, c0, 0', // TTBR0
      '  mov r1, #0', '  mcr p15, 0, r1, c2, c0, 2', // TTBCR
      '  ldr r1, =0x55555555', '  mcr p15, 0, r1, c3, c0, 0', // DACR: every domain Client
      '  mcr p15, 0, r1, c8, c7, 0', '  dsb', '  isb', // TLBIALL
      '  mrc p15, 0, r1, c1, c0, 0', '  orr r1, r1, #0x1000', '  orr r1, r1, #5', '  mcr p15, 0, r1, c1, c0, 0', '  isb',
      `  ldr r0, =${iterations}`, `  ldr r1, =0x${(SYSTEM_BUFFER + BENCH_BUFFER_BIAS).toString(16)}`, ...zero,
      '  msr APSR_nzcvq, #0', '  cmp r0, #0', '  beq 2f', ...body,
      '2: eor r7, r2, r3, lsl #1', '  eor r7, r7, r4, lsl #2', '  eor r7, r7, r5, lsl #3', '  eor r7, r7, r6, lsl #4', '  eor r7, r7, r7, lsr #16', '  eor r7, r7, r7, lsr #8', '  and r7, r7, #0xff',
      `  ldr r1, =0x${SEMIHOSTING_BLOCK.toString(16)}`, `  ldr r0, =0x${ADP_STOPPED_APPLICATION_EXIT.toString(16)}`, '  str r0, [r1]', '  str r7, [r1, #4]',
      '  mov r0, #0x20', '  svc #0x123456', '3: b 3b', '.ltorg', // SYS_EXIT_EXTENDED
    ].join('\n');
  }
  const zero = Array.from({ length: 29 }, (_, i) => `  mov x${i + 2}, #0`);
  return [
    '.text',
    `  ldr x0, =0x${SYSTEM_TABLES.toString(16)}`,
    '  ldr x1, =0x705', '  str x1, [x0]', // 0-1 GiB: block, AttrIndx 1, SH 11, AF
    `  ldr x1, =0x${(VIRT_RAM + 0x705).toString(16)}`, '  str x1, [x0, #8]', // 1-2 GiB (RAM)
    '  ldr x1, =0xff00', '  msr mair_el1, x1', // Attr0 Device-nGnRnE, Attr1 Normal Write-Back
    `  ldr x1, =0x${(32 | (1 << 23)).toString(16)}`, '  msr tcr_el1, x1', // T0SZ 32, EPD1
    '  msr ttbr0_el1, x0', '  tlbi vmalle1', '  dsb sy', '  isb',
    '  mrs x1, sctlr_el1', '  orr x1, x1, #0x1000', '  orr x1, x1, #4', '  orr x1, x1, #1', '  msr sctlr_el1, x1', '  isb',
    `  ldr x0, =${iterations}`, `  ldr x1, =0x${(SYSTEM_BUFFER + BENCH_BUFFER_BIAS).toString(16)}`, ...zero,
    '  msr nzcv, xzr', '  cbz x0, 2f', ...body,
    '2: eor w7, w2, w3, lsl #1', '  eor w7, w7, w4, lsl #2', '  eor w7, w7, w5, lsl #3', '  eor w7, w7, w6, lsl #4', '  eor w7, w7, w7, lsr #16', '  eor w7, w7, w7, lsr #8', '  and x7, x7, #0xff',
    `  ldr x1, =0x${SEMIHOSTING_BLOCK.toString(16)}`, `  ldr x0, =0x${ADP_STOPPED_APPLICATION_EXIT.toString(16)}`, '  str x0, [x1]', '  str x7, [x1, #8]',
    '  mov x0, #0x18', '  hlt #0xf000', '3: b 3b', '.ltorg', // SYS_EXIT
  ].join('\n');
}

const SYSTEM_ARGS = ['-M', 'virt', '-m', '128', '-semihosting', '-display', 'none', '-monitor', 'none', '-serial', 'none', '-parallel', 'none', '-nodefaults'];

/** One qemu-system run of an image to its semihosting exit: CPU seconds and the exit status. */
function systemRun(qemu: string, cpu: string, path: string): { seconds: number; status: number } {
  const r = childCpuRun(qemu, ['-cpu', cpu, ...SYSTEM_ARGS, '-bios', path], 120_000);
  if (r.status === null) throw new Error(`benchQemuSystem: ${path} under ${qemu} did not exit (signal ${r.signal})`);
  return { seconds: r.cpuSeconds, status: r.status };
}

/**
 * Guest instructions per second of each load/store loop under QEMU system mode with the MMU and
 * caches on (the fair reference for setway's loops, which translate every access too). Start-up
 * and the table set-up are removed by timing the same image with zero iterations; the loop runs
 * at least `minSeconds` (iterations are scaled up from a short run) and each figure is the fastest
 * of `runs` by the child's CPU time, as for user mode.
 */
export function benchQemuSystem(options: {
  runs?: number;
  minSeconds?: number;
  loops?: readonly string[];
  /** The expected `registerFold` after `checkIterations` of a loop (setway's own run); a mismatch throws. */
  expectedFold?: (loop: BenchLoop, iterations: number) => number;
  checkIterations?: number;
} = {}): BenchResult[] {
  const runs = options.runs ?? 3;
  const minSeconds = options.minSeconds ?? 1;
  const results: BenchResult[] = [];
  if (findTool(...LLVM_MC) === null) return results;
  const dir = mkdtempSync(join(tmpdir(), 'setway-bench-sys-'));
  try {
    for (const loop of QEMU_BENCH_LOOPS) {
      if (!(options.loops ?? ['a32-load-store', 'a64-load-store']).includes(loop.name)) continue;
      const group = loop.isa === 'a32' ? QEMU_SYSTEM_ARM : QEMU_SYSTEM_AARCH64;
      if (findTool(...group) === null) continue;
      const qemu = tool(group);
      const cpu = loop.isa === 'a32' ? 'cortex-a15' : 'cortex-a53';
      const image = (n: number): string => {
        const p = join(dir, `${loop.name}-${n}.bin`);
        writeFileSync(p, assemble(benchSystemImageSource(loop, n), loop.isa));
        return p;
      };
      // The image computes what setway computes (checked at a small count; the timed runs differ only in R0/X0).
      const check = options.checkIterations ?? 1000;
      const checked = systemRun(qemu, cpu, image(check));
      const want = options.expectedFold?.(loop, check);
      if (want !== undefined && checked.status !== want) throw new Error(`benchQemuSystem: ${loop.name} x${check} under ${qemu} exited ${checked.status}, setway's registers fold to ${want}`);
      const time = (path: string, n: number): number => Math.min(...Array.from({ length: n }, () => systemRun(qemu, cpu, path).seconds));
      const startup = time(image(0), runs);
      const { iterations, seconds } = scaledLoop(4_000_000, minSeconds, runs, startup, image, time);
      results.push({ name: `qemu-system ${loop.name}`, value: Math.round((iterations * loop.words.length) / seconds), unit: 'insn/s' });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of [...benchQemu(), ...benchQemuSystem()]) console.log(`${r.name}: ${(r.value / 1e6).toFixed(0)} M${r.unit}`);
}
