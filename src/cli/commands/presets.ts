/** `setway presets`: the machine presets and the cache ID registers a guest reads on them. */
import { parseCommandArgs } from '../args';
import { EXIT } from '../exit-codes';
import { CACHE_PRESETS } from '../../cache/presets';
import { geometryOfCaches, presetCaches } from '../../hyp/cache-geometry-view';
import type { Command } from './command';

const hex = (v: number) => `0x${(v >>> 0).toString(16).padStart(8, '0')}`;

export const presetsCommand: Command = {
  run(args) {
    const { values, help } = parseCommandArgs('presets', args, { json: { type: 'boolean' } });
    if (help) {
      process.stdout.write('usage: setway presets [--json]\n');
      return EXIT.ok;
    }
    const out = Object.keys(CACHE_PRESETS).map((name) => {
      const caches = presetCaches(name);
      const levels = geometryOfCaches(caches, 0);
      return {
        name,
        cpus: caches.cpus,
        clidr: hex(caches.clidr(0)),
        ctr: hex(caches.ctr(0)),
        levels: levels.map((l, i) => ({ level: i + 1, ccsidr: hex(caches.ccsidr(0, i << 1)), sets: l.sets, ways: l.ways, lineBytes: 2 ** l.lineLog2 })),
        caches: caches.caches.map((c) => c.name),
      };
    });
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ presets: out }, null, 2)}\n`);
      return EXIT.ok;
    }
    for (const p of out) {
      process.stdout.write(`${p.name}: ${p.cpus} CPUs, CLIDR ${p.clidr}, CTR ${p.ctr}\n`);
      for (const l of p.levels) process.stdout.write(`  L${l.level} (S/W-visible): CCSIDR ${l.ccsidr}  ${l.sets} sets x ${l.ways} ways x ${l.lineBytes} B\n`);
      process.stdout.write(`  caches: ${p.caches.join(', ')}\n`);
    }
    return EXIT.ok;
  },
};
