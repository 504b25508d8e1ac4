/**
 * The virt board, assembled: a Machine whose VM has `vcpus` vCPUs and RAM at 0x4000_0000, the
 * devices of QEMU's virt behind stage-2 faults (src/hyp/mmio.ts), PSCI over HVC, a DTB that
 * describes exactly this, and a kernel loaded by its boot protocol (linux-boot.ts). The VM
 * runner (src/hyp/vm-runner.ts) runs it; time is virtual (1 instruction = 1 ns) and the generic
 * timers' outputs drive their PPIs at the GIC.
 */
import { Gicv2 } from '../devices/gicv2';
import { Gicv2m } from '../devices/gicv2m';
import { MmioBus, type UnmappedAccess } from '../devices/mmio-device';
import { Pl011 } from '../devices/pl011';
import { Pl031 } from '../devices/pl031';
import { Pl061 } from '../devices/pl061';
import { VirtioMmioEmpty } from '../devices/virtio-mmio-empty';
import { A32Cpu } from '../exec/a32';
import { A64Cpu } from '../exec/a64';
import { SysReg } from '../exec/sysregs/ids';
import { Machine, type MachineOptions } from '../hyp/machine';
import { MachineConfigError } from '../hyp/machine-config-error';
import type { MmioHandler } from '../hyp/mmio';
import { Psci, type PsciTarget } from '../hyp/psci';
import type { MigrationMode } from '../hyp/scheduler';
import { VmRunner, type VmPlatform, type VmRunResult } from '../hyp/vm-runner';
import type { Vm } from '../hyp/vm';
import { dtbAddress, type KernelPlacement } from './linux-boot';
import { buildVirtDtb } from './virt-dtb';
import { attachVirtFlash, VIRT_FLASH_WINDOWS } from './virt-flash';
import { isGuestCaused } from '../hyp/guest-error';
import {
  ppiIntId,
  spiIntId,
  VIRT_CNTFRQ_HZ,
  VIRT_FLASH_BANKS,
  VIRT_GIC_CPU,
  VIRT_GIC_DIST,
  VIRT_GIC_V2M,
  VIRT_GPIO,
  VIRT_PPI,
  VIRT_RAM_BASE,
  VIRT_RTC,
  VIRT_SPI,
  VIRT_UART,
  virtioMmioSlot,
  VIRT_VIRTIO_MMIO_SLOTS,
} from './virt-memory-map';

export interface VirtBootOptions {
  /** A kernel loaded by its boot protocol; or, with `firmware`, none (the firmware loads one). */
  readonly kernel?: KernelPlacement;
  /**
   * Firmware for flash bank 0, started at address 0 as QEMU's `-bios` (A32 SVC or A64 EL1h, MMU
   * and caches off, registers zero, the DTB at the start of RAM).
   */
  readonly firmware?: Uint8Array;
  /** Contents of flash bank 1 (0x0400_0000): a kernel kept in flash, for instance. */
  readonly flash1?: Uint8Array;
  readonly vcpus?: number;
  readonly ramBytes?: number;
  readonly bootargs?: string;
  /** A DTB to use instead of the one setway writes. */
  readonly dtb?: Uint8Array;
  readonly preset?: string;
  readonly policy: MachineOptions['policy'];
  readonly migration?: MigrationMode;
  readonly seed?: number;
  readonly budget?: number;
  /** Stop when the console matches (e.g. /smp: Brought up/). */
  readonly until?: RegExp;
  /** Each console byte as it is sent (live output). */
  readonly onConsole?: (text: string) => void;
  readonly trace?: MachineOptions['trace'];
  /** Stop at the first exception the guest takes instead of vectoring it (debugging early boot). */
  readonly stopOnException?: boolean;
  /** Typed into the UART, one byte per 100 us of virtual time while its receive FIFO has room. */
  readonly input?: string;
  /**
   * Start typing `input` only once the console matches this (a bootloader's "Hit any key"), as a
   * person at the prompt would; by default typing starts with the run.
   */
  readonly inputAfter?: RegExp;
  /** Called about once a second of wall time during a long boot. */
  readonly onProgress?: (p: { readonly instructions: number; readonly timeNs: number; readonly consoleLines: number }) => void;
  /** Called after every round of the vCPUs (a scenario watching for a moment: a jump, a flush's end). */
  readonly onRound?: (machine: Machine, vm: Vm) => void;
  /**
   * Add a second VM of plain RAM (`machine.vms[1]`, as large as this one's, no devices) that never
   * runs: another guest whose lines share the pCPUs' caches. Off by default; not with firmware
   * (flash windows are for a one-VM machine).
   */
  readonly secondVm?: boolean;
  /** PSCI CPU_ON is about to start vCPU `index` of the VM (it has not run an instruction yet). */
  readonly beforeCpuOn?: (machine: Machine, vm: Vm, index: number) => void;
}

export interface VirtBootResult extends VmRunResult {
  /** The guest failed (an exception it cannot handle, a runaway loop): the error; else null. */
  readonly failure: string | null;
  readonly console: string;
  readonly machine: Machine;
  /** Device accesses nothing answers ("nothing here"), by address: reads/writes. */
  readonly unmapped: ReadonlyMap<string, number>;
  /** MMIO accesses per device. */
  readonly deviceAccesses: Readonly<Record<string, number>>;
  readonly psciCalls: ReadonlyMap<string, number>;
}

/**
 * The instruction set of a raw firmware image from its first instruction, a branch over the
 * vectors or to the reset code: A32 B (cond AL, 0xeaxxxxxx) or A64 B (0b000101 in bits [31:26]).
 */
function firmwareIsa(firmware: Uint8Array): 'a32' | 'a64' {
  if (firmware.length >= 4) {
    const word = (firmware[0] | (firmware[1] << 8) | (firmware[2] << 16) | (firmware[3] << 24)) >>> 0;
    if (word >>> 24 === 0xea) return 'a32';
    if (word >>> 26 === 0b000101) return 'a64';
  }
  throw new MachineConfigError('firmware: its first word is neither an A32 nor an A64 branch, so setway cannot tell its instruction set');
}

/** QEMU virt's DTB for firmware is 1 MiB (its blob's totalsize), most of it free space. */
const QEMU_FIRMWARE_DTB_BYTES = 2 ** 20;

/** A kernel panic line on the console ends the run (the root-fs panic, for instance). */
const PANIC = /Kernel panic - not syncing[^\n]*\n/;
/** The RTC's clock starts at a fixed date so a boot replays (2026-01-01T00:00:00Z). */
const RTC_EPOCH_SECONDS = 1_767_225_600;
/** Virtual time between two typed input bytes: 100 us. */
const INPUT_GAP_NS = 100_000;
/** Instructions (ns) per tick of the 62.5 MHz counter. */
const NS_PER_TICK = 1e9 / VIRT_CNTFRQ_HZ;

/** A virt machine built and loaded, not yet run: run it whole, or a round at a time (a reference). */
export interface VirtAssembly {
  readonly machine: Machine;
  readonly vm: Vm;
  readonly runner: VmRunner;
  /** The boot's report, after the runner stopped (or failed with `failure`). */
  report(failure: string | null): VirtBootResult;
}

/** The generic timer registers whose writes change a timer's output. */
const TIMER_REGISTERS: ReadonlySet<number> = new Set([SysReg.CNTV_CTL, SysReg.CNTV_CVAL, SysReg.CNTP_CTL, SysReg.CNTP_CVAL]);

/** A vCPU executor's interrupt inputs (A64Cpu.setInterruptLine). */
interface InterruptInputs {
  setInterruptLine(kind: 'irq' | 'fiq', level: boolean): void;
}

export function bootVirt(options: VirtBootOptions): VirtBootResult {
  const a = assembleVirt(options);
  let failure: string | null = null;
  try {
    a.runner.run();
  } catch (e) {
    // The boot's outcome, with the console so far: what a developer needs to see (exit 4 in the CLI).
    if (!isGuestCaused(e)) throw e;
    failure = `${e.name}: ${e.message}`;
  }
  return a.report(failure);
}

export function assembleVirt(options: VirtBootOptions): VirtAssembly {
  const { kernel, firmware } = options;
  if (kernel === undefined && firmware === undefined) throw new MachineConfigError('nothing to boot: give a kernel or firmware');
  if (kernel !== undefined && firmware !== undefined) throw new MachineConfigError('a firmware boot loads its own kernel: put the kernel in flash bank 1 (--flash1) and boot it from the firmware');
  if (options.flash1 !== undefined && firmware === undefined) throw new MachineConfigError('flash bank 1 is read by firmware: give the firmware too (--firmware)');
  const isa = kernel?.isa ?? firmwareIsa(firmware!);
  const vcpus = options.vcpus ?? 1;
  const ramBytes = options.ramBytes ?? 256 * 2 ** 20;
  // The runner needs the machine and the machine's counters need the runner: tie the knot here.
  const clock: { runner?: VmRunner } = {};
  const timers: { changed?: (vcpuId: number) => void } = {};
  const machine = new Machine({
    preset: options.preset ?? (isa === 'a32' ? 'qemu-cortex-a15' : 'qemu-cortex-a53'),
    isa,
    romWindows: firmware === undefined ? undefined : VIRT_FLASH_WINDOWS,
    policy: options.policy,
    seed: options.seed ?? 1,
    guestRamBytes: ramBytes,
    vcpusPerVm: vcpus,
    vms: options.secondVm === true ? 2 : 1,
    trace: options.trace,
    counterFrequency: VIRT_CNTFRQ_HZ,
    readCounter: (id) => Math.floor((clock.runner?.nowNs(id) ?? 0) / NS_PER_TICK),
    // A write of a timer's CTL or CVAL (TVAL writes CVAL) changes its output at once: when the
    // handler masks or stops the timer, the PPI drops before the EOI (D11.2.4 "Timers").
    onSystemRegisterChange: (id, reg) => {
      if (TIMER_REGISTERS.has(reg)) timers.changed?.(id);
    },
  });
  const vm = machine.vms[0];

  // ---- devices ----
  let console = '';
  const unmapped = new Map<string, number>();
  const noteUnmapped = (a: UnmappedAccess) => {
    const key = `${a.write ? 'write' : 'read'} 0x${a.pa.toString(16)}`;
    unmapped.set(key, (unmapped.get(key) ?? 0) + 1);
  };
  const bus = new MmioBus(noteUnmapped);
  // Each CPU interface's IRQ/FIQ output drives its vCPU's interrupt input, which takes the
  // interrupt at the first instruction boundary where it is unmasked.
  const inputOf = (i: number, kind: 'irq' | 'fiq') => ({
    set: (level: boolean) => (vm.vcpus[i].cpu as Partial<InterruptInputs>).setInterruptLine?.(kind, level),
  });
  const gic = new Gicv2({ numCpus: vcpus, irq: vm.vcpus.map((_, i) => inputOf(i, 'irq')), fiq: vm.vcpus.map((_, i) => inputOf(i, 'fiq')) });
  bus.map(VIRT_GIC_DIST.base, gic.distributor);
  bus.map(VIRT_GIC_CPU.base, gic.cpuInterface);
  bus.map(VIRT_GIC_V2M.base, new Gicv2m(spiIntId(VIRT_SPI.v2mFirst), VIRT_SPI.v2mCount));
  const uart = new Pl011({
    interrupt: gic.spiLine(spiIntId(VIRT_SPI.uart)),
    // Linux's earlycon writes before anything enables the UART, as on QEMU.
    transmitWhileDisabled: true,
    onTransmit: (byte) => {
      const ch = String.fromCharCode(byte);
      console += ch;
      options.onConsole?.(ch);
    },
  });
  bus.map(VIRT_UART.base, uart);
  bus.map(VIRT_RTC.base, new Pl031({ clock: () => RTC_EPOCH_SECONDS + Math.floor((clock.runner?.nowNs(0) ?? 0) / 1e9), interrupt: gic.spiLine(spiIntId(VIRT_SPI.rtc)) }));
  bus.map(VIRT_GPIO.base, new Pl061({ interrupt: gic.spiLine(spiIntId(VIRT_SPI.gpio)) }));
  for (let slot = 0; slot < VIRT_VIRTIO_MMIO_SLOTS; slot++) bus.map(virtioMmioSlot(slot).base, new VirtioMmioEmpty());
  const mmio: MmioHandler = {
    // Everything below RAM is the device map: what no device decodes reads as zero ("nothing here").
    claims: (ipa) => ipa < VIRT_RAM_BASE,
    read: (vcpu, ipa, size) => bus.read(ipa, size, vcpu),
    write: (vcpu, ipa, size, value) => bus.write(ipa, size, value, vcpu),
  };

  // ---- image, DTB, boot registers ----
  const flash = firmware === undefined ? [] : attachVirtFlash(machine, vm, bus, [firmware, options.flash1]);
  // Firmware gets QEMU's 1 MiB blob: U-Boot grows its copy in place before it starts a kernel
  // (bootz/booti), and with a compact blob that runs over what it placed after the copy.
  const dtb = options.dtb ?? buildVirtDtb({ isa, cpus: vcpus, ramBytes, bootargs: options.bootargs, flash: firmware !== undefined, minTotalSize: firmware === undefined ? undefined : QEMU_FIRMWARE_DTB_BYTES });
  // Firmware finds the DTB at the start of RAM (QEMU virt's rule for -bios); a kernel gets its address.
  const dtbAt = kernel === undefined ? VIRT_RAM_BASE : dtbAddress(ramBytes, dtb.length);
  if (dtb.length > ramBytes) throw new MachineConfigError(`the DTB (${dtb.length} bytes) does not fit in ${ramBytes} bytes of RAM`);
  if (kernel !== undefined) {
    if (kernel.loadAddress + kernel.bytes.length > dtbAt) throw new MachineConfigError(`the kernel (${kernel.bytes.length} bytes at 0x${kernel.loadAddress.toString(16)}) runs into the DTB at 0x${dtbAt.toString(16)}: give the VM more RAM`);
    machine.memory.writeBytes(vm.ipaToPa(kernel.loadAddress), kernel.bytes);
  }
  machine.memory.writeBytes(vm.ipaToPa(dtbAt), dtb);
  const boot = vm.vcpus[0].cpu;
  const entry = kernel?.entry ?? VIRT_FLASH_BANKS[0].base;
  if (boot instanceof A32Cpu) {
    boot.cpsr = 0x1d3; // SVC, A/I/F masked, ARM state
    if (kernel !== undefined) {
      boot.r[0] = 0;
      boot.r[1] = 0xffff_ffff;
      boot.r[2] = dtbAt;
    }
    boot.pc = entry;
  } else if (boot instanceof A64Cpu) {
    boot.pstate = 0x3c5; // EL1h, DAIF masked
    if (kernel !== undefined) boot.setX(0, dtbAt);
    boot.pc = entry;
  }

  // ---- timers to PPIs, and the runner ----
  const timerPpis = vm.vcpus.map((_, i) => ({ virt: gic.ppiLine(i, ppiIntId(VIRT_PPI.virtTimer)), phys: gic.ppiLine(i, ppiIntId(VIRT_PPI.nonSecurePhysTimer)) }));
  const updateTimer = (i: number) => {
    const regs = vm.vcpus[i].sysregs;
    timerPpis[i].virt.set(regs.timerOutput('virtual').asserted);
    timerPpis[i].phys.set(regs.timerOutput('physical').asserted);
  };
  const updateTimers = () => {
    for (let i = 0; i < vm.vcpus.length; i++) updateTimer(i);
  };
  timers.changed = (vcpuId) => {
    const i = vm.vcpus.findIndex((v) => v.id === vcpuId);
    if (i >= 0) updateTimer(i);
  };
  let stop: string | null = null;
  const input = options.input ?? '';
  let inputAt = 0;
  let nextInputNs = 0;
  let rounds = 0;
  let lastProgress = performance.now();
  const platform: VmPlatform = {
    irqPending: (i) => {
      updateTimers();
      return gic.irqLevel(i);
    },
    advanceTo: (ns) => {
      updateTimers();
      // Typing: a byte per INPUT_GAP_NS while the UART takes it (it refuses while disabled or full).
      const ready = inputAt > 0 || options.inputAfter === undefined || options.inputAfter.test(console);
      if (inputAt < input.length && ns >= nextInputNs && ready && uart.receive([input.charCodeAt(inputAt) & 0xff]) === 1) {
        inputAt++;
        nextInputNs = ns + INPUT_GAP_NS;
      }
      options.onRound?.(machine, vm);
      if (options.onProgress && ++rounds % 256 === 0 && performance.now() - lastProgress > 1000) {
        lastProgress = performance.now();
        options.onProgress({ instructions: machine.cost.guestInstructions, timeNs: ns, consoleLines: console.split('\n').length - 1 });
      }
    },
    nextEvent: () => {
      let next = Infinity;
      for (const v of vm.vcpus) next = Math.min(next, v.sysregs.timerOutput('virtual').firesAt, v.sysregs.timerOutput('physical').firesAt);
      return next * NS_PER_TICK;
    },
    stopReason: () => {
      if (stop !== null) return stop;
      const panic = PANIC.exec(console);
      if (panic) stop = `panic: ${panic[0].trim()}`;
      else if (options.until?.test(console)) stop = `console matched ${String(options.until)}`;
      return stop;
    },
  };
  const runner = new VmRunner(machine, vm, platform, { budget: options.budget ?? 2_000_000_000, migration: options.migration, seed: options.seed });
  clock.runner = runner;
  const beforeCpuOn = options.beforeCpuOn;
  const psci = new Psci(beforeCpuOn === undefined ? runner : withCpuOnHook(runner, (i) => beforeCpuOn(machine, vm, i)), isa === 'a64');
  vm.vcpus.forEach((v, i) => {
    // Without stage 2 (bare metal) the same devices answer directly, by physical address; a flash
    // bank in read-array mode reads as the memory it is mirrored into, as the VM's read-only mapping does.
    v.port.devices = {
      claims: (pa) => pa < VIRT_RAM_BASE,
      readsAsMemory: (pa) => flash.some((bank, b) => bank.arrayMode && pa >= VIRT_FLASH_BANKS[b].base && pa < VIRT_FLASH_BANKS[b].base + VIRT_FLASH_BANKS[b].size),
      read: (pa, size) => bus.read(pa, size, i),
      write: (pa, size, value) => bus.write(pa, size, value, i),
    };
  });
  for (const v of vm.vcpus) {
    v.mmio = mmio;
    v.hypercalls = psci;
    v.cpu.exceptionPolicy = options.stopOnException ? 'stop' : 'take';
  }
  const report = (failure: string | null): VirtBootResult => {
    const result = runner.result();
    const deviceAccesses: Record<string, number> = {};
    for (const m of bus.mappings()) if (m.reads + m.writes > 0) deviceAccesses[m.device.name] = (deviceAccesses[m.device.name] ?? 0) + m.reads + m.writes;
    return { ...result, end: failure === null ? result.end : 'guest failed', failure, console, machine, unmapped, deviceAccesses, psciCalls: psci.calls };
  };
  return { machine, vm, runner, report };
}

/** The runner as PSCI's target, with `before` called as CPU_ON starts a vCPU. */
function withCpuOnHook(runner: VmRunner, before: (index: number) => void): PsciTarget {
  return {
    vcpuOfMpidr: (mpidr) => runner.vcpuOfMpidr(mpidr),
    powerState: (index) => runner.powerState(index),
    cpuOn: (index, entry, entryHigh, context, contextHigh) => {
      before(index);
      runner.cpuOn(index, entry, entryHigh, context, contextHigh);
    },
    cpuOff: (index) => runner.cpuOff(index),
    systemOff: () => runner.systemOff(),
    systemReset: () => runner.systemReset(),
  };
}
