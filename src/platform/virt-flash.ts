/**
 * The virt board's two CFI flash banks (0x0 and 0x0400_0000, 64 MiB each), as a hypervisor
 * presents them: while a bank is in read-array mode it is mapped read-only in stage 2 (KVM's
 * read-only memslot, QEMU's "romd" mode), so fetches and reads run at memory speed and only
 * writes trap; a command that puts it in another mode unmaps it, so every access traps to the
 * device model until the guest returns it to read-array mode. The bank's bytes are mirrored into
 * host memory at the same addresses, which is what the stage-2 mapping points at.
 */
import { CfiPflash } from '../devices/cfi-pflash';
import type { MmioBus } from '../devices/mmio-device';
import type { Machine } from '../hyp/machine';
import type { Vm } from '../hyp/vm';
import { S2AP, S2_NORMAL_RW, type Stage2Attributes } from '../mmu/stage2-descriptor';
import { VIRT_FLASH_BANKS } from './virt-memory-map';

/** Normal Write-Back like RAM, but read-only: the guest's writes fault to the device model. */
const S2_FLASH: Stage2Attributes = Object.freeze({ ...S2_NORMAL_RW, s2ap: S2AP.READ_ONLY });

/** The host memory the banks are mirrored into (Machine `romWindows`). */
export const VIRT_FLASH_WINDOWS = VIRT_FLASH_BANKS;

/** Create both banks with `contents` (bank 0 is the firmware), map them, and put them on `bus`. */
export function attachVirtFlash(machine: Machine, vm: Vm, bus: MmioBus, contents: readonly (Uint8Array | undefined)[]): CfiPflash[] {
  return VIRT_FLASH_BANKS.map((range, i) => {
    const bank = new CfiPflash({ name: `flash${i}`, size: range.size, contents: contents[i] });
    if (contents[i] !== undefined) machine.memory.writeBytes(range.base, contents[i]!);
    bank.onContentsChange = (offset, length) => machine.memory.writeBytes(range.base + offset, bank.bytes.subarray(offset, offset + length));
    bank.onModeChange = (arrayMode) => {
      if (arrayMode) vm.p2m.map(range.base, range.base, range.size, S2_FLASH);
      else vm.p2m.unmap(range.base, range.size);
      // As a hypervisor changing a live stage-2 entry: TLBI VMALLS12E1IS (D8.13 "TLB maintenance").
      machine.tlb.invalidateVmid(vm.vmid);
    };
    vm.p2m.map(range.base, range.base, range.size, S2_FLASH);
    bus.map(range.base, bank);
    return bank;
  });
}
