/**
 * The one record for a system-register or system-instruction access, shared by the decoders,
 * the executors, the trap logic and the syndrome encoder, so that the four cannot disagree.
 *
 * AArch32: MCR/MRC (EC 0x03 for cp15) and MCRR/MRRC (EC 0x04) carry exactly these fields in the
 * HSR ISS (Arm ARM DDI 0487, G8 "HSR", ISS encodings for EC 0x03/0x04).
 * AArch64: MSR/MRS/SYS/SYSL carry op0, op1, CRn, CRm, op2, Rt, direction in ESR_EL2 ISS for
 * EC 0x18 (D17 "ESR_EL2", ISS encoding for an exception from MSR, MRS or System instruction).
 */

/** MCR/MRC (`wide` false) or MCRR/MRRC (`wide` true). `read` is the ISS Direction bit: 1 = MRC/MRRC. */
export interface CoprocAccess {
  readonly coproc: number;
  readonly opc1: number;
  /** CRn; 0 for MCRR/MRRC, which have none. */
  readonly crn: number;
  readonly crm: number;
  /** opc2; 0 for MCRR/MRRC. */
  readonly opc2: number;
  readonly rt: number;
  /** Second register of MCRR/MRRC; 0 otherwise. */
  readonly rt2: number;
  readonly read: boolean;
  readonly wide: boolean;
}

/** MSR (register)/MRS/SYS/SYSL. `read` is the ISS Direction bit: 1 = MRS/SYSL. */
export interface SysAccess {
  readonly op0: number;
  readonly op1: number;
  readonly crn: number;
  readonly crm: number;
  readonly op2: number;
  readonly rt: number;
  readonly read: boolean;
}

/** Key that identifies an AArch32 coprocessor register regardless of Rt and direction. */
export function coprocKey(a: Pick<CoprocAccess, 'coproc' | 'opc1' | 'crn' | 'crm' | 'opc2' | 'wide'>): number {
  // wide:1 coproc:4 opc1:4 crn:4 crm:4 opc2:3 = 20 bits
  return (
    ((a.wide ? 1 : 0) << 19) | ((a.coproc & 15) << 15) | ((a.opc1 & 15) << 11) | ((a.crn & 15) << 7) | ((a.crm & 15) << 3) | (a.opc2 & 7)
  );
}

/** Key that identifies an AArch64 system register/instruction regardless of Rt and direction. */
export function sysKey(a: Pick<SysAccess, 'op0' | 'op1' | 'crn' | 'crm' | 'op2'>): number {
  // op0:2 op1:3 crn:4 crm:4 op2:3 = 16 bits, the same packing as the MRS/MSR encoding bits[20:5]
  return ((a.op0 & 3) << 14) | ((a.op1 & 7) << 11) | ((a.crn & 15) << 7) | ((a.crm & 15) << 3) | (a.op2 & 7);
}
