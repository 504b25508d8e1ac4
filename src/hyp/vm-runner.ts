/**
 * Runs every vCPU of one VM, as a hypervisor's scheduler does: round-robin quanta on the pCPUs
 * the migration schedule picks, vCPUs waiting in WFI until an interrupt is pending, PSCI powering
 * them on and off, and virtual time that only the guest's own progress moves (1 instruction =
 * 1 ns, as QEMU's -icount shift 0), so a seed reproduces a whole boot.
 *
 * Time: each round gives every running vCPU up to `quantum` instructions and advances the VM's
 * clock by the quantum; a vCPU reads the clock as the round's start plus what it retired in the
 * round. When every vCPU waits, the clock jumps to the platform's next event (a timer).
 */
import { A32Cpu } from '../exec/a32';
import { A64Cpu } from '../exec/a64';
import { EXCEPTION_LOOP_LIMIT, ExceptionLoopError } from '../exec/exception-loop-error';
import { BudgetExceeded } from './guest-error';
import type { Machine } from './machine';
import type { PsciTarget } from './psci';
import { Scheduler, type MigrationMode } from './scheduler';
import type { Vcpu } from './vcpu';
import type { Vm } from './vm';

/** What the runner needs of the platform: interrupt lines, the clock's consumers, stop conditions. */
export interface VmPlatform {
  /** vCPU `index` has an interrupt pending at its (virtual) CPU interface. */
  irqPending(index: number): boolean;
  /** The VM's clock moved to `ns`: devices with deadlines update their outputs. */
  advanceTo(ns: number): void;
  /** When something happens next without the guest acting (a timer firing), in ns; Infinity if never. */
  nextEvent(): number;
  /** A reason to stop now (e.g. the console matched `--until`), or null. */
  stopReason(): string | null;
}

export interface VmRunOptions {
  /** Guest instructions over all vCPUs before the run stops with BudgetExceeded. */
  readonly budget: number;
  /** Instructions per vCPU per round (default 10,000: 10 us of virtual time). */
  readonly quantum?: number;
  readonly migration?: MigrationMode;
  readonly seed?: number;
}

export interface VmRunResult {
  /** 'system-off', 'system-reset', 'halted', 'all vCPUs off', or the platform's stop reason. */
  readonly end: string;
  readonly instructions: number;
  readonly instructionsPerVcpu: readonly number[];
  /** Virtual time at the end, ns. */
  readonly timeNs: number;
}

type PowerState = 'on' | 'off' | 'on-pending';

/** An executor that can take an interrupt at an instruction boundary (false: masked). */
interface Interruptible {
  takeInterrupt(kind: 'irq' | 'fiq'): boolean;
}

export class VmRunner implements PsciTarget {
  private readonly states: PowerState[];
  private readonly waiting: boolean[];
  private readonly schedulers: Scheduler[];
  private readonly sliceBase: number[];
  private readonly idleSlices: number[];
  private readonly retired: number[];
  private readonly quantum: number;
  private end: string | null = null;
  private started = false;
  private executed = 0;
  /** The VM's clock at the start of the current round, ns. */
  private clock = 0;

  constructor(
    private readonly machine: Machine,
    private readonly vm: Vm,
    private readonly platform: VmPlatform,
    private readonly options: VmRunOptions,
  ) {
    const n = vm.vcpus.length;
    // vCPU 0 starts; the others wait for PSCI CPU_ON (DEN0022 5.6), as on QEMU's virt.
    this.states = vm.vcpus.map((_, i) => (i === 0 ? 'on' : 'off'));
    this.waiting = new Array<boolean>(n).fill(false);
    this.sliceBase = new Array<number>(n).fill(0);
    this.idleSlices = new Array<number>(n).fill(0);
    this.retired = new Array<number>(n).fill(0);
    this.quantum = options.quantum ?? 10_000;
    this.schedulers = vm.vcpus.map((_, i) => new Scheduler(options.migration ?? { kind: 'never' }, machine.pcpuCount, (options.seed ?? 1) + i * 0x9e37));
  }

  /** The clock as vCPU `index` sees it now, ns. */
  nowNs(index: number): number {
    return this.clock + (this.vm.vcpus[index].cpu.instructionsRetired - this.sliceBase[index]);
  }

  run(): VmRunResult {
    while (this.round());
    return this.result();
  }

  /**
   * One round: every running vCPU gets its quantum, then the clock moves. False once the run has
   * ended (so a bare-metal reference can be advanced a round at a time, src/scenarios/lockstep).
   */
  round(): boolean {
    const { machine, vm, platform } = this;
    if (this.end !== null) return false;
    if (!this.started) {
      this.started = true;
      for (const vcpu of vm.vcpus) machine.policy.beforeRun?.(vcpu.host, vcpu.pcpu);
    }
    let progressed = false;
    for (let i = 0; i < vm.vcpus.length && this.end === null; i++) {
      if (this.states[i] !== 'on') continue;
      const vcpu = vm.vcpus[i];
      const pending = platform.irqPending(i);
      if (this.waiting[i] && !pending) continue;
      this.waiting[i] = false;
      if (pending) (vcpu.cpu as unknown as Partial<Interruptible>).takeInterrupt?.('irq');
      // The quantum is the unit of interleaving and of interrupt delivery, whatever the migration
      // schedule: a migration splits a quantum into pieces on different pCPUs but never ends it
      // early, so a run under any schedule interleaves its vCPUs exactly as bare metal does.
      this.sliceBase[i] = vcpu.cpu.instructionsRetired;
      let remaining = this.quantum;
      while (remaining > 0) {
        const left = this.options.budget - this.executed;
        if (left <= 0) throw new BudgetExceeded(this.options.budget, vcpu.cpu.pc);
        const piece = this.pieceFor(i, vcpu, Math.min(remaining, left));
        const r = machine.advance(vcpu, piece.instructions, piece.stopAtSetWay);
        this.executed += r.instructions;
        this.retired[i] += r.instructions;
        remaining -= r.instructions;
        if (r.instructions > 0) progressed = true;
        // A vCPU that retires nothing piece after piece only takes exceptions (an unmapped vector table).
        this.idleSlices[i] = r.instructions === 0 && r.halted === null ? this.idleSlices[i] + 1 : 0;
        if (this.idleSlices[i] > EXCEPTION_LOOP_LIMIT) throw new ExceptionLoopError(vcpu.cpu.pc, this.idleSlices[i], `vCPU ${i} completed no instruction in any slice`);
        this.maybeMigrate(i, vcpu);
        if (r.halted === 'wfi') this.waiting[i] = true;
        else if (r.halted === 'halted' && this.end === null && this.states[i] === 'on') this.end = 'halted';
        // A WFE yields the rest of the quantum (the other vCPUs may hold what it waits for) without waiting for an interrupt.
        const reason = vcpu.cpu.stopReason;
        // A piece spent on a step that retired nothing (a stage-2 fault the hypervisor resolved,
        // an exception taken) goes on: ending the quantum there would give this vCPU fewer
        // instructions than bare metal, which takes no such fault, and the two runs would
        // interleave their vCPUs differently from then on. Exception loops end in idleSlices.
        const stopped = reason !== 'budget';
        if (r.halted !== null || reason === 'wfe' || this.end !== null || this.states[i] !== 'on' || (r.instructions === 0 && stopped)) break;
      }
    }
    this.clock += this.quantum;
    if (!progressed && this.end === null) {
      if (!this.states.includes('on')) this.end = 'all vCPUs off';
      else {
        const next = platform.nextEvent();
        if (next === Infinity) this.end = 'idle: every vCPU waits for an interrupt and nothing is due';
        else this.clock = Math.max(this.clock, next);
      }
    }
    // Every vCPU is at the new round's start: its clock is `clock`, not clock + the slice it ran
    // (counted twice, that would fire timers up to a quantum early at every round boundary).
    for (let i = 0; i < vm.vcpus.length; i++) this.sliceBase[i] = vm.vcpus[i].cpu.instructionsRetired;
    platform.advanceTo(this.clock);
    this.end ??= platform.stopReason();
    return this.end === null;
  }

  result(): VmRunResult {
    return { end: this.end ?? 'running', instructions: this.executed, instructionsPerVcpu: [...this.retired], timeNs: this.clock };
  }

  /** The next piece of vCPU i's quantum: up to `left`, shorter when the schedule migrates sooner. */
  private pieceFor(i: number, vcpu: Vcpu, left: number): { instructions: number; stopAtSetWay: number } {
    const s = this.schedulers[i].sliceLength({ setWayOps: vcpu.setWayOps, cachesOn: vcpu.guestCachesOn, inSetWayLoop: vcpu.setWayLoopActive });
    return { instructions: Math.min(s.instructions, left), stopAtSetWay: s.stopAtSetWay ?? Infinity };
  }

  private maybeMigrate(i: number, vcpu: Vcpu): void {
    const next = this.schedulers[i].nextPcpu(vcpu.pcpu, { setWayOps: vcpu.setWayOps, cachesOn: vcpu.guestCachesOn, inSetWayLoop: vcpu.setWayLoopActive });
    if (next !== vcpu.pcpu && (this.machine.policy.mayMigrate?.(vcpu.host) ?? true)) this.machine.migrate(vcpu, next);
  }

  // ---- PSCI (src/hyp/psci.ts) ----

  vcpuOfMpidr(mpidr: number): number {
    // Aff0 is the vCPU's index; higher affinity levels are 0 in a flat VM.
    if ((mpidr & 0xff_ff00) !== 0) return -1;
    const i = mpidr & 0xff;
    return i < this.vm.vcpus.length ? i : -1;
  }

  powerState(index: number): PowerState {
    return this.states[index];
  }

  cpuOn(index: number, entry: number, entryHigh: number, context: number, contextHigh: number): void {
    const cpu = this.vm.vcpus[index].cpu;
    // Entry state (DEN0022 6.4): MMU and caches off (a vCPU never run still has them off),
    // interrupts masked, EL1 (AArch32: SVC mode, Thumb if entry bit 0), context in r0/x0.
    if (cpu instanceof A32Cpu) {
      cpu.cpsr = 0x1d3 | ((entry & 1) !== 0 ? 1 << 5 : 0);
      cpu.r[0] = context >>> 0;
      cpu.pc = (entry & ~1) >>> 0;
    } else if (cpu instanceof A64Cpu) {
      cpu.pstate = 0x3c5;
      cpu.setX(0, context >>> 0, contextHigh >>> 0);
      cpu.pc = entryHigh * 2 ** 32 + (entry >>> 0);
    }
    this.states[index] = 'on';
    this.waiting[index] = false;
    this.sliceBase[index] = cpu.instructionsRetired;
  }

  cpuOff(index: number): void {
    this.states[index] = 'off';
    this.vm.vcpus[index].cpu.requestStop();
  }

  systemOff(): void {
    this.end = 'system-off';
    for (const v of this.vm.vcpus) v.cpu.requestStop();
  }

  systemReset(): void {
    this.end = 'system-reset';
    for (const v of this.vm.vcpus) v.cpu.requestStop();
  }
}
