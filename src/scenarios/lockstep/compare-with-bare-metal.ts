/**
 * Run a guest under a policy and the same guest on bare metal side by side, and judge the policy
 * by what the guest saw (src/scenarios/lockstep/verdict.ts).
 *
 * Bare metal is the machine the guest's author tested on: no hypervisor (no stage 2, no traps, so
 * DC ISW discards dirty data as the hardware does), S/W ops acting on the pCPU's own caches, no
 * migration. The subject runs a step ahead and queues its loads; bare metal follows, each of its
 * loads matched as it makes it (src/scenarios/lockstep/lockstep-comparer.ts), so the two runs
 * hold only the loads of one step between them.
 */
import { performance } from 'node:perf_hooks';
import type { CacheSystem } from '../../cache/cache-system';
import type { MachineOptions, RunResult } from '../../hyp/machine';
import { bareMetalFor } from '../../hyp/policies/bare-metal';
import type { MigrationMode } from '../../hyp/scheduler';
import type { PhysicalMemory } from '../../mmu/physical-memory';
import { guestPosition, guestRegisters } from '../guest-setup';
import type { GuestRun } from './guest-run';
import { AdoptionNeeded, LockstepComparer } from './lockstep-comparer';
import { LiveReference, type ReferenceSide } from './reference-run';
import type { BareMetalRuns } from './bare-metal-runs';
import { StoreShadow } from './store-shadow';
import { SubjectLoads, SubjectSide } from './subject-loads';
import type { Verdict } from './verdict';

/** Instructions per step of a one-vCPU subject. */
const SUBJECT_STEP = 4096;

/** Steps bare metal may run past a failed subject's last load to show it fails as well. */
const FAILURE_GRACE_STEPS = 16;

export { BARE_METAL_POLICY } from '../../hyp/policies/bare-metal';

/**
 * Judge the subject (its vCPUs `subjects`, run a step at a time by `stepSubject`, false once it
 * has ended) against bare metal (`reference`, vCPU i against vCPU i): the subject's loads are
 * queued as it runs, bare metal advances as far as they reach and matches each of its own.
 */
export function judgeInLockstep(
  subjects: readonly GuestRun[],
  stepSubject: () => boolean,
  reference: ReferenceSide,
  /** Compare only while this holds (checked every step): after it, the subject runs on alone. */
  comparing: () => boolean = () => true,
): Verdict {
  const shadow = new StoreShadow(subjects[0].machine.memory);
  const clock = { loads: 0 };
  const recorders = subjects.map((s) => new SubjectLoads(s.vcpu, shadow, s.machine.caches, s.machine.memory, clock));
  const subject = new SubjectSide(recorders, stepSubject);
  const comparers = subjects.map((_, i) => new LockstepComparer(subject, i, reference.machine));
  subjects.forEach((s, i) => (s.vcpu.port.observer = recorders[i]));
  reference.attach(comparers);
  let cutShort = false;
  let cutShortAt = 0;
  try {
    while (!subject.stopped) {
      if (!cutShort && !comparing()) {
        cutShort = true;
        cutShortAt = subjects.reduce((n, s) => n + s.vcpu.cpu.instructionsRetired, 0);
        for (const c of comparers) c.stopComparing();
      }
      if (!cutShort && reference.stopped === null && comparers.some((c) => !c.done)) {
        reference.step();
        continue;
      }
      subject.step();
      if (!cutShort && reference.stopped !== null) for (const c of comparers) c.referenceEnded();
    }
    if (!cutShort) {
      // The subject has ended: bare metal runs on, matching what the subject left queued, until
      // every vCPU's comparison is over (bare metal ends too, or makes a load the subject never made).
      while (reference.stopped === null && comparers.some((c) => !c.done)) reference.step();
      if (reference.stopped !== null) for (const c of comparers) c.referenceEnded();
      // A subject that failed: does bare metal fail there too (then it is the guest's own doing)?
      for (let n = 0; subject.failure !== null && reference.stopped === null && n < FAILURE_GRACE_STEPS; n++) reference.step();
    }
  } finally {
    for (const s of subjects) s.vcpu.port.observer = null;
    reference.attach(null);
  }
  const failure = subject.failure;
  // Failing where bare metal fails too is the guest's own doing: an error, as without a comparison.
  // Bare metal that only ran out of budget did not fail as a subject that faulted did.
  if (failure !== null && reference.failed && (!reference.outOfBudget || failure.name === 'BudgetExceeded')) throw failure;
  const first = comparers.reduce<LockstepComparer | null>((best, c) => (c.first !== null && (best === null || c.firstAt < best.firstAt) ? c : best), null);
  const diverged = comparers.filter((c) => c.controlFlowDiverged);
  const cause = diverged.some((c) => c.controlFlowCause === 'unexplained') ? 'unexplained' : diverged.length > 0 ? 'after-stale-read' : null;
  const sum = (f: (c: LockstepComparer) => number) => comparers.reduce((n, c) => n + f(c), 0);
  const refGuests = reference.guests;
  // Cut short, the two machines end at different points: their registers and lines say nothing.
  const regs = cutShort ? [] : subjects.map((s, i) => registerDifferences(s, refGuests[i])).map((d, i) => (subjects.length === 1 || d === null ? d : `vCPU ${i}: ${d}`)).filter((d) => d !== null);
  return {
    loadsCompared: sum((c) => c.loads),
    staleReads: sum((c) => c.staleReads),
    fresherReads: sum((c) => c.fresherReads),
    dataDestroyed: diverged.length > 0 || cutShort ? 0 : destroyedLines(shadow.pages, subjects[0], refGuests[0]),
    controlFlowDiverged: diverged.length > 0,
    controlFlowCause: cause,
    firstDivergence: first?.first ?? null,
    finalStateDiffers: regs.length === 0 ? null : regs.join('; '),
    referenceEnd: cutShort ? `comparison stopped at ${cutShortAt} guest instructions, bare metal still running` : (reference.stopped ?? 'running'),
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
  // Bare metal with the caches the guest is shown (a policy that fabricates the cache IDs has its own).
  const bareMetalPolicy = bareMetalFor(options.policy);
  const bareMetal = () => prepare(bareMetalPolicy, { kind: 'never' }, undefined);
  const bareMetalKey = typeof bareMetalPolicy === 'string' ? '' : ` on the caches ${typeof options.policy === 'string' ? options.policy : options.policy.name} shows`;
  // A recording serves until bare metal has to adopt newer data the guest read; then the run is
  // made again against live bare metal (a traced run goes live at once: it prints only once).
  const recorded = options.compare !== false && options.bareMetal !== undefined && options.trace === undefined;
  for (const live of recorded ? [false, true] : [true]) {
    const subject = prepare(options.policy, options.migration, options.trace);
    const t0 = performance.now();
    let run: RunResult = { instructions: 0, haltReason: '' };
    if (options.compare === false) {
      run = subject.machine.run(subject.vcpu, subject.budget);
      return { subject, run, verdict: null, guestMs: performance.now() - t0 };
    }
    const reference = live ? LiveReference.single(bareMetal()) : options.bareMetal!.runs.reference(options.bareMetal!.key + bareMetalKey, bareMetal);
    // Steps as long as bare metal's (src/scenarios/lockstep/reference-run.ts): the subject runs
    // little ahead, so few of its loads wait in the queue.
    const steps = subject.machine.start(subject.vcpu, subject.budget, SUBJECT_STEP);
    const step = (): boolean => {
      const r = steps.step();
      if (r === null) return true;
      run = r;
      return false;
    };
    let verdict: Verdict;
    try {
      verdict = judgeInLockstep([subject], step, reference);
    } catch (e) {
      if (e instanceof AdoptionNeeded && !live) continue;
      throw e;
    }
    if (verdict.guestFailure) run = { instructions: guestPosition(subject.vcpu).instructions, haltReason: 'guest failed' };
    return { subject, run, verdict, guestMs: performance.now() - t0 };
  }
  throw new Error('unreachable: the live comparison always returns');
}
