/**
 * Loads and stores of compiled T32 blocks made inline (L1 hits without a call, src/exec/inline-data-access.ts)
 * change speed, never results: a T32 loop of 16- and 32-bit loads and stores (word, byte, halfword,
 * signed, writeback, register offset, two of them in an IT block) through a whole Machine (stage 1
 * and 2, caches), with the fast table on and off. Registers, every cache's tags, states, LRU stamps
 * and data, the counters and the TLB hits must be identical, and the warm loop must hit inline.
 */
import { describe, expect, it } from 'vitest';
import { A32Cpu } from '../../src/exec/a32/index';
import { SysReg } from '../../src/exec/sysregs/ids';
import { Machine } from '../../src/hyp/machine';
import { enterEl1, guestRegister, guestRegisters, setGuestRegister } from '../../src/scenarios/guest-setup';
import { installShortDescriptorTables } from '../../src/scenarios/stage1-identity';
import { HARNESS } from '../../src/scenarios/function-harness';
import { expectSameMemorySystem } from '../fast-path/compare';

const MiB = 2 ** 20;
/** The data: base r1 here, base r2 two pages on (pages 1 MiB apart would share a fast-table slot and miss by turns). */
const WINDOW = HARNESS.buffer + 3 * MiB;
const SECOND = WINDOW + 0x2000;

/**
 * llvm-objdump of: loop: ldr r3, [r1, #16]; str r3, [r2, #8]; ldrb r4, [r1, #5]; strh r4, [r2, #30];
 * ldrsh r5, [r1, #-6]; cmp r5, #0; ite ge; strge r5, [r1, #-4]!; ldrlt.w r6, [r2, r4, lsl #2];
 * adds r1, #4; subs r0, #1; bne loop; hvc #0 (as halfwords in memory order).
 */
const LOOP = [0x690b, 0x6093, 0x794c, 0x83d4, 0xf931, 0x5c06, 0x2d00, 0xbfac, 0xf841, 0x5d04, 0xf852, 0x6024, 0x3104, 0x3801, 0xd1f0, 0xf7e0, 0x8000];
const PASSES = 3000;

function run(fast: boolean) {
  const machine = new Machine({ preset: 'cubietruck', isa: 'a32', policy: 'passthrough', guestRamBytes: 32 * MiB });
  const vm = machine.vms[0];
  const vcpu = vm.vcpus[0];
  vcpu.port.fastPath = fast;
  machine.memory.writeBytes(vm.ipaToPa(HARNESS.imageArea), new Uint8Array(Uint16Array.from(LOOP).buffer));
  // Data the loads find: bytes that make LDRSH negative about half the time (both IT arms run).
  const data = Uint8Array.from({ length: 64 * 1024 }, (_, i) => (i * 37 + (i >>> 7)) & 0xff);
  machine.memory.writeBytes(vm.ipaToPa(WINDOW), data);
  installShortDescriptorTables(machine, vm, vcpu, HARNESS.tables, []);
  enterEl1(vcpu, HARNESS.imageArea, HARNESS.stackTop, true);
  vcpu.sysregs.set(SysReg.SCTLR, (vcpu.sysregs.get(SysReg.SCTLR) | 0x1005) >>> 0);
  setGuestRegister(vcpu, 0, PASSES);
  setGuestRegister(vcpu, 1, WINDOW + 64);
  setGuestRegister(vcpu, 2, SECOND + 64);
  const calls = { count: 0 };
  const caches = machine.caches;
  const read = caches.read.bind(caches);
  const write = caches.write.bind(caches);
  caches.read = (cpu, pa, size) => (calls.count++, read(cpu, pa, size));
  caches.write = (cpu, pa, size, value) => (calls.count++, write(cpu, pa, size, value));
  const outcome: string[] = [];
  // Slices of odd sizes end passes anywhere; the last runs to the HVC.
  for (const budget of [5, 333, 4097, 100_000]) {
    const r = machine.advance(vcpu, budget);
    outcome.push(`${r.instructions} ${r.halted}`);
  }
  const cpu = vcpu.cpu as A32Cpu;
  return { machine, outcome, registers: guestRegisters(vcpu), r0: guestRegister(vcpu, 0), hits: vcpu.port.translator.hits, calls: calls.count, entries: cpu.compiledBlockEntries };
}

describe('compiled T32 loads and stores made inline', () => {
  it('leave registers, memory, caches, LRU stamps and counters as the calls do, and hit inline when warm', () => {
    const fast = run(true);
    const slow = run(false);
    expect(fast.outcome).toEqual(slow.outcome);
    expect(fast.registers).toEqual(slow.registers);
    expect(fast.r0, 'the loop ran to its end').toBe(0);
    expect(fast.hits).toBe(slow.hits);
    expectSameMemorySystem(fast.machine, slow.machine);
    expect(fast.entries, 'ran compiled').toBeGreaterThan(0);
    // Six accesses a pass: the slow side calls the cache model for each; warm, the fast one does not.
    expect(slow.calls).toBeGreaterThanOrEqual(6 * PASSES);
    // Seen: 102 (the first pass, misses, the fast table filling), against 18,000.
    expect(fast.calls).toBeLessThan(500);
  });
});
