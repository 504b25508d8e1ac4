/**
 * The batch execution oracle (test/oracles/exec-harness.ts) for T32 sequences: one qemu-arm
 * process runs every sequence in Thumb state. Each sequence's prologue, also T32, loads the
 * flags and R0-R14 from literals (values known when the program is generated), runs the
 * sequence, and its epilogue stores R0-R14, APSR and the scratch buffer as the A32 harness does.
 * The fault handler (A32) resumes at the next prologue with CPSR.T set and ITSTATE cleared.
 */
import { linkProgram } from './link';
import { parseElf } from './elf';
import { runUserElf } from './qemu-user';
import { A32_STORE_FAULT_INFO, SCRATCH_ADDRESS, SCRATCH_SIZE, TEXT_ADDRESS, type ExecCase, type ExecOutcome, type ExecState } from './exec-harness';
import { MemoryAbort } from '../../src/mmu/fault';
import { ScratchMemory } from './scratch-memory';

const FAULT_SIGNALS = [4, 5, 7, 8, 11];
const SIGNAL_NAMES: Readonly<Record<number, string>> = { 4: 'SIGILL', 5: 'SIGTRAP', 7: 'SIGBUS', 8: 'SIGFPE', 11: 'SIGSEGV' };
/** R0-R14 and APSR, then the scratch buffer. */
const STATE_BYTES = 64;
const ALT_STACK_BYTES = 16384;

const hex = (w: number): string => `0x${(w >>> 0).toString(16)}`;

/** A T32 encoding as an assembler directive: `.inst.n` for 16 bits, `.inst.w` for 32. */
export function t32Directive(w: number): string {
  return w > 0xffff ? `.inst.w ${hex(w)}` : `.inst.n ${hex(w)}`;
}

/** Bytes of a T32 sequence (halfwords, first halfword of a 32-bit encoding first). */
export function t32CodeBytes(code: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < code.length; i++) n += code[i] > 0xffff ? 4 : 2;
  return n;
}

/**
 * A case laid out by its generator as a whole image: T32 and A32 instructions, branch tables and
 * literals, as halfwords in memory order from the sequence's (word-aligned) start. The harness
 * places the image as data bytes, so both sides see the same bytes at the same offsets; the
 * sequence ends when execution reaches the end of the image in T32 state. `code` then only lists
 * the T32 instructions (for reports).
 */
export interface T32ImageCase extends ExecCase {
  readonly image: Uint16Array;
}

export function isT32ImageCase(c: ExecCase): c is T32ImageCase {
  return 'image' in c && c.image instanceof Uint16Array;
}

/** The sequence's code lines: its instructions, or its image as halfwords. */
function sequenceLines(c: ExecCase): string[] {
  if (!isT32ImageCase(c)) return Array.from(c.code, (w) => `  ${t32Directive(w)}`);
  const lines: string[] = [];
  for (let k = 0; k < c.image.length; k += 16) lines.push(`  .short ${Array.from(c.image.subarray(k, k + 16), hex).join(', ')}`);
  return lines;
}

export function harnessSourceT32(cases: readonly ExecCase[]): string {
  const L: string[] = ['.syntax unified', '.arm', '.text', '.globl _start', '_start:'];
  L.push('  ldr r0, =alt_stack_desc', '  mov r1, #0', '  mov r7, #186', '  svc #0');
  for (const sig of FAULT_SIGNALS) L.push(`  mov r0, #${sig}`, '  ldr r1, =fault_action', '  mov r2, #0', '  mov r3, #8', '  mov r7, #174', '  svc #0');
  L.push('  ldr r0, =seq_0_pre + 1', '  bx r0');
  // Handler (A32; r0 signal, r1 siginfo, r2 ucontext): note the signal, si_addr (siginfo +12) and
  // the PC, resume at the next prologue in T32 state: uc_mcontext.arm_pc at +92, arm_cpsr at +96
  // (T set, IT cleared).
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
    '  ldr r12, [r2, #96]',
    '  orr r12, r12, #0x20',
    '  bic r12, r12, #0x0600',
    '  bic r12, r12, #0xfc00',
    '  bic r12, r12, #0x06000000',
    '  str r12, [r2, #96]',
    '  bx lr',
    'fault_restorer:',
    '  mov r7, #173',
    '  svc #0',
    '.ltorg',
    '.thumb',
    'copy_words:',
    '1: ldr r3, [r0], #4',
    '  str r3, [r1], #4',
    '  subs r2, r2, #4',
    '  bne 1b',
    '  bx lr',
  );
  cases.forEach((c, i) => {
    const s = c.initial;
    L.push(
      '.balign 4',
      `seq_${i}_pre:`,
      '  ldr r0, =current_sequence',
      `  ldr r1, =${i}`,
      '  str r1, [r0]',
      `  ldr r0, =in_scratch_${i}`,
      `  ldr r1, =${SCRATCH_ADDRESS}`,
      `  mov r2, #${SCRATCH_SIZE}`,
      '  bl copy_words',
      `  ldr r0, =${hex(s.flags)}`,
      '  msr APSR_nzcvqg, r0',
      ...Array.from({ length: 13 }, (_, r) => `  ldr r${r}, =${hex(s.regs[r])}`),
      `  ldr lr, =${hex(s.regs[14])}`,
      `  ldr.w r12, =${hex(s.regs[13])}`,
      '  mov sp, r12',
      `  ldr.w r12, =${hex(s.regs[12])}`,
      `  b.w seq_${i}`,
      '.ltorg',
      '.balign 4',
      `seq_${i}:`,
      ...sequenceLines(c),
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
      `  ldr r1, =out_${i} + ${STATE_BYTES}`,
      `  mov r2, #${SCRATCH_SIZE}`,
      '  bl copy_words',
      `  b.w seq_${i + 1}_pre`,
      '.ltorg',
    );
  });
  const n = cases.length;
  const recordBytes = STATE_BYTES + SCRATCH_SIZE;
  L.push(
    '.balign 4',
    `seq_${n}_pre:`,
    '  ldr r1, =out_0',
    `  ldr r2, =${n * (recordBytes + 8) + n}`,
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
  L.push('.data', '.balign 8', 'resume_table:');
  for (let i = 0; i < n; i++) L.push(`  .word seq_${i + 1}_pre`);
  L.push('fault_action:', '  .word on_fault', '  .word 0x4c000004', '  .word fault_restorer', '  .word 0, 0');
  L.push('alt_stack_desc:', '  .word alt_stack', '  .word 0', `  .word ${ALT_STACK_BYTES}`);
  L.push('current_sequence:', '  .word 0');
  cases.forEach((c, i) => {
    const words: string[] = [];
    for (let k = 0; k < SCRATCH_SIZE; k += 4) {
      const b = c.initial.scratch;
      words.push(hex((b[k] | (b[k + 1] << 8) | (b[k + 2] << 16) | (b[k + 3] << 24)) >>> 0));
    }
    L.push(`in_scratch_${i}:`, `  .word ${words.join(', ')}`);
  });
  L.push('.bss', '.balign 8');
  for (let i = 0; i < n; i++) L.push(`out_${i}:`, `  .space ${recordBytes}`);
  L.push('fault_info:', `  .space ${8 * n}`);
  L.push('fault_status:', `  .space ${n}`, '.balign 16', 'alt_stack:', `  .space ${ALT_STACK_BYTES}`);
  L.push('.section .scratch, "aw", %nobits', `  .space ${SCRATCH_SIZE}`);
  return L.join('\n') + '\n';
}

function readState(bytes: Uint8Array, off: number): ExecState {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const regs = new Uint32Array(15);
  for (let r = 0; r < 15; r++) regs[r] = dv.getUint32(off + 4 * r, true);
  return { regs, flags: dv.getUint32(off + 60, true), scratch: bytes.slice(off + STATE_BYTES, off + STATE_BYTES + SCRATCH_SIZE) };
}

/** Run the T32 cases in one qemu-arm process (halving the batch should the process itself die). */
export function runInQemuT32(cases: readonly ExecCase[]): ExecOutcome[] {
  if (cases.length === 0) return [];
  const elf = linkProgram(harnessSourceT32(cases), 'a32', { textAddress: TEXT_ADDRESS, sectionStarts: { '.scratch': SCRATCH_ADDRESS } });
  const syms = parseElf(elf);
  const addresses = cases.map((_, i) => syms.symbol(`seq_${i}`).value & ~1);
  const run = runUserElf(elf, 'a32');
  const recordBytes = STATE_BYTES + SCRATCH_SIZE;
  const n = cases.length;
  if (run.status === 0 && run.stdout.length === n * (recordBytes + 8) + n) {
    const dv = new DataView(run.stdout.buffer, run.stdout.byteOffset, run.stdout.byteLength);
    return cases.map((_, i) => {
      const signal = run.stdout[n * (recordBytes + 8) + i];
      if (signal !== 0) {
        const faultAddress = BigInt(dv.getUint32(n * recordBytes + 8 * i, true));
        const faultPc = BigInt(dv.getUint32(n * recordBytes + 8 * i + 4, true));
        const detail = `signal ${signal} (${SIGNAL_NAMES[signal] ?? '?'}) at PC 0x${faultPc.toString(16)}, address 0x${faultAddress.toString(16)}`;
        return { kind: 'crashed', detail, codeAddress: addresses[i], signal, faultAddress, faultPc };
      }
      return { kind: 'done', final: readState(run.stdout, i * recordBytes), codeAddress: addresses[i] };
    });
  }
  if (n === 1) {
    const why = run.signal ? `signal ${run.signal}` : `exit status ${run.status}`;
    return [{ kind: 'crashed', detail: `${why}; ${run.stdout.length} bytes out; ${run.stderr.trim().slice(0, 300)}`, codeAddress: addresses[0], signal: 0, faultAddress: null, faultPc: null }];
  }
  const half = n >> 1;
  return [...runInQemuT32(cases.slice(0, half)), ...runInQemuT32(cases.slice(half))];
}

/** The scratch buffer and a T32 sequence's halfwords at `codeAddress`, for our executor. */
export class T32ScratchMemory extends ScratchMemory {
  private readonly halfwords: Uint16Array;

  constructor(initialScratch: Uint8Array, codeAddress: number, code: Uint32Array) {
    super(initialScratch, codeAddress, code);
    const hws: number[] = [];
    for (const w of code) {
      if (w > 0xffff) hws.push(w >>> 16, w & 0xffff);
      else hws.push(w);
    }
    this.halfwords = Uint16Array.from(hws);
  }

  override fetch16(va: number): number {
    const i = (va - this.codeAddress) / 2;
    if (!Number.isInteger(i) || i < 0 || i >= this.halfwords.length) {
      this.outside ??= { address: va, size: 2, write: false };
      throw new MemoryAbort({ kind: 'translation', stage: 1, level: 3, access: 'fetch', va, ipa: va, s1ptw: false });
    }
    return this.halfwords[i];
  }
}

/**
 * The scratch buffer and a T32ImageCase's image at `codeAddress`: fetched as T32 halfwords or A32
 * words, and readable as data (literal loads and table branches read it, as QEMU reads its text).
 */
export class T32ImageMemory extends ScratchMemory {
  private readonly end: number;

  constructor(
    initialScratch: Uint8Array,
    codeAddress: number,
    private readonly image: Uint16Array,
  ) {
    super(initialScratch, codeAddress, new Uint32Array(0));
    this.end = codeAddress + 2 * image.length;
  }

  private inImage(va: number, size: number): boolean {
    return va >= this.codeAddress && va + size <= this.end;
  }

  private byte(va: number): number {
    const h = this.image[(va - this.codeAddress) >>> 1];
    return (va - this.codeAddress) & 1 ? h >>> 8 : h & 0xff;
  }

  private imageRead(va: number, size: number): number {
    let v = 0;
    for (let k = size - 1; k >= 0; k--) v = (v << 8) | this.byte(va + k);
    return v >>> 0;
  }

  /** A data read of the image, logged as the scratch buffer's are. */
  private dataRead(va: number, size: number): number {
    this.log.push({ address: va, size, write: false });
    return this.imageRead(va, size);
  }

  override read8(va: number): number {
    return this.inImage(va, 1) ? this.dataRead(va, 1) : super.read8(va);
  }
  override read16(va: number): number {
    return this.inImage(va, 2) ? this.dataRead(va, 2) : super.read16(va);
  }
  override read32(va: number): number {
    return this.inImage(va, 4) ? this.dataRead(va, 4) : super.read32(va);
  }

  override fetch16(va: number): number {
    if (va % 2 !== 0 || !this.inImage(va, 2)) return this.refuseFetch(va, 2);
    return this.imageRead(va, 2);
  }
  override fetch32(va: number): number {
    if (va % 4 !== 0 || !this.inImage(va, 4)) return this.refuseFetch(va, 4);
    return this.imageRead(va, 4);
  }

  private refuseFetch(va: number, size: number): never {
    this.outside ??= { address: va, size, write: false };
    throw new MemoryAbort({ kind: 'translation', stage: 1, level: 3, access: 'fetch', va, ipa: va, s1ptw: false });
  }
}
