/**
 * An AArch32 executor's exception as the signal Linux raises for it in User mode (A32 and T32
 * exec differentials): Undefined Instruction -> SIGILL at the PC; a Data Abort -> SIGBUS at DFAR
 * for an alignment fault, SIGSEGV at the address the scratch memory refused otherwise; a Prefetch
 * Abort -> SIGSEGV at the PC.
 */
import { GuestException, type GuestAbortInfo } from '../../src/exec/a32';
import { MemoryAbort } from '../../src/mmu/fault';
import type { ScratchMemory } from '../oracles/scratch-memory';
import { SIGBUS, SIGILL, SIGSEGV, type OurRun } from './exec-diff';

/**
 * The last Data Abort the executor took (its A32CpuOptions.onGuestAbort): DFAR, the faulting
 * virtual address the guest's handler would read (Arm ARM G8 "DFAR"; for an alignment fault the
 * address of the access that faulted), which Linux reports as si_addr.
 */
export class DataAbortRecorder {
  last: GuestAbortInfo | null = null;
  readonly onGuestAbort = (info: GuestAbortInfo): void => {
    if (info.kind === 'data') this.last = info;
  };
}

/** The fault `e` as OurRun, or rethrows what is not a guest fault. */
export function a32LinuxFault(e: unknown, memory: ScratchMemory, aborts: DataAbortRecorder): OurRun {
  const refused = memory.outside ? BigInt(memory.outside.address >>> 0) : undefined;
  if (e instanceof MemoryAbort) return { kind: 'fault', detail: `${e.name}: ${e.message}`, signal: SIGSEGV, address: BigInt(e.fault.va >>> 0) };
  if (!(e instanceof GuestException)) throw e;
  const pc = BigInt(e.pc >>> 0);
  const detail = `${e.name}: ${e.message}`;
  if (e.kind === 'undefined') return { kind: 'fault', detail, signal: SIGILL, pc, address: pc };
  if (e.kind === 'prefetch-abort') return { kind: 'fault', detail, signal: SIGSEGV, pc, address: pc };
  if (e.kind === 'data-abort' && aborts.last?.fault.kind === 'alignment') return { kind: 'fault', detail, signal: SIGBUS, pc, address: BigInt(aborts.last.address >>> 0) };
  if (e.kind === 'data-abort') return { kind: 'fault', detail, signal: SIGSEGV, pc, address: refused };
  return { kind: 'fault', detail };
}
