/** The file behind `--html FILE`: opened before any run, so that a path that cannot be written fails at once. */
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { CliError, EXIT } from './exit-codes';

export function openHtmlFile(command: string, path: string): number {
  try {
    return openSync(path, 'w');
  } catch (error) {
    throw new CliError(`${command}: cannot write --html ${path}: ${(error as Error).message}`, EXIT.usage);
  }
}

export function writeHtmlFile(fd: number, page: string): void {
  writeFileSync(fd, page);
  closeSync(fd);
}
