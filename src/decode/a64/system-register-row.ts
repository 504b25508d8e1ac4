/**
 * One row of the A64 system-register name tables: the name as llvm-mc 14 prints it, the MRS/MSR
 * encoding fields (op0, op1, CRn, CRm, op2; Arm ARM C5.3) and which of MRS/MSR the name is valid for.
 */

/** Access a register name is valid for: MRS only, MSR only, or both. */
export type Rw = 'r' | 'w' | 'rw';

export type SystemRegisterRow = readonly [name: string, op0: number, op1: number, crn: number, crm: number, op2: number, rw: Rw];

/** Encoding fields of member `n` of an indexed family. */
export type FamilyEncoding = (n: number) => readonly [op0: number, op1: number, crn: number, crm: number, op2: number];

/**
 * Rows for an indexed family such as DBGBVR<n>_EL1: `<n>` in `pattern` becomes n = first..last,
 * and `encode` derives the fields from n exactly as the register description's encoding does.
 */
export function family(pattern: string, first: number, last: number, rw: Rw, encode: FamilyEncoding): SystemRegisterRow[] {
  const rows: SystemRegisterRow[] = [];
  for (let n = first; n <= last; n++) {
    const [op0, op1, crn, crm, op2] = encode(n);
    rows.push([pattern.replace('<n>', String(n)), op0, op1, crn, crm, op2, rw]);
  }
  return rows;
}
