/**
 * `setway decode <hex...> [--isa a32|t32|a64]`: instruction words to the records setway executes.
 * T32 takes a 16-bit encoding as 4 hex digits and a 32-bit one as 8, first halfword first, as
 * llvm-objdump prints them (`f3bf8f4f` is `dsb sy`).
 */
import { parseCommandArgs } from '../args';
import { CliError, EXIT } from '../exit-codes';
import { decodeA32, disassembleA32 } from '../../decode/a32';
import { decodeA64, disassembleA64 } from '../../decode/a64';
import { decodeT32Word, disassembleT32 } from '../../decode/t32';
import type { Command } from './command';

export const decodeCommand: Command = {
  run(args) {
    const { values, positionals, help } = parseCommandArgs('decode', args, { isa: { type: 'string' }, json: { type: 'boolean' } });
    if (help || positionals.length === 0) {
      process.stdout.write('usage: setway decode <hex word>... [--isa a32|t32|a64] [--json]\n\nexample: setway decode ee070f5e --isa a32\n         setway decode f3bf8f4f 4770 --isa t32\n');
      return help ? EXIT.ok : EXIT.usage;
    }
    const isa = (values.isa as string | undefined) ?? 'a32';
    if (isa !== 'a32' && isa !== 't32' && isa !== 'a64') {
      throw new CliError(`decode: --isa ${isa} is not supported (a32, t32 or a64)`, EXIT.usage);
    }
    const rows = positionals.map((text) => {
      const clean = text.replace(/^0x/i, '').replace(/_/g, '');
      if (!/^[0-9a-f]{1,8}$/i.test(clean)) throw new CliError(`decode: '${text}' is not a 32-bit hexadecimal word`, EXIT.usage);
      const word = Number.parseInt(clean, 16) >>> 0;
      if (isa === 't32') {
        if (clean.length !== 4 && clean.length !== 8) throw new CliError(`decode: '${text}' is not a T32 encoding (4 hex digits for 16 bits, 8 for 32)`, EXIT.usage);
        const insn = decodeT32Word(word);
        if (clean.length === 8 && insn.length !== 4) throw new CliError(`decode: '${text}': first halfword 0x${clean.slice(0, 4)} is a 16-bit T32 encoding`, EXIT.usage);
        if (clean.length === 4 && insn.length !== 2) throw new CliError(`decode: '${text}' starts a 32-bit T32 encoding; give both halfwords`, EXIT.usage);
        return { word, kind: insn.kind as string, mnemonic: insn.mnemonic, text: insn.kind === 'ok' ? disassembleT32(insn) : insn.kind.toUpperCase(), digits: clean.length };
      }
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
      for (const r of rows) process.stdout.write(`${r.word.toString(16).padStart((r as { digits?: number }).digits ?? 8, '0')}  ${r.text.replace(/\t/g, ' ')}\n`);
    }
    return EXIT.ok;
  },
};
