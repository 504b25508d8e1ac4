/** ESR_EL2 / HSR: encode, decode, print. */
export { decodeSyndrome } from '../exec/syndrome/decode';
export { formatSyndrome, describeSetWayOperand, faultStatusName } from '../exec/syndrome/format';
export { encodeCoprocTrap, encodeSysTrap, encodeWfxTrap, encodeHvc, encodeDataAbort, encodeInstructionAbort, encodeUnknown } from '../exec/syndrome/encode';
export { lookupCoproc, lookupSys, SYSREG_ROWS } from '../exec/sysregs/table';
export { coprocKey, sysKey } from '../decode/system-access';
