/** The command table: name -> module. `setway help` lists them in this order. */
import type { Command } from './command';
import { bootCommand } from './boot';
import { demoCommand } from './demo';
import { decodeCommand } from './decode';
import { policiesCommand } from './policies';
import { presetsCommand } from './presets';
import { sweepCommand } from './sweep';
import { runCommand, traceCommand } from './run';
import { esrCommand, hsrCommand } from './syndrome';

export const COMMANDS: Record<string, Command> = {
  demo: demoCommand,
  run: runCommand,
  trace: traceCommand,
  sweep: sweepCommand,
  boot: bootCommand,
  hsr: hsrCommand,
  esr: esrCommand,
  decode: decodeCommand,
  policies: policiesCommand,
  presets: presetsCommand,
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
