/**
 * The JavaScript locals an A64 compiled block (block-compiler.ts) keeps the guest state in: each
 * register it touches as two int32 locals (`l5`, `h5`), and NZCV either in four 0/1 locals
 * (`fn`, `fz`, `fc`, `fv`) or, after an ADDS/SUBS/CMP/CMN/ANDS/TST, pending: the few values the
 * flags derive from are saved in `q0`..`q3`, and each flag is computed where it is read (a
 * condition usually needs one or two of the four) or where the state must be whole (an exit, a
 * call to the executor, the top of a loop pass that may read or leave with them).
 */
import { RegIndex } from '../../decode/a64/instruction';

const DISCARD = RegIndex.DISCARD;
const ZR = RegIndex.ZR;

/**
 * NZCV over the `q` locals: N, C and V each as an int32 expression whose bit 31 is the flag (a
 * set flag is then a sign test, not a shift and a compare), Z as a boolean expression.
 */
export interface PendingFlags {
  readonly n: string;
  readonly c: string;
  readonly v: string;
  readonly zero: string;
}

/** Names of the flag locals. */
export type FlagName = 'n' | 'z' | 'c' | 'v';

/** The registers and flags the inline code of a block touches, as locals of the generated function. */
export class Locals {
  /** Registers read or written (all are loaded at entry: a partial or skipped write keeps the old value). */
  readonly used = new Set<number>();
  flagsUsed = false;
  /** Some flags were left pending (the `q` locals are declared). */
  pendingUsed = false;
  /** NZCV not yet computed, or null when the flag locals hold them. */
  pending: PendingFlags | null = null;
  /** Registers and flags the instruction being generated writes, and whether it reads flags. */
  writes = new Set<number>();
  writesFlags = false;
  readsFlags = false;

  lo(r: number): string {
    if (r === ZR) return '0';
    this.used.add(r);
    return `l${r}`;
  }
  hi(r: number): string {
    if (r === ZR) return '0';
    this.used.add(r);
    return `h${r}`;
  }
  /** Assign both halves of Xd (a write to XZR or the discard slot is dropped). */
  set(d: number, l: string, h: string): string {
    if (d === DISCARD || d === ZR) return '';
    this.used.add(d);
    this.writes.add(d);
    return `l${d} = ${l}; h${d} = ${h};`;
  }
  /** A flag as a 0/1 int32 expression. */
  flag(name: FlagName): string {
    this.flagsUsed = true;
    this.readsFlags = true;
    const p = this.pending;
    if (p === null) return `f${name}`;
    return name === 'z' ? `(${p.zero} | 0)` : `(${p[name]} >>> 31)`;
  }
  /** A flag is set, as a parenthesised boolean expression. */
  isSet(name: FlagName): string {
    this.flagsUsed = true;
    this.readsFlags = true;
    const p = this.pending;
    if (p === null) return `(f${name} === 1)`;
    return name === 'z' ? `(${p.zero})` : `(${p[name]} < 0)`;
  }
  /** N == V, as a parenthesised boolean expression. */
  nEqualsV(): string {
    this.flagsUsed = true;
    this.readsFlags = true;
    const p = this.pending;
    return p === null ? '(fn === fv)' : `((${p.n} ^ ${p.v}) >= 0)`;
  }
  /** Assign NZCV from four expressions (evaluated in order, after everything they read). */
  setFlags(n: string, z: string, c: string, v: string): string {
    this.flagsUsed = true;
    this.writesFlags = true;
    this.pending = null;
    return `fn = ${n}; fz = ${z}; fc = ${c}; fv = ${v};`;
  }
  /** Leave NZCV pending: `saves` copies what `flags` read into the `q` locals (after everything it reads). */
  setPendingFlags(saves: string, flags: PendingFlags): string {
    this.flagsUsed = true;
    this.pendingUsed = true;
    this.writesFlags = true;
    this.pending = flags;
    return saves;
  }
}

/** Statements that compute `flags` into the flag locals (`target` 'f') or into the executor's fields ('cpu.'). */
export function materialize(flags: PendingFlags, target: 'f' | 'cpu.'): string {
  return `${target}n = ${flags.n} >>> 31; ${target}z = ${flags.zero} | 0; ${target}c = ${flags.c} >>> 31; ${target}v = ${flags.v} >>> 31;`;
}

/** ConditionHolds (J1 shared pseudocode) over the flags; null for AL/NV. */
export function conditionExpression(L: Locals, cond: number): string | null {
  let e: string;
  switch (cond >>> 1) {
    case 0: e = L.isSet('z'); break;
    case 1: e = L.isSet('c'); break;
    case 2: e = L.isSet('n'); break;
    case 3: e = L.isSet('v'); break;
    case 4: e = `(${L.isSet('c')} && !${L.isSet('z')})`; break;
    case 5: e = L.nEqualsV(); break;
    case 6: e = `(${L.nEqualsV()} && !${L.isSet('z')})`; break;
    default: return null;
  }
  return (cond & 1) === 1 ? `!(${e})` : e;
}

