/** Plain aligned text tables for the terminal: numbers right-aligned, text left-aligned. */

export interface Column<R> {
  readonly header: string;
  readonly value: (row: R) => string | number;
}

export function renderTable<R>(rows: readonly R[], columns: readonly Column<R>[]): string {
  const cells = rows.map((r) => columns.map((c) => c.value(r)));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => String(row[i]).length)));
  const line = (values: (string | number)[]) =>
    values.map((v, i) => (typeof v === 'number' ? String(v).padStart(widths[i]) : String(v).padEnd(widths[i]))).join('  ').trimEnd();
  const headers = columns.map((c, i) => (cells.length > 0 && typeof cells[0][i] === 'number' ? c.header.padStart(widths[i]) : c.header.padEnd(widths[i])));
  return [headers.join('  ').trimEnd(), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n') + '\n';
}

/** A number with thousands separators (tables of counts). */
export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function fixed(n: number, digits = 1): string {
  return n.toFixed(digits);
}
