/**
 * Loads and stores that compiled blocks make inline (src/exec/inline-data-access.ts) change speed,
 * never results: random loops of A32 and A64 loads and stores (every size, signed forms, pairs,
 * unaligned and page-crossing addresses, bases that walk) with set/way and by-VA maintenance and
 * TLB invalidation inside the loop, run through a whole Machine (stage 1 and 2, caches) with the
 * fast table on and off. Between slices the host migrates the vCPU, toggles the data cache and
 * attaches or detaches an observer. Registers, memory, every cache's tags, states, LRU stamps and
 * data, the counters and the observer's record must be identical. Encodings from the Arm ARM's
 * "Loads and stores" (A64 C4.1.88) and "Load/store word and unsigned byte" (A32 F4.1.9) tables.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SysReg } from '../../src/exec/sysregs/ids';
import { Machine } from '../../src/hyp/machine';
import { enterEl1, guestRegisters, setGuestRegister } from '../../src/scenarios/guest-setup';
import { installA64Tables, installShortDescriptorTables } from '../../src/scenarios/stage1-identity';
import { HARNESS } from '../../src/scenarios/function-harness';
import { AccessRecorder, expectSameMemorySystem } from './compare';

const MiB = 2 ** 20;
/** Two windows 1 MiB apart (the same L1 and L2 sets): bases r1/x1 and r2/x2. */
const WINDOW = HARNESS.buffer + 3 * MiB;
const COUNTER = 8;

type Isa = 'a32' | 'a64';
interface Insn {
  readonly a32: number;
  readonly a64: number;
}

const reg = fc.integer({ min: 3, max: 6 });
const base = fc.constantFrom(1, 2);
/** One body instruction as both encodings (the same shape where both ISAs have it). */
const insn: fc.Arbitrary<Insn> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ load: fc.boolean(), byte: fc.boolean(), rn: base, rt: reg, imm: fc.oneof(fc.integer({ min: 0, max: 0xfff }), fc.integer({ min: 0xff0, max: 0xfff })) }).map((o) => ({
    // LDR/STR/LDRB/STRB (immediate, offset): cond 1110 010 P=1 U=1 B W=0 L.
    a32: (0xe5800000 | (o.byte ? 1 << 22 : 0) | (o.load ? 1 << 20 : 0) | (o.rn << 16) | (o.rt << 12) | o.imm) >>> 0,
    // LDUR/STUR (unscaled, any alignment): size 10 or 00, opc 01 load / 00 store.
    a64: ((o.byte ? 0 : 2 << 30) | 0x38000000 | (o.load ? 1 << 22 : 0) | (((o.imm & 0xff) - 0x80) & 0x1ff) << 12 | (o.rn << 5) | o.rt) >>> 0,
  })) },
  { weight: 4, arbitrary: fc.record({ op: fc.nat(3), rn: base, rt: reg, imm: fc.nat(0xff) }).map((o) => ({
    // STRH / LDRH / LDRSB / LDRSH (immediate, offset): P=1 U=1 I=1 W=0.
    a32: ((o.op === 0 ? 0xe1c000b0 : o.op === 1 ? 0xe1d000b0 : o.op === 2 ? 0xe1d000d0 : 0xe1d000f0) | (o.rn << 16) | (o.rt << 12) | ((o.imm >> 4) << 8) | (o.imm & 15)) >>> 0,
    // STRH / LDRH / LDRSB (64) / LDRSH (32), unsigned offset scaled.
    a64: ((o.op === 2 ? 0 : 1 << 30) | 0x39000000 | ((o.op === 0 ? 0 : o.op === 1 ? 1 : o.op === 2 ? 2 : 3) << 22) | ((o.imm >> (o.op === 2 ? 0 : 1)) << 10) | (o.rn << 5) | o.rt) >>> 0,
  })) },
  { weight: 3, arbitrary: fc.record({ load: fc.boolean(), rn: base, rt: reg, imm: fc.nat(0x3f) }).map((o) => ({
    // LDR/STR word with the address a multiple of 4 away from the base.
    a32: (0xe5800000 | (o.load ? 1 << 20 : 0) | (o.rn << 16) | (o.rt << 12) | (o.imm * 4)) >>> 0,
    // LDP/STP X (signed offset): opc 10 101 0 010 L imm7 Rt2 Rn Rt.
    a64: (0xa9000000 | (o.load ? 1 << 22 : 0) | ((o.imm & 0x3f) << 15) | ((o.rt === 6 ? 3 : o.rt + 1) << 10) | (o.rn << 5) | o.rt) >>> 0,
  })) },
  { weight: 2, arbitrary: fc.record({ rn: base, imm: fc.integer({ min: 1, max: 0x7f }) }).map((o) => ({
    // ADD Rn, Rn, #imm: the base walks (across pages and lines).
    a32: (0xe2800000 | (o.rn << 16) | (o.rn << 12) | o.imm) >>> 0,
    a64: (0x91000000 | (o.imm << 10) | (o.rn << 5) | o.rn) >>> 0,
  })) },
  { weight: 1, arbitrary: fc.constantFrom<Insn>(
    // DCCISW r0 / DC CISW x0 (the operand walks with r0/x0), TLBIALL / TLBI VMALLE1, DCCIMVAC r1 / DC CIVAC x1.
    { a32: 0xee070f5e, a64: 0xd5087e40 },
    { a32: 0xee080f17, a64: 0xd508871f },
    { a32: 0xee071f3e, a64: 0xd50b7e21 },
    // ADD r0, r0, #0x40 / ADD x0, x0, #0x40: the next set.
    { a32: 0xe2800040, a64: 0x91010000 },
  ) },
);

type HostOp = { k: 'migrate'; pcpu: number } | { k: 'cache'; on: boolean } | { k: 'observe'; on: boolean } | { k: 'none' };
const hostOp: fc.Arbitrary<HostOp> = fc.oneof(
  fc.record({ k: fc.constant('migrate' as const), pcpu: fc.nat(1) }),
  fc.record({ k: fc.constant('cache' as const), on: fc.boolean() }),
  fc.record({ k: fc.constant('observe' as const), on: fc.boolean() }),
  fc.constant<HostOp>({ k: 'none' }),
);

const scenario = fc.record({
  body: fc.array(insn, { minLength: 1, maxLength: 24 }),
  passes: fc.integer({ min: 1, max: 40 }),
  slices: fc.array(fc.record({ instructions: fc.integer({ min: 1, max: 200 }), then: hostOp }), { maxLength: 6 }),
  start1: fc.nat(0x1ff0),
  start2: fc.nat(0x1ff0),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;


function loopWords(isa: Isa, body: readonly Insn[]): Uint32Array {
  const n = body.length;
  const words = body.map((i) => i[isa]);
  if (isa === 'a32') words.push(0xe2588001, (0x1a000000 | (-(n + 3) & 0xffffff)) >>> 0, 0xe1400070); // subs r8, #1; bne; hvc #0
  else words.push(0xf1000508, (0x54000001 | ((-(n + 1) & 0x7ffff) << 5)) >>> 0, 0xd4000002); // subs x8, #1; b.ne; hvc #0
  return Uint32Array.from(words);
}

function run(isa: Isa, s: Scenario, fast: boolean) {
  const machine = new Machine({ preset: isa === 'a32' ? 'cubietruck' : 'qemu-cortex-a53', isa, policy: 'passthrough', guestRamBytes: 32 * MiB });
  const vm = machine.vms[0];
  const vcpu = vm.vcpus[0];
  vcpu.port.fastPath = fast;
  machine.memory.writeBytes(vm.ipaToPa(HARNESS.imageArea), new Uint8Array(loopWords(isa, s.body).buffer));
  if (isa === 'a32') installShortDescriptorTables(machine, vm, vcpu, HARNESS.tables, []);
  else installA64Tables(machine, vm, vcpu, HARNESS.tables);
  enterEl1(vcpu, HARNESS.imageArea, HARNESS.stackTop);
  const regs = vcpu.sysregs;
  regs.set(SysReg.SCTLR, (regs.get(SysReg.SCTLR) | 0x1005) >>> 0);
  setGuestRegister(vcpu, COUNTER, s.passes);
  setGuestRegister(vcpu, 1, WINDOW + s.start1);
  setGuestRegister(vcpu, 2, WINDOW + MiB + s.start2);
  const recorder = new AccessRecorder();
  // Cacheable accesses that reached the cache model by a call (inline hits do not).
  const calls = { reads: 0, writes: 0 };
  const caches = machine.caches;
  const read = caches.read.bind(caches);
  const write = caches.write.bind(caches);
  caches.read = (cpu, pa, size) => (calls.reads++, read(cpu, pa, size));
  caches.write = (cpu, pa, size, value) => (calls.writes++, write(cpu, pa, size, value));
  const outcome: string[] = [];
  const step = (budget: number): boolean => {
    try {
      const r = machine.advance(vcpu, budget);
      outcome.push(`${r.instructions} ${r.halted}`);
      return r.halted !== null;
    } catch (e) {
      outcome.push(`threw ${(e as Error).message}`);
      return true;
    }
  };
  let halted = false;
  for (const slice of s.slices) {
    if (halted) break;
    halted = step(slice.instructions);
    const op = slice.then;
    if (op.k === 'migrate') machine.migrate(vcpu, op.pcpu);
    else if (op.k === 'cache') regs.set(SysReg.SCTLR, ((regs.get(SysReg.SCTLR) & ~4) | (op.on ? 4 : 0)) >>> 0);
    else if (op.k === 'observe') vcpu.port.observer = op.on ? recorder : null;
  }
  if (!halted) step(s.passes * (s.body.length + 2) + 10);
  return { machine, outcome, registers: guestRegisters(vcpu), observed: recorder.log, hits: vcpu.port.translator.hits, calls };
}

function expectSame(a: ReturnType<typeof run>, b: ReturnType<typeof run>): void {
  expect(a.outcome).toEqual(b.outcome);
  expect(a.registers).toEqual(b.registers);
  expect(a.observed).toEqual(b.observed);
  expect(a.hits).toBe(b.hits);
  expectSameMemorySystem(a.machine, b.machine);
}

describe.each(['a32', 'a64'] as const)('%s compiled loads and stores made inline', (isa) => {
  it('leave registers, memory, caches, LRU stamps and counters as the calls do (property)', () => {
    fc.assert(
      fc.property(scenario, (s) => {
        expectSame(run(isa, s, true), run(isa, s, false));
      }),
      { numRuns: 40 },
    );
  });

  it('are taken by a warm loop (hits without calls into the cache model)', () => {
    const s = { body: [{ a32: 0xe5813010, a64: 0xf9000823 }, { a32: 0xe5914010, a64: 0xf9400824 }], passes: 2000, slices: [], start1: 0, start2: 0 };
    const fast = run(isa, s, true);
    const slow = run(isa, s, false);
    expectSame(fast, slow);
    const l1 = fast.machine.caches.counters().perCpuLevel.find((c) => c.cpu === 0 && c.level === 1)!;
    expect(l1.hits).toBeGreaterThan(3000);
    expect(slow.calls.reads + slow.calls.writes).toBeGreaterThanOrEqual(4000);
    expect(fast.calls.reads + fast.calls.writes).toBeLessThan(100);
  });
});
