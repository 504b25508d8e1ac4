/**
 * Jailhouse (hypervisor/arch/arm/setup.c, arm/traps.c; arm64/setup.c), per ISA as the real ports:
 * - 32-bit ARM: TSW always. The first S/W op with TVM clear flushes the cell's memory by address
 *   (arm_cell_dcaches_flush) and sets TVM. Only a trapped SCTLR write is looked at (the other VM
 *   registers are just written): when it turns the caches (C and M) on or off, Jailhouse flushes
 *   again if they were on, and clears TVM in both directions.
 * - arm64: the port sets neither TSW nor TVM, so an AArch64 guest's S/W ops run on whichever pCPU
 *   it is on: passthrough.
 */
import { HCR } from '../../exec/el2-gate';
import type { PolicyOptions, SetWayPolicy } from '../policy';

export function jailhouse(_options: PolicyOptions): SetWayPolicy {
  return {
    name: 'jailhouse',
    claimsSafety: true,
    safeIsas: ['a32'],
    summary: 'A32: first S/W op flushes the cell by VA, then only caches on->off; A64: no trap (passthrough)',
    models: 'Jailhouse (arm/traps.c; arm64 traps no S/W)',
    resetHcr: (aarch64) => (aarch64 ? 0 : HCR.TSW),
    onSetWay(host) {
      if ((host.hcr & HCR.TVM) !== 0) return;
      host.flushGuestMemory('mapped');
      host.hcr |= HCR.TVM;
    },
    onCacheToggle(host, wasOn, nowOn, register) {
      if (register !== 'SCTLR' || wasOn === nowOn) return;
      if (wasOn) host.flushGuestMemory('mapped');
      host.hcr &= ~HCR.TVM;
    },
  };
}
