/**
 * What `setway run --html` costs: the A32 boot-handoff ROM as a whole program (1 MiB buffer,
 * about 3 M instructions, judged against bare metal in lockstep, as `setway run` does) under
 * passthrough, moved after S/W op 768, without a recorder and with the timeline recorder attached
 * plus the page rendered from it. A ratio of medians from this one run; the issue asks < 1.3.
 */
import { renderRunPage } from '../src/report/run-page';
import { TimelineRecorder } from '../src/report/timeline-recorder';
import { runProgram } from '../src/scenarios/program';
import { loadRom } from '../src/scenarios/rom-images';
import { median, medianMs } from './measure';

export function benchReport(runs = 5): { plainMs: number; reportMs: number; pageBytes: number; windows: number } {
  const image = loadRom('a32-boot-handoff.elf');
  const options = { image, policy: 'passthrough', migration: { kind: 'after-setway', k: 768 } } as const;
  let pageBytes = 0;
  let windows = 0;
  const withReport = () => {
    const recorder = new TimelineRecorder();
    const result = runProgram({ ...options, trace: recorder });
    const timeline = recorder.finish();
    windows = timeline.ends.length;
    pageBytes = Buffer.byteLength(renderRunPage({ result, timeline, what: 'a32-boot-handoff.elf', commandLine: 'bench' }));
  };
  // Interleaved rounds, so drift in the machine's speed hits both alike.
  const plain: number[] = [];
  const report: number[] = [];
  for (let i = 0; i < 3; i++) {
    plain.push(medianMs(() => runProgram(options), runs));
    report.push(medianMs(withReport, runs));
  }
  return { plainMs: median(plain), reportMs: median(report), pageBytes, windows };
}
