/**
 * The data behind the timeline's lanes, from what the recorder kept: one chart per lane, all on the
 * same axis of guest instructions, windows as [start, end) ranges. The page only draws it.
 */
import { exceptionClassName } from '../exec/syndrome/ec';
import type { Divergence } from '../scenarios/lockstep/verdict';
import { divergenceMark, type DivergenceMark } from './divergence-sentence';
import type { MigrationEvent, TimelineData, ToggleEvent } from './timeline-recorder';

export interface NamedCounts {
  readonly name: string;
  readonly counts: readonly number[];
}

export type TimelineChart =
  | { readonly id: 'setway' | 'traps'; readonly kind: 'stack'; readonly title: string; readonly unit: string; readonly series: readonly NamedCounts[] }
  | { readonly id: 'migrations'; readonly kind: 'migrations'; readonly title: string; readonly pcpus: number; readonly events: readonly MigrationEvent[]; readonly total: number; readonly pcpuOf: readonly NamedCounts[] }
  | { readonly id: 'caches'; readonly kind: 'caches'; readonly title: string; readonly vcpus: readonly NamedCounts[]; readonly toggles: readonly ToggleEvent[]; readonly total: number }
  | { readonly id: 'el2'; readonly kind: 'el2'; readonly title: string; readonly unit: string; readonly totalUs: readonly number[]; readonly longestUs: readonly number[] }
  | { readonly id: 'dirty'; readonly kind: 'lines'; readonly title: string; readonly unit: string; readonly series: readonly NamedCounts[] };

export interface TimelineView {
  readonly instructions: number;
  readonly windowInstructions: number;
  readonly starts: readonly number[];
  readonly ends: readonly number[];
  readonly charts: readonly TimelineChart[];
  readonly divergence: DivergenceMark | null;
}

/** Simulated microseconds to the nanosecond: what the page shows, and no longer digits than that. */
const us = (values: readonly number[]) => values.map((v) => Math.round(v * 1000) / 1000);

export function timelineView(t: TimelineData, firstDivergence: Divergence | null): TimelineView {
  const vcpuName = (vcpu: number) => `vCPU ${vcpu}`;
  const charts: TimelineChart[] = [
    {
      id: 'setway',
      kind: 'stack',
      title: 'S/W operations by cache level',
      unit: 'S/W ops',
      series: t.setWayByLevel.map((s) => ({ name: `L${s.level}`, counts: s.counts })),
    },
    {
      id: 'migrations',
      kind: 'migrations',
      title: 'Migrations: the pCPU each vCPU runs on',
      pcpus: t.pcpus,
      events: t.migrations,
      total: t.migrationsTotal,
      pcpuOf: t.pcpuOf.map((p) => ({ name: vcpuName(p.vcpu), counts: p.pcpus })),
    },
    {
      id: 'caches',
      kind: 'caches',
      title: "The guest's caches (SCTLR.M and C), and the changes the policy saw",
      vcpus: t.cachesOn.map((c) => ({ name: vcpuName(c.vcpu), counts: c.on })),
      toggles: t.toggles,
      total: t.togglesTotal,
    },
    {
      id: 'traps',
      kind: 'stack',
      title: 'Traps to EL2 by exception class',
      unit: 'traps',
      series: t.trapsByClass.map((s) => ({ name: `0x${s.ec.toString(16).padStart(2, '0')} ${exceptionClassName(s.ec)}`, counts: s.counts })),
    },
    { id: 'el2', kind: 'el2', title: 'Time in EL2, and the longest stretch in each window', unit: 'µs, simulated', totalUs: us(t.el2Us), longestUs: us(t.el2LongestUs) },
    {
      id: 'dirty',
      kind: 'lines',
      title: "The guest's dirty lines in each cache",
      unit: 'dirty lines',
      series: t.dirtyLines.map((s) => ({ name: s.cache, counts: s.counts })),
    },
  ];
  return {
    instructions: t.instructions,
    windowInstructions: t.windowInstructions,
    starts: t.ends.map((_, i) => (i === 0 ? 0 : t.ends[i - 1])),
    ends: t.ends,
    charts,
    divergence: divergenceMark(firstDivergence, t),
  };
}
