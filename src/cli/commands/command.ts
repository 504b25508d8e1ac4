/** One `setway` subcommand. `run` returns the exit code; it throws typed errors for the rest. */
export interface Command {
  readonly summary: string;
  run(args: string[]): Promise<number> | number;
}
