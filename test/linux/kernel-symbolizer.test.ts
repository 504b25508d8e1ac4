import { describe, expect, it } from 'vitest';
import { KernelSymbolizer } from '../../src/linux/kernel-symbolizer';

describe('KernelSymbolizer', () => {
  const symbols = [
    { name: 'stext', address: 0xc000_8000, type: 'T' },
    { name: 'foo', address: 0xc000_8100, type: 't' },
    { name: 'some_table', address: 0xc000_8200, type: 'D' },
  ];
  const s = new KernelSymbolizer(symbols, 0xc000_8000, 0x4000_8000, 0x1000);

  it('names link addresses and the physical addresses the Image was loaded at alike', () => {
    expect(s.nameOf(0xc000_8000)).toBe('stext');
    expect(s.nameOf(0xc000_8104)).toBe('foo+0x4');
    expect(s.nameOf(0x4000_8104)).toBe('foo+0x4');
  });

  it('names code with functions only, and nothing outside the Image', () => {
    expect(s.nameOf(0xc000_8204)).toBe('foo+0x104');
    expect(s.nameOf(0xc000_9000)).toBeUndefined();
    expect(s.nameOf(0x4000_7ffc)).toBeUndefined();
    expect(s.nameOf(0)).toBeUndefined();
  });
});
