/** The policy registry: a name (with options after a colon, e.g. `dirty:dbm,tid2`) to a policy. */
import type { PolicyOptions, SetWayPolicy } from '../policy';
import { dirty } from './dirty';
import { jailhouse } from './jailhouse';
import { kvm } from './kvm';
import { kvm2013 } from './kvm-2013';
import { kvm63 } from './kvm-63';
import { misconfig } from './misconfig';
import { oracle } from './oracle';
import { passthrough } from './passthrough';
import { pin } from './pin';
import { xen } from './xen';

interface PolicyEntry {
  readonly make: (options: PolicyOptions) => SetWayPolicy;
  readonly options: readonly string[];
}

export const POLICIES: Readonly<Record<string, PolicyEntry>> = {
  passthrough: { make: passthrough, options: ['swio', 'novm'] },
  'kvm-2013': { make: kvm2013, options: [] },
  kvm: { make: kvm, options: ['fwb'] },
  'kvm-6.3': { make: kvm63, options: [] },
  xen: { make: xen, options: [] },
  jailhouse: { make: jailhouse, options: [] },
  pin: { make: pin, options: ['swio'] },
  misconfig: { make: misconfig, options: [] },
  dirty: { make: dirty, options: ['dbm', 'tid2'] },
  oracle: { make: oracle, options: [] },
};

export const POLICY_NAMES = Object.keys(POLICIES);

export class PolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyError';
  }
}

/** `kvm`, `passthrough:swio`, `dirty:dbm,tid2`. */
export function makePolicy(spec: string): SetWayPolicy {
  const [name, optionText] = spec.split(':', 2);
  const entry = POLICIES[name];
  if (entry === undefined) throw new PolicyError(`unknown policy '${name}' (known: ${POLICY_NAMES.join(', ')})`);
  const options = new Set(optionText ? optionText.split(',').filter(Boolean) : []);
  for (const o of options) {
    if (!entry.options.includes(o)) {
      throw new PolicyError(`policy '${name}' has no option '${o}'` + (entry.options.length ? ` (options: ${entry.options.join(', ')})` : ''));
    }
  }
  const policy = entry.make(options);
  // The display name carries the options, so tables and traces tell `dirty` from `dirty:dbm`.
  return options.size ? { ...policy, name: `${name}:${[...options].sort().join(',')}` } : policy;
}
