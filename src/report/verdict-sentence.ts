/** One sentence per run saying what the guest saw against bare metal: the report's verdict column. */
import { lostData } from '../scenarios/lockstep/verdict';
import type { ScenarioResult } from '../scenarios/result';

const n = (x: number) => x.toLocaleString('en-US');
const plural = (x: number, one: string, many: string) => `${n(x)} ${x === 1 ? one : many}`;

/** What a verdict sentence needs: a scenario's result, or a boot's verdict with its policy. */
export type VerdictFacts = Pick<
  ScenarioResult,
  'policy' | 'dataLost' | 'staleReads' | 'dataDestroyed' | 'fresherReads' | 'loadsCompared' | 'controlFlowDiverged' | 'controlFlowCause' | 'guestFailure' | 'firstDivergence'
>;

export function verdictSentence(r: VerdictFacts): string {
  const compared = `${plural(r.loadsCompared, 'load', 'loads')} compared with bare metal`;
  if (!lostData(r)) {
    const newer = r.fresherReads > 0 ? `; ${plural(r.fresherReads, 'load', 'loads')} read newer data than bare metal (cleaned more than the guest asked, not a loss)` : '';
    return `${r.policy} loses nothing: no stale read and no line destroyed in ${compared}${newer}.`;
  }
  const parts = [`${plural(r.staleReads, 'stale read', 'stale reads')} and ${plural(r.dataDestroyed, 'line', 'lines')} destroyed in ${compared}`];
  if (r.controlFlowDiverged) parts.push(`control flow left bare metal's (${r.controlFlowCause})`);
  if (r.guestFailure !== null) parts.push(`the guest failed where bare metal finished: ${r.guestFailure}`);
  const first = r.firstDivergence === null ? '' : ` First divergence: ${r.firstDivergence.text}.`;
  return `${r.policy} loses data: ${parts.join('; ')}.${first}`;
}
