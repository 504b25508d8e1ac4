/**
 * The virt flash on bare metal (no stage 2) with a cacheable stage-1 mapping of it, as U-Boot for
 * qemu_arm64 maps it: CFI commands must reach the device, not the caches, and reads follow the
 * device's mode (the array while in read-array mode, the query table after 0x98), as they do in a
 * VM, where writes fault on the read-only stage-2 mapping and command modes unmap the bank.
 * Before this was so, bare metal's flash never left read-array mode and the lockstep verdict
 * parted the VM from bare metal in U-Boot's flash probe.
 */
import { describe, expect, it } from 'vitest';
import { SysReg } from '../../src/exec/sysregs/ids';
import { assembleVirt } from '../../src/platform/virt-machine';
import { BARE_METAL_POLICY } from '../../src/scenarios/lockstep/compare-with-bare-metal';
import { installShortDescriptorTables } from '../../src/scenarios/stage1-identity';

/** A32 firmware: a branch to itself (B .), then recognisable contents. */
const FIRMWARE = new Uint8Array(4096).map((_, i) => (i * 7 + 3) & 0xff);
FIRMWARE.set([0xfe, 0xff, 0xff, 0xea]);
const word = (off: number) => (FIRMWARE[off] | (FIRMWARE[off + 1] << 8) | (FIRMWARE[off + 2] << 16) | (FIRMWARE[off + 3] << 24)) >>> 0;

describe('virt flash on bare metal through a cacheable mapping', () => {
  it('a CFI query reaches the device, its reads come from the device, read-array returns to the contents', () => {
    const { machine, vm } = assembleVirt({ firmware: FIRMWARE, policy: BARE_METAL_POLICY });
    const vcpu = vm.vcpus[0];
    // RAM and the first MiB (flash bank 0) as Normal Write-Back sections, MMU and data cache on.
    installShortDescriptorTables(machine, vm, vcpu, vm.ramIpa + 0x100000, [{ va: 0, ipa: 0, bytes: 0x100000 }]);
    vcpu.sysregs.set(SysReg.SCTLR, (vcpu.sysregs.get(SysReg.SCTLR) | 0x5) >>> 0);
    const port = vcpu.port;
    expect(port.translator.translate(0x40, 'read', 1).cacheable).toBe(true);

    expect(port.read32(0x40)).toBe(word(0x40));
    expect(port.read32(0x40)).toBe(word(0x40)); // a second read (not remembered as memory by the fast table)
    port.write32(0, 0x98); // CFI query: "QRY" at query addresses 0x10-0x12, each device's byte side by side
    expect(port.read32(0x10 * 4)).toBe(0x00510051);
    expect(port.read32(0x11 * 4)).toBe(0x00520052);
    expect(port.read8(0x12 * 4)).toBe(0x59);
    port.write32(0, 0xff); // read array
    expect(port.read32(0x40)).toBe(word(0x40));
    // Nothing of the commands went into the caches or the bank's contents.
    expect(port.read32(0)).toBe(word(0));
  });
});
