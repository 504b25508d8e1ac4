/** What the fast-path tests compare between the plain interpreter and the compiled fast path. */

/** How one `run(budget)` call ended, as text: retired count and stop reason, or the error thrown. */
export function runOutcome(cpu: { run(budget: number): number; readonly stopReason: string }, budget: number): string {
  try {
    return `ran ${cpu.run(budget)} ${cpu.stopReason}`;
  } catch (e) {
    return `threw ${(e as Error).message}`;
  }
}

/** Index of the first byte where `a` and `b` differ, -1 when equal (a deep toEqual of many KiB is slow). */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  if (Buffer.compare(a, b) === 0) return -1;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return n;
}
