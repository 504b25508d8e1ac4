/**
 * Run a guest under a policy and the same guest on bare metal side by side, and judge the policy
 * by what the guest saw (src/scenarios/lockstep/verdict.ts).
 *
 * Bare metal is the machine the guest's author tested on: no hypervisor (no stage 2, no traps, so
 * DC ISW discards dirty data as the hardware does), one pCPU, S/W ops acting on that pCPU's
 * caches, no migration. The reference is advanced only as far as the subject's loads need, so
 * the comparison holds just the loads one run is ahead of the other.
 */
import { performance } from 'node:perf_hooks';
import type { CacheSystem } from '../../cache/cache-system';
import type { MachineOptions, RunResult } from '../../hyp/machine';
import type { MigrationMode } from '../../hyp/scheduler';
import type { PhysicalMemory } from '../../mmu/physical-memory';
import { guestPosition, guestRegisters } from '../guest-setup';
import type { GuestRun } from './guest-run';
import { LockstepComparer } from './lockstep-comparer';
import { isGuestCaused } from '../../hyp/guest-error';
import { ReferenceRun } from './reference-run';
import type { ReferenceLoads } from './reference-loads';
import type { BareMetalRuns } from './bare-metal-runs';
import type { ReferenceVmRun } from './reference-vm-run';
import type { Verdict } from './verdict';

/** The reference machine's policy: no stage 2 and no trapping (src/hyp/policies/passthrough.ts). */
export const BARE_METAL_POLICY = 'passthrough:novm';

/**
 * Run `runSubject` (which runs `subject` to its end) while comparing every load with `reference`
 * (built from the same scenario with BARE_METAL_POLICY and no migration).
 */
export function compareWithBareMetal(subject: GuestRun, ref: ReferenceLoads, runSubject: () => void): Verdict {
  const reference = ref.guest;
  const cmp = new LockstepComparer(ref, subject.machine.memory, subject.machine.caches, () => guestPosition(subject.vcpu));
  subject.vcpu.port.observer = cmp;
  let failure: Error | null = null;
  try {
    runSubject();
  } catch (e) {
    // A guest that fails where bare metal finishes is the policy's doing: a verdict, not an error.
    if (!isGuestCaused(e)) throw e;
    failure = e;
  } finally {
    subject.vcpu.port.observer = null;
  }
  cmp.finish();
  if (failure !== null && ref.stopped !== 'halted' && ref.stopped !== 'wfi') throw failure;
  return {
    loadsCompared: cmp.loads,
    staleReads: cmp.staleReads,
    fresherReads: cmp.fresherReads,
    dataDestroyed: cmp.controlFlowDiverged ? 0 : destroyedLines(cmp.shadow, subject, reference),
    controlFlowDiverged: cmp.controlFlowDiverged,
    controlFlowCause: cmp.controlFlowCause,
    firstDivergence: cmp.first,
    finalStateDiffers: registerDifferences(subject, reference),
    referenceEnd: ref.stopped ?? 'running',
    guestFailure: failure === null ? null : `${failure.name}: ${failure.message}`,
  };
}

/**
 * The same for a whole VM: vCPU i of the subject against vCPU i of bare metal (`reference`, a
 * ReferenceVmRun advanced a round at a time), one shadow of the guest's stores for all of them.
 */
export function compareVmWithBareMetal(subjects: readonly GuestRun[], reference: ReferenceVmRun, runSubject: () => void): Verdict {
  const shadow = new Map<number, Uint8Array>();
  const clock = { loads: 0 };
  const comparers = subjects.map((s, i) => {
    const c = new LockstepComparer(reference.loadsOf(i), s.machine.memory, s.machine.caches, () => guestPosition(s.vcpu), shadow, clock);
    s.vcpu.port.observer = c;
    return c;
  });
  let failure: Error | null = null;
  try {
    runSubject();
  } catch (e) {
    if (!isGuestCaused(e)) throw e;
    failure = e;
  } finally {
    for (const s of subjects) s.vcpu.port.observer = null;
  }
  for (const c of comparers) c.finish();
  // Failing where bare metal fails too is the guest's own doing: an error, as without a comparison.
  if (failure !== null && reference.failed) throw failure;
  const first = comparers.reduce<LockstepComparer | null>((best, c) => (c.first !== null && (best === null || c.firstAt < best.firstAt) ? c : best), null);
  const diverged = comparers.filter((c) => c.controlFlowDiverged);
  const cause = diverged.some((c) => c.controlFlowCause === 'unexplained') ? 'unexplained' : diverged.some((c) => c.controlFlowCause === 'after-stale-read') ? 'after-stale-read' : diverged.length > 0 ? 'after-newer-read' : null;
  const sum = (f: (c: LockstepComparer) => number) => comparers.reduce((n, c) => n + f(c), 0);
  const refGuests = subjects.map((_, i) => reference.loadsOf(i).guest);
  const regs = subjects.map((s, i) => registerDifferences(s, refGuests[i])).map((d, i) => (d === null ? null : `vCPU ${i}: ${d}`)).filter((d) => d !== null);
  return {
    loadsCompared: sum((c) => c.loads),
    staleReads: sum((c) => c.staleReads),
    fresherReads: sum((c) => c.fresherReads),
    dataDestroyed: diverged.length > 0 ? 0 : destroyedLines(shadow, subjects[0], refGuests[0]),
    controlFlowDiverged: diverged.length > 0,
    controlFlowCause: cause,
    firstDivergence: first?.first ?? null,
    finalStateDiffers: regs.length === 0 ? null : regs.join('; '),
    referenceEnd: reference.stopped ?? 'running',
    guestFailure: failure === null ? null : `${failure.name}: ${failure.message}`,
  };
}

/**
 * Lines the guest wrote whose latest data exists nowhere at the end of the subject run (neither
 * in a dirty copy nor in memory) while it does at the end of the bare-metal run.
 */
function destroyedLines(shadow: ReadonlyMap<number, Uint8Array>, subject: GuestRun, reference: GuestRun): number {
  const lineBytes = subject.machine.caches.lineBytes;
  const mine = new Uint8Array(lineBytes);
  const theirs = new Uint8Array(lineBytes);
  let destroyed = 0;
  for (const [ppn, page] of shadow) {
    for (let off = 0; off < page.length; off += lineBytes) {
      const latest = page.subarray(off, off + lineBytes);
      const pa = ppn * page.length + off;
      finalLine(subject.machine.caches, subject.machine.memory, pa, mine);
      if (equal(mine, latest)) continue;
      const refPa = reference.vm.ipaToPa(pa - subject.vm.ramPa + subject.vm.ramIpa);
      finalLine(reference.machine.caches, reference.machine.memory, refPa, theirs);
      if (equal(theirs, latest)) destroyed++;
    }
  }
  return destroyed;
}

/** What a clean to the PoC would leave in memory for this line: the dirty copy if any, else memory. */
function finalLine(caches: CacheSystem, memory: PhysicalMemory, pa: number, out: Uint8Array): void {
  const dirty = caches.inspectLine(pa).find((c) => c.dirty);
  if (dirty !== undefined) out.set(dirty.bytes);
  else memory.readBytes(pa, out);
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function registerDifferences(subject: GuestRun, reference: GuestRun): string | null {
  const theirs = new Map(guestRegisters(reference.vcpu));
  const diffs = guestRegisters(subject.vcpu)
    .filter(([name, value]) => theirs.get(name) !== value)
    .map(([name, value]) => `${name} ${value} (bare metal ${theirs.get(name)})`);
  if (diffs.length === 0) return null;
  return diffs.length <= 3 ? diffs.join(', ') : `${diffs.slice(0, 3).join(', ')} and ${diffs.length - 3} more`;
}

/** Builds the machine for one run of a scenario: the subject (policy, schedule, trace) or the reference. */
export type PrepareGuest = (policy: MachineOptions['policy'], migration: MigrationMode, trace: MachineOptions['trace']) => GuestRun;

/**
 * Run a scenario's guest under `policy` and `migration`, judged against bare metal unless
 * `compare` is false (then the verdict is null: used to measure the bare cost).
 */
export function runJudged(
  prepare: PrepareGuest,
  options: {
    readonly policy: MachineOptions['policy'];
    readonly migration: MigrationMode;
    readonly trace?: MachineOptions['trace'];
    readonly compare?: boolean;
    /** Recorded bare-metal runs to reuse, and the key naming this guest among them. */
    readonly bareMetal?: { readonly runs: BareMetalRuns; readonly key: string };
  },
): { subject: GuestRun; run: RunResult; verdict: Verdict | null; guestMs: number } {
  const subject = prepare(options.policy, options.migration, options.trace);
  const bareMetal = () => prepare(BARE_METAL_POLICY, { kind: 'never' }, undefined);
  const reference =
    options.compare === false ? null : options.bareMetal === undefined ? new ReferenceRun(bareMetal()) : options.bareMetal.runs.reference(options.bareMetal.key, bareMetal);
  const t0 = performance.now();
  let run: RunResult = { instructions: 0, haltReason: '' };
  const runSubject = () => {
    run = subject.machine.run(subject.vcpu, subject.budget);
  };
  const verdict = reference === null ? (runSubject(), null) : compareWithBareMetal(subject, reference, runSubject);
  if (verdict?.guestFailure) run = { instructions: guestPosition(subject.vcpu).instructions, haltReason: 'guest failed' };
  return { subject, run, verdict, guestMs: performance.now() - t0 };
}
