/** What the fast-path tests compare between the plain interpreter and the compiled fast path. */
import { expect } from 'vitest';
import { Bank, type A32Cpu, type GuestAbortInfo } from '../../src/exec/a32/index';
import type { MemoryObserver } from '../../src/exec/memory-observer';
import type { Machine } from '../../src/hyp/machine';

/** How one `run(budget)` call ended, as text: retired count and stop reason, or the error thrown. */
export function runOutcome(cpu: { run(budget: number): number; readonly stopReason: string }, budget: number): string {
  try {
    return `ran ${cpu.run(budget)} ${cpu.stopReason}`;
  } catch (e) {
    return `threw ${(e as Error).message}`;
  }
}

/** Index of the first byte where `a` and `b` differ, -1 when equal (a deep toEqual of many KiB is slow). */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (Buffer.compare(a, b) === 0) return -1;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}

/** An observer that records every load and store, for comparing two runs' accesses. */
export class AccessRecorder implements MemoryObserver {
  readonly log: string[] = [];
  load(va: number, pa: number, size: number, value: number): number {
    this.log.push(`L ${va} ${pa} ${size} ${value}`);
    return value;
  }
  store(va: number, pa: number, size: number, value: number): void {
    this.log.push(`S ${va} ${pa} ${size} ${value}`);
  }
}

/** Two machines hold the same physical memory, cache lines (tags, states, LRU stamps, data) and cache counters. */
export function expectSameMemorySystem(a: Machine, b: Machine): void {
  expect(a.caches.counters()).toEqual(b.caches.counters());
  const pages = a.memory.allocatedPageNumbers();
  expect(pages).toEqual(b.memory.allocatedPageNumbers());
  for (const p of pages) expect(firstDifference(a.memory.allocatedPage(p)!, b.memory.allocatedPage(p)!), `page 0x${p.toString(16)}`).toBe(-1);
  const bytes = (x: Float64Array | Uint8Array) => new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
  a.caches.caches.forEach((ca, i) => {
    const cb = b.caches.caches[i];
    expect(ca.tick, ca.name).toBe(cb.tick);
    expect(firstDifference(bytes(ca.tags), bytes(cb.tags)), `${ca.name} tags`).toBe(-1);
    expect(firstDifference(ca.state, cb.state), `${ca.name} states`).toBe(-1);
    expect(firstDifference(bytes(ca.stamps), bytes(cb.stamps)), `${ca.name} LRU stamps`).toBe(-1);
    expect(firstDifference(ca.data, cb.data), `${ca.name} data`).toBe(-1);
  });
}

/** SPSRs (Arm ARM G1.8 "Banked registers"): one per exception mode, bank 0 (User/System) has none. */
const A32_BANKS = [Bank.FIQ, Bank.IRQ, Bank.SVC, Bank.ABT, Bank.UND, Bank.MON, Bank.HYP] as const;

/**
 * Every piece of A32 architectural state the executor holds, for one toEqual: R0-R15, CPSR, the
 * retired count, each mode's SPSR and banked R8-R14 (FIQ's R8-R12, every mode's SP and LR),
 * whichever mode is current.
 */
export function a32State(cpu: A32Cpu): Record<string, number | number[]> {
  const banked: number[] = [];
  for (const bank of [Bank.USR, ...A32_BANKS]) for (let n = 8; n <= 14; n++) banked.push(cpu.readBankedRegister(bank, n));
  return {
    r: [...cpu.r],
    cpsr: cpu.cpsr,
    retired: cpu.instructionsRetired,
    spsr: A32_BANKS.map((b) => cpu.readSpsrOfBank(b)),
    banked,
  };
}

/**
 * An `onGuestAbort` that records what the system-register model would write to DFSR/DFAR or
 * IFSR/IFAR (Arm ARM G8 "DFSR", "DFAR", "IFSR", "IFAR"), one line per abort taken to PL1.
 */
export function faultRegisterLog(): { readonly log: string[]; readonly onGuestAbort: (info: GuestAbortInfo) => void } {
  const log: string[] = [];
  return { log, onGuestAbort: (i) => log.push(`${i.kind} status 0x${i.status.toString(16)} address 0x${(i.address >>> 0).toString(16)} ${i.write ? 'write' : 'read'}`) };
}
