/**
 * `setway demo` (what `npm start` runs): the Cubietruck boot handoff with the vCPU moved to the
 * other core in the middle of the guest's set/way flush, under every policy, side by side.
 */
import { parseCommandArgs, intFlag } from '../args';
import { CliError, EXIT } from '../exit-codes';
import { POLICY_NAMES } from '../../hyp/policies';
import { runBootHandoff } from '../../scenarios/boot-handoff';
import type { ScenarioResult } from '../../scenarios/result';
import { BareMetalRuns } from '../../scenarios/lockstep/bare-metal-runs';
import { count, renderTable, type Column } from '../format/table';
import type { Command } from './command';
import { renderDemoPage } from '../../report/demo-page';
import { openHtmlFile, writeHtmlFile } from '../html-report-file';

/** The ROM first invalidates L1 (512 S/W ops on a Cortex-A7), then cleans L1 and L2: op 768 is mid-way through cleaning L1. */
const MID_FLUSH_OP = 768;

export const DEMO_POLICIES = [...POLICY_NAMES.filter((n) => n !== 'oracle'), 'kvm:fwb', 'dirty:dbm', 'dirty:tid2', 'oracle'];

export const RESULT_COLUMNS: readonly Column<ScenarioResult>[] = [
  { header: 'policy', value: (r) => r.policy },
  { header: 'data lost', value: (r) => `${r.dataLost}${r.guestFailure !== null ? ' +failed' : r.controlFlowCause === 'unexplained' ? ' +diverged' : ''}` },
  { header: 'stale reads', value: (r) => r.staleReads },
  { header: 'newer reads', value: (r) => r.fresherReads },
  { header: 'traps', value: (r) => r.traps },
  { header: 'S/W ops', value: (r) => r.setWayOps },
  { header: 'lines by VA', value: (r) => r.linesByAddress },
  { header: 'pages flushed', value: (r) => r.pagesFlushed },
  { header: 's2 faults', value: (r) => r.stage2Faults },
  { header: 'max EL2 us', value: (r) => Math.round(r.longestEl2Us) },
  { header: 'sim time us', value: (r) => Math.round(r.simulatedUs) },
  { header: 'wall ms', value: (r) => Math.round(r.wallMs) },
];

export const demoCommand: Command = {
  run(args) {
    const { values, help } = parseCommandArgs('demo', args, {
      json: { type: 'boolean' },
      isa: { type: 'string' },
      seed: { type: 'string' },
      'buffer-kib': { type: 'string' },
      html: { type: 'string' },
    });
    if (help) {
      process.stdout.write(
        'usage: setway demo [--isa a32|t32|a64] [--buffer-kib N] [--seed N] [--json] [--html FILE]\n\n' +
          'Runs the boot-handoff ROM (write with caches on, flush by set/way, caches off, read back)\n' +
          `on the cubietruck preset (a32, or t32: the same ROM in Thumb-2) or qemu-cortex-a53 preset (a64), moving the vCPU to the other pCPU after\n` +
          `S/W op ${MID_FLUSH_OP}, under every policy, and prints one row per policy.\n` +
          '--html FILE also writes the policies side by side as one self-contained page (charts, verdicts, table).\n',
      );
      return EXIT.ok;
    }
    const isa = (values.isa ?? 'a32') as string;
    if (isa !== 'a32' && isa !== 't32' && isa !== 'a64') throw new CliError(`demo: --isa must be a32, t32 or a64, not '${isa}'`, EXIT.usage);
    const seed = intFlag('demo', 'seed', values.seed as string | undefined, 1);
    const bufferBytes = intFlag('demo', 'buffer-kib', values['buffer-kib'] as string | undefined, 128) * 1024;
    const html = values.html === undefined ? null : openHtmlFile('demo', values.html as string);
    const bareMetal = new BareMetalRuns();
    const results = DEMO_POLICIES.map((policy) =>
      runBootHandoff({ isa, policy, bufferBytes, seed, migration: { kind: 'after-setway', k: MID_FLUSH_OP }, bareMetal }),
    );
    if (html !== null) {
      const migrationText = `vCPU moved to the other pCPU after S/W op ${MID_FLUSH_OP}`;
      writeHtmlFile(html, renderDemoPage({ results, columns: RESULT_COLUMNS, bufferBytes, migrationText, commandLine: ['setway', 'demo', ...args].join(' ') }));
    }
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ scenario: 'boot-handoff', results }, null, 2)}\n`);
      return EXIT.ok;
    }
    const first = results[0];
    process.stdout.write(
      `setway demo: boot handoff, ${first.isa.toUpperCase()} guest on the ${first.preset} preset, ${count(bufferBytes / 1024)} KiB buffer ` +
        `(${count(first.bufferLines)} lines), vCPU moved to the other pCPU after S/W op ${MID_FLUSH_OP}\n\n`,
    );
    process.stdout.write(renderTable(results, RESULT_COLUMNS));
    process.stdout.write(
      '\ndata lost: the guest\'s stale reads (words it read that bare metal did not) plus lines of its data destroyed, from\n' +
        'running the same guest on bare metal (no hypervisor, one pCPU) in lockstep. newer reads: words the guest read newer than\n' +
        'bare metal did, because the hypervisor cleaned more than the guest asked: not a loss.\n' +
        (results.some((r) => r.dataLost > 0)
          ? 'Where S/W ops only run on the pCPU the vCPU happens to be on (passthrough, kvm-2013), the lines still dirty on the pCPU it left are missed: the guest reads stale memory with its caches off.\n'
          : 'On this preset the guest reads stale memory on bare metal too (its set/way flush cannot reach the system cache), so no policy makes it worse; those that clean by address give it newer data.\n') +
        'Policies that clean by address lose nothing; they differ in what it costs (traps, lines cleaned, stage-2 faults, EL2 latency) against the oracle, which does each S/W op where the guest asked and cleans only the lines migrations stranded elsewhere.\n',
    );
    return EXIT.ok;
  },
};
