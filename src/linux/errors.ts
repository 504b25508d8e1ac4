/** Errors raised while unpacking and reading Linux kernels: each says what was wrong and where. */

function at(offset: number): string {
  return offset >= 0 ? ` (at offset 0x${offset.toString(16)})` : '';
}

/** A malformed or unsupported XZ stream. `offset` is relative to the start of the bytes given. */
export class XzError extends Error {
  constructor(
    detail: string,
    readonly offset: number = -1,
  ) {
    super(`${detail}${at(offset)}`);
    this.name = 'XzError';
  }
}

/** An ARM zImage that is malformed, or whose payload cannot be found or decompressed. */
export class ZImageError extends Error {
  constructor(
    detail: string,
    readonly offset: number = -1,
  ) {
    super(`${detail}${at(offset)}`);
    this.name = 'ZImageError';
  }
}

/** A kallsyms table that could not be found in, or decoded from, a kernel Image. */
export class KallsymsError extends Error {
  constructor(
    detail: string,
    readonly offset: number = -1,
  ) {
    super(`${detail}${at(offset)}`);
    this.name = 'KallsymsError';
  }
}

/** A System.map line that does not parse. `line` counts from 1. */
export class SystemMapError extends Error {
  constructor(
    detail: string,
    readonly line: number,
  ) {
    super(`System.map line ${line}: ${detail}`);
    this.name = 'SystemMapError';
  }
}

/** Kernel bytes that are none of the formats the Linux loader accepts. */
export class LinuxKernelError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'LinuxKernelError';
  }
}
