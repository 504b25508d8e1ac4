/**
 * Secondary bring-up beside another VM. Debian's armmp kernel with two vCPUs starts CPU 1 through
 * PSCI CPU_ON; CPU 1's `__v7_setup` runs `v7_invalidate_l1`, a DCISW over every line of L1 with
 * caches off, on the pCPU vCPU 1 starts on. Just before CPU_ON a second VM, which never runs, gets
 * dirty lines in that pCPU's L1 (as if it had run there until vCPU 1 was scheduled); at the end
 * each of its lines is read back as its latest copy anywhere. With HCR.VM or HCR.SWIO set an EL1
 * DCISW is performed as a clean and invalidate (Arm ARM D7.5.9, HCR_EL2.SWIO), and with HCR.TSW
 * it traps to the policy: either way nothing of the other VM is lost. Without both
 * (`passthrough:novm`) the invalidate discards the other VM's data.
 *
 * The guest itself is judged as every boot is, against the same boot on bare metal (src/scenarios/
 * boot.ts: two vCPUs, no other VM, no hypervisor): a policy that spares the other VM must not do it
 * by making the guest read stale data.
 */
import { cachePreset } from '../cache/presets';
import { HCR } from '../exec/el2-gate';
import type { SetWayOp } from '../exec/system-port';
import type { Machine } from '../hyp/machine';
import type { Vcpu, VcpuTraceSink } from '../hyp/vcpu';
import type { Vm } from '../hyp/vm';
import type { KernelPlacement } from '../platform/linux-boot';
import { runBoot } from './boot';
import { HeisenbugError } from './heisenbug';
import { dataLost, lostData, type Verdict } from './lockstep/verdict';

export interface BringUpOptions {
  /** Debian's armmp kernel, placed (an unpacked Image boots to CPU 1 in about 200 M instructions). */
  readonly kernel: KernelPlacement;
  readonly policies: readonly string[];
  /** Dirty lines of the other VM planted in that pCPU's L1 data cache (default 256; at most the L1's lines). */
  readonly victimLines?: number;
  readonly bootargs?: string;
  /** Instructions per run (default 400 M). */
  readonly budget?: number;
  /** Judge the guest against bare metal (default true; false halves the time and leaves `guest` null). */
  readonly compare?: boolean;
  readonly onRow?: (row: BringUpRow) => void;
}

export interface BringUpRow {
  readonly policy: string;
  /** HCR bits that decide what DCISW at EL1 does, at vCPU 1's first S/W op: e.g. `VM TSW`. */
  readonly hcr: string;
  /** The pCPU vCPU 1 started on, where the other VM's lines were planted. */
  readonly pcpu: number;
  /** vCPU 1's S/W ops by what became of them: `512 DCISW trapped`, `512 DCISW as DCCISW`. */
  readonly secondaryOps: string;
  /** The kernel function of vCPU 1's first S/W op (v7_invalidate_l1), when the kernel has symbols. */
  readonly secondaryOpsIn: string | null;
  readonly planted: number;
  /** Lines of the other VM whose latest copy anywhere differs from what it wrote. */
  readonly destroyed: number;
  /** Where the intact ones are: dirty in a cache (by name, e.g. `cluster0.L2`) or in `memory`. */
  readonly kept: Readonly<Record<string, number>>;
  readonly broughtUp: boolean;
  readonly end: string;
  readonly failure: string | null;
  readonly instructions: number;
  readonly traps: number;
  /** What the guest saw against the same boot on bare metal, or null when not compared. */
  readonly guest: GuestVerdict | null;
  readonly wallMs: number;
  /** One line: what the DCISW did to the other VM's lines, and why. */
  readonly explanation: string;
}

export interface GuestVerdict {
  readonly lostData: boolean;
  readonly loadsCompared: number;
  /** The first point where the guest's loads left bare metal's, in one line, or null. */
  readonly firstDivergence: string | null;
}

export interface BringUpReport {
  readonly victimLines: number;
  readonly rows: readonly BringUpRow[];
}

export const BRING_UP_BOOTARGS = 'console=ttyAMA0 earlycon cryptomgr.notests';
const BROUGHT_UP = /smp: Brought up 1 node, 2 CPUs/;
const PRESET = 'qemu-cortex-a15';
/** Where the other VM's lines live in its RAM: 1 MiB in, as test/hyp/two-vms.test.ts. */
const VICTIM_OFFSET = 0x10_0000;
/** Words the other VM wrote: distinct per line and word, never what zeroed RAM holds. */
const victimWord = (line: number, word: number) => (0x5e70_0000 + line * 16 + word) >>> 0;

/** Lines of the preset's L1 data cache (the most that can sit there at once). */
export function l1DataLines(preset = PRESET): number {
  const l1 = cachePreset(preset).levels.find((l) => l.level === 1 && l.kind !== 'instruction')!;
  return l1.sets * l1.ways;
}

export function runBringUp(o: BringUpOptions): BringUpReport {
  if (o.kernel.isa !== 'a32') throw new HeisenbugError(`the bring-up runs Debian's armmp kernel (A32); this kernel is ${o.kernel.kind}`);
  const victimLines = o.victimLines ?? 256;
  const capacity = l1DataLines();
  if (!Number.isInteger(victimLines) || victimLines < 1 || victimLines > capacity) {
    throw new HeisenbugError(`victim lines must be 1 to ${capacity} (the L1 data cache's lines), not ${victimLines}`);
  }
  const rows: BringUpRow[] = [];
  for (const policy of o.policies) {
    const row = bringUpRow(o, policy, victimLines);
    rows.push(row);
    o.onRow?.(row);
  }
  return { victimLines, rows };
}

/** Vcpu.setWayLog records, as counted in a row. */
interface SecondaryOps {
  hcr: number | null;
  pc: number | null;
  readonly counts: Map<string, number>;
}

/** The other VM's lines, planted at CPU_ON in the L1 of `pcpu`. */
interface Planted {
  readonly machine: Machine;
  readonly pcpu: number;
  readonly pas: readonly number[];
}

function bringUpRow(o: BringUpOptions, policy: string, victimLines: number): BringUpRow {
  const seen: { planted?: Planted; secondary?: Vcpu } = {};
  const ops: SecondaryOps = { hcr: null, pc: null, counts: new Map() };
  const sink: VcpuTraceSink = {
    trap: () => {},
    action: () => {},
    setWay: (vcpu) => {
      if (vcpu !== seen.secondary || ops.hcr !== null) return;
      ops.hcr = vcpu.hcrValue;
      ops.pc = vcpu.cpu.pc >>> 0;
    },
  };
  const t0 = performance.now();
  const r = runBoot({
    kernel: o.kernel,
    vcpus: 2,
    preset: PRESET,
    policy,
    compare: o.compare ?? true,
    bootargs: o.bootargs ?? BRING_UP_BOOTARGS,
    budget: o.budget ?? 400_000_000,
    until: BROUGHT_UP,
    secondVm: true,
    trace: sink,
    beforeCpuOn: (machine, vm, index) => {
      if (index !== 1 || seen.planted !== undefined) return;
      const vcpu = vm.vcpus[1];
      vcpu.setWayLog = [];
      seen.secondary = vcpu;
      seen.planted = { machine, pcpu: vcpu.pcpu, pas: plantVictimLines(machine, machine.vms[1], vcpu.pcpu, victimLines) };
    },
  });
  const wallMs = performance.now() - t0;
  for (const rec of seen.secondary?.setWayLog ?? []) {
    const key = describeOp(rec.op, rec.trapped);
    ops.counts.set(key, (ops.counts.get(key) ?? 0) + 1);
  }
  const fate = seen.planted === undefined ? null : victimFate(seen.planted);
  const row = {
    policy,
    hcr: hcrBits(ops.hcr),
    pcpu: seen.planted?.pcpu ?? -1,
    secondaryOps: [...ops.counts].map(([k, n]) => `${n} ${k}`).join(', ') || 'none',
    secondaryOpsIn: ops.pc === null ? null : (o.kernel.symbolizer?.nameOf(ops.pc)?.replace(/\+0x[0-9a-f]+$/, '') ?? null),
    planted: fate === null ? 0 : victimLines,
    destroyed: fate?.destroyed ?? 0,
    kept: fate?.kept ?? {},
    broughtUp: BROUGHT_UP.test(r.console),
    end: r.end,
    failure: r.failure,
    instructions: r.instructions,
    traps: r.machine.cost.traps,
    guest: r.verdict === null ? null : guestVerdict(r.verdict),
    wallMs,
  };
  return { ...row, explanation: explain(row, ops) };
}

/**
 * The other VM writes every word of `lines` lines from its RAM's VICTIM_OFFSET through `pcpu`'s
 * caches: one line per L1 set first, then the second way, all dirty in that L1.
 */
function plantVictimLines(machine: Machine, victim: Vm, pcpu: number, lines: number): number[] {
  const lb = machine.caches.lineBytes;
  const pas: number[] = [];
  for (let i = 0; i < lines; i++) {
    const pa = victim.ipaToPa(victim.ramIpa + VICTIM_OFFSET + i * lb);
    for (let w = 0; w < lb / 4; w++) machine.caches.write(pcpu, pa + w * 4, 4, victimWord(i, w));
    pas.push(pa);
  }
  return pas;
}

/** Each planted line read back as the other VM would (its latest copy anywhere), and where it is. */
function victimFate(p: Planted): { destroyed: number; kept: Record<string, number> } {
  const { caches } = p.machine;
  const dirtyIn = new Map<number, string>();
  for (const d of caches.dirtyLines()) if (!dirtyIn.has(d.pa) || d.level === 1) dirtyIn.set(d.pa, d.cache);
  let destroyed = 0;
  const kept: Record<string, number> = {};
  p.pas.forEach((pa, i) => {
    let intact = true;
    for (let w = 0; w < caches.lineBytes / 4 && intact; w++) intact = caches.peek(p.pcpu, pa + w * 4, 4) === victimWord(i, w);
    if (!intact) destroyed++;
    else {
      const where = dirtyIn.get(pa) ?? 'memory';
      kept[where] = (kept[where] ?? 0) + 1;
    }
  });
  return { destroyed, kept };
}

function guestVerdict(v: Verdict): GuestVerdict {
  return {
    lostData: lostData({ dataLost: dataLost(v), controlFlowCause: v.controlFlowCause, guestFailure: v.guestFailure }),
    loadsCompared: v.loadsCompared,
    firstDivergence: v.firstDivergence?.text ?? v.guestFailure,
  };
}

function describeOp(op: SetWayOp, trapped: boolean): string {
  const name = { isw: 'DCISW', csw: 'DCCSW', cisw: 'DCCISW' }[op];
  // Untrapped records hold the op performed: DCCISW may be a DCISW that HCR.VM/SWIO upgraded.
  return trapped ? `${name} trapped` : name;
}

function hcrBits(hcr: number | null): string {
  if (hcr === null) return '-';
  const bits = (['VM', 'SWIO', 'TSW'] as const).filter((b) => (hcr & HCR[b]) !== 0);
  return bits.length === 0 ? 'none' : bits.join(' ');
}

function explain(row: Omit<BringUpRow, 'explanation'>, ops: SecondaryOps): string {
  if (row.planted === 0) return `vCPU 1 was never started (${row.failure ?? row.end}): nothing planted`;
  const where = `vCPU 1${row.secondaryOpsIn === null ? '' : ` (${row.secondaryOpsIn})`} on pCPU ${row.pcpu}`;
  const kept = keptText(row.kept);
  if (ops.hcr === null) return `${where} issued no S/W op: of the other VM's lines ${row.destroyed} destroyed${kept === '' ? '' : `, kept: ${kept}`}`;
  if (row.destroyed > 0) {
    return `HCR.VM and HCR.SWIO clear: ${where} ran DCISW as an invalidate and discarded ${row.destroyed} of the other VM's ${row.planted} dirty lines${kept === '' ? '' : ` (kept: ${kept})`}`;
  }
  if ((ops.hcr & HCR.TSW) !== 0) return `HCR.TSW: ${where} trapped each S/W op to the policy, which left the other VM's lines alone (${kept})`;
  return `HCR.${(ops.hcr & HCR.SWIO) !== 0 ? 'SWIO' : 'VM'}: ${where} ran each DCISW as DCCISW (D7.5.9): the other VM's lines were cleaned, not discarded (${kept})`;
}

/** `cluster0.L2 200, memory 56`: where the other VM's intact lines are. */
export function keptText(kept: Readonly<Record<string, number>>): string {
  return Object.entries(kept)
    .map(([where, n]) => `${n} ${where === 'memory' ? 'in memory' : `dirty in ${where}`}`)
    .join(', ');
}
