#!/usr/bin/env node
/**
 * The `setway` command line. Each command is a module under src/cli/commands; this file only
 * dispatches and turns errors into one line and an exit code (never a stack trace, unless
 * SETWAY_DEBUG is set).
 */
import { COMMANDS, topLevelHelp } from './commands';
import { classifyError, errorJson } from './errors';
import { EXIT } from './exit-codes';

// Stack traces in the TypeScript sources' lines: the compiled package ships source maps, and
// enabling them here, before any command module loads, maps every frame of the emulator's code.
if (process.env.SETWAY_DEBUG) process.setSourceMapsEnabled(true);

// A closed pipe (`setway trace ... | head`) is a normal way to stop reading, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(topLevelHelp());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version') {
    process.stdout.write('setway 0.1.0\n');
    return EXIT.ok;
  }
  const entry = COMMANDS[name];
  if (entry === undefined) {
    process.stderr.write(`setway: unknown command '${name}' (commands: ${Object.keys(COMMANDS).join(', ')}; see 'setway --help')\n`);
    return EXIT.usage;
  }
  const command = await entry.load();
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const { message, exitCode } = classifyError(error);
    // Under --json a program reads the error from stdout as JSON too.
    if (process.argv.includes('--json')) process.stdout.write(errorJson(error));
    process.stderr.write(`setway: ${message}\n`);
    if (process.env.SETWAY_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    process.exitCode = exitCode;
  },
);
