/**
 * `setway run --html` and `setway boot --html`: the data behind each lane of the timeline against
 * the run's own JSON (S/W ops, migrations, traps by class, EL2 time, the longest stretch, the first
 * divergence), and recording changes nothing in the run.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ScenarioResult } from '../../src/scenarios/result';
import type { NamedCounts, TimelineChart, TimelineView } from '../../src/report/timeline-charts';
import { dataOfPage, FLUSH_RUN, ROOT, runWithReport, VIRT_BOOT, type ReportRun } from './demo-report-run';


const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const sumSeries = (series: readonly NamedCounts[]) => sum(series.map((s) => sum(s.counts)));
const timelineOf = (run: ReportRun<unknown>) => dataOfPage<{ timeline: TimelineView }>(run.page).timeline;
function chart<K extends TimelineChart['kind']>(t: TimelineView, id: TimelineChart['id'], kind: K): Extract<TimelineChart, { kind: K }> {
  const c = t.charts.find((x) => x.id === id);
  expect(c?.kind, id).toBe(kind);
  return c as Extract<TimelineChart, { kind: K }>;
}

/** What every timeline must say about its run, whatever the scenario. */
function expectLanesMatch(t: TimelineView, r: { instructions: number; setWayOps: number; migrations: number; traps: number; simulatedUs: number }) {
  expect(t.charts.map((c) => c.id)).toEqual(['setway', 'migrations', 'caches', 'traps', 'el2', 'dirty']);
  // Windows cover the run, in order, each one ending where the next starts.
  expect(t.ends.at(-1)).toBe(r.instructions);
  expect(t.instructions).toBe(r.instructions);
  expect(t.starts[0]).toBe(0);
  t.ends.forEach((end, i) => {
    expect(end).toBeGreaterThan(t.starts[i]);
    if (i > 0) expect(t.starts[i]).toBe(t.ends[i - 1]);
  });
  expect(t.ends.length).toBeLessThanOrEqual(1024);
  for (const c of t.charts) {
    const columns = 'series' in c ? c.series : c.kind === 'caches' ? c.vcpus : c.kind === 'migrations' ? c.pcpuOf : [{ name: 'el2', counts: c.totalUs }, { name: 'longest', counts: c.longestUs }];
    for (const s of columns) expect(s.counts, `${c.id} ${s.name}`).toHaveLength(t.ends.length);
  }
  expect(sumSeries(chart(t, 'setway', 'stack').series)).toBe(r.setWayOps);
  expect(sumSeries(chart(t, 'traps', 'stack').series)).toBe(r.traps);
  const moves = chart(t, 'migrations', 'migrations');
  expect(moves.total).toBe(r.migrations);
  expect(moves.events).toHaveLength(Math.min(r.migrations, 1000));
  // Simulated time is the guest's instructions (1 cycle each at 1 GHz by default) plus EL2's.
  expect(sum(chart(t, 'el2', 'el2').totalUs) + r.instructions / 1000).toBeCloseTo(r.simulatedUs, 1);
}

describe('setway run --html: the timeline of a function under the boot-handoff harness', () => {
  const lost = runWithReport<ScenarioResult>('passthrough', [...FLUSH_RUN, '--policy', 'passthrough']);
  const kvm = runWithReport<ScenarioResult>('kvm', [...FLUSH_RUN, '--policy', 'kvm']);

  it("each lane's counts are the run's JSON figures", () => {
    for (const run of [lost, kvm]) {
      const t = timelineOf(run);
      expectLanesMatch(t, run.json);
      expect(Math.max(...chart(t, 'el2', 'el2').longestUs)).toBeCloseTo(run.json.longestEl2Us, 3);
      // flush_dcache_all cleans L1 (the vCPU moves half-way, after op 256) then L2 by set/way: 512 ops at level 1 and 4,096 at level 2 on a Cortex-A7.
      expect(chart(t, 'setway', 'stack').series.map((s) => [s.name, sum(s.counts)])).toEqual([['L1', 512], ['L2', 4096]]);
    }
    const kvmTraps = chart(timelineOf(kvm), 'traps', 'stack').series.map((s) => s.name);
    expect(kvmTraps[0]).toBe('0x03 trapped MCR/MRC (coproc 15)');
  });

  it('marks the first divergence at the instruction the verdict gives and explains it by the migration', () => {
    expect(lost.json.policy).toBe('passthrough');
    expect(lost.json.dataLost).toBeGreaterThan(0);
    const t = timelineOf(lost);
    const d = lost.json.firstDivergence!;
    expect(t.divergence?.at).toBe(d.instructions);
    const move = chart(t, 'migrations', 'migrations').events[0];
    expect(move).toMatchObject({ vcpu: 0, from: 0, to: 1, setWayOps: 256 });
    expect(move.at).toBeLessThan(d.instructions);
    const window = t.ends.findIndex((end) => end > move.at);
    const leftBehind = sum(chart(t, 'dirty', 'lines').series.filter((s) => s.name.startsWith('cpu0.')).map((s) => s.counts[window]));
    expect(leftBehind).toBeGreaterThan(0);
    expect(t.divergence!.sentence).toContain(`instruction ${d.instructions.toLocaleString('en-US')}`);
    expect(t.divergence!.sentence).toContain(`moved from pCPU 0 to pCPU 1 after its S/W operation 256 (instruction ${move.at.toLocaleString('en-US')})`);
    expect(t.divergence!.sentence).toContain(`pCPU 0's own caches held ${leftBehind.toLocaleString('en-US')} of the guest's dirty lines`);
    expect(lost.page).toContain('<p class="divergence">');
    expect(timelineOf(kvm).divergence).toBeNull();
  });

  it('marks the cache toggles the policy saw, and the bands agree with them', () => {
    // The harness turns caches on, calls the function, turns them off; kvm traps SCTLR writes (HCR.TVM), passthrough does not.
    const t = timelineOf(kvm);
    const caches = chart(t, 'caches', 'caches');
    expect(caches.toggles.map((e) => e.on)).toEqual([true, false]);
    expect(caches.total).toBe(2);
    const [on, off] = caches.toggles.map((e) => e.at);
    const band = caches.vcpus[0].counts;
    t.ends.forEach((end, i) => {
      if (end <= on) expect(band[i], `window ${i}`).toBe(0);
      else if (t.starts[i] > on && end <= off) expect(band[i], `window ${i}`).toBe(1);
      else if (t.starts[i] > off) expect(band[i], `window ${i}`).toBe(0);
    });
    const unseen = chart(timelineOf(lost), 'caches', 'caches');
    expect(unseen.toggles).toEqual([]);
    expect(unseen.vcpus[0].counts).toContain(1);
  });

  it('recording the timeline changes nothing in the run', () => {
    const r = spawnSync(process.execPath, [fileURLToPath(new URL('../../bin/setway.js', import.meta.url)), ...FLUSH_RUN, '--policy', 'passthrough', '--json'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(r.status).toBe(0);
    const plain = JSON.parse(r.stdout) as ScenarioResult;
    const { wallMs: _w, guestMs: _g, ...recorded } = lost.json;
    const { wallMs: _w2, guestMs: _g2, ...unrecorded } = plain;
    expect(recorded).toEqual(unrecorded);
  });
});

interface BootJson {
  instructions: number;
  traps: number;
  trapsByClass: Record<string, number>;
  setWayOps: number;
  migrations: number;
  simulatedUs: number;
  verdict: { firstDivergence: unknown } | null;
}

describe('setway boot --html: the timeline of a two-vCPU boot', () => {
  const boot = runWithReport<BootJson>('boot', VIRT_BOOT);

  it("each lane's counts are the boot's JSON figures, traps class by class", () => {
    const t = timelineOf(boot);
    expectLanesMatch(t, boot.json);
    expect(boot.json.migrations).toBeGreaterThan(100);
    const traps = chart(t, 'traps', 'stack').series;
    expect(Object.fromEntries(traps.map((s) => [s.name, sum(s.counts)]))).toEqual(boot.json.trapsByClass);
    expect(chart(t, 'migrations', 'migrations').pcpuOf.map((s) => s.name)).toEqual(['vCPU 0', 'vCPU 1']);
    expect(boot.json.verdict?.firstDivergence).toBeNull();
    expect(t.divergence).toBeNull();
  });
});
