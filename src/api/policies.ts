/** The set/way policies and the hook interface a new one implements. */
export { makePolicy, POLICIES, POLICY_NAMES, PolicyError } from '../hyp/policies';
export { kvm } from '../hyp/policies/kvm';
export { xen } from '../hyp/policies/xen';
export { passthrough } from '../hyp/policies/passthrough';
export { dirty, MINIMAL_CACHE_ID } from '../hyp/policies/dirty';
export { handleTrap } from '../hyp/trap-handler';
