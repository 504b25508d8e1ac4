/**
 * System.map: `nm -n` output of vmlinux, one `<hex address> <type> <name>` a line. Distribution
 * kernels often ship a stub instead (Debian's single line points at the -dbg package); a stub is
 * reported as such so the caller can fall back to kallsyms.
 */
import { SystemMapError } from './errors';
import type { KallsymsSymbol } from './kallsyms';

export type SystemMap =
  | { readonly kind: 'symbols'; readonly symbols: readonly KallsymsSymbol[] }
  | { readonly kind: 'stub'; readonly reason: string };

const LINE = /^([0-9a-fA-F]{1,16})\s+(\S)\s+(\S+)$/;

export function parseSystemMap(text: string): SystemMap {
  const symbols: KallsymsSymbol[] = [];
  const lines = text.split(/\r?\n/);
  const stubLine = lines.find((l) => /real System\.map is in/i.test(l));
  if (stubLine !== undefined) return { kind: 'stub', reason: `stub System.map: "${stubLine.trim()}"` };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const m = LINE.exec(line);
    if (m === null) {
      // A map whose first line is prose is a placeholder, not a damaged map.
      if (symbols.length === 0) return { kind: 'stub', reason: `not a symbol map: line ${i + 1} is "${line.slice(0, 80)}"` };
      throw new SystemMapError(`expected "<hex address> <type> <name>", found "${line.slice(0, 80)}"`, i + 1);
    }
    const address = parseAddress(m[1], i + 1);
    symbols.push({ name: m[3], type: m[2], address });
  }
  if (symbols.length === 0) return { kind: 'stub', reason: 'System.map has no symbols' };
  return { kind: 'symbols', symbols };
}

/** 32-bit addresses; a 64-bit map's kernel addresses do not fit the A32 machine. */
function parseAddress(hex: string, line: number): number {
  const digits = hex.replace(/^0+(?=.)/, '');
  if (digits.length > 8) throw new SystemMapError(`address ${hex} does not fit in 32 bits`, line);
  return parseInt(digits, 16) >>> 0;
}
