/**
 * The EL2 handler driven by hand-built syndromes, with no guest code: it must decide from the
 * syndrome and the trapped vCPU's registers alone (HSR/ESR_EL2 layouts, /work/shared/REFERENCE.md
 * and Arm ARM G8 "HSR", D17 "ESR_EL2").
 */
import { describe, expect, it } from 'vitest';
import type { TrappedVcpu } from '../../src/exec/el2-gate';
import { HCR } from '../../src/exec/el2-gate';
import { SysReg } from '../../src/exec/sysregs/ids';
import { Machine } from '../../src/hyp/machine';
import type { SetWayPolicy } from '../../src/hyp/policy';
import { kvm } from '../../src/hyp/policies/kvm';

class FakeRegs implements TrappedVcpu {
  regs = new Uint32Array(31);
  skipped = 0;
  undefinedInjected = 0;
  halted: string | undefined;
  readRegister(n: number) {
    return this.regs[n];
  }
  readRegisterHigh() {
    return 0;
  }
  writeRegister(n: number, lo: number) {
    this.regs[n] = lo;
  }
  skipInstruction() {
    this.skipped++;
  }
  injectUndefined() {
    this.undefinedInjected++;
  }
  injectDataAbort() {}
  halt(reason: string) {
    this.halted = reason;
  }
}

function recordingPolicy(log: string[]): SetWayPolicy {
  const base = kvm(new Set());
  return {
    ...base,
    name: 'recording',
    onSetWay: (_h, op, operand) => log.push(`sw ${op} 0x${operand.toString(16)}`),
    onCacheToggle: (_h, was, now) => log.push(`toggle ${was}->${now}`),
    onStage2Fault: (_h, ipa, write, kind) => (log.push(`s2 ${kind} 0x${ipa.toString(16)} ${write ? 'w' : 'r'}`), true),
  };
}

function setup(isa: 'a32' | 'a64') {
  const log: string[] = [];
  const machine = new Machine({ preset: 'cubietruck', isa, policy: recordingPolicy(log), guestRamBytes: 16 * 2 ** 20 });
  return { log, machine, vcpu: machine.vms[0].vcpus[0], regs: new FakeRegs() };
}

describe('trap handler', () => {
  it('HSR 0x0FE41CBC (MCR p15,0,r5,c7,c14,2 DCCISW) hands Rt to the policy as a S/W clean+invalidate and skips it', () => {
    const { log, vcpu, regs } = setup('a32');
    regs.regs[5] = 0x40000c02;
    vcpu.takeTrap(0x0fe41cbc, { far: 0, hpfar: 0 }, regs);
    expect(log).toEqual(['sw cisw 0x40000c02']);
    expect(regs.skipped).toBe(1);
    expect(vcpu.cost.traps).toBe(1);
    expect(vcpu.setWayOps).toBe(1);
  });

  it('EC 0x03 DCISW (CRm=6) and DCCSW (CRm=10) map to isw and csw', () => {
    const { log, vcpu, regs } = setup('a32');
    const hsr = (crm: number, rt: number) => ((0x03 << 26) | (1 << 25) | (1 << 24) | (0xe << 20) | (2 << 17) | (7 << 10) | (rt << 5) | (crm << 1)) >>> 0;
    regs.regs[2] = 0x42;
    vcpu.takeTrap(hsr(6, 2), { far: 0, hpfar: 0 }, regs);
    vcpu.takeTrap(hsr(10, 2), { far: 0, hpfar: 0 }, regs);
    expect(log).toEqual(['sw isw 0x42', 'sw csw 0x42']);
  });

  it('EC 0x18 DC CISW, X3 (op0=1 op1=0 CRn=7 CRm=14 op2=2) from AArch64', () => {
    const { log, vcpu, regs } = setup('a64');
    regs.regs[3] = 0x2;
    const esr = ((0x18 << 26) | (1 << 25) | (1 << 20) | (2 << 17) | (7 << 10) | (3 << 5) | (14 << 1)) >>> 0;
    vcpu.takeTrap(esr, { far: 0, hpfar: 0 }, regs);
    expect(log).toEqual(['sw cisw 0x2']);
  });

  it('a TVM-trapped SCTLR write is performed by EL2 and reported as a cache toggle', () => {
    const { log, vcpu, regs } = setup('a32');
    expect(vcpu.hcrValue & HCR.TVM).toBeTruthy();
    regs.regs[0] = (vcpu.sysregs.get(SysReg.SCTLR) | 0b101) >>> 0;
    // MCR p15,0,r0,c1,c0,0: Opc2=0 Opc1=0 CRn=1 Rt=0 CRm=0, write.
    const hsr = ((0x03 << 26) | (1 << 25) | (1 << 24) | (0xe << 20) | (1 << 10)) >>> 0;
    vcpu.takeTrap(hsr, { far: 0, hpfar: 0 }, regs);
    expect(vcpu.sysregs.get(SysReg.SCTLR) & 0b101).toBe(0b101);
    expect(log).toEqual(['toggle false->true']);
    expect(regs.skipped).toBe(1);
  });

  it('a TRVM-style read is emulated into Rt (MRC SCTLR)', () => {
    const { vcpu, regs } = setup('a32');
    const hsr = ((0x03 << 26) | (1 << 25) | (1 << 24) | (0xe << 20) | (1 << 10) | (4 << 5) | 1) >>> 0;
    vcpu.takeTrap(hsr, { far: 0, hpfar: 0 }, regs);
    expect(regs.regs[4]).toBe(vcpu.sysregs.get(SysReg.SCTLR));
  });

  it('a stage-2 data abort reaches the policy with the IPA from HPFAR_EL2 and FAR, and is retried', () => {
    const { log, vcpu, regs } = setup('a32');
    // EC 0x24, IL, ISV=0, WnR=1, DFSC=0b001111 (permission fault level 3).
    const esr = ((0x24 << 26) | (1 << 25) | (1 << 6) | 0b001111) >>> 0;
    vcpu.takeTrap(esr, { far: 0x10234, hpfar: (0x40123000 / 4096) * 16 }, regs);
    expect(log).toEqual(['s2 permission 0x40123234 w']);
    expect(regs.skipped).toBe(0);
    expect(vcpu.cost.stage2Faults).toBe(1);
  });

  it('HVC #0 halts the guest; another immediate is an error naming it', () => {
    const { vcpu, regs } = setup('a32');
    vcpu.takeTrap((0x12 << 26) | (1 << 25), { far: 0, hpfar: 0 }, regs);
    expect(regs.halted).toBe('hvc #0');
    const again = setup('a32');
    again.vcpu.takeTrap(((0x12 << 26) | (1 << 25) | 0x99) >>> 0, { far: 0, hpfar: 0 }, again.regs);
    expect(again.vcpu.error?.message).toMatch(/HVC #0x99/);
  });

  it('an unknown trap class stops the guest with the syndrome in the message', () => {
    const { vcpu, regs } = setup('a32');
    vcpu.takeTrap(0x3c << 26, { far: 0, hpfar: 0 }, regs);
    expect(vcpu.error?.message).toMatch(/syndrome 0xf0000000/);
  });
});
