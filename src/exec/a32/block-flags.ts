/**
 * NZCV inside a compiled A32/T32 block (block-compiler.ts). Each flag is either in its local
 * (`fN`, `fZ`, `fC`, `fV`, 0/1) or pending: a flag-setting instruction at index k saves the few
 * values its flags derive from (`qkx`, `qky`, `qkr`: AddWithCarry's operands and result; `qkr`,
 * `qkc`: a logical result and shifter carry, Arm ARM F2 "AddWithCarry", "Shift_C"), and each flag
 * is computed where it is read: a condition usually needs one or two of the four, a compare
 * followed by HI/LS/GE/LT/GT/LE needs one comparison of its operands. The flags are settled into
 * the locals where the state must be whole (a handler call, an inline access that may abort, an
 * exit, a conditional flag-setting instruction, the top of a loop pass that may read them).
 */

export type FlagName = 'N' | 'Z' | 'C' | 'V';
export const FLAG_NAMES: readonly FlagName[] = ['N', 'Z', 'C', 'V'];

/** The current carry flag (0/1) in inline code; the emitter replaces it with C's expression. */
export const CARRY_IN = '@C@';

/** How an inline data-processing instruction sets NZCV (Arm ARM F5 data-processing pseudocode). */
export type FlagUpdate =
  /** `res` = AddWithCarry(`x`, `y`, carry-in) over int32 consts of the code; N, Z, C and V from them. */
  | { readonly kind: 'arithmetic'; readonly carryIn: '0' | '1' | 'C'; readonly subtract: boolean }
  /** N and Z from the int32 const `res`; C = `carry` (0/1 over the code's consts), or unchanged when null; V unchanged. */
  | { readonly kind: 'logical'; readonly carry: string | null };

interface FlagValue {
  /** 0/1 as an int32 expression. */
  readonly bit: string;
  /** The flag is set, as a parenthesised boolean expression. */
  readonly set: string;
  /** An int32 expression whose bit 31 is the flag (a sign test), or null. */
  readonly sign: string | null;
  /** The instruction whose saved values it reads; -1: the flag's local. */
  readonly source: number;
}

const inLocal = (name: FlagName): FlagValue => ({ bit: `f${name}`, set: `(f${name} === 1)`, sign: null, source: -1 });
const fromSign = (sign: string, source: number): FlagValue => ({ bit: `(${sign} >>> 31)`, set: `(${sign} < 0)`, sign, source });

/** The flags a condition reads (F2 "Conditional execution", ConditionPassed); none for AL. */
export function conditionReads(cond: number): readonly FlagName[] {
  switch (cond >>> 1) {
    case 0: return ['Z'];
    case 1: return ['C'];
    case 2: return ['N'];
    case 3: return ['V'];
    case 4: return ['C', 'Z'];
    case 5: return ['N', 'V'];
    case 6: return ['N', 'V', 'Z'];
    default: return [];
  }
}

/** Where each flag of a block being emitted is, and the statements that move it. */
export class BlockFlags {
  private readonly flags = new Map<FlagName, FlagValue>(FLAG_NAMES.map((n) => [n, inLocal(n)]));
  /** Set when every flag is pending from one subtraction (x - ~y): its conditions compare x and ~y. */
  private subtraction: { readonly source: number; readonly x: string; readonly y: string } | null = null;
  /** Instructions that saved values (their `q` locals are declared). */
  readonly saved = new Set<string>();

  private get(name: FlagName): FlagValue {
    return this.flags.get(name)!;
  }

  /** The flag as a 0/1 expression. */
  bit(name: FlagName): string {
    return this.get(name).bit;
  }

  /** Statements that compute the pending flags into their locals (the state itself is unchanged). */
  pendingToLocals(): string {
    const out: string[] = [];
    for (const name of FLAG_NAMES) {
      const f = this.get(name);
      if (f.source !== -1) out.push(`f${name} = ${f.bit};`);
    }
    return out.join(' ');
  }

  /** Like `pendingToLocals` for the named flags only. */
  someToLocals(names: ReadonlySet<FlagName>): string {
    return FLAG_NAMES.filter((n) => names.has(n) && this.get(n).source !== -1).map((n) => `f${n} = ${this.get(n).bit};`).join(' ');
  }

  /** `pendingToLocals`, after which the flags are in their locals. */
  settle(): string {
    const code = this.pendingToLocals();
    this.toLocals();
    return code;
  }

  /** Every flag is (now) in its local: after a settle, a handler call's reload, or at a loop top. */
  toLocals(): void {
    for (const name of FLAG_NAMES) this.flags.set(name, inLocal(name));
    this.subtraction = null;
  }

  /**
   * The statements that record instruction `k`'s `update` (run at the end of its code, where its
   * consts are in scope), leaving the flags it sets pending.
   */
  pend(update: FlagUpdate, k: number): string {
    const q = (s: string): string => `q${k}${s}`;
    if (update.kind === 'arithmetic') {
      const [x, y, r] = [q('x'), q('y'), q('r')];
      for (const s of [x, y, r]) this.saved.add(s);
      this.flags.set('N', fromSign(r, k));
      this.flags.set('Z', { bit: `((${r} === 0) | 0)`, set: `(${r} === 0)`, sign: null, source: k });
      if (update.carryIn === 'C') this.flags.set('C', fromSign(`((${x} & ${y}) | ((${x} | ${y}) & ~${r}))`, k));
      else {
        // The carry out of r = x + y + c with c constant: r < x unsigned (c = 0), r <= x (c = 1).
        const set = `((${r} >>> 0) ${update.carryIn === '0' ? '<' : '<='} (${x} >>> 0))`;
        this.flags.set('C', { bit: `(${set} | 0)`, set, sign: null, source: k });
      }
      this.flags.set('V', fromSign(`((${x} ^ ${r}) & (${y} ^ ${r}))`, k));
      this.subtraction = update.subtract && update.carryIn === '1' ? { source: k, x, y } : null;
      return `${x} = x; ${y} = y; ${r} = res;`;
    }
    const r = q('r');
    this.saved.add(r);
    this.flags.set('N', fromSign(r, k));
    this.flags.set('Z', { bit: `((${r} === 0) | 0)`, set: `(${r} === 0)`, sign: null, source: k });
    this.subtraction = null;
    if (update.carry === null) return `${r} = res;`;
    if (update.carry === '0' || update.carry === '1') {
      this.flags.set('C', { bit: update.carry, set: update.carry === '1' ? '(true)' : '(false)', sign: null, source: k });
      return `${r} = res;`;
    }
    const c = q('c');
    this.saved.add(c);
    this.flags.set('C', { bit: c, set: `(${c} !== 0)`, sign: null, source: k });
    return `${r} = res; ${c} = ${update.carry};`;
  }

  /** Statements that set the flag locals from `update` at once (a conditional instruction's, after a settle). */
  static eager(update: FlagUpdate): string {
    if (update.kind === 'logical') return `${update.carry === null ? '' : `fC = ${update.carry}; `}fN = res >>> 31; fZ = (res === 0) | 0;`;
    const carry =
      update.carryIn === 'C' ? '((x & y) | ((x | y) & ~res)) >>> 31' : `((res >>> 0) ${update.carryIn === '0' ? '<' : '<='} (x >>> 0)) | 0`;
    return `fC = ${carry}; fV = ((x ^ res) & (y ^ res)) >>> 31; fN = res >>> 31; fZ = (res === 0) | 0;`;
  }

  /** N == V as a parenthesised boolean expression. */
  private nEqualsV(): string {
    const n = this.get('N');
    const v = this.get('V');
    if (n.sign !== null && v.sign !== null) return `((${n.sign} ^ ${v.sign}) >= 0)`;
    return `(${n.bit} === ${v.bit})`;
  }

  /** ConditionPassed (Arm ARM F2 "Conditional execution") as a boolean expression; null for AL. */
  condition(cond: number): string | null {
    const s = this.subtraction;
    // After x - b (y = ~b): HI is b < x unsigned (C and not Z), GE is x >= b signed (N == V), GT x > b.
    const b = s === null ? '' : `~${s.y}`;
    let e: string;
    switch (cond >>> 1) {
      case 0: e = this.get('Z').set; break;
      case 1: e = this.get('C').set; break;
      case 2: e = this.get('N').set; break;
      case 3: e = this.get('V').set; break;
      case 4: e = s !== null ? `((${s.x} >>> 0) > (${b} >>> 0))` : `(${this.get('C').set} && !${this.get('Z').set})`; break;
      case 5: e = s !== null ? `(${s.x} >= ${b})` : this.nEqualsV(); break;
      case 6: e = s !== null ? `(${s.x} > ${b})` : `(!${this.get('Z').set} && ${this.nEqualsV()})`; break;
      default: return null;
    }
    return (cond & 1) === 1 ? `!${e}` : e;
  }
}
