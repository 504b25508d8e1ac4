import { describe, expect, it } from 'vitest';
import { SystemMapError } from '../../src/linux/errors';
import { parseSystemMap } from '../../src/linux/system-map';

describe('parseSystemMap', () => {
  it('parses nm -n lines', () => {
    const map = parseSystemMap('c0008000 T _text\nc0008000 T stext\nc031f234 T v7_flush_dcache_all\n\nc1400000 B __bss_stop\n');
    expect(map).toEqual({
      kind: 'symbols',
      symbols: [
        { name: '_text', type: 'T', address: 0xc0008000 },
        { name: 'stext', type: 'T', address: 0xc0008000 },
        { name: 'v7_flush_dcache_all', type: 'T', address: 0xc031f234 },
        { name: '__bss_stop', type: 'B', address: 0xc1400000 },
      ],
    });
  });

  it("detects Debian's stub", () => {
    const map = parseSystemMap('ffffffffffffffff B The real System.map is in the linux-image-<version>-dbg package\n');
    expect(map.kind).toBe('stub');
    if (map.kind === 'stub') expect(map.reason).toMatch(/-dbg package/);
  });

  it('treats prose and empty files as stubs', () => {
    expect(parseSystemMap('see elsewhere for symbols\n').kind).toBe('stub');
    expect(parseSystemMap('\n\n').kind).toBe('stub');
  });

  it('reports a malformed line in a real map with its number', () => {
    expect(() => parseSystemMap('c0008000 T _text\nc0008004 T\n')).toThrow(SystemMapError);
    expect(() => parseSystemMap('c0008000 T _text\nc0008004 T\n')).toThrow(/line 2/);
  });

  it('accepts 64-bit-wide columns with a 32-bit value and refuses wider addresses', () => {
    expect(parseSystemMap('00000000c0008000 T _text\n')).toEqual({ kind: 'symbols', symbols: [{ name: '_text', type: 'T', address: 0xc0008000 }] });
    expect(() => parseSystemMap('ffff800008000000 T _text\n')).toThrow(/does not fit in 32 bits/);
  });
});
