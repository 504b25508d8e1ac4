/**
 * Decides when a vCPU moves to another physical CPU. Deterministic from a seed, so a run that lost
 * data can be replayed exactly. A vCPU's registers move with it; the caches it dirtied do not.
 */

export type MigrationMode =
  | { kind: 'never' }
  /** Move every `instructions` guest instructions. */
  | { kind: 'every'; instructions: number }
  /** Move once, right after the k-th set/way operation (1-based). */
  | { kind: 'after-setway'; k: number }
  /** Move at random points: each slice of guest execution ends after a random length. */
  | { kind: 'random'; meanInstructions: number }
  /**
   * Move as often as possible while the guest's caches are off or a set/way loop runs: slices there
   * are random around `instructions` long (1..2N), elsewhere random around 1,000, so every seed
   * gives another schedule, on two pCPUs as on more.
   */
  | { kind: 'adversarial'; instructions: number };

/** Parse `never`, `every:N`, `after-sw:K`, `random:N`, `adversarial[:N]`. */
export function parseMigrationMode(text: string): MigrationMode {
  const [name, arg] = text.split(':', 2);
  const n = arg === undefined ? undefined : Number(arg);
  const need = (what: string): number => {
    if (n === undefined || !Number.isInteger(n) || n <= 0) {
      throw new SchedulerError(`migration mode '${text}': ${what} must be a positive integer (e.g. ${name}:100)`);
    }
    return n;
  };
  switch (name) {
    case 'never':
      return { kind: 'never' };
    case 'every':
      return { kind: 'every', instructions: need('the instruction count') };
    case 'after-sw':
    case 'after-setway':
      return { kind: 'after-setway', k: need('the set/way operation number') };
    case 'random':
      return { kind: 'random', meanInstructions: arg === undefined ? 500 : need('the mean slice length') };
    case 'adversarial':
      return { kind: 'adversarial', instructions: arg === undefined ? 16 : need('the slice length') };
    default:
      throw new SchedulerError(`unknown migration mode '${text}' (never, every:N, after-sw:K, random[:N], adversarial[:N])`);
  }
}

/** The count field each kind needs (a positive integer); `never` needs none. */
const MODE_COUNT_FIELD: Readonly<Record<MigrationMode['kind'], string | null>> = {
  never: null,
  every: 'instructions',
  'after-setway': 'k',
  random: 'meanInstructions',
  adversarial: 'instructions',
};

/**
 * A migration mode handed to the library as a plain object (JavaScript callers, JSON configs)
 * is checked once, here: an unknown kind or a missing count is a SchedulerError naming the field,
 * not a schedule that never ends or a crash inside the scheduler.
 */
export function validateMigrationMode(m: unknown): MigrationMode {
  const kind = (m as { kind?: unknown } | null)?.kind;
  if (typeof kind !== 'string' || !Object.hasOwn(MODE_COUNT_FIELD, kind)) {
    throw new SchedulerError(`migration.kind must be one of ${Object.keys(MODE_COUNT_FIELD).join(', ')}, not ${JSON.stringify(kind)}`);
  }
  const field = MODE_COUNT_FIELD[kind as MigrationMode['kind']];
  if (field !== null) {
    const n = (m as Record<string, unknown>)[field];
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n <= 0) {
      throw new SchedulerError(`migration.${field} must be a positive integer for kind '${kind}', not ${JSON.stringify(n) ?? 'undefined'}`);
    }
  }
  return m as MigrationMode;
}

export function formatMigrationMode(m: MigrationMode): string {
  switch (m.kind) {
    case 'never':
      return 'never';
    case 'every':
      return `every:${m.instructions}`;
    case 'after-setway':
      return `after-sw:${m.k}`;
    case 'random':
      return `random:${m.meanInstructions}`;
    case 'adversarial':
      return `adversarial:${m.instructions}`;
  }
}

export class SchedulerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchedulerError';
  }
}

/** xorshift32: small, fast, and the same sequence on every machine. */
export class SeededRandom {
  private state: number;
  constructor(seed: number) {
    this.state = (seed >>> 0) ^ 0x9e3779b9 || 1;
  }
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }
  /** Uniform integer in [0, n). */
  below(n: number): number {
    return this.next() % n;
  }
}

/** Adversarial mode's mean slice while the guest's caches are on and no S/W loop runs. */
export const ADVERSARIAL_QUIET_SLICE = 1_000;

/** What the scheduler knows about the vCPU at a slice boundary. */
export interface ScheduleState {
  readonly setWayOps: number;
  readonly cachesOn: boolean;
  /** A set/way operation happened in the last slice. */
  readonly inSetWayLoop: boolean;
}

export class Scheduler {
  private readonly random: SeededRandom;
  private migratedAfterSetWay = false;

  constructor(
    readonly mode: MigrationMode,
    readonly pcpuCount: number,
    seed: number,
  ) {
    validateMigrationMode(mode);
    this.random = new SeededRandom(seed);
  }

  /** How many instructions to run before asking again. `stopAtSetWay` asks the vCPU to stop after that S/W op count. */
  sliceLength(state: ScheduleState): { instructions: number; stopAtSetWay?: number } {
    switch (this.mode.kind) {
      case 'never':
        return { instructions: 1_000_000 };
      case 'every':
        return { instructions: this.mode.instructions };
      case 'after-setway':
        return this.migratedAfterSetWay ? { instructions: 1_000_000 } : { instructions: 1_000_000, stopAtSetWay: this.mode.k };
      case 'random':
        return { instructions: 1 + this.random.below(2 * this.mode.meanInstructions) };
      case 'adversarial': {
        // Random lengths around N: with two pCPUs the destination is forced, so the slice lengths
        // are where the seed shows (fixed lengths made every seed the same schedule).
        const mean = !state.cachesOn || state.inSetWayLoop ? this.mode.instructions : ADVERSARIAL_QUIET_SLICE;
        return { instructions: 1 + this.random.below(2 * mean) };
      }
    }
  }

  /** After a slice: the pCPU to run on next (the same one means no migration). */
  nextPcpu(current: number, state: ScheduleState): number {
    if (this.pcpuCount < 2) return current;
    switch (this.mode.kind) {
      case 'never':
        return current;
      case 'every':
        return this.other(current);
      case 'after-setway':
        if (!this.migratedAfterSetWay && state.setWayOps >= this.mode.k) {
          this.migratedAfterSetWay = true;
          return this.other(current);
        }
        return current;
      case 'random':
        return this.random.below(2) === 0 ? current : this.other(current);
      case 'adversarial':
        return !state.cachesOn || state.inSetWayLoop ? this.other(current) : current;
    }
  }

  private other(current: number): number {
    const pick = this.random.below(this.pcpuCount - 1);
    return pick >= current ? pick + 1 : pick;
  }
}
