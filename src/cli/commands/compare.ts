/**
 * `setway compare [KERNEL]`: what each policy and version costs on the same guests (the ROMs, and
 * the Debian armmp kernel's v7 routines when a kernel is given), migrated mid-flush, one table per
 * guest with the oracle's row as the bound.
 */
import { intFlag, parseCommandArgs, sizeFlag } from '../args';
import { CliError, EXIT } from '../exit-codes';
import { parseMigrationMode } from '../../hyp/scheduler';
import { loadGuestImage } from '../../scenarios/load-image';
import { BOUND_POLICY, kernelGuests, romGuests, runCompare, type CompareRow } from '../../scenarios/compare';
import { count, renderTable, type Column } from '../format/table';
import { openHtmlFile, writeHtmlFile } from '../html-report-file';
import { compareHeading, renderComparePage } from '../../report/compare-page';
import type { Command } from './command';
import { DEMO_POLICIES } from './demo';

const COLUMNS: readonly Column<CompareRow>[] = [
  { header: 'policy', value: (r) => (r.policy === BOUND_POLICY ? `${r.policy} (bound)` : r.policy) },
  { header: 'models', value: (r) => r.models },
  { header: 'data lost', value: (r) => r.dataLost },
  { header: 'traps', value: (r) => r.traps },
  { header: 'lines by VA', value: (r) => r.linesByAddress },
  { header: 'pages flushed', value: (r) => r.pagesFlushed },
  { header: 's2 faults', value: (r) => r.stage2Faults },
  { header: 'max EL2 us', value: (r) => Math.round(r.longestEl2Us) },
  { header: 'sim time us', value: (r) => Math.round(r.simulatedUs) },
  { header: 'x bound', value: (r) => r.timeOverBound.toFixed(1) },
];

/** What the columns mean: printed under the tables, and a paragraph of the page. */
const NOTES =
  'data lost: stale reads plus lines destroyed, against the same guest on bare metal in lockstep. max EL2 us: the\n' +
  'longest stretch of hypervisor work between two guest instructions (the latency another vCPU or interrupt waits).\n' +
  'x bound: simulated time over the oracle\'s, which does each S/W op where the guest asked and cleans only the lines\n' +
  'migrations stranded elsewhere.\n';

function usage(): string {
  return (
    'usage: setway compare [KERNEL] [--system-map FILE] [--migrate MODE] [--seed N] [--buffer-kib N]\n' +
    '         [--guest-ram SIZE] [--populate upfront|on-demand] [--json] [--html FILE]\n\n' +
    'Runs the same guests under every policy and version, each migrated to the other pCPU in the\n' +
    'middle of its flush, and prints one table per guest: data lost, traps, lines cleaned by VA, pages\n' +
    'flushed, the longest EL2 stretch and the simulated time, next to the oracle\'s row (the bound:\n' +
    'no hypervisor can do less; x bound is the simulated time over its). Guests: the boot-handoff ROM\n' +
    'and the set/way ROM\'s flush_dcache_all (A32 and A64); with KERNEL (Debian\'s armmp zImage or a\n' +
    'vmlinux), also its v7_flush_kern_cache_all and v7_flush_kern_cache_louis on the cubietruck.\n' +
    '--migrate replaces every guest\'s mid-flush migration (after-sw:768 for the handoff ROM,\n' +
    'after-sw:256 for the rest); --buffer-kib sets the pattern buffer (default 64).\n' +
    '--html FILE also writes the tables as one self-contained page: per guest, a bar chart per figure\n' +
    'with the policies side by side on a log scale and the oracle\'s value marked as the bound.\n\n' +
    'migration modes: never, every:N, after-sw:K, random[:N], adversarial[:N]\n' +
    'exit codes: 0 ok, 2 usage, 3 bad kernel image or a routine missing from it, 4 a guest failed\n'
  );
}

export const compareCommand: Command = {
  async run(args) {
    const { values: v, positionals, help } = parseCommandArgs('compare', args, {
      'system-map': { type: 'string' },
      migrate: { type: 'string' },
      seed: { type: 'string' },
      'buffer-kib': { type: 'string' },
      'guest-ram': { type: 'string' },
      populate: { type: 'string' },
      json: { type: 'boolean' },
      html: { type: 'string' },
    });
    if (help) {
      process.stdout.write(usage());
      return EXIT.ok;
    }
    if (positionals.length > 1) throw new CliError("compare: give at most one kernel image (see 'setway compare --help')", EXIT.usage);
    const populate = v.populate as string | undefined;
    if (populate !== undefined && populate !== 'upfront' && populate !== 'on-demand') throw new CliError('compare: --populate must be upfront or on-demand', EXIT.usage);
    if (positionals.length === 0 && v['system-map'] !== undefined) throw new CliError('compare: --system-map is for a kernel image, and none was given', EXIT.usage);
    const migration = v.migrate === undefined ? undefined : parseMigrationMode(v.migrate as string);
    const settings = {
      seed: intFlag('compare', 'seed', v.seed as string | undefined, 1),
      bufferBytes: intFlag('compare', 'buffer-kib', v['buffer-kib'] as string | undefined, 64) * 1024,
      guestRamBytes: sizeFlag('compare', 'guest-ram', v['guest-ram'] as string | undefined),
      populate: populate as 'upfront' | 'on-demand' | undefined,
    };
    const html = v.html === undefined ? null : openHtmlFile('compare', v.html as string);
    const guests = romGuests(settings);
    if (positionals.length === 1) {
      const kernel = await loadGuestImage(positionals[0], { systemMap: v['system-map'] as string | undefined });
      guests.push(...kernelGuests(kernel, settings));
    }
    const tables = runCompare(guests, DEMO_POLICIES, migration);
    if (html !== null) {
      const commandLine = ['setway', 'compare', ...args].join(' ');
      writeHtmlFile(html, renderComparePage({ tables, columns: COLUMNS, bufferBytes: settings.bufferBytes, seed: settings.seed, notes: NOTES.replace(/\n/g, ' ').trim(), commandLine }));
    }
    if (v.json) {
      process.stdout.write(`${JSON.stringify({ scenario: 'compare', bufferBytes: settings.bufferBytes, seed: settings.seed, tables }, null, 2)}\n`);
      return EXIT.ok;
    }
    process.stdout.write(`setway compare: ${count(settings.bufferBytes / 1024)} KiB buffer, seed ${settings.seed}\n`);
    for (const t of tables) process.stdout.write(`\n${compareHeading(t)}\n${renderTable(t.rows, COLUMNS)}`);
    process.stdout.write(`\n${NOTES}`);
    return EXIT.ok;
  },
};
