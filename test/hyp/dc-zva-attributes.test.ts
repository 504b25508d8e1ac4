/**
 * DC ZVA stores zeros with the memory attributes of the block it names (Arm ARM C5.3 "DC ZVA",
 * and its behaviour on Device memory: an Alignment fault): into the caches for Normal Write-Back,
 * straight to memory for Normal Non-cacheable (SCTLR_EL1.C = 0 makes Normal memory
 * Non-cacheable), an Alignment fault for Device memory (the MMU off: every data access is
 * Device-nGnRnE). It once wrote into the caches whatever the attributes.
 */
import { describe, expect, it } from 'vitest';
import type { A64Cpu } from '../../src/exec/a64';
import { SysReg } from '../../src/exec/sysregs/ids';
import { Machine } from '../../src/hyp/machine';
import { installA64Tables } from '../../src/scenarios/stage1-identity';

const CODE = 0x4000_1000;
const TABLES = 0x4010_0000;
const BLOCK = 0x4020_0000;
const DC_ZVA_X1 = 0xd50b7421; // dc zva, x1 (llvm-mc 14)

function zeroBlock(sctlr: number) {
  const machine = new Machine({ preset: 'server', isa: 'a64', policy: 'passthrough', guestRamBytes: 16 * 2 ** 20 });
  const vm = machine.vms[0];
  const vcpu = vm.vcpus[0];
  const cpu = vcpu.cpu as A64Cpu;
  machine.memory.write32(vm.ipaToPa(CODE), DC_ZVA_X1);
  for (let off = 0; off < 64; off += 4) machine.memory.write32(vm.ipaToPa(BLOCK + off), 0xffff_ffff);
  installA64Tables(machine, vm, vcpu, TABLES);
  vcpu.sysregs.set(SysReg.SCTLR_EL1, (vcpu.sysregs.get(SysReg.SCTLR_EL1) | sctlr) >>> 0);
  cpu.pc = CODE;
  cpu.setX(1, BLOCK + 8);
  cpu.run(1);
  const pa = vm.ipaToPa(BLOCK);
  return { machine, cpu, memoryWord: machine.memory.read32(pa), cachedWord: machine.caches.read(0, pa, 4), dirtyLines: [...machine.caches.dirtyLines(() => true)].length };
}

describe('DC ZVA follows the memory attributes', () => {
  it('Normal Write-Back (MMU and data cache on): zeros in a dirty line, memory untouched until cleaned', () => {
    const r = zeroBlock(0b101);
    expect(r.cpu.pc).toBe(CODE + 4);
    expect(r.cachedWord).toBe(0);
    expect(r.memoryWord).toBe(0xffff_ffff);
    expect(r.dirtyLines).toBeGreaterThan(0);
  });

  it('Normal Non-cacheable (MMU on, data cache off): zeros in memory, nothing allocated', () => {
    const r = zeroBlock(0b001);
    expect(r.cpu.pc).toBe(CODE + 4);
    expect(r.memoryWord).toBe(0);
    expect(r.dirtyLines).toBe(0);
  });

  it('Device (MMU off): an Alignment fault taken to EL1 (EC 0x25, DFSC 0b100001, WnR 1), nothing written', () => {
    const r = zeroBlock(0);
    expect(r.cpu.esr >>> 26).toBe(0x25);
    expect(r.cpu.esr & 0x3f).toBe(0b100001);
    expect((r.cpu.esr >>> 6) & 1).toBe(1);
    expect(r.memoryWord).toBe(0xffff_ffff);
    expect(r.dirtyLines).toBe(0);
  });
});
