/** Branches: B, BL, B.cond, CBZ/CBNZ, TBZ/TBNZ, BR, BLR, RET (Arm ARM C6.2 operation pseudocode). */
import { A64Op } from '../../decode/a64/instruction';
import type { Handler } from './handlers-alu';
import * as operands from './operands';

// Module-local copies for the test runner: vitest's transform makes every read of an imported
// binding a getter call on the exporting module's object; without these copies (and the other
// interpreter files') the bench loops ran 1.3-2.4x slower interpreted under vitest. Compiled dist/
// and tsx (native ESM) ran the same either way (issue 17).
const Op: typeof A64Op = { ...A64Op };
const condHolds = operands.condHolds;

const branch: Handler = (cpu, i) => {
  cpu.pc = cpu.curPc + i.imm;
};

const branchLink: Handler = (cpu, i) => {
  cpu.setXFromNumber(30, cpu.curPc + 4);
  cpu.pc = cpu.curPc + i.imm;
};

const branchConditional: Handler = (cpu, i) => {
  if (condHolds(cpu, i.cond)) cpu.pc = cpu.curPc + i.imm;
};

const compareBranch: Handler = (cpu, i) => {
  const t = i.xd;
  const zero = i.sf ? (cpu.lo[t] | cpu.hi[t]) === 0 : cpu.lo[t] === 0;
  if (zero === (i.op === Op.CBZ)) cpu.pc = cpu.curPc + i.imm;
};

const testBranch: Handler = (cpu, i) => {
  const b = i.imm2;
  const bit = b >= 32 ? (cpu.hi[i.xd] >>> (b - 32)) & 1 : (cpu.lo[i.xd] >>> b) & 1;
  if ((bit === 0) === (i.op === Op.TBZ)) cpu.pc = cpu.curPc + i.imm;
};

/** BR and RET. */
const branchRegister: Handler = (cpu, i) => {
  cpu.setPcFromHalves(cpu.lo[i.xn], cpu.hi[i.xn]);
};

/** BLR: the target is read before X30 is written (BLR X30 branches to the old X30). */
const branchLinkRegister: Handler = (cpu, i) => {
  const tl = cpu.lo[i.xn];
  const th = cpu.hi[i.xn];
  cpu.setXFromNumber(30, cpu.curPc + 4);
  cpu.setPcFromHalves(tl, th);
};

export const branchHandlers: Record<number, Handler> = {
  [Op.B]: branch,
  [Op.BL]: branchLink,
  [Op.B_COND]: branchConditional,
  [Op.CBZ]: compareBranch,
  [Op.CBNZ]: compareBranch,
  [Op.TBZ]: testBranch,
  [Op.TBNZ]: testBranch,
  [Op.BR]: branchRegister,
  [Op.RET]: branchRegister,
  [Op.BLR]: branchLinkRegister,
};
