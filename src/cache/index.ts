/** The cache model's public surface: geometry and ID registers, presets, the cache system, S/W helpers. */
export { CacheSystem } from './cache-system';
export type { ByAddressOperation, CacheSystemOptions, DirtyLine, LineCopy, MaintenanceOptions, ReplacementPolicy } from './cache-system';
export { CacheGeometry, ceilLog2 } from './geometry';
export type { CacheKind, CacheLevelConfig, CacheLevelGeometry, CacheSharing, CacheSystemConfig, CtrFields } from './geometry';
export { CACHE_PRESETS, cachePreset, isCachePresetName } from './presets';
export type { CachePresetName } from './presets';
export { decodeSetWay, setWayLevel, setWayOperand, setWaySet, setWayWay } from './set-way';
export type { DecodedSetWay, SetWayEffect, SetWayOperation } from './set-way';
export { forEachFlushOperand } from './set-way-walk';
export type { FlushLimit, FlushOrder } from './set-way-walk';
export { CacheEvent } from './counters';
export type { CacheCounters, CacheEventName, LevelCounters } from './counters';
export { CacheAccessError, CacheConfigError } from './errors';
export { LineState } from './cache-array';
