/**
 * The loader's one error type. `field` names the ELF field (or loader option) at fault, e.g.
 * 'e_shoff', 'sh_offset', 'r_info', 'symbol'; `offset` is the file offset where that field or
 * entry lives, or -1 where no position in the file applies (a symbol lookup, a raw image option).
 */
export class ElfError extends Error {
  constructor(
    message: string,
    readonly field: string,
    readonly offset: number,
  ) {
    super(offset >= 0 ? `${message} (${field} at file offset 0x${offset.toString(16)})` : message);
    this.name = 'ElfError';
  }
}

export function hex(value: number): string {
  return value < 0 ? `-0x${(-value).toString(16)}` : `0x${value.toString(16)}`;
}
