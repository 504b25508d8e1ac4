/**
 * The command table: name -> one-line summary and the module that runs it. `setway help` lists
 * them in this order. A command's module (and with it the emulator and its decode tables) is
 * imported only when that command runs, so `setway --help` starts about as fast as node itself.
 */
import type { Command } from './command';

interface CommandEntry {
  readonly summary: string;
  load(): Promise<Command>;
}

export const COMMANDS: Record<string, CommandEntry> = {
  demo: {
    summary: 'boot handoff on a Cubietruck with a mid-flush migration, every policy side by side',
    load: async () => (await import('./demo')).demoCommand,
  },
  run: {
    summary: 'run a flush function or a program from an image under a policy',
    load: async () => (await import('./run')).runCommand,
  },
  trace: {
    summary: 'like run, printing one line per trap and policy action',
    load: async () => (await import('./run')).traceCommand,
  },
  compare: {
    summary: 'the ROMs and a kernel\'s v7 routines under every policy and version: costs next to the oracle\'s bound',
    load: async () => (await import('./compare')).compareCommand,
  },
  sweep: {
    summary: 'the boot handoff (or a function of an image) over many schedules and policies, with confidence intervals',
    load: async () => (await import('./sweep')).sweepCommand,
  },
  merge: {
    summary: "combine the shard files of one sweep (sweep --shard K/N) into the whole sweep's report",
    load: async () => (await import('./merge')).mergeCommand,
  },
  boot: {
    summary: 'boot a Linux kernel on the virt platform under a policy',
    load: async () => (await import('./boot')).bootCommand,
  },
  heisenbug: {
    summary: "the Cubietruck early-boot abort from Debian's U-Boot and zImage, every policy",
    load: async () => (await import('./heisenbug')).heisenbugCommand,
  },
  hsr: {
    summary: 'decode a HSR (AArch32 EL2) value from a hypervisor log',
    load: async () => (await import('./syndrome')).hsrCommand,
  },
  esr: {
    summary: 'decode a ESR_EL2 value from a hypervisor log',
    load: async () => (await import('./syndrome')).esrCommand,
  },
  decode: {
    summary: 'decode instruction words (A32 or A64) as setway executes them',
    load: async () => (await import('./decode')).decodeCommand,
  },
  policies: {
    summary: 'list the set/way policies and what each does',
    load: async () => (await import('./policies')).policiesCommand,
  },
  presets: {
    summary: 'list machine presets: CPUs, cache geometry, CLIDR/CCSIDR/CTR',
    load: async () => (await import('./presets')).presetsCommand,
  },
};
export function topLevelHelp(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((n) => n.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'setway: guest cache maintenance by set/way under a virtual EL2',
    '',
    'usage: setway <command> [options]    (setway <command> --help for its options)',
    '',
    'commands:',
    ...lines,
    '',
  ].join('\n');
}
