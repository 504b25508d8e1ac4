/** Exit codes of the `setway` command (documented in the README). */
export const EXIT = {
  ok: 0,
  /** A scenario ran and its check failed (e.g. `--expect-no-loss` and lines were lost). */
  checkFailed: 1,
  /** Bad command line: unknown command, flag, preset, policy or migration mode. */
  usage: 2,
  /** Bad input file: unreadable, malformed ELF/zImage, symbol not found. */
  input: 3,
  /** The guest misbehaved: ran past its budget, took an unexpected exception, faulted. */
  guest: 4,
  /** A bug in setway itself. */
  internal: 70,
} as const;

/** An error the CLI reports as one line and the given exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
