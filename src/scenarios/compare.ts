/**
 * Where the policies differ in what they cost: the same guests (the boot-handoff ROMs, the set/way
 * ROM's flush_dcache_all and, given one, the Debian armmp kernel's own v7 routines) under every
 * policy and version, each migrated in the middle of its flush, one table per guest with the
 * oracle's row as the bound: the least any hypervisor could do for that guest and schedule.
 */
import { makePolicy } from '../hyp/policies';
import type { MigrationMode } from '../hyp/scheduler';
import type { MachineOptions } from '../hyp/machine';
import type { LoadedImage } from '../rom/loaded-image';
import { runBootHandoff } from './boot-handoff';
import { runFunction } from './function-harness';
import { BareMetalRuns } from './lockstep/bare-metal-runs';
import type { ScenarioResult } from './result';
import { loadRom } from './rom-images';

/** One guest of the comparison: how to run it under a policy, sharing its bare-metal reference. */
export interface CompareGuest {
  readonly name: string;
  readonly isa: 'a32' | 'a64';
  /** The guest's own mid-flush migration (the CLI's --migrate replaces it). */
  readonly migration: MigrationMode;
  run(policy: string, migration: MigrationMode, bareMetal: BareMetalRuns): ScenarioResult;
}

/** Machine settings every guest of one comparison shares. */
export interface CompareSettings {
  readonly seed?: number;
  /** Pattern buffer (default 64 KiB). */
  readonly bufferBytes?: number;
  readonly guestRamBytes?: number;
  readonly populate?: MachineOptions['populate'];
  readonly p2mMaxLeafBytes?: number;
}

/** The figures a row of the comparison shows, and the version of the hypervisor it models. */
export interface CompareRow {
  readonly policy: string;
  /** The real hypervisor and version ('KVM/arm Linux 5.8-6.2'), or "setway's own". */
  readonly models: string;
  readonly dataLost: number;
  readonly staleReads: number;
  readonly traps: number;
  readonly setWayOps: number;
  readonly linesByAddress: number;
  readonly pagesFlushed: number;
  readonly stage2Faults: number;
  readonly longestEl2Us: number;
  readonly simulatedUs: number;
  /** Simulated time over the oracle's on the same guest and schedule. */
  readonly timeOverBound: number;
}

export interface CompareTable {
  readonly guest: string;
  readonly isa: 'a32' | 'a64';
  readonly preset: string;
  readonly migration: string;
  readonly rows: readonly CompareRow[];
  /** The oracle's row: it needs knowledge no hypervisor has, so no policy can do less. */
  readonly bound: CompareRow;
}

/** The policy whose row bounds the others. */
export const BOUND_POLICY = 'oracle';

const KIB = 1024;
/** The boot-handoff ROM invalidates L1 first (512 ops on a Cortex-A7): op 768 is mid-way through cleaning it, as the demo. */
const HANDOFF_MID_FLUSH: MigrationMode = { kind: 'after-setway', k: 768 };
/** A flush_dcache_all-style walk cleans L1 first (512 ops on a Cortex-A7): op 256 is half-way. */
const WALK_MID_L1: MigrationMode = { kind: 'after-setway', k: 256 };
/** Where the set/way ROM's objects are loaded (they are relocatable). */
const SET_WAY_ROM_LOAD = 0x4100_0000;

/** The ROMs the demo and the tests use: the boot handoff and the set/way ROM's full flush, per ISA. */
export function romGuests(settings: CompareSettings = {}): CompareGuest[] {
  const common = machineSettings(settings);
  const handoff = (isa: 'a32' | 'a64'): CompareGuest => ({
    name: `boot-handoff ROM (${isa})`,
    isa,
    migration: HANDOFF_MID_FLUSH,
    run: (policy, migration, bareMetal) => runBootHandoff({ ...common, isa, policy, migration, bareMetal }),
  });
  const setWay = (isa: 'a32' | 'a64'): CompareGuest => {
    const image = loadRom(`${isa}-set-way.o`, SET_WAY_ROM_LOAD);
    return functionGuest(`${isa}-set-way.o flush_dcache_all`, image, 'flush_dcache_all', WALK_MID_L1, settings);
  };
  return [handoff('a32'), handoff('a64'), setWay('a32'), setWay('a64')];
}

/**
 * The Linux v7 routines that keep the AAPCS's callee-saved registers (so they run as
 * `setway run vmlinuz --symbol NAME` runs them): the full clean to the PoC and the one to LoUIS.
 */
export const KERNEL_ROUTINES = ['v7_flush_kern_cache_all', 'v7_flush_kern_cache_louis'] as const;

/** The kernel's routines (an armmp zImage or vmlinux): a symbol it lacks is an ImageError. */
export function kernelGuests(kernel: LoadedImage, settings: CompareSettings = {}): CompareGuest[] {
  return KERNEL_ROUTINES.map((symbol) => functionGuest(`Linux ${symbol}`, kernel, symbol, WALK_MID_L1, settings));
}

function functionGuest(name: string, image: LoadedImage, symbol: string, migration: MigrationMode, settings: CompareSettings): CompareGuest {
  const sym = image.findSymbol(symbol);
  const common = machineSettings(settings);
  return {
    name,
    isa: image.isa === 'a64' ? 'a64' : 'a32',
    migration,
    run: (policy, m, bareMetal) => runFunction({ ...common, image, entry: sym.address, thumb: sym.isa === 't32', policy, migration: m, bareMetal }),
  };
}

function machineSettings(s: CompareSettings) {
  return { seed: s.seed ?? 1, bufferBytes: s.bufferBytes ?? 64 * KIB, guestRamBytes: s.guestRamBytes, populate: s.populate, p2mMaxLeafBytes: s.p2mMaxLeafBytes };
}

/** Every guest under every policy (the bound's row included, last, whether or not `policies` names it). */
export function runCompare(guests: readonly CompareGuest[], policies: readonly string[], migration?: MigrationMode): CompareTable[] {
  const names = [...policies.filter((p) => p !== BOUND_POLICY), BOUND_POLICY];
  return guests.map((guest) => {
    const bareMetal = new BareMetalRuns();
    const schedule = migration ?? guest.migration;
    const results = names.map((policy) => guest.run(policy, schedule, bareMetal));
    const bound = results[results.length - 1];
    const rows = results.map((r, i) => compareRow(r, names[i], bound.simulatedUs));
    return { guest: guest.name, isa: guest.isa, preset: bound.preset, migration: bound.migration, rows, bound: rows[rows.length - 1] };
  });
}

function compareRow(r: ScenarioResult, spec: string, boundUs: number): CompareRow {
  const models = makePolicy(spec).models;
  return {
    policy: r.policy,
    // The version, without the source functions in parentheses.
    models: models === undefined ? "setway's own" : models.split(' (')[0],
    dataLost: r.dataLost,
    staleReads: r.staleReads,
    traps: r.traps,
    setWayOps: r.setWayOps,
    linesByAddress: r.linesByAddress,
    pagesFlushed: r.pagesFlushed,
    stage2Faults: r.stage2Faults,
    longestEl2Us: r.longestEl2Us,
    simulatedUs: r.simulatedUs,
    timeOverBound: boundUs > 0 ? r.simulatedUs / boundUs : NaN,
  };
}

