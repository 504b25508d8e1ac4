/**
 * A64 loads and stores compiled inline, with the address kept as two int32 halves, pairs made by
 * one probe when both elements share a line, and pre/post-index writeback, change speed, never
 * results. Random loops of LDP/STP (X and W, signed offset, pre- and post-index), LDPSW, LDR/STR
 * pre/post-index and register offset, with bases in the TTBR0 range and in the TTBR1 range (a
 * negative VA, whose high half is all ones), walking across lines and pages, with DC CISW and TLBI
 * inside the loop, run through a whole Machine three ways: compiled with inline hits, compiled
 * with every access a call (fast table off), and by the word-by-word interpreter (no code pages,
 * so no blocks). Registers, run outcomes, memory, every cache line (tags, states, LRU stamps,
 * data) and the cache counters must agree; the two compiled runs also agree on the Translator's
 * TLB hits. Encodings from the Arm ARM's "Loads and stores" tables
 * (C4.1.88: load/store pair, register immediate pre/post-indexed, register offset).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SysReg } from '../../src/exec/sysregs/ids';
import { A64Cpu } from '../../src/exec/a64/index';
import { TranslatedMemory } from '../../src/exec/translated-memory';
import { Machine } from '../../src/hyp/machine';
import { enterEl1, guestRegisters, setGuestRegister } from '../../src/scenarios/guest-setup';
import { installA64Tables } from '../../src/scenarios/stage1-identity';
import { HARNESS } from '../../src/scenarios/function-harness';
import { expectSameMemorySystem } from './compare';

const MiB = 2 ** 20;
const WINDOW = HARNESS.buffer + 3 * MiB;
const COUNTER = 8;
/** Index register of the register-offset forms (kept small by the loop: AND x7, x7, #0x3f8). */
const INDEX = 7;

const reg = fc.integer({ min: 3, max: 6 });
const base = fc.constantFrom(1, 2);
/** Addressing of a pair or a single access: 1 post-index, 2 signed offset, 3 pre-index (the P/W bits of C4.1.88). */
const indexing = fc.constantFrom(1, 2, 3);

/** One body item: its instruction words. */
const item: fc.Arbitrary<readonly number[]> = fc.oneof(
  // LDP/STP/LDPSW: opc (00 W, 01 LDPSW, 10 X) 101 0 idx L imm7 Rt2 Rn Rt.
  { weight: 6, arbitrary: fc.record({ opc: fc.constantFrom(0, 1, 2), load: fc.boolean(), idx: indexing, rn: base, rt: reg, imm: fc.integer({ min: -8, max: 8 }) }).map((o) => {
    const load = o.opc === 1 ? true : o.load;
    return [((o.opc << 30) | 0x28000000 | (o.idx << 23) | (load ? 1 << 22 : 0) | ((o.imm & 0x7f) << 15) | ((o.rt === 6 ? 3 : o.rt + 1) << 10) | (o.rn << 5) | o.rt) >>> 0];
  }) },
  // LDR/STR (immediate, post- or pre-index): size 111 0 00 opc 0 imm9 idx (01 post, 11 pre) Rn Rt;
  // opc 10 is LDRSB/LDRSH/LDRSW to 64 bits (size 11 has none: a plain load instead).
  { weight: 4, arbitrary: fc.record({ size: fc.nat(3), opc: fc.constantFrom(0, 1, 2), pre: fc.boolean(), rn: base, rt: reg, imm: fc.integer({ min: -40, max: 40 }) }).map((o) => {
    const opc = o.size === 3 && o.opc === 2 ? 1 : o.opc;
    return [((o.size << 30) | 0x38000000 | (opc << 22) | ((o.imm & 0x1ff) << 12) | ((o.pre ? 3 : 1) << 10) | (o.rn << 5) | o.rt) >>> 0];
  }) },
  // LDR/STR (register): size 111 0 00 opc 1 Rm option (011: LSL) S 10 Rn Rt, Rm = x7; then
  // ADD x7, x7, #8 and AND x7, x7, #0x3f8 keep the offset walking within 1 KiB.
  { weight: 2, arbitrary: fc.record({ size: fc.nat(3), load: fc.boolean(), s: fc.boolean(), rn: base, rt: reg }).map((o) => [
    ((o.size << 30) | 0x38200800 | (o.load ? 1 << 22 : 0) | (INDEX << 16) | (0b011 << 13) | (o.s ? 1 << 12 : 0) | (o.rn << 5) | o.rt) >>> 0,
    0x910020e7,
    0x927d18e7,
  ]) },
  // ADD Xn, Xn, #imm: the base walks (across lines and pages).
  { weight: 2, arbitrary: fc.record({ rn: base, imm: fc.integer({ min: 1, max: 0x7f }) }).map((o) => [(0x91000000 | (o.imm << 10) | (o.rn << 5) | o.rn) >>> 0]) },
  { weight: 1, arbitrary: fc.constantFrom(
    [0xd5087e40], // DC CISW, x0
    [0xd508871f], // TLBI VMALLE1
    [0x91010000], // ADD x0, x0, #0x40 (the next set)
  ) },
);

const scenario = fc.record({
  body: fc.array(item, { minLength: 1, maxLength: 16 }),
  passes: fc.integer({ min: 40, max: 160 }),
  slices: fc.array(fc.integer({ min: 1, max: 150 }), { maxLength: 5 }),
  start1: fc.nat(0x1ff0),
  start2: fc.nat(0x1ff0),
  /** Both bases through TTBR1: the same IPAs seen at VA - 2^32 (TCR_EL1.T1SZ = 32). */
  high: fc.boolean(),
});
type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

/** The body, then SUBS x8, x8, #1; B.NE to the first word; HVC #0 (the end). */
function loopWords(body: readonly (readonly number[])[]): Uint32Array {
  const words = body.flat();
  const n = words.length;
  words.push(0xf1000508, (0x54000001 | ((-(n + 1) & 0x7ffff) << 5)) >>> 0, 0xd4000002);
  return Uint32Array.from(words);
}

type Mode = 'inline' | 'calls' | 'interpreter';

/** A Machine whose vCPU runs word by word: its TranslatedMemory offers no code pages while it is built. */
function machineOf(mode: Mode): Machine {
  const options = { preset: 'qemu-cortex-a53', isa: 'a64', policy: 'passthrough', guestRamBytes: 32 * MiB } as const;
  if (mode !== 'interpreter') return new Machine(options);
  const proto = TranslatedMemory.prototype as unknown as { codePage: unknown };
  const codePage = proto.codePage;
  proto.codePage = undefined;
  try {
    return new Machine(options);
  } finally {
    proto.codePage = codePage;
  }
}

/** Accesses that reach the cache model by a call (inline hits do not). */
function countCacheCalls(machine: Machine): { count: number } {
  const counter = { count: 0 };
  const caches = machine.caches;
  const read = caches.read.bind(caches);
  const write = caches.write.bind(caches);
  caches.read = (c, pa, size) => (counter.count++, read(c, pa, size));
  caches.write = (c, pa, size, value) => (counter.count++, write(c, pa, size, value));
  return counter;
}

function run(s: Scenario, mode: Mode) {
  const machine = machineOf(mode);
  const vm = machine.vms[0];
  const vcpu = vm.vcpus[0];
  vcpu.port.fastPath = mode !== 'calls';
  machine.memory.writeBytes(vm.ipaToPa(HARNESS.imageArea), new Uint8Array(loopWords(s.body).buffer));
  installA64Tables(machine, vm, vcpu, HARNESS.tables);
  const regs = vcpu.sysregs;
  // TCR_EL1: T0SZ = T1SZ = 32, TG1 = 4 KB (0b10), EPD1 = 0; TTBR1 walks the same table (D17 "TCR_EL1").
  regs.set(SysReg.TCR_EL1, (32 | (32 << 16) | (0b10 << 30)) >>> 0, 0);
  regs.set(SysReg.TTBR1_EL1, HARNESS.tables >>> 0, 0);
  enterEl1(vcpu, HARNESS.imageArea, HARNESS.stackTop);
  regs.set(SysReg.SCTLR, (regs.get(SysReg.SCTLR) | 0x1005) >>> 0);
  setGuestRegister(vcpu, COUNTER, s.passes);
  const cpu = vcpu.cpu as A64Cpu;
  cpu.setX(1, (WINDOW + s.start1) >>> 0, s.high ? 0xffffffff : 0);
  cpu.setX(2, (WINDOW + MiB + s.start2) >>> 0, s.high ? 0xffffffff : 0);
  const cacheCalls = countCacheCalls(machine);
  // The slices, then the rest of the loop; a halt or an error ends the run.
  const outcome: string[] = [];
  for (const budget of [...s.slices, s.passes * (s.body.length * 3 + 2) + 10]) {
    let halted: string | null;
    try {
      const r = machine.advance(vcpu, budget);
      outcome.push(`${r.instructions} ${r.halted}`);
      halted = r.halted;
    } catch (e) {
      outcome.push(`threw ${(e as Error).message}`);
      break;
    }
    if (halted !== null) break;
  }
  return { machine, outcome, registers: guestRegisters(vcpu), hits: vcpu.port.translator.hits, entries: cpu.compiledBlockEntries, cacheCalls: cacheCalls.count };
}

describe('A64 inline pairs and pre/post-index accesses', () => {
  it('leave registers, memory, caches and counters as the calls and the interpreter do (property)', () => {
    const saved = [0, 0];
    fc.assert(
      fc.property(scenario, (s) => {
        const inline = run(s, 'inline');
        const calls = run(s, 'calls');
        const interpreted = run(s, 'interpreter');
        expect(interpreted.entries).toBe(0);
        for (const other of [calls, interpreted]) {
          expect(inline.outcome).toEqual(other.outcome);
          expect(inline.registers).toEqual(other.registers);
          expectSameMemorySystem(inline.machine, other.machine);
        }
        expect(inline.hits).toBe(calls.hits);
        // Accesses the inline code made without a call into the cache model, by address range.
        saved[s.high ? 1 : 0] += calls.cacheCalls - inline.cacheCalls;
      }),
      { numRuns: 100, seed: 0x1a64_9a12 },
    );
    // Both TTBR0 and TTBR1 (negative) addresses were hit inline.
    expect(saved[0]).toBeGreaterThan(1000);
    expect(saved[1]).toBeGreaterThan(1000);
  });
});
