/** Building and running machines directly. */
export { Machine, GUEST_RAM_IPA } from '../hyp/machine';
export { Vcpu } from '../hyp/vcpu';
export { CostMeter, DEFAULT_COST_MODEL, type CostModel } from '../hyp/cost-model';
export { parseMigrationMode, formatMigrationMode, Scheduler } from '../hyp/scheduler';
export { HCR } from '../exec/el2-gate';
export { CACHE_PRESETS, cachePreset } from '../cache/presets';
export { GuestError, BudgetExceeded } from '../hyp/guest-error';
