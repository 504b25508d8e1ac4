/**
 * Random T32 sequences with control flow and interworking for the QEMU differential
 * (t32-interworking.test.ts): the straight-line instructions of t32-sequences.ts (IT blocks,
 * loads and stores) mixed with constructs that branch, call, read or write the PC:
 *
 *   forward B (T2, T4), B<c> (T1, T3), CBZ/CBNZ; TBB/TBH over an inline table (or, as the last
 *   instruction of an IT block, a table among the literals); BL to a T32 subroutine; BLX
 *   (immediate) to an A32 one; BLX/BX (register) into A32 or T32 code that returns; BX PC into
 *   inline A32 code; LDR PC, POP {..., PC} and LDM {..., PC} with an interworking address stored
 *   just before; MOV PC, Rm and ADD PC, Rm (BranchWritePC, bit 0 ignored in T32 state); MOV Rd, PC,
 *   ADD Rd, PC, ADR (T1, T2, T3) and literal loads of every size (Align(PC, 4)), from the literal
 *   pool and from the code itself.
 *
 * A32 code (subroutines, return pieces, inline blocks) runs random A32 instructions and returns
 * to T32 by BX LR, MOV PC, LR (ALUWritePC interworks in A32 state, Arm ARM F1 "ALUWritePC"),
 * LDR PC or LDM {..., PC} (LoadWritePC), BX Ry or SUB PC, PC, #3. Every construct that changes the
 * PC lands later in the body or returns to the instruction after it, so control flow is acyclic
 * and the sequence ends at the end of its image. Branches inside IT blocks are only ever the
 * last instruction of the block (F1 "IT block state register, ITSTATE"); whatever they need is
 * set up before the IT, and the instructions in the block before them leave those registers
 * (and, where an address was stored, memory) alone.
 *
 * The image is laid out once, from offset 0 at a word-aligned start, so its PC-relative
 * encodings hold wherever the harness and the executor place it.
 */
import { A32Op, decodeA32, type A32Instruction } from '../../src/decode/a32';
import { decodeT32Word } from '../../src/decode/t32';
import { itAdvance } from '../../src/exec/t32/it-state';
import { SCRATCH_ADDRESS, SCRATCH_SIZE } from '../oracles/exec-harness';
import type { T32ImageCase } from '../oracles/exec-harness-t32';
import type { Prng } from '../oracles/prng';
import { randomA32Instruction, randomRegisterValue } from './a32-sequences';
import { A32, T32 } from './t32-flow-encodings';
import { randomT32Instruction, T32_POINTER_REGISTERS } from './t32-sequences';

export interface T32FlowCase extends T32ImageCase {
  /** The A32 instruction words of the image (`code` holds the T32 ones). */
  readonly a32: Uint32Array;
  /** The constructs placed, by name (one entry per construct). */
  readonly constructs: readonly string[];
}

/** Registers the constructs set up for themselves (never R0: an unused decoder field reads 0). */
const GADGET_REGISTERS = [1, 2, 3, 6, 7] as const;
/** Scratch pointers: the T32 generator's, and R10/R11 for A32 code (a32-sequences.ts uses R8-R11). */
const POINTERS = [...T32_POINTER_REGISTERS, 10, 11];
const SP = 13;
const LR = 14;
const MEMORY_OPS: ReadonlySet<number> = new Set<number>([A32Op.LoadStoreWordByte, A32Op.LoadStoreExtra, A32Op.LoadStoreDual, A32Op.LoadStoreMultiple]);

/** What the random instructions between a construct's set-up and its branch must not touch. */
interface Avoid {
  readonly regs: number;
  readonly memory: boolean;
}
const NOTHING: Avoid = { regs: 0, memory: false };

function registerMask(d: A32Instruction): number {
  let m = d.registers;
  for (const r of [d.rd, d.rn, d.rm, d.rs, d.rt, d.rt2, d.ra, d.rdHi]) m |= 1 << r;
  return m;
}

function acceptable(d: A32Instruction, avoid: Avoid): boolean {
  return (registerMask(d) & avoid.regs) === 0 && !(avoid.memory && MEMORY_OPS.has(d.op));
}

function randomT32Avoiding(rng: Prng, it: number, avoid: Avoid): number {
  for (let k = 0; k < 500; k++) {
    const w = randomT32Instruction(rng, it);
    if (acceptable(decodeT32Word(w, it), avoid)) return w;
  }
  throw new Error('randomT32Avoiding: nothing acceptable in 500 draws');
}

function randomA32Avoiding(rng: Prng, avoid: Avoid): number {
  for (let k = 0; k < 500; k++) {
    const w = randomA32Instruction(rng);
    if (acceptable(decodeA32(w), avoid)) return w;
  }
  throw new Error('randomA32Avoiding: nothing acceptable in 500 draws');
}

/** An encoder given the unit's offset in the image and the offsets of labels. */
type Encode = (at: number, label: (l: number) => number) => number;
type Unit =
  | { readonly kind: 't32'; readonly size: 2 | 4; readonly encode: Encode }
  | { readonly kind: 'a32'; readonly encode: Encode }
  | { readonly kind: 'data'; readonly encode: Encode }
  | { readonly kind: 'label'; readonly id: number }
  | { readonly kind: 'align' };

const t32 = (w: number | Encode, size?: 2 | 4): Unit => (typeof w === 'number' ? { kind: 't32', size: w > 0xffff ? 4 : 2, encode: () => w } : { kind: 't32', size: size ?? 4, encode: w });
const a32 = (w: number | Encode): Unit => ({ kind: 'a32', encode: typeof w === 'number' ? () => w : w });
/** Align(PC, 4) of a T32 instruction at `at`. */
const alignedPc = (at: number): number => (at + 4) & ~3;

/** IT: ITSTATEs of a block of `length` with a random firstcond and mask (as t32-sequences.ts). */
function randomIt(rng: Prng, length: number): { word: number; states: number[] } {
  const firstcond = rng.below(14);
  let mask = 1 << (4 - length);
  for (let k = 1; k < length; k++) if (rng.chance(0.5)) mask |= 1 << (4 - k);
  // Only to pick instructions valid at their place: QEMU judges what the block does.
  const states = [(firstcond << 4) | mask];
  while (states.length < length) states.push(itAdvance(states[states.length - 1]));
  return { word: T32.it(firstcond, mask), states };
}

/**
 * A construct that changes the PC: `setup` runs first, then (possibly as the last instruction of
 * an IT block) `branch`, then `after` (the instruction it returns to, or the ones it skips).
 */
interface Construct {
  readonly name: string;
  readonly setup: Unit[];
  readonly branch: Unit[];
  readonly after: Unit[];
  /** Whether the branch may be the last instruction of an IT block (it falls through to `after` when skipped). */
  readonly inIt: boolean;
  readonly avoid: Avoid;
}

class FlowBuilder {
  private labels = 0;
  /** Code and data after the body: the literal pool, subroutines, return pieces. */
  readonly tail: Unit[] = [];
  readonly constructs: string[] = [];
  readonly pool: number;

  constructor(private readonly rng: Prng) {
    this.pool = this.label();
    // At least 32 bytes: literal loads read up to byte 15 + 4 of it.
    const words = 8 + rng.below(4);
    this.tail.push({ kind: 'align' }, { kind: 'label', id: this.pool });
    for (let k = 0; k < 2 * words; k++) {
      const v = rng.below(0x10000);
      this.tail.push({ kind: 'data', encode: () => v });
    }
  }

  label(): number {
    return this.labels++;
  }

  private pickGadgetRegister(exclude = 0): number {
    const free = GADGET_REGISTERS.filter((r) => ((exclude >>> r) & 1) === 0);
    return this.rng.pick(free);
  }

  /** MOVW/MOVT Rb, a word address in the scratch buffer (T32). */
  private scratchBase(rb: number, offset: number): Unit[] {
    const address = SCRATCH_ADDRESS + offset;
    return [t32(T32.movw(rb, address & 0xffff)), t32(T32.movt(rb, address >>> 16))];
  }

  private randomsT32(n: number, avoid: Avoid): Unit[] {
    const out: Unit[] = [];
    for (let k = 0; k < n; k++) out.push(t32(randomT32Avoiding(this.rng, 0, avoid)));
    return out;
  }

  private randomsA32(n: number, avoid: Avoid): Unit[] {
    const out: Unit[] = [];
    for (let k = 0; k < n; k++) out.push(a32(randomA32Avoiding(this.rng, avoid)));
    return out;
  }

  /** An IT block of random instructions and PC readers (none branches). */
  private itBlock(avoid: Avoid): Unit[] {
    const { word, states } = randomIt(this.rng, 1 + this.rng.below(4));
    return [t32(word), ...states.map((it) => (this.rng.chance(0.25) ? this.pcReader(it, avoid) : t32(randomT32Avoiding(this.rng, it, avoid))))];
  }

  /**
   * A T32 instruction that reads the PC, valid anywhere in an IT block (ITSTATE `it`): MOV/ADD Rd,
   * PC (the instruction + 4), ADR and literal loads (Align(PC, 4)) from the pool or, backwards,
   * from the code before it.
   */
  private pcReader(it: number, avoid: Avoid): Unit {
    const rng = this.rng;
    // Not into the scratch pointers: a code address there would send loads and stores into the harness image.
    const free = [0, 1, 2, 3, 6, 7, 12].filter((r) => ((avoid.regs >>> r) & 1) === 0);
    const rd = rng.pick(free);
    const low = rng.pick(free.filter((r) => r < 8));
    const pool = this.pool;
    const k = rng.below(16);
    const back = rng.chance(0.3);
    /** Forward: byte k of the pool; backward: up to 19 bytes before Align(PC, 4), inside the image. */
    const target = (at: number, L: (l: number) => number): number => (back ? Math.max(0, alignedPc(at) - 4 - k) : L(pool) + k) - alignedPc(at);
    const word = (at: number, L: (l: number) => number): number => L(pool) + 4 * (k & 3) - alignedPc(at);
    switch (rng.below(8)) {
      case 0:
        return t32(T32.movHigh(rd, 15));
      case 1:
        return t32(T32.addHigh(rd, 15));
      case 2:
        return t32((at, L) => T32.adr16(low, word(at, L)), 2);
      case 3:
        return t32((at, L) => T32.adr32(rd, target(at, L)), 4);
      case 4:
        return t32((at, L) => T32.ldrLit16(low, word(at, L)), 2);
      case 5: {
        const kind = rng.pick(['ldr', 'ldrb', 'ldrh', 'ldrsb', 'ldrsh'] as const);
        return t32((at, L) => T32.ldrLit32(kind, rd, target(at, L)), 4);
      }
      case 6: {
        const rt2 = rng.pick(free.filter((r) => r !== rd));
        return t32((at, L) => T32.ldrdLit(rd, rt2, word(at, L)), 4);
      }
      default:
        return t32(randomT32Avoiding(rng, it, avoid));
    }
  }

  // ---- pieces in the tail ----

  /**
   * A T32 subroutine returning through the LR; its label. Called from A32 (`fromA32`, the caller's
   * Rb holds its saved LR) it returns by BX LR into A32 and leaves Rb and memory alone.
   */
  private t32Subroutine(fromA32?: { readonly rb: number }): number {
    const rng = this.rng;
    const l = this.label();
    const u: Unit[] = [{ kind: 'label', id: l }];
    if (fromA32 !== undefined) {
      const avoid = { regs: (1 << LR) | (1 << fromA32.rb), memory: true };
      this.constructs.push('t32 sub called from a32 returns by bx lr');
      this.tail.push(...u, ...this.randomsT32(1 + rng.below(3), avoid), t32(T32.bx(LR)));
      return l;
    }
    const style = rng.pick(['bx lr', 'mov pc, lr', 'push/pop'] as const);
    this.constructs.push(`t32 sub returns by ${style}`);
    if (style === 'push/pop') {
      const rb = this.pickGadgetRegister();
      const list = rng.below(256) & 0b11001110 & ~(1 << rb);
      const avoid = { regs: (1 << SP) | (1 << LR) | list, memory: true };
      u.push(...this.scratchBase(rb, 256 + 4 * rng.below(32)), t32(T32.movHigh(SP, rb)), t32(T32.push16(list, true)), ...this.randomsT32(1 + rng.below(3), avoid), t32(T32.pop16(list, true)));
    } else {
      u.push(...this.randomsT32(1 + rng.below(3), { regs: 1 << LR, memory: false }));
      if (rng.chance(0.3)) u.push(...this.itBlock({ regs: 1 << LR, memory: false }));
      u.push(t32(style === 'bx lr' ? T32.bx(LR) : T32.movHigh(15, LR)));
    }
    this.tail.push(...u);
    return l;
  }

  /** An A32 subroutine returning through the LR (interworking back to T32); its label. */
  private a32Subroutine(): number {
    const rng = this.rng;
    const l = this.label();
    const u: Unit[] = [{ kind: 'align' }, { kind: 'label', id: l }];
    const style = rng.pick(['bx lr', 'mov pc, lr', 'ldm pc', 'ldr pc'] as const);
    this.constructs.push(`a32 sub returns by ${style}`);
    const rb = this.pickGadgetRegister();
    const base = SCRATCH_ADDRESS + 256 + 4 * rng.below(32);
    const setBase = [a32(A32.movw(rb, base & 0xffff)), a32(A32.movt(rb, base >>> 16))];
    const saved = { regs: (1 << rb) | (1 << LR), memory: true };
    // With the LR saved, half the time a nested BLX (immediate) into a T32 subroutine that returns by BX LR.
    const nested = (): Unit[] => {
      if (!rng.chance(0.5)) return [];
      const sub = this.t32Subroutine({ rb });
      return [a32((at, L) => A32.blxImm(L(sub) - (at + 8)))];
    };
    if (style === 'ldm pc') {
      const list = rng.below(256) & 0b11001110 & ~(1 << rb);
      u.push(...setBase, a32(A32.stmdb(rb, list | (1 << LR))), ...this.randomsA32(1 + rng.below(3), saved), ...nested(), a32(A32.ldmia(rb, list | (1 << 15))));
    } else if (style === 'ldr pc') {
      u.push(...setBase, a32(A32.strImm(LR, rb, 8)), ...this.randomsA32(1 + rng.below(3), saved), ...nested(), a32(A32.ldrImm(15, rb, 8)));
    } else {
      u.push(...this.randomsA32(1 + rng.below(4), { regs: 1 << LR, memory: false }), a32(style === 'bx lr' ? A32.bx(LR) : A32.movPc(LR)));
    }
    this.tail.push(...u);
    return l;
  }

  /** A32 lines setting Ry to label `ret` | 1 (SUB from the PC, which reads as the instruction + 8) and going there. */
  private a32ReturnTo(ret: number): Unit[] {
    const rng = this.rng;
    const ry = this.pickGadgetRegister();
    const here = this.label();
    const diff = (at: number, L: (l: number) => number): number => {
      const d = at + 8 - (L(ret) | 1);
      if (d <= 0 || d >= 0x10000) throw new RangeError(`A32 return distance ${d}`);
      return d;
    };
    const style = rng.pick(['bx', 'mov pc'] as const);
    this.constructs.push(`a32 piece returns by ${style}`);
    return [
      { kind: 'label', id: here },
      a32((at, L) => A32.subImm(ry, 15, (diff(at, L) >>> 8) & 0xff, 12)),
      a32((_, L) => A32.subImm(ry, ry, diff(L(here), L) & 0xff)),
      a32(style === 'bx' ? A32.bx(ry) : A32.movPc(ry)),
    ];
  }

  /** A piece (T32 or A32) that runs a few instructions and continues at `ret` in T32 state; its label. */
  private returnPiece(isa: 't32' | 'a32', ret: number): number {
    const rng = this.rng;
    const l = this.label();
    if (isa === 'a32') {
      this.tail.push({ kind: 'align' }, { kind: 'label', id: l }, ...this.randomsA32(1 + rng.below(3), NOTHING), ...this.a32ReturnTo(ret));
      return l;
    }
    this.tail.push({ kind: 'label', id: l }, ...this.randomsT32(1 + rng.below(3), NOTHING));
    const ry = this.pickGadgetRegister();
    const style = rng.pick(['b.w', 'bx', 'mov pc'] as const);
    this.constructs.push(`t32 piece returns by ${style}`);
    if (style === 'b.w') this.tail.push(t32((at, L) => T32.b32(L(ret) - (at + 4)), 4));
    else {
      // BX needs bit 0 set to stay in T32; MOV PC (BranchWritePC) ignores it either way.
      const bit0 = style === 'bx' ? 1 : rng.below(2);
      this.tail.push(t32((at, L) => T32.adr32(ry, L(ret) + bit0 - alignedPc(at)), 4), t32(style === 'bx' ? T32.bx(ry) : T32.movHigh(15, ry)));
    }
    return l;
  }

  /** ADR.W Rt, `target` (| 1 for T32 code). */
  private addressOf(rt: number, target: number, thumb: boolean): Unit {
    if (!thumb && this.rng.chance(0.3)) return t32((at, L) => T32.adr16(rt, L(target) - alignedPc(at)), 2);
    return t32((at, L) => T32.adr32(rt, L(target) + (thumb ? 1 : 0) - alignedPc(at)), 4);
  }

  // ---- constructs ----

  /** Forward branch over 0-3 items (CBZ and 16-bit B<c>: over short items only). */
  private forwardBranch(depth: number): Construct {
    const rng = this.rng;
    const target = this.label();
    const kind = rng.pick(['b', 'b.w', 'b<c>', 'b<c>.w', 'cbz', 'cbnz'] as const);
    const short = kind === 'cbz' || kind === 'cbnz' || kind === 'b<c>';
    const skipped: Unit[] = [];
    const n = (short && kind !== 'b<c>' ? 1 : 0) + rng.below(3);
    for (let k = 0; k < n; k++) skipped.push(...(short ? this.simpleItem(NOTHING) : this.item(depth + 1)));
    const to = (at: number, L: (l: number) => number): number => L(target) - (at + 4);
    const cond = rng.below(14);
    const rn = rng.below(8);
    // A register's random value is rarely 0: half the time CBZ/CBNZ test one just set to 0 or 1.
    const setup = (kind === 'cbz' || kind === 'cbnz') && rng.chance(0.5) ? [t32(T32.movs(rn, rng.below(2)))] : [];
    const branch =
      kind === 'b'
        ? t32((at, L) => T32.b16(to(at, L)), 2)
        : kind === 'b.w'
          ? t32((at, L) => T32.b32(to(at, L)), 4)
          : kind === 'b<c>'
            ? t32((at, L) => T32.bCond16(cond, to(at, L)), 2)
            : kind === 'b<c>.w'
              ? t32((at, L) => T32.bCond32(cond, to(at, L)), 4)
              : t32((at, L) => T32.cbz(kind === 'cbnz', rn, to(at, L)), 2);
    return { name: kind, setup, branch: [branch], after: [...skipped, { kind: 'label', id: target }], inIt: kind === 'b' || kind === 'b.w', avoid: NOTHING };
  }

  private call(): Construct {
    const rng = this.rng;
    const kind = rng.pick(['bl', 'blx imm', 'blx reg a32', 'blx reg t32', 'bx reg a32', 'bx reg t32'] as const);
    if (kind === 'bl') {
      const sub = this.t32Subroutine();
      return { name: kind, setup: [], branch: [t32((at, L) => T32.bl(L(sub) - (at + 4)), 4)], after: [], inIt: true, avoid: NOTHING };
    }
    if (kind === 'blx imm') {
      const sub = this.a32Subroutine();
      return { name: kind, setup: [], branch: [t32((at, L) => T32.blxImm(L(sub) - alignedPc(at)), 4)], after: [], inIt: true, avoid: NOTHING };
    }
    const rx = this.pickGadgetRegister();
    const thumb = kind.endsWith('t32');
    if (kind.startsWith('blx')) {
      const sub = thumb ? this.t32Subroutine() : this.a32Subroutine();
      return { name: kind, setup: [this.addressOf(rx, sub, thumb)], branch: [t32(T32.blx(rx))], after: [], inIt: true, avoid: { regs: 1 << rx, memory: false } };
    }
    const ret = this.label();
    const piece = this.returnPiece(thumb ? 't32' : 'a32', ret);
    return { name: kind, setup: [this.addressOf(rx, piece, thumb)], branch: [t32(T32.bx(rx))], after: [{ kind: 'label', id: ret }], inIt: true, avoid: { regs: 1 << rx, memory: false } };
  }

  /** BX PC at a word-aligned address into inline A32 code, which returns to T32 right after it. */
  private bxPc(): Construct {
    const rng = this.rng;
    const ry = this.pickGadgetRegister();
    const style = rng.pick(['add+bx', 'add+mov pc', 'sub pc, pc, #3'] as const);
    this.constructs.push(`inline a32 returns by ${style}`);
    const a: Unit[] = this.randomsA32(1 + rng.below(3), NOTHING);
    if (style === 'sub pc, pc, #3') a.push(a32(A32.subImm(15, 15, 3)));
    else a.push(a32(A32.addImm(ry, 15, 1)), a32(style === 'add+bx' ? A32.bx(ry) : A32.movPc(ry)));
    return { name: 'bx pc', setup: [{ kind: 'align' }], branch: [t32(T32.bx(15)), t32(T32.nop)], after: a, inIt: false, avoid: NOTHING };
  }

  /** TBB/TBH: an index of 0..n-1, the table inline after the branch (or among the literals in an IT block), cases in a permuted ladder. */
  private tableBranch(): Construct {
    const rng = this.rng;
    const half = rng.chance(0.5);
    const inIt = rng.chance(0.3);
    const n = 2 + rng.below(3);
    const rm = this.pickGadgetRegister();
    const setup: Unit[] = [];
    if (n !== 3 && rng.chance(0.6)) setup.push(t32(T32.andImm(rm, rng.pick([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14]), n - 1)));
    else setup.push(t32(T32.movs(rm, rng.below(n))));
    const tb = this.label();
    const cases = Array.from({ length: n }, () => this.label());
    const order = cases.slice();
    for (let k = n - 1; k > 0; k--) {
      const j = rng.below(k + 1);
      [order[k], order[j]] = [order[j], order[k]];
    }
    const entry = (k: number, L: (l: number) => number): number => {
      const e = (L(order[k]) - (L(tb) + 4)) >> 1;
      if (e < 0 || e > (half ? 0xffff : 0xff)) throw new RangeError(`table entry ${e}`);
      return e;
    };
    const table: Unit[] = [];
    if (half) for (let k = 0; k < n; k++) table.push({ kind: 'data', encode: (_, L) => entry(k, L) });
    else for (let k = 0; k < n; k += 2) table.push({ kind: 'data', encode: (_, L) => entry(k, L) | (k + 1 < n ? entry(k + 1, L) << 8 : 0) });
    const after: Unit[] = [];
    for (const c of cases) after.push({ kind: 'label', id: c }, ...this.simpleItem(NOTHING));
    const end = this.label();
    after.push({ kind: 'label', id: end });
    const name = `${half ? 'tbh' : 'tbb'}${inIt ? ' [rn] in it' : ''}`;
    if (!inIt) {
      return { name, setup, branch: [{ kind: 'label', id: tb }, t32(half ? T32.tbh(15, rm) : T32.tbb(15, rm)), ...table], after, inIt: false, avoid: NOTHING };
    }
    // In an IT block a skipped TBB falls through, so the table lives among the literals.
    const rn = this.pickGadgetRegister(1 << rm);
    const at = this.label();
    this.tail.push({ kind: 'label', id: at }, ...table);
    setup.push(t32((here, L) => T32.adr32(rn, L(at) - alignedPc(here)), 4));
    return { name, setup, branch: [{ kind: 'label', id: tb }, t32(half ? T32.tbh(rn, rm) : T32.tbb(rn, rm))], after, inIt: true, avoid: { regs: (1 << rn) | (1 << rm), memory: false } };
  }

  /** LDR PC / POP {..., PC} / LDM {..., PC} of an interworking address stored just before (LoadWritePC). */
  private loadPc(): Construct {
    const rng = this.rng;
    const kind = rng.pick(['ldr.w pc, [rb, #imm]', 'ldr pc, [rb], #4', 'ldr.w pc, [rb, ri, lsl #2]', 'pop {pc}', 'pop.w {pc}', 'ldm pc', 'ldmdb pc'] as const);
    const ret = this.label();
    const thumb = rng.chance(0.5);
    const piece = this.returnPiece(thumb ? 't32' : 'a32', ret);
    const rb = this.pickGadgetRegister();
    const rt = this.pickGadgetRegister(1 << rb);
    const offset = 64 + 4 * rng.below(48);
    const setup: Unit[] = [...this.scratchBase(rb, offset), this.addressOf(rt, piece, thumb)];
    const name = `${kind} to ${thumb ? 't32' : 'a32'}`;
    // Registers loaded besides the PC: R0-R3, R6, R7, R12 but the base.
    const list = rng.below(0x2000) & 0x10cf & ~(1 << rb);
    const count = (l: number): number => {
      let c = 0;
      for (let x = l; x !== 0; x &= x - 1) c++;
      return c;
    };
    let avoid: Avoid = { regs: (1 << rb) | (1 << rt), memory: true };
    let branch: Unit;
    switch (kind) {
      case 'ldr.w pc, [rb, #imm]':
        setup.push(t32(T32.strImm(rt, rb, 8)));
        branch = t32(T32.ldrImm(15, rb, 8));
        break;
      case 'ldr pc, [rb], #4':
        setup.push(t32(T32.strImm(rt, rb, 0)));
        branch = t32(T32.ldrPost(15, rb, 4));
        break;
      case 'ldr.w pc, [rb, ri, lsl #2]': {
        const ri = this.pickGadgetRegister((1 << rb) | (1 << rt));
        const k = rng.below(8);
        setup.push(t32(T32.strImm(rt, rb, 4 * k)), t32(T32.movs(ri, k)));
        avoid = { regs: avoid.regs | (1 << ri), memory: true };
        branch = t32(T32.ldrReg(15, rb, ri, 2));
        break;
      }
      case 'pop {pc}': {
        const low = list & 0xff & ~(1 << rt);
        setup.push(t32(T32.movHigh(SP, rb)), t32(T32.strSp(rt, 4 * count(low))));
        avoid = { regs: avoid.regs | (1 << SP), memory: true };
        branch = t32(T32.pop16(low, true));
        break;
      }
      case 'pop.w {pc}': {
        // POP.W needs two registers or more (Arm ARM F5 "POP": BitCount < 2 is UNPREDICTABLE); LDR PC, [SP], #4 is the single form.
        const l = list === 0 ? 1 << 12 : list;
        setup.push(t32(T32.movHigh(SP, rb)), t32(T32.strImm(rt, SP, 4 * count(l))));
        avoid = { regs: avoid.regs | (1 << SP), memory: true };
        branch = t32(T32.ldm(SP, true, l | 0x8000));
        break;
      }
      case 'ldm pc': {
        const l = list === 0 ? 1 << 12 : list;
        setup.push(t32(T32.strImm(rt, rb, 4 * count(l))));
        branch = t32(T32.ldm(rb, rng.chance(0.5), l | 0x8000));
        break;
      }
      default: {
        // LDMDB loads the PC from Rb - 4: Rb moves up past the slot (MOVS Rk, ADD Rb, Rk).
        const l = list === 0 ? 1 << 12 : list;
        const rk = this.pickGadgetRegister((1 << rb) | (1 << rt));
        setup.push(t32(T32.strImm(rt, rb, 4 * count(l))), t32(T32.movs(rk, 4 * (count(l) + 1))), t32(T32.addHigh(rb, rk)));
        branch = t32(T32.ldm(rb, rng.chance(0.5), l | 0x8000, true));
        break;
      }
    }
    return { name, setup, branch: [branch], after: [{ kind: 'label', id: ret }], inIt: true, avoid };
  }

  /** MOV PC, Rm / ADD PC, Rm forward over 0-2 items (BranchWritePC: bit 0 is ignored in T32 state). */
  private aluPc(depth: number): Construct {
    const rng = this.rng;
    const rm = this.pickGadgetRegister();
    const target = this.label();
    const skipped: Unit[] = [];
    for (let k = rng.below(3); k > 0; k--) skipped.push(...this.item(depth + 1));
    const bit0 = rng.below(2);
    const add = rng.chance(0.5);
    const br = this.label();
    const setup = add ? [t32((_, L) => T32.movw(rm, L(target) + bit0 - (L(br) + 4)), 4)] : [t32((at, L) => T32.adr32(rm, L(target) + bit0 - alignedPc(at)), 4)];
    const branch: Unit[] = [{ kind: 'label', id: br }, t32(add ? T32.addHigh(15, rm) : T32.movHigh(15, rm))];
    return { name: add ? 'add pc, rm' : 'mov pc, rm', setup, branch, after: [...skipped, { kind: 'label', id: target }], inIt: true, avoid: { regs: 1 << rm, memory: false } };
  }

  /** A construct's units, with its branch as the last instruction of an IT block a third of the time where allowed. */
  private place(c: Construct): Unit[] {
    const rng = this.rng;
    const out = [...c.setup];
    let name = c.name;
    if (c.inIt && rng.chance(0.35)) {
      const { word, states } = randomIt(rng, 1 + rng.below(4));
      out.push(t32(word));
      for (let k = 0; k + 1 < states.length; k++) out.push(t32(randomT32Avoiding(rng, states[k], c.avoid)));
      name += ` last in it${states.length}`;
    }
    this.constructs.push(name);
    out.push(...c.branch, ...c.after);
    return out;
  }

  /** A straight-line item: an instruction, a PC reader or an IT block. */
  simpleItem(avoid: Avoid): Unit[] {
    const k = this.rng.below(10);
    if (k < 5) return this.randomsT32(1, avoid);
    if (k < 7) return [this.pcReader(0, avoid)];
    return this.itBlock(avoid);
  }

  /** Any item; constructs nest up to depth 2. */
  item(depth: number): Unit[] {
    if (depth >= 2) return this.simpleItem(NOTHING);
    const k = this.rng.below(20);
    if (k < 4) return this.simpleItem(NOTHING);
    if (k < 7) return this.place(this.forwardBranch(depth));
    if (k < 11) return this.place(this.call());
    if (k < 12) return this.place(this.bxPc());
    if (k < 14) return this.place(this.tableBranch());
    if (k < 17) return this.place(this.loadPc());
    return this.place(this.aluPc(depth));
  }
}

interface Laid {
  readonly image: Uint16Array;
  readonly t32: number[];
  readonly a32: number[];
}

function layOut(units: readonly Unit[]): Laid {
  const labels = new Map<number, number>();
  let at = 0;
  const sizes = units.map((u) => {
    const size = u.kind === 'label' ? 0 : u.kind === 'align' ? at % 4 : u.kind === 't32' ? u.size : u.kind === 'a32' ? 4 : 2;
    if (u.kind === 'label') labels.set(u.id, at);
    if (u.kind === 'a32' && at % 4 !== 0) throw new Error('layOut: unaligned A32 instruction');
    at += size;
    return size;
  });
  const L = (l: number): number => {
    const v = labels.get(l);
    if (v === undefined) throw new Error(`layOut: label ${l} not placed`);
    return v;
  };
  const halfwords: number[] = [];
  const t32Words: number[] = [];
  const a32Words: number[] = [];
  at = 0;
  units.forEach((u, i) => {
    if (u.kind === 'align' && sizes[i] === 2) halfwords.push(T32.nop);
    else if (u.kind === 't32') {
      const w = u.encode(at, L) >>> 0;
      if ((w > 0xffff ? 4 : 2) !== u.size) throw new Error(`layOut: T32 word 0x${w.toString(16)} is not ${u.size} bytes`);
      t32Words.push(w);
      if (u.size === 4) halfwords.push(w >>> 16, w & 0xffff);
      else halfwords.push(w);
    } else if (u.kind === 'a32') {
      const w = u.encode(at, L) >>> 0;
      a32Words.push(w);
      halfwords.push(w & 0xffff, w >>> 16);
    } else if (u.kind === 'data') halfwords.push(u.encode(at, L) & 0xffff);
    at += sizes[i];
  });
  return { image: Uint16Array.from(halfwords), t32: t32Words, a32: a32Words };
}

/**
 * A sequence of 2..maxItems items, then a branch over the tail (literals, subroutines, return
 * pieces) to the end of the image, with a random initial state whose pointers (R4, R5, R8-R11)
 * point into the scratch buffer, and SP most of the time.
 */
export function randomT32FlowCase(rng: Prng, maxItems = 8): T32FlowCase {
  for (;;) {
    const b = new FlowBuilder(rng);
    const body: Unit[] = [];
    const items = 2 + rng.below(maxItems - 1);
    for (let k = 0; k < items; k++) body.push(...b.item(0));
    const end = b.label();
    body.push(rng.chance(0.5) ? t32((at, L) => T32.b16(L(end) - (at + 4)), 2) : t32((at, L) => T32.b32(L(end) - (at + 4)), 4));
    let laid: Laid;
    try {
      laid = layOut([...body, ...b.tail, { kind: 'label', id: end }]);
    } catch (e) {
      // An offset out of its encoding's range: draw again (the rng has moved on, so this is deterministic).
      if (e instanceof RangeError) continue;
      throw e;
    }
    const regs = new Uint32Array(15);
    for (let r = 0; r < 15; r++) regs[r] = randomRegisterValue(rng);
    for (const p of POINTERS) regs[p] = SCRATCH_ADDRESS + 128 + 8 * rng.below(32);
    if (rng.chance(0.8)) regs[SP] = SCRATCH_ADDRESS + 128 + 8 * rng.below(32);
    const scratch = new Uint8Array(SCRATCH_SIZE);
    for (let i = 0; i < SCRATCH_SIZE; i++) scratch[i] = rng.below(256);
    return {
      code: Uint32Array.from(laid.t32),
      a32: Uint32Array.from(laid.a32),
      image: laid.image,
      constructs: b.constructs,
      initial: { regs, flags: (rng.u32() & 0xf80f0000) >>> 0, scratch },
    };
  }
}
