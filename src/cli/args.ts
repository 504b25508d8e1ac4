/** Flag parsing shared by the commands: node's own parseArgs, with errors turned into usage errors. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError, EXIT } from './exit-codes';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface Parsed<V> {
  values: V;
  positionals: string[];
  help: boolean;
}

/**
 * `--seed -1` as `--seed=-1`: a string option's value that looks like a negative number is its
 * value, not an unknown flag, so the flag's own check can say what it wants in one line.
 */
function attachNegativeValues(args: string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const name = args[i].startsWith('--') ? args[i].slice(2) : undefined;
    const next = args[i + 1];
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      out.push(`${args[i]}=${next}`);
      i++;
    } else out.push(args[i]);
  }
  return out;
}

export function parseCommandArgs<O extends Options>(command: string, args: string[], options: O) {
  try {
    const { values, positionals } = parseArgs({
      args: attachNegativeValues(args, options),
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
    return { values, positionals, help: (values as Record<string, unknown>).help === true };
  } catch (error) {
    // node's messages may run over several lines; the CLI reports one.
    const message = (error as Error).message.replace(/\s*\n\s*/g, ' ');
    throw new CliError(`${command}: ${message} (see 'setway ${command} --help')`, EXIT.usage);
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

/** A size flag: bytes, or a number with k, m or g (KiB, MiB, GiB), e.g. 256m, 16g. */
export function sizeFlag(command: string, flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+)([kmg]?)$/i.exec(text);
  const shift = m === null ? 0 : { '': 0, k: 10, m: 20, g: 30 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g'];
  const n = m === null ? Number.NaN : Number(m[1]) * 2 ** shift;
  if (!Number.isSafeInteger(n) || n <= 0) throw new CliError(`${command}: --${flag} wants a size such as 4096, 256m or 16g, not '${text}'`, EXIT.usage);
  return n;
}
