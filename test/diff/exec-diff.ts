/**
 * The execution differential driver shared by the A32 and A64 tests: generate sequences, pre-run
 * them in our executor (dropping only those a listed rule rejects), run them all in one QEMU
 * process, rerun ours at the address QEMU used, compare, and summarise. A sequence that faults
 * is compared too: the signal QEMU's harness caught against the one Linux raises for our fault
 * (faultSignal), the faulting PC and, for data aborts, the address.
 */
import { runInQemu, SCRATCH_ADDRESS, SIGNAL_NAMES, TEXT_ADDRESS, type ExecCase, type ExecOutcome, type ExecState } from '../oracles/exec-harness';
import { compareStates, type StateDifference } from '../oracles/exec-compare';
import type { Isa } from '../oracles/llvm-mc';
import type { Prng } from '../oracles/prng';
import { ScratchMemory } from '../oracles/scratch-memory';

/**
 * Our fault as the signal Linux would raise for it: `signal` (SIGSEGV 11 for a translation or
 * permission fault, SIGILL 4 for an undefined instruction, SIGBUS 7 for an alignment fault), the
 * PC of the faulting instruction and the faulting address (si_addr: the data address, or the PC
 * for SIGILL and instruction aborts), each undefined where our executor cannot tell.
 */
export interface OurFault {
  readonly kind: 'fault';
  readonly detail: string;
  readonly signal?: number;
  readonly pc?: bigint;
  readonly address?: bigint;
}
export type OurRun = { readonly kind: 'done'; readonly final: ExecState } | OurFault;

export const SIGILL = 4;
export const SIGBUS = 7;
export const SIGSEGV = 11;

/**
 * Addresses QEMU's process maps but our ScratchMemory (the code and the 512-byte buffer) does not,
 * so a fault of ours there may be a successful access in QEMU: the harness image (code, data, the
 * scratch page, the output records and the heap after them: up to 16 MiB past the scratch buffer),
 * on Arm Linux the vectors page at 0xffff0000 that holds the kuser helpers, readable at PL0, and
 * the 16 MiB from 0x40000000 where qemu-arm places the guest's stack and its other mappings, with
 * the read/execute page qemu-arm 7.2 maps just below it at 0x3ffff000 (the guest's /proc/self/maps).
 */
export function harnessMapped(address: bigint | undefined, isa: Isa): boolean {
  if (address === undefined) return false;
  if (isa === 'a32' && address >= 0xffff_0000n && address < 0xffff_1000n) return true;
  if (isa === 'a32' && address >= 0x3fff_f000n && address < 0x4100_0000n) return true;
  return address >= BigInt(TEXT_ADDRESS) && address < BigInt(SCRATCH_ADDRESS + 0x100_0000);
}

/** Runs one case in our executor over `memory` (scratch + code at `codeAddress`). */
export type OurExecutor = (c: ExecCase, codeAddress: number, memory: ScratchMemory) => OurRun;

export interface ExecDiffReport {
  readonly sequences: number;
  readonly instructions: number;
  /** Pre-run rejections by reason (generated but not sent to QEMU). */
  readonly rejected: ReadonlyMap<string, number>;
  /** Agreeing cases that differ in a listed way (the class names its reason), by class. */
  readonly listed: ReadonlyMap<string, number>;
  /** Cases where both sides faulted, by QEMU's signal. */
  readonly faultSignals: ReadonlyMap<string, number>;
  /** Of those, the cases whose fault address (si_addr) both sides reported and were compared on, by signal. */
  readonly faultAddressesCompared: ReadonlyMap<string, number>;
  readonly agreed: number;
  /** Mismatch groups: key (first differing item + instruction(s)) -> count and one example. */
  readonly mismatches: ReadonlyMap<string, { count: number; example: string }>;
  /** Mismatches in single-instruction sequences, by our mnemonic: the culprit is certain there. */
  readonly singleMismatchMnemonics: ReadonlyMap<string, number>;
  /** Instructions compared per coverage bucket (`coverageKey`). */
  readonly coverage: ReadonlyMap<string, number>;
  /** Sequences kept although ours faults (compared on the signal, PC and address, see OurFault). */
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
   * Our faults without a signal (OurFault.signal) whose detail matches are kept and compared on
   * fault-ness only; other faults without a signal are dropped. Faults with a signal are kept
   * unless they touch harnessMapped memory.
   */
  readonly keepFaults?: RegExp;
  /** A reason not to compare one of our faults with a signal (a listed difference class), or null. */
  readonly dropFault?: (f: OurFault) => string | null;
  /**
   * Sequences whose data addresses depend on where their code runs (they read the PC): the rerun
   * at QEMU's address may fault in memory the harness maps where the pre-run at TEXT_ADDRESS did
   * not. Such a rerun is counted in `listed` (and not in `agreed`), as the pre-run would have
   * dropped it; without this option it is a mismatch.
   */
  readonly codeAddressDependent?: boolean;
  /** The QEMU batch runner (default: the A32/A64 harness of `isa`; T32 passes its own). */
  readonly runQemu?: (cases: readonly ExecCase[]) => ExecOutcome[];
  /** The memory our executor runs a case in (default: ScratchMemory, code as 32-bit words); `c` is the case, for images laid out by their generator. */
  readonly memory?: (scratch: Uint8Array, codeAddress: number, code: Uint32Array, c: ExecCase) => ScratchMemory;
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
    const mem = memoryOf(c.initial.scratch, TEXT_ADDRESS, c.code, c);
    const pre = o.ours(c, TEXT_ADDRESS, mem);
    const dropped = pre.kind === 'fault' && pre.signal !== undefined ? (harnessMapped(pre.address, o.isa) ? 'our executor faults on an address the harness image maps in QEMU (harnessMapped)' : (o.dropFault?.(pre) ?? null)) : null;
    const comparable = pre.kind === 'fault' && (pre.signal !== undefined ? dropped === null : o.keepFaults?.test(pre.detail) === true);
    if (comparable) {
      faultCases++;
      cases.push(c);
      continue;
    }
    const why =
      pre.kind !== 'fault'
        ? (o.reject?.(c, pre, mem) ?? null)
        : (dropped ?? `our executor faults (${pre.detail.replace(/0x[0-9a-f]+/g, 'N').slice(0, 60)})`);
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
  const listed = new Map<string, number>();
  const listedSignals = new Map<string, number>();
  const addressesCompared = new Map<string, number>();
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
    const ours = o.ours(c, q.codeAddress, memoryOf(c.initial.scratch, q.codeAddress, c.code, c));
    if (o.codeAddressDependent === true && ours.kind === 'fault' && ours.signal !== undefined && harnessMapped(ours.address, o.isa)) {
      listed.set(LISTED_MAPPED_IN_RERUN, (listed.get(LISTED_MAPPED_IN_RERUN) ?? 0) + 1);
      return;
    }
    if (q.kind === 'crashed' || ours.kind === 'fault') {
      if (q.kind === 'crashed' && ours.kind === 'fault') {
        const kind = `both ${signalName(q.signal)}`;
        listedSignals.set(kind, (listedSignals.get(kind) ?? 0) + 1);
        if (ours.address !== undefined && q.faultAddress !== null) addressesCompared.set(signalName(q.signal), (addressesCompared.get(signalName(q.signal)) ?? 0) + 1);
        const d = faultDifference(ours, q);
        if (d === LISTED_BEYOND_QEMU) listed.set(d, (listed.get(d) ?? 0) + 1);
        if (d === null || d === LISTED_BEYOND_QEMU) agreed++;
        else note(`${d}: ${c.code.length === 1 ? o.describe(c.code[0]).split(/\s/)[0] : 'sequence'}`, `ours ${ours.detail}${ours.address === undefined ? '' : `, address 0x${ours.address.toString(16)}`}; QEMU ${q.detail}: ${listing}`, c);
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
  return { sequences: cases.length, instructions, rejected, listed, faultSignals: listedSignals, faultAddressesCompared: addressesCompared, agreed, mismatches, singleMismatchMnemonics: singles, coverage, faultCases, cases };
}

const signalName = (s: number): string => SIGNAL_NAMES[s] ?? `signal ${s}`;

/** How our fault and QEMU's differ (signal first, then PC, then address), or null; fields either side does not know are not compared. */
function faultDifference(ours: OurFault, q: Extract<ExecOutcome, { kind: 'crashed' }>): string | null {
  if (ours.signal === undefined) return null;
  if (ours.signal !== q.signal) return `fault kind ours ${signalName(ours.signal)} qemu ${signalName(q.signal)}`;
  if (ours.pc !== undefined && q.faultPc !== null && ours.pc !== q.faultPc) return `${signalName(q.signal)} PC`;
  if (ours.address !== undefined && q.faultAddress !== null && ours.address !== q.faultAddress) {
    if (q.faultAddress === 0n && ours.address >= QEMU_USER_ADDRESS_LIMIT) return LISTED_BEYOND_QEMU;
    return `${signalName(q.signal)} address`;
  }
  return null;
}

/**
 * qemu-aarch64 reports si_addr 0 for a data address at or beyond 2^47, outside the guest address
 * space it reserves (Linux on a 48-bit VA CPU would report the address: Arm ARM D8 translation fault
 * at level 0). Counted apart as a listed difference, not a mismatch.
 */
const QEMU_USER_ADDRESS_LIMIT = 1n << 47n;
const LISTED_BEYOND_QEMU = 'listed: QEMU reports si_addr 0 beyond its 2^47 guest address space';
export const LISTED_MAPPED_IN_RERUN = 'listed: at the address QEMU ran it, not at TEXT_ADDRESS, our executor faults on an address the harness image maps in QEMU (harnessMapped)';

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
  lines.push(`  ${r.coverage.size} coverage buckets compared; ${r.faultCases} sequences compared on a fault (${[...r.faultSignals].map(([k, n]) => `${k} ${n}`).join(', ')}; with the address: ${[...r.faultAddressesCompared].map(([k, n]) => `${k} ${n}`).join(', ')})`);
  const top = [...r.coverage.entries()].sort((a, b) => a[0].localeCompare(b[0]));
  if (top.length <= 200) lines.push(`  run: ${top.map(([m, n]) => `${m} ${n}`).join(', ')}`);
  for (const [why, n] of r.listed) lines.push(`  agreed with a listed difference ${String(n).padStart(4)}: ${why}`);
  for (const [why, n] of [...r.rejected.entries()].sort((a, b) => b[1] - a[1]).slice(0, 12)) lines.push(`  pre-run rejected ${String(n).padStart(6)}: ${why}`);
  for (const [key, g] of [...r.mismatches.entries()].sort((a, b) => b[1].count - a[1].count).slice(0, maxGroups)) {
    lines.push(`  ${String(g.count).padStart(5)} × ${key}\n          e.g. ${g.example}`);
  }
  return lines.join('\n');
}
