/** PSCI 1.0 decoding and answers (Arm DEN0022), with a recording VM runner behind it. */
import { describe, expect, it } from 'vitest';
import type { TrappedVcpu } from '../../src/exec/el2-gate';
import { Psci, PSCI_RET, PSCI_VERSION_1_0, type PsciTarget } from '../../src/hyp/psci';

class Regs implements TrappedVcpu {
  lo = new Array<number>(31).fill(0);
  hi = new Array<number>(31).fill(0);
  constructor(values: Record<number, number>) {
    for (const [n, v] of Object.entries(values)) this.lo[Number(n)] = v >>> 0;
  }
  readRegister(n: number) {
    return this.lo[n];
  }
  readRegisterHigh(n: number) {
    return this.hi[n];
  }
  writeRegister(n: number, low: number, high = 0) {
    this.lo[n] = low >>> 0;
    this.hi[n] = high >>> 0;
  }
  skipInstruction() {}
  injectUndefined() {}
  injectDataAbort() {}
  halt() {}
}

class Vm implements PsciTarget {
  states: ('on' | 'off' | 'on-pending')[] = ['on', 'off'];
  log: string[] = [];
  vcpuOfMpidr(mpidr: number) {
    return (mpidr & 0xff_ffff) < this.states.length ? mpidr & 0xff : -1;
  }
  powerState(v: number) {
    return this.states[v];
  }
  cpuOn(v: number, entry: number, _eh: number, context: number) {
    this.states[v] = 'on';
    this.log.push(`on ${v} 0x${entry.toString(16)} ctx ${context}`);
  }
  cpuOff(v: number) {
    this.states[v] = 'off';
    this.log.push(`off ${v}`);
  }
  systemOff() {
    this.log.push('system off');
  }
  systemReset() {
    this.log.push('system reset');
  }
}

const call = (psci: Psci, values: Record<number, number>, vcpu = 0) => {
  const regs = new Regs(values);
  const handled = psci.call(vcpu, 0, false, regs);
  return { handled, r0: regs.lo[0] | 0, r0High: regs.hi[0] };
};

describe('PSCI', () => {
  it('reports version 1.0 and the features it implements', () => {
    const psci = new Psci(new Vm(), false);
    expect(call(psci, { 0: 0x8400_0000 }).r0).toBe(PSCI_VERSION_1_0);
    expect(call(psci, { 0: 0x8400_000a, 1: 0x8400_0003 }).r0).toBe(0); // CPU_ON
    expect(call(psci, { 0: 0x8400_000a, 1: 0x8400_0005 }).r0).toBe(PSCI_RET.NOT_SUPPORTED); // MIGRATE
    expect(call(psci, { 0: 0x8400_000a, 1: 0xc400_0003 }).r0).toBe(PSCI_RET.NOT_SUPPORTED); // SMC64 on an AArch32 VM
    expect(call(psci, { 0: 0x8400_0006 }).r0).toBe(2);
  });

  it('CPU_ON starts an off vCPU at its entry with its context; again gives ALREADY_ON; a bad MPIDR INVALID_PARAMETERS', () => {
    const vm = new Vm();
    const psci = new Psci(vm, true);
    expect(call(psci, { 0: 0xc400_0003, 1: 1, 2: 0x4020_0000, 3: 77 }).r0).toBe(PSCI_RET.SUCCESS);
    expect(vm.log).toEqual(['on 1 0x40200000 ctx 77']);
    const again = call(psci, { 0: 0xc400_0003, 1: 1, 2: 0x4020_0000 });
    expect([again.r0, again.r0High]).toEqual([PSCI_RET.ALREADY_ON, 0xffff_ffff]); // negative in all 64 bits
    expect(call(psci, { 0: 0xc400_0003, 1: 7, 2: 0 }).r0).toBe(PSCI_RET.INVALID_PARAMETERS);
  });

  it('AFFINITY_INFO answers per vCPU; CPU_OFF, SYSTEM_OFF and SYSTEM_RESET reach the VM', () => {
    const vm = new Vm();
    const psci = new Psci(vm, false);
    expect(call(psci, { 0: 0x8400_0004, 1: 1, 2: 0 }).r0).toBe(1);
    expect(call(psci, { 0: 0x8400_0004, 1: 0, 2: 0 }).r0).toBe(0);
    call(psci, { 0: 0x8400_0002 }, 0);
    call(psci, { 0: 0x8400_0008 });
    call(psci, { 0: 0x8400_0009 });
    expect(vm.log).toEqual(['off 0', 'system off', 'system reset']);
    expect(psci.calls.get('AFFINITY_INFO')).toBe(2);
  });

  it('leaves calls that are not PSCI to others, and answers unknown PSCI functions NOT_SUPPORTED', () => {
    const psci = new Psci(new Vm(), false);
    expect(call(psci, { 0: 0x1234 }).handled).toBe(false);
    expect(call(psci, { 0: 0x8400_0042 }).r0).toBe(PSCI_RET.NOT_SUPPORTED);
  });
});
