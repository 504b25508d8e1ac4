/**
 * What the guest saw, compared with the same guest on bare metal: the verdict every scenario
 * reports. A policy is safe for a run when the guest's observations equal bare metal's: no load
 * returned data older than what bare metal returned, and no data the guest wrote was destroyed.
 */

/** The first point where the guest's observations left bare metal's. */
export interface Divergence {
  /** 'stale': same load, older data; 'control-flow': the guest loaded elsewhere (or not at all). */
  readonly kind: 'stale' | 'control-flow';
  /** Loads the guest had made before this one (0-based index of the load). */
  readonly loadIndex: number;
  /** Guest instructions retired before the load, and the load instruction's address. */
  readonly instructions: number;
  readonly pc: number;
  readonly va: number;
  readonly pa: number;
  readonly size: number;
  /** What bare metal loaded here, and what the guest loaded (null where there was no load). */
  readonly expected: number | null;
  readonly actual: number | null;
  /** The data of the guest's latest store to this address (what a coherent memory would return). */
  readonly latest: number | null;
  /** Where copies of the line sat when the guest loaded it, the up-to-date one marked. */
  readonly whereUpToDate: string;
  /** One line a hypervisor developer can act on. */
  readonly text: string;
}

/**
 * What came before the guest's control flow left bare metal's: a stale read (a loss, counted
 * already), or nothing the loads show (stale code, stale translation tables: a loss). Newer data
 * the guest read never explains one: bare metal adopts it (src/scenarios/lockstep/lockstep-comparer.ts).
 */
export type ControlFlowCause = 'after-stale-read' | 'unexplained';

export interface Verdict {
  /** Guest loads compared with bare metal's. */
  readonly loadsCompared: number;
  /** Loads that returned other data than on bare metal, and not the guest's latest store either. */
  readonly staleReads: number;
  /**
   * Loads that returned newer data than bare metal (the guest's latest store, where bare metal
   * read an older copy): a hypervisor that cleans more than the guest asked. Not a loss; the
   * architecture lets any line be written back at any time, and bare metal adopts the data.
   */
  readonly fresherReads: number;
  /** Lines whose latest data the guest wrote exists nowhere at the end, where on bare metal it does. */
  readonly dataDestroyed: number;
  readonly controlFlowDiverged: boolean;
  /** What preceded a control-flow divergence (null when there was none). */
  readonly controlFlowCause: ControlFlowCause | null;
  readonly firstDivergence: Divergence | null;
  /** Final registers that differ from bare metal's ("r3 0x1 / 0x2"), or null. */
  readonly finalStateDiffers: string | null;
  /** How bare metal's run ended ('halted', or a guest error). */
  readonly referenceEnd: string;
  /** The guest failed (an abort nobody handles, a runaway loop) where bare metal finished: why. */
  readonly guestFailure: string | null;
}

const hex = (v: number): string => `0x${(v >>> 0).toString(16)}`;

export function describeDivergence(d: Omit<Divergence, 'text'>): string {
  const at = `load #${d.loadIndex} at PC ${hex(d.pc)} (instruction ${d.instructions})`;
  if (d.kind === 'control-flow') {
    if (d.actual === null) return `control flow diverged: bare metal made ${at} of VA ${hex(d.va)}, the guest made no more loads`;
    if (d.expected === null) return `control flow diverged: the guest made ${at} of VA ${hex(d.va)}, bare metal made no more loads`;
    return `control flow diverged at ${at}: the guest loaded VA ${hex(d.va)}, bare metal another address`;
  }
  return (
    `stale read at ${at}: VA ${hex(d.va)} (PA ${hex(d.pa)}) gave ${hex(d.actual ?? 0)}, bare metal ${hex(d.expected ?? 0)}` +
    `${d.latest === null ? '' : `, last written ${hex(d.latest)}`}; ${d.whereUpToDate}`
  );
}

/** The verdict's loss figure: what `--expect-no-loss` and the demo's column use. */
export function dataLost(v: Verdict): number {
  return v.staleReads + v.dataDestroyed;
}

/**
 * A run loses when the guest read stale data, data was destroyed, it failed where bare metal did
 * not, or its control flow left bare metal's for no reason its loads show.
 */
export function lostData(r: { readonly dataLost: number; readonly controlFlowCause: ControlFlowCause | null; readonly guestFailure: string | null }): boolean {
  return r.dataLost > 0 || r.controlFlowCause === 'unexplained' || r.guestFailure !== null;
}
