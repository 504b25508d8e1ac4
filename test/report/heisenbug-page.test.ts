/**
 * `setway heisenbug --html`: which row's timeline the page keeps (the first passthrough row that
 * went wrong, recorded while it ran; never a row that booted cleanly, never a trapping policy's)
 * and what the page's data holds: the table's rows as the report has them, and the recorded run's
 * lanes with its first divergence marked where the verdict found it. The runs are the set/way ROM's
 * flush_dcache_all moved half-way through its L1 pass (passthrough loses data, xen does not), as
 * U-Boot's flush is in the real chain (test/platform/heisenbug.test.ts).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadElf } from '../../src/rom';
import { runFunction, type FunctionRunResult } from '../../src/scenarios/function-harness';
import type { HeisenbugReport, HeisenbugRow } from '../../src/scenarios/heisenbug';
import { romPath } from '../../src/scenarios/rom-images';
import { FirstPassthroughFailure, heisenbugPageData, renderHeisenbugPage, type HeisenbugPageData } from '../../src/report/heisenbug-page';
import type { MachineTraceSink } from '../../src/hyp/machine';
import { dataOfPage } from './demo-report-run';

const image = loadElf(new Uint8Array(readFileSync(romPath('a32-set-way.o'))), { loadAddress: 0x4100_0000 });

/** A heisenbug row as runHeisenbug makes one, from a ROM run (the figures are the run's). */
function rowOf(policy: string, r: FunctionRunResult, outcome: HeisenbugRow['outcome']): HeisenbugRow {
  return {
    policy,
    migration: 'after-sw:256',
    outcome,
    detail: outcome === 'boots' ? '' : 'GuestException: undefined instruction; PC in the zImage decompressor (+0x40)',
    strandedAtJump: `after U-Boot's clean+invalidate by set/way (it runs on pCPU 1, then with caches off) these stayed dirty elsewhere: cpu0.L1D ${r.dirtyDiscarded} of U-Boot's own memory`,
    strandedLines: 17,
    lostData: r.dataLost > 0,
    staleReads: r.staleReads,
    firstDivergence: r.firstDivergence?.text ?? null,
    instructions: r.instructions,
    traps: r.traps,
    setWayOpsTrapped: r.setWayOpsTrapped,
    linesByAddress: r.linesByAddress,
    wallMs: r.wallMs,
    console: '',
  };
}

function flush(policy: string, trace: MachineTraceSink | undefined): FunctionRunResult {
  return runFunction({ image, entry: image.findSymbol('flush_dcache_all').address, policy, bufferBytes: 32 * 1024, migration: { kind: 'after-setway', k: 256 }, trace });
}

describe('heisenbug --html: the page data', () => {
  // Rows in runHeisenbug's order: xen, then passthrough booting cleanly, then passthrough losing, then passthrough losing again.
  const recorded = new FirstPassthroughFailure();
  const traced: boolean[] = [];
  const run = (policy: string, outcome: HeisenbugRow['outcome'], as = policy) => {
    const sink = recorded.traceFor(as);
    traced.push(sink !== undefined);
    const r = flush(policy, sink);
    const row = rowOf(as, r, outcome);
    recorded.rowDone(row, r.firstDivergence);
    return { r, row };
  };
  const xen = run('xen', 'boots');
  // A passthrough row that booted and lost nothing: recorded, then dropped (the run is xen's, which loses nothing).
  const clean = run('xen', 'boots', 'passthrough');
  const lost = run('passthrough', 'early-boot abort');
  const again = run('passthrough', 'early-boot abort');
  const report: HeisenbugReport = { flushStartsAfter: 37376, l1Ops: 512, jumpAt: 32_123_456, kernelAt: 0x4040_0000, rows: [xen.row, clean.row, lost.row, again.row] };

  it('records passthrough rows until one goes wrong, and keeps that one', () => {
    expect(traced).toEqual([false, true, true, false]);
    expect(lost.r.dataLost).toBeGreaterThan(0);
    expect(lost.r.firstDivergence).not.toBeNull();
    expect(xen.r.dataLost).toBe(0);
    const t = recorded.timeline!;
    expect(t.row).toBe(lost.row);
    expect(t.divergence).toBe(lost.r.firstDivergence);
    // The recording is of that run: its instructions, its S/W ops, its one migration.
    expect(t.data.instructions).toBe(lost.r.instructions);
    expect(t.data.setWayByLevel.reduce((n, s) => n + s.counts.reduce((a, b) => a + b, 0), 0)).toBe(lost.r.setWayOps);
    expect(t.data.migrations.map((m) => [m.from, m.to, m.setWayOps])).toEqual([[0, 1, 256]]);
  });

  it("holds the report's rows and the recorded row's lanes, its divergence where the verdict found it", () => {
    const data = heisenbugPageData(report, recorded.timeline);
    expect(data.rows.map((r) => [r.policy, r.outcome, r.lostData, r.firstDivergence])).toEqual(report.rows.map((r) => [r.policy, r.outcome, r.lostData, r.firstDivergence]));
    expect(data.rows[2]).toMatchObject({ staleReads: lost.r.staleReads, traps: lost.r.traps, setWayOpsTrapped: 0, instructions: lost.r.instructions });
    expect(data.rows[0].setWayOpsTrapped).toBe(xen.r.setWayOps);
    expect(data.timelineOf).toEqual({ policy: 'passthrough', migration: 'after-sw:256' });
    const view = data.timeline!;
    expect(view.charts.map((c) => c.id)).toEqual(['setway', 'migrations', 'caches', 'traps', 'el2', 'dirty']);
    expect(view.instructions).toBe(lost.r.instructions);
    // One vCPU: the mark is at the very instruction the verdict names, after the migration.
    expect(view.divergence!.at).toBe(lost.r.firstDivergence!.instructions);
    expect(view.divergence!.sentence).toMatch(/moved from pCPU 0 to pCPU 1 after its S\/W operation 256/);
  });

  it('renders one page whose data is that, with the table, the explanation and the replay line', () => {
    const page = renderHeisenbugPage({ report, timeline: recorded.timeline, commandLine: 'setway heisenbug --html x.html', replay: (r) => `setway boot --policy ${r.policy} --migrate ${r.migration} --input $'<b>\\n'` });
    expect(dataOfPage<HeisenbugPageData>(page)).toEqual(JSON.parse(JSON.stringify(heisenbugPageData(report, recorded.timeline))));
    expect(page.match(/<tr><td>/g)).toHaveLength(4);
    expect(page).toContain('Timeline: passthrough, migrated at after-sw:256');
    expect(page).toContain(`Why: ${lost.row.strandedAtJump.replace(/'/g, '&#39;')}.`);
    expect(page).toContain('<code>setway boot --policy passthrough --migrate after-sw:256 --input $&#39;&lt;b&gt;\\n&#39;</code>');
    expect(page.match(/<figure data-chart=/g)).toHaveLength(6);
  });

  it('without a passthrough failure: the table alone, no chart', () => {
    const page = renderHeisenbugPage({ report: { ...report, rows: [xen.row] }, timeline: null, commandLine: 'setway heisenbug' });
    const data = dataOfPage<HeisenbugPageData>(page);
    expect([data.timeline, data.timelineOf, data.rows.length]).toEqual([null, null, 1]);
    expect(page).toContain('No passthrough row went wrong');
    expect(page).not.toContain('<figure');
  });
});
