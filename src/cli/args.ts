/** Flag parsing shared by the commands: node's own parseArgs, with errors turned into usage errors. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError, EXIT } from './exit-codes';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed<V> {
  values: V;
  positionals: string[];
  help: boolean;
}

export function parseCommandArgs<O extends Options>(command: string, args: string[], options: O) {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    return { values, positionals, help: (values as Record<string, unknown>).help === true };
  } catch (error) {
    throw new CliError(`${command}: ${(error as Error).message} (see 'setway ${command} --help')`, EXIT.usage);
  }
}

/** A positive integer flag, or a usage error naming it. */
export function intFlag(command: string, flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = text.startsWith('0x') ? Number.parseInt(text, 16) : Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new CliError(`${command}: --${flag} wants a non-negative integer, not '${text}'`, EXIT.usage);
  return n;
}

/** An address flag (hex with 0x, or decimal). */
export function addressFlag(command: string, flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = /^0x[0-9a-f_]+$/i.test(text) ? Number.parseInt(text.replace(/_/g, ''), 16) : /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw new CliError(`${command}: --${flag} wants an address such as 0x40000000, not '${text}'`, EXIT.usage);
  return n;
}
