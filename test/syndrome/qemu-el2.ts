/**
 * The QEMU side of the syndrome differentials: a bare-metal image that starts at EL2 in
 * qemu-system-aarch64 (virt, virtualization=on), optionally installs a stage-2 table, sets
 * HCR_EL2, and drops to EL1: first in AArch64, then (after `hvc #1`) in AArch32 SVC mode, which
 * ends with `hvc #2`. Every exception taken to EL2 reaches one handler that prints ESR_EL2, FAR_EL2
 * and HPFAR_EL2 on the UART and returns to EL1:
 * - HVC: to the next instruction (the preferred return address already is);
 * - Instruction Abort: to the guest's link register (X30; LR_svc = X18 from AArch32), so a row can
 *   branch with link to an unmapped IPA;
 * - anything else: past the instruction (2 bytes for a 16-bit T32 one, IL = 0, else 4), leaving
 *   any IT block.
 * The handler saves and restores every register it uses, so the EL1 code sees no change.
 *
 * EL1 code is assembled on its own (llvm-mc, then llvm-objcopy to raw bytes) and included in the
 * image with .incbin, so setway runs exactly the bytes QEMU runs (see `El2Double`).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { El2Gate, TrapDetail, TrappedVcpu } from '../../src/exec/el2-gate';
import { LD_LLD, LLVM_MC, LLVM_OBJCOPY, OracleError, QEMU_SYSTEM_AARCH64, oraclesAvailable, tool } from '../oracles/tools';

/** True when llvm-mc, ld.lld, llvm-objcopy and qemu-system-aarch64 are present (CI: required). */
export function qemuEl2Available(what: string): boolean {
  return oraclesAvailable(what, LLVM_MC, LD_LLD, QEMU_SYSTEM_AARCH64, LLVM_OBJCOPY);
}

/** Where EL1 code starts in setway's runs (QEMU places it inside its image; the code is position independent). */
export const EL1_BASE = 0x40080000;
/** `hvc #1` ends the AArch64 part, `hvc #2` the AArch32 part. */
export const END_A64 = 1;
export const END_A32 = 2;
/** `hvc #(ROW_MARK + k)` starts row k: the records up to the next mark belong to that row. */
export const ROW_MARK = 0x8000;

/** One exception taken to EL2, as its handler saw it. */
export interface El2Record {
  readonly esr: number;
  readonly far: number;
  readonly hpfar: number;
}

export function run(cmd: string, args: string[], cwd: string, timeout = 60_000): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout });
  // QEMU exits 0 on the SIGTERM of a timeout: the error says it was stopped.
  if (r.error !== undefined || r.status !== 0) throw new OracleError(cmd, `${args.join(' ')} failed (${r.error?.message ?? r.status}): ${r.stderr}`);
  return r.stdout;
}

export type El1Target = 'a64' | 'a32';

/** Assemble EL1 code to raw bytes (`dir/name.bin`). A32 sources may switch to T32 themselves. */
export function assembleEl1(dir: string, name: string, source: string, target: El1Target): Uint8Array {
  const triple = target === 'a64' ? ['-triple=aarch64'] : ['-triple=armv8a', '-mattr=+virtualization,+trustzone'];
  writeFileSync(join(dir, `${name}.s`), `${source}\n`);
  run(tool(LLVM_MC), [...triple, '-filetype=obj', '-o', `${name}.o`, `${name}.s`], dir);
  run(tool(LLVM_OBJCOPY), ['-O', 'binary', '-j', '.text', `${name}.o`, `${name}.bin`], dir);
  return new Uint8Array(readFileSync(join(dir, `${name}.bin`)));
}

/**
 * A stage-2 layout (VMSAv8-64, 4 KB granule, 32-bit IPA from level 1, IPA = PA), the same one
 * `installStage2Layout` builds in setway's p2m. Everything not listed is unmapped:
 * level 1 faults below 0x40000000 and from 0x80000000, level 2 from 0x40600000, level 3 from
 * 0x40202000 to 0x403FFFFF.
 */
export const STAGE2 = {
  /** 2 MiB block, read/write: the image, its EL2 stack and the EL1 code. */
  code: { ipa: 0x40000000, size: 0x200000 },
  /** 4 KB page, read/write. */
  dataPage: { ipa: 0x40200000, size: 0x1000 },
  /** 4 KB page, read-only. */
  readOnlyPage: { ipa: 0x40201000, size: 0x1000 },
  /** 2 MiB block, read-only. */
  readOnlyBlock: { ipa: 0x40400000, size: 0x200000 },
  /** Addresses that fault at each level (translation faults). */
  unmappedLevel1: 0x80000000,
  unmappedLevel2: 0x40600000,
  unmappedLevel3: 0x40202000,
} as const;

// Stage 2 descriptors (D8.3): [1:0] block 01 / page 11, MemAttr[5:2] 1111 (Normal Write-Back),
// S2AP[7:6] 11 read/write or 01 read-only, SH[9:8] 11, AF[10] 1.
const S2_BLOCK_RW = 0x7fd;
const S2_BLOCK_RO = 0x77d;
const S2_PAGE_RW = 0x7ff;
const S2_PAGE_RO = 0x77f;
/** VTCR_EL2: T0SZ 32, SL0 01 (start at level 1), IRGN0/ORGN0 Write-Back, SH0 Inner, TG0 4 KB, PS 32 bits, bit 31 RES1. */
const VTCR = 0x80003560;

const STAGE2_TABLES = `
    .balign 4096
s2_l1:
    .quad 0
    .quad s2_l2 + 3
    .quad 0
    .quad 0
    .balign 4096
s2_l2:
    .quad ${STAGE2.code.ipa} + ${S2_BLOCK_RW}
    .quad s2_l3 + 3
    .quad ${STAGE2.readOnlyBlock.ipa} + ${S2_BLOCK_RO}
    .fill 509, 8, 0
s2_l3:
    .quad ${STAGE2.dataPage.ipa} + ${S2_PAGE_RW}
    .quad ${STAGE2.readOnlyPage.ipa} + ${S2_PAGE_RO}
    .fill 510, 8, 0
`;

export interface El2ImageOptions {
  /** HCR_EL2 for the AArch64 part (RW is added) and for the AArch32 part. */
  readonly hcrA64: number;
  readonly hcrA32: number;
  /** EL1 code, without the final HVCs (added here). */
  readonly a64Source: string;
  readonly a32Source: string;
  /** Install the `STAGE2` layout (VTTBR_EL2, VTCR_EL2) before entering EL1; HCR.VM is the caller's. */
  readonly stage2?: boolean;
}

export interface El2Run {
  /** Records in the order QEMU took the exceptions. */
  readonly records: El2Record[];
  /** The EL1 bytes QEMU ran, for setway to run. */
  readonly a64: Uint8Array;
  readonly a32: Uint8Array;
}

const HANDLER = `
handler:
    stp x0, x1, [sp, #-96]!
    stp x2, x3, [sp, #16]
    stp x4, x5, [sp, #32]
    stp x6, x7, [sp, #48]
    stp x8, x30, [sp, #64]
    mrs x0, esr_el2
    mov x1, #8
    bl puthex
    mrs x0, far_el2
    mov x1, #16
    bl puthex
    mrs x0, hpfar_el2
    mov x1, #16
    bl puthex
    mov x6, #10
    str w6, [x4]
    mrs x0, esr_el2
    lsr x1, x0, #26
    and x2, x0, #0xffff
    cmp x1, #0x16               // HVC from AArch64: hvc #1 ends the part, others return
    b.ne 1f
    cmp x2, #${END_A64}
    b.eq to_aarch32
    b resume
1:  cmp x1, #0x12               // HVC from AArch32: hvc #2 ends the run
    b.ne 2f
    cmp x2, #${END_A32}
    b.eq finish
    b resume
2:  cmp x1, #0x20               // Instruction Abort: back to the link register
    b.ne 3f
    mrs x2, spsr_el2
    ldr x3, [sp, #72]           // X30 as saved
    tbz x2, #4, 4f
    mov x3, x18                 // AArch32: LR_svc
4:  msr elr_el2, x3
    b resume
3:  mrs x2, elr_el2             // skip the instruction
    add x2, x2, #4
    mrs x3, spsr_el2
    tbz x3, #5, 5f              // not T32
    tbnz x0, #25, 5f            // IL = 1: 32-bit
    sub x2, x2, #2
5:  msr elr_el2, x2
    ldr x5, =~((3 << 25) | (0x3f << 10))
    and x3, x3, x5              // leave the IT block
    msr spsr_el2, x3
resume:
    ldp x8, x30, [sp, #64]
    ldp x6, x7, [sp, #48]
    ldp x4, x5, [sp, #32]
    ldp x2, x3, [sp, #16]
    ldp x0, x1, [sp], #96
    eret
puthex:                         // x1 hex digits of x0 and a space on the PL011 UART (x4 = UART)
    ldr x4, =0x09000000
    sub x1, x1, #1
    lsl x5, x1, #2
6:  lsr x6, x0, x5
    and x6, x6, #15
    cmp x6, #10
    add x7, x6, #'0'
    add x8, x6, #('a' - 10)
    csel x6, x7, x8, lo
    str w6, [x4]
    subs x5, x5, #4
    b.ge 6b
    mov x6, #' '
    str w6, [x4]
    ret
`;

function imageSource(o: El2ImageOptions): string {
  const stage2Setup = o.stage2
    ? `    adr x0, s2_l1
    msr vttbr_el2, x0
    ldr x0, =${VTCR}
    msr vtcr_el2, x0
`
    : '';
  return `
    .section .text.boot, "ax"
    .global _start
_start:
    ldr x0, =0x40100000
    mov sp, x0
    adr x0, vectors
    msr vbar_el2, x0
${stage2Setup}    ldr x0, =${o.hcrA64}
    msr hcr_el2, x0
    mov x0, #0x3c5              // EL1h, DAIF masked
    msr spsr_el2, x0
    adr x0, el1_a64
    msr elr_el2, x0
    isb
    eret
${HANDLER}
to_aarch32:
    ldr x0, =${o.hcrA32}
    msr hcr_el2, x0
    mov x0, #0x1d3              // AArch32 SVC mode, AIF masked
    msr spsr_el2, x0
    adr x0, el1_a32
    msr elr_el2, x0
    isb
    eret
finish:
    ldr x2, =0x20026            // semihosting SYS_EXIT: block {ADP_Stopped_ApplicationExit, 0}
    stp x2, xzr, [sp, #-16]!
    mov x1, sp
    mov x0, #0x18
    hlt #0xf000
    .ltorg
    .balign 4
el1_a64:
    .incbin "el1a64.bin"
    .balign 4
el1_a32:
    .incbin "el1a32.bin"
    .balign 2048
vectors:
    .org vectors + 0x400
    b handler
    .org vectors + 0x600
    b handler
    .org vectors + 0x800
${o.stage2 ? STAGE2_TABLES : ''}
`;
}

/** Parse the handler's lines: ESR (8 digits), FAR and HPFAR (16 digits each). */
export function parseRecords(out: string): El2Record[] {
  const records: El2Record[] = [];
  for (const line of out.split('\n')) {
    const m = /^([0-9a-f]{8}) ([0-9a-f]{16}) ([0-9a-f]{16})\s*$/.exec(line.trim() + ' ');
    if (m === null) continue;
    records.push({ esr: Number.parseInt(m[1], 16), far: Number.parseInt(m[2], 16), hpfar: Number.parseInt(m[3], 16) });
  }
  return records;
}

/** Build the image in `dir` and run it under QEMU (Cortex-A57, EL2 in AArch64). */
export function runQemuEl2(dir: string, o: El2ImageOptions): El2Run {
  const a64 = assembleEl1(dir, 'el1a64', `${o.a64Source}\n    hvc #${END_A64}\n`, 'a64');
  const a32 = assembleEl1(dir, 'el1a32', `.syntax unified\n.arm\n${o.a32Source}\n    hvc #${END_A32}\n`, 'a32');
  writeFileSync(join(dir, 'el2.s'), imageSource(o));
  writeFileSync(join(dir, 'link.ld'), 'ENTRY(_start)\nSECTIONS { . = 0x40000000; .text : { *(.text.boot) *(.text*) } }\n');
  run(tool(LLVM_MC), ['-triple=aarch64', '-filetype=obj', '-o', 'el2.o', 'el2.s'], dir);
  run(tool(LD_LLD), ['-T', 'link.ld', '-o', 'img.elf', 'el2.o'], dir);
  const out = run(
    tool(QEMU_SYSTEM_AARCH64),
    ['-M', 'virt,virtualization=on', '-cpu', 'cortex-a57', '-nographic', '-semihosting', '-monitor', 'none', '-kernel', 'img.elf'],
    dir,
    30_000,
  );
  return { records: parseRecords(out), a64, a32 };
}

/**
 * setway's stand-in for the image's EL2 handler: records what the executor hands EL2 and returns
 * as that handler does (`returnToLink` sets the PC to the guest's link register after an
 * Instruction Abort). `hvc #1` and `hvc #2` halt the executor.
 */
export class El2Double implements El2Gate {
  readonly records: El2Record[] = [];
  hcrHigh = 0;
  constructor(
    public hcr: number,
    private readonly returnToLink: () => void = () => {
      throw new Error('an instruction abort where none was expected');
    },
  ) {}
  takeTrap(esr: number, detail: TrapDetail, vcpu: TrappedVcpu): void {
    this.records.push({ esr: esr >>> 0, far: detail.far, hpfar: detail.hpfar });
    const ec = esr >>> 26;
    const imm = esr & 0xffff;
    if ((ec === 0x16 && imm === END_A64) || (ec === 0x12 && imm === END_A32)) vcpu.halt('end of part');
    else if (ec === 0x16 || ec === 0x12) return;
    else if (ec === 0x20) this.returnToLink();
    else vcpu.skipInstruction();
  }
}

/** True for an HVC record (from AArch64 or AArch32) with immediate `imm`. */
function isHvc(r: El2Record, imm: number): boolean {
  const ec = r.esr >>> 26;
  return (ec === 0x16 || ec === 0x12) && (r.esr & 0xffff) === imm;
}

/**
 * Split records at the row marks (`hvc #(ROW_MARK + k)`): result[k] holds what row k raised,
 * the marks and the parts' final HVCs left out. Throws when a mark is missing or out of order.
 */
export function recordsByRow(records: readonly El2Record[], rows: number): El2Record[][] {
  const out: El2Record[][] = [];
  let current: El2Record[] | null = null;
  for (const r of records) {
    if (isHvc(r, END_A64) || isHvc(r, END_A32)) {
      current = null;
      continue;
    }
    const ec = r.esr >>> 26;
    const imm = r.esr & 0xffff;
    if ((ec === 0x16 || ec === 0x12) && imm >= ROW_MARK) {
      if (imm - ROW_MARK !== out.length) throw new Error(`row mark ${imm - ROW_MARK} where ${out.length} was expected`);
      current = [];
      out.push(current);
      continue;
    }
    if (current === null) throw new Error(`record 0x${r.esr.toString(16)} outside any row`);
    current.push(r);
  }
  if (out.length !== rows) throw new Error(`${out.length} row marks, ${rows} rows`);
  return out;
}

/** The marker that opens row k in EL1 code (A64 and A32/T32 alike). */
export function rowMark(k: number): string {
  return `hvc #${ROW_MARK + k}`;
}
