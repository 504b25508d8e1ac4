/**
 * Putting a guest image into a VM and pointing a vCPU at it: load the segments at their IPAs
 * (through the VM's RAM mapping), and set the architectural reset-like state the ROMs expect.
 */
import { A32Cpu } from '../exec/a32';
import { A64Cpu } from '../exec/a64';
import type { Machine } from '../hyp/machine';
import type { Vcpu } from '../hyp/vcpu';
import type { Vm } from '../hyp/vm';
import { loadInto } from '../rom';
import type { LoadedImage } from '../rom/loaded-image';
import { ImageError, ImageOptionError } from './image-error';

/** CPSR: SVC mode (0b10011), A, I and F masked, ARM state (G1.3 "CPSR"). */
const CPSR_SVC_MASKED = 0x1d3;
/** PSTATE as SPSR_EL1: EL1h (M = 0b0101), D, A, I, F masked (D1.4 "PSTATE"). */
const PSTATE_EL1H_MASKED = 0x3c5;

/**
 * Copy the image's segments into guest RAM. A segment larger than the RAM is bad input (exit 3);
 * one placed outside it (by --load, or the ELF's link address) a bad command line (exit 2).
 */
export function loadImageIntoVm(machine: Machine, vm: Vm, image: LoadedImage): void {
  loadInto(image, (ipa, bytes) => {
    if (!vm.containsIpa(ipa) || !vm.containsIpa(ipa + bytes.length - 1)) {
      const ram = `the guest's RAM 0x${vm.ramIpa.toString(16)}-0x${(vm.ramIpa + vm.ramBytes - 1).toString(16)}`;
      if (bytes.length > vm.ramBytes) throw new ImageError(`image segment of ${bytes.length} bytes is larger than ${ram} (see --guest-ram)`);
      throw new ImageOptionError(`image segment at 0x${ipa.toString(16)} (+0x${bytes.length.toString(16)}) lies outside ${ram} (see --load, --guest-ram)`);
    }
    machine.memory.writeBytes(vm.ipaToPa(ipa), bytes);
  });
}

/** Enter at `pc` in EL1 (A32: SVC mode, ARM or Thumb state) with `sp`, MMU and caches off. */
export function enterEl1(vcpu: Vcpu, pc: number, sp: number, thumb = false): void {
  const cpu = vcpu.cpu;
  if (cpu instanceof A32Cpu) {
    cpu.cpsr = CPSR_SVC_MASKED | (thumb ? 1 << 5 : 0);
    cpu.r[13] = sp >>> 0;
    cpu.pc = pc >>> 0;
  } else if (cpu instanceof A64Cpu) {
    cpu.pstate = PSTATE_EL1H_MASKED;
    cpu.setSpEl1(sp >>> 0, 0);
    cpu.pc = pc;
  }
}

/** General register n of the vCPU (low 32 bits). */
export function guestRegister(vcpu: Vcpu, n: number): number {
  const cpu = vcpu.cpu;
  if (cpu instanceof A32Cpu) return cpu.r[n] >>> 0;
  if (cpu instanceof A64Cpu) return cpu.xLo(n) >>> 0;
  return 0;
}

export function setGuestRegister(vcpu: Vcpu, n: number, value: number): void {
  const cpu = vcpu.cpu;
  if (cpu instanceof A32Cpu) cpu.r[n] = value >>> 0;
  else if (cpu instanceof A64Cpu) cpu.setX(n, value >>> 0, 0);
}

/**
 * Lines of the buffer whose memory (the Point of Coherency, what an uncached reader sees) does
 * not hold the pattern `word at a = a XOR seed` (with 8-byte units, the doubleword at a holds
 * a XOR seed: low word a XOR seed, high word 0, for addresses below 4 GiB).
 */
export function linesLost(machine: Machine, vm: Vm, bufferIpa: number, bytes: number, seed: number, unit: 4 | 8 = 4): number {
  const lineBytes = machine.caches.lineBytes;
  let lost = 0;
  for (let line = 0; line < bytes; line += lineBytes) {
    for (let off = 0; off < lineBytes; off += 4) {
      const ipa = bufferIpa + line + off;
      const want = unit === 8 && off % 8 === 4 ? 0 : (ipa ^ seed) >>> 0;
      if (machine.memory.read32(vm.ipaToPa(ipa)) !== want) {
        lost++;
        break;
      }
    }
  }
  return lost;
}

/** Instructions retired and the address of the instruction being executed. */
export function guestPosition(vcpu: Vcpu): { instructions: number; pc: number } {
  const cpu = vcpu.cpu;
  if (cpu instanceof A32Cpu) return { instructions: cpu.instructionsRetired, pc: cpu.current };
  if (cpu instanceof A64Cpu) return { instructions: cpu.instructionsRetired, pc: cpu.instructionPc };
  return { instructions: 0, pc: 0 };
}

/** The general registers (r0-r14 / x0-x30) and PC, as [name, hex value]. */
export function guestRegisters(vcpu: Vcpu): [string, string][] {
  const cpu = vcpu.cpu;
  const out: [string, string][] = [];
  if (cpu instanceof A32Cpu) {
    for (let n = 0; n < 15; n++) out.push([`r${n}`, `0x${(cpu.r[n] >>> 0).toString(16)}`]);
    out.push(['pc', `0x${(cpu.r[15] >>> 0).toString(16)}`]);
  } else if (cpu instanceof A64Cpu) {
    for (let n = 0; n < 31; n++) out.push([`x${n}`, `0x${cpu.xHi(n).toString(16).padStart(8, '0')}${cpu.xLo(n).toString(16).padStart(8, '0')}`]);
    out.push(['pc', `0x${cpu.pc.toString(16)}`]);
  }
  return out;
}
