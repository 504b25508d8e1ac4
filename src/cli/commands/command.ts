/** One `setway` subcommand. `run` returns the exit code; it throws typed errors for the rest. Its summary is in the command table (index.ts). */
export interface Command {
  run(args: string[]): Promise<number> | number;
}
