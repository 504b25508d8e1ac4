/**
 * The execution differential driver shared by the A32 and A64 tests: generate sequences, keep
 * those our executor runs without faulting (a pre-run), run them all in one QEMU process, rerun
 * ours at the address QEMU used, compare, and summarise.
 */
import { runInQemu, TEXT_ADDRESS, type ExecCase, type ExecOutcome, type ExecState } from '../oracles/exec-harness';
import { compareStates, type StateDifference } from '../oracles/exec-compare';
import type { Isa } from '../oracles/llvm-mc';
import type { Prng } from '../oracles/prng';
import { ScratchMemory } from '../oracles/scratch-memory';

export type OurRun = { readonly kind: 'done'; readonly final: ExecState } | { readonly kind: 'fault'; readonly detail: string };

/** Runs one case in our executor over `memory` (scratch + code at `codeAddress`). */
export type OurExecutor = (c: ExecCase, codeAddress: number, memory: ScratchMemory) => OurRun;

export interface ExecDiffReport {
  readonly sequences: number;
  readonly instructions: number;
  /** Pre-run rejections by reason (generated but not sent to QEMU). */
  readonly rejected: ReadonlyMap<string, number>;
  readonly agreed: number;
  /** Mismatch groups: key (first differing item + instruction(s)) -> count and one example. */
  readonly mismatches: ReadonlyMap<string, { count: number; example: string }>;
  /** Mismatches in single-instruction sequences, by our mnemonic: the culprit is certain there. */
  readonly singleMismatchMnemonics: ReadonlyMap<string, number>;
  /** Instructions compared per coverage bucket (`coverageKey`). */
  readonly coverage: ReadonlyMap<string, number>;
  /** Sequences kept although ours faults (compared on fault-ness, see `keepFaults`). */
  readonly faultCases: number;
  /** The sequences that were compared. */
  readonly cases: readonly ExecCase[];
}

export interface ExecDiffOptions {
  readonly isa: Isa;
  readonly sequences: number;
  readonly rng: Prng;
  readonly generate: (rng: Prng) => ExecCase;
  readonly ours: OurExecutor;
  /** A reason to drop a case after our pre-run (e.g. an access QEMU would fault on), or null. */
  readonly reject?: (c: ExecCase, run: OurRun, memory: ScratchMemory) => string | null;
  readonly describe: (word: number) => string;
  /** The coverage bucket of a word (default: its mnemonic as `describe` prints it, condition suffix included). */
  readonly coverageKey?: (word: number) => string;
  /**
   * Our faults whose detail matches are kept and compared on fault-ness (QEMU must fault too):
   * alignment faults, which QEMU raises as SIGBUS. Other faults of ours (an access outside the
   * scratch buffer) are dropped: QEMU's address space differs there.
   */
  readonly keepFaults?: RegExp;
  /** The QEMU batch runner (default: the A32/A64 harness of `isa`; T32 passes its own). */
  readonly runQemu?: (cases: readonly ExecCase[]) => ExecOutcome[];
  /** The memory our executor runs a case in (default: ScratchMemory, code as 32-bit words). */
  readonly memory?: (scratch: Uint8Array, codeAddress: number, code: Uint32Array) => ScratchMemory;
}

export function runExecDiff(o: ExecDiffOptions): ExecDiffReport {
  const rejected = new Map<string, number>();
  const cases: ExecCase[] = [];
  let attempts = 0;
  let faultCases = 0;
  while (cases.length < o.sequences) {
    if (++attempts > o.sequences * 50) throw new Error(`exec diff: only ${cases.length} of ${o.sequences} sequences survived ${attempts} attempts`);
    const c = o.generate(o.rng);
    const memoryOf = o.memory ?? ((s: Uint8Array, a: number, code: Uint32Array) => new ScratchMemory(s, a, code));
    const mem = memoryOf(c.initial.scratch, TEXT_ADDRESS, c.code);
    const pre = o.ours(c, TEXT_ADDRESS, mem);
    if (pre.kind === 'fault' && o.keepFaults?.test(pre.detail)) {
      faultCases++;
      cases.push(c);
      continue;
    }
    const why = pre.kind === 'fault' ? `our executor faults (${pre.detail.replace(/0x[0-9a-f]+/g, 'N').slice(0, 60)})` : (o.reject?.(c, pre, mem) ?? null);
    if (why !== null) {
      rejected.set(why, (rejected.get(why) ?? 0) + 1);
      continue;
    }
    cases.push(c);
  }
  const qemu = o.runQemu ? o.runQemu(cases) : runInQemu(o.isa, cases);
  const memoryOf = o.memory ?? ((s: Uint8Array, a: number, code: Uint32Array) => new ScratchMemory(s, a, code));
  const coverageKey = o.coverageKey ?? ((w: number) => o.describe(w).split(/\s/)[0]);
  let agreed = 0;
  let instructions = 0;
  const mismatches = new Map<string, { count: number; example: string }>();
  const singles = new Map<string, number>();
  const coverage = new Map<string, number>();
  const note = (key: string, example: string, c: ExecCase): void => {
    const g = mismatches.get(key);
    if (g) g.count++;
    else mismatches.set(key, { count: 1, example });
    if (c.code.length === 1) {
      const m = o.describe(c.code[0]).split(/\s/)[0];
      singles.set(m, (singles.get(m) ?? 0) + 1);
    }
  };
  cases.forEach((c, i) => {
    instructions += c.code.length;
    for (const w of c.code) {
      const m = coverageKey(w);
      coverage.set(m, (coverage.get(m) ?? 0) + 1);
    }
    const q = qemu[i];
    const listing = Array.from(c.code, (w) => `${w.toString(16).padStart(8, '0')} ${o.describe(w)}`).join(' ; ');
    const ours = o.ours(c, q.codeAddress, memoryOf(c.initial.scratch, q.codeAddress, c.code));
    if (q.kind === 'crashed' || ours.kind === 'fault') {
      if (q.kind === 'crashed' && ours.kind === 'fault') {
        agreed++;
        return;
      }
      const detail = q.kind === 'crashed' ? `QEMU ${q.detail}, ours ran` : `ours faulted (${ours.kind === 'fault' ? ours.detail : ''}), QEMU ran`;
      note(`${q.kind === 'crashed' ? 'qemu fault' : 'our fault'}: ${c.code.length === 1 ? o.describe(c.code[0]).split(/\s/)[0] : 'sequence'}`, `${detail}: ${listing}`, c);
      return;
    }
    const diffs: StateDifference[] = compareStates(o.isa, ours.final, q.final);
    if (diffs.length === 0) {
      agreed++;
      return;
    }
    const first = diffs[0];
    const what = first.what.startsWith('mem') ? 'memory' : first.what === 'flags' ? 'flags' : 'register';
    const culprit = c.code.length === 1 ? o.describe(c.code[0]).split(/\s/)[0] : 'sequence';
    note(`${what}: ${culprit}`, `${diffs.map((d) => `${d.what} ours ${d.ours} qemu ${d.qemu}`).slice(0, 3).join(', ')} after: ${listing}`, c);
  });
  return { sequences: cases.length, instructions, rejected, agreed, mismatches, singleMismatchMnemonics: singles, coverage, faultCases, cases };
}

/** The mismatch groups, largest first, one line each with an example: an empty list is a clean run (assert it equal to []). */
export function mismatchGroups(r: ExecDiffReport, max = 8): string[] {
  return [...r.mismatches.entries()]
    .sort((a, b) => b[1].count - a[1].count)
    .slice(0, max)
    .map(([k, g]) => `${g.count} × ${k}: ${g.example}`);
}

export function formatExecReport(title: string, r: ExecDiffReport, maxGroups = 30): string {
  const lines = [
    `${title}: ${r.sequences} sequences (${r.instructions} instructions), agreement ${((100 * r.agreed) / r.sequences).toFixed(2)}% (${r.agreed}/${r.sequences})`,
  ];
  lines.push(`  ${r.coverage.size} coverage buckets compared; ${r.faultCases} sequences compared on an alignment fault`);
  const top = [...r.coverage.entries()].sort((a, b) => a[0].localeCompare(b[0]));
  if (top.length <= 200) lines.push(`  run: ${top.map(([m, n]) => `${m} ${n}`).join(', ')}`);
  for (const [why, n] of [...r.rejected.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12)) lines.push(`  pre-run rejected ${String(n).padStart(6)}: ${why}`);
  for (const [key, g] of [...r.mismatches.entries()].sort((a, b) => b[1].count - a[1].count).slice(0, maxGroups)) {
    lines.push(`  ${String(g.count).padStart(5)} × ${key}\n          e.g. ${g.example}`);
  }
  return lines.join('\n');
}
