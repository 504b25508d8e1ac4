/**
 * A debugger's view of guest memory: what the vCPU would read (its caches' dirty data for a
 * cacheable mapping, memory for a non-cacheable one), and reading it changes nothing in the
 * machine: no cache line, LRU stamp or counter, no TLB entry, no translator counter.
 */
import { describe, expect, it } from 'vitest';
import { Machine, GUEST_RAM_IPA } from '../../src/hyp/machine';
import type { Vcpu } from '../../src/hyp/vcpu';
import { GuestView } from '../../src/gdb/guest-view';
import { cacheReport } from '../../src/gdb/cache-report';
import { enterEl1, loadImageIntoVm } from '../../src/scenarios/guest-setup';
import { HANDOFF, loadRom } from '../../src/scenarios/rom-images';
import { firstCleanBySetWay } from './helpers';

function bootHandoffAtFlush(): { machine: Machine; vcpu: Vcpu } {
  const image = loadRom('a32-boot-handoff.elf');
  const machine = new Machine({ preset: 'cubietruck', isa: 'a32', policy: 'kvm', guestRamBytes: 64 * 2 ** 20 });
  const vm = machine.vms[0];
  const vcpu = vm.vcpus[0];
  loadImageIntoVm(machine, vm, image);
  enterEl1(vcpu, image.entry, HANDOFF.stackTop);
  // The first DCCISW of flush_dcache_all: the pattern is written, the caches are on and dirty.
  const target = firstCleanBySetWay('a32-boot-handoff.elf').address;
  while (vcpu.cpu.pc !== target) machine.advance(vcpu, vcpu.cpu.instructionsRetired < 1_000_000 ? 10_000 : 1);
  return { machine, vcpu };
}

/** Everything a read could disturb, as comparable values. */
function snapshot(machine: Machine, vcpu: Vcpu) {
  const t = vcpu.port.translator;
  return {
    arrays: machine.caches.caches.map((c) => [Array.from(c.state), Array.from(c.tags), Array.from(c.stamps), Buffer.from(c.data).toString('base64')]),
    counters: JSON.stringify(machine.caches.counters()),
    translator: [t.hits, t.misses, t.walks],
    tlbEntries: machine.tlb.size,
    pages: machine.memory.allocatedPages,
  };
}

describe('GuestView: memory as the vCPU would read it, without side effects', () => {
  it('reads the dirty pattern from L1 where memory still holds zeros, and changes nothing', () => {
    const { machine, vcpu } = bootHandoffAtFlush();
    const view = new GuestView(machine.caches, machine.memory);
    const lastLine = HANDOFF.buffer + HANDOFF.bufferBytes - 64;
    const before = snapshot(machine, vcpu);

    const bytes = Buffer.from(view.read(vcpu, lastLine, 64), 'latin1');
    const where = view.translate(vcpu, lastLine);
    const report = cacheReport(machine.caches, machine.memory, lastLine);

    expect(snapshot(machine, vcpu)).toEqual(before);
    expect(bytes.length).toBe(64);
    for (let off = 0; off < 64; off += 4) expect(bytes.readUInt32LE(off)).toBe(((lastLine + off) ^ HANDOFF.seed) >>> 0);
    expect(where).toEqual({ ipa: lastLine, pa: lastLine, cacheable: true });
    // The line is only in pCPU 0's L1, dirty; memory has not seen the pattern yet.
    expect(machine.memory.read32(lastLine)).toBe(0);
    expect(report).toMatch(/L1 cpu0\.L1D\s+valid dirty\s+([0-9a-f]{8} ){15}[0-9a-f]{8}\n/);
    expect(report).toMatch(/L1 cpu1\.L1D\s+invalid/);
    expect(report).toContain(`  ${(((lastLine) ^ HANDOFF.seed) >>> 0).toString(16)} `);
  });

  it('reads memory, not a dirty cache line, where the vCPU reads non-cacheable (MMU off)', () => {
    const machine = new Machine({ preset: 'cubietruck', isa: 'a32', policy: 'kvm', guestRamBytes: 64 * 2 ** 20 });
    const vcpu = machine.vms[0].vcpus[0];
    const pa = GUEST_RAM_IPA + 0x1000;
    machine.memory.write32(pa, 0x1111_1111);
    machine.caches.write(0, pa, 4, 0x2222_2222);
    const view = viewOf(machine);
    expect(view.translate(vcpu, pa)).toEqual({ ipa: pa, pa, cacheable: false });
    expect(Buffer.from(view.read(vcpu, pa, 4), 'latin1').readUInt32LE(0)).toBe(0x1111_1111);
    expect(machine.caches.peek(0, pa, 4)).toBe(0x2222_2222);
  });

  it('stops at the end of guest RAM (stage 2 faults beyond it)', () => {
    const machine = new Machine({ preset: 'cubietruck', isa: 'a32', policy: 'kvm', guestRamBytes: 64 * 2 ** 20 });
    const vcpu = machine.vms[0].vcpus[0];
    const end = GUEST_RAM_IPA + 64 * 2 ** 20;
    expect(viewOf(machine).read(vcpu, end - 8, 16).length).toBe(8);
    expect(viewOf(machine).translate(vcpu, end)).toMatch(/stage 2 translation fault/);
  });

  it('under on-demand stage 2 (as KVM fills it) reads RAM the guest has not touched through the memory map; without it, the fault', () => {
    const machine = new Machine({ preset: 'cubietruck', isa: 'a32', policy: 'kvm', guestRamBytes: 64 * 2 ** 20, populate: 'on-demand' });
    const vcpu = machine.vms[0].vcpus[0];
    const pa = GUEST_RAM_IPA + 0x2000;
    machine.memory.write32(pa, 0x3333_3333);
    expect(new GuestView(machine.caches, machine.memory).translate(vcpu, pa)).toMatch(/stage 2 translation fault/);
    expect(Buffer.from(viewOf(machine).read(vcpu, pa, 4), 'latin1').readUInt32LE(0)).toBe(0x3333_3333);
    // Nothing was mapped by the read.
    expect(machine.vms[0].p2m.lookup(pa)).toBeNull();
  });
});

/** As the GDB target builds it: the VM's memory map for RAM stage 2 has not filled yet. */
function viewOf(machine: Machine): GuestView {
  return new GuestView(machine.caches, machine.memory, (v) => machine.vms.find((vm) => vm.vcpus.includes(v)));
}
