/**
 * Row-by-row comparison of what QEMU's EL2 handler and setway's executors recorded for the same
 * EL1 rows (qemu-el2.ts), with the listed differences (an Arm ARM verdict each) applied only where
 * they show, and counted.
 */
import { formatSyndrome } from '../../src/exec/syndrome/format';
import type { El2Record } from './qemu-el2';

export interface Row {
  /** What the row runs, as written in its source. */
  readonly what: string;
  readonly isa: 'A64' | 'A32' | 'T32';
  /** The trap class it exercises (for the counts). */
  readonly cls: string;
}

/** A known difference: where it applies, setway's records of a row rewritten to QEMU's, with the verdict. */
export interface ListedDifference {
  readonly name: string;
  /** The Arm ARM's verdict, said once. */
  readonly verdict: string;
  /** setway's records of the row as QEMU reports them, or null when the difference does not apply. */
  readonly asQemu: (row: Row, ours: readonly El2Record[], qemu: readonly El2Record[]) => El2Record[] | null;
}

/** A listed difference that rewrites records one by one (paired with QEMU's record at the same position). */
export function perRecord(fix: (row: Row, ours: El2Record, qemu: El2Record) => El2Record | null): ListedDifference['asQemu'] {
  return (row, ours, qemu) => {
    let changed = false;
    const out = ours.map((r, j) => {
      const q = qemu[j];
      const f = q === undefined ? null : fix(row, r, q);
      if (f === null) return r;
      changed = true;
      return f;
    });
    return changed ? out : null;
  };
}

/** EC of a stage-2 abort (Instruction or Data Abort from a lower EL): FAR and HPFAR are compared. */
export function isAbort(esr: number): boolean {
  const ec = esr >>> 26;
  return ec === 0x20 || ec === 0x24;
}

/** One record as text: the decoded syndrome, and FAR/HPFAR for aborts (UNKNOWN for other classes). */
export function recordText(r: El2Record | undefined): string {
  if (r === undefined) return 'no exception';
  const esr = `0x${r.esr.toString(16).padStart(8, '0')} ${formatSyndrome(r.esr)}`;
  return isAbort(r.esr) ? `${esr} FAR=0x${r.far.toString(16)} HPFAR=0x${r.hpfar.toString(16)}` : esr;
}

export interface Comparison {
  /** Per row: `what: record | record` for QEMU and for setway (after the listed differences). */
  readonly qemu: string[];
  readonly ours: string[];
  /** Rows per "class ISA", records compared per ISA. */
  readonly rowsByClass: Map<string, number>;
  /** Where each listed difference was applied (row texts). */
  readonly applied: Map<string, string[]>;
  readonly records: number;
}

export function compareRows(rows: readonly Row[], qemu: readonly El2Record[][], ours: readonly El2Record[][], listed: readonly ListedDifference[]): Comparison {
  const rowsByClass = new Map<string, number>();
  const applied = new Map<string, string[]>(listed.map((l) => [l.name, []]));
  const q: string[] = [];
  const o: string[] = [];
  let records = 0;
  rows.forEach((row, k) => {
    const key = `${row.cls} ${row.isa}`;
    rowsByClass.set(key, (rowsByClass.get(key) ?? 0) + 1);
    const qs = qemu[k] ?? [];
    let os = ours[k] ?? [];
    const text = (rs: readonly El2Record[]): string => rs.map(recordText).join(' | ');
    for (const l of listed) {
      const fixed = l.asQemu(row, os, qs);
      if (fixed !== null && text(fixed) !== text(os)) {
        applied.get(l.name)?.push(`${row.isa} ${row.what}`);
        os = fixed;
      }
    }
    records += Math.max(qs.length, os.length);
    const label = `${row.isa} ${row.what}: `;
    q.push(label + (qs.length === 0 ? 'no exception' : qs.map(recordText).join(' | ')));
    o.push(label + (os.length === 0 ? 'no exception' : os.map(recordText).join(' | ')));
  });
  return { qemu: q, ours: o, rowsByClass, applied, records };
}

/** The counts as the test prints them: rows per class and ISA, then each listed difference's rows. */
export function summary(title: string, c: Comparison, listed: readonly ListedDifference[]): string {
  const lines = [`${title}: ${c.qemu.length} rows, ${c.records} exceptions compared`];
  for (const [k, n] of [...c.rowsByClass].sort()) lines.push(`  ${k}: ${n}`);
  for (const l of listed) {
    const where = c.applied.get(l.name) ?? [];
    lines.push(`  listed ${l.name}: ${where.length} (${l.verdict})`);
  }
  return lines.join('\n');
}
