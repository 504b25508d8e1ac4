/**
 * `setway run <image>`: execute a function (with the boot-handoff harness around it) or a whole
 * program under a chosen machine, policy and migration schedule. `setway trace` is the same with
 * one line per trap and policy action.
 */
import { addressFlag, intFlag, parseCommandArgs, sizeFlag } from '../args';
import { CliError, EXIT } from '../exit-codes';
import { makePolicy } from '../../hyp/policies';
import { parseMigrationMode } from '../../hyp/scheduler';
import { cachePreset } from '../../cache/presets';
import { loadGuestImage } from '../../scenarios/load-image';
import { runFunction } from '../../scenarios/function-harness';
import { runProgram } from '../../scenarios/program';
import { TracePrinter } from '../trace-printer';
import type { Command } from './command';
import { lostData } from '../../scenarios/lockstep/verdict';
import type { ScenarioResult } from '../../scenarios/result';
import { GdbListenError, GdbServer } from '../../gdb/server';
import { DebuggerKill } from '../../gdb/run-control';
import { classifyError } from '../errors';
import { openHtmlFile, writeHtmlFile } from '../html-report-file';
import { TimelineRecorder } from '../../report/timeline-recorder';
import { renderRunPage } from '../../report/run-page';

/** The verdict in text: what the guest saw against bare metal, then the first divergence. */
export function verdictLines(r: ScenarioResult): string {
  const verdict = lostData(r) ? 'DATA LOST' : 'no loss';
  let out =
    `  verdict against bare metal: ${verdict}: ${r.staleReads} stale reads, ${r.dataDestroyed} lines destroyed` +
    `${r.controlFlowDiverged ? `, control flow diverged (${r.controlFlowCause})` : ''} (${r.loadsCompared.toLocaleString('en-US')} loads compared` +
    `${r.fresherReads > 0 ? `, ${r.fresherReads} read newer data than bare metal` : ''})\n`;
  if (r.guestFailure !== null) out += `  the guest failed where bare metal finished: ${r.guestFailure}\n`;
  // "No loss" with the vCPU never moved says nothing about the policy's handling of a migration.
  if (!lostData(r) && r.migrations === 0) out += '  the vCPU never moved in this run: --migrate after-sw:K or random:N (or sweep) puts the policy to the test\n';
  if (r.firstDivergence !== null) out += `  first divergence: ${r.firstDivergence.text}\n`;
  if (r.bufferLines > 0) out += `  buffer lines not at PoC after the run: ${r.linesNotAtPoC} of ${r.bufferLines} (informative)\n`;
  return out;
}

const OPTIONS = {
  symbol: { type: 'string' },
  entry: { type: 'string' },
  isa: { type: 'string' },
  load: { type: 'string' },
  preset: { type: 'string' },
  policy: { type: 'string' },
  migrate: { type: 'string' },
  seed: { type: 'string' },
  'buffer-kib': { type: 'string' },
  budget: { type: 'string' },
  'system-map': { type: 'string' },
  trace: { type: 'boolean' },
  json: { type: 'boolean' },
  'expect-no-loss': { type: 'boolean' },
  'take-exceptions': { type: 'boolean' },
  'guest-ram': { type: 'string' },
  'p2m-leaf': { type: 'string' },
  populate: { type: 'string' },
  'no-cache': { type: 'boolean' },
  gdb: { type: 'string' },
  html: { type: 'string' },
} as const;

const P2M_LEAVES: Record<string, number> = { '1g': 2 ** 30, '2m': 2 ** 21, '4k': 2 ** 12 };

function usage(name: string): string {
  return (
    `usage: setway ${name} <image> [--symbol NAME | --entry ADDR] [--isa a32|t32|a64] [--load ADDR]\n` +
    '         [--preset NAME] [--policy NAME[:opts]] [--migrate MODE] [--seed N] [--buffer-kib N]\n' +
    `         [--budget N] [--system-map FILE]${name === 'run' ? ' [--trace]' : ''} [--json] [--expect-no-loss]\n` +
    '         [--take-exceptions] [--guest-ram SIZE] [--p2m-leaf 1g|2m|4k] [--populate upfront|on-demand]\n' +
    '         [--no-cache] [--gdb PORT] [--html FILE]\n\n' +
    'Images: ELF (vmlinux, U-Boot ELF, .o), Linux ARM zImage (symbols from its kallsyms, or --system-map),\n' +
    'raw binaries (--load and --isa). A zImage is unpacked once: its Image and symbols are kept in\n' +
    '$SETWAY_CACHE_DIR, $XDG_CACHE_HOME/setway or ~/.cache/setway by the file\'s sha256 (--no-cache: not).\n' +
    'With --symbol/--entry the function runs inside the boot-handoff\n' +
    'harness: caches on, pattern written, function called, caches off, buffer read back (--buffer-kib 0\n' +
    'just calls it). Without them the image runs from its entry point, caches off, until HVC #0.\n' +
    'A guest exception (UNDEFINED, abort, SVC) stops the run with its PC and instruction unless\n' +
    '--take-exceptions vectors it through the guest\'s own table.\n' +
    '--guest-ram sets the VM\'s RAM (e.g. 256m, 16g; sparse); --p2m-leaf the largest stage-2 block mapping\n' +
    'it (default 1g, as Xen\'s toolstack populates RAM: policies that clean per p2m leaf pay for it);\n' +
    '--populate fills stage 2 for RAM when the VM is built or as the guest touches it (default: as the\n' +
    'policy\'s hypervisor does: KVM on demand, the others up front).\n' +
    '--gdb PORT waits for a debugger on 127.0.0.1:PORT (0: any free port) before the first instruction\n' +
    'and serves the GDB remote protocol (a whole program only: not with --symbol/--entry).\n' +
    '--html FILE also writes the run as one self-contained page: its timeline (S/W ops by level,\n' +
    'migrations, cache toggles, traps by class, EL2 time, dirty lines per cache, the first divergence\n' +
    'from bare metal marked and explained), its verdict and what it cost.\n\n' +
    'migration modes: never, every:N, after-sw:K, random[:N], adversarial[:N]\n' +
    'exit codes: 0 ok, 1 --expect-no-loss and the guest lost data, 2 usage, 3 bad image, 4 guest failed\n'
  );
}

function runLike(name: 'run' | 'trace'): Command {
  return {
    async run(args) {
      const { values: v, positionals, help } = parseCommandArgs(name, args, OPTIONS);
      if (help) {
        process.stdout.write(usage(name));
        return EXIT.ok;
      }
      if (positionals.length !== 1) throw new CliError(`${name}: give exactly one image (see 'setway ${name} --help')`, EXIT.usage);
      if (v.symbol !== undefined && v.entry !== undefined) throw new CliError(`${name}: give --symbol or --entry, not both`, EXIT.usage);
      const isaText = v.isa as string | undefined;
      if (isaText !== undefined && !['a32', 't32', 'a64'].includes(isaText)) throw new CliError(`${name}: --isa must be a32, t32 or a64`, EXIT.usage);
      const policy = makePolicy((v.policy as string | undefined) ?? 'kvm');
      const migration = parseMigrationMode((v.migrate as string | undefined) ?? 'never');
      if (v.preset !== undefined) cachePreset(v.preset as string);
      const seed = intFlag(name, 'seed', v.seed as string | undefined, 1);
      const budget = intFlag(name, 'budget', v.budget as string | undefined, 100_000_000);
      const image = await loadGuestImage(positionals[0], {
        load: addressFlag(name, 'load', v.load as string | undefined),
        isa: isaText as 'a32' | 't32' | 'a64' | undefined,
        systemMap: v['system-map'] as string | undefined,
        cache: v['no-cache'] !== true,
      });
      const tracing = name === 'trace' || v.trace === true;
      const trace = tracing ? new TracePrinter((line) => process.stdout.write(line)) : undefined;
      const leafText = v['p2m-leaf'] as string | undefined;
      if (leafText !== undefined && !(leafText in P2M_LEAVES)) throw new CliError(`${name}: --p2m-leaf must be 1g, 2m or 4k`, EXIT.usage);
      const guestRamBytes = sizeFlag(name, 'guest-ram', v['guest-ram'] as string | undefined);
      const p2mMaxLeafBytes = leafText === undefined ? undefined : P2M_LEAVES[leafText];
      const populateText = v.populate as string | undefined;
      if (populateText !== undefined && populateText !== 'upfront' && populateText !== 'on-demand') throw new CliError(`${name}: --populate must be upfront or on-demand`, EXIT.usage);
      const populate = populateText as 'upfront' | 'on-demand' | undefined;
      const html = v.html === undefined ? null : openHtmlFile(name, v.html as string);
      const recorder = html === null ? undefined : new TimelineRecorder({ forward: trace });
      const common = { image, preset: v.preset as string | undefined, policy, migration, seed, budget, trace: recorder ?? trace, takeExceptions: v['take-exceptions'] === true, guestRamBytes, p2mMaxLeafBytes, populate };
      let entry = addressFlag(name, 'entry', v.entry as string | undefined);
      let thumb = false;
      if (v.symbol !== undefined) {
        const sym = image.findSymbol(v.symbol as string);
        entry = sym.address;
        thumb = sym.isa === 't32';
      }
      if (v.gdb !== undefined && entry !== undefined) throw new CliError(`${name}: --gdb debugs a whole program, not a function (--symbol/--entry)`, EXIT.usage);
      const exitCode = (r: ScenarioResult) => (v['expect-no-loss'] && lostData(r) ? EXIT.checkFailed : EXIT.ok);
      const result = await underDebugger(
        name,
        v.gdb as string | undefined,
        (debug) =>
          entry === undefined
            ? runProgram({ ...common, debug })
            : runFunction({ ...common, entry, thumb, bufferBytes: intFlag(name, 'buffer-kib', v['buffer-kib'] as string | undefined, 128) * 1024 }),
        exitCode,
      );
      if (html !== null) {
        const ran = v.symbol ?? (entry === undefined ? `entry 0x${image.entry.toString(16)}` : `0x${entry.toString(16)}`);
        writeHtmlFile(html, renderRunPage({ result, timeline: recorder!.finish(), what: `${positionals[0]} ${ran}`, commandLine: ['setway', name, ...args].join(' ') }));
      }
      if (v.json) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      } else {
        const what = v.symbol ?? (entry === undefined ? `entry 0x${image.entry.toString(16)}` : `0x${entry.toString(16)}`);
        process.stdout.write(
          `${tracing ? '\n' : ''}${positionals[0]} ${what}: ${result.instructions.toLocaleString('en-US')} instructions, policy ${result.policy}, preset ${result.preset}, migration ${result.migration} (seed ${seed})\n` +
            verdictLines(result) +
            ('haltReason' in result ? `  halted (${result.haltReason}) with ${image.isa === 'a64' ? 'x0' : 'r0'} = ${result.result} (0x${result.result.toString(16)})\n` : '') +
            `  traps ${result.traps}, S/W ops ${result.setWayOps} (${result.setWayOpsTrapped} trapped), lines cleaned by VA ${result.linesByAddress}, ` +
            `pages flushed ${result.pagesFlushed}, stage-2 faults ${result.stage2Faults}, migrations ${result.migrations}\n` +
            `  simulated ${result.simulatedUs.toFixed(1)} us (longest EL2 stretch ${result.longestEl2Us.toFixed(1)} us), wall ${result.wallMs.toFixed(0)} ms\n`,
        );
      }
      return exitCode(result);
    },
  };
}

/**
 * Run a scenario with `--gdb PORT` served (when given): `body` gets the scenario's `debug` hook;
 * the debugger waits at the first instruction and hears how the run ends (the exit code
 * `exitCodeOf` gives, or the error's).
 */
export async function underDebugger<T>(
  command: string,
  portText: string | undefined,
  body: (debug: GdbServer['attach'] | undefined) => T,
  exitCodeOf: (result: T) => number,
): Promise<T> {
  if (portText === undefined) return body(undefined);
  const port = intFlag(command, 'gdb', portText, 0);
  if (port > 65535) throw new CliError(`${command}: --gdb wants a TCP port (0 to 65535), not '${portText}'`, EXIT.usage);
  let gdb: GdbServer;
  try {
    gdb = await GdbServer.listen(port);
  } catch (e) {
    if (e instanceof GdbListenError) throw new CliError(`${command}: --gdb: ${e.message}`, EXIT.usage);
    throw e;
  }
  process.stderr.write(`setway: waiting for a debugger on 127.0.0.1:${gdb.port} (gdb: target remote :${gdb.port})\n`);
  let result: T;
  try {
    result = body(gdb.attach);
  } catch (e) {
    gdb.failed(e, classifyError(e).exitCode);
    if (e instanceof DebuggerKill) throw new CliError(`${command}: ${e.message}`, EXIT.guest);
    throw e;
  }
  gdb.finish(exitCodeOf(result));
  return result;
}

export const runCommand = runLike('run');
export const traceCommand = runLike('trace');
