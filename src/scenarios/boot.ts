/**
 * A whole guest on the virt platform, judged like every other scenario: the same boot on bare
 * metal (no hypervisor, no stage 2, no migration: src/scenarios/lockstep) follows it a round
 * behind, vCPU i's loads compared with bare metal's vCPU i. Both VMs use the same runner, whose
 * quanta are independent of the migration schedule, so their vCPUs interleave alike and take
 * interrupts at the same instructions while their control flow agrees.
 */
import { isGuestCaused } from '../hyp/guest-error';
import type { Machine } from '../hyp/machine';
import type { MigrationMode } from '../hyp/scheduler';
import type { Vcpu } from '../hyp/vcpu';
import { assembleVirt, type VirtBootOptions, type VirtBootResult } from '../platform/virt-machine';
import { bareMetalFor } from '../hyp/policies/bare-metal';
import { judgeInLockstep } from './lockstep/compare-with-bare-metal';
import type { GuestRun } from './lockstep/guest-run';
import { LiveReference } from './lockstep/reference-run';
import type { Verdict } from './lockstep/verdict';

export interface BootOptions extends VirtBootOptions {
  /** Judge against bare metal (default true); false runs the boot alone (half the time). */
  readonly compare?: boolean;
  /**
   * Compare only the first N guest instructions (all vCPUs), then run on alone: a verdict on a
   * window (a firmware's hand-over) without paying lockstep for a long boot after it.
   */
  readonly compareInstructions?: number;
  /** Attach a debugger (src/gdb) to the subject's vCPUs before they run; never to bare metal's. */
  readonly debug?: (machine: Machine, vcpus: readonly Vcpu[]) => void;
}

export interface BootResult extends VirtBootResult {
  readonly verdict: Verdict | null;
  /** The bare-metal boot's console, when compared. */
  readonly bareMetalConsole: string | null;
}

const NEVER: MigrationMode = { kind: 'never' };

export function runBoot(options: BootOptions): BootResult {
  const subject = assembleVirt(options);
  options.debug?.(subject.machine, subject.vm.vcpus);
  const budget = options.budget ?? 2_000_000_000;
  if (options.compare === false) {
    let failure: string | null = null;
    try {
      subject.runner.run();
    } catch (e) {
      if (!isGuestCaused(e)) throw e;
      failure = `${e.name}: ${e.message}`;
    }
    return { ...subject.report(failure), verdict: null, bareMetalConsole: null };
  }
  // Bare metal is the guest alone on the hardware: no other VM, no hypervisor hooks, no observers.
  const bare = assembleVirt({
    ...options,
    policy: bareMetalFor(options.policy),
    migration: NEVER,
    secondVm: false,
    beforeCpuOn: undefined,
    onConsole: undefined,
    onProgress: undefined,
    onRound: undefined,
    trace: undefined,
  });
  const runs = (a: typeof subject): GuestRun[] => a.vm.vcpus.map((vcpu) => ({ machine: a.machine, vm: a.vm, vcpu, budget }));
  const reference = new LiveReference(
    runs(bare),
    bare.vm.vcpus.map((v) => v.port),
    () => bare.runner.round(),
    () => ({ reason: bare.runner.result().end, failed: false, outOfBudget: false }),
  );
  const limit = options.compareInstructions ?? Infinity;
  const verdict = judgeInLockstep(runs(subject), () => subject.runner.round(), reference, () => subject.runner.result().instructions < limit);
  return { ...subject.report(verdict.guestFailure), verdict, bareMetalConsole: bare.report(null).console };
}
