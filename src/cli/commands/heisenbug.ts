/**
 * `setway heisenbug`: the Cubietruck early-boot abort, reproduced from Debian's U-Boot and armmp
 * zImage (src/scenarios/heisenbug.ts): one row per policy and migration point in the L1 pass of
 * U-Boot's last set/way flush, saying whether the kernel boots, and why not.
 */
import { readFileSync } from 'node:fs';
import { intFlag, parseCommandArgs } from '../args';
import { CliError, EXIT } from '../exit-codes';
import { makePolicy, POLICY_NAMES } from '../../hyp/policies';
import { claimsSafetyFor } from '../../hyp/policy';
import { placeKernel } from '../../platform/linux-boot';
import { VIRT_FLASH_BANK_SIZE } from '../../platform/virt-memory-map';
import { HEISENBUG_BOOTARGS, heisenbugInput, runHeisenbug, type HeisenbugRow } from '../../scenarios/heisenbug';
import { FirstPassthroughFailure, renderHeisenbugPage } from '../../report/heisenbug-page';
import { openHtmlFile, writeHtmlFile } from '../html-report-file';
import { keptText, l1DataLines, runBringUp, type BringUpRow } from '../../scenarios/heisenbug-bring-up';
import type { Command } from './command';

const OPTIONS = {
  firmware: { type: 'string' },
  kernel: { type: 'string' },
  policies: { type: 'string' },
  at: { type: 'string' },
  points: { type: 'string' },
  budget: { type: 'string' },
  'compare-after-jump': { type: 'string' },
  json: { type: 'boolean' },
  html: { type: 'string' },
  'bring-up': { type: 'boolean' },
  'victim-lines': { type: 'string' },
} as const;

const USAGE =
  'usage: setway heisenbug --firmware U-BOOT.BIN --kernel ZIMAGE [--policies P,...] [--at K,... | --points N]\n' +
  '                        [--budget N] [--compare-after-jump N] [--json] [--html FILE]\n' +
  '       setway heisenbug --bring-up --kernel ZIMAGE [--policies P,...] [--victim-lines N] [--budget N] [--json]\n\n' +
  "The seed bug from real binaries: Debian's U-Boot for qemu_arm (u-boot-qemu: usr/lib/u-boot/qemu_arm/\n" +
  "u-boot.bin) boots as virt firmware with Debian's armmp zImage in flash bank 1; setway types at its\n" +
  'prompt: cp.b 0x04000000 ${kernel_addr_r} SIZE; bootz ${kernel_addr_r} - ${fdtcontroladdr}. U-Boot\n' +
  'cleans its data cache by set/way and jumps with caches off. Each run migrates the vCPU once, right\n' +
  'after S/W op K of that flush (--at K,...; by default --points N, 3, spread over its L1 pass) and\n' +
  "ends at the kernel's banner, a failure, or --budget (2.3e9: the decompressor runs ~2 G instructions).\n" +
  'A row: boots / early-boot abort (the exception and where) / hangs, what stayed dirty on the other\n' +
  'pCPU after the flush, the verdict against bare metal over U-Boot and the first --compare-after-jump\n' +
  'instructions of the kernel (5e6), and the cost. Reproduce a row with setway boot --firmware ...\n' +
  '--flash1 ZIMAGE --input-after "Hit any key" --input "..." --migrate after-sw:K --policy P.\n' +
  '--html FILE also writes one page: the table, and the timeline of the first passthrough row that\n' +
  'went wrong (S/W ops, migrations, cache toggles, traps, EL2 time, dirty lines; the divergence marked).\n' +
  'Get the binaries with: bash scripts/fetch-uboot.sh qemu_arm; bash scripts/fetch-linux-kernel.sh armmp\n' +
  '(about 3 minutes a row that boots, 40 s one that aborts).\n\n' +
  '--bring-up: the same armmp kernel (unpacked on the host) with 2 vCPUs to "smp: Brought up", beside a\n' +
  "second VM that never runs: just before PSCI CPU_ON that VM's --victim-lines N (256) dirty lines are\n" +
  "planted in the L1 of the pCPU vCPU 1 starts on, where CPU 1's v7_invalidate_l1 runs DCISW over L1.\n" +
  'A row per policy (default passthrough:novm and every policy): the HCR bits that decide what DCISW does,\n' +
  "what became of vCPU 1's S/W ops, and how many of the other VM's lines were destroyed (their latest\n" +
  "copy anywhere differs from what it wrote), and the guest's own verdict against the same boot on bare\n" +
  'metal. About 80 M instructions a row, run twice for the comparison (--budget 4e8).\n\n' +
  'exit codes: 0 every policy that claims safety booted (--bring-up: every policy that sets HCR.VM,\n' +
  "SWIO or TSW destroyed nothing and brought CPU 1 up, and none that claims safety let the guest lose\n" +
  "data), 1 one did not, 2 usage, 3 unreadable binaries,\n" +
  'or firmware that does not reach "Starting kernel" on bare metal\n';

export const heisenbugCommand: Command = {
  async run(args) {
    const { values: v, positionals, help } = parseCommandArgs('heisenbug', args, OPTIONS);
    if (help) {
      process.stdout.write(USAGE);
      return EXIT.ok;
    }
    if (positionals.length > 0) throw new CliError(`heisenbug: unexpected argument '${positionals[0]}'`, EXIT.usage);
    if (v['bring-up'] === true) return bringUp(v);
    if (v['victim-lines'] !== undefined) throw new CliError('heisenbug: --victim-lines is for --bring-up', EXIT.usage);
    if (v.firmware === undefined || v.kernel === undefined) {
      throw new CliError("heisenbug: give --firmware U-BOOT.BIN (qemu_arm) and --kernel ZIMAGE (armmp); fetch them with scripts/fetch-uboot.sh qemu_arm and scripts/fetch-linux-kernel.sh armmp (see 'setway heisenbug --help')", EXIT.usage);
    }
    const policies = (v.policies as string | undefined)?.split(',').filter(Boolean) ?? POLICY_NAMES;
    // The heisenbug chain is A32 (qemu_arm U-Boot and an armmp zImage).
    const safety = new Map(policies.map((p) => [p, claimsSafetyFor(makePolicy(p), 'a32')]));
    const at = (v.at as string | undefined)?.split(',').map((k) => intFlag('heisenbug', 'at', k, 0));
    const firmware = readBinary(v.firmware as string, 'firmware');
    const zImage = readBinary(v.kernel as string, 'kernel');
    const kernel = await placeKernel(zImage, { symbols: true, cache: true }).catch((e: Error) => {
      throw new CliError(`heisenbug: --kernel ${v.kernel as string}: ${e.message}`, EXIT.input);
    });
    if (kernel.kind !== 'zImage') throw new CliError(`heisenbug: --kernel ${v.kernel as string} is an ${kernel.kind}, not a zImage (bootz boots a zImage)`, EXIT.input);
    const json = v.json === true;
    const html = v.html === undefined ? null : openHtmlFile('heisenbug', v.html as string);
    const recorded = new FirstPassthroughFailure();
    if (!json) process.stdout.write(`${header()}\n`);
    const report = runHeisenbug({
      firmware,
      zImage,
      policies,
      migrateAt: at,
      points: intFlag('heisenbug', 'points', v.points as string | undefined, 3),
      budget: intFlag('heisenbug', 'budget', v.budget as string | undefined, 2_300_000_000),
      compareAfterJump: intFlag('heisenbug', 'compare-after-jump', v['compare-after-jump'] as string | undefined, 5_000_000),
      symbolizer: kernel.symbolizer,
      traceFor: html === null ? undefined : recorded.traceFor,
      onRow: (row, divergence) => {
        recorded.rowDone(row, divergence);
        if (!json) process.stdout.write(`${rowText(row)}\n`);
      },
    });
    if (html !== null) {
      const replay = (row: HeisenbugRow) => replayLine(v.firmware as string, v.kernel as string, zImage.length, row);
      writeHtmlFile(html, renderHeisenbugPage({ report, timeline: recorded.timeline, commandLine: ['setway', 'heisenbug', ...args].join(' '), replay }));
    }
    if (json) process.stdout.write(`${JSON.stringify({ scenario: 'heisenbug', ...report }, null, 2)}\n`);
    else {
      const example = report.rows.find((r) => r.outcome !== 'boots');
      process.stdout.write(
        `\nU-Boot's last flush starts after S/W op ${report.flushStartsAfter} (its L1 pass is ${report.l1Ops} ops); on bare metal it jumps to the zImage at 0x${report.kernelAt.toString(16)} after ${report.jumpAt.toLocaleString('en-US')} instructions.\n` +
          (example === undefined ? '' : `${example.policy} at ${example.migration}: ${example.strandedAtJump}.\n  first divergence: ${example.firstDivergence ?? 'none in the compared window'}\n`),
      );
    }
    const failed = report.rows.some((r) => safety.get(r.policy) === true && (r.outcome !== 'boots' || r.lostData));
    return failed ? EXIT.checkFailed : EXIT.ok;
  },
};

type Values = ReturnType<typeof parseCommandArgs<typeof OPTIONS>>['values'];

/** `--bring-up`: CPU 1's v7_invalidate_l1 beside another VM's dirty lines (src/scenarios/heisenbug-bring-up.ts). */
async function bringUp(v: Values): Promise<number> {
  for (const flag of ['firmware', 'at', 'points', 'compare-after-jump', 'html'] as const) {
    if (v[flag] !== undefined) throw new CliError(`heisenbug: --${flag} is for the U-Boot chain, not --bring-up`, EXIT.usage);
  }
  if (v.kernel === undefined) throw new CliError("heisenbug: --bring-up needs --kernel ZIMAGE (armmp; scripts/fetch-linux-kernel.sh armmp)", EXIT.usage);
  const capacity = l1DataLines();
  const victimLines = intFlag('heisenbug', 'victim-lines', v['victim-lines'] as string | undefined, 256);
  if (victimLines < 1 || victimLines > capacity) throw new CliError(`heisenbug: --victim-lines must be 1 to ${capacity} (the L1 data cache's lines)`, EXIT.usage);
  const policies = (v.policies as string | undefined)?.split(',').filter(Boolean) ?? ['passthrough:novm', ...POLICY_NAMES];
  for (const p of policies) makePolicy(p);
  const kernel = await placeKernel(readBinary(v.kernel as string, 'kernel'), { unpack: true, cache: true }).catch((e: Error) => {
    throw new CliError(`heisenbug: --kernel ${v.kernel as string}: ${e.message}`, EXIT.input);
  });
  if (kernel.isa !== 'a32') throw new CliError(`heisenbug: --kernel ${v.kernel as string} is an ${kernel.kind}; --bring-up runs the armmp (A32) kernel`, EXIT.input);
  const json = v.json === true;
  if (!json) {
    process.stdout.write(
      `Secondary bring-up beside another VM: 2 vCPUs to "smp: Brought up"; just before PSCI CPU_ON another VM's ${victimLines} dirty lines go into the L1 of the pCPU vCPU 1 starts on, where CPU 1 invalidates L1 by set/way (DCISW, caches off); destroyed = the latest copy anywhere differs from what that VM wrote; guest = what the guest itself read, against the same boot on bare metal.\n` +
        `${'policy'.padEnd(17)} ${'HCR'.padEnd(8)} ${'vCPU 1 S/W ops'.padEnd(18)} ${'destroyed'.padStart(9)} ${'guest'.padEnd(7)} ${'insn M'.padStart(6)} ${'wall s'.padStart(6)}  the other VM's intact lines\n`,
    );
  }
  const report = runBringUp({
    kernel,
    policies,
    victimLines,
    budget: intFlag('heisenbug', 'budget', v.budget as string | undefined, 400_000_000),
    onRow: json ? undefined : (row) => process.stdout.write(`${bringUpRowText(row)}\n`),
  });
  if (json) process.stdout.write(`${JSON.stringify({ scenario: 'heisenbug-bring-up', ...report }, null, 2)}\n`);
  // A DCISW at EL1 with HCR.VM, SWIO or TSW set never reaches another VM's data as an invalidate
  // (D7.5.9); and a policy that claims safety never lets the guest itself read what bare metal would not.
  const failed = report.rows.some(
    (r) => (r.hcr !== 'none' && (r.destroyed > 0 || !r.broughtUp)) || (r.guest?.lostData === true && claimsSafetyFor(makePolicy(r.policy), 'a32')),
  );
  return failed ? EXIT.checkFailed : EXIT.ok;
}

function bringUpRowText(r: BringUpRow): string {
  return (
    `${r.policy.padEnd(17)} ${r.hcr.padEnd(8)} ${r.secondaryOps.padEnd(18)} ${`${r.destroyed}/${r.planted}`.padStart(9)} ${guestText(r).padEnd(7)} ${(r.instructions / 1e6).toFixed(0).padStart(6)} ` +
    `${(r.wallMs / 1000).toFixed(0).padStart(6)}  ${keptText(r.kept) || '-'}\n  ${r.broughtUp || r.planted === 0 ? '' : `CPU 1 not brought up (${r.failure ?? r.end}); `}${r.explanation}` +
    `${r.guest?.lostData === true ? `\n  the guest: ${r.guest.firstDivergence ?? 'lost data'}` : ''}`
  );
}

function guestText(r: BringUpRow): string {
  if (r.guest === null) return '-';
  return r.guest.lostData ? 'LOSS' : 'no loss';
}

/** `setway boot` running one row alone (bash's $'...' keeps the newline U-Boot needs and the ${...} it expands). */
function replayLine(firmware: string, kernel: string, zImageBytes: number, row: HeisenbugRow): string {
  const input = heisenbugInput(zImageBytes).replace(/\n$/, '\\n');
  return `setway boot --firmware ${firmware} --flash1 ${kernel} --append '${HEISENBUG_BOOTARGS}' --input-after 'Hit any key' --input $'${input}' --migrate ${row.migration} --policy ${row.policy} --budget 2300000000 --until 'Booting Linux' --html row.html`;
}

function readBinary(path: string, what: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    throw new CliError(`heisenbug: cannot read the ${what} ${path}: ${(e as Error).message}`, EXIT.input);
  }
  if (bytes.length > VIRT_FLASH_BANK_SIZE) throw new CliError(`heisenbug: the ${what} ${path} has ${bytes.length} bytes; a flash bank holds ${VIRT_FLASH_BANK_SIZE}`, EXIT.input);
  return bytes;
}

function header(): string {
  return `${'policy'.padEnd(12)} ${'migration'.padEnd(15)} ${'outcome'.padEnd(17)} ${'verdict'.padEnd(9)} ${'stranded'.padStart(8)} ${'traps'.padStart(8)} ${'S/W trapped'.padStart(11)} ${'by VA'.padStart(7)} ${'insn M'.padStart(7)} ${'wall s'.padStart(6)}  detail`;
}

function rowText(r: HeisenbugRow): string {
  return (
    `${r.policy.padEnd(12)} ${r.migration.padEnd(15)} ${r.outcome.padEnd(17)} ${(r.lostData ? 'LOSS' : 'no loss').padEnd(9)} ${String(r.strandedLines).padStart(8)} ${String(r.traps).padStart(8)} ` +
    `${String(r.setWayOpsTrapped).padStart(11)} ${String(r.linesByAddress).padStart(7)} ${(r.instructions / 1e6).toFixed(0).padStart(7)} ${(r.wallMs / 1000).toFixed(0).padStart(6)}  ${r.detail}`
  );
}
