/**
 * The machine: host physical memory, the cache hierarchy, physical CPUs, VMs with genuine
 * stage-2 tables, their vCPUs, one set/way policy, a scheduler and a cost meter. `run` executes a
 * vCPU slice by slice, moving it between pCPUs as the scheduler says (and the policy allows).
 */
import { CacheSystem } from '../cache/cache-system';
import { cachePreset } from '../cache/presets';
import { HCR } from '../exec/el2-gate';
import { A32Cpu } from '../exec/a32';
import { A64Cpu } from '../exec/a64';
import { SystemRegisters } from '../exec/sysregs/system-registers';
import { SysReg, type SysRegId } from '../exec/sysregs/ids';
import { TranslatedMemory } from '../exec/translated-memory';
import { FrameAllocator } from '../mmu/frame-allocator';
import { P2M_LEAF_SIZES, P2m } from '../mmu/p2m';
import { PhysicalMemory } from '../mmu/physical-memory';
import { S2_NORMAL_FWB_RW, S2_NORMAL_RW, type Stage2Attributes } from '../mmu/stage2-descriptor';
import { stage2RegimeFor } from '../mmu/stage2-regime';
import { Tlb } from '../mmu/tlb';
import { Translator } from '../mmu/translator';
import { CostMeter, DEFAULT_COST_MODEL, type CostModel } from './cost-model';
import { BudgetExceeded } from './guest-error';
import { MachineConfigError } from './machine-config-error';
import { recordA32GuestAbort } from './guest-abort-registers';
import { EXCEPTION_LOOP_LIMIT, ExceptionLoopError } from '../exec/exception-loop-error';
import type { SetWayPolicy } from './policy';
import { makePolicy } from './policies';
import { VcpuPolicyHost } from './policy-host';
import { Scheduler, type MigrationMode } from './scheduler';
import { Vcpu, type VcpuTraceSink } from './vcpu';
import { VcpuSystemPort } from './vcpu-system-port';
import { Vm } from './vm';

/** Guest RAM starts at 0x4000_0000 in IPA space, as on QEMU's `virt` machine (and in our ROMs). */
export const GUEST_RAM_IPA = 0x4000_0000;
/** Host physical layout: guest RAM from 0x4000_0000, VM after VM; hypervisor heap far above. */
const HOST_RAM_BASE = 0x4000_0000;
const HYP_HEAP_BASE = 0x100_0000_0000; // 1 TiB
const HYP_HEAP_BYTES = 0x1_0000_0000; // 4 GiB of frames for p2m tables

export interface MachineOptions {
  /** Cache preset name (`cubietruck`, `server`, `qemu-cortex-a15`...). */
  readonly preset: string;
  readonly isa: 'a32' | 'a64';
  /** Policy spec (`kvm`, `passthrough:swio`, `dirty:dbm,tid2`) or a policy object. */
  readonly policy: string | SetWayPolicy;
  readonly migration?: MigrationMode;
  readonly seed?: number;
  /** VMs to create. Default 1. */
  readonly vms?: number;
  /** vCPUs per VM (an SMP guest). Default 1. vCPU n of a VM reports MPIDR Aff0 = n. */
  readonly vcpusPerVm?: number;
  /** Guest RAM per VM in bytes. Default 256 MiB. */
  readonly guestRamBytes?: number;
  /** Largest p2m leaf for guest RAM: 1 GiB (default, as Xen's toolstack populates), 2 MiB or 4 KiB. */
  readonly p2mMaxLeafBytes?: number;
  /** Fill stage 2 for guest RAM up front or on demand; default: what the policy's hypervisor does (SetWayPolicy.populate). */
  readonly populate?: 'upfront' | 'on-demand';
  /**
   * Host memory behind device ranges the VM may map as read-only memory (flash in read-array
   * mode, as KVM's read-only memslots): at host physical addresses equal to their IPAs, below
   * guest RAM. One VM only.
   */
  readonly romWindows?: readonly { readonly base: number; readonly size: number }[];
  readonly costModel?: CostModel;
  /** The system counter each vCPU reads (CNTPCT/CNTVCT), by machine-wide vCPU id; default: +1 per read. */
  readonly readCounter?: (vcpuId: number) => number;
  /** CNTFRQ in Hz (default 24 MHz; QEMU's virt reports 62.5 MHz). */
  readonly counterFrequency?: number;
  /**
   * A vCPU's system register changed (by machine-wide vCPU id and whole-register id, as
   * SystemRegisters' onChange): a platform keeps the generic timers' interrupt outputs current.
   */
  readonly onSystemRegisterChange?: (vcpuId: number, id: SysRegId) => void;
  readonly trace?: MachineTraceSink;
}

/**
 * What a recorder of the run also hears from the machine (src/report/timeline-recorder.ts); every
 * member is optional and each is called once per executor run or migration, never per instruction.
 */
export interface MachineTraceSink extends VcpuTraceSink {
  /**
   * Instructions `vcpu` may run before the sink wants to look (the end of its window): a slice
   * that runs longer is run in pieces, as the lockstep comparison's chunks, so the schedule and
   * the result do not change. Not asked by `advance` (a VM runner's pieces are its own).
   */
  room?(vcpu: Vcpu): number;
  /** After an executor run the machine has accounted (cost.guestInstructions includes it). */
  ran?(machine: Machine, vcpu: Vcpu): void;
  /** The vCPU moved from one pCPU to another (after the count, before the policy's beforeRun). */
  migrated?(vcpu: Vcpu, from: number, to: number): void;
}

export interface RunResult {
  readonly instructions: number;
  readonly haltReason: string;
}

/** Guest RAM is whole pages, and every VM's RAM must sit below the hypervisor's table heap. */
function checkRam(ramBytes: number, vmCount: number): void {
  if (!Number.isSafeInteger(ramBytes) || ramBytes <= 0 || ramBytes % 4096 !== 0) {
    throw new MachineConfigError(`guest RAM must be a positive multiple of 4 KiB, not ${ramBytes} bytes`);
  }
  const limit = HYP_HEAP_BASE - HOST_RAM_BASE;
  if (ramBytes * vmCount > limit) {
    throw new MachineConfigError(`guest RAM of ${vmCount} x ${ramBytes / 2 ** 30} GiB exceeds the ${limit / 2 ** 30} GiB this machine models`);
  }
}

export class Machine {
  readonly memory: PhysicalMemory;
  readonly caches: CacheSystem;
  readonly p2mMaxLeafBytes: number | undefined;
  readonly tlb = new Tlb();
  readonly frames: FrameAllocator;
  readonly pcpuCount: number;
  readonly vms: Vm[] = [];
  readonly policy: SetWayPolicy;
  readonly cost: CostMeter;
  readonly scheduler: Scheduler;
  readonly isa: 'a32' | 'a64';

  constructor(readonly options: MachineOptions) {
    this.policy = typeof options.policy === 'string' ? makePolicy(options.policy) : options.policy;
    const preset = cachePreset(options.preset);
    const config = this.policy.machineCaches?.(preset) ?? preset;
    const vmCount = options.vms ?? 1;
    const ramBytes = options.guestRamBytes ?? 256 * 2 ** 20;
    checkRam(ramBytes, vmCount);
    const perVm = options.vcpusPerVm ?? 1;
    // GICv2 serves at most 8 CPU interfaces (IHI 0048B 1.1), and so does the virt board.
    if (!Number.isInteger(perVm) || perVm < 1 || perVm > 8) throw new MachineConfigError(`vCPUs per VM must be 1 to 8, not ${perVm}`);
    if (options.p2mMaxLeafBytes !== undefined && !(P2M_LEAF_SIZES as readonly number[]).includes(options.p2mMaxLeafBytes)) {
      throw new MachineConfigError(`largest p2m leaf must be 1 GiB, 2 MiB or 4 KiB, not ${options.p2mMaxLeafBytes} bytes`);
    }
    this.p2mMaxLeafBytes = options.p2mMaxLeafBytes;
    this.isa = options.isa;
    const romWindows = options.romWindows ?? [];
    if (romWindows.length > 0 && vmCount > 1) throw new MachineConfigError('ROM windows (flash) are for a machine with one VM');
    for (const w of romWindows) if (w.base + w.size > HOST_RAM_BASE) throw new MachineConfigError(`ROM window at 0x${w.base.toString(16)} reaches into guest RAM`);
    this.memory = new PhysicalMemory([
      ...romWindows,
      { base: HOST_RAM_BASE, size: ramBytes * vmCount },
      { base: HYP_HEAP_BASE, size: HYP_HEAP_BYTES },
    ]);
    this.caches = new CacheSystem(config, this.memory, { seed: options.seed ?? 1 });
    this.pcpuCount = this.caches.cpus;
    this.frames = new FrameAllocator(this.memory, HYP_HEAP_BASE, HYP_HEAP_BYTES);
    this.cost = new CostMeter(options.costModel ?? DEFAULT_COST_MODEL);
    this.scheduler = new Scheduler(options.migration ?? { kind: 'never' }, this.pcpuCount, options.seed ?? 1);
    for (let i = 0; i < vmCount; i++) this.createVm(i + 1, HOST_RAM_BASE + i * ramBytes, ramBytes);
  }

  private createVm(vmid: number, ramPa: number, ramBytes: number): Vm {
    const p2m = new P2m(this.memory, this.frames, { vmid, hardwareDirty: this.policy.stage2HardwareDirty, hardwareAccessFlag: this.policy.stage2HardwareDirty, maxLeafBytes: this.p2mMaxLeafBytes });
    const vm = new Vm(vmid, p2m, GUEST_RAM_IPA, ramPa, ramBytes);
    // On demand, a fault maps the block around the page, as KVM maps a transparent huge page
    // (2 MiB) or, with smaller leaves, the page.
    if ((this.options.populate ?? this.policy.populate ?? 'upfront') === 'on-demand') vm.populateBytes = Math.min(this.p2mMaxLeafBytes ?? 2 ** 30, 2 * 2 ** 20);
    else p2m.map(GUEST_RAM_IPA, ramPa, ramBytes, this.ramAttributes());
    this.vms.push(vm);
    const perVm = this.options.vcpusPerVm ?? 1;
    for (let i = 0; i < perVm; i++) vm.vcpus.push(this.createVcpu(vm, (this.vms.length - 1) * perVm + i, i));
    return vm;
  }

  /** Stage 2 attributes of guest RAM: Normal Write-Back, forced so with FEAT_S2FWB (the policy's choice). */
  ramAttributes(): Stage2Attributes {
    return this.policy.stage2ForcedWriteBack === true ? S2_NORMAL_FWB_RW : S2_NORMAL_RW;
  }

  /** `id` numbers vCPUs across the machine (and picks the first pCPU); `index` within the VM. */
  private createVcpu(vm: Vm, id: number, index: number): Vcpu {
    const aarch64 = this.isa === 'a64';
    const vcpu = new Vcpu(id, aarch64, this.policy, this.cost, this.options.trace);
    // Stage-1 table walks with cacheable attributes read through the caches of the vCPU's pCPU.
    const readDescriptor = (pa: number, cacheable: boolean): number => (cacheable ? this.caches.read(port.pcpu, pa, 4) : this.memory.read32(pa));
    const translator = new Translator(this.memory, this.tlb, readDescriptor);
    const port = new TranslatedMemory(translator, this.caches, this.memory);
    port.pcpu = id % this.pcpuCount;
    vcpu.pcpu = port.pcpu;
    const systemPort = new VcpuSystemPort(vcpu, port, this.caches);
    vcpu.sysregs = new SystemRegisters({ port: systemPort, el2: vcpu, aarch64, mpidr: (0x80000000 | index) >>> 0,
      readCounter: this.options.readCounter && (() => this.options.readCounter!(id)),
      counterFrequency: this.options.counterFrequency,
      onChange: this.options.onSystemRegisterChange && ((reg) => this.options.onSystemRegisterChange!(id, reg)),
    });
    const host = new VcpuPolicyHost(vcpu, vm, port, this);
    vcpu.host = host;
    if (vm.populateBytes !== null) vcpu.populate = (ipa) => host.populate(ipa, this.ramAttributes(), this.policy.stage2ForcedWriteBack !== true);
    vcpu.onStage2Change = () =>
      translator.setStage2(
        stage2RegimeFor(vm.p2m, {
          enabled: (vcpu.hcrValue & HCR.VM) !== 0,
          dc: (vcpu.hcrValue & HCR.DC) !== 0,
          ptw: (vcpu.hcrValue & HCR.PTW) !== 0,
          // HCR_EL2.FWB is bit 46, above what the vCPU's 32-bit HCR value holds: the policy's, fixed.
          fwb: this.policy.stage2ForcedWriteBack === true,
        }),
      );
    if (aarch64) {
      const cpu = new A64Cpu({ memory: port, system: vcpu.sysregs, el2: vcpu });
      port.currentEl = () => (cpu.el === 0 ? 0 : 1);
      vcpu.cpu = cpu;
    } else {
      const sysregs = vcpu.sysregs;
      const cpu = new A32Cpu({
        memory: port,
        system: sysregs,
        el2: vcpu,
        onGuestAbort: (info) => recordA32GuestAbort(sysregs, info),
        // Exception vectors from SCTLR.V (hivecs at 0xFFFF0000) or VBAR; SCTLR.TE/EE for the entry state (G1.12).
        sctlr: () => sysregs.get(SysReg.SCTLR),
        vbar: () => sysregs.get(SysReg.VBAR),
      });
      // LDRT/STRT at PL1 are checked as PL0 accesses.
      port.currentEl = () => cpu.accessEl;
      vcpu.cpu = cpu;
    }
    vcpu.port = port;
    // HCR at vCPU reset: stage 2 on, plus the policy's traps (`novm` experiments clear VM).
    vcpu.setHcr((this.policy.withoutStage2 ? 0 : HCR.VM) | this.policy.resetHcr(aarch64) | (aarch64 ? HCR.RW : 0));
    vcpu.onStage2Change();
    systemPort.translationControlChanged();
    this.policy.onVcpuReset?.(vcpu.host);
    return vcpu;
  }

  get vcpus(): Vcpu[] {
    return this.vms.flatMap((vm) => vm.vcpus);
  }

  /** Move a vCPU to another pCPU: its registers go along, the caches it filled stay behind. */
  migrate(vcpu: Vcpu, pcpu: number): void {
    if (pcpu === vcpu.pcpu) return;
    vcpu.traceAction(`migrate vCPU ${vcpu.id}: pCPU ${vcpu.pcpu} -> pCPU ${pcpu}`);
    const from = vcpu.pcpu;
    vcpu.pcpu = pcpu;
    vcpu.port.pcpu = pcpu;
    this.cost.migrations++;
    this.options.trace?.migrated?.(vcpu, from, pcpu);
    this.policy.beforeRun?.(vcpu.host, pcpu);
  }

  /**
   * Run at most `instructions` of `vcpu` on the pCPU it is on, with no scheduling decision: a
   * reference run advanced a little at a time, or a VM runner's piece of a quantum, which may end
   * early once the vCPU's S/W op count reaches `stopAtSetWay` (an after-sw migration point).
   * Returns the count and the halt reason, or null.
   */
  advance(vcpu: Vcpu, instructions: number, stopAtSetWay = Infinity): { instructions: number; halted: string | null } {
    vcpu.stopAtSetWay = stopAtSetWay;
    const n = vcpu.runInstructions(instructions);
    this.cost.guestInstructions += n;
    this.cost.endEl2Run();
    this.options.trace?.ran?.(this, vcpu);
    if (vcpu.error) throw vcpu.error;
    const reason = vcpu.cpu.stopReason;
    return { instructions: n, halted: reason === 'halted' || reason === 'wfi' ? reason : null };
  }

  /** Run `vcpu` until it halts; throws GuestError, BudgetExceeded or the executor's GuestException. */
  run(vcpu: Vcpu, budget: number): RunResult {
    const run = this.start(vcpu, budget);
    for (;;) {
      const r = run.step();
      if (r !== null) return r;
    }
  }

  /**
   * The same run a step at a time (a lockstep comparison advances it as bare metal needs its
   * loads): `step()` runs the rest of the current scheduling slice, at most `chunk` instructions
   * of it, and returns null until the vCPU halts, then the result. Chunks do not change the
   * schedule: the scheduler is asked at the same points as by run().
   */
  start(vcpu: Vcpu, budget: number, chunk = Infinity): { step(): RunResult | null } {
    let executed = 0;
    let idleSlices = 0;
    let sliceLeft = 0;
    let stopAt = Infinity;
    const sink = this.options.trace;
    this.policy.beforeRun?.(vcpu.host, vcpu.pcpu);
    const state = () => ({ setWayOps: vcpu.setWayOps, cachesOn: vcpu.guestCachesOn, inSetWayLoop: vcpu.setWayLoopActive });
    const step = (): RunResult | null => {
      if (sliceLeft <= 0) {
        const length = this.scheduler.sliceLength(state());
        sliceLeft = length.instructions;
        stopAt = length.stopAtSetWay ?? Infinity;
      }
      vcpu.stopAtSetWay = stopAt;
      const want = Math.min(sliceLeft, chunk, budget - executed, sink?.room?.(vcpu) ?? Infinity);
      const n = vcpu.runInstructions(want);
      executed += n;
      sliceLeft -= n;
      this.cost.guestInstructions += n;
      this.cost.endEl2Run();
      sink?.ran?.(this, vcpu);
      if (vcpu.error) throw vcpu.error;
      const reason = vcpu.cpu.stopReason;
      if (reason === 'halted' || reason === 'wfi') return { instructions: executed, haltReason: reason };
      if (executed >= budget) throw new BudgetExceeded(budget, vcpu.cpu.pc);
      // The slice goes on unless it is used up or the vCPU stopped for another reason than the
      // chunk's end (a S/W op stop point, even on the chunk's last instruction).
      if (sliceLeft > 0 && reason === 'budget') return null;
      sliceLeft = 0;
      // Slices that retire nothing: the guest only takes exceptions (an unmapped vector table).
      idleSlices = n === 0 ? idleSlices + 1 : 0;
      if (idleSlices > EXCEPTION_LOOP_LIMIT) throw new ExceptionLoopError(vcpu.cpu.pc, idleSlices, 'no instruction completed in any slice');
      const next = this.scheduler.nextPcpu(vcpu.pcpu, state());
      if (next !== vcpu.pcpu && (this.policy.mayMigrate?.(vcpu.host) ?? true)) this.migrate(vcpu, next);
      return null;
    };
    return { step };
  }

}
