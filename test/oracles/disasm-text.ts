/**
 * Normalising disassembly text so that two disassemblers that mean the same thing print the
 * same string: spacing, hexadecimal versus decimal immediates, register aliases.
 */

const A32_ALIASES: Readonly<Record<string, string>> = { r13: 'sp', r14: 'lr', r15: 'pc', sb: 'r9', sl: 'r10', fp: 'r11', ip: 'r12' };
const A64_ALIASES: Readonly<Record<string, string>> = { fp: 'x29', lr: 'x30' };

function normalise(text: string, aliases: Readonly<Record<string, string>>, comment: RegExp): { mnemonic: string; operands: string } {
  let t = text.replace(comment, '').toLowerCase().replace(/\s+/g, ' ').trim();
  // Immediates: #0x1f -> #31, #-0x10 -> #-16 (values above 2^53 are left as written).
  t = t.replace(/#(-?)0x([0-9a-f]+)\b/g, (all, sign: string, hex: string) => {
    const v = Number.parseInt(hex, 16);
    return Number.isSafeInteger(v) ? `#${sign}${v}` : all;
  });
  t = t.replace(/\s*,\s*/g, ', ').replace(/\[\s+/g, '[').replace(/\s+\]/g, ']').replace(/\{\s+/g, '{').replace(/\s+\}/g, '}');
  const sp = t.indexOf(' ');
  const mnemonic = sp < 0 ? t : t.slice(0, sp);
  let operands = sp < 0 ? '' : t.slice(sp + 1);
  operands = operands.replace(/\b[a-z]+\d*\b/g, (w) => aliases[w] ?? w);
  return { mnemonic, operands };
}

export function normaliseA32(text: string): { mnemonic: string; operands: string } {
  return normalise(text, A32_ALIASES, /\s*@.*$/);
}

export function normaliseA64(text: string): { mnemonic: string; operands: string } {
  return normalise(text, A64_ALIASES, /\s*\/\/.*$/);
}
