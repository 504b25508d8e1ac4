import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FdtError, FdtNode, fdtValue as v, writeFdt } from '../../src/platform/fdt-writer';
import { oraclesAvailable } from '../oracles/tools';
import { DTC, cells, decompile, dtbToTree, nodeAt, strings, type DtsNode } from './dtc';

function header(dtb: Uint8Array): Record<string, number> {
  const view = new DataView(dtb.buffer, dtb.byteOffset, dtb.byteLength);
  const names = ['magic', 'totalsize', 'offStruct', 'offStrings', 'offRsvmap', 'version', 'lastComp', 'bootCpuid', 'sizeStrings', 'sizeStruct'];
  return Object.fromEntries(names.map((n, i) => [n, view.getUint32(i * 4)]));
}

function sample(): FdtNode {
  const root = new FdtNode('');
  root.prop('#address-cells', v.u32(2)).prop('#size-cells', v.u32(2)).prop('compatible', v.strings('acme,board', 'simple-bus'));
  root.child('memory@40000000').prop('device_type', v.string('memory')).prop('reg', v.u64(0x4000_0000, 0x1_2000_0000));
  const intc = root
    .child('intc@8000000')
    .prop('reg', v.u64(0x800_0000, 0x1_0000))
    .prop('interrupt-controller', v.empty())
    .prop('#interrupt-cells', v.u32(1))
    .prop('#address-cells', v.u32(2))
    .prop('#size-cells', v.u32(2))
    .prop('ranges', v.empty())
    .prop('phandle', v.u32(1));
  intc.child('frame@8020000').prop('reg', v.u64(0x802_0000, 0x1000)).prop('raw', v.bytes([1, 2, 3]));
  root.prop('interrupt-parent', v.phandle(1));
  return root;
}

describe('FDT writer: layout (DT spec chapter 5)', () => {
  it('writes a version-17 header whose blocks are aligned, contiguous and inside totalsize', () => {
    const dtb = writeFdt(sample(), { bootCpuidPhys: 3, reservations: [{ address: 0x4800_0000, size: 0x1000 }] });
    const h = header(dtb);
    expect(h.magic).toBe(0xd00dfeed);
    expect(h.version).toBe(17);
    expect(h.lastComp).toBe(16);
    expect(h.bootCpuid).toBe(3);
    expect(h.totalsize).toBe(dtb.length);
    expect(h.offRsvmap % 8).toBe(0);
    expect(h.offStruct % 4).toBe(0);
    expect(h.offStruct).toBe(h.offRsvmap + 2 * 16); // one entry and the terminator
    expect(h.offStrings).toBe(h.offStruct + h.sizeStruct);
    expect(h.offStrings + h.sizeStrings).toBe(h.totalsize);
    const view = new DataView(dtb.buffer);
    expect(view.getUint32(h.offStruct)).toBe(1); // FDT_BEGIN_NODE
    expect(view.getUint32(h.offStruct + 4)).toBe(0); // the root's empty name, padded
    expect(view.getUint32(h.offStruct + h.sizeStruct - 4)).toBe(9); // FDT_END
  });

  it('stores each property name once in the strings block', () => {
    const root = new FdtNode('');
    for (let i = 0; i < 5; i++) root.child(`n${i}`).prop('reg', v.u32(i)).prop('compatible', v.string('x'));
    const dtb = writeFdt(root);
    const h = header(dtb);
    const block = new TextDecoder().decode(dtb.subarray(h.offStrings, h.offStrings + h.sizeStrings));
    expect(block).toBe('reg\0compatible\0');
  });

  it('adds free space inside totalsize', () => {
    const plain = writeFdt(sample());
    const padded = writeFdt(sample(), { freeSpace: 4096 });
    expect(padded.length).toBe(plain.length + 4096);
    expect(header(padded).totalsize).toBe(padded.length);
  });

  it('encodes values big-endian, u64 high cell first', () => {
    expect([...v.u32(0x01020304)]).toEqual([1, 2, 3, 4]);
    expect([...v.u64(0x1_2000_0000)]).toEqual([0, 0, 0, 1, 0x20, 0, 0, 0]);
    expect([...v.u64(0xffff_ffff_ffff_ffffn)]).toEqual(new Array(8).fill(0xff));
    expect([...v.strings('a', 'bc')]).toEqual([0x61, 0, 0x62, 0x63, 0]);
  });

  it('rejects what cannot be encoded, saying what', () => {
    expect(() => v.u32(-1)).toThrow(FdtError);
    expect(() => v.u32(2 ** 32)).toThrow(/32-bit/);
    expect(() => v.u64(2 ** 53)).toThrow(/safe integer/);
    expect(() => v.string('a\0b')).toThrow(/NUL/);
    expect(() => v.phandle(0)).toThrow(/reserved/);
    expect(() => new FdtNode('bad name')).toThrow(/node name/);
    expect(() => new FdtNode('a@b@c')).toThrow(FdtError);
    const n = new FdtNode('');
    n.prop('reg', v.u32(1));
    expect(() => n.prop('reg', v.u32(2))).toThrow(/twice/);
    expect(() => n.prop('bad/name', v.empty())).toThrow(/property name/);
    n.child('x');
    expect(() => n.child('x')).toThrow(/two children/);
    expect(() => writeFdt(new FdtNode('x'))).toThrow(/root/);
  });
});

const haveDtc = oraclesAvailable('FDT writer against dtc', DTC);

describe.skipIf(!haveDtc)('FDT writer against dtc', () => {
  it('round-trips a tree through dtc -I dtb -O dts', () => {
    const dtb = writeFdt(sample(), { reservations: [{ address: 0x4800_0000, size: 0x1000 }] });
    const { dts, warnings } = decompile(dtb);
    expect(warnings).toBe('');
    expect(dts).toContain('/memreserve/\t0x0000000048000000 0x0000000000001000;');
    expect(dts).toContain('compatible = "acme,board\\0simple-bus";');
    expect(dts).toContain('reg = <0x00 0x40000000 0x01 0x20000000>;');
    expect(dts).toContain('raw = [01 02 03];');
    expect(dts).toContain('interrupt-controller;');
    const tree = dtbToTree(dtb);
    expect(tree.reservations).toEqual([{ address: 0x4800_0000n, size: 0x1000n }]);
    expect(cells(tree.root.props.get('#address-cells'))).toEqual([2]);
    expect(strings(tree.root.props.get('compatible'))).toEqual(['acme,board', 'simple-bus']);
    expect(cells(nodeAt(tree.root, '/memory@40000000')?.props.get('reg'))).toEqual([0, 0x4000_0000, 1, 0x2000_0000]);
    expect(nodeAt(tree.root, '/intc@8000000/frame@8020000')?.props.get('raw')).toEqual(Uint8Array.from([1, 2, 3]));
    expect(tree.root.children.map((c) => c.name)).toEqual(['memory@40000000', 'intc@8000000']);
  });

  // Random trees: names from the spec's character sets, values of every encoding. dtc prints
  // each value as cells, strings or bytes as it guesses; the parser turns all back into bytes.
  const ident = (first: string, rest: string, max: number) =>
    fc.tuple(fc.constantFrom(...first), fc.string({ unit: fc.constantFrom(...rest), maxLength: max })).map(([a, b]) => a + b);
  const lower = 'abcdefghijklmnopqrstuvwxyz';
  const nodeName = fc
    .tuple(ident(lower, `${lower}0123456789,._+-`, 12), fc.option(fc.integer({ min: 0, max: 0xffff_ffff }), { nil: undefined }))
    .map(([n, unit]) => (unit === undefined ? n : `${n}@${unit.toString(16)}`));
  // No property names dtc gives meaning to (phandle, name, #…-cells, reg, …): a leading "p".
  const propName = ident('p', `${lower}0123456789,._+?#-`, 12);
  const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 12 });
  const escapes = fc.string({ unit: fc.constantFrom('a', '"', '\\', '\t', '\n', '\x07', '\x7f', '\x01', '0'), maxLength: 6 });
  const value = fc.oneof(
    fc.constant(v.empty()),
    fc.array(fc.integer({ min: 0, max: 0xffff_ffff }), { minLength: 1, maxLength: 6 }).map((c) => v.u32(...c)),
    fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), { minLength: 1, maxLength: 3 }).map((c) => v.u64(...c)),
    printable.map((s) => v.string(s)),
    fc.array(fc.oneof(printable, escapes), { minLength: 1, maxLength: 4 }).map((l) => v.strings(...l)),
    fc.uint8Array({ maxLength: 11 }).map((b) => v.bytes(b)),
    fc.integer({ min: 1, max: 0xffff_fffe }).map((p) => v.phandle(p)),
  );
  interface Shape {
    readonly name: string;
    readonly props: readonly (readonly [string, Uint8Array])[];
    readonly children: readonly Shape[];
  }
  const props = fc.uniqueArray(fc.tuple(propName, value), { selector: ([n]) => n, maxLength: 5 });
  const { tree } = fc.letrec<{ tree: Shape; node: Shape }>((tie) => ({
    tree: fc.record({ name: fc.constant(''), props, children: fc.uniqueArray(tie('node'), { selector: (c) => c.name, maxLength: 4 }) }),
    node: fc.record({
      name: nodeName,
      props,
      children: fc.oneof({ depthSize: 'small', withCrossShrink: true }, fc.constant<Shape[]>([]), fc.uniqueArray(tie('node'), { selector: (c) => c.name, maxLength: 3 })),
    }),
  }));
  const build = (s: Shape, node = new FdtNode(s.name)): FdtNode => {
    for (const [n, val] of s.props) node.prop(n, val);
    for (const c of s.children) build(c, node.child(c.name));
    return node;
  };
  const same = (got: DtsNode, want: Shape): void => {
    expect(got.name).toBe(want.name);
    expect([...got.props.keys()]).toEqual(want.props.map(([n]) => n));
    for (const [n, val] of want.props) expect([...(got.props.get(n) ?? [])], n).toEqual([...val]);
    expect(got.children.map((c) => c.name)).toEqual(want.children.map((c) => c.name));
    got.children.forEach((c, i) => same(c, want.children[i]));
  };
  const reservations = fc.array(fc.record({ address: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), size: fc.bigInt({ min: 1n, max: (1n << 64n) - 1n }) }), { maxLength: 3 });

  it('random trees come back from dtc with the same names, order and property bytes', () => {
    fc.assert(
      fc.property(tree, reservations, (shape, rsv) => {
        const dtb = writeFdt(build(shape), { reservations: rsv });
        const back = dtbToTree(dtb);
        expect(back.reservations).toEqual(rsv);
        same(back.root, shape);
      }),
      { seed: 0xfd7, numRuns: 150 },
    );
  });
});
