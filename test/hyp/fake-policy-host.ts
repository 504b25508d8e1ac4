/** A recording PolicyHost for policy unit tests: no guest, no caches, just what the policy asked for. */
import { CostMeter } from '../../src/hyp/cost-model';
import type { FlushScope, PolicyHost, PreemptionCount } from '../../src/hyp/policy';
import type { SetWayOp } from '../../src/exec/system-port';

export class FakePolicyHost implements PolicyHost {
  vcpuId = 0;
  pcpu = 0;
  pcpuCount = 2;
  hcr = 0;
  guestCachesOn = true;
  setWayLoopActive = false;
  cost = new CostMeter();
  readonly calls: string[] = [];
  /** IPAs for which revalidate/restore/markDirty report a change. */
  invalidIpas = new Set<number>();

  setWayOnPcpu(op: SetWayOp, operand: number): void {
    this.calls.push(`sw ${op} 0x${operand.toString(16)} on ${this.pcpu}`);
  }
  flushGuestMemory(scope: FlushScope, preemption?: number | PreemptionCount) {
    const every = typeof preemption === 'number' ? ` batch ${preemption}` : preemption ? ` preempt +${preemption.page}/page +${preemption.skipped}/skip at ${preemption.limit}` : '';
    this.calls.push(`flush ${scope}${every}`);
    return { pages: 1, lines: 1 };
  }
  flushGuestPage(ipa: number) {
    this.calls.push(`flush page 0x${ipa.toString(16)}`);
    return { pages: 1, lines: 1 };
  }
  flushGuestDirtyLines() {
    this.calls.push('flush dirty lines');
    return { pages: 0, lines: 1 };
  }
  flushStrandedLines(operand: number) {
    this.calls.push(`flush stranded 0x${operand.toString(16)}`);
    return { pages: 0, lines: 1 };
  }
  flushPcpuBySetWay(pcpu: number): void {
    this.calls.push(`flush pcpu ${pcpu}`);
  }
  setWayOnPcpuLevels(op: string, lastLevel: number | 'loc'): void {
    this.calls.push(`${op} levels 1-${lastLevel}`);
  }
  invalidateP2mRoots(): void {
    this.calls.push('invalidate roots');
  }
  revalidateP2m(ipa: number): boolean {
    this.calls.push(`revalidate 0x${ipa.toString(16)}`);
    return this.invalidIpas.delete(ipa);
  }
  invalidateP2mLeaves(): void {
    this.calls.push('invalidate leaves');
  }
  restoreP2mLeaf(ipa: number): boolean {
    this.calls.push(`restore 0x${ipa.toString(16)}`);
    return this.invalidIpas.delete(ipa);
  }
  startDirtyTracking(mode: 'fault' | 'dbm'): void {
    this.calls.push(`track ${mode}`);
  }
  markPageDirty(ipa: number): boolean {
    this.calls.push(`dirty 0x${ipa.toString(16)}`);
    return this.invalidIpas.delete(ipa);
  }
  trace(): void {}
}
