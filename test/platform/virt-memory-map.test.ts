import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  LINUX_KEY_POWER,
  VIRT_APB_PCLK_HZ,
  VIRT_CNTFRQ_HZ,
  VIRT_FLASH_BANKS,
  VIRT_FW_CFG,
  VIRT_GICV2_MAX_CPUS,
  VIRT_GIC_CPU,
  VIRT_GIC_DIST,
  VIRT_GIC_HYP,
  VIRT_GIC_V2M,
  VIRT_GIC_VCPU,
  VIRT_GPIO,
  VIRT_GPIO_POWER_KEY_LINE,
  VIRT_PPI,
  VIRT_RAM_BASE,
  VIRT_RTC,
  VIRT_SPI,
  VIRT_UART,
  VIRT_VIRTIO_MMIO_SLOTS,
  ppiIntId,
  spiIntId,
  virtioMmioSlot,
  type AddressRange,
} from '../../src/platform/virt-memory-map';
import { assemble } from '../oracles/llvm-mc';
import { runSystemTrace } from '../oracles/qemu-system';
import { LLVM_MC, QEMU_SYSTEM_AARCH64, QEMU_SYSTEM_ARM, oraclesAvailable, tool } from '../oracles/tools';
import { DTC, cells, dtbToTree, nodeAt, type DtsNode } from './dtc';
import { qemuVirtDtb } from './qemu-virt-dtb';

const MiB = 1024 * 1024;

describe('virt memory map', () => {
  it('numbers interrupts as the GIC does (SPI n = INTID n + 32, PPI n = INTID n + 16)', () => {
    expect(spiIntId(VIRT_SPI.uart)).toBe(33);
    expect(ppiIntId(VIRT_PPI.nonSecurePhysTimer)).toBe(30);
    expect(ppiIntId(VIRT_PPI.virtTimer)).toBe(27);
  });

  it('has 32 virtio-mmio slots of 0x200 bytes and refuses a 33rd', () => {
    expect(virtioMmioSlot(0)).toEqual({ base: 0xa00_0000, size: 0x200 });
    expect(virtioMmioSlot(31)).toEqual({ base: 0xa00_3e00, size: 0x200 });
    expect(() => virtioMmioSlot(VIRT_VIRTIO_MMIO_SLOTS)).toThrow(RangeError);
  });

  it('keeps the device regions apart from each other and from RAM', () => {
    const regions: AddressRange[] = [...VIRT_FLASH_BANKS, VIRT_GIC_DIST, VIRT_GIC_CPU, VIRT_GIC_V2M, VIRT_GIC_HYP, VIRT_GIC_VCPU, VIRT_UART, VIRT_RTC, VIRT_FW_CFG, VIRT_GPIO];
    for (let s = 0; s < VIRT_VIRTIO_MMIO_SLOTS; s++) regions.push(virtioMmioSlot(s));
    const sorted = [...regions].sort((a, b) => a.base - b.base);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i].base, `0x${sorted[i].base.toString(16)}`).toBeGreaterThanOrEqual(sorted[i - 1].base + sorted[i - 1].size);
    expect(sorted[sorted.length - 1].base + sorted[sorted.length - 1].size).toBeLessThanOrEqual(VIRT_RAM_BASE);
  });
});

const haveQemu = oraclesAvailable('virt memory map against QEMU', DTC, QEMU_SYSTEM_ARM, QEMU_SYSTEM_AARCH64);

/** A node's `reg` (two address and two size cells per entry) as ranges. */
function regOf(node: DtsNode | undefined): AddressRange[] {
  const c = cells(node?.props.get('reg'));
  const out: AddressRange[] = [];
  for (let i = 0; i < c.length; i += 4) out.push({ base: c[i] * 0x1_0000_0000 + c[i + 1], size: c[i + 2] * 0x1_0000_0000 + c[i + 3] });
  return out;
}

/** A node's GIC interrupt specifiers as [type, number] pairs. */
function irqsOf(node: DtsNode | undefined): [number, number][] {
  const c = cells(node?.props.get('interrupts'));
  const out: [number, number][] = [];
  for (let i = 0; i < c.length; i += 3) out.push([c[i], c[i + 1]]);
  return out;
}

describe.skipIf(!haveQemu)('virt memory map against QEMU', () => {
  it('matches the reg and interrupts of every device in QEMU\'s DTB, those setway leaves out included', () => {
    for (const isa of ['a32', 'a64'] as const) {
      const root = dtbToTree(qemuVirtDtb({ isa, cpus: 2, ramBytes: 256 * MiB })).root;
      expect(regOf(nodeAt(root, '/flash@0'))).toEqual(VIRT_FLASH_BANKS);
      expect(regOf(nodeAt(root, '/intc@8000000'))).toEqual([VIRT_GIC_DIST, VIRT_GIC_CPU]);
      expect(regOf(nodeAt(root, '/intc@8000000/v2m@8020000'))).toEqual([VIRT_GIC_V2M]);
      expect(regOf(nodeAt(root, '/pl011@9000000'))).toEqual([VIRT_UART]);
      expect(irqsOf(nodeAt(root, '/pl011@9000000'))).toEqual([[0, VIRT_SPI.uart]]);
      expect(regOf(nodeAt(root, '/pl031@9010000'))).toEqual([VIRT_RTC]);
      expect(irqsOf(nodeAt(root, '/pl031@9010000'))).toEqual([[0, VIRT_SPI.rtc]]);
      expect(regOf(nodeAt(root, '/fw-cfg@9020000'))).toEqual([VIRT_FW_CFG]);
      expect(regOf(nodeAt(root, '/pl061@9030000'))).toEqual([VIRT_GPIO]);
      expect(irqsOf(nodeAt(root, '/pl061@9030000'))).toEqual([[0, VIRT_SPI.gpio]]);
      for (let s = 0; s < VIRT_VIRTIO_MMIO_SLOTS; s++) {
        const slot = virtioMmioSlot(s);
        const node = nodeAt(root, `/virtio_mmio@${slot.base.toString(16)}`);
        expect(regOf(node)).toEqual([slot]);
        expect(irqsOf(node)).toEqual([[0, VIRT_SPI.virtioMmioFirst + s]]);
      }
      expect(regOf(nodeAt(root, `/memory@${VIRT_RAM_BASE.toString(16)}`))).toEqual([{ base: VIRT_RAM_BASE, size: 256 * MiB }]);
      const timer = [VIRT_PPI.securePhysTimer, VIRT_PPI.nonSecurePhysTimer, VIRT_PPI.virtTimer, VIRT_PPI.hypTimer];
      expect(irqsOf(nodeAt(root, '/timer'))).toEqual(timer.map((p) => [1, p]));
      expect(cells(nodeAt(root, '/apb-pclk')?.props.get('clock-frequency'))).toEqual([VIRT_APB_PCLK_HZ]);
      const key = nodeAt(root, '/gpio-keys/poweroff');
      expect(cells(key?.props.get('gpios'))[1]).toBe(VIRT_GPIO_POWER_KEY_LINE);
      expect(cells(key?.props.get('linux,code'))).toEqual([LINUX_KEY_POWER]);
      if (isa === 'a64') expect(irqsOf(nodeAt(root, '/pmu'))).toEqual([[1, VIRT_PPI.pmu]]);
    }
  });

  it('places the GIC virtualization frames and maintenance interrupt where QEMU does with virtualization=on', () => {
    const root = dtbToTree(qemuVirtDtb({ isa: 'a64', cpus: 1, ramBytes: 256 * MiB, virtualization: true })).root;
    expect(regOf(nodeAt(root, '/intc@8000000'))).toEqual([VIRT_GIC_DIST, VIRT_GIC_CPU, VIRT_GIC_HYP, VIRT_GIC_VCPU]);
    expect(irqsOf(nodeAt(root, '/intc@8000000'))).toEqual([[1, VIRT_PPI.gicMaintenance]]);
  });

  it(`refuses more than ${VIRT_GICV2_MAX_CPUS} CPUs, as QEMU does`, () => {
    const args = ['-M', 'virt', '-cpu', 'cortex-a15', '-smp', String(VIRT_GICV2_MAX_CPUS + 1), '-display', 'none'];
    const r = spawnSync(tool(QEMU_SYSTEM_ARM), args, { encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(new RegExp(`max CPUs supported by machine 'mach-virt' \\(${VIRT_GICV2_MAX_CPUS}\\)`));
  });
});

const haveGuest = oraclesAvailable('virt CNTFRQ and GICv2m on a QEMU guest', LLVM_MC, QEMU_SYSTEM_ARM, QEMU_SYSTEM_AARCH64);

// What the DTB does not say, read by a guest: CNTFRQ out of reset, and the v2m frame's MSI_TYPER
// (bits [25:16] first SPI as an INTID, [9:0] how many).
describe.skipIf(!haveGuest)('virt facts a guest reads on QEMU', () => {
  const msiTyper = VIRT_GIC_V2M.base + 0x8;
  const expectedTyper = (spiIntId(VIRT_SPI.v2mFirst) << 16) | VIRT_SPI.v2mCount;

  it('A32 (Cortex-A15): CNTFRQ is 62.5 MHz and the v2m frame hands out SPIs 48..111', async () => {
    const image = assemble(`mrc p15, 0, r0, c14, c0, 0\nldr r1, =${msiTyper}\nldr r2, [r1]\n1: b 1b\n.ltorg\n`, 'a32');
    const t = await runSystemTrace({ isa: 'a32', image, maxInstructions: 100 });
    const last = t.states[t.states.length - 1];
    expect(t.ended).toBe('self-loop');
    expect(last.regs[0]).toBe(VIRT_CNTFRQ_HZ);
    expect(last.regs[2]).toBe(expectedTyper);
  });

  it('A64 (Cortex-A53): CNTFRQ_EL0 is 62.5 MHz and MSI_TYPER the same', async () => {
    const image = assemble(`mrs x0, cntfrq_el0\nldr x1, =${msiTyper}\nldr w2, [x1]\nb .\n.ltorg\n`, 'a64');
    const t = await runSystemTrace({ isa: 'a64', image, maxInstructions: 100 });
    const last = t.states[t.states.length - 1];
    expect(t.ended).toBe('self-loop');
    expect([last.regs[0], last.regs[1]]).toEqual([VIRT_CNTFRQ_HZ, 0]);
    expect(last.regs[4]).toBe(expectedTyper);
  });
});
