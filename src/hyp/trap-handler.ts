/**
 * The virtual EL2's synchronous exception handler. Like a real hypervisor it decides from the
 * syndrome (ESR_EL2/HSR), FAR/HPFAR and the guest's registers alone: it decodes the syndrome,
 * finds the register row the trapped encoding names, and either hands a set/way op, a cache
 * toggle or a stage-2 fault to the policy, or emulates the access as the hardware would have
 * performed it untrapped.
 */
import * as systemAccessKeys from '../decode/system-access';
import type { TrapDetail, TrappedVcpu } from '../exec/el2-gate';
import { decodeSyndrome } from '../exec/syndrome/decode';
import { AccessOutcome } from '../exec/system-instructions';
import * as sysregTable from '../exec/sysregs/table';
import { type SysRegRow } from '../exec/sysregs/table';
import type { Vcpu } from './vcpu';
import { extendMmioRead } from './mmio';

// Module-local copies for the test runner: vitest's transform makes every read of an imported
// binding a getter call on the exporting module's object; without these copies (and the other
// trap-path files') a trapped ID-register read cost 1.66x the host instructions under vitest,
// 1.07x under tsx, and the same in compiled dist/ (issue 17).
const { coprocKey, sysKey } = systemAccessKeys;
const { lookupCoproc, lookupSys } = sysregTable;

/** DFSC/IFSC to the stage-2 fault kinds a policy handles (D17 "ESR_EL2", ISS DFSC). */
function stage2FaultKind(fsc: number): 'translation' | 'permission' | 'access-flag' | undefined {
  switch (fsc & 0b111100) {
    case 0b000100:
      return 'translation';
    case 0b001000:
      return 'access-flag';
    case 0b001100:
      return 'permission';
    default:
      return undefined;
  }
}

export function handleTrap(vcpu: Vcpu, esr: number, detail: TrapDetail, regs: TrappedVcpu): void {
  try {
    dispatch(vcpu, esr >>> 0, detail, regs);
  } finally {
    // Back to the guest: the non-preemptible stretch of EL2 work ends here.
    vcpu.cost.endEl2Run();
  }
}

// A S/W loop traps with the same syndrome thousands of times in a row: keep the last decoding
// (syndromes are immutable values, so this changes nothing but the time).
let lastEsr = -1;
let lastSyndrome: ReturnType<typeof decodeSyndrome> | undefined;
let lastRow: SysRegRow | undefined;

function decodeCached(esr: number): ReturnType<typeof decodeSyndrome> {
  if (esr !== lastEsr || lastSyndrome === undefined) {
    lastSyndrome = decodeSyndrome(esr);
    lastRow =
      lastSyndrome.kind === 'coproc'
        ? lookupCoproc(coprocKey(lastSyndrome.access))?.row
        : lastSyndrome.kind === 'sys'
          ? lookupSys(sysKey(lastSyndrome.access))?.row
          : undefined;
    lastEsr = esr;
  }
  return lastSyndrome;
}

function dispatch(vcpu: Vcpu, esr: number, detail: TrapDetail, regs: TrappedVcpu): void {
  const cost = vcpu.cost;
  cost.traps++;
  cost.trapsByClass[esr >>> 26]++;
  cost.el2Work(cost.model.trapRoundTrip);
  const s = decodeCached(esr);
  vcpu.traceTrap(esr, regs);
  switch (s.kind) {
    case 'coproc': {
      const operand = s.access.read ? 0 : regs.readRegister(s.access.rt);
      systemAccess(vcpu, lastRow, !s.access.read, operand, regs, () => vcpu.emulate((ctx) => vcpu.sysregs.coproc(s.access, ctx), regs));
      break;
    }
    case 'sys': {
      const operand = s.access.read ? 0 : regs.readRegister(s.access.rt);
      systemAccess(vcpu, lastRow, !s.access.read, operand, regs, () => vcpu.emulate((ctx) => vcpu.sysregs.sys(s.access, ctx), regs));
      break;
    }
    case 'data-abort':
    case 'instruction-abort': {
      const fsc = s.kind === 'data-abort' ? s.dfsc : s.ifsc;
      const write = s.kind === 'data-abort' && s.wnr;
      // HPFAR_EL2.FIPA holds IPA[47:12] in bits [43:4]; the page offset comes from FAR (D17 "HPFAR_EL2").
      const ipa = Math.floor(detail.hpfar / 16) * 4096 + (detail.far & 0xfff);
      const kind = stage2FaultKind(fsc);
      // A write to a device mapped read-only (flash in read-array mode, as KVM's read-only
      // memslots) is the device's: emulate it before any policy takes the permission fault.
      const claimed = s.kind === 'data-abort' && vcpu.mmio?.claims(ipa) === true;
      if (claimed && kind === 'permission' && write) {
        emulateMmio(vcpu, s, ipa, regs);
        return;
      }
      // The policy first: an entry it invalidated (Xen's set/way emulation) may map a device page too.
      if (kind !== undefined && vcpu.policy.onStage2Fault?.(vcpu.host, ipa, write, kind)) {
        cost.stage2Faults++;
        cost.el2Work(cost.model.stage2Fault);
        // The instruction runs again from the start: the accesses it made before the fault will be made again.
        vcpu.port.observer?.restart?.(detail.far);
        return;
      }
      // RAM populated on demand (KVM's user_mem_abort): map it and run the instruction again.
      if (kind === 'translation' && vcpu.populate?.(ipa) === true) {
        cost.stage2Faults++;
        cost.el2Work(cost.model.stage2Fault);
        vcpu.port.observer?.restart?.(detail.far);
        return;
      }
      // Device pages are absent from stage 2: an access to one is emulated (ISV syndrome).
      if (claimed && kind === 'translation') {
        emulateMmio(vcpu, s, ipa, regs);
        return;
      }
      cost.stage2Faults++;
      cost.el2Work(cost.model.stage2Fault);
      vcpu.fail(
        `stage-2 ${kind ?? `fault 0x${fsc.toString(16)}`} on ${write ? 'write to' : s.kind === 'instruction-abort' ? 'fetch from' : 'read of'} ` +
          `IPA 0x${ipa.toString(16)} (VA 0x${(detail.far >>> 0).toString(16)}): outside the guest's memory`,
        regs,
      );
      return;
    }
    case 'hvc':
      regs.skipInstruction();
      if (vcpu.hypercalls !== null) {
        cost.hypercalls++;
        if (!vcpu.hypercalls.call(vcpu.id, s.imm16, false, regs)) vcpu.fail(`unknown hypercall HVC #0x${s.imm16.toString(16)} (function 0x${regs.readRegister(0).toString(16)})`, regs);
        return;
      }
      if (s.imm16 === 0) regs.halt('hvc #0');
      else vcpu.fail(`unknown hypercall HVC #0x${s.imm16.toString(16)}`, regs);
      return;
    case 'wfx':
      regs.skipInstruction();
      return;
    default:
      vcpu.fail(`unexpected trap to EL2: syndrome 0x${(esr >>> 0).toString(16)} (${s.kind})`, regs);
  }
}

/**
 * Perform a trapped device access (ISV=1) on the device model: a read's value goes to the
 * register SRT names, sign-extended per SSE to 32 or (SF) 64 bits; a write takes its value from
 * it. 8-byte accesses are two 4-byte ones, low word first. Without ISV (a load/store pair, or
 * writeback) the syndrome does not describe the access and the guest is stopped, as KVM reports.
 */
function emulateMmio(vcpu: Vcpu, s: Extract<ReturnType<typeof decodeSyndrome>, { kind: 'data-abort' }>, ipa: number, regs: TrappedVcpu): void {
  const mmio = vcpu.mmio!;
  if (!s.isv) {
    vcpu.fail(`device access at IPA 0x${ipa.toString(16)} that the syndrome does not describe (ISV=0: a pair, or writeback)`, regs);
    return;
  }
  vcpu.cost.mmioAccesses++;
  const bytes = 1 << s.sas;
  if (s.wnr) {
    const lo = regs.readRegister(s.srt);
    if (bytes === 8) {
      mmio.write(vcpu.id, ipa, 4, lo >>> 0);
      mmio.write(vcpu.id, ipa + 4, 4, regs.readRegisterHigh(s.srt) >>> 0);
    } else {
      mmio.write(vcpu.id, ipa, bytes as 1 | 2 | 4, bytes === 4 ? lo >>> 0 : lo & ((1 << (8 * bytes)) - 1));
    }
  } else if (bytes === 8) {
    const lo = mmio.read(vcpu.id, ipa, 4);
    regs.writeRegister(s.srt, lo, mmio.read(vcpu.id, ipa + 4, 4));
  } else {
    const value = extendMmioRead(mmio.read(vcpu.id, ipa, bytes as 1 | 2 | 4), bytes, s.sse);
    // SF: the register is 64 bits wide; a sign-extended value fills the high half with its sign.
    regs.writeRegister(s.srt, value, s.sf && s.sse && value >= 0x8000_0000 ? 0xffff_ffff : 0);
  }
  regs.skipInstruction();
}

function systemAccess(vcpu: Vcpu, row: SysRegRow | undefined, write: boolean, operand: number, regs: TrappedVcpu, emulate: () => AccessOutcome): void {
  const behaviour = row?.behaviour;
  if (behaviour?.kind === 'set-way') {
    vcpu.noteSetWay(behaviour.op, operand, true);
    vcpu.policy.onSetWay(vcpu.host, behaviour.op, operand);
    regs.skipInstruction();
    return;
  }
  const wasOn = vcpu.guestCachesOn;
  const outcome = emulate();
  if (outcome === AccessOutcome.Undefined) {
    regs.injectUndefined();
    return;
  }
  // Xen (the TVM_REG handlers -> p2m_toggle_cache) and KVM (access_vm_reg -> kvm_toggle_cache)
  // look at the caches after a write of any VM register, not only SCTLR: the policy decides.
  if (write && row?.trapWrite === 'TVM') {
    const isOn = vcpu.guestCachesOn;
    vcpu.policy.onCacheToggle(vcpu.host, wasOn, isOn, row.key);
    if (isOn !== wasOn) vcpu.traceCachesToggled(isOn);
  }
  regs.skipInstruction();
}
