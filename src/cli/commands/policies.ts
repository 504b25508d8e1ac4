/** `setway policies`: the set/way policies, their options and what each does. */
import { parseCommandArgs } from '../args';
import { EXIT } from '../exit-codes';
import { POLICIES, makePolicy } from '../../hyp/policies';
import { claimsSafetyFor } from '../../hyp/policy';
import type { Command } from './command';

export const policiesCommand: Command = {
  run(args) {
    const { values, help } = parseCommandArgs('policies', args, { json: { type: 'boolean' } });
    if (help) {
      process.stdout.write('usage: setway policies [--json]\n\nLists every policy, whether it claims the guest always sees what it sees on bare metal\n(safe; held to it by the property tests; Jailhouse only for A32 guests, as its arm64 port traps\nno set/way operation) or is known to lose data (lossy), its options (policy:opt1,opt2), a one-line\nsummary, and the real hypervisor and version it models (or setway\'s own).\n');
      return EXIT.ok;
    }
    const rows = Object.entries(POLICIES).map(([name, entry]) => {
      const p = makePolicy(name);
      const safeIsas = (['a32', 'a64'] as const).filter((isa) => claimsSafetyFor(p, isa));
      return { name, options: entry.options, claimsSafety: safeIsas.length > 0, safeIsas, models: p.models ?? "setway's own", summary: p.summary };
    });
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ policies: rows }, null, 2)}\n`);
      return EXIT.ok;
    }
    const width = Math.max(...rows.map((r) => r.name.length));
    const safety = (r: (typeof rows)[number]) => (r.safeIsas.length === 2 ? 'safe' : r.safeIsas.length === 0 ? 'lossy' : `safe (${r.safeIsas.join(',')})`);
    const safetyWidth = Math.max(...rows.map((r) => safety(r).length));
    for (const r of rows) {
      const opts = r.options.length ? ` [${r.options.join(',')}]` : '';
      const indent = ''.padEnd(width + safetyWidth + 4);
      process.stdout.write(`${r.name.padEnd(width)}  ${safety(r).padEnd(safetyWidth)}  ${r.summary}${opts}\n${indent}models: ${r.models}\n`);
    }
    return EXIT.ok;
  },
};
