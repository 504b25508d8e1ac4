/**
 * The reference a policy is judged against: the guest on bare metal (no stage 2, no traps, S/W
 * ops on the pCPU's own caches, no migration).
 *
 * A policy that traps the cache ID registers (HCR.TID2) shows the guest a geometry of its own
 * making, and the guest acts on it: it sizes its S/W loops from those values. Its bare metal is
 * the machine the guest believes it runs on, built from the same caches as the subject's:
 *  - the guest reads the values it is shown (the reference traps TID2 too);
 *  - each S/W op does what it does on the hardware the guest is shown, whose every level holds one
 *    line (both fabricated geometries, KVM 6.3's and dirty:tid2's, have one set and one way):
 *    it covers every line of the real caches up to that level, and an op at the shown LoC reaches
 *    the real LoC, since beyond it the shown hardware has only memory. DC ISW is performed as a
 *    clean and invalidate: which one line the shown hardware would discard cannot be known, and a
 *    reference that keeps the data never excuses a policy that discards it.
 * The real caches matter: built to the shown geometry (one line per level, no L2), bare metal
 * wrote dirty lines back at once where the subject kept them, and code the guest had written but
 * not yet cleaned to the PoU (ftrace patching its own call sites, which both outcomes allow: Arm
 * ARM B2.2.5) was fetched new on one side and old on the other: a control-flow divergence with no
 * loss behind it.
 */
import { setWayLevel } from '../../cache/set-way';
import { HCR } from '../../exec/el2-gate';
import type { CacheIdentification, SetWayOp } from '../../exec/system-port';
import { cachesShownBy } from '../cache-config-from-id';
import type { PolicyHost, SetWayPolicy } from '../policy';
import { makePolicy } from './index';

/** The plain reference: passthrough without stage 2 (src/hyp/policies/passthrough.ts). */
export const BARE_METAL_POLICY = 'passthrough:novm';

/** Bare metal for a guest run under `subject`: the plain reference, or hardware with the caches `subject` shows. */
export function bareMetalFor(subject: string | SetWayPolicy): string | SetWayPolicy {
  const policy = typeof subject === 'string' ? makePolicy(subject) : subject;
  const trapsIds = ((policy.resetHcr(false) | policy.resetHcr(true)) & HCR.TID2) !== 0;
  const shown = trapsIds ? policy.virtualCacheId?.() : undefined;
  const plain = makePolicy(BARE_METAL_POLICY);
  if (shown === undefined) {
    // The same hardware without the hypervisor (kvm:fwb's reports the PoU before every cache).
    return policy.machineCaches === undefined ? BARE_METAL_POLICY : { ...plain, name: `${BARE_METAL_POLICY} on the caches ${policy.name} runs on`, machineCaches: policy.machineCaches };
  }
  if (!oneLinePerLevel(shown)) {
    // A shown geometry of several lines: hardware built to it (S/W ops then mean what they say).
    return { ...plain, machineCaches: (preset) => cachesShownBy(shown, preset, `${preset.name} as ${policy.name} shows it`) };
  }
  return {
    ...plain,
    name: `${BARE_METAL_POLICY} as ${policy.name} shows the caches`,
    resetHcr: (aarch64) => plain.resetHcr(aarch64) | HCR.TID2 | HCR.TSW,
    virtualCacheId: () => shown,
    onSetWay: (host, op, operand) => setWayAsShown(host, shown, op, operand),
  };
}

/** CLIDR's data or unified levels below LoC (D17 "CLIDR_EL1": Ctype<n>, LoC [26:24]). */
function shownLoc(id: CacheIdentification): number {
  return (id.clidr() >>> 24) & 7;
}

/** Every data level up to LoC shows one set and one way (CCSIDR NumSets [27:13], Associativity [12:3]). */
function oneLinePerLevel(id: CacheIdentification): boolean {
  for (let level = 1; level <= shownLoc(id); level++) {
    if (((id.clidr() >>> (3 * (level - 1))) & 7) < 2) continue;
    if ((id.ccsidr((level - 1) << 1) & 0x0fff_fff8) !== 0) return false;
  }
  return true;
}

/** A S/W op on the one line of shown level `level`: every line of the real caches' levels up to it (D7.5.9). */
function setWayAsShown(host: PolicyHost, shown: CacheIdentification, op: SetWayOp, operand: number): void {
  const level = setWayLevel(operand);
  host.setWayOnPcpuLevels(op === 'isw' ? 'cisw' : op, level >= shownLoc(shown) ? 'loc' : level);
}
