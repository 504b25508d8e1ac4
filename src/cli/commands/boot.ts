/**
 * `setway boot`: a whole guest on the virt platform (src/platform/virt-machine.ts): a Linux
 * kernel by its boot protocol, the devices of QEMU's virt behind stage-2 faults, PSCI, SMP vCPUs
 * under the chosen policy and migration schedule. It ends when the console matches `--until`,
 * the guest panics or powers off, fails, or runs out of budget.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { addressFlag, intFlag, parseCommandArgs, sizeFlag } from '../args';
import { CliError, EXIT } from '../exit-codes';
import { makePolicy } from '../../hyp/policies';
import { parseMigrationMode } from '../../hyp/scheduler';
import { cachePreset } from '../../cache/presets';
import { exceptionClassName } from '../../exec/syndrome/ec';
import { placeKernel } from '../../platform/linux-boot';
import { VIRT_FLASH_BANK_SIZE } from '../../platform/virt-memory-map';
import { runBoot, type BootResult } from '../../scenarios/boot';
import { lostData } from '../../scenarios/lockstep/verdict';
import { TracePrinter } from '../trace-printer';
import { underDebugger } from './run';
import type { Command } from './command';
import { openHtmlFile, writeHtmlFile } from '../html-report-file';
import { TimelineRecorder } from '../../report/timeline-recorder';
import { renderBootPage } from '../../report/run-page';

const OPTIONS = {
  kernel: { type: 'string' },
  firmware: { type: 'string' },
  flash1: { type: 'string' },
  dtb: { type: 'string' },
  append: { type: 'string' },
  vcpus: { type: 'string' },
  ram: { type: 'string' },
  input: { type: 'string' },
  'input-after': { type: 'string' },
  until: { type: 'string' },
  preset: { type: 'string' },
  policy: { type: 'string' },
  migrate: { type: 'string' },
  seed: { type: 'string' },
  budget: { type: 'string' },
  unpack: { type: 'boolean' },
  'image-link': { type: 'string' },
  'no-cache': { type: 'boolean' },
  console: { type: 'boolean' },
  trace: { type: 'boolean' },
  json: { type: 'boolean' },
  'no-verdict': { type: 'boolean' },
  gdb: { type: 'string' },
  html: { type: 'string' },
} as const;

const USAGE =
  'usage: setway boot (--kernel FILE | --firmware FILE [--flash1 FILE])\n' +
  '                   [--append TEXT] [--dtb FILE] [--vcpus N] [--ram SIZE] [--input TEXT [--input-after REGEX]]\n' +
  '                   [--until REGEX] [--preset P] [--policy P] [--migrate M] [--seed N] [--budget N]\n' +
  '                   [--unpack] [--image-link ADDR] [--no-cache] [--console] [--trace] [--json] [--no-verdict] [--gdb PORT]\n' +
  '                   [--html FILE]\n\n' +
  'Boots a Linux kernel on the virt platform (QEMU virt\'s memory map and devices: GICv2, PL011, PL031,\n' +
  'PL061, empty virtio-mmio slots; PSCI over HVC) under a set/way policy. --kernel takes an A32 zImage\n' +
  '(its decompressor runs in the guest; --unpack boots the unpacked Image instead), an A32 Image (placed\n' +
  'for the link address its kallsyms give, or --image-link ADDR), or an arm64 Image (gzip-compressed as\n' +
  'Debian ships it, or not). setway writes the DTB (--dtb replaces it). --trace prints every trap with\n' +
  'the kernel function that made it. A zImage unpacked on the host (--unpack, --trace) is kept with its\n' +
  'symbols in the user cache directory by its sha256 (--no-cache: not). The run ends when the console matches --until, the\n' +
  'guest panics, powers off or resets through PSCI, fails, or runs past --budget (default 2e9).\n' +
  '--firmware boots FILE from flash bank 0 instead (as QEMU\'s -bios: U-Boot for qemu_arm or qemu_arm64),\n' +
  'with the DTB at the start of RAM and --flash1 FILE in flash bank 1 (0x04000000) for it to load.\n' +
  '--console prints the console live; --input types TEXT into the UART (once the console matches\n' +
  '--input-after, if given). The same boot runs on bare metal\n' +
  '(no hypervisor, no migration) beside it and the verdict compares what the guest loaded; --no-verdict\n' +
  'skips that (half the time).\n' +
  '--gdb PORT waits for a debugger on 127.0.0.1:PORT (0: any free port) before the first instruction\n' +
  'and serves the GDB remote protocol, one thread per vCPU.\n' +
  '--html FILE also writes the boot as one self-contained page: its timeline (S/W ops, migrations, cache\n' +
  'toggles, traps by class, EL2 time, dirty lines per cache, the first divergence marked), verdict and cost.\n\n' +
  'exit codes: 0 ended as above, 2 usage, 3 bad kernel file, 4 the guest failed or ran out of budget\n';

export const bootCommand: Command = {
  async run(args) {
    const { values: v, positionals, help } = parseCommandArgs('boot', args, OPTIONS);
    if (help) {
      process.stdout.write(USAGE);
      return EXIT.ok;
    }
    if (positionals.length > 0) throw new CliError(`boot: unexpected argument '${positionals[0]}' (the kernel is --kernel FILE)`, EXIT.usage);
    if (v.kernel === undefined && v.firmware === undefined) throw new CliError("boot: give the kernel with --kernel FILE, or firmware with --firmware FILE (see 'setway boot --help')", EXIT.usage);
    if (v.kernel !== undefined && v.firmware !== undefined) throw new CliError('boot: --kernel and --firmware exclude each other: the firmware loads the kernel (put it in flash with --flash1 FILE)', EXIT.usage);
    if (v.flash1 !== undefined && v.firmware === undefined) throw new CliError('boot: --flash1 is for the firmware to read: give --firmware too', EXIT.usage);
    const policy = makePolicy((v.policy as string | undefined) ?? 'kvm');
    const migration = parseMigrationMode((v.migrate as string | undefined) ?? 'never');
    if (v.preset !== undefined) cachePreset(v.preset as string);
    const vcpus = intFlag('boot', 'vcpus', v.vcpus as string | undefined, 1);
    if (vcpus > 8) throw new CliError('boot: --vcpus must be 1 to 8 (a GICv2 serves 8 CPUs)', EXIT.usage);
    const until = regexFlag('until', v.until as string | undefined);
    const inputAfter = regexFlag('input-after', v['input-after'] as string | undefined);
    const tracing = v.trace === true;
    const kernel = v.kernel === undefined ? undefined : await loadKernel(v.kernel as string, { unpack: v.unpack === true, symbols: tracing, cache: v['no-cache'] !== true, a32ImageLink: addressFlag('boot', 'image-link', v['image-link'] as string | undefined) });
    const firmware = v.firmware === undefined ? undefined : new Uint8Array(readFileSync(v.firmware as string));
    const flash1 = v.flash1 === undefined ? undefined : new Uint8Array(readFileSync(v.flash1 as string));
    if (flash1 !== undefined && flash1.length > VIRT_FLASH_BANK_SIZE) throw new CliError(`boot: --flash1 ${v.flash1 as string} has ${flash1.length} bytes; a flash bank holds ${VIRT_FLASH_BANK_SIZE}`, EXIT.usage);
    if (firmware !== undefined && firmware.length > VIRT_FLASH_BANK_SIZE) throw new CliError(`boot: --firmware ${v.firmware as string} has ${firmware.length} bytes; a flash bank holds ${VIRT_FLASH_BANK_SIZE}`, EXIT.usage);
    const what = kernel?.kind ?? 'firmware';
    const live = v.console === true && !v.json;
    const progress = process.stderr.isTTY && !v.json && !tracing;
    const html = v.html === undefined ? null : openHtmlFile('boot', v.html as string);
    const printer = tracing ? new TracePrinter((line) => process.stdout.write(line), (pc) => kernel?.symbolizer?.nameOf(pc)) : undefined;
    const recorder = html === null ? undefined : new TimelineRecorder({ forward: printer });
    const t0 = performance.now();
    const r = await underDebugger('boot', v.gdb as string | undefined, (debug) => runBoot({
      debug,
      compare: v['no-verdict'] !== true,
      kernel,
      firmware,
      flash1,
      vcpus,
      ramBytes: sizeFlag('boot', 'ram', v.ram as string | undefined),
      bootargs: v.append as string | undefined,
      dtb: v.dtb === undefined ? undefined : new Uint8Array(readFileSync(v.dtb as string)),
      preset: v.preset as string | undefined,
      policy,
      migration,
      seed: intFlag('boot', 'seed', v.seed as string | undefined, 1),
      budget: intFlag('boot', 'budget', v.budget as string | undefined, 2_000_000_000),
      until,
      input: v.input as string | undefined,
      inputAfter,
      onConsole: live ? (c) => process.stdout.write(c) : undefined,
      trace: recorder ?? printer,
      onProgress: progress
        ? (p) => process.stderr.write(`\r  ${(p.instructions / 1e6).toFixed(0)} M instructions, ${((p.instructions / (performance.now() - t0)) * 1e3 / 1e6).toFixed(1)} M/s, ${p.consoleLines} console lines `)
        : undefined,
    }), bootExitCode);
    if (progress) process.stderr.write('\n');
    const wallMs = performance.now() - t0;
    if (html !== null) writeHtmlFile(html, renderBootPage({ boot: bootJson(r, what, policy.name, wallMs), timeline: recorder!.finish(), commandLine: ['setway', 'boot', ...args].join(' ') }));
    if (v.json) process.stdout.write(`${JSON.stringify(bootJson(r, what, policy.name, wallMs), null, 2)}\n`);
    else process.stdout.write(bootText(r, what, policy.name, wallMs, !live, (pc) => kernel?.symbolizer?.nameOf(pc)));
    return bootExitCode(r);
  },
};

const bootExitCode = (r: BootResult) => (r.failure !== null ? EXIT.guest : EXIT.ok);

function regexFlag(name: string, value: string | undefined): RegExp | undefined {
  try {
    return value === undefined ? undefined : new RegExp(value);
  } catch (e) {
    throw new CliError(`boot: --${name} is not a regular expression: ${(e as Error).message}`, EXIT.usage);
  }
}

/** A kernel file placed by its boot protocol (Debian's arm64 vmlinuz is a gzip-compressed Image). */
async function loadKernel(path: string, options: Parameters<typeof placeKernel>[1]) {
  let bytes = new Uint8Array(readFileSync(path));
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = new Uint8Array(gunzipSync(bytes));
  return placeKernel(bytes, options);
}

function trapsByClass(r: BootResult): Record<string, number> {
  const out: Record<string, number> = {};
  r.machine.cost.trapsByClass.forEach((n, ec) => {
    if (n > 0) out[`0x${ec.toString(16).padStart(2, '0')} ${exceptionClassName(ec)}`] = n;
  });
  return out;
}

function bootJson(r: BootResult, kind: string, policy: string, wallMs: number) {
  const c = r.machine.cost;
  return {
    scenario: 'boot',
    kernel: kind,
    policy,
    end: r.end,
    failure: r.failure,
    instructions: r.instructions,
    instructionsPerVcpu: r.instructionsPerVcpu,
    virtualMs: r.timeNs / 1e6,
    traps: c.traps,
    trapsByClass: trapsByClass(r),
    setWayOps: c.setWayOps,
    setWayOpsTrapped: c.setWayOpsTrapped,
    mmioAccesses: c.mmioAccesses,
    deviceAccesses: r.deviceAccesses,
    nothingHere: Object.fromEntries(r.unmapped),
    psciCalls: Object.fromEntries(r.psciCalls),
    linesByAddress: c.linesByAddress,
    pagesFlushed: c.pagesFlushed,
    stage2Faults: c.stage2Faults,
    migrations: c.migrations,
    simulatedUs: c.microseconds,
    wallMs,
    verdict: r.verdict,
    lostData: r.verdict === null ? null : lostData({ dataLost: r.verdict.staleReads + r.verdict.dataDestroyed, controlFlowCause: r.verdict.controlFlowCause, guestFailure: r.verdict.guestFailure }),
    console: r.console,
  };
}

function bootText(r: BootResult, kind: string, policy: string, wallMs: number, withConsole: boolean, nameOf: (pc: number) => string | undefined): string {
  const j = bootJson(r, kind, policy, wallMs);
  const lines = [
    ...(withConsole ? [r.console.replace(/\n?$/, '\n')] : ['\n']),
    `boot (${kind}, policy ${policy}): ${r.end}${r.failure ? `: ${r.failure}` : ''}`,
    `  ${r.instructions.toLocaleString('en-US')} instructions (${r.instructionsPerVcpu.map((n) => n.toLocaleString('en-US')).join(' + ')} per vCPU), ${j.virtualMs < 1 ? `${(j.virtualMs * 1000).toFixed(0)} us` : `${j.virtualMs.toFixed(1)} ms`} virtual, ${(wallMs / 1000).toFixed(1)} s wall`,
    `  traps ${j.traps}: ${Object.entries(j.trapsByClass).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`,
    `  S/W ops ${j.setWayOps} (${j.setWayOpsTrapped} trapped), MMIO ${j.mmioAccesses} (${Object.entries(j.deviceAccesses).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}), PSCI ${Object.entries(j.psciCalls).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`,
    `  lines cleaned by VA ${j.linesByAddress}, pages flushed ${j.pagesFlushed}, stage-2 faults ${j.stage2Faults}, migrations ${j.migrations}, simulated ${j.simulatedUs.toFixed(0)} us`,
  ];
  const v = r.verdict;
  if (v !== null) {
    lines.push(
      `  verdict against bare metal: ${j.lostData ? 'DATA LOST' : 'no loss'}: ${v.staleReads} stale reads, ${v.dataDestroyed} lines destroyed` +
        `${v.controlFlowDiverged ? `, control flow diverged (${v.controlFlowCause})` : ''} (${v.loadsCompared.toLocaleString('en-US')} loads compared; bare metal: ${v.referenceEnd})`,
    );
    if (v.firstDivergence !== null) {
      const where = nameOf(v.firstDivergence.pc);
      lines.push(`  first divergence: ${v.firstDivergence.text}${where === undefined ? '' : ` (the PC is in ${where})`}`);
    }
  }
  if (r.unmapped.size > 0) lines.push(`  nothing here: ${[...r.unmapped].map(([k, n]) => `${k} x${n}`).join(', ')}`);
  return `${lines.join('\n')}\n`;
}
