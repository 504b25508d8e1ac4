/**
 * The DebugTarget of a stopped machine: thread n is vCPU n - 1 of the run, registers from its
 * executor, memory through GuestView, breakpoints kept by the RunControl, and the `monitor`
 * commands.
 */
import type { Machine } from '../hyp/machine';
import type { Vcpu } from '../hyp/vcpu';
import { cacheReport } from './cache-report';
import type { BreakpointKind, DebugTarget } from './dispatcher';
import { GuestView } from './guest-view';
import { registerHex, registersHex, type DebugIsa } from './registers';
import type { RunControl } from './run-control';

const MONITOR_HELP =
  'monitor commands:\n' +
  '  cache ADDR   the line holding guest VA ADDR (through this thread\'s stage 1 and stage 2) in\n' +
  '               every pCPU\'s caches, level by level (valid/dirty and data), then memory\n' +
  '  help         this text\n';

function hex(n: number): string {
  return `0x${BigInt.asUintN(64, BigInt(n)).toString(16)}`;
}

export class MachineTarget implements DebugTarget {
  readonly isa: DebugIsa;
  readonly threads: readonly number[];
  private readonly view: GuestView;

  constructor(
    private readonly machine: Machine,
    private readonly vcpus: readonly Vcpu[],
    private readonly control: RunControl,
  ) {
    this.isa = machine.isa;
    this.threads = vcpus.map((_, i) => i + 1);
    this.view = new GuestView(machine.caches, machine.memory, (v) => machine.vms.find((vm) => vm.vcpus.includes(v)));
  }

  /** The thread of a vCPU. */
  threadOf(vcpu: Vcpu): number {
    return this.vcpus.indexOf(vcpu) + 1;
  }

  private vcpu(thread: number): Vcpu {
    const v = this.vcpus[thread - 1];
    if (v === undefined) throw new RangeError(`gdb: no thread ${thread}`);
    return v;
  }

  /** A debugger's address as the executor holds it: 32 bits for A32, signed 64 bits for A64. */
  private executorAddress(address: bigint): number {
    return this.isa === 'a32' ? Number(BigInt.asUintN(32, address)) : Number(BigInt.asIntN(64, address));
  }

  registersHex(thread: number): string {
    return registersHex(this.isa, this.vcpu(thread).cpu);
  }

  registerHex(thread: number, regnum: number): string | null {
    return registerHex(this.isa, this.vcpu(thread).cpu, regnum);
  }

  readMemory(thread: number, address: bigint, length: number): string {
    return this.view.read(this.vcpu(thread), this.executorAddress(address), length);
  }

  threadInfo(thread: number): string {
    const v = this.vcpu(thread);
    return `vCPU ${v.id} on pCPU ${v.pcpu}, ${v.cpu.instructionsRetired} instructions retired`;
  }

  insertBreakpoint(kind: BreakpointKind, address: bigint): void {
    this.control.insertBreakpoint(kind, this.executorAddress(address));
  }

  removeBreakpoint(kind: BreakpointKind, address: bigint): void {
    this.control.removeBreakpoint(kind, this.executorAddress(address));
  }

  monitor(thread: number, command: string): string {
    const words = command.trim().split(/\s+/);
    if (words[0] === 'cache' && words.length === 2) return this.cacheCommand(this.vcpu(thread), words[1]);
    if (words[0] === 'help' || words[0] === '') return MONITOR_HELP;
    return `unknown monitor command '${command.trim()}'\n${MONITOR_HELP}`;
  }

  private cacheCommand(vcpu: Vcpu, text: string): string {
    let address: bigint;
    try {
      address = BigInt(text);
    } catch {
      return `monitor cache: '${text}' is not an address (0x... or decimal)\n`;
    }
    const va = this.executorAddress(address);
    const where = this.view.translate(vcpu, va);
    if (typeof where === 'string') return `VA ${hex(va)}: ${where}\n`;
    return (
      `VA ${hex(va)} -> IPA ${hex(where.ipa)} -> PA ${hex(where.pa)} (${where.cacheable ? 'cacheable' : 'non-cacheable'} for vCPU ${vcpu.id} on pCPU ${vcpu.pcpu})\n` +
      cacheReport(this.machine.caches, this.machine.memory, where.pa)
    );
  }
}
