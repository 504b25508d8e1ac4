/**
 * The data-access fast table (src/exec/soft-tlb.ts) changes speed, never results: random programs
 * of loads and stores through a vCPU's TranslatedMemory, interleaved with everything that may make
 * a remembered translation stale or touch the caches (TLB maintenance, remapped and re-permissioned
 * sections with and without TLBI, ASID and DACR changes, the MMU and data cache toggled, EL0/EL1,
 * migration, set/way and by-address cache maintenance, an observer attached and detached), run
 * once with the fast table and once without. Every access's outcome (value or abort), the
 * observer's record, physical memory, every cache's tags, states, LRU stamps and data, the cache
 * counters and the Translator's TLB counters must be identical.
 *
 * The windows: four 1 MiB sections at VA 0x8000_0000 whose descriptors the program rewrites,
 * over six 1 MiB targets of guest RAM that all index the same L1 and L2 sets (so lines evict),
 * and the same targets through the harness's identity map (also reachable with the MMU off).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SysReg } from '../../src/exec/sysregs/ids';
import { Machine } from '../../src/hyp/machine';
import { enterEl1 } from '../../src/scenarios/guest-setup';
import { installShortDescriptorTables } from '../../src/scenarios/stage1-identity';
import { HARNESS } from '../../src/scenarios/function-harness';
import { MemoryAbort } from '../../src/mmu/fault';
import { S2AP, S2_NORMAL_RW } from '../../src/mmu/stage2-descriptor';
import { AccessRecorder, expectSameMemorySystem } from './compare';

const MiB = 2 ** 20;
const WINDOW = 0x8000_0000;
const SECTIONS = 4;
const TARGETS = 6;
/** Targets start 4 MiB into guest RAM, clear of the harness's tables. */
const TARGET_OFFSET = 4 * MiB;

type Access = { k: 'read'; size: 1 | 2 | 4; window: boolean; index: number; off: number } | { k: 'write'; size: 1 | 2 | 4; window: boolean; index: number; off: number; value: number };
type Op =
  | Access
  | { k: 'map'; section: number; target: number; cacheable: boolean; ap: number; ng: boolean; domain: number; tlbi: 'none' | 'TLBIALL' | 'TLBIMVA' | 'TLBIMVAA' | 'TLBIASID' }
  | { k: 'tlbi'; op: 'TLBIALL' | 'TLBIMVAA' | 'TLBIIPAS2'; section: number }
  | { k: 'asid'; asid: number }
  | { k: 'dacr'; domain1: number }
  | { k: 'sctlr'; m: boolean; c: boolean }
  | { k: 'el'; el: 0 | 1 }
  | { k: 'migrate'; pcpu: number }
  | { k: 'sw'; op: 'isw' | 'csw' | 'cisw'; level: number; set: number; way: number }
  | { k: 'va'; op: 'cvac' | 'civac' | 'ivac' | 'cvau' | 'zva'; window: boolean; index: number; off: number }
  | { k: 'observe'; on: boolean }
  | { k: 'p2m'; target: number; to: number; readOnly: boolean; tlbi: boolean };

/** Offsets that favour page and line boundaries. */
const offset = fc.oneof(fc.integer({ min: 0, max: 0x1fff }), fc.integer({ min: 0xff8, max: 0x1008 }), fc.integer({ min: 0, max: 0x1f }).map((l) => l * 64 + 62));
const access: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ k: fc.constant('read' as const), size: fc.constantFrom(1 as const, 2 as const, 4 as const), window: fc.boolean(), index: fc.nat(TARGETS - 1), off: offset }),
  fc.record({ k: fc.constant('write' as const), size: fc.constantFrom(1 as const, 2 as const, 4 as const), window: fc.boolean(), index: fc.nat(TARGETS - 1), off: offset, value: fc.nat({ max: 0xffffffff }) }),
);
const control: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    k: fc.constant('map' as const),
    section: fc.nat(SECTIONS - 1),
    target: fc.nat(TARGETS - 1),
    cacheable: fc.boolean(),
    ap: fc.constantFrom(0b01, 0b10, 0b11, 0b101),
    ng: fc.boolean(),
    domain: fc.nat(1),
    tlbi: fc.constantFrom('none' as const, 'TLBIALL' as const, 'TLBIMVA' as const, 'TLBIMVAA' as const, 'TLBIASID' as const),
  }),
  fc.record({ k: fc.constant('tlbi' as const), op: fc.constantFrom('TLBIALL' as const, 'TLBIMVAA' as const, 'TLBIIPAS2' as const), section: fc.nat(SECTIONS - 1) }),
  fc.record({ k: fc.constant('asid' as const), asid: fc.nat(3) }),
  fc.record({ k: fc.constant('dacr' as const), domain1: fc.constantFrom(0, 1, 3) }),
  fc.record({ k: fc.constant('sctlr' as const), m: fc.boolean(), c: fc.boolean() }),
  fc.record({ k: fc.constant('el' as const), el: fc.constantFrom(0 as const, 1 as const) }),
  fc.record({ k: fc.constant('migrate' as const), pcpu: fc.nat(1) }),
  fc.record({ k: fc.constant('sw' as const), op: fc.constantFrom('isw' as const, 'csw' as const, 'cisw' as const), level: fc.nat(1), set: fc.nat(3), way: fc.nat(7) }),
  fc.record({ k: fc.constant('va' as const), op: fc.constantFrom('cvac' as const, 'civac' as const, 'ivac' as const, 'cvau' as const, 'zva' as const), window: fc.boolean(), index: fc.nat(TARGETS - 1), off: offset }),
  fc.record({ k: fc.constant('observe' as const), on: fc.boolean() }),
  fc.record({ k: fc.constant('p2m' as const), target: fc.nat(TARGETS - 1), to: fc.nat(TARGETS - 1), readOnly: fc.boolean(), tlbi: fc.boolean() }),
);
/** Mostly accesses, so that the fast table fills and is used between the events that empty it. */
const program = fc.array(fc.oneof({ arbitrary: access, weight: 4 }, { arbitrary: control, weight: 1 }), { minLength: 1, maxLength: 120 });


/** Short-descriptor section (G5 "Short-descriptor translation table format"): AP[2] in `ap` bit 2. */
function section(ipa: number, o: { cacheable: boolean; ap: number; ng: boolean; domain: number }): number {
  const attrs = o.cacheable ? (0b001 << 12) | (1 << 3) | (1 << 2) : 0b001 << 12; // Normal WB / Normal NC
  return ((ipa & 0xfff00000) | (o.ng ? 1 << 17 : 0) | (1 << 16) | ((o.ap >> 2) << 15) | attrs | ((o.ap & 3) << 10) | (o.domain << 5) | 0b10) >>> 0;
}

interface Outcome {
  readonly results: string[];
  readonly observed: string[];
  readonly machine: Machine;
  readonly hits: number;
  readonly misses: number;
  readonly walks: number;
}

function runProgram(ops: readonly Op[], fast: boolean): Outcome {
  const machine = new Machine({ preset: 'cubietruck', isa: 'a32', policy: 'passthrough', guestRamBytes: 32 * MiB });
  const vm = machine.vms[0];
  const vcpu = vm.vcpus[0];
  const port = vcpu.port;
  port.fastPath = fast;
  installShortDescriptorTables(machine, vm, vcpu, HARNESS.tables, []);
  enterEl1(vcpu, HARNESS.imageArea, HARNESS.stackTop);
  const targetIpa = (t: number) => vm.ramIpa + TARGET_OFFSET + t * MiB;
  const writeSection = (s: number, desc: number) => machine.memory.write32(vm.ipaToPa(HARNESS.tables + ((WINDOW >>> 20) + s) * 4), desc);
  for (let s = 0; s < SECTIONS; s++) writeSection(s, section(targetIpa(s), { cacheable: true, ap: 0b11, ng: false, domain: 0 }));
  const regs = vcpu.sysregs;
  regs.set(SysReg.SCTLR, (regs.get(SysReg.SCTLR) | 0x5) >>> 0);
  let el: 0 | 1 = 1;
  port.currentEl = () => el;
  const recorder = new AccessRecorder();
  const results: string[] = [];
  const va = (o: { window: boolean; index: number; off: number }) =>
    o.window ? WINDOW + (o.index % SECTIONS) * MiB + o.off : targetIpa(o.index) + o.off;
  const attempt = (f: () => string): void => {
    try {
      results.push(f());
    } catch (e) {
      if (!(e instanceof MemoryAbort)) throw e;
      results.push(`abort ${e.fault.kind} s${e.fault.stage}`);
    }
  };
  for (const op of ops) {
    switch (op.k) {
      case 'read':
        attempt(() => {
          const a = va(op);
          return String(op.size === 1 ? port.read8(a) : op.size === 2 ? port.read16(a) : port.read32(a));
        });
        break;
      case 'write':
        attempt(() => {
          const a = va(op);
          if (op.size === 1) port.write8(a, op.value);
          else if (op.size === 2) port.write16(a, op.value);
          else port.write32(a, op.value);
          return 'ok';
        });
        break;
      case 'map':
        writeSection(op.section, section(targetIpa(op.target), op));
        if (op.tlbi !== 'none') {
          const mva = WINDOW + op.section * MiB;
          port.translator.tlbMaintenance(op.tlbi, op.tlbi === 'TLBIASID' ? regs.get(SysReg.CONTEXTIDR) & 0xff : op.tlbi === 'TLBIMVA' ? mva | (regs.get(SysReg.CONTEXTIDR) & 0xff) : mva, 0);
        }
        break;
      case 'tlbi':
        port.translator.tlbMaintenance(op.op, op.op === 'TLBIIPAS2' ? targetIpa(op.section) / 4096 : WINDOW + op.section * MiB, 0);
        break;
      case 'asid':
        regs.set(SysReg.CONTEXTIDR, op.asid);
        break;
      case 'dacr':
        regs.set(SysReg.DACR, (0b01 | (op.domain1 << 2)) >>> 0);
        break;
      case 'sctlr': {
        const v = (regs.get(SysReg.SCTLR) & ~0x5) | (op.m ? 1 : 0) | (op.c ? 4 : 0);
        regs.set(SysReg.SCTLR, v >>> 0);
        break;
      }
      case 'el':
        el = op.el;
        break;
      case 'migrate':
        machine.migrate(vcpu, op.pcpu);
        break;
      case 'sw':
        results.push(machine.caches.setWay(port.pcpu, op.op, ((op.way << 30) | (op.set << 6) | (op.level << 1)) >>> 0));
        break;
      case 'va':
        attempt(() => {
          const pa = port.translator.translate(va(op), op.op === 'zva' ? 'write' : 'read', el).pa;
          machine.caches.byAddress(port.pcpu, op.op, pa);
          return 'done';
        });
        break;
      case 'observe':
        port.observer = op.on ? recorder : null;
        break;
      case 'p2m': {
        // The first page of a target now holds another target's first page (stage 2 remapped).
        vm.p2m.map(targetIpa(op.target), vm.ipaToPa(targetIpa(op.to)), 4096, op.readOnly ? { ...S2_NORMAL_RW, s2ap: S2AP.READ_ONLY } : S2_NORMAL_RW);
        if (op.tlbi) port.translator.tlbMaintenance('TLBIIPAS2', targetIpa(op.target) / 4096, 0);
        break;
      }
    }
  }
  const t = port.translator;
  return { results, observed: recorder.log, machine, hits: t.hits, misses: t.misses, walks: t.walks };
}

/** Everything a run leaves that the fast table could have changed, compared in one place. */
function expectSameState(a: Outcome, b: Outcome): void {
  expect(a.results).toEqual(b.results);
  expect(a.observed).toEqual(b.observed);
  expect([a.hits, a.misses, a.walks]).toEqual([b.hits, b.misses, b.walks]);
  expectSameMemorySystem(a.machine, b.machine);
}

describe('the data-access fast table', () => {
  it('leaves every result, memory, cache line, LRU stamp and counter as the full path does (property)', () => {
    fc.assert(
      fc.property(program, (ops) => {
        expectSameState(runProgram(ops, true), runProgram(ops, false));
      }),
      { numRuns: 150 },
    );
  });

  it.each([
    ['the MMU turned off', [{ k: 'sctlr', m: false, c: true }]],
    ['a section remapped and TLBIMVAA', [{ k: 'map', section: 1, target: 4, cacheable: true, ap: 0b11, ng: false, domain: 0, tlbi: 'TLBIMVAA' }]],
    ['the data cache turned off', [{ k: 'sctlr', m: true, c: false }]],
    ['EL0 without access', [{ k: 'map', section: 1, target: 1, cacheable: true, ap: 0b01, ng: false, domain: 0, tlbi: 'TLBIALL' }, { k: 'read', size: 4, window: true, index: 1, off: 8 }, { k: 'el', el: 0 }]],
    ['domain 1 made No access', [{ k: 'map', section: 1, target: 1, cacheable: true, ap: 0b11, ng: false, domain: 1, tlbi: 'TLBIALL' }, { k: 'read', size: 4, window: true, index: 1, off: 8 }, { k: 'dacr', domain1: 0 }]],
    ['a global entry replaced by a write that missed its permissions (no TLBI)', [
      { k: 'map', section: 1, target: 1, cacheable: true, ap: 0b101, ng: false, domain: 0, tlbi: 'TLBIALL' },
      { k: 'read', size: 4, window: true, index: 1, off: 8 },
      { k: 'map', section: 1, target: 3, cacheable: true, ap: 0b11, ng: false, domain: 0, tlbi: 'none' },
      { k: 'write', size: 4, window: true, index: 1, off: 12, value: 7 },
    ]],
    ['a stage 2 remap and TLBIIPAS2', [{ k: 'p2m', target: 1, to: 5, readOnly: false, tlbi: true }]],
    ['a stage 2 page made read-only and TLBIIPAS2', [{ k: 'p2m', target: 1, to: 1, readOnly: true, tlbi: true }]],
    ['an ASID change over non-global sections', [{ k: 'map', section: 1, target: 1, cacheable: true, ap: 0b11, ng: true, domain: 0, tlbi: 'TLBIALL' }, { k: 'read', size: 4, window: true, index: 1, off: 8 }, { k: 'asid', asid: 2 }, { k: 'map', section: 1, target: 2, cacheable: true, ap: 0b11, ng: true, domain: 0, tlbi: 'none' }]],
  ] as [string, Op[]][])('a remembered page is forgotten after %s', (_name, change) => {
    const warm: Op[] = [{ k: 'write', size: 4, window: true, index: 1, off: 8, value: 0x5a5a }, { k: 'read', size: 4, window: true, index: 1, off: 8 }];
    const after: Op[] = [{ k: 'read', size: 4, window: true, index: 1, off: 8 }, { k: 'write', size: 2, window: true, index: 1, off: 16, value: 3 }, { k: 'read', size: 1, window: true, index: 1, off: 17 }];
    const ops = [...warm, ...change, ...after];
    expectSameState(runProgram(ops, true), runProgram(ops, false));
  });

  it('is used: a warm loop over one page takes the fast table, not the translator', () => {
    const ops: Op[] = [];
    for (let i = 0; i < 64; i++) ops.push({ k: 'write', size: 4, window: true, index: 1, off: i * 4, value: i }, { k: 'read', size: 4, window: true, index: 1, off: i * 4 });
    const fast = runProgram(ops, true);
    const slow = runProgram(ops, false);
    expectSameState(fast, slow);
    expect(fast.machine.vcpus[0].port.soft.tags.some((t) => !Number.isNaN(t))).toBe(true);
    expect(slow.machine.vcpus[0].port.soft.tags.every((t) => Number.isNaN(t))).toBe(true);
  });
});
