/** `setway sweep`: the boot handoff over many seeds, policies and migration modes. */
import { intFlag, parseCommandArgs } from '../args';
import { CliError, EXIT } from '../exit-codes';
import { makePolicy, POLICY_NAMES } from '../../hyp/policies';
import { parseMigrationMode } from '../../hyp/scheduler';
import { sweep } from '../../scenarios/sweep';
import { renderTable } from '../format/table';
import type { Command } from './command';

function progressBar(done: number, total: number): void {
  const width = 30;
  const filled = Math.round((done / total) * width);
  process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}${done === total ? '\n' : ''}`);
}

export const sweepCommand: Command = {
  summary: 'boot handoff over many seeds, policies and migration modes',
  run(args) {
    const { values: v, help } = parseCommandArgs('sweep', args, {
      isa: { type: 'string' },
      preset: { type: 'string' },
      policies: { type: 'string' },
      migrate: { type: 'string' },
      seeds: { type: 'string' },
      'buffer-kib': { type: 'string' },
      json: { type: 'boolean' },
    });
    if (help) {
      process.stdout.write(
        'usage: setway sweep [--isa a32|a64] [--preset NAME] [--policies all|p1,p2] [--migrate m1,m2]\n' +
          '                    [--seeds N] [--buffer-kib N] [--json]\n\n' +
          'Runs the boot-handoff ROM for seeds 1..N under every (policy, migration) pair and reports how many\n' +
          'runs lost data. Defaults: all policies, random:3000 and after-sw:768, 20 seeds, 16 KiB buffer.\n',
      );
      return EXIT.ok;
    }
    const isaText = (v.isa as string | undefined) ?? 'a32';
    if (isaText !== 'a32' && isaText !== 'a64') throw new CliError('sweep: --isa must be a32 or a64', EXIT.usage);
    const policyText = (v.policies as string | undefined) ?? 'all';
    const policies = policyText === 'all' ? POLICY_NAMES : policyText.split(',');
    for (const p of policies) makePolicy(p); // validate before the long run
    const migrations = ((v.migrate as string | undefined) ?? 'random:3000,after-sw:768').split(',').map(parseMigrationMode);
    const seeds = intFlag('sweep', 'seeds', v.seeds as string | undefined, 20);
    const rows = sweep({
      isa: isaText,
      preset: v.preset as string | undefined,
      policies,
      migrations,
      seeds,
      bufferBytes: intFlag('sweep', 'buffer-kib', v['buffer-kib'] as string | undefined, 16) * 1024,
      guestRamBytes: 16 * 2 ** 20,
      onProgress: process.stderr.isTTY && !v.json ? progressBar : undefined,
    });
    if (v.json) {
      process.stdout.write(`${JSON.stringify({ scenario: 'boot-handoff', seeds, rows }, null, 2)}\n`);
      return EXIT.ok;
    }
    process.stdout.write(
      renderTable(rows, [
        { header: 'policy', value: (r) => r.policy },
        { header: 'migration', value: (r) => r.migration },
        { header: 'runs', value: (r) => r.runs },
        { header: 'runs losing data', value: (r) => r.losingRuns },
        { header: 'max lines lost', value: (r) => r.maxLinesLost },
        { header: 'first losing seeds', value: (r) => r.losingSeeds.join(' ') || '-' },
        { header: 'mean traps', value: (r) => Math.round(r.meanTraps) },
        { header: 'mean sim us', value: (r) => Math.round(r.meanSimulatedUs) },
      ]),
    );
    return EXIT.ok;
  },
};
