/**
 * The rows of the stage-2 abort differential (qemu-stage2.test.ts): loads and stores of every size,
 * signedness and addressing form, pairs, exclusives, acquire/release, unprivileged forms, cache
 * maintenance by address, DC ZVA and instruction fetches, to IPAs the `STAGE2` layout leaves
 * unmapped at level 1, 2 and 3 or maps read-only, with the transfer register running through
 * every register (X30/XZR, R13/R14 included). Each row sets its registers itself (MOVZ/MOVK,
 * MOVW/MOVT: no literal loads), so both sides start it from the same values.
 */
import { STAGE2 } from './qemu-el2';
import type { Row } from './row-compare';

export interface SourceRow extends Row {
  readonly setup: readonly string[];
}

/** Target addresses: 16-byte aligned (exclusive pairs need it), not page-aligned (FAR shows the offset). */
export const TARGET = {
  L1: STAGE2.unmappedLevel1 + 0x10,
  L2: STAGE2.unmappedLevel2 + 0x20,
  L3: STAGE2.unmappedLevel3 + 0x30,
  readOnlyPage: STAGE2.readOnlyPage.ipa + 0x40,
  readOnlyBlock: STAGE2.readOnlyBlock.ipa + 0x50,
} as const;
type Level = 'L1' | 'L2' | 'L3';
const LEVELS: readonly Level[] = ['L1', 'L2', 'L3'];

// ---------------------------------------------------------------- A64

function x(n: number): string {
  return n === 31 ? 'xzr' : `x${n}`;
}
function w(n: number): string {
  return n === 31 ? 'wzr' : `w${n}`;
}
/** Xn <- value (a 32-bit value or a small negative one). */
function setX(n: number, value: number): string[] {
  if (value < 0) return [`mov x${n}, #${value}`];
  return [`movz x${n}, #${value & 0xffff}`, `movk x${n}, #${value >>> 16}, lsl #16`];
}
/** A base register other than `avoid` (never 31: that is SP as a base). */
function baseFor(k: number, ...avoid: number[]): number {
  let n = (k * 7 + 3) % 31;
  while (avoid.includes(n)) n = (n + 1) % 31;
  return n;
}

const A64_LOADS: readonly (readonly [string, 'w' | 'x'])[] = [
  ['ldrb', 'w'],
  ['ldrsb', 'w'],
  ['ldrsb', 'x'],
  ['ldrh', 'w'],
  ['ldrsh', 'w'],
  ['ldrsh', 'x'],
  ['ldr', 'w'],
  ['ldrsw', 'x'],
  ['ldr', 'x'],
];
const A64_STORES: readonly (readonly [string, 'w' | 'x'])[] = [
  ['strb', 'w'],
  ['strh', 'w'],
  ['str', 'w'],
  ['str', 'x'],
];

function a64(cls: string, what: string, setup: string[]): SourceRow {
  return { isa: 'A64', cls, what, setup };
}

function a64Rows(): SourceRow[] {
  const rows: SourceRow[] = [];
  let k = 0;
  // Every size and signedness at every level, Rt through X0..X30 and XZR.
  for (const level of LEVELS) {
    for (const [mn, r] of [...A64_LOADS, ...A64_STORES]) {
      const rt = k % 32;
      const rn = baseFor(k, rt);
      rows.push(a64(`data ${level}`, `${mn} ${r === 'w' ? w(rt) : x(rt)}, [x${rn}]`, setX(rn, TARGET[level])));
      k++;
    }
  }
  const t = TARGET.L3;
  const add = (what: string, setup: string[], cls = 'data L3'): void => void rows.push(a64(cls, what, setup));
  // Addressing forms (ISV=1 without writeback, ISV=0 with it).
  add('ldr x3, [x4, #24]', setX(4, t - 24));
  add('ldrsh w5, [x6, #6]', setX(6, t - 6));
  add('strb w7, [x8, #4095]', setX(8, t - 4095));
  add('ldur x9, [x10, #-8]', setX(10, t + 8));
  add('ldursb x11, [x12, #-1]', setX(12, t + 1));
  add('sturh w13, [x14, #255]', setX(14, t - 255));
  add('ldr x5, [x6, x7]', [...setX(6, t - 16), ...setX(7, 16)]);
  add('ldrsh w8, [x9, x10, lsl #1]', [...setX(9, t - 8), ...setX(10, 4)]);
  add('ldr w11, [x12, w13, sxtw]', [...setX(12, t + 16), ...setX(13, -16)]);
  add('str x14, [x15, w16, uxtw #3]', [...setX(15, t - 16), ...setX(16, 2)]);
  add('ldr x17, [x18, #16]!', setX(18, t - 16));
  add('ldr x19, [x20], #-16', setX(20, t));
  add('str w21, [x22, #-8]!', setX(22, t + 8));
  add('strh w23, [x24], #2', setX(24, t));
  add('ldrsb x25, [x26, #1]!', setX(26, t - 1));
  add('ldrsw x27, [x28], #4', setX(28, t));
  // Unprivileged, acquire/release, exclusives.
  add('ldtr x1, [x2]', setX(2, t));
  add('ldtrsb w3, [x4]', setX(4, t));
  add('ldtrsw x5, [x6, #8]', setX(6, t - 8));
  add('sttrh w7, [x8]', setX(8, t));
  add('ldar x1, [x2]', setX(2, t));
  add('ldarb w3, [x4]', setX(4, t));
  add('ldarh w5, [x6]', setX(6, t));
  add('ldar w7, [x8]', setX(8, t));
  add('stlr x9, [x10]', setX(10, t));
  add('stlrb w11, [x12]', setX(12, t));
  add('stlrh w13, [x14]', setX(14, t));
  add('stlr w30, [x29]', setX(29, t));
  add('ldxr x1, [x2]', setX(2, t));
  add('ldxrb w3, [x4]', setX(4, t));
  add('ldaxr w5, [x6]', setX(6, t));
  add('stxr w7, x8, [x9]', setX(9, t));
  add('stlxrh w10, w11, [x12]', setX(12, t));
  add('ldxp x13, x14, [x15]', setX(15, t));
  add('stxp w16, x17, x18, [x19]', setX(19, t));
  add('ldaxp w20, w21, [x22]', setX(22, t));
  // Pairs.
  add('ldp x1, x2, [x3]', setX(3, t));
  add('ldp w4, w5, [x6, #8]', setX(6, t - 8));
  add('ldpsw x7, x8, [x9]', setX(9, t));
  add('stp x10, x11, [x12]', setX(12, t));
  add('stp w13, w14, [x15, #-8]', setX(15, t + 8));
  add('ldnp x16, x17, [x18]', setX(18, t));
  add('stnp w19, w20, [x21]', setX(21, t));
  add('ldp x22, x23, [x24, #16]!', setX(24, t - 16));
  add('stp x25, x26, [x27], #16', setX(27, t));
  add('ldp x29, x30, [x28]', setX(28, t));
  // X30 and XZR, a base that is also the destination.
  add('ldr x30, [x1]', setX(1, t));
  add('str x30, [x2]', setX(2, t));
  add('ldr x3, [x30]', setX(30, t));
  add('str xzr, [x4]', setX(4, t));
  add('ldr wzr, [x5]', setX(5, t));
  add('ldr x6, [x6]', setX(6, t));
  // Permission faults: stores to read-only memory (a page at level 3, a block at level 2); loads there succeed.
  for (const [cls, target] of [
    ['permission L3', TARGET.readOnlyPage],
    ['permission L2', TARGET.readOnlyBlock],
  ] as const) {
    add('strb w1, [x2]', setX(2, target), cls);
    add('strh w3, [x4]', setX(4, target), cls);
    add('str w5, [x6]', setX(6, target), cls);
    add('str x7, [x8, #8]', setX(8, target - 8), cls);
    add('stur x30, [x9, #-4]', setX(9, target + 4), cls);
    add('stp x10, x11, [x12]', setX(12, target), cls);
    add('str x13, [x14], #8', setX(14, target), cls);
    add('stlr w15, [x16]', setX(16, target), cls);
    add('sttr x17, [x18]', setX(18, target), cls);
    add('stxr w19, x20, [x21]', [...setX(21, target), `ldxr x20, [x21]`], cls);
    add('ldr x22, [x23]', setX(23, target), cls);
    add('ldp x24, x25, [x26]', setX(26, target), cls);
  }
  // Cache maintenance by address and DC ZVA (CM, WnR), instruction fetches.
  for (const level of LEVELS) {
    const a = TARGET[level];
    add('dc civac, x1', setX(1, a), `maintenance ${level}`);
    add('dc cvac, x2', setX(2, a), `maintenance ${level}`);
    add('dc ivac, x3', setX(3, a), `maintenance ${level}`);
    add('dc cvau, x4', setX(4, a), `maintenance ${level}`);
    add('ic ivau, x5', setX(5, a), `maintenance ${level}`);
    add('dc zva, x6', setX(6, a), `maintenance ${level}`);
    add('blr x9', setX(9, a), `fetch ${level}`);
  }
  add('dc zva, x7', setX(7, TARGET.readOnlyPage), 'maintenance permission');
  add('dc ivac, x8', setX(8, TARGET.readOnlyPage), 'maintenance permission');
  add('dc civac, x9', setX(9, TARGET.readOnlyPage), 'maintenance permission');
  return rows;
}

// ---------------------------------------------------------------- A32

/** Rn <- value with MOVW/MOVT. */
function setR(n: number, value: number): string[] {
  const v = value >>> 0;
  return [`movw r${n}, #${v & 0xffff}`, `movt r${n}, #${v >>> 16}`];
}
const A32_REGS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14];
function r(n: number): string {
  return n === 13 ? 'sp' : n === 14 ? 'lr' : `r${n}`;
}
function a32Base(k: number, ...avoid: number[]): number {
  let n = (k * 5 + 2) % 13;
  while (avoid.includes(n)) n = (n + 1) % 13;
  return n;
}

function a32(cls: string, what: string, setup: string[]): SourceRow {
  return { isa: 'A32', cls, what, setup };
}

function a32Rows(): SourceRow[] {
  const rows: SourceRow[] = [];
  let k = 0;
  for (const level of LEVELS) {
    for (const mn of ['ldr', 'ldrb', 'ldrh', 'ldrsb', 'ldrsh', 'str', 'strb', 'strh']) {
      const rt = A32_REGS[k % A32_REGS.length];
      const rn = a32Base(k, rt);
      rows.push(a32(`data ${level}`, `${mn} ${r(rt)}, [r${rn}]`, setR(rn, TARGET[level])));
      k++;
    }
    const rt = (k % 6) * 2;
    rows.push(a32(`data ${level}`, `ldrd r${rt}, r${rt + 1}, [r12]`, setR(12, TARGET[level])));
    rows.push(a32(`data ${level}`, `strd r${rt}, r${rt + 1}, [r12]`, setR(12, TARGET[level])));
    k++;
  }
  const t = TARGET.L3;
  const add = (what: string, setup: string[], cls = 'data L3'): void => void rows.push(a32(cls, what, setup));
  add('ldr r1, [r2, #8]', setR(2, t - 8));
  add('ldrh r3, [r4, #-6]', setR(4, t + 6));
  add('ldr r5, [r6, r7]', [...setR(6, t - 16), ...setR(7, 16)]);
  add('ldrsb r8, [r9, -r10]', [...setR(9, t + 4), ...setR(10, 4)]);
  add('str r11, [r12, r0, lsl #2]', [...setR(12, t - 8), ...setR(0, 2)]);
  add('ldr r1, [r2, #4]!', setR(2, t - 4));
  add('ldrb r3, [r4], #1', setR(4, t));
  add('strh r5, [r6, #-2]!', setR(6, t + 2));
  add('ldrsh r7, [r8], r9', [...setR(8, t), ...setR(9, 2)]);
  add('ldrt r10, [r11]', setR(11, t));
  add('strbt r12, [r0], #1', setR(0, t));
  add('ldrne r1, [r2]', ['movs r0, #1', ...setR(2, t)]);
  add('strhi r3, [r4]', ['movs r0, #1', 'cmp r0, #0', ...setR(4, t)]);
  add('ldr lr, [r1]', setR(1, t));
  add('str lr, [r2]', setR(2, t));
  add('ldrh lr, [r3, #2]', setR(3, t - 2));
  add('str sp, [r4]', setR(4, t));
  add('ldr r5, [r5]', setR(5, t));
  add('ldm r1, {r2, r3}', setR(1, t));
  add('stmdb r4!, {r5, r6, lr}', setR(4, t + 12));
  add('ldmib r7, {r8}', setR(7, t - 4));
  add('ldrex r1, [r2]', setR(2, t));
  add('ldrexb r3, [r4]', setR(4, t));
  add('ldrexh r5, [r6]', setR(6, t));
  add('ldrexd r8, r9, [r7]', setR(7, t));
  add('strex r10, r11, [r12]', setR(12, t));
  add('lda r1, [r2]', setR(2, t));
  add('ldab r3, [r4]', setR(4, t));
  add('ldah r5, [r6]', setR(6, t));
  add('stl r7, [r8]', setR(8, t));
  add('stlb lr, [r9]', setR(9, t));
  add('stlh r10, [r11]', setR(11, t));
  add('ldaex r12, [r0]', setR(0, t));
  for (const [cls, target] of [
    ['permission L3', TARGET.readOnlyPage],
    ['permission L2', TARGET.readOnlyBlock],
  ] as const) {
    add('strb r1, [r2]', setR(2, target), cls);
    add('strh r3, [r4]', setR(4, target), cls);
    add('str lr, [r5]', setR(5, target), cls);
    add('strd r6, r7, [r8]', setR(8, target), cls);
    add('str r9, [r10, #4]!', setR(10, target - 4), cls);
    add('stm r11, {r0, r1}', setR(11, target), cls);
    add('stl r12, [r0]', setR(0, target), cls);
    add('ldr r1, [r2]', setR(2, target), cls);
  }
  for (const level of LEVELS) {
    const a = TARGET[level];
    add('mcr p15, 0, r1, c7, c14, 1', setR(1, a), `maintenance ${level}`); // DCCIMVAC
    add('mcr p15, 0, r2, c7, c10, 1', setR(2, a), `maintenance ${level}`); // DCCMVAC
    add('mcr p15, 0, r3, c7, c6, 1', setR(3, a), `maintenance ${level}`); // DCIMVAC
    add('mcr p15, 0, r4, c7, c11, 1', setR(4, a), `maintenance ${level}`); // DCCMVAU
    add('mcr p15, 0, r5, c7, c5, 1', setR(5, a), `maintenance ${level}`); // ICIMVAU
    add('blx r9', setR(9, a), `fetch ${level}`);
  }
  add('mcr p15, 0, r6, c7, c6, 1', setR(6, TARGET.readOnlyPage), 'maintenance permission');
  add('mcr p15, 0, r7, c7, c14, 1', setR(7, TARGET.readOnlyPage), 'maintenance permission');
  return rows;
}

export const A64_ROWS: readonly SourceRow[] = a64Rows();
export const A32_ROWS: readonly SourceRow[] = a32Rows();

// ---------------------------------------------------------------- stage 1 walks (S1PTW)

/** VAs whose stage 1 table lies at an IPA stage 2 leaves unmapped: at level 3 (0x40202000) and at level 1 (0x80001000). */
export const WALK_VA = { toL3: 0x80000010, toL1: 0xc0000020 } as const;

/**
 * EL1 turns its stage 1 on (HCR.DC must be 0 for that): a level 1 table in the read/write data
 * page with 1 GiB entries: [1] an identity block over 0x40000000 (the code and data), [2] a table
 * at IPA 0x40202000 and [3] a table at IPA 0x80001000, both unmapped at stage 2, so a walk for a
 * VA in 2 GiB..4 GiB takes a stage 2 fault on its stage 1 table walk (S1PTW). TCR_EL1: T0SZ 32,
 * Write-Back walks, EPD1; MAIR_EL1 Attr0 Normal Write-Back.
 */
export const WALK_PROLOGUE: readonly string[] = [
  ...setX(0, STAGE2.dataPage.ipa),
  'str xzr, [x0]',
  ...setX(1, 0x40000701),
  'str x1, [x0, #8]',
  ...setX(1, STAGE2.unmappedLevel3 + 3),
  'str x1, [x0, #16]',
  ...setX(1, STAGE2.unmappedLevel1 + 0x1000 + 3),
  'str x1, [x0, #24]',
  'mov x1, #0xff',
  'msr mair_el1, x1',
  ...setX(1, 0x803520),
  'msr tcr_el1, x1',
  'msr ttbr0_el1, x0',
  'isb',
  'mrs x1, sctlr_el1',
  'orr x1, x1, #1',
  'msr sctlr_el1, x1',
  'isb',
];

function walkRows(): SourceRow[] {
  const rows: SourceRow[] = [];
  const add = (cls: string, what: string, setup: string[]): void => void rows.push(a64(cls, what, setup));
  for (const [level, va] of [
    ['L3', WALK_VA.toL3],
    ['L1', WALK_VA.toL1],
  ] as const) {
    add(`walk ${level}`, 'ldr x1, [x2]', setX(2, va));
    add(`walk ${level}`, 'strh w3, [x4]', setX(4, va));
    add(`walk ${level}`, 'ldp x5, x6, [x7]', setX(7, va));
    add(`walk ${level}`, 'ldar w8, [x9]', setX(9, va));
    add(`walk ${level}`, 'dc civac, x10', setX(10, va));
    add(`walk ${level}`, 'dc zva, x11', setX(11, va));
    add(`walk ${level}`, 'at s1e1r, x12', setX(12, va));
    add(`walk ${level}`, 'at s1e1w, x13', setX(13, va));
    add(`walk fetch ${level}`, 'blr x14', setX(14, va));
  }
  return rows;
}

export const A64_WALK_ROWS: readonly SourceRow[] = walkRows();

/**
 * The same walks from AArch32 with the long-descriptor format (TTBCR.EAE): the same level 1
 * table (4 x 1 GiB, T0SZ 0), MAIR0 Attr0 Normal Write-Back, TTBR0 by MCRR, SCTLR.M on.
 */
export const A32_WALK_PROLOGUE: readonly string[] = [
  ...setR(0, STAGE2.dataPage.ipa),
  'mov r3, #0',
  'mov r2, #0',
  'strd r2, r3, [r0]',
  ...setR(2, 0x40000701),
  'strd r2, r3, [r0, #8]',
  ...setR(2, STAGE2.unmappedLevel3 + 3),
  'strd r2, r3, [r0, #16]',
  ...setR(2, STAGE2.unmappedLevel1 + 0x1000 + 3),
  'strd r2, r3, [r0, #24]',
  'mov r1, #0xff',
  'mcr p15, 0, r1, c10, c2, 0',
  ...setR(1, 0x80803500),
  'mcr p15, 0, r1, c2, c0, 2',
  'mov r1, #0',
  'mcrr p15, 0, r0, r1, c2',
  'isb',
  'mrc p15, 0, r1, c1, c0, 0',
  'orr r1, r1, #1',
  'mcr p15, 0, r1, c1, c0, 0',
  'isb',
];

function a32WalkRows(): SourceRow[] {
  const rows: SourceRow[] = [];
  const add = (cls: string, what: string, setup: string[]): void => void rows.push(a32(cls, what, setup));
  for (const [level, va] of [
    ['L3', WALK_VA.toL3],
    ['L1', WALK_VA.toL1],
  ] as const) {
    add(`walk ${level}`, 'ldr r1, [r2]', setR(2, va));
    add(`walk ${level}`, 'strh r3, [r4]', setR(4, va));
    add(`walk ${level}`, 'ldm r5, {r6, r7}', setR(5, va));
    add(`walk ${level}`, 'stl r8, [r9]', setR(9, va));
    add(`walk ${level}`, 'mcr p15, 0, r10, c7, c14, 1', setR(10, va)); // DCCIMVAC
    add(`walk ${level}`, 'mcr p15, 0, r11, c7, c8, 0', setR(11, va)); // ATS1CPR
    add(`walk ${level}`, 'mcr p15, 0, r12, c7, c8, 1', setR(12, va)); // ATS1CPW
    add(`walk fetch ${level}`, 'blx r9', setR(9, va));
  }
  return rows;
}

export const A32_WALK_ROWS: readonly SourceRow[] = a32WalkRows();
