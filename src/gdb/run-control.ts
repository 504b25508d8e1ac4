/**
 * How a debugger stops a running guest without patching its memory: the machine runs each vCPU
 * through `Vcpu.debugRun` (src/hyp/vcpu.ts), and this run control checks, before every instruction
 * it lets the executor retire, whether to stop there: the first instruction of the run, the end
 * of a single step, an interrupt from the debugger, or a PC in the breakpoint set. Software and
 * hardware breakpoints are the same check. While breakpoints are set or a step is pending the
 * executor runs one instruction per call; otherwise in pieces of POLL_INSTRUCTIONS, between which
 * the interrupt flag is read. The executor is driven only through GuestCpu.run/pc/stopReason,
 * and a run split into pieces retires the same instructions as one call would.
 */
import type { Vcpu } from '../hyp/vcpu';
import { SIGINT, SIGTRAP, type BreakpointKind, type Resume } from './dispatcher';

/** One-instruction steps in a row that may retire nothing before the machine is told (its exception-loop check then applies). */
const RETRIES_BEFORE_HANDING_BACK = 64;

/** Instructions between two looks at the interrupt flag while no breakpoint is set. */
const POLL_INSTRUCTIONS = 4096;

/** The debugger killed the guest (`k`): the run ends without a result. */
export class DebuggerKill extends Error {
  constructor(pc: number) {
    super(`the debugger killed the guest at PC 0x${BigInt.asUintN(64, BigInt(pc)).toString(16)}`);
    this.name = 'DebuggerKill';
  }
}

/** Called when a vCPU stops: serves the debugger (blocking) until it resumes the target. */
export type StopHandler = (vcpu: Vcpu, signal: number) => Resume;

export class RunControl {
  private readonly software = new Set<number>();
  private readonly hardware = new Set<number>();
  /** Both kinds: the addresses to stop before, as the executor's PC values. */
  private readonly stopAt = new Set<number>();
  private stepping: Vcpu | null = null;
  private stepTaken = false;
  /** The vCPU resumed from a stop: its first instruction is not checked against breakpoints. */
  private resumed: Vcpu | null = null;
  private firstStop = true;
  private detached = false;
  private vcpus: readonly Vcpu[] = [];

  constructor(
    /** True once the debugger asked for an interrupt; cleared by `clearInterrupt`. */
    private readonly interrupted: () => boolean,
    private readonly clearInterrupt: () => void,
    private readonly onStop: StopHandler,
  ) {}

  /** Run these vCPUs under this control (until `detach`). */
  attach(vcpus: readonly Vcpu[]): void {
    this.vcpus = vcpus;
    for (const v of vcpus) v.debugRun = (vcpu, max) => this.run(vcpu, max);
  }

  /** Let the guest run on alone: no more stops, the executor called directly again. */
  detach(): void {
    this.detached = true;
    this.stepping = null;
    this.software.clear();
    this.hardware.clear();
    this.stopAt.clear();
    for (const v of this.vcpus) v.debugRun = null;
  }

  get isDetached(): boolean {
    return this.detached;
  }

  insertBreakpoint(kind: BreakpointKind, pc: number): void {
    (kind === 'software' ? this.software : this.hardware).add(pc);
    this.stopAt.add(pc);
  }

  removeBreakpoint(kind: BreakpointKind, pc: number): void {
    (kind === 'software' ? this.software : this.hardware).delete(pc);
    if (!this.software.has(pc) && !this.hardware.has(pc)) this.stopAt.delete(pc);
  }

  /** Vcpu.debugRun: up to `max` instructions of `vcpu`, stopping for the debugger before any of them. */
  run(vcpu: Vcpu, max: number): number {
    const cpu = vcpu.cpu;
    let done = 0;
    // One-instruction steps that retire nothing: a fault EL2 resolved (a stage-2 fault-in, Xen's
    // lazy re-validation) and the instruction runs again. Returning 0 would tell the machine the
    // vCPU is idle; a guest that never retires (an exception loop) is still handed back.
    let nothingRetired = 0;
    for (;;) {
      const signal = this.detached ? 0 : this.stopSignal(vcpu);
      if (signal !== 0) this.stop(vcpu, signal);
      if (done >= max) return done;
      const one = this.stepping !== null || this.stopAt.size > 0 || this.resumed === vcpu;
      const n = cpu.run(one ? 1 : Math.min(max - done, POLL_INSTRUCTIONS));
      done += n;
      if (this.resumed === vcpu) this.resumed = null;
      if (this.stepping === vcpu) this.stepTaken = true;
      // Halted, waiting for an interrupt, a S/W stop point: the machine decides what follows.
      if (cpu.stopReason !== 'budget') return done;
      nothingRetired = n === 0 ? nothingRetired + 1 : 0;
      if (nothingRetired > RETRIES_BEFORE_HANDING_BACK) return done;
    }
  }

  private stopSignal(vcpu: Vcpu): number {
    if (this.firstStop) {
      this.firstStop = false;
      return SIGTRAP;
    }
    if (this.stepTaken && this.stepping === vcpu) return SIGTRAP;
    if (this.interrupted()) return SIGINT;
    if (this.resumed !== vcpu && this.stopAt.size > 0 && this.stopAt.has(vcpu.cpu.pc)) return SIGTRAP;
    return 0;
  }

  private stop(vcpu: Vcpu, signal: number): void {
    this.stepping = null;
    this.stepTaken = false;
    this.clearInterrupt();
    const resume = this.onStop(vcpu, signal);
    switch (resume.kind) {
      case 'continue':
        this.resumed = vcpu;
        break;
      case 'step':
        this.stepping = this.vcpus[resume.thread - 1] ?? vcpu;
        this.resumed = vcpu;
        break;
      case 'detach':
        this.detach();
        break;
      case 'kill':
        throw new DebuggerKill(vcpu.cpu.pc);
    }
  }
}
