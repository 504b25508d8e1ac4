/**
 * What every stage 1 walker shares: how it reads table descriptors, what it returns, and the
 * permission bits it grants.
 */

import { type FaultAccess, type FaultKind, MemoryAbort } from './fault';

/**
 * Reads stage 1 table descriptors at an IPA. The translator implements it: it translates the
 * IPA through stage 2 (a fault there is reported with S1PTW) and reads the words through the
 * caller's `readDescriptor(pa, cacheable)`, so cacheable walks can go through the caches.
 */
export interface TableReader {
  /** Read the 64-bit descriptor at `ipa` (8-aligned) into `lo`/`hi`. `walkAttrCode` is the walk's stage 1 memory attribute code. */
  read64(ipa: number, walkAttrCode: number): void;
  /** Read the 32-bit descriptor at `ipa` (short-descriptor format). */
  read32(ipa: number, walkAttrCode: number): number;
  lo: number;
  hi: number;
}

/** Permission bits a translation grants (stage 1, stage 2, and combined in the TLB). */
export const PERM = {
  EL1_READ: 1,
  EL1_WRITE: 2,
  EL1_EXEC: 4,
  EL0_READ: 8,
  EL0_WRITE: 16,
  EL0_EXEC: 32,
} as const;
export const PERM_ALL = 63;

/** The PERM bit an access at `el` needs. */
export function permissionNeeded(access: FaultAccess, el: 0 | 1): number {
  const b = access === 'read' ? PERM.EL1_READ : access === 'write' ? PERM.EL1_WRITE : PERM.EL1_EXEC;
  return el === 0 ? b << 3 : b;
}

/** PERM bits from the usual six booleans. */
export function permissionBits(pr: boolean, pw: boolean, px: boolean, ur: boolean, uw: boolean, ux: boolean): number {
  return (
    (pr ? PERM.EL1_READ : 0) |
    (pw ? PERM.EL1_WRITE : 0) |
    (px ? PERM.EL1_EXEC : 0) |
    (ur ? PERM.EL0_READ : 0) |
    (uw ? PERM.EL0_WRITE : 0) |
    (ux ? PERM.EL0_EXEC : 0)
  );
}

/** Result of a stage 1 walk; walkers fill one reused object. */
export class Stage1Walk {
  /** Output (intermediate physical) address of the VA. */
  ipa = 0;
  level = 0;
  /** Bytes the leaf maps, and the VA it starts at. */
  blockSize = 0;
  blockVa = 0;
  /** Interned memory attribute code from the descriptor (before SCTLR.C/I are applied). */
  attrCode = 0;
  /** PERM bits granted (assuming a Client domain for short descriptors). */
  perms = 0;
  global = false;
  /** Short-descriptor domain (0..15); -1 for long descriptors. */
  domain = -1;
}

/** Throw a stage 1 abort. */
export function stage1Fault(kind: FaultKind, level: number, va: number, access: FaultAccess, domain?: number): never {
  throw new MemoryAbort({ kind, stage: 1, level, access, va, ipa: 0, s1ptw: false, ...(domain === undefined ? {} : { domain }) });
}
