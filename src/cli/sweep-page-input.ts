/**
 * The sweep page of a whole sweep, from its configuration and rows: what `setway sweep --html`
 * and `setway merge --html` write, so the shards of a sweep merged draw the page one machine draws.
 */
import type { PolicySummary, SweepRow } from '../scenarios/sweep';
import { renderSweepPage } from '../report/sweep-page';
import { replayLine, type SweepConfig } from './format/sweep-report';

/** `commandLine`: the command that made the page (`setway sweep ...` or `setway merge ...`). */
export function sweepPage(config: SweepConfig, rows: readonly SweepRow[], summary: readonly PolicySummary[], commandLine: string): string {
  const guest = config.image === undefined ? `boot-handoff ROM (${config.rom?.isa})` : `${config.image.path} ${config.image.symbol} (${config.image.isa})`;
  const last = config.firstSeed + config.seeds - 1;
  return renderSweepPage({
    what: `${guest} on ${config.preset}, ${config.bufferKib} KiB buffer`,
    rows,
    summary,
    seeds: config.seeds === 1 ? `seed ${config.firstSeed}` : `${config.firstSeed}..${last}`,
    replay: (policy, migration, seed) => replayLine(config, policy, migration, seed),
    commandLine,
  });
}
