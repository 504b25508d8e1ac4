import { beforeAll, describe, expect, it } from 'vitest';
import { buildVirtDtb, VirtDtbError, type VirtDtbOptions } from '../../src/platform/virt-dtb';
import { VIRT_CNTFRQ_HZ } from '../../src/platform/virt-memory-map';
import { QEMU_SYSTEM_AARCH64, QEMU_SYSTEM_ARM, oraclesAvailable } from '../oracles/tools';
import { DTC, cells, decompile, dtbToTree, nodeAt, nodePaths, parseDts, strings, type DtsNode, type DtsTree } from './dtc';
import { qemuVirtDtb, type QemuVirtOptions } from './qemu-virt-dtb';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

describe('virt DTB options', () => {
  it('refuses machines the virt board cannot be, saying why', () => {
    const ok: VirtDtbOptions = { isa: 'a64', cpus: 2, ramBytes: 256 * MiB };
    expect(() => buildVirtDtb({ ...ok, cpus: 0 })).toThrow(VirtDtbError);
    expect(() => buildVirtDtb({ ...ok, cpus: 9 })).toThrow(/1\.\.8/);
    expect(() => buildVirtDtb({ ...ok, ramBytes: 0 })).toThrow(/RAM/);
    expect(() => buildVirtDtb({ ...ok, ramBytes: 256 * GiB })).toThrow(/255 GiB/);
    expect(() => buildVirtDtb({ ...ok, initrd: { start: 0x3000_0000, end: 0x3000_1000 } })).toThrow(/initrd/);
    expect(() => buildVirtDtb({ ...ok, initrd: { start: 0x4800_0000, end: 0x5800_0000 } })).toThrow(/not inside RAM/);
    expect(() => buildVirtDtb({ ...ok, isa: 'x86' as 'a32' })).toThrow(/isa/);
  });

  it('is the same bytes for the same options (a seed replays a boot)', () => {
    const o: VirtDtbOptions = { isa: 'a32', cpus: 3, ramBytes: 512 * MiB, bootargs: 'console=ttyAMA0', rngSeed: new Uint8Array(32).fill(7) };
    expect(buildVirtDtb(o)).toEqual(buildVirtDtb(o));
  });
});

const haveDtc = oraclesAvailable('virt DTB through dtc', DTC);

/** The phandle → node map, and every reference a node makes (interrupt-parent, clocks, gpios, cpu). */
function checkReferences(root: DtsNode): void {
  const byPhandle = new Map<number, string>();
  const refs: [string, string, number][] = [];
  const walk = (n: DtsNode, path: string): void => {
    const p = n.props.get('phandle');
    if (p) byPhandle.set(cells(p)[0], path);
    for (const name of ['interrupt-parent', 'cpu']) if (n.props.has(name)) refs.push([path, name, cells(n.props.get(name))[0]]);
    if (n.props.has('clocks')) for (const c of cells(n.props.get('clocks'))) refs.push([path, 'clocks', c]);
    if (n.props.has('gpios')) refs.push([path, 'gpios', cells(n.props.get('gpios'))[0]]);
    for (const c of n.children) walk(c, `${path === '/' ? '' : path}/${c.name}`);
  };
  walk(root, '/');
  for (const [path, name, ref] of refs) expect(byPhandle.has(ref), `${path} ${name} -> 0x${ref.toString(16)}`).toBe(true);
}

describe.skipIf(!haveDtc)('virt DTB through dtc', () => {
  // Built in beforeAll: a skipped describe's body still runs, and must not call dtc.
  let a32: DtsTree;
  let a64: DtsTree;
  beforeAll(() => {
    a32 = dtbToTree(buildVirtDtb({ isa: 'a32', cpus: 2, ramBytes: 256 * MiB }));
    a64 = dtbToTree(
      buildVirtDtb({
        isa: 'a64',
        cpus: 4,
        ramBytes: 8 * GiB,
        bootargs: 'console=ttyAMA0 root=/dev/vda',
        initrd: { start: 0x1_4000_0000, end: 0x1_4010_0000 },
        psciMethod: 'smc',
        rngSeed: Uint8Array.from([1, 2, 3, 4]),
      }),
    );
  });

  it('passes all of dtc\'s checks without a warning', () => {
    for (const isa of ['a32', 'a64'] as const) {
      for (const cpus of [1, 8]) {
        const dtb = buildVirtDtb({ isa, cpus, ramBytes: GiB, bootargs: 'x', initrd: { start: 0x4800_0000, end: 0x4800_0100 } });
        expect(decompile(dtb).warnings).toBe('');
      }
    }
  });

  it('has the root of a linux,dummy-virt board with 64-bit addresses and the GIC as interrupt parent', () => {
    const root = a32.root;
    expect(strings(root.props.get('compatible'))).toEqual(['linux,dummy-virt']);
    expect(strings(root.props.get('model'))).toEqual(['linux,dummy-virt']);
    expect(cells(root.props.get('#address-cells'))).toEqual([2]);
    expect(cells(root.props.get('#size-cells'))).toEqual([2]);
    const gic = nodeAt(root, '/intc@8000000');
    expect(cells(root.props.get('interrupt-parent'))).toEqual(cells(gic?.props.get('phandle')));
    expect(a32.reservations).toEqual([]);
    checkReferences(a32.root);
    checkReferences(a64.root);
  });

  it('lists the CPUs, started by PSCI, and the PSCI node with the 0.1 function IDs for the ISA', () => {
    const cpu1 = nodeAt(a32.root, '/cpus/cpu@1');
    expect(strings(cpu1?.props.get('compatible'))).toEqual(['arm,cortex-a15']);
    expect(strings(cpu1?.props.get('enable-method'))).toEqual(['psci']);
    expect(strings(cpu1?.props.get('device_type'))).toEqual(['cpu']);
    expect(cells(cpu1?.props.get('reg'))).toEqual([1]);
    expect(nodeAt(a32.root, '/cpus/cpu@2')).toBeUndefined();
    expect(cells(nodeAt(a32.root, '/cpus/cpu-map/socket0/cluster0/core1')?.props.get('cpu'))).toEqual(cells(cpu1?.props.get('phandle')));
    const cpus64 = nodeAt(a64.root, '/cpus')?.children.filter((c) => c.name.startsWith('cpu@')) ?? [];
    expect(cpus64.map((c) => strings(c.props.get('compatible'))[0])).toEqual(new Array(4).fill('arm,cortex-a53'));
    // A lone CPU has nothing to start: no enable-method, as QEMU writes it.
    const uni = dtbToTree(buildVirtDtb({ isa: 'a64', cpus: 1, ramBytes: 256 * MiB })).root;
    expect(nodeAt(uni, '/cpus/cpu@0')?.props.has('enable-method')).toBe(false);

    const p32 = nodeAt(a32.root, '/psci');
    expect(strings(p32?.props.get('compatible'))).toEqual(['arm,psci-1.0', 'arm,psci-0.2', 'arm,psci']);
    expect(strings(p32?.props.get('method'))).toEqual(['hvc']);
    expect(['cpu_suspend', 'cpu_off', 'cpu_on', 'migrate'].map((n) => cells(p32?.props.get(n))[0])).toEqual([0x8400_0001, 0x8400_0002, 0x8400_0003, 0x8400_0005]);
    const p64 = nodeAt(a64.root, '/psci');
    expect(strings(p64?.props.get('method'))).toEqual(['smc']);
    expect(['cpu_suspend', 'cpu_off', 'cpu_on', 'migrate'].map((n) => cells(p64?.props.get(n))[0])).toEqual([0xc400_0001, 0x8400_0002, 0xc400_0003, 0xc400_0005]);
  });

  it('wires the timer PPIs 13, 14, 11, 10 level-high to every CPU', () => {
    const t32 = nodeAt(a32.root, '/timer');
    expect(strings(t32?.props.get('compatible'))).toEqual(['arm,armv7-timer']);
    expect(cells(t32?.props.get('interrupts'))).toEqual([1, 13, 0x304, 1, 14, 0x304, 1, 11, 0x304, 1, 10, 0x304]);
    expect(t32?.props.get('always-on')).toEqual(new Uint8Array(0));
    const t64 = nodeAt(a64.root, '/timer');
    expect(strings(t64?.props.get('compatible'))).toEqual(['arm,armv8-timer', 'arm,armv7-timer']);
    expect(cells(t64?.props.get('interrupts'))).toEqual([1, 13, 0xf04, 1, 14, 0xf04, 1, 11, 0xf04, 1, 10, 0xf04]);
    // No clock-frequency: the kernel reads CNTFRQ (62.5 MHz), which firmware must not leave at 0.
    expect(t64?.props.has('clock-frequency')).toBe(false);
    expect(VIRT_CNTFRQ_HZ).toBe(62_500_000);
  });

  it('places the GICv2 with its v2m frame, the PL011, PL031, PL061 and the 24 MHz APB clock', () => {
    const gic = nodeAt(a32.root, '/intc@8000000');
    expect(strings(gic?.props.get('compatible'))).toEqual(['arm,cortex-a15-gic']);
    expect(cells(gic?.props.get('#interrupt-cells'))).toEqual([3]);
    expect(gic?.props.has('interrupt-controller')).toBe(true);
    expect(cells(gic?.props.get('reg'))).toEqual([0, 0x800_0000, 0, 0x1_0000, 0, 0x801_0000, 0, 0x1_0000]);
    const v2m = nodeAt(a32.root, '/intc@8000000/v2m@8020000');
    expect(strings(v2m?.props.get('compatible'))).toEqual(['arm,gic-v2m-frame']);
    expect(v2m?.props.has('msi-controller')).toBe(true);
    expect(cells(v2m?.props.get('reg'))).toEqual([0, 0x802_0000, 0, 0x1000]);

    const uart = nodeAt(a32.root, '/pl011@9000000');
    expect(strings(uart?.props.get('compatible'))).toEqual(['arm,pl011', 'arm,primecell']);
    expect(cells(uart?.props.get('reg'))).toEqual([0, 0x900_0000, 0, 0x1000]);
    expect(cells(uart?.props.get('interrupts'))).toEqual([0, 1, 4]);
    expect(strings(uart?.props.get('clock-names'))).toEqual(['uartclk', 'apb_pclk']);
    const clk = nodeAt(a32.root, '/apb-pclk');
    expect(strings(clk?.props.get('compatible'))).toEqual(['fixed-clock']);
    expect(cells(clk?.props.get('clock-frequency'))).toEqual([24_000_000]);
    expect(cells(uart?.props.get('clocks'))).toEqual([...cells(clk?.props.get('phandle')), ...cells(clk?.props.get('phandle'))]);

    expect(cells(nodeAt(a32.root, '/pl031@9010000')?.props.get('interrupts'))).toEqual([0, 2, 4]);
    const gpio = nodeAt(a32.root, '/pl061@9030000');
    expect(cells(gpio?.props.get('interrupts'))).toEqual([0, 7, 4]);
    expect(cells(nodeAt(a32.root, '/gpio-keys/poweroff')?.props.get('gpios'))).toEqual([...cells(gpio?.props.get('phandle')), 3, 0]);
  });

  it('lists the 32 virtio-mmio slots lowest address first, on edge-triggered SPIs 16..47', () => {
    const slots = a32.root.children.filter((c) => c.name.startsWith('virtio_mmio@'));
    expect(slots.length).toBe(32);
    slots.forEach((s, i) => {
      expect(s.name).toBe(`virtio_mmio@${(0xa00_0000 + i * 0x200).toString(16)}`);
      expect(cells(s.props.get('reg'))).toEqual([0, 0xa00_0000 + i * 0x200, 0, 0x200]);
      expect(cells(s.props.get('interrupts'))).toEqual([0, 16 + i, 1]);
      expect(strings(s.props.get('compatible'))).toEqual(['virtio,mmio']);
      expect(s.props.has('dma-coherent')).toBe(true);
    });
  });

  it('describes RAM and /chosen: console, command line, initrd (two cells above 4 GiB), rng-seed', () => {
    expect(cells(nodeAt(a32.root, '/memory@40000000')?.props.get('reg'))).toEqual([0, 0x4000_0000, 0, 0x1000_0000]);
    expect(cells(nodeAt(a64.root, '/memory@40000000')?.props.get('reg'))).toEqual([0, 0x4000_0000, 2, 0]);
    const c32 = nodeAt(a32.root, '/chosen');
    expect([...(c32?.props.keys() ?? [])]).toEqual(['stdout-path']);
    expect(strings(c32?.props.get('stdout-path'))).toEqual(['/pl011@9000000']);
    expect(strings(nodeAt(a32.root, '/aliases')?.props.get('serial0'))).toEqual(['/pl011@9000000']);
    const c64 = nodeAt(a64.root, '/chosen');
    expect(strings(c64?.props.get('bootargs'))).toEqual(['console=ttyAMA0 root=/dev/vda']);
    expect(cells(c64?.props.get('linux,initrd-start'))).toEqual([1, 0x4000_0000]);
    expect(cells(c64?.props.get('linux,initrd-end'))).toEqual([1, 0x4010_0000]);
    expect(c64?.props.get('rng-seed')).toEqual(Uint8Array.from([1, 2, 3, 4]));
    const low = dtbToTree(buildVirtDtb({ isa: 'a32', cpus: 1, ramBytes: GiB, initrd: { start: 0x4800_0000, end: 0x4800_0007 } }));
    expect(cells(nodeAt(low.root, '/chosen')?.props.get('linux,initrd-start'))).toEqual([0x4800_0000]);
  });
});

// ---- Against QEMU's own DTB ----

const haveQemu = oraclesAvailable('virt DTB against QEMU', DTC, QEMU_SYSTEM_ARM, QEMU_SYSTEM_AARCH64);

/** Nodes QEMU writes that setway leaves out, because it does not model the device behind them. */
const QEMU_ONLY_NODES: Readonly<Record<string, string>> = {
  '/flash@0': 'no CFI flash: images are loaded into RAM',
  '/fw-cfg@9020000': 'no fw_cfg interface',
  '/pcie@10000000': 'no PCIe host bridge',
  '/platform-bus@c000000': 'no dynamic sysbus devices',
  '/pmu': 'no PMU (A64: arm,armv8-pmuv3 on PPI 7; A32: an empty node)',
};
/** Nodes setway adds. */
const SETWAY_ONLY_NODES: Readonly<Record<string, string>> = {
  '/aliases': 'serial0 = the PL011, as newer QEMU releases write it',
};
/** Properties QEMU writes that setway does not. */
const QEMU_ONLY_PROPS: Readonly<Record<string, readonly string[]>> = {
  '/chosen': ['kaslr-seed', 'rng-seed'], // random per QEMU run; setway writes rng-seed only when given one
};

/** A property value as text for readable diffs: strings when it is NUL-terminated text, else cells, else bytes. */
function show(value: Uint8Array): string {
  const text = new TextDecoder().decode(value);
  if (value.length > 0 && text.endsWith('\0') && /^[\x20-\x7e\0]*$/.test(text) && !text.includes('\0\0')) return JSON.stringify(text.slice(0, -1).split('\0'));
  if (value.length % 4 === 0) return `<${cells(value).map((c) => `0x${c.toString(16)}`).join(' ')}>`;
  return `[${[...value].map((b) => b.toString(16).padStart(2, '0')).join(' ')}]`;
}

function props(node: DtsNode | undefined, path: string): Record<string, string> {
  const skip = QEMU_ONLY_PROPS[path] ?? [];
  return Object.fromEntries([...(node?.props ?? [])].filter(([n]) => !skip.includes(n)).map(([n, v]) => [n, show(v)]));
}

interface Case {
  readonly name: string;
  readonly options: Omit<VirtDtbOptions, 'initrd'>;
  readonly initrdBytes?: number;
}

const CASES: Case[] = [
  { name: 'A32, 2 CPUs, 256 MiB', options: { isa: 'a32', cpus: 2, ramBytes: 256 * MiB } },
  { name: 'A64, 2 CPUs, 256 MiB', options: { isa: 'a64', cpus: 2, ramBytes: 256 * MiB } },
  { name: 'A32, 1 CPU, 1 GiB, command line and initrd', options: { isa: 'a32', cpus: 1, ramBytes: GiB, bootargs: 'console=ttyAMA0 root=/dev/vda2 rw' }, initrdBytes: 12345 },
  { name: 'A64, 8 CPUs, 3 GiB, command line and initrd', options: { isa: 'a64', cpus: 8, ramBytes: 3 * GiB, bootargs: 'earlycon quiet' }, initrdBytes: 4096 },
];

/** The initrd range QEMU chose, read back from its /chosen. */
function qemuInitrd(root: DtsNode): { start: number; end: number } | undefined {
  const chosen = nodeAt(root, '/chosen');
  const start = chosen?.props.get('linux,initrd-start');
  const end = chosen?.props.get('linux,initrd-end');
  if (!start || !end) return undefined;
  const value = (b: Uint8Array): number => cells(b).reduce((acc, c) => acc * 0x1_0000_0000 + c, 0);
  return { start: value(start), end: value(end) };
}

describe.skipIf(!haveQemu)('virt DTB against QEMU', () => {
  for (const c of CASES) {
    it(`${c.name}: every node setway writes is QEMU's, value for value, in QEMU's order`, () => {
      const q: QemuVirtOptions = { ...c.options, initrd: c.initrdBytes ? new Uint8Array(c.initrdBytes).fill(0x5a) : undefined };
      const theirs = dtbToTree(qemuVirtDtb(q)).root;
      const initrd = qemuInitrd(theirs);
      expect(initrd !== undefined).toBe(c.initrdBytes !== undefined);
      const ours = dtbToTree(buildVirtDtb({ ...c.options, initrd })).root;

      // The same nodes in the same order, but for the ones listed above.
      const theirPaths = nodePaths(theirs);
      const ourPaths = nodePaths(ours);
      const skipped = (p: string): boolean => Object.keys(QEMU_ONLY_NODES).some((s) => p === s || p.startsWith(`${s}/`));
      for (const p of Object.keys(QEMU_ONLY_NODES)) expect(theirPaths, `QEMU no longer writes ${p}: update the list`).toContain(p);
      expect(ourPaths.filter((p) => !(p in SETWAY_ONLY_NODES))).toEqual(theirPaths.filter((p) => !skipped(p)));

      // Every property of every node, value for value (reg, interrupts, compatible, the cpu, psci,
      // timer and GIC properties, phandles and the references to them).
      for (const path of ourPaths.filter((p) => !(p in SETWAY_ONLY_NODES))) {
        expect(props(nodeAt(ours, path), path), path).toEqual(props(nodeAt(theirs, path), path));
      }
    });
  }

  it('PSCI by SMC is what QEMU writes for a guest with EL2 (virtualization=on)', () => {
    const theirs = dtbToTree(qemuVirtDtb({ isa: 'a64', cpus: 2, ramBytes: 256 * MiB, virtualization: true })).root;
    const ours = dtbToTree(buildVirtDtb({ isa: 'a64', cpus: 2, ramBytes: 256 * MiB, psciMethod: 'smc' })).root;
    expect(props(nodeAt(ours, '/psci'), '/psci')).toEqual(props(nodeAt(theirs, '/psci'), '/psci'));
    expect(strings(nodeAt(ours, '/psci')?.props.get('method'))).toEqual(['smc']);
  });

  it('decompiles to the same DTS text as QEMU for the nodes both write (a32, 2 CPUs)', () => {
    // A textual spot check on top of the value comparison: dtc prints both the same way.
    const text = (dts: string, node: string): string => {
      const start = dts.indexOf(`\t${node} {`);
      return dts.slice(start, dts.indexOf('\n\t};', start));
    };
    const theirs = decompile(qemuVirtDtb({ isa: 'a32', cpus: 2, ramBytes: 256 * MiB })).dts;
    const ours = decompile(buildVirtDtb({ isa: 'a32', cpus: 2, ramBytes: 256 * MiB })).dts;
    for (const node of ['psci', 'timer', 'intc@8000000', 'pl011@9000000', 'cpus', 'virtio_mmio@a003e00']) expect(text(ours, node), node).toBe(text(theirs, node));
    expect(parseDts(ours).root.children.length).toBe(parseDts(theirs).root.children.length - 5 + 1);
  });
});
