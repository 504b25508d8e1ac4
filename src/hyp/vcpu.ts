/**
 * A virtual CPU: the guest's registers (inside the executor), its system registers, its HCR_EL2,
 * and which physical CPU it runs on now. It is the El2Gate its executor traps through. A
 * migration changes `pcpu` and nothing else: the registers move, the caches stay behind.
 */
import { HCR, type El2Gate, type TrapDetail, type TrappedVcpu } from '../exec/el2-gate';
import type { SystemRegisters } from '../exec/sysregs/system-registers';
import { SysReg } from '../exec/sysregs/ids';
import type { AccessOutcome } from '../exec/system-instructions';
import type { SetWayOp } from '../exec/system-port';
import type { TranslatedMemory } from '../exec/translated-memory';
import type { CostMeter } from './cost-model';
import { EmulationContext } from './emulation-context';
import type { GuestCpu } from './guest-cpu';
import { GuestError } from './guest-error';
import type { PolicyHost, SetWayPolicy } from './policy';
import type { MmioHandler } from './mmio';
import type { HypercallHandler } from './hypercalls';
import { handleTrap } from './trap-handler';

/** HCR bits that make an access trap; EL2 clears them while it performs a trapped access itself. */
const TRAP_BITS =
  HCR.TSW | HCR.TVM | HCR.TRVM | HCR.TID1 | HCR.TID2 | HCR.TID3 | HCR.TPC | HCR.TPU | HCR.TTLB | HCR.TAC | HCR.TIDCP | HCR.TDZ | HCR.TWI | HCR.TWE | HCR.TSC;

/** A S/W op within this many guest instructions of the last one means a S/W loop is still running. */
const SET_WAY_LOOP_WINDOW = 4096;

export interface SetWayRecord {
  /**
   * Trapped: the op the guest issued (from the syndrome). Untrapped: the op the cache performed,
   * after HCR.VM/SWIO upgraded DC ISW to clean+invalidate (D7.5.9).
   */
  readonly op: SetWayOp;
  readonly operand: number;
  readonly pcpu: number;
  readonly trapped: boolean;
}

export interface VcpuTraceSink {
  trap(vcpu: Vcpu, esr: number, regs: TrappedVcpu): void;
  action(vcpu: Vcpu, message: string): void;
  /** Optional, for recorders that count (src/report/timeline-recorder.ts): a S/W op ran, trapped or not. */
  setWay?(vcpu: Vcpu, operand: number): void;
  /** Optional: a trapped register write turned the guest's stage 1 and data cache on or off (what the policy saw). */
  cachesToggled?(vcpu: Vcpu, on: boolean): void;
}

export class Vcpu implements El2Gate {
  cpu!: GuestCpu;
  port!: TranslatedMemory;
  sysregs!: SystemRegisters;
  host!: PolicyHost;
  hcrValue = 0;
  hcrHigh = 0;
  pcpu = 0;
  setWayOps = 0;
  /** `requestStop` the executor once this many S/W ops have run (the scheduler's after-sw mode). */
  stopAtSetWay = Infinity;
  error: GuestError | undefined;
  /** When set, every S/W op the vCPU issues is appended here (tests, traces). */
  setWayLog: SetWayRecord[] | undefined;
  /** Emulated devices behind stage-2 faults (a platform's), or null: then such faults stop the guest. */
  mmio: MmioHandler | null = null;
  /** Map the RAM page a stage-2 translation fault hit, when RAM is populated on demand; false if it is not RAM or already mapped. */
  populate: ((ipa: number) => boolean) | null = null;
  /** HVC/SMC handler (a platform's PSCI), or null: then HVC #0 stops the run (our ROMs' convention). */
  hypercalls: HypercallHandler | null = null;
  haltReason: string | undefined;
  /**
   * A debugger's run control (src/gdb), or null. When set, the machine runs the executor through
   * it so that it can stop before an instruction (a breakpoint, a single step, an interrupt);
   * when null, as on every run without a debugger, it costs one check per chunk of instructions.
   */
  debugRun: ((vcpu: Vcpu, maxInstructions: number) => number) | null = null;
  private lastSetWayAt = -Infinity;
  private emulating = false;
  private readonly emulation = new EmulationContext();

  constructor(
    readonly id: number,
    readonly aarch64: boolean,
    readonly policy: SetWayPolicy,
    readonly cost: CostMeter,
    private readonly traceSink: VcpuTraceSink | undefined,
  ) {}

  /** HCR_EL2 as the hardware applies it; trap bits read as clear while EL2 emulates an access. */
  get hcr(): number {
    return this.emulating ? this.hcrValue & ~TRAP_BITS : this.hcrValue;
  }

  takeTrap(esr: number, detail: TrapDetail, regs: TrappedVcpu): void {
    handleTrap(this, esr, detail, regs);
  }

  /** Run up to `maxInstructions` on the executor (through the debugger's run control when one is attached). */
  runInstructions(maxInstructions: number): number {
    return this.debugRun === null ? this.cpu.run(maxInstructions) : this.debugRun(this, maxInstructions);
  }

  /** Guest stage 1 and data cache enabled: SCTLR.M (bit 0) and SCTLR.C (bit 2), same in SCTLR_EL1. */
  get guestCachesOn(): boolean {
    return (this.sysregs.get(SysReg.SCTLR) & 0b101) === 0b101;
  }

  /** Change HCR_EL2; stage 2 follows VM and DC at once (the hypervisor writes HCR before ERET). */
  setHcr(value: number): void {
    const changed = (this.hcrValue ^ value) & (HCR.VM | HCR.DC | HCR.PTW);
    this.hcrValue = value | 0;
    if (changed !== 0) this.onStage2Change?.();
  }

  /** Set by the machine: re-install the stage-2 regime after HCR.VM/DC/PTW change. */
  onStage2Change: (() => void) | undefined;

  get setWayLoopActive(): boolean {
    return this.cpu.instructionsRetired - this.lastSetWayAt < SET_WAY_LOOP_WINDOW;
  }

  /** A S/W op ran on this vCPU (trapped or straight on the hardware). */
  noteSetWay(op: SetWayOp, operand: number, trapped: boolean): void {
    this.setWayLog?.push({ op, operand: operand >>> 0, pcpu: this.pcpu, trapped });
    this.setWayOps++;
    this.cost.setWayOps++;
    this.traceSink?.setWay?.(this, operand);
    if (trapped) this.cost.setWayOpsTrapped++;
    this.lastSetWayAt = this.cpu.instructionsRetired;
    if (this.setWayOps >= this.stopAtSetWay) this.cpu.requestStop();
  }

  /** Perform a trapped access the way the hardware would have without the trap. */
  emulate(access: (ctx: EmulationContext) => AccessOutcome, regs: TrappedVcpu): AccessOutcome {
    this.emulation.target = regs;
    this.emulating = true;
    try {
      return access(this.emulation);
    } finally {
      this.emulating = false;
    }
  }

  /** Stop the guest with an error the run reports. */
  fail(message: string, regs: TrappedVcpu): void {
    this.error ??= new GuestError(`vCPU ${this.id} at PC 0x${(this.cpu.pc >>> 0).toString(16)}: ${message}`);
    regs.halt(message);
  }

  traceTrap(esr: number, regs: TrappedVcpu): void {
    this.traceSink?.trap(this, esr, regs);
  }

  traceAction(message: string): void {
    this.traceSink?.action(this, message);
  }

  traceCachesToggled(on: boolean): void {
    this.traceSink?.cachesToggled?.(this, on);
  }
}
