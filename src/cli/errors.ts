/** Map any error to the one line and exit code the CLI reports. Typed errors are matched by name,
 * so the CLI needs no import of every layer's error class. */
import { CliError, EXIT } from './exit-codes';

const EXIT_BY_ERROR_NAME: Record<string, number> = {
  ElfError: EXIT.input,
  ImageError: EXIT.input,
  ImageOptionError: EXIT.usage,
  ZImageError: EXIT.input,
  KallsymsError: EXIT.input,
  PolicyError: EXIT.usage,
  SchedulerError: EXIT.usage,
  PresetError: EXIT.usage,
  CacheConfigError: EXIT.usage,
  MachineConfigError: EXIT.usage,
  ElfLoadError: EXIT.input,
  XzError: EXIT.input,
  LinuxKernelError: EXIT.input,
  HeisenbugError: EXIT.input,
  SystemMapError: EXIT.input,
  SyndromeError: EXIT.usage,
  GuestException: EXIT.guest,
  GuestError: EXIT.guest,
  ExceptionLoopError: EXIT.guest,
  BudgetExceeded: EXIT.guest,
  MemoryAbort: EXIT.guest,
  PhysicalAddressError: EXIT.guest,
};

/** What a user reads for an unreadable file, in words rather than node's errno names. */
const FILE_PROBLEMS: Record<string, string> = { ENOENT: 'no such file', EACCES: 'permission denied', EISDIR: 'is a directory', ENOTDIR: 'a part of the path is not a directory' };

/** The kind of failure an exit code reports, for `--json` errors ({"error": {kind, message, exitCode}}). */
export const ERROR_KIND_BY_EXIT: Record<number, string> = { [EXIT.usage]: 'usage', [EXIT.input]: 'input', [EXIT.guest]: 'guest', [EXIT.internal]: 'internal' };

/** The message says what and where; class names and errno codes are for SETWAY_DEBUG's stack. */
export function classifyError(error: unknown): { message: string; exitCode: number } {
  if (error instanceof CliError) return { message: error.message, exitCode: error.exitCode };
  if (error instanceof Error) {
    const code = EXIT_BY_ERROR_NAME[error.name];
    if (code !== undefined) return { message: error.message, exitCode: code };
    const sys = (error as NodeJS.ErrnoException).code;
    const problem = sys === undefined ? undefined : FILE_PROBLEMS[sys];
    if (problem !== undefined) return { message: `cannot read ${(error as NodeJS.ErrnoException).path ?? 'a file'}: ${problem}`, exitCode: EXIT.input };
    return { message: `internal error: ${error.message} (set SETWAY_DEBUG=1 for the stack)`, exitCode: EXIT.internal };
  }
  return { message: `internal error: ${String(error)}`, exitCode: EXIT.internal };
}

/** An error as `--json` reports it on stdout. */
export function errorJson(error: unknown): string {
  const { message, exitCode } = classifyError(error);
  return `${JSON.stringify({ error: { kind: ERROR_KIND_BY_EXIT[exitCode] ?? 'check', message, exitCode } })}\n`;
}
