/** `setway hsr <hex>` / `setway esr <hex>`: decode a syndrome value copied from a hypervisor log. */
import { parseCommandArgs } from '../args';
import { CliError, EXIT } from '../exit-codes';
import { decodeSyndrome } from '../../exec/syndrome/decode';
import { formatSyndrome } from '../../exec/syndrome/format';
import { geometryOfCaches, presetCaches } from '../../hyp/cache-geometry-view';
import type { Command } from './command';

function parseHex(command: string, flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const clean = text.replace(/_/g, '');
  if (!/^(0x)?[0-9a-f]{1,16}$/i.test(clean)) throw new CliError(`${command}: ${flag} '${text}' is not a hexadecimal value`, EXIT.usage);
  return Number.parseInt(clean.replace(/^0x/i, ''), 16);
}

function syndromeCommand(name: 'hsr' | 'esr'): Command {
  const register = name === 'hsr' ? 'HSR (AArch32 EL2)' : 'ESR_EL2';
  return {
    run(args) {
      const { values, positionals, help } = parseCommandArgs(name, args, {
        rt: { type: 'string' },
        far: { type: 'string' },
        hpfar: { type: 'string' },
        preset: { type: 'string' },
        json: { type: 'boolean' },
      });
      if (help || positionals.length === 0) {
        process.stdout.write(
          `usage: setway ${name} <hex>... [--rt HEX --preset NAME] [--far HEX] [--hpfar HEX] [--json]\n\n` +
            `Decodes ${register} values. With --rt (the value of the transfer register) and --preset, a set/way\n` +
            'operand is shown as level/set/way of that cache geometry; --far/--hpfar add the faulting addresses.\n' +
            `example: setway ${name} 0x0FE41CBC --rt 0x40000c02 --preset cubietruck\n`,
        );
        return help ? EXIT.ok : EXIT.usage;
      }
      // --rt only decodes a set/way operand, which needs a cache geometry.
      if (values.rt !== undefined && values.preset === undefined) throw new CliError(`${name}: --rt needs --preset (the cache geometry that decodes a set/way operand)`, EXIT.usage);
      const rt = parseHex(name, '--rt', values.rt as string | undefined);
      const far = parseHex(name, '--far', values.far as string | undefined);
      const hpfar = parseHex(name, '--hpfar', values.hpfar as string | undefined);
      let geometry: ReturnType<typeof geometryOfCaches> | undefined;
      if (values.preset !== undefined) {
        geometry = geometryOfCaches(presetCaches(values.preset as string), 0);
      }
      const out = positionals.map((text) => {
        const value = parseHex(name, 'value', text)!;
        if (value > 0xffffffff) throw new CliError(`${name}: ${text} has more than 32 bits (ISS2 in ESR_EL2[63:32] is not decoded)`, EXIT.usage);
        return { value, syndrome: decodeSyndrome(value), text: formatSyndrome(value, { rtValue: rt, geometry, far, hpfar, hsr: name === 'hsr' }) };
      });
      if (values.json) process.stdout.write(`${JSON.stringify(out.map((o) => ({ value: `0x${o.value.toString(16)}`, ...o.syndrome, text: o.text })), null, 2)}\n`);
      else for (const o of out) process.stdout.write(`0x${o.value.toString(16).padStart(8, '0')}  ${o.text}\n`);
      return EXIT.ok;
    },
  };
}

export const hsrCommand = syndromeCommand('hsr');
export const esrCommand = syndromeCommand('esr');
