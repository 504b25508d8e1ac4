/** One line per trap and per policy action, with the decoded syndrome: `setway trace` and `run --trace`. */
import { decodeSyndrome } from '../exec/syndrome/decode';
import { formatSyndrome } from '../exec/syndrome/format';
import type { TrappedVcpu } from '../exec/el2-gate';
import { geometryOfCaches } from '../hyp/cache-geometry-view';
import type { Vcpu, VcpuTraceSink } from '../hyp/vcpu';

export class TracePrinter implements VcpuTraceSink {
  lines = 0;
  /** `nameOf` names the code at a PC ("v7_invalidate_l1+0x1c"), where the guest's symbols are known. */
  constructor(
    private readonly write: (line: string) => void,
    private readonly nameOf: (pc: number) => string | undefined = () => undefined,
  ) {}

  trap(vcpu: Vcpu, esr: number, regs: TrappedVcpu): void {
    const s = decodeSyndrome(esr);
    let rtValue: number | undefined;
    if ((s.kind === 'coproc' || s.kind === 'sys') && !s.access.read) rtValue = regs.readRegister(s.access.rt) >>> 0;
    const geometry = geometryOfCaches(vcpu.port.caches, vcpu.port.pcpu);
    this.emit(vcpu, `trap 0x${(esr >>> 0).toString(16).padStart(8, '0')} ${formatSyndrome(s, { rtValue, geometry })}`);
  }

  action(vcpu: Vcpu, message: string): void {
    this.emit(vcpu, `  ${vcpu.policy.name}: ${message}`);
  }

  private emit(vcpu: Vcpu, text: string): void {
    this.lines++;
    const pc = vcpu.cpu.pc >>> 0;
    const name = this.nameOf(pc);
    this.write(`[${String(vcpu.cpu.instructionsRetired).padStart(9)} vCPU${vcpu.id}@pCPU${vcpu.pcpu} pc=${pc.toString(16).padStart(8, '0')}${name === undefined ? '' : ` ${name}`}] ${text}\n`);
  }
}
