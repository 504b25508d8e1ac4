/** `setway decode <hex...> [--isa a32|a64]`: instruction words to the records setway executes. */
import { parseCommandArgs } from '../args';
import { CliError, EXIT } from '../exit-codes';
import { decodeA32, disassembleA32 } from '../../decode/a32';
import { decodeA64, disassembleA64 } from '../../decode/a64';
import type { Command } from './command';

export const decodeCommand: Command = {
  run(args) {
    const { values, positionals, help } = parseCommandArgs('decode', args, { isa: { type: 'string' }, json: { type: 'boolean' } });
    if (help || positionals.length === 0) {
      process.stdout.write('usage: setway decode <hex word>... [--isa a32|a64] [--json]\n\nexample: setway decode ee070f5e --isa a32\n');
      return help ? EXIT.ok : EXIT.usage;
    }
    const isa = (values.isa as string | undefined) ?? 'a32';
    if (isa !== 'a32' && isa !== 'a64') {
      throw new CliError(`decode: --isa ${isa} is not supported (a32 or a64; T32 is not decoded yet)`, EXIT.usage);
    }
    const rows = positionals.map((text) => {
      const clean = text.replace(/^0x/i, '').replace(/_/g, '');
      if (!/^[0-9a-f]{1,8}$/i.test(clean)) throw new CliError(`decode: '${text}' is not a 32-bit hexadecimal word`, EXIT.usage);
      const word = Number.parseInt(clean, 16) >>> 0;
      if (isa === 'a32') {
        const insn = decodeA32(word);
        return { word, kind: insn.kind as string, mnemonic: insn.mnemonic, text: insn.kind === 'ok' ? disassembleA32(insn) : insn.kind.toUpperCase() };
      }
      const insn = decodeA64(word);
      return { word, kind: insn.kind as string, mnemonic: insn.mnemonic, text: insn.kind === 'ok' ? disassembleA64(insn) : insn.kind.toUpperCase() };
    });
    if (values.json) {
      process.stdout.write(`${JSON.stringify(rows.map((r) => ({ ...r, word: `0x${r.word.toString(16).padStart(8, '0')}` })), null, 2)}\n`);
    } else {
      for (const r of rows) process.stdout.write(`${r.word.toString(16).padStart(8, '0')}  ${r.text.replace(/\t/g, ' ')}\n`);
    }
    return EXIT.ok;
  },
};
