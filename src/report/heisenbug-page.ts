/**
 * `setway heisenbug --html FILE`: the heisenbug table (a row per policy and migration point: how
 * the chain ended, the first divergence from bare metal, the cost) and the timeline of the first
 * passthrough row that went wrong, recorded as it ran (src/report/timeline-recorder.ts).
 */
import type { MachineTraceSink } from '../hyp/machine';
import type { HeisenbugReport, HeisenbugRow } from '../scenarios/heisenbug';
import type { Divergence } from '../scenarios/lockstep/verdict';
import { escapeHtml } from './html-escape';
import { chartFigure, htmlTable, pageScript, reportPage, settingsList } from './page-shell';
import { timelineView, type TimelineView } from './timeline-charts';
import { TimelineRecorder, type TimelineData } from './timeline-recorder';
import { TIMELINE_SCRIPT } from './timeline-script';

/** One row of the page's table, as its data holds it. */
export interface HeisenbugTableRow {
  readonly policy: string;
  readonly migration: string;
  readonly outcome: string;
  /** The exception and where the guest was, for a row that did not boot. */
  readonly detail: string;
  readonly lostData: boolean;
  readonly staleReads: number;
  readonly firstDivergence: string | null;
  /** The guest's dirty lines left on another pCPU after U-Boot's clean+invalidate pass. */
  readonly strandedLines: number;
  readonly traps: number;
  readonly setWayOpsTrapped: number;
  readonly linesByAddress: number;
  readonly instructions: number;
  readonly wallSeconds: number;
}

/** The row whose timeline the page draws, with what it recorded. */
export interface HeisenbugTimeline {
  readonly row: HeisenbugRow;
  readonly divergence: Divergence | null;
  readonly data: TimelineData;
}

export interface HeisenbugPageData {
  readonly rows: readonly HeisenbugTableRow[];
  /** The recorded row (policy and migration), or null when no passthrough row went wrong. */
  readonly timelineOf: { readonly policy: string; readonly migration: string } | null;
  readonly timeline: TimelineView | null;
}

const isPassthrough = (policy: string) => policy.split(':')[0] === 'passthrough';
const wentWrong = (row: HeisenbugRow) => row.outcome !== 'boots' || row.lostData;

/**
 * Records passthrough rows one at a time until one goes wrong, and keeps that one's timeline:
 * `traceFor` and `rowDone` are runHeisenbug's `traceFor` and `onRow`.
 */
export class FirstPassthroughFailure {
  private recording: TimelineRecorder | null = null;
  private kept: HeisenbugTimeline | null = null;

  readonly traceFor = (policy: string): MachineTraceSink | undefined => {
    if (this.kept !== null || !isPassthrough(policy)) return undefined;
    this.recording = new TimelineRecorder();
    return this.recording;
  };

  readonly rowDone = (row: HeisenbugRow, divergence: Divergence | null): void => {
    const recorder = this.recording;
    this.recording = null;
    if (recorder !== null && this.kept === null && wentWrong(row)) this.kept = { row, divergence, data: recorder.finish() };
  };

  get timeline(): HeisenbugTimeline | null {
    return this.kept;
  }
}

export function heisenbugPageData(report: HeisenbugReport, timeline: HeisenbugTimeline | null): HeisenbugPageData {
  return {
    rows: report.rows.map((r) => ({
      policy: r.policy,
      migration: r.migration,
      outcome: r.outcome,
      detail: r.detail,
      lostData: r.lostData,
      staleReads: r.staleReads,
      firstDivergence: r.firstDivergence,
      strandedLines: r.strandedLines,
      traps: r.traps,
      setWayOpsTrapped: r.setWayOpsTrapped,
      linesByAddress: r.linesByAddress,
      instructions: r.instructions,
      wallSeconds: Math.round(r.wallMs / 100) / 10,
    })),
    timelineOf: timeline === null ? null : { policy: timeline.row.policy, migration: timeline.row.migration },
    timeline: timeline === null ? null : timelineView(timeline.data, timeline.divergence),
  };
}

export interface HeisenbugPageInput {
  readonly report: HeisenbugReport;
  readonly timeline: HeisenbugTimeline | null;
  readonly commandLine: string;
  /** `setway boot ...` that replays the recorded row alone (with its own --html). */
  readonly replay?: (row: HeisenbugRow) => string;
}

const count = (n: number) => n.toLocaleString('en-US');

function timelineSection(input: HeisenbugPageInput, view: TimelineView | null): string {
  const t = input.timeline;
  if (t === null || view === null) return '<h2>Timeline</h2>\n<p>No passthrough row went wrong, so there is no failure to show.</p>';
  const r = t.row;
  const ended = r.outcome === 'boots' ? 'booted, but not as on bare metal' : `${r.outcome}: ${r.detail}`;
  const mark = view.divergence === null ? '<p>The compared window saw no divergence from bare metal.</p>' : `<p class="divergence">${escapeHtml(view.divergence.sentence)} The dashed red line marks it on every lane.</p>`;
  const replay = input.replay === undefined ? '' : `<p>Replay this row alone: <code>${escapeHtml(input.replay(r))}</code></p>`;
  return `<h2>Timeline: ${escapeHtml(r.policy)}, migrated at ${escapeHtml(r.migration)}</h2>
<p class="lost">${escapeHtml(ended)}.</p>
<p>Why: ${escapeHtml(r.strandedAtJump)}.</p>
${mark}
${replay}
<p>${count(view.ends.length)} windows of up to ${count(view.windowInstructions)} guest instructions, ${count(view.instructions)} in all.</p>
<div class="lanes">
${view.charts.map((c) => chartFigure(c.id, c.title)).join('\n')}
</div>`;
}

export function renderHeisenbugPage(input: HeisenbugPageInput): string {
  const data = heisenbugPageData(input.report, input.timeline);
  const rep = input.report;
  const table = htmlTable(
    ['policy', 'migration', 'outcome', 'verdict', 'stale reads', 'first divergence', 'stranded lines', 'traps', 'S/W trapped', 'lines by VA', 'instructions', 'wall s', 'detail'],
    data.rows.map((r) => [r.policy, r.migration, r.outcome, r.lostData ? 'DATA LOST' : 'no loss', r.staleReads, r.firstDivergence ?? '-', r.strandedLines, r.traps, r.setWayOpsTrapped, r.linesByAddress, r.instructions, r.wallSeconds, r.detail || '-']),
  );
  const body = `${settingsList([
    ['chain', "Debian's U-Boot (qemu_arm) in flash bank 0, the armmp zImage in flash bank 1, copied to RAM and started with bootz"],
    ["U-Boot's last flush", `after S/W op ${count(rep.flushStartsAfter)}; its L1 pass is ${count(rep.l1Ops)} ops`],
    ['jump to the zImage', `at 0x${rep.kernelAt.toString(16)}, after ${count(rep.jumpAt)} instructions on bare metal`],
    ['command', input.commandLine],
  ])}
<h2>Every policy at every migration point</h2>
<p>Each run moves the vCPU once, right after the S/W op its migration names, and ends at the kernel's banner, a failure or the budget; the verdict compares it with bare metal over U-Boot and the first instructions of the kernel.</p>
${table}
${timelineSection(input, data.timeline)}`;
  return reportPage({ title: 'setway heisenbug: the Cubietruck early-boot abort from Debian binaries', body, data, script: data.timeline === null ? pageScript('') : TIMELINE_SCRIPT });
}
