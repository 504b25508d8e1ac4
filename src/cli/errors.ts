/** Map any error to the one line and exit code the CLI reports. Typed errors are matched by name,
 * so the CLI needs no import of every layer's error class. */
import { CliError, EXIT } from './exit-codes';

const EXIT_BY_ERROR_NAME: Record<string, number> = {
  ElfError: EXIT.input,
  ImageError: EXIT.input,
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

export function classifyError(error: unknown): { message: string; exitCode: number } {
  if (error instanceof CliError) return { message: error.message, exitCode: error.exitCode };
  if (error instanceof Error) {
    const code = EXIT_BY_ERROR_NAME[error.name];
    if (code !== undefined) return { message: `${error.name}: ${error.message}`, exitCode: code };
    const sys = (error as NodeJS.ErrnoException).code;
    if (sys === 'ENOENT' || sys === 'EACCES' || sys === 'EISDIR') return { message: error.message, exitCode: EXIT.input };
    return { message: `internal error: ${error.message} (set SETWAY_DEBUG=1 for the stack)`, exitCode: EXIT.internal };
  }
  return { message: `internal error: ${String(error)}`, exitCode: EXIT.internal };
}
