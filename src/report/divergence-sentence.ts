/**
 * Where the first divergence from bare metal falls on the timeline, and one sentence that explains
 * it from what the timeline recorded around it: the guest's caches then, the last migration before
 * it and the dirty lines that migration left on the pCPU the vCPU left.
 */
import type { Divergence } from '../scenarios/lockstep/verdict';
import type { TimelineData } from './timeline-recorder';

const n = (x: number) => Math.round(x).toLocaleString('en-US');
const hex = (v: number) => `0x${(v >>> 0).toString(16)}`;

export interface DivergenceMark {
  /** Guest instructions (all vCPUs) before the load that diverged. */
  readonly at: number;
  /** True when the guest has several vCPUs: the verdict counts one vCPU's instructions, placed here at the first window where a vCPU reached them. */
  readonly approximate: boolean;
  readonly sentence: string;
}

/** The window holding instruction `at` (the first whose end lies beyond it), or the last. */
function windowAt(t: TimelineData, at: number): number {
  const i = t.ends.findIndex((end) => end > at);
  return i < 0 ? t.ends.length - 1 : i;
}

function position(d: Divergence, t: TimelineData): { at: number; approximate: boolean } {
  if (t.vcpus.length <= 1) return { at: d.instructions, approximate: false };
  let at = t.instructions;
  for (const r of t.retired) {
    const i = r.counts.findIndex((c) => c >= d.instructions);
    if (i >= 0) at = Math.min(at, t.ends[i]);
  }
  return { at, approximate: true };
}

/** Dirty lines of the guest in the caches private to `pcpu` at the end of window `w`. */
function dirtyOwnedBy(t: TimelineData, pcpu: number, w: number): number {
  return t.dirtyLines.filter((s) => s.cpu === pcpu).reduce((sum, s) => sum + (s.counts[w] ?? 0), 0);
}

function setWayOpsBefore(t: TimelineData, w: number): number {
  return t.setWayByLevel.reduce((sum, s) => sum + s.counts.slice(0, w).reduce((a, b) => a + b, 0), 0);
}

export function divergenceMark(d: Divergence | null, t: TimelineData): DivergenceMark | null {
  if (d === null) return null;
  const { at, approximate } = position(d, t);
  const w = windowAt(t, at);
  const what =
    d.kind === 'stale'
      ? `The guest first read stale data at instruction ${n(at)}: the load at PC ${hex(d.pc)} of VA ${hex(d.va)} gave ${hex(d.actual ?? 0)} where bare metal read ${hex(d.expected ?? 0)} (${d.whereUpToDate})`
      : `The guest's control flow first left bare metal's at instruction ${n(at)} (${d.text})`;
  const on = t.cachesOn.map((c) => c.on[w]).filter((v) => v !== undefined);
  const caches = on.length === 0 ? '' : on.every((v) => v === 1) ? ', with its caches on' : on.every((v) => v === 0) ? ', with its caches off' : '';
  const last = [...t.migrations].reverse().find((m) => m.at <= at);
  let context: string;
  if (last === undefined) {
    const swOps = setWayOpsBefore(t, w);
    context = `${t.migrationsTotal === 0 ? ', in a run without migration' : ', before any migration'}${swOps === 0 ? '' : `, after about ${n(swOps)} S/W operations`}`;
  } else {
    const left = dirtyOwnedBy(t, last.from, windowAt(t, last.at));
    const unreachable = d.kind === 'stale' && d.whereUpToDate.includes(`cpu${last.from}.`) && d.whereUpToDate.includes('up to date');
    context =
      `, ${n(at - last.at)} instructions after vCPU ${last.vcpu} moved from pCPU ${last.from} to pCPU ${last.to}` +
      `${last.setWayOps === 0 ? '' : ` after its S/W operation ${n(last.setWayOps)}`} (instruction ${n(last.at)}), ` +
      `when pCPU ${last.from}'s own caches held ${n(left)} of the guest's dirty lines` +
      (unreachable ? `: the up-to-date copy stayed there, where set/way operations on pCPU ${last.to} do not reach` : '');
  }
  return { at, approximate, sentence: `${what}${caches}${context}.` };
}
