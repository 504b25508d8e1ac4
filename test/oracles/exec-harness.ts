/**
 * Batch execution oracle: many straight-line instruction sequences run in ONE QEMU user-mode
 * process. The harness program (built with llvm-mc + ld.lld) does, for each sequence:
 *
 *   copy the sequence's initial scratch bytes into the scratch buffer (fixed address SCRATCH_ADDRESS)
 *   load flags and every general register from the sequence's initial-state record
 *   run the sequence's instruction words, inline
 *   store every general register and the flags to the sequence's output record
 *     (the user read/write thread register, TPIDRURW / TPIDR_EL0, holds one register meanwhile)
 *   copy the scratch buffer out
 *
 * and at the end writes all output records to stdout with the write syscall. A sequence that
 * faults (SIGSEGV, SIGBUS, SIGILL...) is caught by a signal handler on an alternate stack, which
 * notes the signal, the fault address (siginfo si_addr) and the faulting PC (the ucontext's PC),
 * and resumes at the next sequence.
 */
import type { Isa } from './llvm-mc';
import { parseElf } from './elf';
import { linkProgram } from './link';
import { runUserElf } from './qemu-user';

/** Where the scratch buffer lives in the harness, and so where the executor under test must put it. */
export const SCRATCH_ADDRESS = 0x0080_0000;
export const SCRATCH_SIZE = 512;
export const TEXT_ADDRESS = 0x0001_0000;

/**
 * Register files as 32-bit words.
 * A32: 15 words, R0..R14. A64: 64 words, X0..X30 then SP, each as (low, high).
 */
export const REGISTER_WORDS: Readonly<Record<Isa, number>> = { a32: 15, a64: 64 };

/** Flags the harness loads and compares: A32 CPSR N Z C V Q [31:27] and GE [19:16]; A64 NZCV [31:28]. */
export const FLAG_MASK: Readonly<Record<Isa, number>> = { a32: 0xf80f0000, a64: 0xf0000000 };

export interface ExecState {
  readonly regs: Uint32Array;
  /** A32 CPSR (only FLAG_MASK bits are meaningful); A64 NZCV in bits [31:28]. */
  readonly flags: number;
  /** SCRATCH_SIZE bytes at SCRATCH_ADDRESS. */
  readonly scratch: Uint8Array;
}

export interface ExecCase {
  readonly code: Uint32Array;
  readonly initial: ExecState;
}

export type ExecOutcome =
  | { readonly kind: 'done'; readonly final: ExecState; /** Where the sequence's first word was in the run that produced this. */ readonly codeAddress: number }
  | {
      readonly kind: 'crashed';
      readonly detail: string;
      readonly codeAddress: number;
      /** The signal the harness caught (0 when the whole QEMU run failed), si_addr and the PC it was raised at (null: not recorded). */
      readonly signal: number;
      readonly faultAddress: bigint | null;
      readonly faultPc: bigint | null;
    };

/** Signals a faulting sequence raises: SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGSEGV (same numbers on Arm and AArch64 Linux). */
const FAULT_SIGNALS = [4, 5, 7, 8, 11];
const ALT_STACK_BYTES = 16384;

/**
 * AArch32 handler lines (r3 the sequence index, r1 siginfo, r2 ucontext) storing si_addr (siginfo
 * offset 12) and uc_mcontext.arm_pc (ucontext offset 92) in the sequence's 8-byte fault_info slot.
 */
export const A32_STORE_FAULT_INFO: readonly string[] = [
  '  ldr r12, =fault_info',
  '  add r12, r12, r3, lsl #3',
  '  ldr r0, [r1, #12]',
  '  str r0, [r12]',
  '  ldr r0, [r2, #92]',
  '  str r0, [r12, #4]',
];

/** Record sizes in bytes: the register file plus one flags word (A32) or SP already in regs plus NZCV (A64). */
const STATE_BYTES: Readonly<Record<Isa, number>> = { a32: 64, a64: 264 };
/** Per-sequence fault record after the state records: si_addr then the PC, one register each. */
const FAULT_INFO_BYTES: Readonly<Record<Isa, number>> = { a32: 8, a64: 16 };

function words(xs: ArrayLike<number>): string {
  const parts: string[] = [];
  for (let i = 0; i < xs.length; i++) parts.push(`0x${(xs[i] >>> 0).toString(16)}`);
  return parts.join(', ');
}

function stateWords(isa: Isa, s: ExecState): number[] {
  const out = Array.from(s.regs);
  if (isa === 'a32') out.push(s.flags >>> 0);
  else out.push(s.flags >>> 0, 0);
  return out;
}

function scratchWords(b: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < SCRATCH_SIZE; i += 4) out.push((b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0);
  return out;
}

/** Assembly source of the harness program for `cases`. */
export function harnessSource(isa: Isa, cases: readonly ExecCase[]): string {
  const L: string[] = [];
  const n = cases.length;
  const recordBytes = STATE_BYTES[isa] + SCRATCH_SIZE;
  if (isa === 'a32') {
    L.push('.syntax unified', '.arm', '.text', '.globl _start', '_start:');
    // sigaltstack(&ss, NULL) (syscall 186): the sequence's SP is arbitrary, the handler needs a stack.
    L.push('  ldr r0, =alt_stack_desc', '  mov r1, #0', '  mov r7, #186', '  svc #0');
    // rt_sigaction(sig, &act, NULL, 8) (syscall 174) for SIGILL 4, SIGTRAP 5, SIGBUS 7, SIGFPE 8, SIGSEGV 11.
    for (const sig of FAULT_SIGNALS) L.push(`  mov r0, #${sig}`, '  ldr r1, =fault_action', '  mov r2, #0', '  mov r3, #8', '  mov r7, #174', '  svc #0');
    L.push('  b seq_0_pre');
    // Handler (r0 signal, r1 siginfo, r2 ucontext): record the signal, si_addr (siginfo offset 12)
    // and uc_mcontext.arm_pc (ucontext offset 92) for the current sequence, and resume at the next
    // sequence's prologue by rewriting arm_pc.
    L.push(
      'on_fault:',
      '  ldr r3, =current_sequence',
      '  ldr r3, [r3]',
      '  ldr r12, =fault_status',
      '  strb r0, [r12, r3]',
      ...A32_STORE_FAULT_INFO,
      '  ldr r12, =resume_table',
      '  ldr r12, [r12, r3, lsl #2]',
      '  str r12, [r2, #92]',
      '  bx lr',
      'fault_restorer:',
      '  mov r7, #173', // rt_sigreturn
      '  svc #0',
      '.ltorg',
    );
    // r0 = source, r1 = destination, r2 = byte count (a non-zero multiple of 4); clobbers r3.
    L.push('copy_words:', '1: ldr r3, [r0], #4', '  str r3, [r1], #4', '  subs r2, r2, #4', '  bne 1b', '  bx lr');
    cases.forEach((c, i) => {
      L.push(
        `seq_${i}_pre:`,
        '  ldr r0, =current_sequence',
        `  ldr r1, =${i}`,
        '  str r1, [r0]',
        `  ldr r0, =in_scratch_${i}`,
        `  ldr r1, =${SCRATCH_ADDRESS}`,
        `  mov r2, #${SCRATCH_SIZE}`,
        '  bl copy_words',
        `  ldr r0, =in_state_${i}`,
        '  ldr r1, [r0, #60]',
        '  msr APSR_nzcvqg, r1',
        '  ldr sp, [r0, #52]',
        '  ldr lr, [r0, #56]',
        '  ldm r0, {r0-r12}',
        `seq_${i}:`,
        ...Array.from(c.code, (w) => `  .inst 0x${(w >>> 0).toString(16)}`),
        // TPIDRURW (c13, c0, 2) is writable at PL0 and unused by a static program without TLS.
        '  mcr p15, 0, r0, c13, c0, 2',
        `  ldr r0, =out_${i}`,
        '  stm r0, {r0-r12}',
        '  str sp, [r0, #52]',
        '  str lr, [r0, #56]',
        '  mrs r1, apsr',
        '  str r1, [r0, #60]',
        '  mrc p15, 0, r1, c13, c0, 2',
        '  str r1, [r0]',
        `  ldr r0, =${SCRATCH_ADDRESS}`,
        `  ldr r1, =out_${i} + ${STATE_BYTES.a32}`,
        `  mov r2, #${SCRATCH_SIZE}`,
        '  bl copy_words',
        `  b seq_${i + 1}_pre`,
        '.ltorg',
      );
    });
    L.push(
      `seq_${n}_pre:`,
      '  ldr r1, =out_0',
      `  ldr r2, =${n * (recordBytes + FAULT_INFO_BYTES.a32) + n}`,
      // write(1, buf, len) until all is written (syscall 4 in r7), then exit(0) (syscall 1).
      '2: mov r0, #1',
      '  mov r7, #4',
      '  svc #0',
      '  cmp r0, #0',
      '  ble 3f',
      '  add r1, r1, r0',
      '  subs r2, r2, r0',
      '  bne 2b',
      '  mov r0, #0',
      '  mov r7, #1',
      '  svc #0',
      '3: mov r0, #3',
      '  mov r7, #1',
      '  svc #0',
      '.ltorg',
    );
  } else {
    L.push('.text', '.globl _start', '_start:');
    // sigaltstack(&ss, NULL) (syscall 132): the sequence's SP is arbitrary, the handler needs a stack.
    L.push('  ldr x0, =alt_stack_desc', '  mov x1, #0', '  mov x8, #132', '  svc #0');
    // rt_sigaction(sig, &act, NULL, 8) (syscall 134).
    for (const sig of FAULT_SIGNALS) L.push(`  mov x0, #${sig}`, '  ldr x1, =fault_action', '  mov x2, #0', '  mov x3, #8', '  mov x8, #134', '  svc #0');
    L.push('  b seq_0_pre');
    // Handler (x0 signal, x1 siginfo, x2 ucontext): record the signal, si_addr (siginfo offset 16)
    // and uc_mcontext.pc (ucontext offset 440: 176 to the sigcontext, then 8 + 31*8 + 8), resume at
    // the next prologue by rewriting the PC.
    L.push(
      'on_fault:',
      '  ldr x3, =current_sequence',
      '  ldr w3, [x3]',
      '  ldr x4, =fault_status',
      '  strb w0, [x4, x3]',
      '  ldr x4, =fault_info',
      '  add x4, x4, x3, lsl #4',
      '  ldr x5, [x1, #16]',
      '  str x5, [x4]',
      '  ldr x5, [x2, #440]',
      '  str x5, [x4, #8]',
      '  ldr x4, =resume_table',
      '  ldr x4, [x4, x3, lsl #3]',
      '  str x4, [x2, #440]',
      '  ret',
      'fault_restorer:',
      '  mov x8, #139', // rt_sigreturn
      '  svc #0',
      '.ltorg',
    );
    // x0 = source, x1 = destination, x2 = byte count (a non-zero multiple of 8); clobbers x3.
    L.push('copy_words:', '1: ldr x3, [x0], #8', '  str x3, [x1], #8', '  subs x2, x2, #8', '  b.ne 1b', '  ret');
    cases.forEach((c, i) => {
      const loads: string[] = [];
      for (let r = 2; r <= 28; r += 2) loads.push(`  ldp x${r}, x${r + 1}, [x0, #${8 * r}]`);
      const stores: string[] = [];
      for (let r = 1; r <= 29; r += 2) stores.push(`  stp x${r}, x${r + 1}, [x0, #${8 * r}]`);
      L.push(
        `seq_${i}_pre:`,
        '  ldr x0, =current_sequence',
        `  ldr x1, =${i}`,
        '  str w1, [x0]',
        `  ldr x0, =in_scratch_${i}`,
        `  ldr x1, =${SCRATCH_ADDRESS}`,
        `  mov x2, #${SCRATCH_SIZE}`,
        '  bl copy_words',
        `  ldr x0, =in_state_${i}`,
        '  ldr x1, [x0, #256]',
        '  msr nzcv, x1',
        '  ldr x1, [x0, #248]',
        '  mov sp, x1',
        ...loads,
        '  ldr x30, [x0, #240]',
        '  ldr x1, [x0, #8]',
        '  ldr x0, [x0]',
        `seq_${i}:`,
        ...Array.from(c.code, (w) => `  .inst 0x${(w >>> 0).toString(16)}`),
        // TPIDR_EL0 is writable at EL0 and unused by a static program without TLS.
        '  msr tpidr_el0, x0',
        `  ldr x0, =out_${i}`,
        ...stores,
        '  mrs x1, nzcv',
        '  str x1, [x0, #256]',
        '  mov x1, sp',
        '  str x1, [x0, #248]',
        '  mrs x1, tpidr_el0',
        '  str x1, [x0]',
        `  ldr x0, =${SCRATCH_ADDRESS}`,
        `  ldr x1, =out_${i} + ${STATE_BYTES.a64}`,
        `  mov x2, #${SCRATCH_SIZE}`,
        '  bl copy_words',
        `  b seq_${i + 1}_pre`,
        '.ltorg',
      );
    });
    L.push(
      `seq_${n}_pre:`,
      '  ldr x1, =out_0',
      `  ldr x2, =${n * (recordBytes + FAULT_INFO_BYTES.a64) + n}`,
      // write(1, buf, len) until all is written (syscall 64 in x8), then exit(0) (syscall 93).
      '2: mov x0, #1',
      '  mov x8, #64',
      '  svc #0',
      '  cmp x0, #0',
      '  b.le 3f',
      '  add x1, x1, x0',
      '  subs x2, x2, x0',
      '  b.ne 2b',
      '  mov x0, #0',
      '  mov x8, #93',
      '  svc #0',
      '3: mov x0, #3',
      '  mov x8, #93',
      '  svc #0',
      '.ltorg',
    );
  }
  const ptr = isa === 'a32' ? '.word' : '.xword';
  L.push('.data', '.balign 8', 'resume_table:');
  for (let i = 0; i < n; i++) L.push(`  ${ptr} seq_${i + 1}_pre`);
  // struct sigaction as the kernel takes it: handler, flags, restorer, mask (8 bytes).
  // Flags SA_SIGINFO 0x4 | SA_ONSTACK 0x08000000 | SA_RESTORER 0x04000000 | SA_NODEFER 0x40000000.
  L.push('fault_action:', `  ${ptr} on_fault`, `  ${ptr} 0x4c000004`, `  ${ptr} fault_restorer`, '  .word 0, 0');
  // stack_t: ss_sp, ss_flags (int, padded on AArch64), ss_size.
  L.push('alt_stack_desc:', `  ${ptr} alt_stack`, isa === 'a32' ? '  .word 0' : '  .word 0, 0', `  ${ptr} ${ALT_STACK_BYTES}`);
  L.push('current_sequence:', '  .word 0');
  cases.forEach((c, i) => {
    L.push(`in_state_${i}:`, `  .word ${words(stateWords(isa, c.initial))}`, `in_scratch_${i}:`, `  .word ${words(scratchWords(c.initial.scratch))}`);
  });
  L.push('.bss', '.balign 8');
  for (let i = 0; i < n; i++) L.push(`out_${i}:`, `  .space ${recordBytes}`);
  // Written right after the records: each sequence's fault record, then one byte per sequence, the signal that ended it or 0.
  L.push('fault_info:', `  .space ${n * FAULT_INFO_BYTES[isa]}`);
  L.push('fault_status:', `  .space ${n}`, '.balign 16', 'alt_stack:', `  .space ${ALT_STACK_BYTES}`);
  L.push('.section .scratch, "aw", %nobits', `  .space ${SCRATCH_SIZE}`);
  return L.join('\n') + '\n';
}

function readState(isa: Isa, bytes: Uint8Array, off: number): ExecState {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const nregs = REGISTER_WORDS[isa];
  const regs = new Uint32Array(nregs);
  for (let r = 0; r < nregs; r++) regs[r] = dv.getUint32(off + 4 * r, true);
  const flags = dv.getUint32(off + 4 * nregs, true);
  const scratch = bytes.slice(off + STATE_BYTES[isa], off + STATE_BYTES[isa] + SCRATCH_SIZE);
  return { regs, flags, scratch };
}

export const SIGNAL_NAMES: Readonly<Record<number, string>> = { 4: 'SIGILL', 5: 'SIGTRAP', 7: 'SIGBUS', 8: 'SIGFPE', 11: 'SIGSEGV' };

/**
 * Run the cases in QEMU user mode in one process. A sequence that faults is caught by the
 * harness's signal handler and reported as crashed; should the whole process still die, the
 * batch is split in halves and rerun.
 */
export function runInQemu(isa: Isa, cases: readonly ExecCase[], options: { timeoutMs?: number } = {}): ExecOutcome[] {
  for (const c of cases) {
    if (c.initial.regs.length !== REGISTER_WORDS[isa]) throw new RangeError(`${isa} case needs ${REGISTER_WORDS[isa]} register words, got ${c.initial.regs.length}`);
    if (c.initial.scratch.length !== SCRATCH_SIZE) throw new RangeError(`scratch must be ${SCRATCH_SIZE} bytes, got ${c.initial.scratch.length}`);
  }
  if (cases.length === 0) return [];
  const elf = linkProgram(harnessSource(isa, cases), isa, { textAddress: TEXT_ADDRESS, sectionStarts: { '.scratch': SCRATCH_ADDRESS } });
  const syms = parseElf(elf);
  const addresses = cases.map((_, i) => syms.symbol(`seq_${i}`).value);
  const run = runUserElf(elf, isa, options);
  const recordBytes = STATE_BYTES[isa] + SCRATCH_SIZE;
  const n = cases.length;
  const info = FAULT_INFO_BYTES[isa];
  if (run.status === 0 && run.stdout.length === n * (recordBytes + info) + n) {
    const dv = new DataView(run.stdout.buffer, run.stdout.byteOffset, run.stdout.byteLength);
    const register = (off: number): bigint => (isa === 'a32' ? BigInt(dv.getUint32(off, true)) : dv.getBigUint64(off, true));
    return cases.map((_, i) => {
      const signal = run.stdout[n * (recordBytes + info) + i];
      if (signal !== 0) {
        const at = n * recordBytes + i * info;
        const faultAddress = register(at);
        const faultPc = register(at + info / 2);
        const detail = `signal ${signal} (${SIGNAL_NAMES[signal] ?? '?'}) at PC 0x${faultPc.toString(16)}, address 0x${faultAddress.toString(16)}`;
        return { kind: 'crashed', detail, codeAddress: addresses[i], signal, faultAddress, faultPc };
      }
      return { kind: 'done', final: readState(isa, run.stdout, i * recordBytes), codeAddress: addresses[i] };
    });
  }
  if (cases.length === 1) {
    const why = run.signal ? `signal ${run.signal}` : `exit status ${run.status}`;
    return [{ kind: 'crashed', detail: `${why}; ${run.stdout.length} bytes out; ${run.stderr.trim().slice(0, 300)}`, codeAddress: addresses[0], signal: 0, faultAddress: null, faultPc: null }];
  }
  const half = cases.length >> 1;
  return [...runInQemu(isa, cases.slice(0, half), options), ...runInQemu(isa, cases.slice(half), options)];
}
