/**
 * A virtual machine: its VMID, its RAM (one IPA range backed by one host-physical range), the
 * genuine stage-2 table that maps it, and its vCPUs. The p2m's descriptors live in host memory
 * the guest cannot reach; everything a policy does to them is a real descriptor write.
 */
import { PAGE_SIZE } from '../mmu/physical-memory';
import type { P2m } from '../mmu/p2m';
import type { Vcpu } from './vcpu';

export class Vm {
  readonly vcpus: Vcpu[] = [];
  /** IPAs (page aligned) written since dirty tracking last started, for the 'fault' mode. */
  readonly dirtyPages = new Set<number>();
  dirtyTracking: 'off' | 'fault' | 'dbm' = 'off';
  /** Bytes stage 2 maps per fault-in when RAM is populated on demand; null when populated up front. */
  populateBytes: number | null = null;

  constructor(
    readonly vmid: number,
    readonly p2m: P2m,
    readonly ramIpa: number,
    readonly ramPa: number,
    readonly ramBytes: number,
  ) {}

  containsIpa(ipa: number): boolean {
    return ipa >= this.ramIpa && ipa < this.ramIpa + this.ramBytes;
  }

  ipaToPa(ipa: number): number {
    return this.ramPa + (ipa - this.ramIpa);
  }

  /** Does this VM's RAM hold host physical address `pa`? */
  ownsPa(pa: number): boolean {
    return pa >= this.ramPa && pa < this.ramPa + this.ramBytes;
  }

  pageOf(ipa: number): number {
    return Math.floor(ipa / PAGE_SIZE) * PAGE_SIZE;
  }
}
