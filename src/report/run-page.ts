/**
 * `setway run --html FILE` and `setway boot --html FILE`: the timeline of one run (what the
 * TimelineRecorder kept), its verdict against bare metal and what it cost, in one self-contained page.
 */
import { lostData, type Verdict } from '../scenarios/lockstep/verdict';
import type { ScenarioResult } from '../scenarios/result';
import { escapeHtml } from './html-escape';
import { chartFigure, htmlTable, reportPage, settingsList } from './page-shell';
import { timelineView, type TimelineView } from './timeline-charts';
import type { TimelineData } from './timeline-recorder';
import { TIMELINE_SCRIPT } from './timeline-script';
import { verdictSentence, type VerdictFacts } from './verdict-sentence';

const count = (n: number) => n.toLocaleString('en-US');

const LANE_NOTES: Record<string, string> = {
  setway: 'per window, by the Level field of the operand',
  migrations: 'an arrow per move, from the pCPU left to the pCPU joined; the line is the pCPU at each window end',
  caches: 'bands: SCTLR.M and C at each window end; dots: writes that changed them and trapped to the policy (none when it does not trap them)',
  traps: 'per window, by ESR_EL2.EC',
  el2: "bars: the cost model's EL2 time per window; dots: the longest non-preemptible stretch that ended in it",
  dirty: "lines of guest RAM held dirty at each window end: cpuN.* are pCPU N's own caches, clusterN.* and system.* shared ones",
};

function timelineSection(view: TimelineView): string {
  const d = view.divergence;
  const divergence =
    d === null
      ? '<p>No divergence from bare metal: the guest saw what it would have seen without a hypervisor.</p>'
      : `<p class="divergence">${escapeHtml(d.sentence)}${d.approximate ? ' (placed at the first window where a vCPU had retired that many instructions)' : ''} It is the dashed red line on every lane.</p>`;
  return `<h2>Timeline</h2>
${divergence}
<p>Counters per window of guest instructions (${count(view.ends.length)} windows of ${count(view.windowInstructions)} instructions or fewer, ${count(view.instructions)} instructions in all), recorded as the run went.</p>
<div class="lanes">
${view.charts.map((c) => chartFigure(c.id, c.title, LANE_NOTES[c.id] ?? '')).join('\n')}
</div>`;
}

function page(title: string, settings: readonly (readonly [string, string])[], verdict: string, costs: readonly (readonly [string, string | number])[], view: TimelineView): string {
  const body = `${settingsList(settings)}
<h2>Verdict</h2>
${verdict}
${timelineSection(view)}
<h2>Cost</h2>
${htmlTable(['figure', 'value'], costs)}`;
  return reportPage({ title, body, data: { timeline: view }, script: TIMELINE_SCRIPT });
}

function verdictParagraph(facts: VerdictFacts | null): string {
  if (facts === null) return '<p>Not compared with bare metal.</p>';
  return `<p${lostData(facts) ? ' class="lost"' : ''}>${escapeHtml(verdictSentence(facts))}</p>`;
}

export interface RunPageInput {
  readonly result: ScenarioResult;
  readonly timeline: TimelineData;
  /** The image and what ran of it ("rom.elf flush_dcache_all"). */
  readonly what: string;
  readonly commandLine: string;
}

export function renderRunPage(input: RunPageInput): string {
  const r = input.result;
  const view = timelineView(input.timeline, r.firstDivergence);
  const us = (x: number) => Number(x.toFixed(1));
  return page(
    `setway run: ${input.what} under ${r.policy}`,
    [
      ['policy', r.policy],
      ['preset', r.preset],
      ['ISA', r.isa.toUpperCase()],
      ['migration', r.migration],
      ['seed', String(r.seed)],
      ['instructions', count(r.instructions)],
      ['command', input.commandLine],
    ],
    verdictParagraph(r),
    [
      ['guest instructions', r.instructions],
      ['traps', r.traps],
      ['S/W ops (trapped)', `${count(r.setWayOps)} (${count(r.setWayOpsTrapped)})`],
      ['lines cleaned by VA', r.linesByAddress],
      ['lines written back', r.lineWriteBacks],
      ['pages flushed', r.pagesFlushed],
      ['stage-2 faults', r.stage2Faults],
      ['migrations', r.migrations],
      ['dirty lines discarded', r.dirtyDiscarded],
      ['longest EL2 stretch, µs', us(r.longestEl2Us)],
      ['simulated time, µs', us(r.simulatedUs)],
      ['wall time, ms', Math.round(r.wallMs)],
    ],
    view,
  );
}

/** What `setway boot --json` reports, as far as the page shows it. */
export interface BootFacts {
  readonly kernel: string;
  readonly policy: string;
  readonly end: string;
  readonly failure: string | null;
  readonly instructions: number;
  readonly instructionsPerVcpu: readonly number[];
  readonly virtualMs: number;
  readonly traps: number;
  readonly trapsByClass: Readonly<Record<string, number>>;
  readonly setWayOps: number;
  readonly setWayOpsTrapped: number;
  readonly mmioAccesses: number;
  readonly linesByAddress: number;
  readonly pagesFlushed: number;
  readonly stage2Faults: number;
  readonly migrations: number;
  readonly simulatedUs: number;
  readonly wallMs: number;
  readonly verdict: Verdict | null;
}

export function renderBootPage(input: { readonly boot: BootFacts; readonly timeline: TimelineData; readonly commandLine: string }): string {
  const b = input.boot;
  const v = b.verdict;
  const view = timelineView(input.timeline, v?.firstDivergence ?? null);
  return page(
    `setway boot: ${b.kernel} under ${b.policy}`,
    [
      ['policy', b.policy],
      ['ended', b.failure === null ? b.end : `${b.end}: ${b.failure}`],
      ['vCPUs', String(b.instructionsPerVcpu.length)],
      ['instructions', `${count(b.instructions)} (${b.instructionsPerVcpu.map(count).join(' + ')} per vCPU)`],
      ['virtual time', `${b.virtualMs.toFixed(1)} ms`],
      ['command', input.commandLine],
    ],
    verdictParagraph(v === null ? null : { ...v, policy: b.policy, dataLost: v.staleReads + v.dataDestroyed }),
    [
      ['guest instructions', b.instructions],
      ['traps', b.traps],
      ...Object.entries(b.trapsByClass).map(([name, n]): [string, number] => [`  traps ${name}`, n]),
      ['S/W ops (trapped)', `${count(b.setWayOps)} (${count(b.setWayOpsTrapped)})`],
      ['device accesses (MMIO)', b.mmioAccesses],
      ['lines cleaned by VA', b.linesByAddress],
      ['pages flushed', b.pagesFlushed],
      ['stage-2 faults', b.stage2Faults],
      ['migrations', b.migrations],
      ['simulated time, µs', Number(b.simulatedUs.toFixed(1))],
      ['wall time, ms', Math.round(b.wallMs)],
    ],
    view,
  );
}
