/**
 * The reference a policy is judged against: the guest on bare metal (no stage 2, no traps, S/W
 * ops on the pCPU's own caches, no migration). A policy that traps the cache ID registers
 * (HCR.TID2) shows the guest a geometry of its own making, and the guest acts on it: it sizes
 * its S/W loops, strides and line-size arithmetic from those values. Its bare metal is then
 * hardware built with that geometry (cachesShownBy), the machine the guest believes it runs on;
 * judged against the preset's real caches, every value read from CTR or CCSIDR would count as a
 * divergence, and data loss would be claimed where the guest did nothing wrong.
 */
import { HCR } from '../../exec/el2-gate';
import { cachesShownBy } from '../cache-config-from-id';
import type { SetWayPolicy } from '../policy';
import { makePolicy } from './index';

/** The plain reference: passthrough without stage 2 (src/hyp/policies/passthrough.ts). */
export const BARE_METAL_POLICY = 'passthrough:novm';

/** Bare metal for a guest run under `subject`: the plain reference, or hardware with the caches `subject` shows. */
export function bareMetalFor(subject: string | SetWayPolicy): string | SetWayPolicy {
  const policy = typeof subject === 'string' ? makePolicy(subject) : subject;
  const trapsIds = ((policy.resetHcr(false) | policy.resetHcr(true)) & HCR.TID2) !== 0;
  const shown = trapsIds ? policy.virtualCacheId?.() : undefined;
  if (shown === undefined) return BARE_METAL_POLICY;
  return {
    ...makePolicy(BARE_METAL_POLICY),
    machineCaches: (preset) => cachesShownBy(shown, preset, `${preset.name} as ${policy.name} shows it`),
  };
}
