import { describe, expect, it } from 'vitest';
import { VIRTIO_MMIO, VirtioMmioEmpty } from '../../src/devices/virtio-mmio-empty';

describe('empty virtio-mmio slot', () => {
  it('reads like QEMU 7.2 virt\'s unplugged transport: "virt", version 1, device 0, vendor "QEMU"', () => {
    const slot = new VirtioMmioEmpty();
    expect(slot.size).toBe(0x200);
    expect(slot.read(VIRTIO_MMIO.MAGIC_VALUE, 4)).toBe(0x74726976);
    expect(slot.read(VIRTIO_MMIO.VERSION, 4)).toBe(1);
    expect(slot.read(VIRTIO_MMIO.DEVICE_ID, 4)).toBe(0);
    expect(slot.read(VIRTIO_MMIO.VENDOR_ID, 4)).toBe(0x554d4551);
    expect(slot.read(0x000, 1)).toBe(0x76); // 'v'
    expect(slot.read(0x002, 2)).toBe(0x7472); // 'rt'
    for (let o = 0x10; o < 0x200; o += 4) expect(slot.read(o, 4)).toBe(0);
  });

  it('reports version 2 when asked (force-legacy=false), and ignores writes', () => {
    const slot = new VirtioMmioEmpty({ version: 2 });
    slot.write(0x070, 4, 0xf); // Status
    slot.write(0x030, 4, 1); // QueueSel
    expect(slot.read(VIRTIO_MMIO.VERSION, 4)).toBe(2);
    expect(slot.read(0x070, 4)).toBe(0);
  });
});
