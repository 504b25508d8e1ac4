/**
 * Address translation instructions (A64 AT S1E1R/W, S1E0R/W; A32 ATS1CPR/W, ATS1CUR/W): stage 1
 * of the current regime only, its result or stage 1 fault in PAR / PAR_EL1, a stage 2 fault on
 * the walk taken to EL2 (Arm ARM D8 / G5 "Address translation instructions", D17 "PAR_EL1", G8
 * "PAR"). Instruction words were checked with llvm-mc 14 -show-encoding.
 */
import { describe, expect, it } from 'vitest';
import { attributesOf, CACHE, DEVICE, deviceCode, normalCode, SHARE } from '../../src/mmu/memory-attributes';
import { SCTLR, stage1Regime } from '../../src/mmu/stage1-regime';
import { S2_NORMAL_RW } from '../../src/mmu/stage2-descriptor';
import { parFault, parSuccess } from '../../src/exec/sysregs/par';
import { shortDescriptorFaultStatus } from '../../src/hyp/guest-abort-registers';
import { loadRaw } from '../../src/rom';
import { runProgram } from '../../src/scenarios/program';
import { A64Cpu } from '../../src/exec/a64';
import { FlatMemory } from '../../src/exec/flat-memory';
import { SystemRegisters } from '../../src/exec/sysregs/system-registers';
import { MemoryAbort } from '../../src/mmu/fault';
import { RecordingGate, RecordingPort } from '../sysregs/fakes';
import { faultOf, makeMachine } from './helpers';

const TTB = 0x4000_0000;
const PA_OFFSET = 0x1_0000_0000;

/** Short-descriptor tables: VA 0x4000_0000 a full-access section, VA 0x4010_0000 privileged-only, both at IPA 0x8000_0000 + n MiB. */
function shortMmu() {
  const m = makeMachine();
  m.p2m.map(0x4000_0000, 0x4000_0000 + PA_OFFSET, 0x20_0000, S2_NORMAL_RW);
  m.writeIpa32(TTB + 0x400 * 4, 0x8000_0c02); // AP[1:0] = 0b11: read/write at PL0 and PL1
  m.writeIpa32(TTB + 0x401 * 4, 0x8010_0402); // AP[1:0] = 0b01: PL1 only
  m.translator.setStage1(stage1Regime({ format: 'short', sctlr: SCTLR.M | SCTLR.C, ttbr0Lo: TTB, dacr: 1 }));
  return m;
}

describe('Translator.translateStage1: what AT sees', () => {
  it('returns the IPA even where stage 2 maps nothing (an S1 translation stops at the IPA), and fills no TLB entry', () => {
    const m = shortMmu();
    const t = m.translator.translateStage1(0x4000_0123, 'read', 1);
    expect(t.ipa).toBe(0x8000_0123);
    expect(m.p2m.lookup(0x8000_0000)).toBeNull();
    const walks = m.translator.walks;
    m.translator.translateStage1(0x4000_0123, 'read', 1);
    expect(m.translator.walks).toBe(walks + 1);
  });

  it('checks permissions for the EL the instruction names: PL0 on a PL1-only section is a level 1 permission fault', () => {
    const m = shortMmu();
    expect(m.translator.translateStage1(0x4010_0000, 'write', 1).ipa).toBe(0x8010_0000);
    expect(faultOf(() => m.translator.translateStage1(0x4010_0000, 'read', 0))).toMatchObject({ kind: 'permission', stage: 1, level: 1 });
    expect(faultOf(() => m.translator.translateStage1(0x4020_0000, 'read', 1))).toMatchObject({ kind: 'translation', stage: 1, level: 1 });
  });

  it('a table that stage 2 does not map is a stage 2 fault on the walk (S1PTW) for EL2, never a PAR value', () => {
    const m = shortMmu();
    m.translator.setStage1(stage1Regime({ format: 'short', sctlr: SCTLR.M, ttbr0Lo: 0x7000_0000, dacr: 1 }));
    expect(faultOf(() => m.translator.translateStage1(0x4000_0000, 'read', 1))).toMatchObject({ stage: 2, s1ptw: true, kind: 'translation' });
  });
});

describe('PAR encodings', () => {
  const normalWbInner = attributesOf(normalCode(CACHE.wb, CACHE.wb, SHARE.inner));
  const device = attributesOf(deviceCode(DEVICE.nGnRE));

  it('64-bit format: PA[47:12], bit 11 (RES1 / LPAE), SH[8:7], ATTR[63:56] as a MAIR byte', () => {
    expect(parSuccess('long', 0x12_3456_7abc, normalWbInner)).toEqual([0x3456_7000 | 0x800 | (0b11 << 7), 0xff00_0012]);
    // Device reports Outer Shareable (0b10) and its MAIR encoding 0b0000_0100.
    expect(parSuccess('long', 0x0900_0000, device)).toEqual([0x0900_0800 | (0b10 << 7), 0x0400_0000]);
  });

  it('32-bit format: PA[31:12], NOS, SH, Inner[6:4], Outer[3:2], LPAE 0', () => {
    // Normal WB inner shareable: NOS 1, SH 1, Inner 0b101, Outer 0b01.
    expect(parSuccess('short', 0x8000_0123, normalWbInner)).toEqual([(0x8000_0000 | (1 << 10) | (1 << 7) | (0b101 << 4) | (0b01 << 2)) >>> 0, 0]);
    expect(parSuccess('short', 0x0900_0000, attributesOf(deviceCode(DEVICE.nGnRnE)))).toEqual([0x0900_0000 | (1 << 7) | (0b001 << 4), 0]);
  });

  it('a fault: F=1 with FST (64-bit) or FS as DFSR bits {12, 10, 3:0} (32-bit)', () => {
    const fault = { kind: 'permission', stage: 1, level: 2, access: 'read', va: 0, ipa: 0, s1ptw: false } as const;
    // Long: permission fault level 2 = 0b001110.
    expect(parFault('long', fault, shortDescriptorFaultStatus)).toEqual([1 | (0b001110 << 1) | 0x800, 0]);
    // Short: page permission fault FS = 0b01111: FS[3:0] in bits [4:1], FS[4] in bit 5.
    expect(parFault('short', fault, shortDescriptorFaultStatus)).toEqual([1 | (0b1111 << 1), 0]);
    // Short: section translation fault FS = 0b00101.
    expect(parFault('short', { ...fault, kind: 'translation', level: 1 }, shortDescriptorFaultStatus)).toEqual([1 | (0b0101 << 1), 0]);
  });
});

describe('AT through a whole VM (MMU off: VA = IPA, Device-nGnRnE data)', () => {
  const words = (list: number[]) => new Uint8Array(Uint32Array.from(list).buffer);

  it('A64 AT S1E1R then MRS PAR_EL1: PA 0x40000000, bit 11, SH Outer, ATTR 0x00', () => {
    // mov x1, #0x40000000; add x1, x1, #0x123; at s1e1r, x1; mrs x0, par_el1; hvc #0
    const image = loadRaw(words([0xd2a80001, 0x91048c21, 0xd5087801, 0xd5387400, 0xd4000002]), { address: 0x4000_0000, isa: 'a64' });
    const r = runProgram({ image, policy: 'kvm' });
    expect(r.haltReason).toBe('halted');
    expect(r.result >>> 0).toBe(0x4000_0000 | 0x800 | (0b10 << 7));
  });

  it('A32 ATS1CPR then MRC PAR (TTBCR.EAE=0, 32-bit format): PA 0x40000000, SH, Inner Strongly-ordered', () => {
    // movw r1, #0x123; movt r1, #0x4000; mcr p15,0,r1,c7,c8,0 (ATS1CPR); mrc p15,0,r0,c7,c4,0 (PAR); hvc #0
    const image = loadRaw(words([0xe3001123, 0xe3441000, 0xee071f18, 0xee170f14, 0xe1400070]), { address: 0x4000_0000, isa: 'a32' });
    const r = runProgram({ image, policy: 'kvm' });
    expect(r.haltReason).toBe('halted');
    expect(r.result >>> 0).toBe(0x4000_0000 | (1 << 7) | (0b001 << 4));
  });
});

describe('a stage 2 fault on the walk of an AT goes to EL2', () => {
  it('A64 AT S1E0W X1: EC 0x24, ISV 0, CM 1 (an address translation instruction), S1PTW 1, WnR 1, HPFAR of the table', () => {
    const table = 0x7000_0000;
    class WalkFaultPort extends RecordingPort {
      addressTranslate(_op: string, va: number): readonly [number, number] {
        throw new MemoryAbort({ kind: 'translation', stage: 2, level: 2, access: 'write', va, ipa: table, s1ptw: true });
      }
    }
    const memory = new FlatMemory();
    memory.load(0x8000, new Uint8Array(Uint32Array.of(0xd5087861).buffer)); // at s1e0w, x1
    const gate = new RecordingGate();
    const cpu = new A64Cpu({ memory, el2: gate, system: new SystemRegisters({ port: new WalkFaultPort(), el2: gate, aarch64: true }) });
    cpu.pc = 0x8000;
    cpu.setX(1, 0x1234_5000);
    cpu.step();
    const iss = (1 << 8) | (1 << 7) | (1 << 6) | 0b000110;
    expect(gate.traps).toEqual([{ esr: ((0x24 << 26) | (1 << 25) | iss) >>> 0, detail: { far: 0x1234_5000, hpfar: (table / 4096) * 16 } }]);
  });
});
