/** A syndrome that cannot be built or read: says which field and what value. */
export class SyndromeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SyndromeError';
  }
}

/** Check that `value` is an integer that fits in `width` unsigned bits; return it. */
export function fieldValue(value: number, width: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** width) {
    throw new SyndromeError(`${what} ${String(value)} does not fit in ${width} bits`);
  }
  return value;
}
