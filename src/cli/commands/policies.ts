/** `setway policies`: the set/way policies, their options and what each does. */
import { parseCommandArgs } from '../args';
import { EXIT } from '../exit-codes';
import { POLICIES, makePolicy } from '../../hyp/policies';
import type { Command } from './command';

export const policiesCommand: Command = {
  run(args) {
    const { values, help } = parseCommandArgs('policies', args, { json: { type: 'boolean' } });
    if (help) {
      process.stdout.write('usage: setway policies [--json]\n\nLists every policy, whether it claims the guest always sees what it sees on bare metal\n(safe; held to it by the property tests) or is known to lose data (lossy), its options\n(policy:opt1,opt2) and a one-line summary.\n');
      return EXIT.ok;
    }
    const rows = Object.entries(POLICIES).map(([name, entry]) => {
      const p = makePolicy(name);
      return { name, options: entry.options, claimsSafety: p.claimsSafety === true, summary: p.summary };
    });
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ policies: rows }, null, 2)}\n`);
      return EXIT.ok;
    }
    const width = Math.max(...rows.map((r) => r.name.length));
    for (const r of rows) {
      const opts = r.options.length ? ` [${r.options.join(',')}]` : '';
      process.stdout.write(`${r.name.padEnd(width)}  ${r.claimsSafety ? 'safe ' : 'lossy'}  ${r.summary}${opts}\n`);
    }
    return EXIT.ok;
  },
};
