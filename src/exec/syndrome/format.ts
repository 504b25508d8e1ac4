/**
 * Pretty-print a syndrome: the trapped instruction as a disassembler would show it, the register
 * or operation it names (from the register table), the set/way operand decoded against a cache
 * geometry, and abort details (DFSC named, instruction syndrome, IPA from HPFAR_EL2).
 * `setway hsr <hex>` / `setway esr <hex>` print this.
 */
import { coprocKey, sysKey, type CoprocAccess, type SysAccess } from '../../decode/system-access';
import { isA32ImplementationDefined, isA64ImplementationDefined, lookupCoproc, lookupSys } from '../sysregs/table';
import { type Syndrome, decodeSyndrome } from './decode';

/** One data or unified cache level, as plain numbers (exec cannot import src/cache). */
export interface CacheLevelGeometry {
  /** log2 of the line size in bytes. */
  readonly lineLog2: number;
  readonly ways: number;
  readonly sets: number;
}

export interface FormatContext {
  /** Value of the transfer register (low 32 bits) when the instruction trapped. */
  readonly rtValue?: number;
  /** Cache geometry by level: index 0 is L1. */
  readonly geometry?: readonly CacheLevelGeometry[];
  /** FAR_EL2 / HDFAR / HIFAR for aborts. */
  readonly far?: number;
  /** HPFAR_EL2 (FIPA, IPA[51:12], in bits [43:4]) for stage-2 aborts. */
  readonly hpfar?: number;
  /**
   * The value is an HSR (AArch32 EL2): Rt and Rt2 are 4-bit AArch32 register numbers and the bit
   * above each is RES0 (G8 "HSR", ISS for EC 0x03-0x06, 0x0C), never an AArch64 view.
   */
  readonly hsr?: boolean;
}

const CONDITIONS = ['EQ', 'NE', 'CS', 'CC', 'MI', 'PL', 'VS', 'VC', 'HI', 'LS', 'GE', 'LT', 'GT', 'LE', '', ''] as const;
const hex = (v: number): string => `0x${v.toString(16)}`;
const hex2 = (v: number): string => `0x${v.toString(16).padStart(2, '0')}`;

function condSuffix(cv: boolean, cond: number): string {
  return cv ? CONDITIONS[cond & 15] : '';
}

/** Name of a data/instruction fault status code (D17 "ESR_ELx", ISS DFSC/IFSC). */
export function faultStatusName(fsc: number): string {
  const level = fsc & 3;
  switch (fsc >> 2) {
    case 0b0000:
      return `address size fault level ${level}`;
    case 0b0001:
      return `translation fault level ${level}`;
    case 0b0010:
      return `access flag fault level ${level}`;
    case 0b0011:
      return `permission fault level ${level}`;
    case 0b0101:
      return `synchronous external abort on table walk level ${level}`;
    case 0b0111:
      return `parity/ECC error on table walk level ${level}`;
  }
  switch (fsc) {
    case 0b010000:
      return 'synchronous external abort';
    case 0b010001:
      return 'synchronous tag check fault';
    case 0b011000:
      return 'synchronous parity/ECC error';
    case 0b100001:
      return 'alignment fault';
    case 0b100010:
      return 'debug exception';
    case 0b110000:
      return 'TLB conflict abort';
    case 0b110001:
      return 'unsupported atomic hardware update fault';
    case 0b110100:
      return 'IMPLEMENTATION DEFINED fault (lockdown)';
    case 0b110101:
      return 'IMPLEMENTATION DEFINED fault (unsupported exclusive or atomic access)';
    case 0b111101:
      return 'section domain fault';
    case 0b111110:
      return 'page domain fault';
    default:
      return `reserved fault status ${hex2(fsc)}`;
  }
}

/**
 * Decode a set/way operand (Arm ARM D7.5.9 / "DC ISW": Way in [31:32-A], Set in [B-1:L],
 * Level-1 in [3:1]; A = ceil(log2(ways)), S = ceil(log2(sets)), B = L + S).
 */
export function describeSetWayOperand(value: number, geometry: readonly CacheLevelGeometry[]): string {
  const v = value >>> 0;
  const level = ((v >>> 1) & 7) + 1;
  const g = geometry[level - 1];
  if (!g) return `level=${level} (no such cache level)`;
  const a = Math.ceil(Math.log2(Math.max(1, g.ways)));
  const s = Math.ceil(Math.log2(Math.max(1, g.sets)));
  const way = a === 0 ? 0 : v >>> (32 - a);
  const set = s === 0 ? 0 : (v >>> g.lineLog2) & (2 ** s - 1);
  return `level=${level} set=${set} way=${way}`;
}

function coprocName(a: CoprocAccess): { name: string; setWay: boolean } {
  const entry = lookupCoproc(coprocKey(a));
  if (entry) {
    const e = entry.encoding;
    return { name: e.alias ? `${e.name}/${e.alias}` : e.name, setWay: entry.row.behaviour.kind === 'set-way' };
  }
  return { name: isA32ImplementationDefined(a) ? '<IMPLEMENTATION DEFINED>' : '<not in register table>', setWay: false };
}

function formatCoproc(s: Extract<Syndrome, { kind: 'coproc' }>, ctx: FormatContext): string {
  const a = s.access;
  const cond = condSuffix(s.cv, s.cond);
  const { name, setWay } = coprocName(a);
  // Above 15 the register is in the AArch64 view an AArch64 EL2 sees (e.g. x18 is LR_svc); an HSR has none.
  const reg = (n: number): string => (n < 16 || ctx.hsr ? `r${n & 15}` : `x${n}`);
  const text = a.wide
    ? `${a.read ? 'MRRC' : 'MCRR'}${cond} p${a.coproc},${a.opc1},${reg(a.rt)},${reg(a.rt2)},c${a.crm}`
    : `${a.read ? 'MRC' : 'MCR'}${cond} p${a.coproc},${a.opc1},${reg(a.rt)},c${a.crn},c${a.crm},${a.opc2}`;
  let out = `EC=${hex2(s.ec)} ${text} ${name}`;
  if (ctx.hsr && (a.rt > 15 || a.rt2 > 15)) out += ' (RES0 bits of an HSR set: Rt/Rt2 are 4 bits)';
  if (setWay && ctx.rtValue !== undefined && ctx.geometry) out += ` ${describeSetWayOperand(ctx.rtValue, ctx.geometry)}`;
  return out;
}

const xreg = (n: number): string => (n === 31 ? 'xzr' : `x${n}`);

/** AArch64 text of an MSR/MRS/SYS/SYSL access, named from the table (e.g. "DC CISW, x3", "MSR SCTLR_EL1, x0"). */
export function sysAccessText(a: SysAccess): string {
  const entry = lookupSys(sysKey(a));
  const generic = `S${a.op0}_${a.op1}_C${a.crn}_C${a.crm}_${a.op2}`;
  if (a.op0 === 1) {
    // Operand-less instructions (IC IALLU, TLBI VMALLE1) encode Rt = 31.
    if (entry && !a.read) return a.rt === 31 ? entry.encoding.name : `${entry.encoding.name}, ${xreg(a.rt)}`;
    return a.read ? `SYSL ${xreg(a.rt)}, #${a.op1}, C${a.crn}, C${a.crm}, #${a.op2}` : `SYS #${a.op1}, C${a.crn}, C${a.crm}, #${a.op2}, ${xreg(a.rt)}`;
  }
  const reg = entry ? entry.encoding.name : generic;
  const note = !entry && isA64ImplementationDefined(a) ? ' <IMPLEMENTATION DEFINED>' : '';
  return (a.read ? `MRS ${xreg(a.rt)}, ${reg}` : `MSR ${reg}, ${xreg(a.rt)}`) + note;
}

function formatSys(s: Extract<Syndrome, { kind: 'sys' }>, ctx: FormatContext): string {
  let out = `EC=${hex2(s.ec)} ${sysAccessText(s.access)}`;
  const entry = lookupSys(sysKey(s.access));
  if (entry?.row.behaviour.kind === 'set-way' && ctx.rtValue !== undefined && ctx.geometry) out += ` ${describeSetWayOperand(ctx.rtValue, ctx.geometry)}`;
  return out;
}

const SIZES = ['byte', 'halfword', 'word', 'doubleword'] as const;

function ipaText(ctx: FormatContext): string {
  let out = '';
  if (ctx.hpfar !== undefined && ctx.hpfar !== 0) {
    // HPFAR_EL2.FIPA[43:4] holds IPA[51:12].
    out += ` IPA=${hex(Math.floor(ctx.hpfar / 16) * 4096)}`;
  }
  if (ctx.far !== undefined) out += ` FAR=${hex(ctx.far)}`;
  return out;
}

function formatDataAbort(s: Extract<Syndrome, { kind: 'data-abort' }>, ctx: FormatContext): string {
  let out = `EC=${hex2(s.ec)} ${s.className}: ${faultStatusName(s.dfsc)}, ${s.wnr ? 'write' : 'read'}`;
  if (s.isv) out += `, ISV=1 SAS=${SIZES[s.sas]} SSE=${+s.sse} SRT=${s.srt} SF=${+s.sf} AR=${+s.ar}`;
  else out += ', ISV=0';
  out += ` S1PTW=${+s.s1ptw} CM=${+s.cm} EA=${+s.ea} FnV=${+s.fnv}`;
  if (s.il === 0) out += ' IL=16-bit';
  return out + ipaText(ctx);
}

function formatInstructionAbort(s: Extract<Syndrome, { kind: 'instruction-abort' }>, ctx: FormatContext): string {
  return `EC=${hex2(s.ec)} ${s.className}: ${faultStatusName(s.ifsc)}, S1PTW=${+s.s1ptw} EA=${+s.ea} FnV=${+s.fnv}${ipaText(ctx)}`;
}

const WFX_NAMES = ['WFI', 'WFE', 'WFIT', 'WFET'] as const;

/** Format a raw ESR_EL2/HSR value or an already decoded syndrome. */
export function formatSyndrome(esr: number | Syndrome, ctx: FormatContext = {}): string {
  const s = typeof esr === 'number' ? decodeSyndrome(esr) : esr;
  switch (s.kind) {
    case 'coproc':
      return formatCoproc(s, ctx);
    case 'sys':
      return formatSys(s, ctx);
    case 'wfx':
      return `EC=${hex2(s.ec)} ${WFX_NAMES[s.ti]}${condSuffix(s.cv, s.cond)}${s.il === 0 ? ' (16-bit)' : ''}`;
    case 'hvc':
      return `EC=${hex2(s.ec)} HVC #${hex(s.imm16)}`;
    case 'svc':
      return `EC=${hex2(s.ec)} SVC #${hex(s.imm16)}${s.il === 0 ? ' (16-bit)' : ''}`;
    case 'smc64':
      return `EC=${hex2(s.ec)} SMC #${hex(s.imm16)}`;
    case 'smc32':
      return `EC=${hex2(s.ec)} SMC${condSuffix(s.cv, s.cond)}${s.ccKnownPass ? ' (condition known to pass)' : ''}`;
    case 'ldc-stc':
      return `EC=${hex2(s.ec)} ${s.read ? 'LDC' : 'STC'}${condSuffix(s.cv, s.cond)} p14 [r${s.rn}] imm8=${s.imm8} AM=${s.addressingMode}`;
    case 'data-abort':
      return formatDataAbort(s, ctx);
    case 'instruction-abort':
      return formatInstructionAbort(s, ctx);
    case 'unknown':
      return `EC=${hex2(s.ec)} ${s.className}`;
    default:
      return `EC=${hex2(s.ec)} ${s.className} ISS=${hex(s.iss)}`;
  }
}
