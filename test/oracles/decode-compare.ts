/**
 * Comparing our decoder with llvm-mc word by word: validity, mnemonic, operands, with an
 * explicit list of exclusions (each with its reason) counted separately, never silently.
 */
import type { Disassembly } from './llvm-mc';

/** What our decoder says about a word, reduced to what llvm-mc can be compared with. */
export interface OurView {
  /** We decode it as an instruction (not UNDEFINED/unallocated). */
  readonly valid: boolean;
  /** Normalised mnemonic and operands ('' when invalid). */
  readonly mnemonic: string;
  readonly operands: string;
  /** Our decoder's own classification (e.g. 'unpredictable', 'fpsimd'), for exclusions. */
  readonly kind: string;
}

export interface Exclusion {
  readonly name: string;
  readonly reason: string;
  readonly applies: (word: number, ours: OurView, llvm: Disassembly & { readonly mnemonicN: string; readonly operandsN: string }) => boolean;
}

export interface Disagreement {
  readonly what: 'validity' | 'mnemonic' | 'operands';
  readonly word: number;
  readonly ours: string;
  readonly llvm: string;
}

export interface DecodeReport {
  readonly total: number;
  readonly excluded: ReadonlyMap<string, number>;
  readonly compared: number;
  readonly validityAgree: number;
  /** Words both call valid (the denominator of mnemonic and operand agreement). */
  readonly bothValid: number;
  readonly mnemonicAgree: number;
  readonly operandsAgree: number;
  /** Disagreements, grouped by (what, our mnemonic or 'undefined', llvm mnemonic or 'invalid'), with one example each. */
  readonly groups: ReadonlyMap<string, { count: number; example: Disagreement }>;
}

export function compareDecodes(
  words: ArrayLike<number>,
  llvm: readonly Disassembly[],
  ours: (word: number) => OurView,
  normaliseLlvm: (text: string) => { mnemonic: string; operands: string },
  exclusions: readonly Exclusion[],
): DecodeReport {
  const excluded = new Map<string, number>();
  const groups = new Map<string, { count: number; example: Disagreement }>();
  let compared = 0;
  let validityAgree = 0;
  let bothValid = 0;
  let mnemonicAgree = 0;
  let operandsAgree = 0;
  const note = (d: Disagreement, ourM: string, llvmM: string): void => {
    const key = `${d.what}: ours ${ourM} / llvm ${llvmM}`;
    const g = groups.get(key);
    if (g) g.count++;
    else groups.set(key, { count: 1, example: d });
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i] >>> 0;
    const o = ours(w);
    const l = llvm[i];
    const n = l.valid ? normaliseLlvm(l.text) : { mnemonic: '', operands: '' };
    const lx = { ...l, mnemonicN: n.mnemonic, operandsN: n.operands };
    const ex = exclusions.find((e) => e.applies(w, o, lx));
    if (ex) {
      excluded.set(ex.name, (excluded.get(ex.name) ?? 0) + 1);
      continue;
    }
    compared++;
    const ourText = o.valid ? `${o.mnemonic} ${o.operands}`.trim() : `(${o.kind})`;
    const llvmText = l.valid ? l.text : '(invalid)';
    if (o.valid !== l.valid) {
      note({ what: 'validity', word: w, ours: ourText, llvm: llvmText }, o.valid ? o.mnemonic : o.kind, l.valid ? n.mnemonic : 'invalid');
      continue;
    }
    validityAgree++;
    if (!o.valid) continue;
    bothValid++;
    if (o.mnemonic !== n.mnemonic) {
      note({ what: 'mnemonic', word: w, ours: ourText, llvm: llvmText }, o.mnemonic, n.mnemonic);
      continue;
    }
    mnemonicAgree++;
    if (o.operands !== n.operands) {
      note({ what: 'operands', word: w, ours: ourText, llvm: llvmText }, o.mnemonic, n.mnemonic);
      continue;
    }
    operandsAgree++;
  }
  return { total: words.length, excluded, compared, validityAgree, bothValid, mnemonicAgree, operandsAgree, groups };
}

/** A condition suffix (T32 words decoded inside an IT block carry one). */
export const COND_SUFFIX = '(eq|ne|hs|cs|lo|cc|mi|pl|vs|vc|hi|ls|ge|lt|gt|le|al)?';

/** Armv8's names for two DSB options, shared by the A32 and T32 decode differentials. */
export const DSB_SSBB_EXCLUSION: Exclusion = {
  name: 'DSB #0/#4 as SSBB/PSSBB',
  reason:
    'Armv8 gives DSB option 0b0000 and 0b0100 the names SSBB and PSSBB (Arm ARM F5 "SSBB", "PSSBB"), which llvm-mc 14 prints; in Armv7-A, which setway decodes, they are reserved options that execute as DSB SY, printed "dsb #0"/"dsb #4"',
  applies: (_w, ours, llvm) => new RegExp(`^dsb${COND_SUFFIX}$`).test(ours.mnemonic) && /^#[04]$/.test(ours.operands) && new RegExp(`^p?ssbb${COND_SUFFIX}$`).test(llvm.mnemonicN),
};

/** The disagreement groups, largest first, one line each with an example: an empty list is a clean run (assert it equal to []). */
export function differenceGroups(r: DecodeReport, max = 10): string[] {
  return [...r.groups.entries()]
    .sort((a, b) => b[1].count - a[1].count)
    .slice(0, max)
    .map(([k, g]) => `${g.count} × ${k}: 0x${g.example.word.toString(16)} ours "${g.example.ours}" llvm "${g.example.llvm}"`);
}

const pct = (a: number, b: number): string => (b === 0 ? 'n/a' : `${((100 * a) / b).toFixed(3)}%`);

/** A report for the console: rates, exclusions, and the largest disagreement groups with an example each. */
export function formatDecodeReport(title: string, r: DecodeReport, exclusions: readonly Exclusion[], maxGroups = 25): string {
  const lines = [
    `${title}: ${r.total} words, ${r.compared} compared, ${r.total - r.compared} excluded`,
    `  validity agreement ${pct(r.validityAgree, r.compared)} (${r.validityAgree}/${r.compared})`,
    `  mnemonic agreement ${pct(r.mnemonicAgree, r.bothValid)} of ${r.bothValid} both-valid; operands ${pct(r.operandsAgree, r.bothValid)}`,
  ];
  for (const e of exclusions) lines.push(`  excluded ${String(r.excluded.get(e.name) ?? 0).padStart(6)} ${e.name}: ${e.reason}`);
  for (const what of ['validity', 'mnemonic', 'operands'] as const) {
    const sorted = [...r.groups.entries()]
      .filter(([, g]) => g.example.what === what)
      .sort((a, b) => b[1].count - a[1].count)
      .slice(0, maxGroups);
    for (const [key, g] of sorted) {
      lines.push(`  ${String(g.count).padStart(6)} × ${key}   e.g. 0x${g.example.word.toString(16).padStart(8, '0')}: ours "${g.example.ours}" llvm "${g.example.llvm}"`);
    }
  }
  return lines.join('\n');
}
