/** Recording fakes of the SystemPort, El2Gate and CPU context, for the register-model tests. */
import type { TrappedVcpu, El2Gate, TrapDetail } from '../../src/exec/el2-gate';
import type { SystemAccessContext } from '../../src/exec/system-instructions';
import type { InstructionCacheOp, SetWayOp, SystemPort, VaCacheOp } from '../../src/exec/system-port';

export type PortCall =
  | ['setway', SetWayOp, number]
  | ['va', VaCacheOp, number]
  | ['icache', InstructionCacheOp, number]
  | ['tlb', string, number, number]
  | ['translation'];

export class RecordingPort implements SystemPort {
  readonly calls: PortCall[] = [];
  /** CCSIDR by CSSELR value: a distinct, recognisable value per selector. */
  readonly cacheId = {
    clidr: (): number => 0x0a200023,
    ccsidr: (csselr: number): number => (0x700fe01a + csselr * 0x100) >>> 0,
    ctr: (): number => 0x84448003,
  };
  dataCacheSetWay(op: SetWayOp, operand: number): void {
    this.calls.push(['setway', op, operand]);
  }
  dataCacheByVa(op: VaCacheOp, va: number): void {
    this.calls.push(['va', op, va]);
  }
  instructionCache(op: InstructionCacheOp, va: number): void {
    this.calls.push(['icache', op, va]);
  }
  tlbInvalidate(op: string, operand: number, operandHi: number): void {
    this.calls.push(['tlb', op, operand, operandHi]);
  }
  translationControlChanged(): void {
    this.calls.push(['translation']);
  }
}

export class RecordingGate implements El2Gate {
  readonly traps: { esr: number; detail: TrapDetail }[] = [];
  constructor(
    public hcr = 0,
    public hcrHigh = 0,
  ) {}
  takeTrap(esr: number, detail: TrapDetail, vcpu: TrappedVcpu): void {
    this.traps.push({ esr, detail });
    vcpu.skipInstruction();
  }
}

export class FakeCpu implements SystemAccessContext {
  readonly lo = new Uint32Array(32);
  readonly hi = new Uint32Array(32);
  skipped = 0;
  aarch32Mode?: number;
  constructor(
    public el = 1,
    public cond = 0xe,
    public is16bit = false,
  ) {}
  readRegister(n: number): number {
    return n === 31 ? 0 : this.lo[n];
  }
  readRegisterHigh(n: number): number {
    return n === 31 ? 0 : this.hi[n];
  }
  writeRegister(n: number, low: number, high = 0): void {
    if (n === 31) throw new Error('write to register 31');
    this.lo[n] = low;
    this.hi[n] = high;
  }
  skipInstruction(): void {
    this.skipped++;
  }
  injectUndefined(): void {
    throw new Error('not used');
  }
  injectDataAbort(): void {
    throw new Error('not used');
  }
  halt(): void {
    throw new Error('not used');
  }
}
