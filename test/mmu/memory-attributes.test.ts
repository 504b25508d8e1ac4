/**
 * Attribute decoding and the stage 1 x stage 2 combination with HCR_EL2.FWB = 0 (Arm ARM D8
 * "Combining the stage 1 and stage 2 attributes"; pseudocode S2CombineS1MemAttrs). The expected
 * matrix was written by hand from the rules: Device beats Normal, the stronger Device type wins,
 * NC beats WT beats WB.
 */
import { describe, expect, it } from 'vitest';
import {
  attributeCode,
  attributesOf,
  combineStages,
  decodeMairAttribute,
  decodeStage2MemAttr,
  decodeStage2MemAttrFwb,
  describeAttributes,
} from '../../src/mmu/memory-attributes';

const TYPES = ['nGnRnE', 'nGnRE', 'nGRE', 'GRE', 'NC', 'WT', 'WB'] as const;
type T = (typeof TYPES)[number];
function code(t: T, share: 'non' | 'inner' | 'outer' = 'inner'): number {
  if (t === 'NC' || t === 'WT' || t === 'WB') {
    const c = t.toLowerCase() as 'nc' | 'wt' | 'wb';
    return attributeCode({ device: false, innerCacheable: c, outerCacheable: c, shareability: share });
  }
  return attributeCode({ device: true, deviceType: t });
}
function label(c: number): string {
  const a = attributesOf(c);
  if (a.device) return a.deviceType as string;
  return a.innerCacheable.toUpperCase();
}

// Rows: stage 1 type; columns: stage 2 type, in TYPES order.
const EXPECTED: Record<T, T[]> = {
  nGnRnE: ['nGnRnE', 'nGnRnE', 'nGnRnE', 'nGnRnE', 'nGnRnE', 'nGnRnE', 'nGnRnE'],
  nGnRE: ['nGnRnE', 'nGnRE', 'nGnRE', 'nGnRE', 'nGnRE', 'nGnRE', 'nGnRE'],
  nGRE: ['nGnRnE', 'nGnRE', 'nGRE', 'nGRE', 'nGRE', 'nGRE', 'nGRE'],
  GRE: ['nGnRnE', 'nGnRE', 'nGRE', 'GRE', 'GRE', 'GRE', 'GRE'],
  NC: ['nGnRnE', 'nGnRE', 'nGRE', 'GRE', 'NC', 'NC', 'NC'],
  WT: ['nGnRnE', 'nGnRE', 'nGRE', 'GRE', 'NC', 'WT', 'WT'],
  WB: ['nGnRnE', 'nGnRE', 'nGRE', 'GRE', 'NC', 'WT', 'WB'],
};

describe('combining stage 1 and stage 2 memory types (all 49 pairs)', () => {
  for (const s1 of TYPES) {
    it(`stage 1 ${s1}`, () => {
      expect(TYPES.map((s2) => label(combineStages(code(s1), code(s2))))).toEqual(EXPECTED[s1]);
    });
  }

  it('only Normal Write-Back at both stages is `cacheable`', () => {
    let n = 0;
    for (const s1 of TYPES) for (const s2 of TYPES) if (attributesOf(combineStages(code(s1), code(s2))).cacheable) n++;
    expect(n).toBe(1);
  });

  it('inner and outer cacheability combine separately', () => {
    const s1 = attributeCode({ device: false, innerCacheable: 'wb', outerCacheable: 'nc', shareability: 'inner' });
    const s2 = attributeCode({ device: false, innerCacheable: 'wt', outerCacheable: 'wb', shareability: 'inner' });
    expect(describeAttributes(combineStages(s1, s2))).toBe('Normal inner wt outer nc inner-shareable');
  });

  it('shareability: Outer beats Inner beats Non-shareable; Device and NC/NC are Outer Shareable', () => {
    expect(attributesOf(combineStages(code('WB', 'non'), code('WB', 'inner'))).shareability).toBe('inner');
    expect(attributesOf(combineStages(code('WB', 'outer'), code('WB', 'inner'))).shareability).toBe('outer');
    expect(attributesOf(combineStages(code('WB', 'non'), code('WB', 'non'))).shareability).toBe('non');
    expect(attributesOf(combineStages(code('NC', 'non'), code('WB', 'non'))).shareability).toBe('outer');
    expect(attributesOf(combineStages(code('GRE'), code('WB', 'non'))).shareability).toBe('outer');
  });
});

describe('decoding (D17 "MAIR_EL1" Attr<n>; D8 stage 2 MemAttr with FWB = 0)', () => {
  it('MAIR attributes', () => {
    expect(describeAttributes(decodeMairAttribute(0x00, 0))).toBe('Device-nGnRnE');
    expect(describeAttributes(decodeMairAttribute(0x04, 0))).toBe('Device-nGnRE');
    expect(describeAttributes(decodeMairAttribute(0x08, 0))).toBe('Device-nGRE');
    expect(describeAttributes(decodeMairAttribute(0x0c, 0))).toBe('Device-GRE');
    expect(describeAttributes(decodeMairAttribute(0x44, 0b11))).toBe('Normal inner nc outer nc outer-shareable');
    expect(describeAttributes(decodeMairAttribute(0xff, 0b11))).toBe('Normal inner wb outer wb inner-shareable');
    expect(describeAttributes(decodeMairAttribute(0xbb, 0b10))).toBe('Normal inner wt outer wt outer-shareable');
    expect(describeAttributes(decodeMairAttribute(0x4f, 0b00))).toBe('Normal inner wb outer nc non-shareable');
    expect(describeAttributes(decodeMairAttribute(0x77, 0b00))).toBe('Normal inner wb outer wb non-shareable'); // WB transient
  });

  it('stage 2 MemAttr', () => {
    expect(describeAttributes(decodeStage2MemAttr(0b0000, 0))).toBe('Device-nGnRnE');
    expect(describeAttributes(decodeStage2MemAttr(0b0001, 0))).toBe('Device-nGnRE');
    expect(describeAttributes(decodeStage2MemAttr(0b0010, 0))).toBe('Device-nGRE');
    expect(describeAttributes(decodeStage2MemAttr(0b0011, 0))).toBe('Device-GRE');
    expect(describeAttributes(decodeStage2MemAttr(0b0101, 0b11))).toBe('Normal inner nc outer nc outer-shareable');
    expect(describeAttributes(decodeStage2MemAttr(0b1010, 0b11))).toBe('Normal inner wt outer wt inner-shareable');
    expect(describeAttributes(decodeStage2MemAttr(0b1111, 0b11))).toBe('Normal inner wb outer wb inner-shareable');
    expect(describeAttributes(decodeStage2MemAttr(0b1101, 0b10))).toBe('Normal inner nc outer wb outer-shareable');
  });
});

/**
 * HCR_EL2.FWB = 1 (FEAT_S2FWB; pseudocode AArch64.S2ApplyFWBMemAttrs), the matrix by hand:
 * MemAttr 0b0110 forces Write-Back over any stage 1 (Device included); 0b0101 is NC unless stage
 * 1 is Device; 0b0111 is stage 1's own; 0b00dd is Device (the stronger type with a stage 1 Device).
 */
describe('stage 2 MemAttr with FWB', () => {
  const fwb = (memAttr: number) => decodeStage2MemAttrFwb(memAttr, 0b11);
  const S1: readonly T[] = ['nGnRnE', 'GRE', 'NC', 'WT', 'WB'];
  it.each([
    [0b0110, ['WB', 'WB', 'WB', 'WB', 'WB']],
    [0b0101, ['nGnRnE', 'GRE', 'NC', 'NC', 'NC']],
    [0b0111, ['nGnRnE', 'GRE', 'NC', 'WT', 'WB']],
    [0b0001, ['nGnRnE', 'nGnRE', 'nGnRE', 'nGnRE', 'nGnRE']],
  ] as const)('MemAttr 0b%s', (memAttr, expected) => {
    expect(S1.map((s1) => label(combineStages(code(s1), fwb(memAttr))))).toEqual(expected);
  });
  it('forced Write-Back is cacheable and takes the wider shareability', () => {
    const c = combineStages(code('nGnRnE'), fwb(0b0110));
    expect(attributesOf(c).cacheable).toBe(true);
    expect(attributesOf(c).shareability).toBe('outer'); // Device is Outer Shareable
    expect(attributesOf(combineStages(code('WB', 'non'), decodeStage2MemAttrFwb(0b0110, 0b10))).shareability).toBe('outer');
    expect(attributesOf(combineStages(code('WB', 'non'), decodeStage2MemAttrFwb(0b0110, 0b00))).shareability).toBe('non');
  });
  it('without FWB the same MemAttr 0b0110 is Normal Outer NC, Inner Write-Through (the FWB=0 encoding)', () => {
    const a = attributesOf(decodeStage2MemAttr(0b0110, 0b11));
    expect([a.outerCacheable, a.innerCacheable]).toEqual(['nc', 'wt']);
  });
});
